"""The keyring store: Poetry's usability rules and entries, time limits, caching, secrecy;
interop with the real Poetry 2.5.1 through a shared file-backed keyring; the real Secret
Service (gnome-keyring under dbus-run-session) end to end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backends.chainer import ChainerBackend
from keyrings.alt.file import PlaintextKeyring
from nbext.auth.backends import (
    EMPTY_USERNAME,
    PROBE_SERVICE,
    TOKEN_USERNAME,
    service_name,
)
from nbext.auth.keyring import KeyringStore
from nbext.errors import KeyringError

from tests.support.env import isolated_environ, poetry_env
from tests.support.keyring_backends import (
    BlockingKeyring,
    FileKeyring,
    LockedKeyring,
    subprocess_env,
    use_backend,
)
from tests.support.poetry import POETRY_VERSION, PoetryUnavailable, poetry_bin

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


# -- names -------------------------------------------------------------------------------------


def test_service_names_are_poetrys() -> None:
    assert service_name("Corp") == "poetry-repository-Corp"  # case kept, like Poetry
    assert EMPTY_USERNAME == "__poetry_source_empty_username__"
    assert TOKEN_USERNAME == "__token__"


def test_importing_nbext_does_not_import_keyring(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        import nbext
        from nbext.auth.keyring import KeyringStore
        store = KeyringStore(enabled=False)
        assert not store.usable
        assert store.get_password("corp", "u") is None
        assert store.delete_password("corp", "u") is False
        assert store.get_credential("http://h/simple/", None) is None
        assert "keyring" not in sys.modules, "keyring was imported"
        print("ok")
        """
    )
    env = isolated_environ(dict(os.environ), tmp_path / "home")
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


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
    assert status.backend.startswith("tests.test_keyring.FakeChainer (")
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


# -- interop with the real Poetry --------------------------------------------------------------

POETRY_READS = textwrap.dedent(
    """
    import json
    import keyring
    from poetry.config.config import Config
    from poetry.utils.password_manager import PasswordManager, PoetryKeyring

    pm = PasswordManager(Config.create())
    backend = type(keyring.get_keyring())
    print(json.dumps({
        "backend": f"{backend.__module__}.{backend.__qualname__}",
        "available": PoetryKeyring.is_available(),
        "use_keyring": pm.use_keyring,
        "corp": vars(pm.get_http_auth("Corp")),
        "anon": vars(pm.get_http_auth("anon")),
        "token": pm.get_pypi_token("pub"),
    }))
    """
)


@pytest.fixture(scope="module")
def poetry() -> Path:
    try:
        return poetry_bin()
    except PoetryUnavailable as exc:
        pytest.fail(f"Cannot create the Poetry {POETRY_VERSION} environment:\n{exc}", False)


