"""The IPython magics: parse a line, call the Workspace, display the result.

Owns: ``magics`` (the magics), ``typed`` (the line as typed: braces and shlex-style
splitting with the position of every character), ``linesecrets`` (which parts of a line are
secrets), ``scrub`` (taking them out of the cell and of this cell's history).

May import: anything in nbext.
"""
