"""Asking for a password without ever blocking a kernel.

* In a Jupyter kernel: a masked ipywidgets form (Password, Save, Cancel) that says what to do
  inside itself. The magic returns at once; the kernel stays free to receive the widget's
  messages. Save stores the password (keyring, or auth.toml with Poetry's plaintext notice,
  shown in the form) and shows only where it went.
* The typed password never stays in a synced trait, so no saved notebook's widget state
  holds it (nbclient and JupyterLab save widget state): the field syncs only when it loses
  focus (``continuous_update=False``), the kernel takes the value into a plain attribute and
  empties the field at once, and the value is never echoed to other front ends
  (``echo_update=False``). Cancel and close forget it.
* The form's ``text/plain`` (what a front end without widgets shows: a console, nbclient,
  a notebook viewer) is constant, and says how else to give the password.
* In terminal IPython: ``getpass``.
* Otherwise (no front end that can ask): a clear error naming the other ways.
"""

from __future__ import annotations

import functools
import html
import sys
from collections.abc import Callable
from typing import Any

from nbext.auth.credentials import Credential
from nbext.config.keys import env_name
from nbext.errors import CredentialError
from nbext.report import Report
from nbext.ui.views import WidgetView

__all__ = ["PasswordForm", "choose_prompt", "credential_prompt", "elsewhere", "in_kernel"]

#: Stores a password: ``(repository, username, password)``; the report (where it was saved,
#: Poetry's plaintext notice) is shown in the form.
Save = Callable[[str, str, str], "Report | None"]


@functools.cache
def _secret_field_class() -> type[Any]:
    """ipywidgets' Password whose value is not echoed to other front ends."""
    import ipywidgets as w
    from traitlets import Unicode

    class SecretField(w.Password):  # type: ignore[misc]
        value = Unicode(help="String value").tag(sync=True, echo_update=False)

    return SecretField


