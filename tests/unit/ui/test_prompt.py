"""The password form (ipywidgets, headless: the comm package gives a DummyComm) and prompts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nbext
from nbext.ui.prompt import PasswordForm, choose_prompt


@pytest.fixture(autouse=True)
def _close_widgets() -> Iterator[None]:
    yield
    import ipywidgets

    ipywidgets.Widget.close_all()


def test_save_stores_the_password_and_clears_the_field() -> None:
    saved: list[tuple[str, str, str]] = []
    form = PasswordForm("corp", "alice", lambda r, u, p: saved.append((r, u, p)))
    form.password.value = "typed-secret"
    form.save_button.click()
    assert saved == [("corp", "alice", "typed-secret")]
    assert form.password.value == ""
    assert form.status.value == "saved for corp"
    assert form.password.disabled and form.save_button.disabled
    assert repr(form) == "Password form for alice on corp (saved)"
    state = json.dumps(form.password.get_state()) + json.dumps(form.widget.get_state())
    assert "typed-secret" not in state


def test_cancel_and_empty_save_store_nothing() -> None:
    saved: list[Any] = []
    form = PasswordForm("corp", "alice", lambda *a: saved.append(a))
    form.save_button.click()
    assert saved == [] and "empty" in form.status.value and form.state == "waiting"
    form.password.value = "x"
    form.cancel_button.click()
    assert saved == [] and form.password.value == "" and form.state == "cancelled"


def test_a_failing_save_is_shown_in_the_form_without_the_secret() -> None:
    def boom(repo: str, user: str, password: str) -> None:
        raise nbext.KeyringError("the keyring did not answer within 5 s")

    form = PasswordForm("corp", "alice", boom)
    form.password.value = "never-shown"
    form.submit()
    assert form.state == "error" and "did not answer" in form.status.value
    assert "never-shown" not in form.status.value and form.password.value == ""


def test_the_text_repr_is_constant_and_the_bundle_has_the_widget() -> None:
    form = PasswordForm("corp", "alice", lambda *a: None)
    bundle = form._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Password form for alice on corp (waiting). ")
    assert (
        bundle["text/plain"]
        == PasswordForm("corp", "alice", print)._repr_mimebundle_()["text/plain"]
    )
    assert "application/vnd.jupyter.widget-view+json" in bundle


class _FakeKernelShell:
    """Looks like ipykernel's shell to the prompt chooser (module name decides)."""


_FakeKernelShell.__module__ = "ipykernel.zmqshell"


