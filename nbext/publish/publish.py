"""``poetry publish`` from a notebook (spec section 9), with the checks Poetry leaves out.

The flow of :func:`publish`:

1. Target: no repository -> the public index's upload URL (a library constant, see
   :func:`nbext.constants.pypi_upload_url`), named ``pypi``; ``-r NAME`` ->
   ``repositories.NAME.url`` (config, ``POETRY_REPOSITORIES_NAME_URL``), else the URL of the
   source NAME as written (Poetry merges the project's sources into ``repositories``, so
   NAME is then configured: its http-basic and certificates apply); ``Repository NAME is not
   defined`` otherwise. A URL ending in ``/legacy`` gets its slash. When a source's URL takes
   no uploads (3xx, 404, 405) the error says that no upload URL is configured for NAME.
2. Files: Poetry's selection (:func:`nbext.publish.distfiles.select_files`), ``--build`` first.
3. Credentials, Poetry's order: ``-u`` and ``-p`` together; else ``pypi-token.NAME`` (user
   ``__token__``); else ``http-basic.NAME`` (environment, files, keyring by name, then the
   keyring by URL), which replaces a lone ``-u`` or ``-p`` for ``pypi`` or a configured
   repository. When the server answers 401, nbext asks (password widget in a notebook) instead
   of failing as Poetry does.
4. Checks before anything is sent, for every file (each problem names the file and the fix):
   readable, valid metadata naming the project and version; a README that renders as its
   declared content type; and whether the file is already on the target, decided by name and
   sha256 on the target's own simple index, not by parsing error text
   (:mod:`nbext.publish.check`: ``--check-url``, the source of the same name, a source at
   the upload URL's simple index, else those usual pages, which tell only when they list the
   project; never another index on the same host). The upload credentials go to the upload
   URL's origin only (:class:`~nbext.publish.check.Checker`). The same file is skipped with
   ``--skip-existing`` and refused without it; a different file of the same name is sent
   first and left to the server (a volatile devpi index replaces it; a refusal names both
   sha256s, even with ``--skip-existing``).
5. Upload (:mod:`nbext.publish.run`), one file at a time with a progress bar, through
   :func:`nbext.publish.upload.post` (Poetry's fields; the network layer's retry loop).
   Poetry's answers: 3xx "Redirects are not supported", 400 "was ever registered" -> one
   register call, its "file exists" texts with ``--skip-existing``, else ``HTTP Error
   <code>: <reason> | <body>`` (redacted).
6. After success the package's cached pages on the sources served by that index are
   dropped, so the next ``%lookup`` sees the new version, and the project page is linked when
   the index has one.

``--dry-run`` does all of it but the POST (the existence check is a GET).
"""

from __future__ import annotations

from pathlib import Path

import httpx
from packaging.utils import canonicalize_name

from nbext.errors import DistReadError
from nbext.publish.build import build
from nbext.publish.check import Checker, Index, decide, existing, index_for
from nbext.publish.context import CredentialPrompt, PublishContext
from nbext.publish.distfiles import DistFile, Selection, check_dist, read_dist
from nbext.publish.distfiles import select_files as _select_files
from nbext.publish.progress import PublishObserver, TextProgress
from nbext.publish.results import FileOutcome, PublishError, PublishResult
from nbext.publish.run import Run, send_all
from nbext.publish.target import Target, credentials_for, resolve_target, tls_for
from nbext.redact import redact_url

# The names the Workspace, the magics and the tests import from here (they live in the
# modules above).
__all__ = [
    "CredentialPrompt",
    "FileOutcome",
    "PublishContext",
    "PublishError",
    "PublishObserver",
    "PublishResult",
    "TextProgress",
    "build",
    "publish",
]


