"""Poetry's keyring rules: its entries' service and user names, which backends it uses, and
what nbext says when a backend fails (spec section 5, "Keyring details"). No keyring call here.

Entries are Poetry's: service ``poetry-repository-<name>`` (the name as declared, case kept),
user = the username, ``__token__`` for tokens and ``__poetry_source_empty_username__`` for an
empty username, so ``poetry config http-basic.<name>`` and nbext share them.

A backend is valid as in Poetry 2.5 (``PoetryKeyring.is_available``): not ``chainer``/
``fail``/``null``, and no "plaintext" in its name; a chainer is valid when one of its backends
is. Messages never carry a secret: the values given as ``secrets`` are masked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nbext.errors import KeyringError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = [
    "EMPTY_USERNAME",
    "PROBE_SERVICE",
    "PROBE_USERNAME",
    "SERVICE_PREFIX",
    "TOKEN_USERNAME",
    "WAY_OUT",
    "NoLibrary",
    "backend_error",
    "class_path",
    "describe_error",
    "failure_reason",
    "inspect_backend",
    "is_locked",
    "keyring_errors",
    "service_name",
    "timeout_reason",
    "user_name",
]

SERVICE_PREFIX = "poetry-repository-"
EMPTY_USERNAME = "__poetry_source_empty_username__"
TOKEN_USERNAME = "__token__"
# Poetry's availability probe ("there is no clean way of checking if keyring is unlocked").
PROBE_SERVICE = "python-poetry-check"
PROBE_USERNAME = "python-poetry"

_INVALID_FIRST_WORDS = frozenset({"chainer", "fail", "null"})
#: The fix in every message about a keyring that failed.
WAY_OUT = (
    "to work without the keyring run `%config keyring.enabled false` (or set "
    "POETRY_KEYRING_ENABLED=false; credentials then go to auth.toml), or choose another "
    "backend with PYTHON_KEYRING_BACKEND"
)


def service_name(repository: str) -> str:
    """The keyring service Poetry uses for a repository: ``poetry-repository-<name>``."""
    return f"{SERVICE_PREFIX}{repository}"


def user_name(username: str | None) -> str:
    """The entry's user: the username, or Poetry's placeholder for none."""
    return username or EMPTY_USERNAME


class NoLibrary(Exception):
    """The ``keyring`` library cannot be imported (control flow, never shown as such)."""

    def __init__(self, error: ImportError) -> None:
        super().__init__(str(error))
        self.error = error


def class_path(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _backend_name(backend: object) -> str:
    return str(getattr(backend, "name", type(backend).__name__))


def _is_chainer(backend: object) -> bool:
    return _backend_name(backend).split(" ")[0].lower() == "chainer"


def _is_plaintext(backend: object) -> bool:
    return "plaintext" in _backend_name(backend).lower()


def _is_valid(backend: object) -> bool:
    """Poetry's ``backend_is_valid``."""
    first = _backend_name(backend).split(" ")[0].lower()
    return first not in _INVALID_FIRST_WORDS and not _is_plaintext(backend)


def inspect_backend() -> tuple[KeyringBackend, str, str]:
    """(backend, description, why it is invalid or ""); imports ``keyring`` (:class:`NoLibrary`
    when it cannot), so it runs with the store's deadline."""
    try:
        import keyring
        import keyring.backend
    except ImportError as exc:
        raise NoLibrary(exc) from exc

    backend = keyring.get_keyring()
    path = class_path(backend)
    if not _is_chainer(backend):
        if _is_plaintext(backend):
            return backend, path, _plaintext_reason(path)
        if not _is_valid(backend):
            return backend, path, f"no usable keyring backend ({path})"
        return backend, path, ""
    subs = getattr(backend, "backends", None)
    if subs is None:
        subs = keyring.backend.get_all_keyring()
    subs = list(subs)
    described = f"{path} ({', '.join(class_path(b) for b in subs) or 'no backends'})"
    if any(_is_valid(b) for b in subs):
        return backend, described, ""
    plaintext = [class_path(b) for b in subs if _is_plaintext(b)]
    if plaintext:
        return backend, described, _plaintext_reason(", ".join(plaintext))
    return backend, described, f"no usable keyring backend ({described})"


def _plaintext_reason(path: str) -> str:
    return (
        f"the keyring backend {path} stores passwords in plain text, which Poetry 2.5 does not use"
    )


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def describe_error(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    text = _scrub(str(exc), secrets).strip()
    if len(text) > 200:
        text = text[:200] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _the_keyring(described: str) -> str:
    return f"the keyring ({described})" if described else "the keyring"


def timeout_reason(described: str, timeout: float) -> str:
    return (
        f"{_the_keyring(described)} did not answer within {timeout:g} s (locked, or "
        "waiting for a password prompt?); it is not used again in this session"
    )


def failure_reason(described: str, exc: BaseException) -> str:
    if is_locked(exc):
        return f"{_the_keyring(described)} is locked"
    return f"{_the_keyring(described)} failed: {describe_error(exc)}"


def backend_error(
    doing: str, source: str, described: str, exc: BaseException, secrets: tuple[str, ...] = ()
) -> KeyringError:
    if is_locked(exc):
        why = f"{_the_keyring(described)} is locked; unlock it and retry, or {WAY_OUT}"
    else:
        why = f"{describe_error(exc, secrets)} ({described}); {WAY_OUT}"
    return KeyringError(f"Cannot {doing}: {why}.", source=source)


def keyring_errors() -> Any:
    """``keyring.errors`` (only asked once a backend raised, so keyring is imported)."""
    try:
        import keyring.errors
    except ImportError:
        return None
    return keyring.errors


def is_locked(exc: BaseException) -> bool:
    errors = keyring_errors()
    return errors is not None and isinstance(exc, errors.KeyringLocked)
