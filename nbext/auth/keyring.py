"""The system keyring with a deadline on every call, holding Poetry's entries.

Entries, and which backends are usable, follow Poetry 2.5 (see :mod:`nbext.auth.backends`):
the keyring is enabled, the ``keyring`` library imports, the backend is valid, and the probe
``get_password("python-poetry-check", "python-poetry")`` succeeds.

Unlike Poetry, no keyring call can hang the kernel: each one runs in a daemon thread and is
abandoned after ``timeout`` seconds (:mod:`nbext.auth.timelimit`). The store then raises
:class:`~nbext.errors.KeyringError` and stops using the keyring for the rest of the session,
so a blocked backend costs one timeout, not one per request.

States of a store (:meth:`KeyringStore.status`):

* usable: calls reach the backend; reads are cached per (service, username) for the life of
  the store, as Poetry caches per session; writes update the cache.
* not usable by configuration (turned off, no library, no valid backend, a plaintext
  backend): reads find nothing (``None``/``False``) and writes raise ``KeyringError``, so the
  caller stores credentials in auth.toml instead, with ``status().reason`` as its notice.
* failed (the probe raised, e.g. a locked keyring, or the probe or a later call timed out):
  every call raises ``KeyringError`` at once, naming the service and the way out (entries
  already read are still answered from the cache).

A backend error in one call (a locked entry, a D-Bus error) raises ``KeyringError`` for that
call only; ``get_credential`` (the pip-style lookup) skips such errors, as Poetry does.

Secrets never appear in logs, messages or reprs. ``keyring`` is imported on first use only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from nbext.auth.backends import (
    PROBE_SERVICE,
    PROBE_USERNAME,
    WAY_OUT,
    NoLibrary,
    backend_error,
    class_path,
    describe_error,
    failure_reason,
    inspect_backend,
    is_locked,
    keyring_errors,
    service_name,
    timeout_reason,
    user_name,
)
from nbext.auth.timelimit import TimedOut, run
from nbext.errors import KeyringError
from nbext.redact import redact_url

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = ["KeyringStatus", "KeyringStore"]

logger = logging.getLogger("nbext.keyring")

_T = TypeVar("_T")


@dataclass(frozen=True)
class KeyringStatus:
    """Whether nbext uses the keyring, which backend, and why not (empty when usable)."""

    usable: bool
    backend: str
    reason: str


class KeyringStore:
    """Poetry's keyring entries, with a deadline on every call (see the module docstring)."""

    def __init__(self, *, enabled: bool = True, timeout: float = 5.0) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.enabled = enabled
        self.timeout = float(timeout)
        self._backend: KeyringBackend | None = None
        self._status: KeyringStatus | None = None
        self._failed = False  # the backend failed: every call raises at once
        # One backend call at a time: the status probe runs once, concurrent reads of one
        # entry make one call, and once a call has timed out the waiting ones see it.
        self._io_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._passwords: dict[tuple[str, str], str | None] = {}
        self._credentials: dict[tuple[str, str | None], tuple[str | None, str | None] | None] = {}

    def __repr__(self) -> str:
        status = self._status
        if status is None:
            return "<KeyringStore not checked yet>"
        state = "usable" if status.usable else "not usable"
        backend = status.backend or "none"
        return f"<KeyringStore backend={backend!r} {state}>"

    # -- status ------------------------------------------------------------------------------

    def status(self) -> KeyringStatus:
        """Whether the keyring is usable (computed once; the first call may take ``timeout``)."""
        status = self._status
        if status is not None:
            return status
        with self._io_lock:
            return self._ensure_status()

    @property
    def usable(self) -> bool:
        return self.status().usable

    @property
    def failed(self) -> bool:
        """The backend failed or timed out (not merely absent, or refused as plaintext)."""
        self.status()
        return self._failed

    def _ensure_status(self) -> KeyringStatus:
        """Compute the status (``_io_lock`` held)."""
        if self._status is not None:
            return self._status
        if not self.enabled:
            self._status = KeyringStatus(False, "", "the keyring is turned off (keyring.enabled)")
            return self._status
        logger.debug("Checking if keyring is available")
        try:
            backend, described, invalid = run(inspect_backend, self.timeout)
        except NoLibrary as exc:
            reason = f"the keyring library cannot be imported ({describe_error(exc.error)})"
            self._status = KeyringStatus(False, "", reason)
            return self._status
        except TimedOut:
            return self._fail("", timeout_reason("", self.timeout))
        except Exception as exc:  # e.g. PYTHON_KEYRING_BACKEND names a missing class
            logger.debug("Loading the keyring backend failed", exc_info=True)
            reason = f"the keyring backend cannot be loaded ({describe_error(exc)})"
            self._status = KeyringStatus(False, "", reason)
            return self._status
        if invalid:
            logger.debug("No valid keyring backend was found")
            self._status = KeyringStatus(False, described, invalid)
            return self._status
        logger.debug("Using keyring backend %r", described)
        try:
            run(lambda: backend.get_password(PROBE_SERVICE, PROBE_USERNAME), self.timeout)
        except TimedOut:
            self._fail(described, timeout_reason(described, self.timeout))
        except Exception as exc:
            logger.debug("Accessing keyring failed during availability check", exc_info=True)
            self._fail(described, failure_reason(described, exc))
        else:
            self._backend = backend
            self._status = KeyringStatus(True, described, "")
        assert self._status is not None
        return self._status

    def _fail(self, described: str, reason: str) -> KeyringStatus:
        """Mark the store failed: not usable, and every call raises at once."""
        self._failed = True
        self._status = KeyringStatus(False, described, reason)
        return self._status

    # -- running a call with a deadline ------------------------------------------------------

    def _ready(self, doing: str, source: str, *, writing: bool) -> KeyringBackend | None:
        """The backend to call (``_io_lock`` held); ``None`` when not usable by configuration
        and only reading; raises when the store failed or a write cannot go to the keyring."""
        status = self._ensure_status()
        if self._failed:
            raise KeyringError(f"Cannot {doing}: {status.reason}; {WAY_OUT}.", source=source)
        if not status.usable or self._backend is None:
            if writing:
                raise KeyringError(f"Cannot {doing}: {status.reason}.", source=source)
            return None
        return self._backend

    def _call(
        self,
        doing: str,
        source: str,
        fn: Callable[[KeyringBackend], _T],
        *,
        writing: bool = False,
        secrets: tuple[str, ...] = (),
        passthrough: bool = False,
    ) -> tuple[bool, _T | None]:
        """``(True, fn(backend))`` with the deadline (``_io_lock`` held), or ``(False, None)``
        when the keyring is not usable by configuration. A timeout raises ``KeyringError`` and
        fails the store; a backend error raises ``KeyringError`` (or itself: ``passthrough``)."""
        backend = self._ready(doing, source, writing=writing)
        if backend is None:
            return False, None
        described = self._status.backend if self._status else class_path(backend)
        try:
            return True, run(lambda: fn(backend), self.timeout)
        except TimedOut:
            reason = timeout_reason(described, self.timeout)
            self._fail(described, reason)
            raise KeyringError(f"Cannot {doing}: {reason}; {WAY_OUT}.", source=source) from None
        except Exception as exc:
            if passthrough:
                raise
            raise backend_error(doing, source, described, exc, secrets) from None

    # -- Poetry's entries --------------------------------------------------------------------

    def get_password(self, repository: str, username: str | None) -> str | None:
        """The password (or token) stored for ``repository`` and ``username``, or ``None``.

        ``None``/``""`` as username means Poetry's ``__poetry_source_empty_username__``.
        """
        service, user = service_name(repository), user_name(username)
        key = (service, user)
        with self._cache_lock:
            if key in self._passwords:
                return self._passwords[key]
        doing = f"read the password for {service} from the keyring"
        with self._io_lock:
            with self._cache_lock:
                if key in self._passwords:  # read by another thread meanwhile
                    return self._passwords[key]
            called, value = self._call(doing, service, lambda b: b.get_password(service, user))
            if called:
                with self._cache_lock:
                    self._passwords[key] = value
            return value

    def set_password(self, repository: str, username: str | None, password: str) -> None:
        """Store ``password`` under Poetry's entry; ``KeyringError`` if it cannot be stored."""
        service, user = service_name(repository), user_name(username)
        doing = f"store the password for {service} in the keyring"
        with self._io_lock:
            self._call(
                doing,
                service,
                lambda b: b.set_password(service, user, password),
                writing=True,
                secrets=(password,),
            )
            with self._cache_lock:
                self._passwords[(service, user)] = password
                self._credentials.clear()

    def delete_password(self, repository: str, username: str | None) -> bool:
        """Remove the entry; ``False`` if there was none (or the keyring is not used)."""
        service, user = service_name(repository), user_name(username)
        doing = f"delete the password for {service} from the keyring"
        with self._io_lock:
            try:
                called, _ = self._call(
                    doing, service, lambda b: b.delete_password(service, user), passthrough=True
                )
            except KeyringError:
                raise
            except Exception as exc:
                errors = keyring_errors()
                if errors is None or not isinstance(exc, errors.PasswordDeleteError):
                    described = self._status.backend if self._status else ""
                    raise backend_error(doing, service, described, exc) from None
                called, deleted = True, False  # there was no such entry
            else:
                deleted = called
            if called:
                with self._cache_lock:
                    self._passwords[(service, user)] = None
                    self._credentials.clear()
            return deleted

    def get_credential(
        self, url_or_netloc: str, username: str | None
    ) -> tuple[str | None, str | None] | None:
        """pip-style lookup ``keyring.get_credential(url_or_netloc, username)``:
        ``(username, password)`` or ``None``.

        As in Poetry, a locked keyring or a backend error here only skips the lookup (logged at
        debug level); a call that does not return in time raises ``KeyringError``.
        """
        key = (url_or_netloc, username)
        with self._cache_lock:
            if key in self._credentials:
                return self._credentials[key]
        shown = redact_url(url_or_netloc)
        doing = f"look up credentials for {shown} in the keyring"
        with self._io_lock:
            with self._cache_lock:
                if key in self._credentials:
                    return self._credentials[key]
            try:
                called, found = self._call(
                    doing,
                    shown,
                    lambda b: b.get_credential(url_or_netloc, username),
                    passthrough=True,
                )
            except KeyringError:
                raise
            except Exception as exc:
                if is_locked(exc):
                    logger.debug("Keyring %s is locked", shown)
                else:
                    logger.debug("Accessing keyring %s failed: %s", shown, type(exc).__name__)
                return None
            if not called:
                return None
            result = None if found is None else (found.username, found.password)
            with self._cache_lock:
                self._credentials[key] = result
            return result

    def forget(self) -> None:
        """Drop the cached entries (the status is kept)."""
        with self._cache_lock:
            self._passwords.clear()
            self._credentials.clear()