def publish(
    ctx: PublishContext,
    repository: str | None = None,
    *,
    username: str | None = None,
    password: str | None = None,
    dist_dir: str | Path = "dist",
    build_first: bool = False,
    isolation: bool = True,
    skip_existing: bool = False,
    dry_run: bool = False,
    cert: str | None = None,
    client_cert: str | None = None,
    check_url: str | None = None,
    prompt: CredentialPrompt | None = None,
    observer: PublishObserver | None = None,
) -> PublishResult:
    """See the module docstring; raises :class:`PublishError` with a partial result."""
    if not ctx.package_mode:
        raise PublishError("Publishing a package is not possible in non-package mode.")
    if ctx.project_root is None or not ctx.project_name:
        raise PublishError(
            "No project to publish: attach one with a pyproject.toml that has a name and "
            "version (Workspace(project_dir) or %cd into it)."
        )
    target = resolve_target(ctx, repository)
    dist = Path(dist_dir)
    if not dist.is_absolute():
        dist = ctx.project_root / dist
    selection, warnings, build_output = _files(
        ctx.project_root, ctx.project_name, dist, dist_dir, build_first, isolation, observer
    )
    result = PublishResult(
        project=ctx.project_name,
        version=selection.version,
        repository=target.shown,
        url=redact_url(target.url),
        dry_run=dry_run,
        warnings=warnings,
        build_output=build_output,
    )
    dists = _read_checked(
        selection.files, result, name=ctx.project_name, version=ctx.project_version
    )

    cred = credentials_for(ctx, target, username, password)
    client = httpx.Client(
        transport=ctx.transport,
        verify=tls_for(ctx, target, cert, client_cert),
        timeout=httpx.Timeout(ctx.timeout),
        follow_redirects=False,
        trust_env=True,
    )
    try:
        index = index_for(ctx, target, check_url)
        found, note = existing(Checker(ctx, target, cred, client), index, ctx.project_name)
        result.notes.append(note)
        replacing = decide(dists, result, found or {}, target, skip_existing)
        run = Run(ctx, target, cred, client, result, observer, prompt, skip_existing, replacing)
        send_all(run, dists, dry_run)
    finally:
        client.close()

    if result.uploaded:
        for source in index.sources:
            ctx.invalidate(source, ctx.project_name)
        if index.sources:
            result.notes.append(
                f"Cached pages of {ctx.project_name} dropped on {', '.join(index.sources)}: "
                f"%lookup {ctx.project_name}=={selection.version} sees it now."
            )
        result.project_url = _project_page(ctx, target, index, ctx.project_name)
    return result


def _files(
    root: Path,
    name: str,
    dist: Path,
    dist_dir: str | Path,
    build_first: bool,
    isolation: bool,
    observer: PublishObserver | None,
) -> tuple[Selection, list[str], str | None]:
    """Step 2: the files to publish (built first with ``--build``), the warnings about the
    others, and the build's output."""
    warnings: list[str] = []
    build_output = None
    if build_first:
        before = _select_files(dist, name)
        if before.files:
            # A cell cannot wait for an answer: Poetry's non-interactive form.
            warnings.append(
                f"Warning: There are {len(before.files)} files ready for publishing in "
                f"{dist_dir}. Build anyway!"
            )
        build_output = build(root, dist, isolation=isolation)
        if observer is not None:
            observer.build_done(build_output)
    selection = _select_files(dist, name)
    if not selection.files:
        names = ", ".join(p.name for p in selection.foreign)
        other = f" The directory has files of other projects: {names}." if names else ""
        raise PublishError(
            "No files to publish. Run poetry build first or use the --build option." + other
        )
    if selection.foreign:
        warnings.append(
            f"Not published (another project's files in {dist_dir}): "
            + ", ".join(p.name for p in selection.foreign)
        )
    if selection.older:
        warnings.append(
            f"Not published (older versions; only {selection.version} is): "
            + ", ".join(p.name for p in selection.older)
        )
    return selection, warnings, build_output


def _read_checked(
    paths: list[Path], result: PublishResult, *, name: str, version: str | None
) -> list[DistFile]:
    """Step 4's file checks: every file, every problem, before anything is sent."""
    problems: list[str] = []
    dists: list[DistFile] = []
    for path in paths:
        try:
            d = read_dist(path)
        except DistReadError as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        dists.append(d)
        result.files.append(FileOutcome(d.name, d.size, d.sha256))
        for problem in check_dist(d, name=name, version=version):
            problems.append(f"{d.name}: {problem}")
    if problems:
        raise PublishError(
            "Not published: the files need fixing first (then build again, e.g. "
            "%publish --build):\n" + "\n".join(f"  - {p}" for p in problems),
            result=result,
        )
    return dists


def _project_page(ctx: PublishContext, target: Target, index: Index, name: str) -> str | None:
    """The index's web page of the project, when it has one (``<host>/project/<name>/``, as
    warehouse and the demo index serve it)."""
    base = index.base[: -len("/simple")] if index.base.endswith("/simple") else None
    if base is None:
        return None
    url = f"{base}/project/{canonicalize_name(name)}/"
    try:
        response = ctx.get(url, index.label, {"Accept": "text/html"})
    except httpx.HTTPError:
        return None
    return redact_url(url) if response.status_code == 200 else None