def _poetry_run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run(
        args,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def _poetry_keyring_env(home: Path, keyring_path: Path) -> dict[str, str]:
    env = poetry_env(home)
    env.pop("POETRY_KEYRING_ENABLED")  # poetry_env turns the keyring off for lock tests
    return subprocess_env(env, keyring_path)


def test_poetry_reads_what_nbext_stored(poetry: Path, tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    with use_backend(FileKeyring(path)):
        store = KeyringStore()
        store.set_password("Corp", "alice", SECRET)
        store.set_password("anon", None, "tok-anon")
        store.set_password("pub", TOKEN_USERNAME, "tok-pub")
    env = _poetry_keyring_env(tmp_path / "home", path)
    # nbext keeps the username (only) in auth.toml, as Poetry does
    config_dir = Path(env["POETRY_CONFIG_DIR"])
    config_dir.mkdir(parents=True)
    (config_dir / "auth.toml").write_text(
        '[http-basic.Corp]\nusername = "alice"\n\n[http-basic.anon]\nusername = ""\n',
        encoding="utf-8",
    )
    python = poetry.parent / "python"
    out = json.loads(_poetry_run([str(python), "-c", POETRY_READS], env, tmp_path))
    assert out == {
        "backend": "tests.support.keyring_backends.FileKeyring",
        "available": True,
        "use_keyring": True,
        "corp": {"username": "alice", "password": SECRET},
        "anon": {"username": None, "password": "tok-anon"},
        "token": "tok-pub",
    }


def test_nbext_reads_what_poetry_stored(poetry: Path, tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    env = _poetry_keyring_env(tmp_path / "home", path)
    for args in (
        ["http-basic.Corp", "alice", SECRET],
        ["http-basic.anon", "", "tok-anon"],
        ["pypi-token.pub", "tok-pub"],
    ):
        output = _poetry_run([str(poetry), "config", "--no-ansi", *args], env, tmp_path)
        assert "plaintext" not in output.lower()  # Poetry used the keyring
    with open(Path(env["POETRY_CONFIG_DIR"]) / "auth.toml", "rb") as fh:
        auth = tomllib.load(fh)
    assert auth == {"http-basic": {"Corp": {"username": "alice"}, "anon": {"username": ""}}}
    with use_backend(FileKeyring(path)):
        store = KeyringStore()
        assert store.get_password("Corp", "alice") == SECRET
        assert store.get_password("anon", None) == "tok-anon"
        assert store.get_password("anon", "") == "tok-anon"
        assert store.get_password("pub", TOKEN_USERNAME) == "tok-pub"
        assert store.get_credential("poetry-repository-Corp", None) == ("alice", SECRET)
        # and Poetry's `config --unset` sees nbext's deletion: nothing left to delete
        assert store.delete_password("Corp", "alice") is True
    _poetry_run([str(poetry), "config", "--no-ansi", "--unset", "http-basic.Corp"], env, tmp_path)
    assert "poetry-repository-Corp" not in json.loads(path.read_text(encoding="utf-8"))


def test_backend_chosen_by_environment_in_a_kernel_like_process(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    FileKeyring(path).set_password("poetry-repository-corp", "alice", SECRET)
    code = (
        "from nbext.auth.keyring import KeyringStore; s = KeyringStore(); "
        "print(s.status().backend, s.get_password('corp', 'alice') == " + repr(SECRET) + ")"
    )
    env = subprocess_env(isolated_environ(dict(os.environ), tmp_path / "home"), path)
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["tests.support.keyring_backends.FileKeyring", "True"]


# -- the real Secret Service -------------------------------------------------------------------

SECRET_SERVICE_SCRIPT = textwrap.dedent(
    """
    import json
    from nbext.auth.keyring import KeyringStore

    store = KeyringStore(timeout=15)
    status = store.status()
    store.set_password("corp", "alice", "SECRET")
    again = KeyringStore(timeout=15)
    print(json.dumps({
        "usable": status.usable,
        "backend": status.backend,
        "reason": status.reason,
        "get": again.get_password("corp", "alice"),
        "credential": again.get_credential("poetry-repository-corp", None),
        "deleted": again.delete_password("corp", "alice"),
        "after": KeyringStore(timeout=15).get_password("corp", "alice"),
    }))
    """
).replace("SECRET", SECRET)


def test_secret_service_end_to_end(tmp_path: Path) -> None:
    missing = [t for t in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(t)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (scripts/system-deps.sh installs them)")
    home = tmp_path / "home"
    env = isolated_environ(dict(os.environ), home)
    del env["PYTHON_KEYRING_BACKEND"]  # keyring's own choice: the chainer over SecretService
    script = tmp_path / "script.py"
    script.write_text(SECRET_SERVICE_SCRIPT, encoding="utf-8")
    inner = (
        'eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null; '
        f'exec "{sys.executable}" "{script}"'
    )
    proc = subprocess.Popen(
        ["dbus-run-session", "--", "bash", "-c", inner],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: stopped as a whole on timeout
    )
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the Secret Service session did not finish within 60 s")
    assert proc.returncode == 0, stderr
    out = json.loads(stdout.strip().splitlines()[-1])
    assert out["usable"], out["reason"]
    assert "SecretService" in out["backend"]
    assert out["get"] == SECRET
    assert out["credential"] == ["alice", SECRET]
    assert out["deleted"] is True
    assert out["after"] is None
    assert (home / ".local" / "share" / "keyrings").is_dir()  # gnome-keyring's own files
