"""Sources and the source pool: Poetry's rules, pure, no I/O.

The rules are Poetry 2.x's (spec sections 1 and 2): priorities ``primary`` < ``supplemental`` <
``explicit``, a stable sort by priority, the implicit-PyPI rule, case-insensitive unique names.
The deprecated 1.x priorities ``default`` and ``secondary`` are still accepted, with the meaning
Poetry 1.8 gave them and a warning that says what to write instead.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from nbext.auth.redact import redact_url
from nbext.constants import PYPI_NAME, pypi_simple_url
from nbext.errors import ConfigurationError, SourceError, UnknownSourceError

__all__ = [
    "Priority",
    "Source",
    "SourcePool",
    "build_pool",
    "parse_source_table",
    "validate_name",
    "validate_url",
]


class Priority(enum.Enum):
    """A source's priority. Lower ``rank`` is searched earlier."""

    DEFAULT = "default"  # deprecated (Poetry 1.x): the single top source, disables implicit PyPI
    PRIMARY = "primary"
    SECONDARY = "secondary"  # deprecated (Poetry 1.x): searched like a primary, ranked after them
    SUPPLEMENTAL = "supplemental"
    EXPLICIT = "explicit"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def deprecated(self) -> bool:
        return self in (Priority.DEFAULT, Priority.SECONDARY)

    @classmethod
    def parse(cls, value: str) -> Priority:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise SourceError(
                f"Invalid priority {value!r}. Use one of: primary, supplemental, explicit."
            ) from None

    def __str__(self) -> str:
        return self.value


_RANK = {
    Priority.DEFAULT: 0,
    Priority.PRIMARY: 1,
    Priority.SECONDARY: 2,
    Priority.SUPPLEMENTAL: 3,
    Priority.EXPLICIT: 4,
}

#: Priorities Poetry 2 accepts, in the order its schema lists them.
CURRENT_PRIORITIES = ("primary", "supplemental", "explicit")

# Poetry's JSON-schema "uri" check: a scheme, a colon, then non-space characters.
_SCHEMA_URI = re.compile(r"^\w+:(\/?\/?)[^\s]+")
# A URL ending in .htm/.html (case-sensitive, whole URL) is a single-page link source.
_SINGLE_PAGE = re.compile(r".*\.(htm|html)$")


def is_pypi_name(name: str) -> bool:
    return name.lower() == "pypi"


@dataclass(frozen=True)
class Source:
    """One package source as the pool sees it."""

    name: str
    url: str
    priority: Priority
    implicit: bool = False

    @property
    def kind(self) -> str:
        """``"pypi"``, ``"single-page"`` or ``"simple"`` (a PEP 503/691 index)."""
        if is_pypi_name(self.name):
            return "pypi"
        if _SINGLE_PAGE.match(self.url):
            return "single-page"
        return "simple"

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def searchable(self) -> bool:
        return self.priority is not Priority.EXPLICIT

    def page_url(self, normalized_name: str) -> str:
        """The URL of a project page: ``<url>/<normalized-name>/`` (single page: the page)."""
        if self.kind == "single-page":
            return self.url
        return f"{self.url}/{normalized_name}/"

    def __repr__(self) -> str:
        return (
            f"Source(name={self.name!r}, url={redact_url(self.url)!r}, "
            f"priority={self.priority.value!r})"
        )


@dataclass(frozen=True)
class SourceSpec:
    """A source as declared (pyproject or kernel session), before pool rules apply."""

    name: str
    url: str | None
    priority: Priority | None  # None: not given (means primary)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def effective_priority(self) -> Priority:
        return self.priority or Priority.PRIMARY


def _bad_name(name: str) -> str | None:
    """Why ``name`` cannot name a source, or None."""
    if any(not ch.isprintable() for ch in name):
        return "it contains a line break or another control character"
    if "/" in name or "\\" in name:
        return "it contains a slash"
    if ".." in name:
        return 'it contains ".."'
    if name == ".":
        return 'it is "."'
    return None


