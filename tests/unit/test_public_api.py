"""The public API of ``nbext`` is exactly its ``__all__`` (nbext/__init__.py)."""

from __future__ import annotations

import nbext


def test_public_api_is_exactly_all() -> None:
    import types

    names = {n for n in dir(nbext) if not n.startswith("_")}
    # the layer subpackages are attributes once imported; the public API is what __all__ says
    public = {n for n in names if not isinstance(getattr(nbext, n), types.ModuleType)} - {
        "annotations",
        "TYPE_CHECKING",
    }
    assert public | {"__version__"} == set(nbext.__all__)
    assert len(nbext.__all__) == len(set(nbext.__all__))
