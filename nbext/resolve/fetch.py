"""What Poetry's solver asks of the sources, answered by nbext's lookup fetchers.

The solver is sequential: it asks for one project's versions, picks one, asks for its
metadata, then moves to the next dependency. Asked one by one, a 20-package tree behind a
25 ms round trip spends most of its time waiting. So :class:`Fetch` also crawls ahead: when a
page arrives it asks for the metadata of the release the solver will most likely pick (the
best one the constraint allows, as :func:`~nbext.lookup.rules.filter_releases` orders them),
and when metadata arrives it asks for the pages of that release's dependencies on the sources
Poetry will ask for them (every primary source; supplemental sources only for a pinned
dependency). The fetchers share every request, so what the solver asks for later is already
there or on its way. A guess that turns out wrong costs a request, never an answer.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from poetry.core.constraints.version import VersionConstraint
from poetry.core.packages.dependency import Dependency
from poetry.core.version.markers import parse_marker

from nbext.cache.artifacts import POETRY_HASH_PRIORITY
from nbext.cache.metadata import CACHE_VERSION, kept_files, no_userinfo
from nbext.index.files import File, Release
from nbext.lookup.answers import MetadataResult, PageResult
from nbext.lookup.rules import filter_releases, python_for, python_ok
from nbext.lookup.run import Lookup
from nbext.lookup.survey import Survey
from nbext.redact import redact_url
from nbext.sources.pool import Priority, Source, SourcePool

__all__ = [
    "CRAWL_LIMIT",
    "Fetch",
    "FileUnavailable",
    "MetadataUnavailable",
    "file_hash",
]

logger = logging.getLogger("nbext.resolve")

#: Pages the crawl asks for on its own in one run (the solver's own requests are not counted).
CRAWL_LIMIT = 400

_LOCK_HASHES = ("sha512", "sha384", "sha256")


def file_hash(f: File) -> str | None:
    """The hash Poetry records for a file: the first of sha512, sha384, sha256 the index gave
    (``HTTPRepository._links_to_data``), as ``name:hex``; None when it gave none of them."""
    for name in _LOCK_HASHES:
        if name in f.hashes:
            return f"{name}:{f.hashes[name]}"
    return None


def _check_hash(hashes: Mapping[str, str]) -> str | None:
    """Poetry's ``get_highest_priority_hash_type``: the link's hash a download is checked
    against (None when hashlib knows none of them)."""
    for name in POETRY_HASH_PRIORITY:  # Poetry's prioritised_hash_types
        if name in hashes and name in hashlib.algorithms_available:
            return name
    return next((name for name in sorted(hashes) if name in hashlib.algorithms_available), None)


def _hexdigest(name: str, data: bytes, expected: str) -> str:
    h = hashlib.new(name, data)
    if name.startswith("shake_"):  # a digest of the expected length
        return h.hexdigest(len(expected) // 2)  # type: ignore[call-arg]
    return h.hexdigest()


_parsers_lock = threading.Lock()
_parsers_built = threading.Event()


def build_poetry_parsers() -> None:
    """Build poetry-core's two PEP 508 parsers (Lark grammars) now, once per process.

    poetry-core builds each on first use, without a lock
    (``poetry.core.version.parser.Parser.parse``), and the crawl's threads parse their first
    requirements at the same moment: in a process's first lock or install, each of them built
    its own copy (measured: 4 to 6 builds, 15-35 ms each alone, queued on the GIL with the
    solver's thread waiting behind them; ``benchmarks/bench_install.py``). Built here in one
    thread first (about 50 ms), they are built once.
    """
    if _parsers_built.is_set():
        return
    with _parsers_lock:
        if not _parsers_built.is_set():
            Dependency.create_from_pep_508("nbext-parser-warm-up")  # pep508.lark
            parse_marker('python_version >= "3"')  # markers.lark
            _parsers_built.set()


class Fetch:
    """One resolution's questions to the pool, over one :class:`Lookup`'s fetchers."""

    def __init__(
        self,
        lookup: Lookup,
        pool: SourcePool,
        python: VersionConstraint,
        *,
        survey: Survey | None = None,
    ) -> None:
        build_poetry_parsers()  # before the crawl's threads need them
        self.lookup = lookup
        #: The radar's survey (:mod:`nbext.lookup.survey`). With the public index in it (no
        #: source is the public index, so every package will be a private one), each name the
        #: crawl asks for is surveyed at once too, not after the solve.
        self.survey = survey
        self._early = survey if survey is not None and survey.outsider is not None else None
        self.pool = pool
        self.python = python
        self._lock = threading.Lock()
        self._crawled: set[tuple[str, str]] = set()
        self._metadata_asked: set[tuple[str, str]] = set()
        self._hashes: dict[str, str] = {}
        #: Warnings a source gave (401/403 answers), shown when the solve fails.
        self.warnings: list[str] = []

    # -- what the solver asks ---------------------------------------------------------------
    def page(self, source: Source, name: str) -> PageResult:
        """The source's page for ``name`` (every request has its deadline: this returns)."""
        result = self.lookup.page_fetcher.page(source, name).result()
        if result.warning:
            with self._lock:
                if result.warning not in self.warnings:
                    self.warnings.append(result.warning)
        return result

    def metadata(self, source: Source, release: Release) -> MetadataResult:
        return self.lookup.metadata_fetcher.metadata(source, release).result()

    def release_info(self, source: Source, name: str, release: Release) -> dict[str, Any]:
        """Poetry's release-info dict (``PackageInfo.asdict()``) for ``release``: name,
        version, summary, requires_dist, requires_python, files (file, hash, url, size) and
        yanked. Raises :class:`LookupError` with Poetry's message when the release has no
        file to record, :class:`~nbext.resolve.fetch.MetadataUnavailable` when the metadata
        could not be fetched, :class:`~nbext.resolve.fetch.FileUnavailable` when a file that
        must be hashed could not be downloaded."""
        files = kept_files(release)  # yanked files dropped unless the release is yanked
        if not files:
            raise LookupError(
                f'No valid distribution links found for package: "{name}" version:'
                f' "{release.version}"'
            )
        recorded: list[dict[str, Any]] = []
        for f in files:
            # Poetry's "Failed to determine hash of ... Skipping file." cannot happen here, nor
            # in Poetry: a file without a strong hash always gets one (see computed_hash).
            digest = file_hash(f) or self.computed_hash(source, f)
            item: dict[str, Any] = {"file": f.filename, "hash": digest, "url": no_userinfo(f.url)}
            if f.size is not None:
                item["size"] = f.size
            recorded.append(item)
        answer = self.metadata(source, release)
        meta = answer.metadata
        if meta is None and answer.error:
            raise MetadataUnavailable(answer.error)
        yanked: bool | str = False
        if release.yanked:
            yanked = release.yanked_reason or True
        requires_python = meta.requires_python if meta is not None else None
        if meta is None:
            requires_python = release.requires_python
        return {
            "name": name,
            "version": release.version.text,
            "summary": meta.summary if meta is not None else "",
            "requires_dist": list(meta.requires_dist) if meta is not None else [],
            "requires_python": requires_python,
            "files": recorded,
            "yanked": yanked,
            "_cache_version": CACHE_VERSION,
        }

    def computed_hash(self, source: Source, f: File) -> str:
        """The hash Poetry records for a file whose link gives no sha512/384/256.

        Mirrors ``HTTPRepository._links_to_data`` and ``calculate_sha256``
        (poetry/repositories/http_repository.py): the file is downloaded and its sha256
        recorded, after checking it against the best hash the link does give
        (``get_highest_priority_hash_type``); when that check fails, the link's own hash is
        recorded as it is (``md5:<the link's value>``). A download that fails ends the lock,
        as Poetry's ``download_file`` raises: :class:`FileUnavailable`, the source's row.
        """
        with self._lock:
            if f.url in self._hashes:
                return self._hashes[f.url]
        requests = self.lookup.page_fetcher.requests
        response, answer = requests.get(source, f.url, None, None, requests.http.limits.download)
        if response is None or response.status_code != 200:
            raise FileUnavailable(
                answer.error
                or f"Source ({source.name}): HTTP {answer.status} from {redact_url(f.url)}"
            )
        data = response.content
        digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
        known = _check_hash(f.hashes)
        if known is not None and _hexdigest(known, data, f.hashes[known]) != f.hashes[known]:
            digest = f"{known}:{f.hashes[known]}"
        with self._lock:
            self._hashes[f.url] = digest
        return digest

    # -- the crawl ahead of the solver --------------------------------------------------------
    def ahead(self, dependencies: list[Dependency]) -> None:
        """Ask for these dependencies' pages (and, as they arrive, what follows) now."""
        for dep in dependencies:
            for source in self._sources_for(dep):
                self._crawl_page(source, dep)

    def _sources_for(self, dep: Dependency) -> list[Source]:
        if dep.source_name:
            key = dep.source_name.lower()
            return [s for s in self.pool if s.key == key]
        return [s for s in self.pool.searchable if s.priority is not Priority.SUPPLEMENTAL]

    def _crawl_page(self, source: Source, dep: Dependency) -> None:
        key = (source.key, dep.name)
        with self._lock:
            if key in self._crawled or len(self._crawled) >= CRAWL_LIMIT:
                return
            self._crawled.add(key)
        if self._early is not None:
            self._early.ask([dep.name])
        fut = self.lookup.page_fetcher.page(source, dep.name)
        fut.add_done_callback(lambda done: self._after_page(source, dep, done))

    def _after_page(self, source: Source, dep: Dependency, done: Future[PageResult]) -> None:
        try:
            page = done.result()
            python = python_for(self.python, dep)
            for release in sorted(
                filter_releases(page.releases, dep), key=lambda r: r.version, reverse=True
            ):
                rp = release.requires_python
                if python.is_empty() or (rp and not python_ok(rp, python)):
                    continue
                self._crawl_metadata(source, release)
                break
        except Exception:  # a guess: whatever goes wrong here, the solver asks again itself
            logger.debug("crawl after %s on %s", dep.name, source.name, exc_info=True)

    def _crawl_metadata(self, source: Source, release: Release) -> None:
        project = release.files[0].name if release.files else ""
        key = (source.key, f"{project} {release.version}")
        with self._lock:
            if key in self._metadata_asked:
                return
            self._metadata_asked.add(key)
        fut = self.lookup.metadata_fetcher.metadata(source, release)
        fut.add_done_callback(self._after_metadata)

    def _after_metadata(self, done: Future[MetadataResult]) -> None:
        try:
            meta = done.result().metadata
            if meta is None:
                return
            deps = []
            for text in meta.requires_dist:
                try:
                    dep = Dependency.create_from_pep_508(text)
                except Exception:
                    continue
                if "extra" in str(dep.marker):
                    continue  # wanted only with an extra: the solver says when
                deps.append(dep)
            self.ahead(deps)
        except Exception:
            logger.debug("crawl after metadata", exc_info=True)


class MetadataUnavailable(Exception):
    """A release's metadata could not be fetched (the message is the source's row)."""


class FileUnavailable(Exception):
    """A file Poetry would download to hash could not be downloaded (the message is the
    source's row)."""
