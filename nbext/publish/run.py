"""The uploads of a publish, one file at a time, and what each answer means for the run.

:class:`Run` holds what the files share (target, credentials, client, observer, result);
:func:`send_all` sends the files not skipped, those that would replace a file first, and stops
at the first that fails with an error that says what was uploaded and what was not. Poetry's
answers: 3xx "Redirects are not supported", 400 "was ever registered" -> one register call,
its "file exists" texts with ``--skip-existing``, else ``HTTP Error <code>: <reason> | <body>``
(redacted); a 401 asks for credentials when a prompt is given.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from nbext.auth.credentials import Credential
from nbext.publish.answers import (
    advice,
    http_error,
    is_exists_error,
    no_upload_url,
    replace_refused,
)
from nbext.publish.context import CredentialPrompt, PublishContext
from nbext.publish.distfiles import DistFile, form_fields
from nbext.publish.progress import PublishObserver
from nbext.publish.results import FileOutcome, PublishError, PublishResult
from nbext.publish.target import Target, request_headers
from nbext.publish.upload import UploadFailed, post
from nbext.redact import redact_url

__all__ = ["Run", "send_all"]


@dataclass
class Run:
    """One publish's uploads: what its files share, and the credentials as they change (a
    401 asks for new ones)."""

    ctx: PublishContext
    target: Target
    cred: Credential
    client: httpx.Client
    result: PublishResult
    observer: PublishObserver | None
    prompt: CredentialPrompt | None
    skip_existing: bool
    #: Files the check found on the index with other content: ``{filename: its sha256}``.
    replacing: dict[str, str] = field(default_factory=dict)

    def send(self, dist: DistFile, action: str = "file_upload") -> httpx.Response:
        observer = self.observer

        def progress(sent: int, total: int) -> None:
            if observer is not None and action == "file_upload":
                observer.file_progress(dist.name, sent, total)

        response, _events = post(
            self.client,
            self.target.url,
            form_fields(dist, action),
            dist.path,
            source=self.target.name,
            headers=request_headers(self.cred),
            max_retry_after=self.ctx.max_retry_after,
            progress=progress,
            sleep=self.ctx.sleep,
            record=self.ctx.record,
        )
        return response

    def upload(self, dist: DistFile, outcome: FileOutcome) -> None:
        started = time.perf_counter()
        registered = prompted = False
        while True:
            response = self.send(dist)
            status = response.status_code
            there = self.replacing.get(dist.name)
            if 200 <= status < 300:
                outcome.state = "uploaded"
                if there is not None:  # a volatile devpi index, for one
                    outcome.detail = (
                        f"replaced a different file of that name (sha256 {there[:12]}...)"
                    )
                break
            if 300 <= status < 400 and self.target.from_source:
                raise _Failed("Redirects are not supported." + no_upload_url(self.target))
            if 300 <= status < 400:
                raise _Failed("Redirects are not supported. Is the URL missing a trailing slash?")
            if status == 400 and "was ever registered" in response.text and not registered:
                registered = True
                reg = self.send(dist, action="submit")
                if not 200 <= reg.status_code < 300:
                    raise _Failed(http_error(reg, self.cred.password))
                continue
            if status == 401 and not prompted and self.prompt is not None:
                prompted = True
                asked = self.prompt(self.target.name, self.cred.username)
                if asked is None:
                    raise _NeedsCredentials(
                        f"{self.target.shown} wants credentials: fill in the form, click Save, "
                        "then run this cell again (nothing was uploaded that needs them)."
                    )
                self.cred = asked
                continue
            if there is not None and is_exists_error(response):
                message = http_error(response, self.cred.password)
                raise _Failed(message + replace_refused(dist, there, self.target))
            if self.skip_existing and is_exists_error(response):
                outcome.state = "skipped"
                outcome.detail = "already on the index (server's answer)"
                break
            hint = advice(status, self.target, self.cred)
            raise _Failed(http_error(response, self.cred.password) + hint)
        outcome.elapsed = time.perf_counter() - started


class _Failed(Exception):
    pass


class _NeedsCredentials(Exception):
    pass


def send_all(run: Run, dists: list[DistFile], dry_run: bool) -> None:
    """Upload the files not skipped, one by one. Files that would replace a file on the index
    go first: when the index refuses, nothing else has been uploaded."""
    result, observer = run.result, run.observer
    pairs = sorted(
        zip(dists, result.files, strict=True), key=lambda p: p[0].name not in run.replacing
    )
    for d, outcome in pairs:
        if observer is not None:
            observer.file_started(d.name, d.size)
        if outcome.state == "skipped":
            if observer is not None:
                observer.file_done(d.name, "skipped", outcome.detail)
            continue
        if dry_run:
            outcome.state = "checked"
            outcome.detail = "dry run: not sent"
            if d.name in run.replacing:
                outcome.detail += " (another file of that name is there: the server decides)"
            if observer is not None:
                observer.file_progress(d.name, d.size, d.size)
                observer.file_done(d.name, "checked", "")
            continue
        try:
            run.upload(d, outcome)
        except (_Failed, UploadFailed, _NeedsCredentials) as exc:
            raise _stopped(run, d, outcome, exc) from exc
        if observer is not None:
            observer.file_done(d.name, outcome.state, outcome.detail)


def _stopped(run: Run, d: DistFile, outcome: FileOutcome, exc: Exception) -> PublishError:
    """The error for a file that failed: what it says, what was uploaded and what was not."""
    result, target = run.result, run.target
    outcome.state = "failed"
    if run.observer is not None:
        run.observer.file_done(d.name, "failed", str(exc))
    for later in result.files:
        if later.state == "pending":
            later.state = "not uploaded"
    done = ", ".join(result.uploaded) or "nothing"
    left = ", ".join(f.name for f in result.files if f.state in ("failed", "not uploaded"))
    if isinstance(exc, UploadFailed):
        message = f"Error connecting to repository {target.shown} ({redact_url(target.url)}): {exc}"
    else:
        message = str(exc)
    err = PublishError(f"{message}\nUploaded: {done}. Not uploaded: {left}.", result=result)
    err.needs_credentials = isinstance(exc, _NeedsCredentials)
    return err
