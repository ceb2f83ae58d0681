"""Sources as declared, checked before the pool rules apply: names, URLs and the
``[[tool.poetry.source]]`` table, with Poetry's schema messages. Pure, no I/O.

nbext checks more than Poetry does before anything is written (a name that cannot name a
directory, a URL whose port does not parse), and says which entry and how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from nbext.errors import ConfigurationError, SourceError
from nbext.redact import redact_url
from nbext.sources.pool import Priority, SourceSpec, is_pypi_name

__all__ = ["CURRENT_PRIORITIES", "parse_source_table", "validate_name", "validate_url"]

#: Priorities Poetry 2 accepts, in the order its schema lists them.
CURRENT_PRIORITIES = ("primary", "supplemental", "explicit")

# Poetry's JSON-schema "uri" check: a scheme, a colon, then non-space characters.
_SCHEMA_URI = re.compile(r"^\w+:(\/?\/?)[^\s]+")


_IN_THE_CACHE = "a source name is also a directory name in the cache"


def _bad_name(name: str) -> tuple[str, str] | None:
    """Why ``name`` cannot name a source, and what it would break; or None."""
    if any(not ch.isprintable() for ch in name):
        return (
            "it contains a line break or another control character",
            "a command line cannot type it and an output does not show it as it is",
        )
    if any(ch.isspace() for ch in name):
        # Poetry accepts it (`poetry source add 'my corp' URL`), but every command that names
        # the source then needs quotes, which the hints printed with the name do not have.
        return (
            "it contains a space",
            "every command that names a source, such as %config http-basic.NAME USERNAME or "
            "%add PKG --source NAME, would take it for two words, and its POETRY_HTTP_BASIC_* "
            "variables cannot be set from a shell",
        )
    if "/" in name or "\\" in name:
        return "it contains a slash", _IN_THE_CACHE
    if ".." in name:
        return 'it contains ".."', _IN_THE_CACHE
    if name == ".":
        return 'it is "."', _IN_THE_CACHE
    return None


def _suggested(name: str) -> str | None:
    """A name that works, from a refused one (``my corp`` -> ``my-corp``), or None."""
    suggestion = re.sub(r"[^\w.-]+", "-", name).strip("-.")
    return suggestion if suggestion and _bad_name(suggestion) is None else None


def validate_name(name: str, *, where: str = "") -> str:
    """Check a source name: it names the source's cache directory
    (``<cache-dir>/cache/repositories/<name>``), its keyring service, its config keys and
    ``POETRY_*`` variables, and it is typed in commands (``%config http-basic.NAME``,
    ``%add --source NAME``), so a line break, a control character, a space, a slash or ``..``
    is refused. Poetry accepts them all; a name like ``../x`` then points its cache outside
    the cache directory, and one with a space needs quotes in every command.

    ``where`` says where the name was read (a pyproject.toml entry), for the fix.
    Returns the name unchanged. Raises :class:`SourceError` naming the source and the fix.
    """
    bad = _bad_name(name)
    if bad is None:
        return name
    reason, why = bad
    suggestion = _suggested(name)
    if where:
        to = f" to {suggestion!r}" if suggestion else ""
        fix = f"rename the source in {where}{to} (and in the source = ... pins that use it)"
    else:
        fix = "choose a name of letters, digits, '-', '_' and '.'"
        fix += f", such as {suggestion!r}" if suggestion else ""
    raise SourceError(f"Invalid source name {name!r}: {reason} ({why}). Fix: {fix}.", source=name)


def _bad_port(url: str) -> str | None:
    """Why the URL's host or port cannot be parsed (a port over 65535...), or None."""
    try:
        urlsplit(url).port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        return str(exc)
    return None


def validate_url(name: str, url: str) -> str:
    """Check a source URL before it is written; Poetry only checks this on the next load.

    Returns the URL unchanged. Raises :class:`SourceError` naming the source and the fix.
    """
    if (reason := _bad_port(url)) is not None:
        raise SourceError(
            f"Invalid URL {redact_url(url)!r} for source {name}: {reason}. Fix: write it as "
            "scheme://host[:port]/path with a port from 1 to 65535, for example "
            "https://pypi.example.com:8443/simple/",
            source=name,
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "file") or (
        parts.scheme != "file" and not parts.hostname
    ):
        raise SourceError(
            f"Invalid URL {redact_url(url)!r} for source {name}: a source URL needs a scheme and a "
            "host, "
            f"for example https://pypi.example.com/simple/",
            source=name,
        )
    if any(c.isspace() for c in url):
        raise SourceError(
            f"Invalid URL {redact_url(url)!r} for source {name}: it contains spaces.", source=name
        )
    return url


