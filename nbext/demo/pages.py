"""The bodies the demo index serves: PEP 503 HTML and PEP 691 JSON pages (with PEP 708's
"tracks" and "alternate locations" where set), the project pages, and the legacy JSON API's
documents.  Pure functions from snapshots to bytes.

Every page is deterministic (sorted, a fixed upload time), so its ETag is stable.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from packaging.utils import parse_wheel_filename
from packaging.version import Version

from .dists import Dist
from .store import File, Pep708Lists, ProjectView, Release

__all__ = [
    "API_VERSION",
    "PEP708_API_VERSION",
    "anchor",
    "html_doc",
    "json_api_doc",
    "links_html",
    "pep708_meta",
    "project_json",
    "release_html",
    "root_html",
    "root_json",
    "versions_html",
]

API_VERSION = "1.1"
#: The version of a project page that serves PEP 708's lists (PEP 708 is API version 1.2);
#: other pages keep :data:`API_VERSION`, which describes them as well.
PEP708_API_VERSION = "1.2"
#: PEP 700 ``upload-time``; fixed so that pages (and their ETags) are deterministic.
_UPLOAD_TIME = "2024-01-01T00:00:00.000000Z"


def html_doc(title: str, body: str, meta: Sequence[tuple[str, str]] = ()) -> bytes:
    """A page; ``meta``: more ``<meta name content>`` pairs for its head (PEP 708's: the
    repository version is then :data:`PEP708_API_VERSION`)."""
    version = PEP708_API_VERSION if meta else API_VERSION
    more = "".join(
        f'    <meta name="{html.escape(name)}" content="{html.escape(content)}">\n'
        for name, content in meta
    )
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{version}">\n{more}'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{html.escape(title)}</h1>\n{body}\n  </body>\n</html>\n"
    ).encode()


# -- the Simple API (PEP 503, 691, 658, 700, 714) -----------------------------------


def root_json(names: list[str]) -> bytes:
    doc = {"meta": {"api-version": API_VERSION}, "projects": [{"name": n} for n in names]}
    return json.dumps(doc, indent=1).encode()


def root_html(items: list[tuple[str, str]]) -> bytes:
    """The root page from ``(canonical name, own spelling)`` pairs."""
    links = "\n".join(
        f'    <a href="{quote(key)}/">{html.escape(name)}</a><br/>' for key, name in items
    )
    return html_doc("Simple index", links)


def pep708_meta(pep708: Pep708Lists) -> list[tuple[str, str]]:
    """PEP 708's HTML form: one ``pypi:tracks`` / ``pypi:alternate-locations`` meta tag per URL."""
    tracks, alternates = pep708
    return [("pypi:tracks", url) for url in tracks] + [
        ("pypi:alternate-locations", url) for url in alternates
    ]


def project_json(
    key: str,
    versions: list[str],
    files: list[File],
    metadata: bool,
    pep708: Pep708Lists = ((), ()),
) -> bytes:
    """A project's PEP 691 page; with PEP 708's lists (``(tracks, alternate locations)``),
    ``meta.tracks`` and the top-level ``alternate-locations`` where PEP 708 puts them, and
    ``meta.api-version`` :data:`PEP708_API_VERSION`."""
    entries = []
    for f in files:
        entry: dict[str, Any] = {
            "filename": f.filename,
            "url": f"../../files/{quote(f.filename)}",
            "hashes": {"sha256": f.sha256},
        }
        if f.requires_python:
            entry["requires-python"] = f.requires_python
        entry["yanked"] = f.yanked
        if metadata and f.metadata_sha256:
            entry["core-metadata"] = {"sha256": f.metadata_sha256}
            entry["dist-info-metadata"] = {"sha256": f.metadata_sha256}
        entry["size"] = len(f.data)
        entry["upload-time"] = _UPLOAD_TIME
        entries.append(entry)
    tracks, alternates = pep708
    meta: dict[str, Any] = {
        "api-version": PEP708_API_VERSION if tracks or alternates else API_VERSION
    }
    if tracks:
        meta["tracks"] = list(tracks)
    doc: dict[str, Any] = {"meta": meta, "name": key, "versions": versions}
    if alternates:
        doc["alternate-locations"] = list(alternates)
    doc["files"] = entries
    return json.dumps(doc, indent=1).encode()


def anchor(f: File, href_prefix: str, metadata: bool) -> str:
    attrs = [f'href="{href_prefix}{quote(f.filename)}#sha256={f.sha256}"']
    if f.requires_python:
        attrs.append(f'data-requires-python="{html.escape(f.requires_python)}"')
    if f.yanked is not False:
        reason = f.yanked if isinstance(f.yanked, str) else ""
        attrs.append(f'data-yanked="{html.escape(reason)}"')
    if metadata and f.metadata_sha256:
        attrs.append(f'data-core-metadata="sha256={f.metadata_sha256}"')
        attrs.append(f'data-dist-info-metadata="sha256={f.metadata_sha256}"')
    return f"<a {' '.join(attrs)}>{html.escape(f.filename)}</a>"


