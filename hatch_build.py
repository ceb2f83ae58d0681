"""Build hook (hatchling): README.md as the long description, with links that work on an index.

A package index shows the long description on the project's page, where a relative link such as
``notebooks/01-sources.ipynb`` resolves against the index's own URL and leads nowhere. This
metadata hook (``[tool.hatch.metadata.hooks.custom]`` in pyproject.toml, which is also where
``readme = "README.md"`` is set) reads the README and turns every relative link into:

* an absolute link under ``files-url`` (``{version}`` is replaced by the version being built,
  so a release links to the files of its own tag), when ``files-url`` is set;
* otherwise, while no public repository is recorded, the link's text followed by the path in
  code (the file is in the source distribution), so the page has no broken link.

The repository itself keeps the relative links (they work there). Links with a scheme
(``https:``, ``mailto:``) and in-page anchors (``#...``) are kept; fenced code blocks are left
alone. The standard library only, besides hatchling's interface: it runs in every build,
binder's included.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

CONTENT_TYPES = {".md": "text/markdown"}

#: An inline link or image: ``[text](target)`` or ``[text](target "title")``.
_INLINE = re.compile(
    r"(?P<bang>!?)\[(?P<text>[^\]\n]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)"
)
#: A reference definition: ``[label]: target``.
_REFERENCE = re.compile(r"^(?P<lead> {0,3}\[[^\]\n]+\]:[ \t]*)(?P<target>\S+)", re.MULTILINE)
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def is_relative(target: str) -> bool:
    """A link target that a page elsewhere would resolve against its own URL."""
    return not (_SCHEME.match(target) or target.startswith(("#", "//")))


def _absolute(files_url: str, target: str) -> str:
    while target.startswith("./"):
        target = target[2:]
    return files_url.rstrip("/") + "/" + target.lstrip("/")


def _rewrite_prose(text: str, files_url: str) -> str:
    def inline(match: re.Match[str]) -> str:
        target = match["target"]
        if not is_relative(target):
            return match[0]
        if files_url:
            title = match["title"] or ""
            return f"{match['bang']}[{match['text']}]({_absolute(files_url, target)}{title})"
        label = match["text"]
        shown = f"`{target}`"
        return label if label == shown else f"{label} ({shown})"

    def reference(match: re.Match[str]) -> str:
        target = match["target"]
        if not is_relative(target) or not files_url:
            return match[0]
        return match["lead"] + _absolute(files_url, target)

    return _REFERENCE.sub(reference, _INLINE.sub(inline, text))


def index_readme(text: str, files_url: str) -> str:
    """``text`` (Markdown) with its relative links made absolute or plain (see the module doc)."""
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is None and opening:
            out.append(_rewrite_prose("".join(prose), files_url))
            prose = []
            fence = opening[1]
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence):
                fence = None
        else:
            prose.append(line)
    out.append(_rewrite_prose("".join(prose), files_url))
    return "".join(out)


def files_url_for(template: str, version: str) -> str:
    """``files-url`` with ``{version}`` filled in; refuses anything but an absolute https URL."""
    if not template:
        return ""
    url = template.replace("{version}", version)
    if not url.startswith("https://"):
        raise ValueError(f"files-url must be an absolute https:// URL, not {template!r}")
    return url


class ReadmeLinksHook(MetadataHookInterface):
    """Sets ``project.readme`` (dynamic) from the hook's ``readme`` and ``files-url``."""

    def update(self, metadata: dict[str, Any]) -> None:
        name = str(self.config.get("readme", "README.md"))
        path = Path(self.root, name)
        content_type = CONTENT_TYPES.get(path.suffix.lower())
        if content_type is None:
            raise ValueError(f"the readme hook handles Markdown only, not {name!r}")
        version = str(metadata.get("version", ""))
        files_url = files_url_for(str(self.config.get("files-url", "")), version)
        text = index_readme(path.read_text(encoding="utf-8"), files_url)
        metadata["readme"] = {"content-type": content_type, "text": text}
