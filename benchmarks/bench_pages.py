"""Benchmark: reading one big HTML index page (a single-page index of 2,000 projects).

Run: ``.venv/bin/python benchmarks/bench_pages.py [--links 400000] [--parser nbext|html.parser]``

Each parser runs in its own process (so the peak RSS is its own) and reports the page size,
the time to read every ``<a>`` tag and the peak RSS:

* ``nbext``: ``nbext.index.reader.read_project_page`` for one project (tags, URLs, file names);
* ``tags``: only nbext's tokenizer (``nbext.index.pages._start_tags``, since PEP 708 an alias
  of ``nbext.index.tags.start_tags``, kept so that older checkouts compare);
* ``html.parser``: Poetry's way, an ``HTMLParser`` subclass that keeps every ``<a>``.

Measured on the 2-core machine while it was busy (Python 3.11, 400,000 links, 24 MB, best
of 3): nbext 2.7 s / 257 MB peak RSS, its tags alone 2.1 s, html.parser 6.0 s / 189 MB; the
code before issue 14 (``--src`` of that checkout): 7.0 s / 431 MB, its tags 1.2 s (a regular
expression that stopped a tag at a quoted ">"). The new code resolves the URLs of the one
project's links only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def big_page(links: int) -> str:
    """About 60 bytes a link: 2,000 projects ``p0``..``p1999``, ``links // 2000`` versions
    each, a third of them wheels; every fourth with an unescaped ``data-requires-python``,
    every eleventh yanked, every eighth with an md5 fragment."""
    parts = ["<!DOCTYPE html><html><head><title>Links</title></head><body>\n"]
    for i in range(links):
        name = f"p{i % 2000}"
        version = f"{i // 2000}.{i % 7}"
        filename = f"{name}-{version}-py3-none-any.whl" if i % 3 else f"{name}-{version}.tar.gz"
        attrs = ' data-requires-python=">=3.8"' if i % 4 == 0 else ""
        if i % 11 == 0:
            attrs += ' data-yanked="bad"'
        fragment = f"#md5={i:032x}" if i % 8 == 0 else ""
        parts.append(f'<a href="/f/{filename}{fragment}"{attrs}>x</a><br>\n')
    parts.append("</body></html>\n")
    return "".join(parts)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def run_one(parser: str, links: int, src: Path) -> dict[str, float]:
    sys.path.insert(0, str(src))
    text = big_page(links)
    start = time.perf_counter()
    if parser == "nbext":
        from nbext.index.reader import read_project_page

        found = len(
            read_project_page(
                "p7", text.encode(), content_type="text/html", url="https://i.example/links.html"
            ).files
        )
    elif parser == "tags":
        from nbext.index.pages import _start_tags

        found = len(_start_tags(text)[1])
    else:
        p = _Anchors()
        p.feed(text)
        found = len(p.anchors)
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"bytes": len(text), "found": found, "seconds": elapsed, "rss_mb": rss}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--links", type=int, default=400_000)
    ap.add_argument("--parser", choices=["nbext", "tags", "html.parser"])
    ap.add_argument(
        "--src",
        type=Path,
        default=ROOT,
        help="the checkout whose nbext/ to measure (default: this one; another, to compare)",
    )
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.parser and args.json:
        print(json.dumps(run_one(args.parser, args.links, args.src)))
        return
    for parser in [args.parser] if args.parser else ["nbext", "tags", "html.parser"]:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--links",
                str(args.links),
                "--parser",
                parser,
                "--src",
                str(args.src),
                "--json",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{parser:12} {r['bytes'] / 1e6:6.1f} MB  {r['found']:>7} found  "
            f"{r['seconds']:5.2f} s  peak RSS {r['rss_mb']:5.0f} MB"
        )


if __name__ == "__main__":
    main()
