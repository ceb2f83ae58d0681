"""The IPython magics: parse a line, call the Workspace, display the result.

Owns: one module per family of magics, each thin (parse, call, display): ``source``
(``%source``, ``%add``), ``lookup``, ``config`` (``%config``, ``%nbconfig``), ``cache``,
``publish``, ``netlog``, ``status`` (``%nbext``), ``install`` (``%lock``, ``%install``);
``base`` (what they share: the Workspace they call, argument parsing, reports to stdout/stderr,
secrets kept out of messages); ``extension`` (``load``/``unload``: register every family, put
back what they replaced); ``typed`` (the line as typed: braces and shlex-style splitting with
the position of every character), ``linesecrets`` (which parts of a line are secrets), ``scrub``
(taking them out of the cell and of this cell's history).

May import: anything in nbext.
"""
