"""Demo package indexes for tutorials and tests (standard library + ``packaging`` only).

``nbext.demo.start()`` serves a small catalogue of fictional packages from three
local sources; ``IndexServer`` is the index itself, usable on its own.

Owns, bottom up: ``dists`` (sample wheels and sdists, built deterministically),
``store`` (the projects, releases and files an index serves, in memory), ``pages``
(HTML and PEP 691 JSON pages, project pages, the legacy JSON API's documents),
``negotiation`` (Accept, If-None-Match and Range headers), ``faults`` (fault injection),
``records`` (what the index saw: request and upload records, their log), ``response``
(an answer before it is sent), ``routes`` (path to answer for ``GET``/``HEAD``),
``upload_form`` (the upload form: parsing and the public index's checks), ``upload``
(accepting an upload: credentials, storing, the record), ``handler`` (the HTTP server and
request handler: the wire), ``server`` (``IndexServer``: settings, lifecycle, dispatch),
``catalogue`` (the tutorial's three sources), ``scratch`` (a tutorial's throwaway
directory, removed however its kernel ends), ``__main__`` (``python -m nbext.demo``).

May import: the standard library and ``packaging``; nothing else from ``nbext``, so the
demo index stays an independent check of the client code it serves.
"""

from __future__ import annotations

from .catalogue import Demo, start
from .dists import Dist, build_sdist, build_wheel, core_metadata, write_dists
from .faults import FaultAction
from .records import RequestRecord, UploadRecord
from .scratch import throwaway_dir
from .server import IndexServer

__all__ = [
    "Demo",
    "Dist",
    "FaultAction",
    "IndexServer",
    "RequestRecord",
    "UploadRecord",
    "build_sdist",
    "build_wheel",
    "core_metadata",
    "start",
    "throwaway_dir",
    "write_dists",
]
