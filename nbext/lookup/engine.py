"""Lookups across sources with Poetry's exact rules (spec section 2).

* A dependency pinned to a source (``source = "x"`` in the project, or ``source=`` here) asks
  that source only, whatever its priority.
* Otherwise every primary source is asked (concurrently) and their candidates concatenated in
  pool order; supplemental sources are asked one at a time, in order, only while nothing has
  matched; explicit sources are never asked.
* Within a source: the constraint filters versions; yanked releases are dropped unless the
  constraint is an exact version; pre-releases are dropped unless nothing stable matched.
* The candidates are sorted (not yanked, stable, version) descending with a stable sort: the
  highest version wins, and for the same version the first source in pool order.
* The chosen release must support the project's Python range (Requires-Python from its
  metadata), as Poetry's solver requires; otherwise the next candidate is tried.

The orchestration is a small scheduler over generators: each requirement is a generator that
yields the futures it waits for, so ``lookup_many`` runs every request of every requirement on
one bounded thread pool without nested waits, and identical page requests are shared.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import queue
import threading
import time
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol

import httpx
from packaging.utils import canonicalize_name
from poetry.core.constraints.version import Version, VersionConstraint, parse_constraint
from poetry.core.packages.dependency import Dependency

from nbext.auth.redact import redact_url
from nbext.cache.artifacts import ArtifactCache
from nbext.cache.metadata import MetadataCache
from nbext.constants import ACCEPT_PYPI, ACCEPT_SIMPLE, pypi_json_api_url
from nbext.errors import (
    BodyTooLarge,
    NotCached,
    PageFormatError,
    RequirementError,
    SourceDown,
    TlsConnectError,
)
from nbext.index.lazy_wheel import TAIL_BYTES, metadata_from_ranges, total_size
from nbext.index.model import (
    HASH_PREFERENCE,
    File,
    PageReader,
    Release,
    ReleaseMetadata,
    choose_metadata_files,
    group_releases,
    merge_py2_py3,
    metadata_from_archive,
    parse_json_api_release,
    parse_metadata,
)
from nbext.lookup.results import OFFLINE_NOT_CACHED, Chosen, LookupResult, SourceRow
from nbext.net.client import Event, Http, Outages, short_error
from nbext.net.limits import Cap
from nbext.sources.pool import Priority, Source, SourcePool

__all__ = ["Lookup", "LookupObserver", "Pin", "kernel_python_constraint", "parse_requirement"]

logger = logging.getLogger("nbext.lookup")


class LookupObserver(Protocol):
    """Watches a lookup as it runs (the live view in a notebook; None elsewhere).

    ``update`` is called from the thread that runs the lookup, each time a row changes
    (a source is asked, answers or is skipped) and once more with ``done=True``. The result
    is the one being filled in: read it, never keep or change it.
    """

    def update(self, index: int, result: LookupResult, done: bool) -> None: ...


@dataclass(frozen=True)
class Pin:
    """Where a requirement's source pin comes from."""

    source: str
    origin: str  # "argument" | "project"
    group: str = "main"


def parse_requirement(text: str) -> Dependency:
    """A PEP 508 requirement (``pkg>=1``) or Poetry's ``pkg@constraint`` form."""
    text = text.strip()
    if not text:
        raise RequirementError("Empty requirement: give a package name, e.g. acme-utils>=1.0")
    try:
        if "@" in text and "://" not in text and " @ " not in text:
            name, _, constraint = text.partition("@")
            if constraint in ("", "latest"):
                constraint = "*"
            return Dependency(name.strip(), constraint.strip())
        fast = _simple_requirement(text)
        return fast if fast is not None else Dependency.create_from_pep_508(text)
    except Exception as exc:
        raise RequirementError(
            f"Invalid requirement {text!r}: {exc}. Use PEP 508 (acme-utils>=1.0) or "
            f"Poetry's form (acme-utils@^1.0)."
        ) from None


def _simple_requirement(text: str) -> Dependency | None:
    """``name[extras] specifiers`` through packaging's parser: poetry-core's PEP 508 parser
    builds a grammar on first use (0.25 s) and takes 2 ms a line. Markers and URLs (None)
    go to poetry-core."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    if req.marker is not None or req.url:
        return None
    try:
        return Dependency(req.name, str(req.specifier) or "*", extras=sorted(req.extras))
    except Exception:  # a specifier poetry-core reads differently: let it say so
        return None


def kernel_python_constraint() -> VersionConstraint:
    """The running interpreter's exact version, used when no project states its Python range."""
    return Version.parse(platform.python_version())


@dataclass
class PageResult:
    """What one source answered for one project page."""

    source: Source
    url: str
    status: int | None = None
    releases: list[Release] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None
    elapsed: float = 0.0
    events: list[Event] = field(default_factory=list)
    cache: str = ""  # the cache's state when no response says it (offline, nothing cached)
    unreachable: bool = False  # not asked: the source could not be reached earlier
    gave_up: str | None = None  # why a 429/5xx was not retried (a Retry-After over the cap)
    notes: list[str] = field(default_factory=list)  # what reading the page left out, and why


@dataclass
class MetadataResult:
    metadata: ReleaseMetadata | None
    via: str  # "PEP 658" | "range requests" | "wheel" | "sdist" | ... (see _results._VIA)
    warning: str | None = None
    error: str | None = None
    events: list[Event] = field(default_factory=list)
    #: Why a way to the metadata was passed over, in the order tried (shown with the chosen
    #: release): a PEP 658 file whose hash or Name/Version does not match, a failed request.
    passed_over: list[str] = field(default_factory=list)


