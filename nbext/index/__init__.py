"""Reading what an index serves: pure parsers from bytes to dataclasses.

Owns: ``tags`` (an HTML page's start tags, read as html.parser reads them), ``pages`` (links
on PEP 503 HTML and PEP 691 JSON pages, as Poetry reads them; PEP 708's "tracks" and
"alternate locations"), ``reader`` (a project's files and PEP 708 lists on a page,
:class:`PageReader`), ``filenames`` (names and versions from distribution file names),
``files`` (File, Release, grouping, hashes), ``metadata`` (core metadata and the JSON API),
``choice`` (which file's metadata describes a release; the py2/py3 merge), ``archive`` (the
one reader of METADATA / PKG-INFO inside a zip or tar), ``lazy_wheel`` (METADATA from a
wheel by range requests).

May import: ``nbext.errors``, ``nbext.constants``, ``nbext.redact``. No network I/O
(``archive`` reads a file only when given its path; ``lazy_wheel`` reads through the fetch
function it is given).
"""
