"""Reading what an index serves: pure parsers from bytes to dataclasses.

Owns: ``model`` (files, releases, metadata and the choice of the metadata file),
``pages`` (PEP 503 HTML and PEP 691 JSON pages, as Poetry reads them), ``lazy_wheel``
(METADATA from a wheel by range requests).

May import: ``nbext.errors``, ``nbext.constants``, ``nbext.auth.redact``. No I/O.
"""
