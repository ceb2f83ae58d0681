"""What an interpreter says about itself; run *by* that interpreter when it is not this one.

``python -I _probe.py describe PACKAGING_PARENT`` prints one JSON object (prefixes, sysconfig
paths, ``sys.path``, marker environment, supported wheel tags); ``... installed
PACKAGING_PARENT`` prints ``{canonical name: version}`` of every distribution on its
``sys.path`` (the first one found wins, as for ``import``). The standard library only, plus
``packaging`` loaded from the folder given (the running nbext's copy, without the rest of that
site-packages), so the target needs nothing installed. The running interpreter imports this
module and calls the same functions directly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import sysconfig
from typing import Any

__all__ = ["describe", "installed"]


def describe() -> dict[str, Any]:
    """This interpreter: where it lives, what it runs, what it can install."""
    from packaging import markers, tags

    return {
        "executable": sys.executable,
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "version": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "cache_tag": sys.implementation.cache_tag,
        "paths": sysconfig.get_paths(),
        "sys_path": [p for p in sys.path if p],
        "markers": dict(markers.default_environment()),
        "tags": [str(t) for t in tags.sys_tags()],
    }


def installed(path: list[str] | None = None) -> dict[str, str]:
    """``{canonical name: version}`` of the distributions on ``path`` (``sys.path``)."""
    import importlib.metadata

    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions(path=sys.path if path is None else path):
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist.version)
    return found


def _load_packaging(parent: str) -> None:
    """Import ``packaging`` from ``parent`` only (not the rest of that folder)."""
    init = os.path.join(parent, "packaging", "__init__.py")
    spec = importlib.util.spec_from_file_location(
        "packaging", init, submodule_search_locations=[os.path.dirname(init)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - a broken nbext install
        raise ImportError(f"no packaging at {parent}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["packaging"] = module
    spec.loader.exec_module(module)


def _main(argv: list[str]) -> int:
    mode, parent = argv[1], argv[2]
    _load_packaging(parent)
    answer = describe() if mode == "describe" else installed()
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