def _deprecation_notice(name: str, priority: Priority) -> str:
    if priority is Priority.DEFAULT:
        return (
            f"Found deprecated priority 'default' for source '{name}' in pyproject.toml. "
            "You can achieve the same effect by changing the priority to 'primary' and putting "
            "the source first. (Poetry 2 rejects 'default': write priority = \"primary\".)"
        )
    return (
        f"Found deprecated priority 'secondary' for source '{name}' in pyproject.toml. "
        "Consider changing the priority to one of the non-deprecated values: 'primary', "
        "'supplemental', 'explicit'. (Poetry 2 rejects 'secondary': write priority = \"primary\" "
        'to keep searching it for every dependency, or "supplemental" to use it only as a '
        "fallback.)"
    )


def _check_declared(name: str, url: str | None, where: str) -> None:
    """nbext's checks on a source read from pyproject.toml, beyond Poetry's schema: a name
    that cannot name a directory, a URL whose port does not parse. Poetry loads such a file
    and fails later ("Failed to parse: http://h:70000/simple/acme/"); nbext says which entry
    and how to fix it, and ``%source remove NAME`` still works on the file."""
    validate_name(name, where=f"pyproject.toml ({where})")
    if url is None and not is_pypi_name(name):
        raise SourceError(  # Poetry's sentence, then where and the fix
            f"Missing [url] in source {name!r}. Fix: add its url to pyproject.toml ({where}), "
            f"or %source remove {name}.",
            source=name,
        )
    if url is not None and (reason := _bad_port(url)) is not None:
        raise SourceError(
            f"Invalid URL {redact_url(url)!r} for source {name} in pyproject.toml ({where}): "
            f"{reason}. Fix: correct the URL there (scheme://host[:port]/path, a port from 1 "
            f"to 65535), or %source remove {name}.",
            source=name,
        )


def parse_source_table(entries: Sequence[Any]) -> tuple[list[SourceSpec], list[str]]:
    """Validate ``[[tool.poetry.source]]`` like Poetry's schema and return specs and notices.

    Raises :class:`ConfigurationError` with Poetry's exact wording for schema violations.
    Deprecated 1.x forms (``priority = "default"|"secondary"`` and the boolean keys
    ``default``/``secondary``) are accepted with a notice.
    """
    specs: list[SourceSpec] = []
    notices: list[str] = []

    def invalid(msg: str) -> ConfigurationError:
        return ConfigurationError(f"The Poetry configuration is invalid:\n  - {msg}")

    for i, raw in enumerate(entries):
        where = f"tool.poetry.source[{i}]"
        if not isinstance(raw, Mapping):
            raise invalid(f"{where} must be object")
        if "name" not in raw:
            raise invalid(f"{where} must contain ['name'] properties")
        allowed = {"name", "url", "priority", "links", "indexed", "default", "secondary"}
        if set(raw) - allowed:
            raise invalid(f"{where} must contain only specified properties")
        name = raw["name"]
        if not isinstance(name, str):
            raise invalid(f"{where}.name must be string")
        url = raw.get("url")
        if url is not None and (not isinstance(url, str) or not _SCHEMA_URI.match(url)):
            raise invalid(f"{where}.url must be uri")
        _check_declared(str(name), None if url is None else str(url), where)
        priority: Priority | None = None
        if "priority" in raw:
            value = raw["priority"]
            if not isinstance(value, str) or value not in (
                *CURRENT_PRIORITIES,
                "default",
                "secondary",
            ):
                raise invalid(f"{where}.priority must be one of {list(CURRENT_PRIORITIES)!r}")
            priority = Priority(value)
        old_default, old_secondary = bool(raw.get("default")), bool(raw.get("secondary"))
        if "default" in raw or "secondary" in raw:
            notices.append(
                f"Found deprecated key 'default' or 'secondary' in pyproject.toml configuration "
                f"for source {name}. Please provide the key 'priority' instead. Accepted values "
                f"are: 'primary', 'supplemental', 'explicit'."
            )
            if priority is None:
                if old_default and old_secondary:
                    raise SourceError(
                        "Cannot configure a source as both default and secondary.", source=name
                    )
                if old_default:
                    priority = Priority.DEFAULT
                elif old_secondary:
                    priority = Priority.SECONDARY
        if priority is not None and priority.deprecated:
            notices.append(_deprecation_notice(name, priority))
        extra = {k: bool(raw[k]) for k in ("links", "indexed") if k in raw}
        # Plain str copies: tomlkit items carry their comments, and sharing one item between
        # two places in a document makes tomlkit drop the comment from both.
        specs.append(
            SourceSpec(
                name=str(name),
                url=None if url is None else str(url),
                priority=priority,
                extra=extra,
            )
        )
    return specs, notices