def _best_hash(hashes: dict[str, str]) -> tuple[str, str] | None:
    for algo in HASH_PREFERENCE:
        if algo in hashes:
            return algo, hashes[algo].lower()
    return None


class Fetcher:
    """Fetches pages and metadata on a thread pool, sharing identical requests in flight."""

    def __init__(
        self,
        http: Http,
        executor: ThreadPoolExecutor,
        *,
        timeout: float,
        auth_hint: Callable[[str, int, bool], str] | None = None,
        lazy_wheel: bool = True,
        artifacts: ArtifactCache | None = None,
        metadata_cache: MetadataCache | None = None,
        refresh: frozenset[str] = frozenset(),
        http_cache: bool = True,
    ) -> None:
        self.http_cache = http_cache
        self.artifacts = artifacts
        self.metadata_cache = metadata_cache
        self.refresh = refresh
        self.auth_hint = auth_hint
        self.lazy_wheel = lazy_wheel
        self.http = http
        self.executor = executor
        self.timeout = timeout
        self._lock = threading.Lock()
        self._pages: dict[tuple[str, str], Future[PageResult]] = {}
        self._single: dict[str, Future[tuple[httpx.Response | None, PageResult]]] = {}
        self._readers: dict[str, PageReader] = {}
        self._meta: dict[tuple[str, str], Future[MetadataResult]] = {}
        #: Sources that could not be reached: their retries are spent once per lookup.
        self.outages = Outages()

    def page(self, source: Source, name: str) -> Future[PageResult]:
        key = (source.key, name)
        with self._lock:
            fut = self._pages.get(key)
            if fut is None:
                fut = self.executor.submit(self._fetch_page, source, name)
                self._pages[key] = fut
            return fut

    def metadata(self, source: Source, release: Release) -> Future[MetadataResult]:
        """The release's metadata: Poetry's metadata cache first (no request), else read from
        the file(s) Poetry reads (:func:`choose_metadata_files`) on the pool, and cached."""
        files = choose_metadata_files(release)
        key = (source.key, " ".join(f.url for f in files) or f"{release.version}")
        with self._lock:
            fut = self._meta.get(key)
            if fut is not None:
                return fut
            fut = Future()
            project = release.files[0].name if release.files else ""
            cache = self.metadata_cache
            cached = None
            if cache is not None and files and project not in self.refresh:
                cached = cache.get(source.name, release, project)
            if cached is not None:
                fut.set_result(MetadataResult(cached, "metadata cache"))
            elif not files:
                fut.set_result(
                    MetadataResult(
                        None,
                        "",
                        passed_over=[
                            f"{release.version} has no wheel or sdist whose metadata Poetry reads"
                        ],
                    )
                )
            else:
                fut = self.executor.submit(self._fetch_and_keep, source, files, release)
            self._meta[key] = fut
            return fut

    def _fresh(self, name: str) -> dict[str, str] | None:
        """``--refresh``: revalidate this package's pages and files whatever their age."""
        return {"Cache-Control": "no-cache"} if name in self.refresh else None

    def _fetch_and_keep(
        self, source: Source, files: tuple[File, ...], release: Release
    ) -> MetadataResult:
        try:
            if len(files) == 2:
                result = self._merged(source, *files)
            else:
                result = self._fetch_metadata(source, files[0])
        except Exception as exc:  # the boundary: unreadable metadata is a note, not a crash
            logger.debug("metadata of %s failed", files[0].filename, exc_info=True)
            return MetadataResult(
                None,
                files[0].kind,
                error=f"Source ({source.name}): the metadata of {files[0].filename} could not "
                f"be read ({type(exc).__name__}: {redact_url(short_error(exc))}).",
            )
        if result.metadata is not None and self.metadata_cache:
            self.metadata_cache.put(source.name, release, files[0].name, result.metadata)
        return result

    def _merged(self, source: Source, py2: File, py3: File) -> MetadataResult:
        """Separate py2 and py3 wheels: both read and merged as Poetry does (spec 8.3 step
        2.2). If only one can be read, its metadata alone is used, and the row says so."""
        two = self._fetch_metadata(source, py2)
        three = self._fetch_metadata(source, py3)
        events = [*two.events, *three.events]
        passed_over = [*two.passed_over, *three.passed_over]
        warning = "; ".join(w for w in (two.warning, three.warning) if w) or None
        error = "; ".join(e for e in (two.error, three.error) if e) or None
        if two.metadata is not None and three.metadata is not None:
            return MetadataResult(
                merge_py2_py3(two.metadata, three.metadata),
                f"py2 + py3 wheels ({two.via}, {three.via})",
                warning=warning,
                error=error,
                events=events,
                passed_over=passed_over,
            )
        alone, missing = (two, py3) if two.metadata is not None else (three, py2)
        if alone.metadata is not None:
            passed_over.append(
                f"{missing.filename} could not be read, so its metadata is not merged in "
                f"(Poetry would fail here)"
            )
        return MetadataResult(
            alone.metadata,
            alone.via,
            warning=warning,
            error=error,
            events=events,
            passed_over=passed_over,
        )

    # -- workers ------------------------------------------------------------------------------

    def _get(
        self,
        source: Source,
        url: str,
        accept: str | None,
        extra: dict[str, str] | None = None,
        cap: Cap | None = None,
    ) -> tuple[httpx.Response | None, PageResult]:
        result = PageResult(source=source, url=redact_url(url))
        started = time.perf_counter()
        headers = {"Accept": accept} if accept else {}
        headers.update(extra or {})
        response: httpx.Response | None = None
        try:
            response, events = self.http.get(
                url,
                source=source.name,
                headers=headers,
                cache=self.http_cache,
                cap=cap,
                outages=self.outages,
            )
        except Exception as exc:  # the boundary: whatever reading a source raises is its row
            result.events = list(getattr(exc, "nbext_events", []))
            result.error = f"Source ({source.name}): {self._failure(exc, source, url)}"
            result.unreachable = isinstance(exc, SourceDown)
            if isinstance(exc, NotCached):
                result.cache = OFFLINE_NOT_CACHED
        else:
            result.events = events
            result.status = response.status_code
            result.gave_up = response.extensions.get("nbext_gave_up")
        result.elapsed = time.perf_counter() - started
        return response, result

    def _failure(self, exc: Exception, source: Source, url: str) -> str:
        """What went wrong, in one line that names the fix."""
        shown = redact_url(url)
        check = f"Check the URL (%source show {source.name}) and that the server is running."
        if isinstance(exc, httpx.TimeoutException):
            text = str(exc) or f"timed out after {self.timeout:g} s"
            return f"{text} at {shown}. Check that the server is up, or raise requests.timeout."
        if isinstance(exc, TlsConnectError | NotCached | SourceDown | BodyTooLarge):
            return str(exc)
        if isinstance(exc, httpx.TooManyRedirects):
            return (
                f"too many redirects at {shown} (more than {self.http.client.max_redirects}: a "
                f"redirect loop?). Check the URL (%source show {source.name})."
            )
        if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith("Invalid URL"):
            return f"a redirect to an invalid URL at {shown} ({exc}). {check}"
        if isinstance(exc, httpx.DecodingError):
            return f"the answer from {shown} could not be decoded ({exc})."
        if isinstance(exc, httpx.HTTPError):
            if str(exc).startswith("All attempts"):
                return f"{exc}. {check}"
            host = httpx.URL(url).netloc.decode()
            return f"cannot connect to {host} ({short_error(exc)}). {check}"
        logger.debug("unexpected error reading %s", shown, exc_info=True)
        return f"could not read {shown} ({type(exc).__name__}: {redact_url(short_error(exc))})."

    def _fetch_page(self, source: Source, name: str) -> PageResult:
        """One source's page for ``name``; whatever goes wrong is that source's row."""
        try:
            return self._page(source, name)
        except Exception as exc:  # the boundary: one source's failure never ends the lookup
            logger.debug("reading %s for %s failed", source.name, name, exc_info=True)
            return PageResult(
                source=source,
                url=redact_url(source.page_url(name)),
                error=f"Source ({source.name}): could not be read ({type(exc).__name__}: "
                f"{redact_url(short_error(exc))}).",
            )

    def _page(self, source: Source, name: str) -> PageResult:
        if source.kind == "single-page":
            return self._from_single_page(source, name)
        accept = ACCEPT_PYPI if source.kind == "pypi" else ACCEPT_SIMPLE
        response, result = self._get(source, source.page_url(name), accept, self._fresh(name))
        if response is not None:
            self._read_page(result, response, name)
        return result

    def _from_single_page(self, source: Source, name: str) -> PageResult:
        with self._lock:
            fut = self._single.get(source.key)
            owner = fut is None
            if fut is None:
                fut = Future()
                self._single[source.key] = fut
        if owner:
            try:
                fut.set_result(self._get(source, source.url, None, self._fresh(name)))
            except BaseException as exc:  # pragma: no cover - defensive
                fut.set_exception(exc)
        response, shared = fut.result()
        result = PageResult(
            source=source,
            url=shared.url,
            status=shared.status,
            error=shared.error,
            elapsed=shared.elapsed if owner else 0.0,
            events=shared.events if owner else [],
        )
        if response is not None:
            with self._lock:  # the one page is parsed once for every project asked for
                reader = self._readers.get(source.key)
                if reader is None:
                    reader = PageReader(
                        response.content,
                        content_type=response.headers.get("content-type"),
                        url=str(response.extensions.get("nbext_url") or response.url),
                    )
                    self._readers[source.key] = reader
            self._read_page(result, response, name, reader)
        return result

    def _read_page(
        self,
        result: PageResult,
        response: httpx.Response,
        name: str,
        reader: PageReader | None = None,
    ) -> None:
        source, status = result.source, response.status_code
        base = str(response.extensions.get("nbext_url") or response.url)
        url = redact_url(base)
        if status == 404 or (source.kind == "pypi" and status != 200 and status not in (401, 403)):
            return
        if status in (401, 403):
            result.warning = f"Source ({source.name}): Authorization error accessing {url}"
            if self.auth_hint is not None:
                sent = "authorization" in response.request.headers
                result.warning += self.auth_hint(source.name, status, sent)
            return
        if not 200 <= status < 300:
            result.error = f"Source ({source.name}): HTTP {status} from {url}"
            if result.gave_up:
                result.error += f" ({result.gave_up.rstrip('.')})"
            return
        try:
            if reader is None:
                reader = PageReader(
                    response.content,
                    content_type=response.headers.get("content-type"),
                    url=base,
                )
            page = reader.project(name)
        except PageFormatError as exc:
            self._forget(source, response)
            result.error = (
                f"Source ({source.name}): {exc} at {url}. Check that the source URL points at a "
                f"simple index (usually ending in /simple/)."
            )
            return
        except Exception as exc:  # a hostile page, or a defect in nbext: only this source's row
            self._forget(source, response)
            result.error = (
                f"Source ({source.name}): nbext could not read the page at {url} "
                f"({type(exc).__name__}: {redact_url(str(exc)[:200])}); please report this."
            )
            return
        result.releases = group_releases(page.files)
        if page.skipped_count:
            more = page.skipped_count - len(page.skipped)
            result.notes.append(
                f"Source ({source.name}): {page.skipped_count} link"
                f"{'s' if page.skipped_count != 1 else ''} on {url} left out: "
                + "; ".join(page.skipped)
                + (f"; and {more} more" if more else "")
            )

    def _forget(self, source: Source, response: httpx.Response) -> None:
        """A page that could not be read is not kept in the HTTP cache."""
        cache = self.http.cache
        if cache is not None and self.http_cache:
            cache.forget(source.name, str(response.url))

    def _lazy_metadata(
        self, source: Source, file: File
    ) -> tuple[ReleaseMetadata | None, httpx.Response | None, list[Event]]:
        """Poetry's lazy wheel: ``Range: bytes=-10000``, then the METADATA member by range.

        Returns the metadata (or None), the first response when it was a plain 200 (a server that
        ignores ranges sent the whole wheel: use it) and the events.
        """
        events: list[Event] = []
        meta = self.http.limits.metadata
        tail = {"Range": f"bytes=-{TAIL_BYTES}"}
        response, page = self._get(source, file.url, None, tail, self.http.limits.download)
        events += page.events
        if response is None or response.status_code != 206:
            return None, response, events
        size = total_size(response.headers.get("content-range"))
        if size is None:
            return None, None, events

        def fetch(start: int, end: int) -> bytes:
            if end - start + 1 > meta.bytes:
                raise ValueError(f"a member of {file.filename} is larger than {meta.what} may be")
            ranged = {"Range": f"bytes={start}-{end}"}
            part, part_page = self._get(source, file.url, None, ranged, meta)
            events.extend(part_page.events)
            if part is None or part.status_code != 206:
                raise ValueError(f"range request answered {part_page.status or part_page.error}")
            return part.content

        try:
            data = metadata_from_ranges(size, response.content, fetch)
            return parse_metadata(data), None, events
        except Exception:
            return None, None, events  # fall back to downloading the wheel

    def _fetch_metadata(self, source: Source, file: File) -> MetadataResult:
        if source.kind == "pypi":
            return self._from_json_api(source, file)
        return self._metadata_from_files(source, file)

    def _from_json_api(self, source: Source, file: File) -> MetadataResult:
        """The public index, as Poetry reads it: ``/pypi/<name>/<version>/json``; only when
        its ``requires_dist`` is null (or the API fails) are the release's files read, and
        then the API's Requires-Python wins when it gave one (spec 8.3 step 5)."""
        url = pypi_json_api_url(file.name, str(file.version))
        response, page = self._get(
            source, url, "application/json", self._fresh(file.name), self.http.limits.metadata
        )
        api: ReleaseMetadata | None = None
        warning: str | None = None
        passed_over: list[str] = []
        if response is not None and response.status_code == 200:
            try:
                api, has_requires = parse_json_api_release(response.content)
            except PageFormatError as exc:
                warning = f"Source ({source.name}): {exc} at {redact_url(url)}"
            else:
                wrong = _not_this_file(api, file)
                if wrong is not None:  # not this release: read the files instead
                    warning = f"Source ({source.name}): the JSON API answer {wrong}"
                    passed_over.append(f"the JSON API answer {wrong}")
                    api = None
                elif has_requires:
                    return MetadataResult(api, "JSON API", events=page.events)
        files = self._metadata_from_files(source, file)
        files.events[:0] = page.events
        files.passed_over[:0] = passed_over
        if warning and not files.warning:
            files.warning = warning
        if api is not None and api.requires_python and files.metadata is not None:
            files.metadata = replace(files.metadata, requires_python=api.requires_python)
        return files

    def _metadata_from_files(self, source: Source, file: File) -> MetadataResult:
        """PEP 658 file, else range requests on the wheel, else the whole file (kept in the
        artifact cache, which is read first).

        Metadata is used only when it describes this file (its Name and Version are the file's)
        and, for a PEP 658 file or a downloaded file, when its hash from the index verifies (a
        range read cannot be checked against the whole file's hash; its Name and Version are).
        Otherwise the next way is tried, and why is kept in ``passed_over``.
        """
        passed_over: list[str] = []
        if self.artifacts is not None:
            cached = self.artifacts.get(file)
            if cached is not None:
                try:
                    meta = parse_metadata(metadata_from_archive(file.filename, cached))
                except Exception:  # unreadable: fetch it again below
                    pass
                else:
                    if _not_this_file(meta, file) is None:
                        return MetadataResult(meta, f"{file.kind} (artifact cache)")
        events: list[Event] = []
        warning: str | None = None
        if file.has_metadata:
            meta_url = file.url.split("#", 1)[0].split("?", 1)[0] + ".metadata"
            meta_response, page = self._get(
                source, meta_url, None, self._fresh(file.name), self.http.limits.metadata
            )
            events += page.events
            if meta_response is not None and meta_response.status_code == 200:
                data = meta_response.content
                expected = _best_hash(file.metadata_hashes)
                actual = hashlib.new(expected[0], data).hexdigest() if expected else None
                if expected and actual != expected[1]:
                    warning = (
                        f"Metadata file hash ({actual}) does not match expected hash "
                        f"({expected[1]}). Metadata file for {file.filename} will be ignored."
                    )
                    passed_over.append(
                        f"the PEP 658 file of {file.filename} does not match its "
                        f"{expected[0]} hash from the index"
                    )
                else:
                    try:
                        meta = parse_metadata(data)
                    except Exception:
                        warning = f"Failed to parse metadata at {redact_url(meta_url)}"
                        passed_over.append(
                            f"the PEP 658 file of {file.filename} is not readable metadata"
                        )
                    else:
                        wrong = _not_this_file(meta, file)
                        if wrong is None:
                            return MetadataResult(
                                meta, "PEP 658", events=events, passed_over=passed_over
                            )
                        passed_over.append(f"the PEP 658 file of {file.filename} {wrong}")
            else:
                warning = f"Failed to retrieve metadata at {redact_url(meta_url)}"
                answer = f"HTTP {page.status}" if page.status is not None else page.error or ""
                answer = answer.removeprefix(f"Source ({source.name}): ")
                passed_over.append(
                    f"the PEP 658 file of {file.filename} could not be fetched ({answer})"
                )
        response: httpx.Response | None = None
        if file.kind == "wheel" and self.lazy_wheel:
            lazy, response, lazy_events = self._lazy_metadata(source, file)
            events += lazy_events
            if lazy is not None:
                wrong = _not_this_file(lazy, file)
                if wrong is None:
                    return MetadataResult(
                        lazy,
                        "range requests",
                        warning=warning,
                        events=events,
                        passed_over=passed_over,
                    )
                passed_over.append(f"the METADATA in {file.filename} {wrong}")
                return MetadataResult(
                    None, file.kind, warning=warning, events=events, passed_over=passed_over
                )
        if response is None or response.status_code != 200:
            response, page = self._get(
                source, file.url, None, self._fresh(file.name), self.http.limits.download
            )
            events += page.events
        else:
            page = PageResult(source=source, url=redact_url(file.url), status=200)

        def failed(error: str, why: str) -> MetadataResult:
            passed_over.append(why)
            return MetadataResult(
                None,
                file.kind,
                warning=warning,
                error=error,
                events=events,
                passed_over=passed_over,
            )

        if response is None or response.status_code != 200:
            error = page.error or (
                f"Source ({source.name}): HTTP {page.status} downloading {redact_url(file.url)}"
            )
            answer = f"HTTP {page.status}" if page.status is not None else "no answer"
            return failed(error, f"{file.filename} could not be downloaded ({answer})")
        data = response.content
        expected = _best_hash(file.hashes)
        if expected and hashlib.new(expected[0], data).hexdigest() != expected[1]:
            return failed(
                f"Source ({source.name}): {file.filename} does not match its {expected[0]} "
                f"hash from the index; refusing to read it.",
                f"{file.filename} does not match its {expected[0]} hash from the index",
            )
        try:
            meta = parse_metadata(metadata_from_archive(file.filename, data))
        except Exception as exc:
            return failed(f"{file.filename}: {exc}", f"{file.filename} has no readable metadata")
        wrong = _not_this_file(meta, file)
        if wrong is not None:
            what = "METADATA" if file.kind == "wheel" else "PKG-INFO"
            return failed(
                f"Source ({source.name}): the {what} in {file.filename} {wrong}; not used.",
                f"the {what} in {file.filename} {wrong}",
            )
        if self.artifacts is not None:
            self.artifacts.put(file, data)  # verified above (when the index gave a hash)
        return MetadataResult(
            meta, file.kind, warning=warning, events=events, passed_over=passed_over
        )