def links_html(
    title: str,
    files: list[File],
    href_prefix: str,
    metadata: bool,
    pep708: Pep708Lists = ((), ()),
) -> bytes:
    """A page of file links: a project's (PEP 503, with PEP 708's meta tags if given), a
    single-page source's, a release's."""
    links = "\n".join(f"    {anchor(f, href_prefix, metadata)}<br/>" for f in files)
    return html_doc(title, links, pep708_meta(pep708))


# -- project pages (``/project/<name>/``) ----------------------------------------------


def versions_html(name: str, releases: dict[Version, Release], latest: Version) -> bytes:
    """A project page: its summary and every version (newest first), each linked."""
    summary = " ".join(releases[latest].dist.summary.split())
    items = []
    for v in sorted(releases, reverse=True):
        yanked = " (yanked)" if releases[v].dist.yanked is not False else ""
        items.append(f'    <li><a href="{quote(str(v))}/">{html.escape(str(v))}</a>{yanked}</li>')
    body = f"    <p>{html.escape(summary)}</p>\n" if summary else ""
    body += "    <h2>Release history</h2>\n    <ul>\n" + "\n".join(items) + "\n    </ul>"
    return html_doc(name, body)


def release_html(name: str, version: Version, files: list[File], metadata: bool) -> bytes:
    """A release page (``/project/<name>/<version>/``): its files, linked."""
    return links_html(f"{name} {version}", files, "/files/", metadata)


# -- the legacy JSON API (``/pypi/<name>/json``) ---------------------------------------


def json_api_doc(base: str, view: ProjectView, chosen: Version, with_releases: bool) -> bytes:
    """The JSON API's document for release ``chosen`` (``"releases"`` too if asked)."""
    release = view.releases[chosen]
    doc: dict[str, Any] = {
        "info": _json_info(base, release.dist, chosen in view.null_requires),
        "last_serial": view.serial,
        "urls": [_json_file(base, f) for f in release.files],
        "vulnerabilities": [],
    }
    if with_releases:
        doc["releases"] = {
            str(v): [_json_file(base, f) for f in view.releases[v].files]
            for v in sorted(view.releases)
        }
    return json.dumps(doc, indent=1).encode()


def _yanked(d: Dist) -> tuple[bool, str | None]:
    if d.yanked is False:
        return False, None
    return True, d.yanked if isinstance(d.yanked, str) and d.yanked else None


def _json_info(base: str, d: Dist, null_requires: bool) -> dict[str, Any]:
    yanked, reason = _yanked(d)
    version = d.normalized_version
    project_url = f"{base}/project/{quote(d.name)}/"
    return {
        "author": None,
        "author_email": None,
        "classifiers": [],
        "description": f"{d.name} {version}: a fictional package served by nbext.demo.\n",
        "description_content_type": "text/plain",
        "home_page": None,
        "license": None,
        "name": d.name,
        "package_url": project_url,
        "project_url": project_url,
        "project_urls": None,
        "release_url": f"{project_url}{version}/",
        # The real index gives null for "no Requires-Dist" as well as for "not known".
        "requires_dist": list(d.requires_dist) if d.requires_dist and not null_requires else None,
        "requires_python": d.requires_python,
        "summary": " ".join(d.summary.split()) or None,
        "version": version,
        "yanked": yanked,
        "yanked_reason": reason,
    }


def _json_file(base: str, f: File) -> dict[str, Any]:
    is_wheel = f.filename.endswith(".whl")
    if is_wheel:
        tags = parse_wheel_filename(f.filename)[3]
        python_version = ".".join(sorted({t.interpreter for t in tags}))
    else:
        python_version = "source"
    yanked = f.yanked is not False
    md5 = hashlib.md5(f.data, usedforsecurity=False).hexdigest()
    return {
        "comment_text": "",
        "digests": {
            "blake2b_256": hashlib.blake2b(f.data, digest_size=32).hexdigest(),
            "md5": md5,
            "sha256": f.sha256,
        },
        "downloads": -1,
        "filename": f.filename,
        "has_sig": False,
        "md5_digest": md5,
        "packagetype": "bdist_wheel" if is_wheel else "sdist",
        "python_version": python_version,
        "requires_python": f.requires_python,
        "size": len(f.data),
        "upload_time": _UPLOAD_TIME[:19],
        "upload_time_iso_8601": _UPLOAD_TIME,
        "url": f"{base}/files/{quote(f.filename)}",
        "yanked": yanked,
        "yanked_reason": f.yanked if isinstance(f.yanked, str) and f.yanked else None,
    }
