"""The keyring across processes: interop with the real Poetry 2.5.1 through a shared file-backed
keyring, the backend a kernel-like process chooses from its environment, and the real Secret
Service (gnome-keyring under dbus-run-session) end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from nbext.auth.backends import TOKEN_USERNAME
from nbext.auth.keyring import KeyringStore
from tests.support.env import isolated_environ, poetry_env
from tests.support.keyring_backends import FileKeyring, subprocess_env, use_backend
from tests.support.procs import run_captured

SECRET = "s3cret-Value-9f2c"


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


def _poetry_run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = run_captured(args, env=env, cwd=cwd, timeout=120)
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
