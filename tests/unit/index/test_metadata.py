"""Core metadata as a lookup reads it (nbext.index.metadata)."""

from __future__ import annotations

from nbext.index.metadata import parse_metadata


def test_parse_metadata() -> None:
    meta = parse_metadata(
        b"Metadata-Version: 2.1\nName: acme\nVersion: 1.0\nSummary: hi\n"
        b"Requires-Python: >=3.8\nRequires-Dist: a>=1\nRequires-Dist: b; extra == 'x'\n\nbody"
    )
    assert (meta.name, meta.version, meta.summary, meta.requires_python) == (
        "acme",
        "1.0",
        "hi",
        ">=3.8",
    )
    assert meta.requires_dist == ("a>=1", "b; extra == 'x'")
