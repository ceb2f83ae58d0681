"""Credentials the way Poetry stores and finds them (spec section 5).

* :class:`PasswordManager` reads and writes ``http-basic.<name>`` and ``pypi-token.<name>``:
  passwords and tokens in the keyring (service ``poetry-repository-<name>``), the username
  alone in ``auth.toml``; with no usable keyring, both in ``auth.toml`` and a notice.
* :class:`Authenticator` picks the credentials for a request URL: credentials in the URL;
  else the configured repository whose netloc equals the request's and whose path shares the
  longest prefix with it; its ``http-basic`` (environment, then files), then the keyring.
  Unlike Poetry, the keyring is consulted only for a repository with a configured username or
  after the server answered 401, so sources that need no authentication never touch it.
* :class:`SourceAuth` is the ``httpx.Auth`` that applies them. It runs for the first request
  only: httpx drops ``Authorization`` on a redirect to another origin, so a credential never
  leaves its host.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import netrc
import os
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from nbext.auth.backends import TOKEN_USERNAME
from nbext.config.settings import Settings
from nbext.errors import KeyringError

if TYPE_CHECKING:
    from nbext.auth.keyring import KeyringStore

__all__ = ["Authenticator", "Credential", "PasswordManager", "SourceAuth"]

logger = logging.getLogger("nbext")

PLAINTEXT_NOTICE = "Using a plaintext file to store credentials"


@dataclass(frozen=True)
class Credential:
    username: str | None
    password: str | None

    @property
    def present(self) -> bool:
        return self.username is not None or self.password is not None

    def __repr__(self) -> str:  # never show the secret
        shown = "***" if self.password else None
        return f"Credential(username={self.username!r}, password={shown!r})"


class PasswordManager:
    """Poetry's PasswordManager: where http-basic passwords and pypi tokens live."""

    def __init__(self, settings: Settings, keyring: KeyringStore) -> None:
        self.settings = settings
        self.keyring = keyring
        self.notices: list[str] = []

    @property
    def use_keyring(self) -> bool:
        return self.settings.keyring_enabled and self.keyring.usable

    def _plaintext(self) -> None:
        logger.debug(PLAINTEXT_NOTICE)
        if not self.settings.keyring_enabled:
            why = "keyring.enabled is false"  # the keyring is not touched at all
        else:
            why = self.keyring.status().reason or "no usable keyring"
        self.notices.append(f"{PLAINTEXT_NOTICE} ({self.settings.auth_file.path}): {why}.")

    def set_http_password(self, repository: str, username: str, password: str) -> None:
        auth: dict[str, str] = {"username": username}
        if self.use_keyring:
            self.keyring.set_password(repository, username, password)
        else:
            self._plaintext()
            auth["password"] = password
        self.settings.auth_file.add(["http-basic", repository], auth)

    def get_http_auth(self, repository: str, *, use_keyring: bool = True) -> Credential:
        username = self.settings.get(["http-basic", repository, "username"])
        password = self.settings.get(["http-basic", repository, "password"])
        if password is None and use_keyring and username is not None and self.use_keyring:
            password = self.keyring.get_password(repository, username)
        return Credential(username or None, password or None)

    def delete_http_password(self, repository: str) -> bool:
        auth = self.get_http_auth(repository, use_keyring=False)
        if (
            auth.username is None
            and self.settings.auth_file.get(["http-basic", repository]) is None
        ):
            return False
        if auth.username is not None and self.use_keyring:
            with contextlib.suppress(KeyringError):
                self.keyring.delete_password(repository, auth.username)
        self.settings.auth_file.remove(["http-basic", repository])
        return True

    def set_pypi_token(self, repository: str, token: str) -> None:
        if self.use_keyring:
            self.keyring.set_password(repository, TOKEN_USERNAME, token)
        else:
            self._plaintext()
            self.settings.auth_file.add(["pypi-token", repository], token)

    def get_pypi_token(self, repository: str) -> str | None:
        token = self.settings.get(["pypi-token", repository])
        if token:
            return str(token)
        if self.use_keyring:
            return self.keyring.get_password(repository, TOKEN_USERNAME)
        return None

    def delete_pypi_token(self, repository: str) -> bool:
        if not self.use_keyring:
            return self.settings.auth_file.remove(["pypi-token", repository])
        return self.keyring.delete_password(repository, TOKEN_USERNAME)

    def has_pypi_token(self, repository: str) -> bool:
        """Whether a token is configured (env or auth.toml; the keyring is not asked)."""
        return bool(self.settings.get(["pypi-token", repository]))


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of ``a`` and ``b``."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _netloc(url: str) -> str:
    return urlsplit(url).netloc


