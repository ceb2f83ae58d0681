"""The HTTP cache's storage (nbext.cache.storage): files per source, bounded, the oldest
entries trimmed first.
"""

from __future__ import annotations

from pathlib import Path

from nbext.cache.storage import DIRNAME


def test_each_sources_cache_is_bounded(tmp_path: Path) -> None:
    import hishel

    from nbext.cache.storage import FileStorage

    storage = FileStorage(tmp_path / "corp" / DIRNAME, max_bytes=20_000)
    for i in range(60):
        storage.create_entry(
            hishel.Request("GET", f"http://h/simple/p{i}/"),
            hishel.Response(200, hishel.Headers({}), iter([bytes([i % 256]) * 1000])),
            f"http://h/simple/p{i}/",
        )
    size = sum(p.stat().st_size for p in storage.root.iterdir())
    assert size <= 20_000 + 20_000 // 4 + 2_000  # trimmed every max/4 bytes written
    storage.trim()
    assert sum(p.stat().st_size for p in storage.root.iterdir()) <= 20_000
    assert storage.get_entries("http://h/simple/p59/")  # the newest stay
    assert not storage.get_entries("http://h/simple/p0/")  # the oldest went first
