"""Release metadata for a lookup: Poetry's metadata cache first, else the public index's JSON
API or the file(s) Poetry reads (:func:`~nbext.index.choice.choose_metadata_files`), fetched on
the lookup's thread pool once per release however many requirements ask; separate py2 and py3
wheels are both read and merged. Whatever goes wrong is a note, not a crash."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

from nbext.cache.artifacts import ArtifactCache
from nbext.cache.metadata import MetadataCache
from nbext.constants import pypi_json_api_url
from nbext.index.choice import choose_metadata_files, merge_py2_py3
from nbext.index.files import File, Release
from nbext.index.metadata import ReleaseMetadata, not_this_file, parse_json_api_release
from nbext.index.reader import PageFormatError
from nbext.lookup.answers import MetadataResult
from nbext.lookup.fetch_files import FileMetadata
from nbext.lookup.requests import SourceRequests
from nbext.net.client import short_error
from nbext.redact import redact_url
from nbext.sources.pool import Source

__all__ = ["MetadataFetcher"]

logger = logging.getLogger("nbext.lookup")


class MetadataFetcher:
    """Release metadata, shared by every requirement of a lookup run."""

    def __init__(
        self,
        requests: SourceRequests,
        executor: ThreadPoolExecutor,
        *,
        lazy_wheel: bool = True,
        artifacts: ArtifactCache | None = None,
        metadata_cache: MetadataCache | None = None,
    ) -> None:
        self.requests = requests
        self.executor = executor
        self.metadata_cache = metadata_cache
        self.files = FileMetadata(requests, lazy_wheel=lazy_wheel, artifacts=artifacts)
        self._lock = threading.Lock()
        self._meta: dict[tuple[str, str], Future[MetadataResult]] = {}
        #: Per source: whether its JSON API answers (True, False), or the event its first
        #: request sets (the others wait for it rather than each asking into a 404).
        self._api: dict[str, bool | threading.Event] = {}

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
            if cache is not None and files and project not in self.requests.refresh:
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

    def _fetch_metadata(self, source: Source, file: File) -> MetadataResult:
        if source.kind == "pypi":
            return self._from_json_api(source, file)
        return self.files.read(source, file)

    def _api_first(self, source: Source) -> bool | None:
        """True: ask (this is the source's first API request); False: ask (the API works);
        None: do not ask (it answered 404 or refused: Poetry then reads the files, and so does
        every later release of this lookup, without one more request each)."""
        with self._lock:
            state = self._api.get(source.key)
            if state is None:
                self._api[source.key] = threading.Event()
                return True
        if isinstance(state, threading.Event):
            state.wait(self.requests.timeout)
            with self._lock:
                state = self._api.get(source.key)
        return False if state is not False else None

    def _api_known(self, source: Source, works: bool | None) -> None:
        with self._lock:
            event = self._api.get(source.key)
            if works is None:
                self._api.pop(source.key, None)  # no answer: the next request asks again
            else:
                self._api[source.key] = works
        if isinstance(event, threading.Event):
            event.set()

    def _from_json_api(self, source: Source, file: File) -> MetadataResult:
        """The public index, as Poetry reads it: ``/pypi/<name>/<version>/json``; only when
        its ``requires_dist`` is null (or the API fails) are the release's files read, and
        then the API's Requires-Python wins when it gave one (spec 8.3 step 5)."""
        url = pypi_json_api_url(file.name, str(file.version))
        first = self._api_first(source)
        if first is None:  # the API did not answer this source's first request: files only
            return self.files.read(source, file)
        response, page = self.requests.get(
            source,
            url,
            "application/json",
            self.requests.fresh(file.name),
            self.requests.http.limits.metadata,
        )
        if first:
            status = response.status_code if response is not None else None
            self._api_known(source, None if status is None else status == 200)
        api: ReleaseMetadata | None = None
        warning: str | None = None
        passed_over: list[str] = []
        if response is not None and response.status_code == 200:
            try:
                api, has_requires = parse_json_api_release(response.content)
            except PageFormatError as exc:
                warning = f"Source ({source.name}): {exc} at {redact_url(url)}"
            else:
                wrong = not_this_file(api, file)
                if wrong is not None:  # not this release: read the files instead
                    warning = f"Source ({source.name}): the JSON API answer {wrong}"
                    passed_over.append(f"the JSON API answer {wrong}")
                    api = None
                elif has_requires:
                    return MetadataResult(api, "JSON API", events=page.events)
        files = self.files.read(source, file)
        files.events[:0] = page.events
        files.passed_over[:0] = passed_over
        if warning and not files.warning:
            files.warning = warning
        if api is not None and api.requires_python and files.metadata is not None:
            files.metadata = replace(files.metadata, requires_python=api.requires_python)
        return files
