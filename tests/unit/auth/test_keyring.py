"""The keyring store (nbext.auth.keyring): Poetry's entries, a deadline on every call, reads
cached for the life of the store, locked or blocked keyrings named with the way out, secrecy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbext.auth.backends import EMPTY_USERNAME, PROBE_SERVICE, TOKEN_USERNAME
from nbext.auth.keyring import KeyringStore
from nbext.errors import KeyringError
from tests.support.keyring_backends import BlockingKeyring, FileKeyring, LockedKeyring, use_backend

SECRET = "s3cret-Value-9f2c"


class EchoingKeyring(FileKeyring):
    """Answers the probe, but its errors repeat the password (a careless backend)."""

    priority = -1

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"could not store {password!r} for {username}")


class LockedAfterProbe(LockedKeyring):
    """Answers Poetry's probe, then is locked for every entry."""

    def get_password(self, service: str, username: str) -> str | None:
        if service == PROBE_SERVICE:
            return None
        return super().get_password(service, username)


class BlockingAfterProbe(BlockingKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        if service == PROBE_SERVICE:
            return None
        return super().get_password(service, username)


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[FileKeyring]:
    with use_backend(FileKeyring(tmp_path / "keyring.json")) as backend:
        assert isinstance(backend, FileKeyring)
        yield backend


# -- Poetry's usability rules ------------------------------------------------------------------


def test_disabled_store_never_touches_the_keyring(file_keyring: FileKeyring) -> None:
    store = KeyringStore(enabled=False)
    status = store.status()
    assert (status.usable, status.backend) == (False, "")
    assert "keyring.enabled" in status.reason
    assert store.get_password("corp", "alice") is None
    assert store.get_credential("corp", None) is None
    assert store.delete_password("corp", "alice") is False
    with pytest.raises(KeyringError, match="poetry-repository-corp"):
        store.set_password("corp", "alice", SECRET)
    assert sum(file_keyring.calls.values()) == 0


def test_file_keyring_is_usable_and_status_is_computed_once(file_keyring: FileKeyring) -> None:
    store = KeyringStore()
    assert repr(store) == "<KeyringStore not checked yet>"
    status = store.status()
    assert status.usable
    assert status.backend == "tests.support.keyring_backends.FileKeyring"
    assert status.reason == ""
    assert store.usable and store.status() is status
    assert file_keyring.calls == {"get_password": 1}  # the probe, once
    assert repr(store) == (
        "<KeyringStore backend='tests.support.keyring_backends.FileKeyring' usable>"
    )


def test_probe_failure_makes_the_store_fail(tmp_path: Path) -> None:
    class Broken(FileKeyring):
        priority = -1

        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("dbus went away")

    with use_backend(Broken(tmp_path / "k.json")):
        store = KeyringStore()
        status = store.status()
        assert not status.usable
        assert "failed: RuntimeError: dbus went away" in status.reason
        with pytest.raises(KeyringError, match="poetry-repository-corp"):
            store.get_password("corp", "alice")


# -- entries, empty usernames, cache -----------------------------------------------------------


def test_round_trip_through_the_file_keyring(file_keyring: FileKeyring) -> None:
    store = KeyringStore()
    store.set_password("Corp", "alice", SECRET)
    store.set_password("pub", TOKEN_USERNAME, "tok-1")
    assert file_keyring.entries() == {
        "poetry-repository-Corp": {"alice": SECRET},
        "poetry-repository-pub": {"__token__": "tok-1"},
    }
    fresh = KeyringStore()  # persistent: another store (or process) reads it back
    assert fresh.get_password("Corp", "alice") == SECRET
    assert fresh.get_password("corp", "alice") is None  # service names are case-sensitive
    assert fresh.get_password("pub", "__token__") == "tok-1"
    assert fresh.delete_password("Corp", "alice") is True
    assert fresh.get_password("Corp", "alice") is None
    assert fresh.delete_password("Corp", "alice") is False
    assert KeyringStore().get_password("Corp", "alice") is None
    assert file_keyring.entries() == {"poetry-repository-pub": {"__token__": "tok-1"}}


@pytest.mark.parametrize("username", [None, ""])
def test_empty_username_is_poetrys_literal(file_keyring: FileKeyring, username: str | None) -> None:
    store = KeyringStore()
    store.set_password("corp", username, SECRET)
    assert file_keyring.entries() == {"poetry-repository-corp": {EMPTY_USERNAME: SECRET}}
    fresh = KeyringStore()
    assert fresh.get_password("corp", None) == SECRET
    assert fresh.get_password("corp", "") == SECRET
    assert fresh.delete_password("corp", username) is True
    assert file_keyring.entries() == {}


def test_reads_are_cached_for_the_life_of_the_store(file_keyring: FileKeyring) -> None:
    KeyringStore().set_password("corp", "alice", SECRET)
    file_keyring.calls.clear()
    store = KeyringStore()
    assert store.get_password("corp", "alice") == SECRET
    assert store.get_password("corp", "alice") == SECRET
    assert store.get_password("corp", "bob") is None
    assert store.get_password("corp", "bob") is None  # misses are cached too
    assert file_keyring.calls == {"get_password": 3}  # probe + alice + bob
    store.set_password("corp", "bob", "other")
    assert store.get_password("corp", "bob") == "other"
    store.delete_password("corp", "alice")
    assert store.get_password("corp", "alice") is None
    assert file_keyring.calls == {"get_password": 3, "set_password": 1, "delete_password": 1}


def test_concurrent_reads_of_one_entry_make_one_call(file_keyring: FileKeyring) -> None:
    KeyringStore().set_password("corp", "alice", SECRET)
    file_keyring.calls.clear()
    store = KeyringStore()
    results: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(store.get_password("corp", "alice")))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [SECRET] * 8
    assert file_keyring.calls == {"get_password": 2}  # probe + one read


