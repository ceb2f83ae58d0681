"""``[[tool.poetry.source]]`` in a parsed ``pyproject.toml``: read and edited as ``poetry source
add`` and ``poetry source remove`` do, but surgically.

A source that is updated keeps its position, its comments and any other key; nothing else in
the document changes (Poetry re-serialises every source entry, losing their comments; nbext
does not). Pure: tomlkit documents in memory.
"""

from __future__ import annotations

import tomlkit
from tomlkit.items import AoT
from tomlkit.toml_document import TOMLDocument

from nbext.errors import ConfigurationError, ProjectError
from nbext.project.tables import Tables
from nbext.sources.declared import parse_source_table
from nbext.sources.pool import Priority, SourceSpec, is_pypi_name

__all__ = ["declared_sources", "put_source", "remove_sources"]


def declared_sources(tables: Tables, doc: TOMLDocument) -> tuple[list[SourceSpec], list[str]]:
    """The declared sources (validated like Poetry's schema) and deprecation notices."""
    raw = tables.poetry(doc).get("source", [])
    if not isinstance(raw, list):
        raise ConfigurationError(
            "The Poetry configuration is invalid:\n  - tool.poetry.source must be array",
            path=str(tables.path),
        )
    try:
        return parse_source_table([dict(e) if isinstance(e, dict) else e for e in raw])
    except ConfigurationError as exc:
        exc.path = exc.path or str(tables.path)
        raise


def put_source(
    tables: Tables, doc: TOMLDocument, name: str, url: str | None, priority: Priority
) -> bool:
    """Add a source, or update the one of that name in place. Returns True if updated."""
    poetry = tables.ensure_poetry(doc)
    sources = poetry.get("source")
    if sources is None:
        sources = tomlkit.aot()
        poetry["source"] = sources
    if not isinstance(sources, AoT):
        raise ProjectError(
            f"{tables.path}: tool.poetry.source must be an array of tables "
            "([[tool.poetry.source]]). Fix the file; nbext has not changed it.",
            path=str(tables.path),
        )
    for entry in sources:
        if str(entry.get("name", "")).lower() == name.lower():
            entry["name"] = str(name)
            if url:
                entry["url"] = str(url)
            elif "url" in entry:
                del entry["url"]
            entry["priority"] = priority.value
            for old in ("default", "secondary"):
                if old in entry:
                    del entry[old]
            return True
    table = tomlkit.table()
    table.append("name", name)
    if url and not is_pypi_name(name):
        table.append("url", url)
    table.append("priority", priority.value)
    table.add(tomlkit.nl())  # Poetry leaves one blank line after each source table
    sources.append(table)
    return False


def remove_sources(tables: Tables, doc: TOMLDocument, name: str) -> list[str]:
    """Remove every source of that name (case-insensitive); returns the stored names."""
    poetry = tables.poetry(doc)
    sources = poetry.get("source")
    if not isinstance(sources, AoT):
        return []
    removed: list[str] = []
    for index in reversed(range(len(sources))):
        stored = str(sources[index].get("name", ""))
        if stored.lower() == name.lower():
            removed.insert(0, stored)
            del sources[index]
    if removed and len(sources) == 0:
        del poetry["source"]
    return removed
