"""The tutorial's fictional packages, spread over three package sources.

* ``corp``   - a company index (PEP 691 JSON + PEP 658 metadata).
* ``mirror`` - a plain PyPI-like mirror (HTML only, no metadata files).  It
  has ``shadowed 9.9.9`` (a higher version of a corp package: dependency
  confusion) and ``acme-utils 1.0.0`` (the same version as on corp).
* ``extras`` - a small JSON index with ``gpu-kernels``, found nowhere else
  (the use case for an *explicit* source), and a newer ``colorama-lite``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .dists import Dist
from .server import IndexServer

__all__ = ["CATALOGUE", "Demo", "SourceSpec", "start"]


@dataclass(frozen=True)
class SourceSpec:
    """How one demo source is served and what it holds."""

    name: str
    api: Literal["json", "html"]
    metadata: bool
    description: str
    dists: tuple[Dist, ...]


_CORP = SourceSpec(
    name="corp",
    api="json",
    metadata=True,
    description="company index: PEP 691 JSON API with PEP 658 metadata",
    dists=(
        Dist("acme-utils", "1.0.0", summary="ACME shared helpers"),
        Dist("acme-utils", "2.0.0", summary="ACME shared helpers"),
        Dist(
            "acme-utils",
            "2.1.0",
            requires_dist=("acme-core>=1",),
            summary="ACME shared helpers",
        ),
        Dist(
            "acme-utils",
            "3.0.0rc1",
            requires_dist=("acme-core>=1.2",),
            summary="ACME shared helpers (pre-release)",
        ),
        Dist("acme-core", "1.0.0", summary="ACME core library"),
        Dist("acme-core", "1.2.0", summary="ACME core library"),
        Dist("acme-ml", "0.3.0", requires_dist=("acme-core>=1",), summary="ACME ML toolkit"),
        Dist(
            "acme-ml",
            "0.4.0",
            requires_dist=("acme-core>=1",),
            summary="ACME ML toolkit",
            yanked="broken build",
        ),
        Dist("shadowed", "1.0.0", summary="Internal package whose name also exists publicly"),
    ),
)

_MIRROR = SourceSpec(
    name="mirror",
    api="html",
    metadata=False,
    description="public mirror: plain HTML (PEP 503), no metadata files",
    dists=(
        Dist("tinyhttp", "0.9.0", requires_python=">=3.8", summary="A tiny HTTP client"),
        Dist("tinyhttp", "1.0.0", requires_python=">=3.8", summary="A tiny HTTP client"),
        Dist("colorama-lite", "0.4.6", summary="Terminal colours, lite"),
        Dist("shadowed", "9.9.9", summary="Public squatter on an internal name"),
        Dist("acme-utils", "1.0.0", summary="ACME shared helpers (mirror upload)"),
    ),
)

_EXTRAS = SourceSpec(
    name="extras",
    api="json",
    metadata=True,
    description="extra index: PEP 691 JSON API",
    dists=(
        Dist("gpu-kernels", "2.0.0", summary="Hand-written GPU kernels"),
        Dist("colorama-lite", "0.5.0", summary="Terminal colours, lite"),
    ),
)

#: The three demo sources in the order they are started (and suggested to users).
CATALOGUE: tuple[SourceSpec, ...] = (_CORP, _MIRROR, _EXTRAS)


@dataclass
class Demo:
    """The running demo sources, by name."""

    servers: dict[str, IndexServer]

    @property
    def urls(self) -> dict[str, str]:
        return {name: server.url for name, server in self.servers.items()}

    def source_lines(self) -> str:
        """The ``%source add`` lines a user types to register every demo source."""
        return "\n".join(f"%source add {name} {url}" for name, url in self.urls.items())

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(*, ports: Mapping[str, int] | None = None) -> Demo:
    """Start the ``corp``, ``mirror`` and ``extras`` servers.

    ``ports`` maps source names to ports; a missing name or ``0`` means an
    ephemeral port.  If one server fails to start, the others are stopped.
    """
    ports = dict(ports or {})
    unknown = set(ports) - {spec.name for spec in CATALOGUE}
    if unknown:
        raise ValueError(f"unknown demo sources: {', '.join(sorted(unknown))}")
    servers: dict[str, IndexServer] = {}
    try:
        for spec in CATALOGUE:
            server = IndexServer(
                spec.dists,
                name=spec.name,
                api=spec.api,
                metadata=spec.metadata,
                port=ports.get(spec.name, 0),
            )
            servers[spec.name] = server.start()
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return Demo(servers)
