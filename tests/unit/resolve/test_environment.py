"""TargetEnvironment's pure parts: PEP 668's marker read from a folder, the refusal and its
way out, tags, schemes; the install clock."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from packaging.tags import sys_tags

from nbext.errors import ExternallyManagedError, InstallError
from nbext.resolve.clock import Clock
from nbext.resolve.environment import MARKER_FILE, TargetEnvironment, externally_managed_message
from tests.unit.resolve.conftest import fake_env


def test_no_marker_file_means_not_managed(tmp_path: Path) -> None:
    assert externally_managed_message(tmp_path) is None


def test_the_marker_error_text_is_read(tmp_path: Path) -> None:
    (tmp_path / MARKER_FILE).write_text(
        "[externally-managed]\nError = Use apt install python3-foo.\n More here.\n"
    )
    assert externally_managed_message(tmp_path) == "Use apt install python3-foo.\nMore here."


def test_the_users_language_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import locale

    (tmp_path / MARKER_FILE).write_text(
        "[externally-managed]\nError = English.\nError-de = Deutsch.\nError-de_AT = Austria.\n"
    )
    monkeypatch.setattr(locale, "getlocale", lambda category=None: ("de_DE", "UTF-8"))
    assert externally_managed_message(tmp_path) == "Deutsch."
    monkeypatch.setattr(locale, "getlocale", lambda category=None: ("de_AT", "UTF-8"))
    assert externally_managed_message(tmp_path) == "Austria."
    monkeypatch.setattr(locale, "getlocale", lambda category=None: (None, None))
    assert externally_managed_message(tmp_path) == "English."


@pytest.mark.parametrize(
    "text", ["", "no section at all", "[externally-managed]\nOther = x\n", "[x\n", "\xff"]
)
def test_a_marker_without_usable_text_still_marks(tmp_path: Path, text: str) -> None:
    (tmp_path / MARKER_FILE).write_text(text, encoding="latin-1")
    message = externally_managed_message(tmp_path)
    assert message is not None and "managed by another tool" in message


def test_a_marked_interpreter_is_refused_with_the_way_out(tmp_path: Path) -> None:
    env = fake_env(tmp_path, venv=False)
    assert not env.is_venv
    (Path(env.stdlib) / MARKER_FILE).write_text("[externally-managed]\nError = Ask the admin.\n")
    assert env.externally_managed == "Ask the admin."
    with pytest.raises(ExternallyManagedError) as caught:
        env.check_can_install()
    text = str(caught.value)
    assert text.startswith(f"{env.python} is externally managed (PEP 668; ")
    assert (
        "says: Ask the admin.). Nothing was installed. Fix: run the kernel from a virtual" in text
    )
    assert "pass break_system_packages=True (--break-system-packages)" in text
    assert caught.value.marker == "Ask the admin."
    env.check_can_install(break_system_packages=True)  # the override
    assert "externally managed" in repr(env)


def test_a_venv_ignores_the_marker(tmp_path: Path) -> None:
    env = fake_env(tmp_path, venv=True)
    (Path(env.stdlib) / MARKER_FILE).write_text("[externally-managed]\nError = No.\n")
    assert env.is_venv and env.externally_managed is None
    env.check_can_install()


def test_the_running_interpreter_is_read_in_process() -> None:
    env = TargetEnvironment.current()
    assert env.running and env.python == sys.executable and env.prefix == sys.prefix
    assert env.tags == tuple(sys_tags())
    assert env.markers["python_full_version"] == ".".join(map(str, sys.version_info[:3]))
    assert TargetEnvironment.for_python(sys.executable).running
    installed = env.installed()
    assert installed["packaging"] and installed["installer"]


def test_wheels_are_matched_by_their_tags(env: TargetEnvironment) -> None:
    assert env.supports("acme-1.0-py3-none-any.whl")
    assert env.supports(Path("/x/acme-1.0-py2.py3-none-any.whl"))
    assert not env.supports("acme-1.0-cp27-cp27m-win32.whl")
    assert not env.supports("not a wheel.whl")


def test_the_scheme_follows_pip(tmp_path: Path) -> None:
    venv = fake_env(tmp_path / "v", venv=True)
    assert venv.scheme("acme")["headers"] == str(
        tmp_path / "v" / "include" / "site" / "python3.11" / "acme"
    )
    system = fake_env(tmp_path / "s", venv=False)
    assert system.scheme("acme")["headers"] == str(tmp_path / "s" / "include" / "acme")
    assert system.scheme("acme")["scripts"] == str(tmp_path / "s" / "bin")
    assert system.site_packages == (system.paths["purelib"],)


def test_the_clock_takes_seconds_or_a_deadline_object() -> None:
    class Remaining:
        def remaining(self) -> float:
            return 7.0

    assert 6.5 < Clock.start(Remaining()).remaining() <= 7.0
    assert Clock.start(10).budget == 10
    clock = Clock.start(0.0)
    time.sleep(0.001)
    assert clock.remaining() == 0.01  # the floor a subprocess timeout needs
    with pytest.raises(InstallError, match="gave up before installing x: the install was given"):
        clock.check("installing x")
