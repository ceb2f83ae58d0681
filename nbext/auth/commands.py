"""``%config`` for Poetry keys: ``poetry config``'s grammar, value checks and error texts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from nbext.auth.credentials import PasswordManager
from nbext.config.keys import (
    AUTH_KEY,
    CERT_KEY,
    LIST_PROHIBITED,
    REPO_KEY,
    UNIQUE_KEYS,
    boolean_normalizer,
    boolean_validator,
)
from nbext.config.settings import Settings
from nbext.config.tomlfile import ConfigFile
from nbext.errors import ConfigError
from nbext.redact import redact_url, split_userinfo
from nbext.report import Report

__all__ = ["ConfigCommand", "PasswordPrompt"]

#: Asks for a password: returns it, or None when the user cancelled or it will arrive later
#: (a notebook widget saves it itself).
PasswordPrompt = Callable[[str, str], "str | None"]


class ConfigCommand:
    """Implements ``poetry config`` on top of :class:`Settings` and :class:`PasswordManager`."""

    def __init__(self, settings: Settings, passwords: PasswordManager) -> None:
        self.settings = settings
        self.passwords = passwords

    def _target(self, local: bool) -> ConfigFile:
        if local:
            assert self.settings.local_dir is not None  # set in Settings.__post_init__
            return ConfigFile(self.settings.local_dir / "poetry.toml")
        return self.settings.config_file

    def list(self) -> list[str]:
        return format_list(self.settings)

    def get(self, key: str) -> str:
        if key.split(".")[0] in LIST_PROHIBITED:
            raise ConfigError(f"Expected a value for {key} setting.")
        if m := REPO_KEY.match(key):
            if not m.group(1):
                return str(self.settings.get("repositories") or {})
            repo = self.settings.get(["repositories", m.group(1)])
            if repo is None:
                raise ConfigError(f"There is no {m.group(1)} repository defined")
            if not isinstance(repo, dict):
                raise self._not_a_repository(m.group(1), repo)
            if isinstance(repo.get("url"), str):
                repo = {**repo, "url": redact_url(repo["url"])}  # as Poetry stored it, no password
            return str(repo.get(m.group(2), "") if m.group(2) else repo)
        if key not in UNIQUE_KEYS:  # Poetry has no read for certificates.* either
            raise ConfigError(f"There is no {key} setting.")
        value = self.settings.get(key)
        return value if isinstance(value, str) else json.dumps(value)

    def set(
        self,
        key: str,
        values: Sequence[str],
        *,
        local: bool = False,
        prompt: PasswordPrompt | None = None,
    ) -> Report:
        report = Report()
        if key in UNIQUE_KEYS:
            validator, normalizer = UNIQUE_KEYS[key]
            if len(values) != 1:
                raise ConfigError("You can only pass one value.")
            value = values[0]
            if not validator(value):
                raise ConfigError(f'"{value}" is an invalid value for {key}')
            self._target(local).add(key, normalizer(value))
            return report
        if m := REPO_KEY.match(key):
            if not m.group(1):
                raise ConfigError("You cannot remove the [repositories] section")
            if len(values) != 1:
                raise ConfigError(
                    "You must pass the url. Example: poetry config repositories.foo https://bar.com"
                )
            target = self._target(local)
            url, report = self.url_credentials(m.group(1), values[0], target.path.name)
            target.add(["repositories", m.group(1), "url"], url)
            return report
        if m := AUTH_KEY.match(key):
            kind, name = m.group(1), m.group(2)
            if kind == "http-basic":
                if len(values) == 1:
                    password = prompt(name, values[0]) if prompt else None
                    if password is None:
                        return report  # the prompt will save it (widget) or was cancelled
                elif len(values) == 2:
                    password = values[1]
                else:
                    raise ConfigError(
                        f"Expected one or two arguments (username, password), got {len(values)}"
                    )
                self.passwords.set_http_password(name, values[0], password)
                report.info.append(f"Credentials saved for {name}{self._where()}.")
            else:
                if len(values) != 1:
                    raise ConfigError(f"Expected only one argument (token), got {len(values)}")
                self.passwords.set_pypi_token(name, values[0])
                report.info.append(f"Token saved for {name}{self._where()}.")
            report.warnings.extend(self.passwords.notices)
            self.passwords.notices.clear()
            return report
        if m := CERT_KEY.match(key):
            if len(values) != 1:
                raise ConfigError("You must pass exactly 1 value")
            new: Any = values[0]
            if m.group(2) == "cert" and boolean_validator(values[0]):
                new = boolean_normalizer(values[0])
            self.settings.auth_file.add(["certificates", m.group(1), m.group(2)], new)
            return report
        raise ConfigError(f"Setting {key} does not exist")

    def _not_a_repository(self, name: str, value: object) -> ConfigError:
        """``repositories.NAME`` holds a value where Poetry expects ``{url = "..."}`` (Poetry
        fails with "'str' object has no attribute 'get'")."""
        key = f"repositories.{name}"
        origin = self.settings.origin(["repositories", name])
        return ConfigError(
            f"{key} in {origin} is {json.dumps(value, default=str)}, not a table with a url. "
            f"Fix: %config {key} URL (it becomes [{key}] url = URL).",
            key=key,
            origin=origin,
        )

    def url_credentials(self, name: str, url: str, kept_in: str) -> tuple[str, Report]:
        """Credentials in a repository's URL become ``http-basic.NAME`` (the password in the
        keyring; in auth.toml with Poetry's plaintext notice when there is none); returns the
        URL without them, for ``kept_in`` (a file that is often shared or committed), and
        what was done. (Poetry would store the URL as typed.)

        A URL with a user name and no password (the form the cell shows once nbext took the
        password out) keeps the saved password of that user.
        """
        report = Report()
        split = split_userinfo(url)
        if split is None:
            return url, report
        clean, username, password = split
        if password:
            self.passwords.set_http_password(name, username, password)
            report.warnings.extend(self.passwords.notices)
            self.passwords.notices.clear()
            report.warnings.append(
                f"The credentials in the URL were saved as http-basic.{name}{self._where()}; "
                f"{kept_in} gets the URL without them."
            )
        elif self.passwords.get_http_auth(name, use_keyring=False).username == username:
            report.warnings.append(
                f"The user name in the URL is http-basic.{name}'s already (its saved password "
                f"is kept); {kept_in} gets the URL without it."
            )
        else:
            self.settings.auth_file.add(["http-basic", name], {"username": username})
            report.warnings.append(
                f"The user name in the URL was saved as http-basic.{name} (no password: "
                f"%config http-basic.{name} {username} asks for it); {kept_in} gets the URL "
                "without it."
            )
        return clean, report

    def _where(self) -> str:
        if self.passwords.use_keyring:
            return f" (keyring: {self.passwords.keyring.status().backend})"
        return f" ({self.settings.auth_file.path})"

    def unset(self, key: str, *, local: bool = False) -> Report:
        report = Report()
        if key in UNIQUE_KEYS:
            self._target(local).remove(key)
            return report
        if m := REPO_KEY.match(key):
            if not m.group(1):
                raise ConfigError("You cannot remove the [repositories] section")
            if self.settings.get(["repositories", m.group(1)]) is None:
                raise ConfigError(f"There is no {m.group(1)} repository defined")
            path = ["repositories", m.group(1)] + ([m.group(2)] if m.group(2) else [])
            self._target(local).remove(path)
            return report
        if m := AUTH_KEY.match(key):
            if m.group(1) == "http-basic":
                self.passwords.delete_http_password(m.group(2))
            else:
                self.passwords.delete_pypi_token(m.group(2))
            return report
        if m := CERT_KEY.match(key):
            self.settings.auth_file.remove(["certificates", m.group(1), m.group(2)])
            return report
        raise ConfigError(f"Setting {key} does not exist")


def format_list(settings: Settings) -> list[str]:
    """``poetry config --list`` lines: ``key = json``, sorted, secrets tables hidden.

    As Poetry prints it: a string whose stored form differs from its value (a ``{cache-dir}``
    placeholder) shows both, ``key = "raw"  # value``.
    """
    lines: list[str] = []

    def walk(node: dict[str, Any], raw: dict[str, Any], prefix: str) -> None:
        for key, value in sorted(node.items()):
            if prefix + key in LIST_PROHIBITED:
                continue
            raw_value = raw.get(key) if isinstance(raw, dict) else None
            if isinstance(value, dict):
                walk(value, raw_value if isinstance(raw_value, dict) else {}, f"{prefix}{key}.")
                continue
            if isinstance(value, list):
                value = "[" + ", ".join(str(v) for v in value) + "]"
            if prefix.startswith("repositories."):
                # A URL Poetry stored with its credentials: shown without the password.
                shown = redact_url(raw_value) if isinstance(raw_value, str) else raw_value
                lines.append(f"{prefix}{key} = {json.dumps(shown)}")
            elif isinstance(raw_value, str) and raw_value != value:
                lines.append(f"{prefix}{key} = {json.dumps(raw_value)}  # {value}")
            else:
                lines.append(f"{prefix}{key} = {json.dumps(value)}")

    walk(settings.all(), settings.merged(), "")
    return lines
