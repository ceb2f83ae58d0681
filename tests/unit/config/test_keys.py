"""Poetry's configuration keys: their environment variable names and which tokens are
Poetry's (nbext.config.keys).
"""

from __future__ import annotations

import pytest

from nbext.config.keys import env_name, is_poetry_key


def test_env_names_follow_poetry() -> None:
    assert env_name("http-basic.foo.username") == "POETRY_HTTP_BASIC_FOO_USERNAME"
    assert env_name(["http-basic", "my-repo", "password"]) == "POETRY_HTTP_BASIC_MY_REPO_PASSWORD"
    assert env_name(["http-basic", "my.repo", "password"]) == "POETRY_HTTP_BASIC_MY.REPO_PASSWORD"
    assert env_name("certificates.foo.client-cert") == "POETRY_CERTIFICATES_FOO_CLIENT_CERT"
    assert env_name("keyring.enabled") == "POETRY_KEYRING_ENABLED"


@pytest.mark.parametrize(
    ("token", "mine"),
    [
        ("http-basic.foo", True),
        ("pypi-token.foo", True),
        ("repositories.foo", True),
        ("repo.foo.url", True),
        ("certificates.foo.cert", True),
        ("keyring.enabled", True),
        ("cache-dir", True),
        ("InlineBackend.figure_format", False),
        ("HistoryManager", False),
        ("HistoryManager.enabled", False),
    ],
)
def test_which_keys_are_poetrys(token: str, mine: bool) -> None:
    assert is_poetry_key(token) is mine