def test_in_a_kernel_the_form_is_displayed_and_the_cell_does_not_wait(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown: list[Any] = []
    ask = choose_prompt(_FakeKernelShell(), lambda *a: None, shown.append)
    assert ask("corp", "alice") is None
    assert isinstance(shown[0], PasswordForm)
    # What to do is said inside the form, not on stderr below it.
    assert capsys.readouterr() == ("", "")
    assert "click Save (the cell does not wait;" in shown[0].status.value


def test_without_a_front_end_the_error_names_the_env_var(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", None)
    ask = choose_prompt(None, lambda *a: None, lambda obj: None)
    with pytest.raises(nbext.CredentialError) as exc:
        ask("corp", "alice")
    assert "POETRY_HTTP_BASIC_CORP_PASSWORD" in str(exc.value)


def test_config_http_basic_with_the_form_saves_through_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")
    shown: list[PasswordForm] = []
    with nbext.Workspace(tmp_path) as ws:
        ask = choose_prompt(_FakeKernelShell(), ws.passwords.set_http_password, shown.append)
        report = ws.config_set("http-basic.corp", "alice", prompt=ask)
        assert report.info == []  # nothing saved yet: the form saves on click
        shown[0].password.value = "from-the-form"
        shown[0].save_button.click()
        assert ws.passwords.get_http_auth("corp").password == "from-the-form"


def test_publish_form_asks_for_the_username_too() -> None:
    saved: list[tuple[str, str, str]] = []
    form = PasswordForm("corp", None, lambda r, u, p: saved.append((r, u, p)))
    assert form.user_field is not None
    form.password.value = "typed-secret"
    form.save_button.click()  # no username yet: nothing saved
    assert saved == [] and form.status.value == "The username is empty; nothing was saved."
    form.user_field.value = " alice "
    form.password.value = "typed-secret"
    form.save_button.click()
    assert saved == [("corp", "alice", "typed-secret")]
    assert form.user_field.disabled and form.password.value == ""
    assert repr(form) == "Password form for alice on corp (saved)"


def test_publish_prompt_in_a_kernel_shows_the_form_and_elsewhere_names_the_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nbext.ui.prompt import credential_prompt

    shown: list[Any] = []
    ask = credential_prompt(_FakeKernelShell(), lambda *a: None, shown.append)
    assert ask("corp", None) is None
    assert isinstance(shown[0], PasswordForm) and shown[0].user_field is not None
    monkeypatch.setattr("sys.stdin", None)
    ask = credential_prompt(None, lambda *a: None, shown.append)
    with pytest.raises(nbext.CredentialError) as exc:
        ask("corp", None)
    text = str(exc.value)
    assert "POETRY_HTTP_BASIC_CORP_USERNAME" in text and "POETRY_HTTP_BASIC_CORP_PASSWORD" in text


# -- what a front end sends, and where the typed value goes ---------------------------------------


def _sent(widget: Any) -> list[dict[str, Any]]:
    """Record what the kernel sends to the front ends for ``widget``."""
    sent: list[dict[str, Any]] = []
    widget._send = lambda msg, buffers=None: sent.append(msg)
    return sent


def test_a_value_from_the_front_end_is_taken_out_of_the_field_and_never_echoed() -> None:
    saved: list[tuple[str, str, str]] = []
    form = PasswordForm("corp", "alice", lambda r, u, p: saved.append((r, u, p)))
    sent = _sent(form.password)
    form.password.set_state({"value": "typed-in-the-browser"})  # a front end's update message
    assert form.password.value == ""
    assert form.password.continuous_update is False  # synced when the field is left, not per key
    assert all("typed-in-the-browser" not in json.dumps(m) for m in sent), sent
    assert {"method": "update", "state": {"value": ""}, "buffer_paths": []} in sent
    assert "Password received" in form.status.value and "typed-in" not in form.status.value
    form.save_button.click()
    assert saved == [("corp", "alice", "typed-in-the-browser")]


def test_cancel_and_close_forget_what_was_typed() -> None:
    saved: list[Any] = []
    form = PasswordForm("corp", "alice", lambda *a: saved.append(a))
    form.password.set_state({"value": "typed"})
    form.cancel_button.click()
    form.password.disabled = False  # even if the buttons came back
    form.submit()
    assert saved == []
    other = PasswordForm("corp", "alice", lambda *a: saved.append(a))
    other.password.set_state({"value": "typed"})
    other.close()
    other.submit()
    assert saved == []


def test_the_form_says_where_the_password_went_with_poetrys_plaintext_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbext.magics.base import form_save as _form_save

    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "conf"))  # the null keyring: unusable
    with nbext.Workspace(tmp_path) as ws:
        form = PasswordForm("corp", "alice", _form_save(ws))
        form.password.set_state({"value": "from-the-form"})
        form.save_button.click()
        assert ws.passwords.get_http_auth("corp").password == "from-the-form"
    status = form.status.value
    assert f"Credentials saved for corp ({tmp_path / 'conf' / 'auth.toml'})." in status
    assert "Using a plaintext file to store credentials" in status, status
    assert "from-the-form" not in status


def test_the_publish_form_says_to_run_the_cell_again() -> None:
    from nbext.ui.prompt import credential_prompt

    shown: list[Any] = []
    ask = credential_prompt(_FakeKernelShell(), lambda *a: None, shown.append)
    assert ask("corp", "alice") is None
    assert "click Save, then run this cell again" in shown[0].status.value


def test_without_a_front_end_the_error_says_how_else_to_give_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", None)
    ask = choose_prompt(None, lambda *a: None, lambda obj: None)
    with pytest.raises(nbext.CredentialError) as exc:
        ask("corp", "alice")
    text = str(exc.value)
    assert "POETRY_HTTP_BASIC_CORP_PASSWORD" in text
    assert 'nbext.workspace().config_set("http-basic.corp", "alice", password)' in text
    assert "poetry config http-basic.corp alice" in text
    assert "PASSWORD" not in text.replace("POETRY_HTTP_BASIC_CORP_PASSWORD", "")  # not typed