def _not_this_file(meta: ReleaseMetadata, file: File) -> str | None:
    """Why ``meta`` does not describe ``file`` (another project or version), else None."""
    if not meta.name:
        return "has no Name (not core metadata)"
    if canonicalize_name(meta.name) != file.name:
        return f"names the project {meta.name!r}, not {file.name}"
    try:
        version = Version.parse(meta.version)
    except ValueError:
        return f"has the version {meta.version[:40]!r}, not {file.version}"
    if version != file.version:
        return f"is for version {meta.version}, not {file.version}"
    return None


def filter_releases(releases: Sequence[Release], dependency: Dependency) -> list[Release]:
    """Poetry's ``Repository.find_packages`` filtering for one source.

    "Pre-release" is Poetry's ``Package.is_prerelease()``, which is ``Version.is_unstable()``:
    alpha, beta and rc releases and ``.devN`` releases alike (``1.0.dev6`` is not chosen
    while a stable release matches, and is not listed in the versions row then).
    """
    constraint = dependency.constraint
    allow_pre = dependency.allows_prereleases()
    kept: list[Release] = []
    pre: list[Release] = []
    for release in releases:
        if not constraint.allows(release.version):
            continue
        if release.yanked and not isinstance(constraint, Version):
            continue
        if release.version.is_unstable() and not allow_pre:
            pre.append(release)
            continue
        kept.append(release)
    if allow_pre is False:
        return kept
    return kept or pre


