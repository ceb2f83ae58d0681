"""Everything a person sees or types into: HTML views, live views, widgets, prompts.

Owns: ``html`` (the HTML view of every result type, behind ``to_html``), ``display``
(registering those views with IPython's ``text/html`` formatter), ``views`` (the throttled
widget view every live view builds on, with its constant ``text/plain``, and the transient
view a command shows only while it runs), ``live`` (the live lookup view and ``%netlog``),
``cacheview`` (``%cache``'s view and Poetry's question as buttons), ``publishview``
(``%publish`` while it runs), ``installview`` (``%lock`` and ``%install``: their results and
live views), ``prompt`` (credential prompts: widget form, terminal, none). The only layer
that imports ipywidgets.

May import: ``nbext.errors``, ``nbext.redact``, ``nbext.report``, ``nbext.config``,
``nbext.auth``, ``nbext.cache``, ``nbext.net``, ``nbext.project``, ``nbext.lookup``,
``nbext.publish``, ``nbext.resolve`` (its results only: Poetry is loaded on first use) (never
``nbext.facade``, ``nbext.kernel`` or ``nbext.magics``).
"""