def test_get_credential_pip_style(file_keyring: FileKeyring) -> None:
    file_keyring.set_password("http://127.0.0.1:8080/simple/", "carol", SECRET)
    store = KeyringStore()
    url = "http://127.0.0.1:8080/simple/"
    assert store.get_credential(url, None) == ("carol", SECRET)  # username-less lookup
    assert store.get_credential(url, "carol") == ("carol", SECRET)
    assert store.get_credential(url, "dave") is None
    assert store.get_credential("127.0.0.1:8080", None) is None
    before = file_keyring.calls["get_credential"]
    assert store.get_credential(url, None) == ("carol", SECRET)
    assert file_keyring.calls["get_credential"] == before  # cached


# -- never hang, never leak --------------------------------------------------------------------


def test_blocked_keyring_costs_one_timeout() -> None:
    with use_backend(BlockingKeyring()) as backend:
        store = KeyringStore(timeout=0.5)
        start = time.monotonic()
        with pytest.raises(KeyringError) as info:
            store.get_password("corp", "alice")
        first = time.monotonic() - start
        assert 0.4 <= first < 1.5
        message = str(info.value)
        assert "poetry-repository-corp" in message
        assert "did not answer within 0.5 s" in message
        assert "%config keyring.enabled false" in message
        assert "PYTHON_KEYRING_BACKEND" in message
        assert info.value.source == "poetry-repository-corp"

        start = time.monotonic()
        with pytest.raises(KeyringError, match="did not answer"):
            store.get_password("other", "bob")
        with pytest.raises(KeyringError, match="did not answer"):
            store.set_password("other", "bob", SECRET)
        assert time.monotonic() - start < 0.2
        assert not store.usable
        assert "did not answer within 0.5 s" in store.status().reason
        assert store.failed
        assert backend.calls == 1  # the probe, never again


def test_status_of_a_blocked_keyring_does_not_raise() -> None:
    with use_backend(BlockingKeyring()):
        store = KeyringStore(timeout=0.5)
        start = time.monotonic()
        status = store.status()
        assert time.monotonic() - start < 1.5
    assert not status.usable
    assert status.backend == "tests.support.keyring_backends.BlockingKeyring"
    assert "did not answer" in status.reason


def test_call_blocking_after_the_probe_fails_the_store_for_every_thread() -> None:
    with use_backend(BlockingAfterProbe()):
        store = KeyringStore(timeout=0.5)
        assert store.usable
        errors: list[str] = []

        def read(name: str) -> None:
            try:
                store.get_password(name, "alice")
            except KeyringError as exc:
                errors.append(str(exc))

        threads = [threading.Thread(target=read, args=(f"s{i}",)) for i in range(4)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        elapsed = time.monotonic() - start
        assert len(errors) == 4
        assert 0.4 <= elapsed < 1.5  # one timeout, not four
        assert not store.usable
        with pytest.raises(KeyringError, match="did not answer"):
            store.get_credential("http://127.0.0.1/simple/", None)


def test_locked_keyring_names_the_service_and_the_way_out() -> None:
    with use_backend(LockedKeyring()):
        store = KeyringStore()
        with pytest.raises(KeyringError) as info:
            store.get_password("corp", "alice")
        assert not store.usable
        assert "is locked" in store.status().reason
    message = str(info.value)
    assert "poetry-repository-corp" in message
    assert "locked" in message
    assert "keyring.enabled false" in message


def test_locked_entry_after_probe() -> None:
    with use_backend(LockedAfterProbe()):
        store = KeyringStore()
        assert store.usable
        with pytest.raises(KeyringError) as info:
            store.set_password("corp", "alice", SECRET)
        assert "poetry-repository-corp" in str(info.value)
        assert "is locked" in str(info.value)
        assert SECRET not in str(info.value)
        # pip-style lookups skip a locked keyring, as in Poetry
        assert store.get_credential("http://127.0.0.1/simple/", None) is None
        assert store.usable  # a locked entry does not fail the store


def test_backend_errors_never_show_the_secret(tmp_path: Path) -> None:
    with use_backend(EchoingKeyring(tmp_path / "k.json")):
        store = KeyringStore()
        with pytest.raises(KeyringError) as info:
            store.set_password("corp", "alice", SECRET)
    message = str(info.value)
    assert SECRET not in message
    assert "could not store '***' for alice" in message
    assert "poetry-repository-corp" in message
    assert SECRET not in repr(store)
