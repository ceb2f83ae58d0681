"""A wheel's METADATA read with a few HTTP range requests (nbext.index.lazy_wheel)."""

from __future__ import annotations

from nbext.index.metadata import parse_metadata


def test_lazy_wheel_reads_metadata_with_few_ranges() -> None:
    import io
    import os
    import zipfile

    from nbext.index.lazy_wheel import TAIL_BYTES, metadata_from_ranges

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big/data.bin", os.urandom(300_000))  # incompressible: the wheel is large
        for i in range(3000):  # a central directory bigger than the first range (the tail)
            zf.writestr(f"big/module_{i:03d}_with_a_long_name.py", "x = 1\n")
        zf.writestr(
            "big-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: big\nVersion: 1.0\n"
        )
    wheel = buf.getvalue()
    asked: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        asked.append((start, end))
        return wheel[start : end + 1]

    data = metadata_from_ranges(len(wheel), wheel[-TAIL_BYTES:], fetch)
    assert parse_metadata(data).name == "big"
    assert 1 <= len(asked) <= 3
    assert sum(end - start + 1 for start, end in asked) < len(wheel) // 2
