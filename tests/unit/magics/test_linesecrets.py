"""Which parts of a magic line are secrets (nbext.magics.linesecrets), found on the line as
typed in every spelling; no repr shows one.
"""

from __future__ import annotations

import pytest

from nbext.magics.base import parser as _parser
from nbext.magics.linesecrets import LineSecrets, config_arguments, option_secret, url_secrets
from nbext.magics.typed import parse_line

# -- which parts of a magic line are secrets ---------------------------------------------------


def _found(line: str) -> LineSecrets:
    found = LineSecrets(parse_line(line, {}))
    url_secrets(found)
    return found


@pytest.mark.parametrize(
    ("line", "args", "masked", "shown"),
    [
        (
            'http-basic.q u "S3cr3t\\"q"',
            ["--", "http-basic.q", "u", 'S3cr3t"q'],
            "http-basic.q u ***",
            "http-basic.q u",
        ),
        (
            "--local http-basic.q u -G5U0 ",
            ["--local", "--", "http-basic.q", "u", "-G5U0"],
            "--local http-basic.q u *** ",
            "--local http-basic.q u",
        ),
        (
            "-- http-basic.q u -starts-with-dash",
            ["--", "http-basic.q", "u", "-starts-with-dash"],
            "-- http-basic.q u ***",
            "-- http-basic.q u",
        ),
        (
            "http-basic.q u SECRET extra",
            ["--", "http-basic.q", "u", "SECRET", "extra"],
            "http-basic.q u *** ***",
            "http-basic.q u *** ***",
        ),
        (
            "pypi-token.q TOKEN extra",
            ["--", "pypi-token.q", "TOKEN", "extra"],
            "pypi-token.q *** ***",
            None,
        ),
    ],
)
def test_config_secrets(line: str, args: list[str], masked: str, shown: str | None) -> None:
    found = _found(line)
    assert config_arguments(found) == args
    assert found.masked() == masked
    found.done = True
    if shown is not None:
        assert found.shown() == shown


def test_config_other_keys_are_left_to_argparse_but_url_passwords_are_found() -> None:
    found = _found("repositories.r http://u:S3cr3t@h/legacy/")
    assert config_arguments(found) is None
    assert found.masked() == "repositories.r http://u:***@h/legacy/"
    found.done = True
    assert found.shown() == "repositories.r http://u@h/legacy/"
    assert "S3cr3t" in found.values()


def _publish_parser() -> object:
    p = _parser("%publish")
    p.add_argument("-r", "--repository", default=None)
    p.add_argument("-u", "--username", default=None)
    p.add_argument("-p", "--password", default=None)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--check-url", default=None)
    p.add_argument("-n", "--no-interaction", action="store_true")
    return p


@pytest.mark.parametrize(
    ("line", "password", "masked", "shown"),
    [
        ("-r pub -u alice -p S3cr3t", "S3cr3t", "-r pub -u alice -p ***", "-r pub -u alice"),
        ("-r pub -p -G5U0x --dry-run", "-G5U0x", "-r pub -p *** --dry-run", "-r pub --dry-run"),
        ("-pS3cr3t -r pub", "S3cr3t", "-p*** -r pub", "-r pub"),
        ("-p=S3cr3t", "S3cr3t", "-p=***", ""),
        ("-npS3cr3t", "S3cr3t", "-np***", "-n"),
        ("-np S3cr3t -r x", "S3cr3t", "-np *** -r x", "-n -r x"),
        ("--password=S3cr3t -r x", "S3cr3t", "--password=*** -r x", "-r x"),
        ("--password -S3cr3t", "-S3cr3t", "--password ***", ""),
        ("--pass 'a b' -r x", "a b", "--pass *** -r x", "-r x"),
        ('-u alice -p "S3cr3t\\"q"', 'S3cr3t"q', "-u alice -p ***", "-u alice"),
        ("-u -p S3cr3t", None, "-u -p ***", "-u"),  # argparse: -u wants a value; still masked
    ],
)
def test_publish_password_in_every_spelling(
    line: str, password: str | None, masked: str, shown: str
) -> None:
    parser = _publish_parser()
    found = _found(line)
    args = option_secret(found, parser, "--password", "-p")  # type: ignore[arg-type]
    assert found.masked() == masked
    found.done = True
    assert found.shown() == shown
    if password is not None:
        assert parser.parse_args(args).password == password  # type: ignore[attr-defined]


def test_publish_check_url_password_is_a_secret_too() -> None:
    found = _found("-r pub --check-url http://u:tok3n@h/simple/")
    assert found.masked() == "-r pub --check-url http://u:***@h/simple/"


def test_a_secret_from_an_expression_is_not_masked_but_redacted() -> None:
    found = LineSecrets(parse_line("add bad space/ {url}", {"url": "http://u:from-a-var@h/"}))
    url_secrets(found)
    assert not found.typed and found.masked() == "add bad space/ {url}"
    assert "from-a-var" in found.values()


def test_no_repr_shows_a_secret() -> None:
    found = _found("http-basic.q u S3cr3t-repr http://u:S3cr3t-url@h/")
    config_arguments(found)
    shown = repr(found) + repr(found.parsed) + repr(found.parsed.tokens) + repr(found.rewrite())
    assert "S3cr3t" not in shown, shown
