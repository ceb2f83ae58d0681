"""Sources and the source pool: Poetry's rules, pure, no I/O.

The rules are Poetry 2.x's (spec sections 1 and 2): priorities ``primary`` < ``supplemental`` <
``explicit``, a stable sort by priority, the implicit-PyPI rule, case-insensitive unique names.
The deprecated 1.x priorities ``default`` and ``secondary`` are still accepted, with the meaning
Poetry 1.8 gave them (the warning that says what to write instead: :mod:`nbext.sources.declared`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nbext.constants import PYPI_NAME, pypi_simple_url
from nbext.errors import SourceError, UnknownSourceError
from nbext.redact import redact_url

__all__ = [
    "Priority",
    "Source",
    "SourcePool",
    "SourceSpec",
    "build_pool",
    "is_pypi_name",
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
    #: Not a source of the project: an index the dependency-confusion radar looks at (the
    #: public index when it is not declared). Asked once per page, without retries.
    probe: bool = False

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
