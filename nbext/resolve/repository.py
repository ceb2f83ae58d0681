"""Each source as a Poetry repository, and the pool Poetry's solver walks.

:class:`SourceRepository` answers Poetry's two questions as ``LegacyRepository`` and
``PyPiRepository`` answer them (``poetry/repositories/*``), with nbext's fetchers underneath:

* ``find_packages`` (Poetry's base ``Repository`` filters yanked and pre-releases): the
  versions on the source's page that the constraint allows, each with Poetry's ``yanked``
  value (the sorted reasons, or True);
* ``package(name, version)``: the release's metadata and files as Poetry's release info
  (``PackageInfo``), with ``[package.source]`` set as ``LegacyRepository.package`` sets it
  (type ``legacy``, the URL without its trailing slash, the source's name) and none for PyPI.

Errors as Poetry has them: a 404 is "no versions"; a 401/403 is no versions too, with the
warning kept for the failure message; any other failure of the source ends the solve with the
source's row (Poetry's ``RepositoryError``), and so does a file Poetry would download to hash
that cannot be downloaded (its ``download_file`` raises).
"""

from __future__ import annotations

from typing import Any

from poetry.core.constraints.version import Version, VersionConstraint
from poetry.core.packages.package import Package

from nbext.errors import NbextError
from nbext.index.files import File, Release
from nbext.redact import redact_url
from nbext.resolve.fetch import Fetch, FileUnavailable, MetadataUnavailable, file_hash
from nbext.resolve.poetry_api import (
    Link,
    PackageInfo,
    PackageNotFoundError,
    Repository,
    RepositoryPool,
)
from nbext.resolve.poetry_api import Priority as PoetryPriority
from nbext.sources.pool import Priority, Source, SourcePool

__all__ = ["SourceRepository", "SourceUnavailableError", "build_repository_pool"]


class SourceUnavailableError(NbextError):
    """A source could not answer the solver (its row says why)."""

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(message)
        self.source = source


class SourceRepository(Repository):
    """One nbext source, as Poetry's solver asks a repository."""

    def __init__(self, source: Source, fetch: Fetch) -> None:
        super().__init__("PyPI" if source.kind == "pypi" else source.name)
        self.source = source
        self.fetch = fetch
        self.url = source.url.rstrip("/")
        self._releases: dict[str, list[Release]] = {}
        self._files: dict[str, File] = {}
        self._refused: dict[str, str] = {}

    def releases(self, name: str, *, refused_is_error: bool = False) -> list[Release]:
        """The releases on the source's page for ``name`` (a canonical name). A page the
        source refused (401/403) lists none, as in Poetry, unless ``refused_is_error``: then
        Poetry's warning and nbext's fix are the error (an install cannot go on without it)."""
        if name not in self._releases:
            page = self.fetch.page(self.source, name)
            if page.error:
                raise SourceUnavailableError(page.error, source=self.source.name)
            self._releases[name] = page.releases
            if page.warning:
                self._refused[name] = page.warning
        if refused_is_error and name in self._refused:
            raise SourceUnavailableError(self._refused[name], source=self.source.name)
        return self._releases[name]

    def _find_packages(self, name: Any, constraint: VersionConstraint) -> list[Package]:
        packages = []
        for release in self.releases(str(name)):
            if not constraint.allows(release.version):
                continue
            yanked: bool | str = False
            if release.yanked:
                yanked = release.yanked_reason or True
            packages.append(self._package(str(name), release.version, yanked))
        return packages

    def _package(self, name: str, version: Version, yanked: bool | str) -> Package:
        if self.source.kind == "pypi":
            return Package(name, version, yanked=yanked)
        return Package(
            name,
            version,
            source_type="legacy",
            source_reference=self.name,
            source_url=self.url,
            yanked=yanked,
        )

    def package(self, name: str, version: Version) -> Package:
        """Poetry's ``CachedRepository.package``: the release's info as a package."""
        canonical = Package(name, version).name
        release = next((r for r in self.releases(canonical) if r.version == version), None)
        if release is None:
            raise PackageNotFoundError(f"Package {name} ({version}) not found.")
        try:
            data = self.fetch.release_info(self.source, canonical, release)
        except LookupError as exc:
            raise PackageNotFoundError(str(exc)) from None
        except (MetadataUnavailable, FileUnavailable) as exc:
            raise SourceUnavailableError(str(exc), source=self.source.name) from None
        package = PackageInfo.load(data).to_package(name=name)
        if self.source.kind != "pypi":
            package._source_type = "legacy"
            package._source_url = self.url
            package._source_reference = self.name
        return package

    def find_links_for_package(self, package: Package) -> list[Link]:
        """The release's files as Poetry's links (for its ``Chooser``): each URL carries the
        hash Poetry would record (the first of sha512, sha384, sha256 the index gave, else
        the sha256 of the downloaded file, as ``HTTPRepository.calculate_sha256`` gives the
        chooser), with the file's Requires-Python and yanked reason."""
        releases = self.releases(package.name, refused_is_error=True)
        release = next((r for r in releases if r.version == package.version), None)
        if release is None:
            return []
        links = []
        for f in release.files:
            digest = file_hash(f) or self.fetch.computed_hash(self.source, f)
            plain = f.url.partition("#")[0]
            self._files[plain] = f
            fragment = "#" + digest.replace(":", "=", 1) if digest else ""
            yanked: bool | str = f.yanked_reason or f.yanked
            links.append(Link(plain + fragment, requires_python=f.requires_python, yanked=yanked))
        return links

    def file_for(self, url: str) -> File:
        """The file behind a link :meth:`find_links_for_package` gave."""
        return self._files[url.partition("#")[0]]

    def __repr__(self) -> str:
        return f"SourceRepository({self.name!r}, {redact_url(self.url)!r})"


def _poetry_priority(priority: Priority) -> PoetryPriority:
    if priority is Priority.SUPPLEMENTAL:
        return PoetryPriority.SUPPLEMENTAL
    if priority is Priority.EXPLICIT:
        return PoetryPriority.EXPLICIT
    return PoetryPriority.PRIMARY  # primary, and the deprecated default and secondary


def build_repository_pool(pool: SourcePool, fetch: Fetch, config: Any) -> RepositoryPool:
    """nbext's pool (already in Poetry's order) as Poetry's ``RepositoryPool``."""
    repositories = RepositoryPool(config=config)
    for source in pool:
        repositories.add_repository(
            SourceRepository(source, fetch), priority=_poetry_priority(source.priority)
        )
    return repositories