def elsewhere(repository: str, username: str | None) -> str:
    """How to give the password without the form (a front end that shows no widgets)."""
    password_var = env_name(["http-basic", repository, "password"])
    if username:
        variables = password_var
        call = f'nbext.workspace().config_set("http-basic.{repository}", "{username}", password)'
    else:
        variables = f"{env_name(['http-basic', repository, 'username'])} and {password_var}"
        call = f'nbext.workspace().config_set("http-basic.{repository}", USER, password)'
    return (
        f"set {variables} in the kernel's environment, or run {call} with the password read "
        "from outside the notebook (getpass, a secrets manager), or run "
        f"`poetry config http-basic.{repository} {username or 'USER'}` in a terminal"
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class PasswordForm(WidgetView):
    """The credential widget; ``_repr_mimebundle_`` shows the widget with a fixed text."""

    def __init__(
        self, repository: str, username: str | None, save: Save, *, rerun: bool = False
    ) -> None:
        import ipywidgets as w

        self.repository = repository
        self.username = username or ""
        self._save = save
        self._typed = ""  # what the front end sent: never in a synced trait
        #: Shown when no username is known yet (``%publish`` to a repository without
        #: ``http-basic`` settings); the username is not a secret.
        self.user_field = w.Text(description="Username:") if not username else None
        self.password = _secret_field_class()(
            description="Password:", placeholder=f"for {repository}", continuous_update=False
        )
        self.password.observe(self._received, names="value")
        self.save_button = w.Button(description="Save", button_style="primary")
        self.cancel_button = w.Button(description="Cancel")
        who = f"<b>{html.escape(username)}</b> on " if username else ""
        then = ", then run this cell again" if rerun else ""
        self._ask = (
            f"{'Password for ' + who if username else 'Credentials for '}"
            f"<b>{html.escape(repository)}</b>: type it in the field and click Save{then} "
            "(the cell does not wait; the password goes to the keyring, or to auth.toml "
            "without one, never into the notebook)."
        )
        self.status = w.HTML(value=self._ask)
        self.save_button.on_click(lambda _b: self.submit())
        self.cancel_button.on_click(lambda _b: self.cancel())
        fields = [self.user_field] if self.user_field is not None else []
        self.widget = w.VBox(
            [self.status, w.HBox([*fields, self.password, self.save_button, self.cancel_button])]
        )
        self.state = "waiting"

    def _received(self, change: dict[str, Any]) -> None:
        """The front end sent the field's value: keep it here, empty the field."""
        value = change["new"]
        if not value:
            return
        self.password.value = ""  # the front end's copy goes too (and with it, saved state)
        if self.state != "waiting":
            return
        self._typed = value
        self.status.value = (
            f"{self._ask}<br>Password received (not shown, not saved yet): click Save."
        )

    def submit(self) -> None:
        value, self._typed = self._typed or self.password.value, ""
        self.password.value = ""  # never left in the widget state saved with the notebook
        if not value:
            self.status.value = "The password is empty; nothing was saved."
            return
        if self.user_field is not None:
            self.username = self.user_field.value.strip()
            if not self.username:
                self.status.value = "The username is empty; nothing was saved."
                return
        try:
            report = self._save(self.repository, self.username, value)
        except Exception as exc:  # shown in the widget: a callback has no cell to fail
            self.status.value = f"Not saved: {html.escape(str(exc))}"
            self.state = "error"
            return
        self.state = "saved"
        lines = [*report.info, *report.warnings] if report is not None else []
        self.status.value = "<br>".join(
            html.escape(line) for line in lines or [f"saved for {self.repository}"]
        )
        self._close_inputs()

    def cancel(self) -> None:
        self._typed = ""
        self.password.value = ""
        self.state = "cancelled"
        self.status.value = f"cancelled: nothing saved for {html.escape(self.repository)}"
        self._close_inputs()

    def close(self) -> None:
        """Forget anything typed and close the widgets."""
        self._typed = ""
        self.password.value = ""
        self.widget.close()
        for widget in (self.status, self.password, self.save_button, self.cancel_button):
            widget.close()
        if self.user_field is not None:
            self.user_field.close()

    def _close_inputs(self) -> None:
        if self.user_field is not None:
            self.user_field.disabled = True
        self.password.disabled = True
        self.save_button.disabled = True
        self.cancel_button.disabled = True

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = (
            f"{self!r}. No form above (a front end without widgets)? "
            f"{_capital(elsewhere(self.repository, self.username or None))}."
        )
        return bundle

    def __repr__(self) -> str:
        who = f"{self.username} on " if self.username else ""
        return f"Password form for {who}{self.repository} ({self.state})"


def in_kernel(shell: Any) -> bool:
    """True in a Jupyter kernel (ipykernel's shell), where widgets can be shown."""
    return shell is not None and "ipykernel" in type(shell).__module__


def choose_prompt(
    shell: Any, save: Save, display: Callable[[Any], None]
) -> Callable[[str, str], str | None]:
    """The prompt for this front end (see the module docstring)."""

    def ask(repository: str, username: str) -> str | None:
        if in_kernel(shell):
            display(PasswordForm(repository, username, save))
            return None
        if sys.stdin is not None and sys.stdin.isatty():
            import getpass

            return getpass.getpass("Password: ")
        raise CredentialError(
            f"No way to ask for the password of {username} on {repository} here (no "
            f"notebook front end, no terminal): {elsewhere(repository, username)}.",
            source=repository,
        )

    return ask


def credential_prompt(
    shell: Any, save: Save, display: Callable[[Any], None]
) -> Callable[[str, str | None], Credential | None]:
    """``%publish``'s prompt after a 401: the form (username field too when none is known)
    in a notebook, which saves ``http-basic.NAME`` for the next run; ``input``/``getpass`` in
    a terminal (used for this upload only); else a clear error."""

    def ask(repository: str, username: str | None) -> Credential | None:
        if in_kernel(shell):
            display(PasswordForm(repository, username, save, rerun=True))
            return None
        if sys.stdin is not None and sys.stdin.isatty():
            import getpass

            user = username or input("Username: ").strip()
            return Credential(user, getpass.getpass("Password: "))
        raise CredentialError(
            f"{repository} wants credentials and there is no way to ask here (no notebook "
            f"front end, no terminal): {elsewhere(repository, username)}.",
            source=repository,
        )

    return ask
