"""Everything a person sees or types into: live views, widgets, prompts, the status screen.

Owns: ``live`` (the live lookup, cache and publish views, ``%netlog``), ``prompt``
(credential prompts: widget form, terminal, none), ``status`` (``%nbext``). The only layer
that imports ipywidgets.

May import: every layer below the workspace (never ``nbext.facade`` or ``nbext.magics``).
"""
