"""Poetry's keyring rules (nbext.auth.backends): its entries' service names, and which backends
it uses (plaintext, null, fail and chainers of them are unusable, like Poetry 2.5).
"""

from __future__ import annotations

import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backends.chainer import ChainerBackend
from keyrings.alt.file import PlaintextKeyring

from nbext.auth.backends import EMPTY_USERNAME, TOKEN_USERNAME, service_name
from nbext.auth.keyring import KeyringStore
from nbext.errors import KeyringError
from tests.support.keyring_backends import FileKeyring, use_backend

SECRET = "s3cret-Value-9f2c"


class FakeChainer(ChainerBackend):
    """A chainer over the given backends (the real one chains every viable backend)."""

    name = "chainer FakeChainer"
    priority = -1  # never chosen by default

    def __init__(self, backends: list[object]) -> None:
        super().__init__()
        self._chained = backends

    @property
    def backends(self) -> list[object]:
        return self._chained


# -- names -------------------------------------------------------------------------------------


def test_service_names_are_poetrys() -> None:
    assert service_name("Corp") == "poetry-repository-Corp"  # case kept, like Poetry
    assert EMPTY_USERNAME == "__poetry_source_empty_username__"
    assert TOKEN_USERNAME == "__token__"


def test_plaintext_backend_is_refused_like_poetry_2_5() -> None:
    with use_backend(PlaintextKeyring()):
        store = KeyringStore()
        status = store.status()
    assert not status.usable
    assert status.backend == "keyrings.alt.file.PlaintextKeyring"
    assert not store.failed  # refused, not broken: reads find nothing, writes go elsewhere
    assert store.get_password("corp", "alice") is None
    assert "keyrings.alt.file.PlaintextKeyring stores passwords in plain text" in status.reason
    with pytest.raises(KeyringError, match="plain text"):
        store.set_password("corp", "alice", SECRET)


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.null.Keyring(), keyring.backends.fail.Keyring()],
    ids=["null", "fail"],
)
def test_null_and_fail_backends_are_unusable(backend: object) -> None:
    with use_backend(backend):  # type: ignore[arg-type]
        status = KeyringStore().status()
    assert not status.usable
    assert status.reason.startswith("no usable keyring backend")


def test_chainer_of_fail_and_plaintext_is_unusable() -> None:
    chainer = FakeChainer([keyring.backends.fail.Keyring(), PlaintextKeyring()])
    with use_backend(chainer):
        status = KeyringStore().status()
    assert not status.usable
    assert status.backend.startswith("tests.unit.auth.test_backends.FakeChainer (")
    assert "PlaintextKeyring" in status.backend
    assert "plain text" in status.reason


def test_chainer_with_one_valid_backend_is_usable(tmp_path: Path) -> None:
    inner = FileKeyring(tmp_path / "k.json")
    chainer = FakeChainer([PlaintextKeyring(), inner])
    with use_backend(chainer):
        store = KeyringStore()
        assert store.status().usable
        assert "tests.support.keyring_backends.FileKeyring" in store.status().backend
        assert inner.calls["get_password"] == 1  # the probe went through the chainer


def test_backend_that_cannot_be_loaded_is_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> object:
        raise ModuleNotFoundError("No module named 'nowhere'")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    store = KeyringStore()
    status = store.status()
    assert not status.usable
    assert "cannot be loaded (ModuleNotFoundError: No module named 'nowhere')" in status.reason
    assert store.get_password("corp", "alice") is None  # a configuration problem: no error


def test_missing_keyring_library_is_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring -> ImportError
    status = KeyringStore().status()
    assert not status.usable
    assert status.reason.startswith("the keyring library cannot be imported")
