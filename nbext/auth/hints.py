"""What nbext says about a source's credentials, never what they are.

:func:`credential_origin` is where a source's credentials would come from (``%nbext``: the
keyring is not read, so the status never waits on it); :func:`auth_hint` is what to do when a
source answers 401 or 403 (appended to Poetry's warning in a lookup's row).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from nbext.auth.credentials import PasswordManager
from nbext.config.keys import env_name
from nbext.config.settings import Settings

__all__ = ["auth_hint", "credential_origin"]


def credential_origin(settings: Settings, name: str, url: str) -> str:
    """Where this source's credentials would come from, never what they are."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "in the URL"
    found: list[str] = []
    username = settings.get(["http-basic", name, "username"])
    if os.environ.get(env_name(["http-basic", name, "password"])):
        found.append("password: environment")
    elif settings.auth_file.get(["http-basic", name, "password"]):
        found.append("password: auth.toml")
    elif username and settings.keyring_enabled:
        found.append("password: keyring (not read)")
    if username and not found:
        found.append("username only")
    if settings.get(["pypi-token", name]):
        found.append("token")
    return ", ".join(found) or "none"


def auth_hint(passwords: PasswordManager, source: str, status: int, sent: bool) -> str:
    """What to do about a 401/403 from a source (appended to Poetry's warning)."""
    if status == 403 and sent:
        return (
            f" (the credentials for {source} were refused: check them with "
            f"%config http-basic.{source} USERNAME)"
        )
    if sent:
        return f" (the credentials for {source} were not accepted)"
    hint = f" (no credentials for {source}: %config http-basic.{source} USERNAME"
    if passwords.has_pypi_token(source):
        hint += f"; pypi-token.{source} is for publishing only, as in Poetry"
    return hint + ")"