def validate_name(name: str, *, where: str = "") -> str:
    """Check a source name: it names the source's cache directory
    (``<cache-dir>/cache/repositories/<name>``), its keyring service and its config keys, so
    a line break, a control character, a slash or ``..`` is refused (Poetry accepts them, and
    a name like ``../x`` then points its cache outside the cache directory).

    ``where`` says where the name was read (a pyproject.toml entry), for the fix.
    Returns the name unchanged. Raises :class:`SourceError` naming the source and the fix.
    """
    reason = _bad_name(name)
    if reason is None:
        return name
    if where:
        fix = f"rename the source in {where} (and in the source = ... pins that use it)"
    else:
        fix = "choose a name of letters, digits, '-', '_' and '.'"
    raise SourceError(
        f"Invalid source name {name!r}: {reason} (a source name is also a directory name "
        f"in the cache). Fix: {fix}.",
        source=name,
    )


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


class SourcePool(Sequence[Source]):
    """All sources in Poetry's search order (stable sort by priority; explicit ones last).

    Iterating gives every source; :attr:`searchable` gives the ones searched for dependencies
    without a ``source`` pin.
    """

    def __init__(self, sources: Iterable[Source], log: Sequence[str] = ()) -> None:
        self._sources = sorted(sources, key=lambda s: s.priority.rank)
        self.log = list(log)

    def __getitem__(self, index: int) -> Source:  # type: ignore[override]
        return self._sources[index]

    def __len__(self) -> int:
        return len(self._sources)

    def __iter__(self) -> Iterator[Source]:
        return iter(self._sources)

    @property
    def searchable(self) -> list[Source]:
        return [s for s in self._sources if s.searchable]

    @property
    def explicit(self) -> list[Source]:
        return [s for s in self._sources if not s.searchable]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self._sources]

    @property
    def has_implicit_pypi(self) -> bool:
        return any(s.implicit for s in self._sources)

    def has(self, name: str) -> bool:
        return any(s.key == name.lower() for s in self._sources)

    def get(self, name: str) -> Source:
        """The source of that name, case-insensitively (Poetry's ``pool.repository``)."""
        for s in self._sources:
            if s.key == name.lower():
                return s
        raise UnknownSourceError(f'Repository "{name.lower()}" does not exist.', source=name)

    def __repr__(self) -> str:
        inner = ", ".join(f"{s.name} ({s.priority.value})" for s in self._sources)
        return f"SourcePool([{inner}])"


def build_pool(specs: Iterable[SourceSpec]) -> SourcePool:
    """Apply Poetry's pool rules (Factory.create_pool) to declared sources."""
    sources: list[Source] = []
    seen: set[str] = set()
    log: list[str] = []
    defaults = 0
    for spec in specs:
        if not spec.name:
            raise SourceError("Missing [name] in source.")
        priority = spec.effective_priority
        if is_pypi_name(spec.name):
            if spec.url:
                raise SourceError(
                    "The PyPI repository cannot be configured with a custom url.", source=spec.name
                )
            source = Source(PYPI_NAME, pypi_simple_url().rstrip("/"), priority)
        else:
            if not spec.url:
                raise SourceError(f"Missing [url] in source {spec.name!r}.", source=spec.name)
            source = Source(spec.name, spec.url.rstrip("/"), priority)
        if source.key in seen:
            raise SourceError(
                f"A repository with name {source.key} was already added.", source=spec.name
            )
        if priority is Priority.DEFAULT:
            defaults += 1
            if defaults > 1:
                raise SourceError("Only one repository can be the default.", source=spec.name)
        seen.add(source.key)
        shown_url = pypi_simple_url() if source.kind == "pypi" else redact_url(source.url)
        log.append(f"Adding repository {source.name} ({shown_url}) and setting it as {priority}")
        sources.append(source)

    if "pypi" not in seen:
        if any(s.priority in (Priority.PRIMARY, Priority.DEFAULT) for s in sources):
            log.append("Deactivating the PyPI repository")
        else:
            sources.append(
                Source(PYPI_NAME, pypi_simple_url().rstrip("/"), Priority.PRIMARY, implicit=True)
            )
    pool = SourcePool(sources, log)
    if not pool.searchable:
        raise SourceError("At least one source must not be configured as 'explicit'.")
    return pool