class _AnyOf(list[Future[object]]):
    """Yielded by a requirement's generator: resume it when any one of these is done
    (a plain list means: when all are done)."""


@dataclass
class _Job:
    text: str
    dependency: Dependency
    pin: Pin | None
    index: int = 0
    result: LookupResult | None = None


class Lookup:
    """One run of lookups over a pool (a Fetcher is shared by all its requirements)."""

    def __init__(
        self,
        pool: SourcePool,
        http: Http,
        executor: ThreadPoolExecutor,
        *,
        python: VersionConstraint,
        timeout: float,
        auth_hint: Callable[[str, int, bool], str] | None = None,
        lazy_wheel: bool = True,
        observer: LookupObserver | None = None,
        artifacts: ArtifactCache | None = None,
        metadata_cache: MetadataCache | None = None,
        refresh: frozenset[str] = frozenset(),
        http_cache: bool = True,
    ) -> None:
        self.pool = pool
        self.python = python
        self.observer = observer
        self.fetcher = Fetcher(
            http,
            executor,
            timeout=timeout,
            auth_hint=auth_hint,
            lazy_wheel=lazy_wheel,
            artifacts=artifacts,
            metadata_cache=metadata_cache,
            refresh=refresh,
            http_cache=http_cache,
        )

    def run(self, jobs: Sequence[tuple[str, Dependency, Pin | None]]) -> list[LookupResult]:
        """Run every requirement's generator to the end on this thread.

        A generator yields the futures it waits for; each future's completion callback puts
        the requirement's index on a queue, and this thread resumes exactly the generators
        whose futures are ready (no polling of every future on every wake-up).
        """
        items = [_Job(text, dep, pin, index) for index, (text, dep, pin) in enumerate(jobs)]
        waiting: dict[int, tuple[Generator[list[Future[object]], None, None], list[Future[object]]]]
        waiting = {}
        woken: queue.SimpleQueue[int] = queue.SimpleQueue()

        def ready(futures: list[Future[object]]) -> bool:
            test = any if isinstance(futures, _AnyOf) else all
            return test(f.done() for f in futures)

        def advance(index: int, gen: Generator[list[Future[object]], None, None]) -> None:
            while True:
                try:
                    futures = next(gen)
                except StopIteration:
                    waiting.pop(index, None)
                    return
                if not ready(futures):
                    break
            waiting[index] = (gen, futures)

            def wake(_future: Future[object], index: int = index) -> None:
                woken.put(index)

            for f in futures:
                f.add_done_callback(wake)

        for index, job in enumerate(items):
            advance(index, self._solve(job))
        try:
            while waiting:
                index = woken.get()
                entry = waiting.get(index)
                if entry is not None and ready(entry[1]):
                    advance(index, entry[0])
        except BaseException:
            for _, futs in waiting.values():
                for f in futs:
                    f.cancel()
            raise
        return [job.result for job in items if job.result is not None]

    # -- one requirement ----------------------------------------------------------------------

    def _solve(self, job: _Job) -> Generator[list[Future[object]], None, None]:
        dep = job.dependency
        name = canonicalize_name(dep.name)
        rows: dict[str, SourceRow] = {
            s.key: SourceRow(source=s.name, priority=s.priority.value, url=redact_url(s.url))
            for s in self.pool
        }
        answers: dict[str, PageResult] = {}
        result = LookupResult(
            requirement=job.text,
            name=name,
            constraint=str(dep.constraint),
            per_source=[rows[s.key] for s in self.pool],
            pinned=job.pin.source if job.pin else None,
            python=str(self.python),
        )

        def notify(done: bool = False) -> None:
            if self.observer is not None:
                self.observer.update(job.index, result, done)

        notify()
        python = self._python_for(dep)
        if python.is_empty():
            # Poetry drops a dependency whose markers exclude the project's Python
            # (Provider._get_dependencies_with_overrides): nothing is locked for it.
            for row in rows.values():
                row.skipped = "no: the marker excludes the project's Python"
            result.message = (
                f"nothing to choose: the marker {dep.marker} excludes the project's Python "
                f"{self.python}, so Poetry locks nothing for {dep.pretty_name}"
            )
            job.result = result
            notify(done=True)
            return
        skipped_python: list[str] = []
        rejected: set[Version] = set()
        seen_meta: set[Future[MetadataResult]] = set()
        current = dep
        order: list[Source] = []
        # Poetry's solver: take the best candidate; when its Requires-Python does not cover the
        # project's range, exclude that version and go on; when the candidates run out, search
        # the sources again with the narrowed constraint (which may now reach supplementals or
        # the pre-release fallback). Pages are fetched once per lookup (the Fetcher memoises).
        for _round in range(64):
            matches: dict[str, list[Release]] = {}
            order = yield from self._search(job, current, name, rows, answers, matches, notify)
            candidates = self._sorted_candidates(order, matches, current)
            fresh = [(s, r) for s, r in candidates if r.version not in rejected]
            if not fresh:
                break
            for source, release in fresh:
                if release.version in rejected:
                    continue
                owner = self._owner(source, release, order, answers, job.pin is not None)
                owner_release = next(
                    r for r in answers[owner.key].releases if r.version == release.version
                )
                files = choose_metadata_files(owner_release)
                mfut = self.fetcher.metadata(owner, owner_release)
                yield [mfut]  # type: ignore[list-item]
                meta = mfut.result()
                if mfut not in seen_meta:
                    seen_meta.add(mfut)
                    rows[owner.key].events.extend(meta.events)
                    rows[owner.key].requests += sum(1 for e in meta.events if e.is_request)
                    for text in (meta.warning, meta.error):
                        if text and text not in result.notes:
                            result.notes.append(text)
                    notify()
                note = _metadata_note(meta, files, owner_release)
                if meta.metadata is not None:
                    rp = meta.metadata.requires_python
                    where = ""
                else:
                    # Unreadable metadata: the index page's data-requires-python still counts
                    rp = _page_requires_python(files, owner_release)
                    where = ", says the index page"
                if rp and not _python_ok(rp, python):
                    skipped_python.append(f"{release.version} (requires Python {rp}{where})")
                    rejected.add(release.version)
                    continue
                shown = files[-1] if files else None  # of a py2/py3 pair, the py3 wheel
                result.chosen = Chosen(
                    name=name,
                    version=str(release.version),
                    source=owner.name,
                    reason=self._reason(
                        job, owner, owner_release, release, candidates, order, skipped_python
                    ),
                    yanked=owner_release.yanked,
                    yanked_reason=owner_release.yanked_reason or None,
                    prerelease=release.version.is_unstable(),
                    file=shown.filename if shown else None,
                    url=redact_url(shown.url) if shown else None,
                    metadata=meta.metadata,
                    metadata_via=meta.via if meta.metadata else None,
                    metadata_note=note,
                )
                shadowed = self._shadowed(owner, release, order, matches, job.pin is not None)
                if shadowed:
                    result.notes.append(shadowed)
                if owner_release.yanked:
                    why = owner_release.yanked_reason
                    result.notes.append(
                        f"Warning: {name} {release.version} is yanked on {owner.name}"
                        + (f" (reason: {why})" if why else "")
                        + "; Poetry would lock it with the same warning."
                    )
                break
            if result.chosen is not None:
                break
            constraint = current.constraint
            for version in sorted(rejected):
                constraint = constraint.difference(version)
            current = current.with_constraint(constraint)
        for page in answers.values():
            if page.warning and page.warning not in result.notes:
                result.notes.insert(0, page.warning)
            for note in page.notes:
                if note not in result.notes:
                    result.notes.append(note)
        result.notes.extend(self._yanked_skipped(dep, order, answers, result.chosen))
        if result.chosen is None:
            result.message = self._nothing(job, order, rows, skipped_python)
        job.result = result
        notify(done=True)

    def _python_for(self, dep: Dependency) -> VersionConstraint:
        """The Python range a requirement must support: the project's, narrowed by the
        requirement's markers (``pkg; python_version >= "3.12"`` needs only 3.12+, as Poetry's
        provider checks a candidate's Requires-Python against the transitive marker's range).
        Empty when the markers exclude the project's Python."""
        marker_python = dep.python_constraint
        if marker_python.is_any():
            return self.python
        return self.python.intersect(marker_python)

    def _search(
        self,
        job: _Job,
        dep: Dependency,
        name: str,
        rows: dict[str, SourceRow],
        answers: dict[str, PageResult],
        matches: dict[str, list[Release]],
        notify: Callable[[], None],
    ) -> Generator[list[Future[object]], None, list[Source]]:
        """Poetry's ``RepositoryPool.find_packages``: which sources, in which order."""

        def asking(sources: Sequence[Source]) -> None:
            for src in sources:
                if not rows[src.key].asked:
                    rows[src.key].pending = True
            notify()

        def take(page: PageResult) -> None:
            src = page.source
            answers[src.key] = page
            found = filter_releases(page.releases, dep)
            matches[src.key] = found
            row = rows[src.key]
            row.asked = True
            row.pending = False
            row.skipped = ""
            row.status = page.status
            row.elapsed = page.elapsed
            row.error = page.error
            row.unreachable = page.unreachable
            row.warning = page.warning
            row.versions = [str(r.version) for r in found]
            row.listed = len(page.releases)
            if not row.events:
                row.requests = sum(1 for e in page.events if e.is_request)
                row.events = list(page.events)
            answered = [e for e in page.events if e.status is not None]
            row.cache = (answered[-1].cache or "") if answered else page.cache

        if job.pin is not None:
            pinned = self.pool.get(job.pin.source)
            why = f"pinned to {pinned.name}" if job.pin.origin == "project" else "--source"
            for s in self.pool:
                if s.key != pinned.key:
                    rows[s.key].skipped = f"no: {why}"
            fut = self.fetcher.page(pinned, name)
            if not fut.done():
                asking([pinned])
            yield [fut]  # type: ignore[list-item]
            take(fut.result())
            notify()
            return [pinned]
        for s in self.pool.explicit:
            rows[s.key].skipped = "no: explicit (pins only)"
        searchable = self.pool.searchable
        first = [s for s in searchable if s.priority is not Priority.SUPPLEMENTAL]
        supplementals = [s for s in searchable if s.priority is Priority.SUPPLEMENTAL]
        futures = [self.fetcher.page(s, name) for s in first]
        if futures:
            asking(first)
            # Take each answer as it comes, so a live view shows the fast sources first.
            remaining = list(zip(first, futures, strict=True))
            while remaining:
                yield _AnyOf(f for _, f in remaining)  # type: ignore[misc]
                for _, f in remaining:
                    if f.done():
                        take(f.result())
                remaining = [(s, f) for s, f in remaining if not f.done()]
                notify()
        order = list(first)
        for i, s in enumerate(supplementals):
            if any(matches.values()):
                winner = next(o for o in order if matches.get(o.key))
                reason = (
                    "a primary source matched"
                    if winner.priority is not Priority.SUPPLEMENTAL
                    else f"{winner.name} matched first"
                )
                for rest in supplementals[i:]:
                    if not rows[rest.key].asked:
                        rows[rest.key].skipped = f"no: {reason}"
                break
            fut = self.fetcher.page(s, name)
            if not fut.done():
                asking([s])
            yield [fut]  # type: ignore[list-item]
            take(fut.result())
            notify()
            order.append(s)
        return order

    @staticmethod
    def _sorted_candidates(
        order: Sequence[Source], matches: dict[str, list[Release]], dep: Dependency
    ) -> list[tuple[Source, Release]]:
        """Merged in pool order, then Poetry's stable descending sort."""
        candidates = [(s, r) for s in order for r in matches.get(s.key, [])]
        allow_pre = dep.allows_prereleases()
        candidates.sort(
            key=lambda c: (
                not c[1].yanked,
                not c[1].version.is_unstable() and not allow_pre,
                c[1].version,
            ),
            reverse=True,
        )
        return candidates

    @staticmethod
    def _yanked_skipped(
        dep: Dependency,
        order: Sequence[Source],
        answers: dict[str, PageResult],
        chosen: Chosen | None,
    ) -> list[str]:
        """Notes for yanked releases the constraint would allow but Poetry skipped."""
        if isinstance(dep.constraint, Version):
            return []
        best = Version.parse(chosen.version) if chosen else None
        notes = []
        for source in order:
            page = answers.get(source.key)
            for release in page.releases if page else ():
                if (
                    release.yanked
                    and dep.constraint.allows(release.version)
                    and (best is None or release.version > best)
                ):
                    why = f" ({release.yanked_reason})" if release.yanked_reason else ""
                    notes.append(
                        f"{dep.pretty_name} {release.version} on {source.name} is yanked{why} and "
                        f"was skipped; require =={release.version} to use it anyway."
                    )
        return notes

    def _owner(
        self,
        source: Source,
        release: Release,
        order: Sequence[Source],
        answers: dict[str, PageResult],
        pinned: bool,
    ) -> Source:
        """The source Poetry records: the first searched source that lists this version."""
        if pinned:
            return source
        for s in order:
            page = answers.get(s.key)
            if page and any(r.version == release.version for r in page.releases):
                return s
        return source

    def _shadowed(
        self,
        owner: Source,
        release: Release,
        order: Sequence[Source],
        matches: dict[str, list[Release]],
        pinned: bool,
    ) -> str | None:
        """A note when a source declared earlier offers only lower versions: the later one wins
        (the dependency-confusion pattern Poetry's docs warn about)."""
        if pinned or owner.priority is Priority.SUPPLEMENTAL:
            return None
        earlier = list(order)[: list(order).index(owner)] if owner in order else []
        lower = [
            s
            for s in earlier
            if matches.get(s.key) and all(r.version < release.version for r in matches[s.key])
        ]
        if not lower:
            return None
        names = ", ".join(s.name for s in lower)
        first = lower[0].name
        return (
            f"{owner.name} shadows {names}: the highest version wins across primary sources "
            f"(Poetry's rule). If {first} is the one you mean, pin it: "
            f"%add {release.files[0].name} --source {first}"
        )

    def _reason(
        self,
        job: _Job,
        owner: Source,
        owner_release: Release,
        release: Release,
        candidates: Sequence[tuple[Source, Release]],
        order: Sequence[Source],
        skipped_python: Sequence[str],
    ) -> str:
        v = str(release.version)
        if job.pin is not None:
            if job.pin.origin == "project":
                where = "" if job.pin.group == "main" else f" (group {job.pin.group})"
                text = (
                    f"{v} from {owner.name}: pinned to source {owner.name} in pyproject.toml{where}"
                )
            else:
                text = f"{v} from {owner.name}: the only source asked (--source {owner.name})"
        elif owner.priority is Priority.SUPPLEMENTAL:
            text = (
                f"{v} from {owner.name}: no primary source matched; {owner.name} is the first "
                f"supplemental source with a match"
            )
        else:
            text = f"{v} from {owner.name}: highest version among primary sources"
            also = sorted(
                {s.name for s, r in candidates if r.version == release.version and s != owner},
                key=lambda n: [o.name for o in order].index(n),
            )
            if also:
                text += f" (also on {', '.join(also)}; {owner.name} is declared first)"
        if owner_release.yanked and release.yanked:
            text += "; yanked, allowed because the requirement pins this exact version"
        elif owner_release.yanked:
            text += (
                f"; yanked on {owner.name}, which Poetry still records because it is the first "
                f"source listing {v}"
            )
        if release.version.is_unstable():
            text += (
                "; a pre-release, allowed for this requirement"
                if job.dependency.allows_prereleases()
                else "; a pre-release, because no stable release matches"
            )
        if skipped_python:
            text += f"; skipped for Python {self.python}: {', '.join(skipped_python)}"
        return text

    def _nothing(
        self,
        job: _Job,
        order: Sequence[Source],
        rows: dict[str, SourceRow],
        skipped_python: Sequence[str],
    ) -> str:
        asked = ", ".join(s.name for s in order) or "no source"
        failed = [rows[s.key].source for s in order if rows[s.key].error]
        dep = job.dependency
        matching = "" if str(dep.constraint) == "*" else f" matching {dep.constraint}"
        text = f"no version of {dep.pretty_name}{matching} on {asked}"
        if skipped_python:
            text += f" for Python {self.python} (skipped: {', '.join(skipped_python)})"
        if failed:
            text += f"; {', '.join(failed)} did not answer (see the rows)"
        explicit = [s.name for s in self.pool.explicit]
        if job.pin is None and explicit:
            text += (
                f"; explicit sources ({', '.join(explicit)}) are only asked for pinned "
                f"dependencies: %add {dep.pretty_name} --source {explicit[0]}"
            )
        return text


def _page_requires_python(files: Sequence[File], release: Release) -> str | None:
    """The index page's ``data-requires-python`` / ``requires-python`` for a release whose
    metadata could not be read: the metadata file's, else the first file's that has one."""
    for f in files:
        if f.requires_python:
            return f.requires_python
    return release.requires_python


def _metadata_note(meta: MetadataResult, files: Sequence[File], release: Release) -> str | None:
    """What the chosen release's metadata line says besides the metadata: what was passed
    over on the way (and why), or that no metadata could be read, and what was used instead."""
    parts = list(meta.passed_over)
    if meta.metadata is None:
        rp = _page_requires_python(files, release)
        used = (
            f"the index page's requires-python ({rp}) was applied"
            if rp
            else "the index page gives no requires-python either"
        )
        why = "; ".join(parts) if parts else (meta.error or "no file could be read")
        return f"not read ({why}); {used}"
    if not parts:
        return None
    return "passed over: " + "; ".join(parts)


def _python_ok(requires_python: str, python: VersionConstraint) -> bool:
    try:
        allowed = parse_constraint(requires_python)
    except Exception:
        return True  # Poetry ignores what it cannot parse here; so do we
    return bool(allowed.allows_all(python))
