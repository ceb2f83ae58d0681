"""Caps on what an index can make nbext read or wait for (documented in the README).

Each cap is an environment variable, read when a Workspace is built:

=============================  =========  ==================================================
variable                       default    what it bounds
=============================  =========  ==================================================
``NBEXT_MAX_PAGE_BYTES``       64 MiB     one index page, decompressed (the largest public
                                          project pages are a few MB)
``NBEXT_MAX_METADATA_BYTES``   8 MiB      one metadata file (PEP 658, the JSON API, a wheel's
                                          METADATA member), decompressed
``NBEXT_MAX_DOWNLOAD_BYTES``   256 MiB    one distribution downloaded whole to read its
                                          metadata
``NBEXT_MAX_RETRY_AFTER``      10 s       the longest ``Retry-After`` honoured; a server that
                                          asks for more is not retried
=============================  =========  ==================================================

A body past its cap ends the request at once (a 1 GB gzip bomb costs the 1 MB that carries it),
with a row that names the cap and the variable that raises it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Cap", "Limits"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class Cap:
    """A size cap and how to talk about it."""

    bytes: int
    what: str  # "an index page"
    setting: str  # "NBEXT_MAX_PAGE_BYTES"

    def message(self, url: str) -> str:
        return (
            f"{self.what} larger than {_size(self.bytes)} at {url}: not read. If it is "
            f"genuine, raise the cap: {self.setting}=<bytes> in the kernel's environment"
        )


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n % MiB == 0 else f"{n} bytes"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        from nbext.errors import ConfigError

        raise ConfigError(f"{name}={raw!r} is not a number of bytes. Fix: unset it") from None
    return max(value, 1)


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(float(raw), 0.0)
    except ValueError:
        from nbext.errors import ConfigError

        raise ConfigError(f"{name}={raw!r} is not a number of seconds. Fix: unset it") from None


@dataclass(frozen=True)
class Limits:
    """The caps in force (see the module docstring)."""

    page: Cap = Cap(64 * MiB, "an index page", "NBEXT_MAX_PAGE_BYTES")
    metadata: Cap = Cap(8 * MiB, "a metadata file", "NBEXT_MAX_METADATA_BYTES")
    download: Cap = Cap(256 * MiB, "a distribution", "NBEXT_MAX_DOWNLOAD_BYTES")
    retry_after: float = 10.0

    @classmethod
    def from_env(cls) -> Limits:
        base = cls()

        def cap(default: Cap) -> Cap:
            return Cap(_env_int(default.setting, default.bytes), default.what, default.setting)

        return cls(
            page=cap(base.page),
            metadata=cap(base.metadata),
            download=cap(base.download),
            retry_after=_env_float("NBEXT_MAX_RETRY_AFTER", base.retry_after),
        )
