"""Asking for a password without ever blocking a kernel.

* In a Jupyter kernel: a masked ipywidgets form (Password, Save, Cancel). The magic returns at
  once; the kernel stays free to receive the widget's messages; Save stores the password
  (keyring or auth.toml, as Poetry does), clears the field at once, and shows only
  "saved for NAME". The widget's text/plain is constant and never contains the value.
* In terminal IPython: ``getpass``.
* Otherwise (no front end that can ask): a clear error naming the environment variable.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from typing import Any

from nbext._config import env_name
from nbext._credentials import Credential
from nbext._errors import CredentialError
from nbext._live import WidgetView

__all__ = ["PasswordForm", "choose_prompt", "credential_prompt", "in_kernel"]

Save = Callable[[str, str, str], None]  # (repository, username, password)


class PasswordForm(WidgetView):
    """The credential widget; ``_repr_mimebundle_`` shows the widget with a fixed text."""

    def __init__(self, repository: str, username: str | None, save: Save) -> None:
        import ipywidgets as w

        self.repository = repository
        self.username = username or ""
        self._save = save
        #: Shown when no username is known yet (``%publish`` to a repository without
        #: ``http-basic`` settings); the username is not a secret.
        self.user_field = w.Text(description="Username:") if not username else None
        self.password = w.Password(description="Password:", placeholder=f"for {repository}")
        self.save_button = w.Button(description="Save", button_style="primary")
        self.cancel_button = w.Button(description="Cancel")
        who = f"<b>{html.escape(username)}</b> on " if username else ""
        self.status = w.HTML(
            value=(
                f"{'Password for ' + who if username else 'Credentials for '}"
                f"<b>{html.escape(repository)}</b>: fill in the field and click Save."
            )
        )
        self.save_button.on_click(lambda _b: self.submit())
        self.cancel_button.on_click(lambda _b: self.cancel())
        fields = [self.user_field] if self.user_field is not None else []
        self.widget = w.VBox(
            [self.status, w.HBox([*fields, self.password, self.save_button, self.cancel_button])]
        )
        self.state = "waiting"

    def submit(self) -> None:
        value = self.password.value
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
            self._save(self.repository, self.username, value)
        except Exception as exc:  # shown in the widget: a callback has no cell to fail
            self.status.value = f"Not saved: {html.escape(str(exc))}"
            self.state = "error"
            return
        self.state = "saved"
        self.status.value = f"saved for {html.escape(self.repository)}"
        self._close_inputs()

    def cancel(self) -> None:
        self.password.value = ""
        self.state = "cancelled"
        self.status.value = f"cancelled: nothing saved for {html.escape(self.repository)}"
        self._close_inputs()

    def _close_inputs(self) -> None:
        if self.user_field is not None:
            self.user_field.disabled = True
        self.password.disabled = True
        self.save_button.disabled = True
        self.cancel_button.disabled = True

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
            print(
                f"Type the password for {username} on {repository} in the field below and "
                "click Save (the cell does not wait).",
                file=sys.stderr,
            )
            return None
        if sys.stdin is not None and sys.stdin.isatty():
            import getpass

            return getpass.getpass("Password: ")
        raise CredentialError(
            f"No way to ask for the password here (no notebook front end, no terminal). "
            f"Set {env_name(['http-basic', repository, 'password'])} or pass it: "
            f"%config http-basic.{repository} {username} PASSWORD",
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
            display(PasswordForm(repository, username, save))
            return None
        if sys.stdin is not None and sys.stdin.isatty():
            import getpass

            user = username or input("Username: ").strip()
            return Credential(user, getpass.getpass("Password: "))
        user_var = env_name(["http-basic", repository, "username"])
        raise CredentialError(
            f"{repository} wants credentials and there is no way to ask here (no notebook "
            f"front end, no terminal). Set {user_var} and "
            f"{env_name(['http-basic', repository, 'password'])}, or %config "
            f"http-basic.{repository} USER PASSWORD, or pass -u USER -p PASSWORD",
            source=repository,
        )

    return ask
