"""One distribution file's metadata, the ways Poetry reads it: its PEP 658 file, else range
requests on the wheel (Poetry's ``solver.lazy-wheel``), else the whole file (kept in the
artifact cache, which is read first). What each way found, or why it was passed over, is
in the :class:`~nbext.lookup.answers.MetadataResult`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx

from nbext.cache.artifacts import ArtifactCache
from nbext.index.archive import UnreadableArchive, core_metadata, streamed_sdist_metadata
from nbext.index.files import File, best_hash
from nbext.index.lazy_wheel import TAIL_BYTES, metadata_from_ranges, total_size
from nbext.index.metadata import ReleaseMetadata, not_this_file, parse_metadata
from nbext.index.sdist import inspect_sdist, merged
from nbext.lookup.answers import MetadataResult, PageResult
from nbext.lookup.requests import SourceRequests
from nbext.net.client import Event
from nbext.redact import redact_url
from nbext.sources.pool import Source

__all__ = ["FileMetadata"]


def _look_inside(
    meta: ReleaseMetadata, data: bytes, file: File
) -> tuple[ReleaseMetadata, str, list[str]]:
    """An sdist whose PKG-INFO does not list its requirements, read further as Poetry reads
    it (:mod:`nbext.index.sdist`): the metadata, what to add to how it was read, and what
    could not be read."""
    if file.kind != "sdist" or meta.requires_known:
        return meta, "", []
    try:
        info = inspect_sdist(data, file.filename)
    except UnreadableArchive as exc:
        return meta, "", [str(exc)]
    found = merged(meta, info)
    if found.requires_known:
        return found, f", requirements from its {info.read_from}", []
    return (
        found,
        "",
        [
            f"the PKG-INFO of {file.filename} lists no requirements and does not say there are "
            "none, and neither does anything else in it: Poetry would build its metadata (PEP "
            "517, running the project's build code) to find them; nbext does not run an index's "
            "code to look a package up, and takes it as requiring nothing"
        ],
    )


class FileMetadata:
    """Reads the metadata of one file of a source."""

    def __init__(
        self,
        requests: SourceRequests,
        *,
        lazy_wheel: bool = True,
        artifacts: ArtifactCache | None = None,
    ) -> None:
        self.requests = requests
        self.lazy_wheel = lazy_wheel
        self.artifacts = artifacts

    def read(self, source: Source, file: File) -> MetadataResult:
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
                    meta = parse_metadata(core_metadata(cached, file.filename))
                except Exception:  # unreadable: fetch it again below
                    pass
                else:
                    if not_this_file(meta, file) is None:
                        meta, how, notes = _look_inside(meta, cached, file)
                        return MetadataResult(
                            meta, f"{file.kind} (artifact cache){how}", passed_over=notes
                        )
        events: list[Event] = []
        warning: str | None = None
        if file.has_metadata:
            meta_url = file.url.split("#", 1)[0].split("?", 1)[0] + ".metadata"
            meta_response, page = self.requests.get(
                source,
                meta_url,
                None,
                self.requests.fresh(file.name),
                self.requests.http.limits.metadata,
            )
            events += page.events
            if meta_response is not None and meta_response.status_code == 200:
                data = meta_response.content
                expected = best_hash(file.metadata_hashes)
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
                        wrong = not_this_file(meta, file)
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
        partial: ReleaseMetadata | None = None  # read without the whole file: ranges, a stream
        whole: bytes | None = None  # a streamed sdist read to its end
        how, member = "", ""
        if file.kind == "wheel" and self.lazy_wheel:
            partial, response, lazy_events = self._lazy_metadata(source, file)
            events += lazy_events
            how, member = "range requests", "METADATA"
        elif file.kind == "sdist" and self.lazy_wheel and not file.filename.endswith(".zip"):
            partial, whole, stream_events = self._streamed_sdist(source, file)
            events += stream_events
            how, member = "sdist (read as it arrived)", "PKG-INFO"
        if partial is not None:
            wrong = not_this_file(partial, file)
            if wrong is not None:
                passed_over.append(f"the {member} in {file.filename} {wrong}")
                partial = None
            return MetadataResult(
                partial,
                how if partial is not None else file.kind,
                warning=warning,
                events=events,
                passed_over=passed_over,
            )
        if whole is not None:
            page = PageResult(source=source, url=redact_url(file.url), status=200)
        elif response is None or response.status_code != 200:
            response, page = self.requests.get(
                source,
                file.url,
                None,
                self.requests.fresh(file.name),
                self.requests.http.limits.download,
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

        if whole is None and (response is None or response.status_code != 200):
            error = page.error or (
                f"Source ({source.name}): HTTP {page.status} downloading {redact_url(file.url)}"
            )
            answer = f"HTTP {page.status}" if page.status is not None else "no answer"
            return failed(error, f"{file.filename} could not be downloaded ({answer})")
        data = whole if whole is not None else response.content if response is not None else b""
        expected = best_hash(file.hashes)
        if expected and hashlib.new(expected[0], data).hexdigest() != expected[1]:
            return failed(
                f"Source ({source.name}): {file.filename} does not match its {expected[0]} "
                f"hash from the index; refusing to read it.",
                f"{file.filename} does not match its {expected[0]} hash from the index",
            )
        try:
            meta = parse_metadata(core_metadata(data, file.filename))
        except Exception as exc:
            return failed(f"{file.filename}: {exc}", f"{file.filename} has no readable metadata")
        wrong = not_this_file(meta, file)
        if wrong is not None:
            what = "METADATA" if file.kind == "wheel" else "PKG-INFO"
            return failed(
                f"Source ({source.name}): the {what} in {file.filename} {wrong}; not used.",
                f"the {what} in {file.filename} {wrong}",
            )
        if self.artifacts is not None:
            self.artifacts.put(file, data)  # verified above (when the index gave a hash)
        meta, how, notes = _look_inside(meta, data, file)
        return MetadataResult(
            meta,
            file.kind + how,
            warning=warning,
            events=events,
            passed_over=[*passed_over, *notes],
        )

    def _streamed_sdist(
        self, source: Source, file: File
    ) -> tuple[ReleaseMetadata | None, bytes | None, list[Event]]:
        """A tar sdist's PKG-INFO read as the file arrives, the download stopped there (it is
        usually among the first members: 16 KB of a 19 MB sdist). Poetry downloads the whole
        sdist; the whole file cannot be hash-checked this way (as with range requests on a
        wheel), so, like them, the metadata must name this project and version.

        Returns the metadata, or the whole file when its PKG-INFO does not say what it
        requires (Poetry then reads the whole sdist: the download goes on to its end, and the
        caller verifies and reads it), or neither (and the whole download after it) when the
        tar does not give a readable PKG-INFO; and the events."""

        def consume(chunks: Iterator[bytes]) -> ReleaseMetadata | bytes:
            seen: list[bytes] = []

            def kept() -> Iterator[bytes]:
                for chunk in chunks:
                    seen.append(chunk)
                    yield chunk

            meta = parse_metadata(streamed_sdist_metadata(kept(), file.filename))
            if meta.requires_known:
                return meta
            seen.extend(chunks)  # the rest of the file, on the same request
            return b"".join(seen)

        response, page = self.requests.get(
            source,
            file.url,
            None,
            self.requests.fresh(file.name),
            self.requests.http.limits.download,
            consume=consume,
        )
        got = response.extensions.get("nbext_consumed") if response is not None else None
        if isinstance(got, ReleaseMetadata):
            return got, None, page.events
        if isinstance(got, bytes):
            return None, got, page.events
        return None, None, page.events  # unreadable PKG-INFO: the whole sdist, as Poetry

    def _lazy_metadata(
        self, source: Source, file: File
    ) -> tuple[ReleaseMetadata | None, httpx.Response | None, list[Event]]:
        """Poetry's lazy wheel (with a larger first range): the tail, then what is missing.

        Returns the metadata (or None), the first response when it was a plain 200 (a server that
        ignores ranges sent the whole wheel: use it) and the events.
        """
        events: list[Event] = []
        meta = self.requests.http.limits.metadata
        tail = {"Range": f"bytes=-{TAIL_BYTES}"}
        response, page = self.requests.get(
            source, file.url, None, tail, self.requests.http.limits.download
        )
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
            part, part_page = self.requests.get(source, file.url, None, ranged, meta)
            events.extend(part_page.events)
            if part is None or part.status_code != 206:
                raise ValueError(f"range request answered {part_page.status or part_page.error}")
            return part.content

        try:
            data = metadata_from_ranges(size, response.content, fetch)
            return parse_metadata(data), None, events
        except Exception:
            return None, None, events  # fall back to downloading the wheel
