"""A workspace's network side, built when first needed: the keyring store, the credentials,
the HTTP client on its transport stack, and the thread pool that runs requests concurrently.

The stack, bottom up: the lean HTTP/1.1 path (``WirePool``) for plain requests, httpx's
transport with the per-source certificates and proxies (``SourceTransport``) for the rest,
both behind ``RoutingTransport``; then ``Http`` adds the size caps, the cache layer, the
source credentials and Poetry's retries. Nothing here reads the keyring or sends a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import httpx

from nbext.auth.credentials import Authenticator, PasswordManager, SourceAuth
from nbext.cache.httpcache import HttpCache, cache_root
from nbext.config.resolved import Resolved
from nbext.net.client import Event, EventSink, Http
from nbext.net.tls import SourceTransport
from nbext.net.transport import RoutingTransport
from nbext.net.wire import WirePool

if TYPE_CHECKING:
    from nbext.auth.keyring import KeyringStore

__all__ = ["Clients"]


class Clients:
    """The lazily built network objects of one workspace; :meth:`close` lets them be rebuilt.

    ``transport`` replaces the stack (``httpx.MockTransport`` in unit tests); ``sleep`` waits
    between Poetry's retries; ``sinks`` get every HTTP event (the list is kept, not copied).
    """

    def __init__(
        self,
        resolved: Resolved,
        *,
        keyring_timeout: float,
        transport: httpx.BaseTransport | None,
        sleep: Callable[[float], None],
        sinks: list[EventSink],
    ) -> None:
        self.resolved = resolved
        self.settings = resolved.settings
        self.keyring_timeout = keyring_timeout
        self.transport = transport
        self.sleep = sleep
        self.sinks = sinks
        self._keyring: KeyringStore | None = None
        self._passwords: PasswordManager | None = None
        self._authenticator: Authenticator | None = None
        self._http: Http | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def keyring(self) -> KeyringStore:
        """The keyring, time-limited; only touched when a credential is needed."""
        with self._lock:
            if self._keyring is None:
                from nbext.auth.keyring import KeyringStore

                self._keyring = KeyringStore(enabled=True, timeout=self.keyring_timeout)
            return self._keyring

    @property
    def passwords(self) -> PasswordManager:
        if self._passwords is None:
            self._passwords = PasswordManager(self.settings, self.keyring)
        return self._passwords

    @property
    def authenticator(self) -> Authenticator:
        if self._authenticator is None:
            self._authenticator = Authenticator(self.settings, self.passwords)
        return self._authenticator

    def forget_credentials(self) -> None:
        """After a configuration change: credentials are looked up again on the next request."""
        if self._authenticator is not None:
            self._authenticator.forget()

    @property
    def http(self) -> Http:
        if self._http is not None:  # every lookup comes here: no new objects once built
            return self._http
        # Built outside self._lock: the authenticator creates the keyring store under it.
        auth = SourceAuth(self.authenticator)
        resolved = self.resolved
        transport = self.transport
        if transport is None:
            size = max(resolved.max_workers * 4, 32)  # idle connections to every host stay open
            source_transport = SourceTransport(
                self.settings,
                self.authenticator.repository_for,
                limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
            )
            wire = WirePool(timeout=resolved.timeout, context_for=source_transport.wire_context)
            transport = RoutingTransport(
                wire=wire, fallback=source_transport, timeout=resolved.timeout
            )
        cache = None
        if not resolved.no_cache:
            cache = HttpCache(cache_root(resolved.cache_dir), offline=resolved.offline)
        with self._lock:
            if self._http is None:
                self._http = Http(
                    transport=transport,
                    timeout=resolved.timeout,
                    max_connections=max(resolved.max_workers * 4, 32),
                    auth=auth,
                    sleep=self.sleep,
                    sinks=self.sinks,
                    cache=cache,
                )
            return self._http

    @property
    def events(self) -> list[Event]:
        """The HTTP events of the client so far (redacted, oldest first); none before it."""
        if self._http is None:
            return []
        with self._http._lock:
            return list(self._http.events)

    @property
    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.resolved.max_workers, thread_name_prefix="nbext"
                )
            return self._executor

    def close(self) -> None:
        """Close the HTTP client and the thread pool (they are rebuilt on use)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            if self._http is not None:
                self._http.close()
                self._http = None
