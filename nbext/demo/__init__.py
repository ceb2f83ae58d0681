"""Demo package indexes for tutorials and tests (standard library + ``packaging`` only).

``nbext.demo.start()`` serves a small catalogue of fictional packages from three
local sources; ``IndexServer`` is the index itself, usable on its own.
"""

from __future__ import annotations

from .catalogue import Demo, start
from .dists import Dist, build_sdist, build_wheel, core_metadata, write_dists
from .server import FaultAction, IndexServer, RequestRecord, UploadRecord

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
    "write_dists",
]