class Authenticator:
    """Finds credentials for request URLs; one per Workspace, shared by every source."""

    def __init__(self, settings: Settings, passwords: PasswordManager) -> None:
        self.settings = settings
        self.passwords = passwords
        self._sources: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._cache: dict[str, Credential] = {}
        self._matches: tuple[list[tuple[str, str]], dict[str, str | None]] = ([], {})
        self._repos: list[tuple[str, str]] | None = None
        self.warnings: list[str] = []

    def set_sources(self, sources: Iterable[tuple[str, str]]) -> None:
        """The pool's (name, url) pairs; they override config repositories of the same name."""
        with self._lock:
            self._sources = list(sources)
            self._cache.clear()
            self._repos = None

    def repositories(self) -> list[tuple[str, str]]:
        """Configured repositories plus sources, in Poetry's order (config first).

        Read once per lookup (:meth:`set_sources` and :meth:`forget` start again): every
        request asks, and scanning the environment for ``POETRY_REPOSITORIES_*`` each time
        showed in profiles.
        """
        with self._lock:
            if self._repos is not None:
                return self._repos
        repos = self._read_repositories()
        with self._lock:
            self._repos = repos
        return repos

    def _read_repositories(self) -> list[tuple[str, str]]:
        repos: dict[str, str] = {}
        configured = self.settings.get("repositories") or {}
        if isinstance(configured, dict):
            for name, value in configured.items():
                url = value.get("url") if isinstance(value, dict) else None
                if url:
                    repos[str(name)] = str(url)
        for name, url in self._sources:
            repos[name] = url
        return list(repos.items())

    def repository_for(self, url: str) -> str | None:
        """The configured repository a URL belongs to (Poetry's netloc + common-prefix match).

        Every request asks (for credentials and TLS settings): answers are remembered for as
        long as the repositories stay the same.
        """
        repos = self.repositories()
        with self._lock:
            known, memo = self._matches
            if known != repos:
                memo = {}
                self._matches = (repos, memo)
            if url in memo:
                return memo[url]
        name = self._match(url, repos)
        with self._lock:
            if len(memo) < 10_000:
                memo[url] = name
        return name

    @staticmethod
    def _match(url: str, repos: list[tuple[str, str]]) -> str | None:
        parts = urlsplit(url)
        candidates: list[tuple[int, int, str]] = []
        for index, (name, repo_url) in enumerate(repos):
            repo = urlsplit(repo_url)
            if repo.netloc != parts.netloc:
                continue
            prefix = common_prefix(parts.path, repo.path)
            if parts.path.startswith(repo.path) or prefix:
                candidates.append((-prefix, index, name))
        if not candidates:
            return None
        if len(candidates) > 1:
            logger.debug(
                "Multiple source configurations found for %s - %s",
                parts.netloc,
                ", ".join(c[2] for c in candidates),
            )
        return min(candidates)[2]

    def preemptive(self, url: str) -> Credential | None:
        """Credentials to send with the first request (no keyring unless a username is set)."""
        name = self.repository_for(url)
        if name is None:
            return None
        key = f"pre:{name}"
        with self._lock:
            if key in self._cache:
                cached = self._cache[key]
                return cached if cached.present else None
        try:
            cred = self.passwords.get_http_auth(name)
        except KeyringError as exc:
            self._warn(str(exc))
            cred = self.passwords.get_http_auth(name, use_keyring=False)
        with self._lock:
            self._cache[key] = cred
        return cred if cred.present else None

    def after_401(self, url: str) -> Credential | None:
        """Keyring lookups Poetry makes (by repository, then by URL and netloc), done only once
        a server asked for credentials."""
        name = self.repository_for(url)
        key = f"401:{name or _netloc(url)}"
        with self._lock:
            if key in self._cache:
                cached = self._cache[key]
                return cached if cached.present else None
        username: str | None = None
        password: str | None = None
        if name is not None:
            base = self.passwords.get_http_auth(name, use_keyring=False)
            username, password = base.username, base.password
        store = self.passwords.keyring
        keyring_broken = self.settings.keyring_enabled and not store.usable and store.failed
        if password is None and keyring_broken:
            reason = store.status().reason
            self._warn(f"Keyring not used for {name or _netloc(url)}: {reason}")
        if password is None and self.passwords.use_keyring:
            try:
                lookups: list[str] = []
                if name is not None:
                    repo_url = dict(self.repositories())[name]
                    # as Poetry (repository URL, then netloc), plus the URL with its trailing
                    # slash, which is how pip and most users store index URLs
                    lookups += [repo_url, repo_url.rstrip("/") + "/", _netloc(repo_url)]
                lookups += [url, _netloc(url)]
                for target in lookups:
                    found = store.get_credential(target, username)
                    if found and found[1]:
                        username = found[0] if found[0] is not None else username
                        password = found[1]
                        break
            except KeyringError as exc:
                self._warn(str(exc))
        if password is None and username is None:
            netrc_cred = _from_netrc(urlsplit(url).hostname or "")
            if netrc_cred is not None:
                username, password = netrc_cred.username, netrc_cred.password
        cred = Credential(username, password)
        with self._lock:
            self._cache[key] = cred
        return cred if cred.present else None

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
            self._repos = None

    def _warn(self, text: str) -> None:
        with self._lock:
            if text not in self.warnings:
                self.warnings.append(text)


def _from_netrc(host: str) -> Credential | None:
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    if not host or not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None
    if entry is None:
        return None
    login, _account, password = entry
    return Credential(login or None, password or None)


def basic_header(cred: Credential) -> str:
    token = f"{cred.username or ''}:{cred.password or ''}".encode()
    return "Basic " + base64.b64encode(token).decode("ascii")


def _basic(request: httpx.Request, cred: Credential) -> None:
    request.headers["Authorization"] = basic_header(cred)


class SourceAuth(httpx.Auth):
    """Applies the Authenticator's choice to each request (see the module docstring)."""

    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.extensions.get("nbext_anonymous"):
            # An index that is not a source (the radar's look at the public index): whatever
            # repository its URL would match, nothing is sent.
            request.headers.pop("authorization", None)
            yield request
            return
        url = str(request.url)
        in_url = request.extensions.get("nbext_url_credentials")
        if in_url is not None or "authorization" in request.headers:
            # Credentials in the URL win, as in Poetry; nbext.Http took them out of the URL
            # (so that no layer below sees them) and hands them over beside it.
            if in_url is not None and "authorization" not in request.headers:
                _basic(request, Credential(*in_url))
            yield request
            return
        cred = self.authenticator.preemptive(url)
        if cred is not None:
            _basic(request, cred)
            yield request
            return
        response = yield request
        if response.status_code != 401:
            return
        later = self.authenticator.after_401(url)
        if later is None:
            return
        _basic(request, later)
        yield request
