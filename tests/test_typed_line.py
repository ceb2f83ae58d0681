"""A magic line as typed: tokens with positions, the secrets on it, how the cell is rewritten.

The tokenizer must split exactly as ``shlex.split`` does after nbext's ``{expr}`` expansion
(checked on many random lines), and map each part of a value back to the characters typed:
that is what lets nbext take a secret out of a cell whatever quoting it was typed with.
"""

from __future__ import annotations

import random
import shlex

import pytest
from nbext.magics.base import parser as _parser
from nbext.magics.linesecrets import LineSecrets, config_arguments, option_secret, url_secrets
from nbext.magics.scrub import Rewrite, masked_cell, redact, shown_cell
from nbext.magics.typed import expand, parse_line, url_password

# Characters that matter to the two steps (quotes, backslash, braces, blanks) and a few others.
_PIECES = ["a", "b", "-", '"', "'", "\\", " ", "\t", "{", "}", "{{", "}}", "x", "=", ":", "@", "$"]


def _random_lines(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 16))) for _ in range(count)]


def _shlex(line: str, namespace: dict[str, object]) -> list[str] | str:
    try:
        return shlex.split(expand(line, dict(namespace)))
    except ValueError as exc:
        return str(exc)


@pytest.mark.parametrize("seed", range(4))
def test_parse_line_splits_exactly_as_shlex_after_expansion(seed: int) -> None:
    namespace: dict[str, object] = {"x": 'A "B', "a": 5, "b": "it's"}
    for line in _random_lines(seed, 5000):
        parsed = parse_line(line, dict(namespace))
        expected = _shlex(line, namespace)
        got = parsed.error if parsed.error is not None else parsed.values
        assert got == expected, line


@pytest.mark.parametrize("seed", range(2))
def test_each_token_and_each_part_maps_back_to_what_was_typed(seed: int) -> None:
    pieces = [p for p in _PIECES if p not in ("{", "}")]  # no expressions: all typed
    rng = random.Random(100 + seed)
    for _ in range(3000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        parsed = parse_line(line, {})
        if parsed.error is not None:
            continue
        for token in parsed.tokens:
            assert shlex.split(expand(parsed.text(token.span), {})) == [token.value], line
            others = [t.value for t in parsed.tokens if t is not token]
            for begin in range(len(token.value)):
                for stop in range(begin + 1, len(token.value) + 1):
                    span = token.typed(begin, stop)
                    assert span is not None
                    masked = line[: span[0]] + "QQQ" + line[span[1] :]
                    values = shlex.split(expand(masked, {}))
                    assert any("QQQ" in v for v in values), (line, begin, stop, masked)
                    assert all(o in values for o in others), (line, begin, stop, masked)


@pytest.mark.parametrize(
    ("line", "value", "typed"),
    [
        ('u "S3cr3t\\"q"', 'S3cr3t"q', '"S3cr3t\\"q"'),
        ("u 'S3cr3t\"x'", 'S3cr3t"x', "'S3cr3t\"x'"),
        ("u S3cr3t\\x", "S3cr3tx", "S3cr3t\\x"),
        ("u S3{{cr}}3t", "S3{cr}3t", "S3{{cr}}3t"),
        ("u \\-S3cr3t", "-S3cr3t", "\\-S3cr3t"),
        ("u \"a b\"c'd e'", "a bcd e", "\"a b\"c'd e'"),
    ],
)
def test_a_value_maps_to_its_typed_spelling(line: str, value: str, typed: str) -> None:
    parsed = parse_line(line, {})
    assert parsed.values == ["u", value]
    assert parsed.text(parsed.tokens[1].span) == typed


def test_a_part_inside_quotes_keeps_the_quotes_balanced() -> None:
    parsed = parse_line('-p"S3cr3t\\"q"', {})
    token = parsed.tokens[0]
    assert token.value == '-pS3cr3t"q'
    span = token.typed(2)
    assert span is not None and parsed.text(span) == 'S3cr3t\\"q'
    # starting outside the quotes and ending inside: the whole quoted text goes
    parsed = parse_line("ab'cd ef'", {})
    span = parsed.tokens[0].typed(1, 4)
    assert span is not None and parsed.text(span) == "b'cd ef'"


def test_expression_values_are_not_typed() -> None:
    parsed = parse_line("u {pw} S{pw}x", {"pw": "from-a-variable"})
    assert parsed.values == ["u", "from-a-variable", "Sfrom-a-variablex"]
    assert parsed.tokens[1].typed() is None  # nothing typed: nothing to take out
    assert parsed.tokens[2].typed() == (7, 13)  # partly typed: the whole token
    assert parse_line("{x}", {}).values == ["{x}"]  # fails to evaluate: left as written


def test_an_open_quote_still_gives_the_tokens() -> None:
    parsed = parse_line('http-basic.q u "S3cr3t', {})
    assert parsed.error == "No closing quotation"
    assert parsed.values == ["http-basic.q", "u", "S3cr3t"]
    assert parsed.text(parsed.tokens[2].span) == '"S3cr3t'


@pytest.mark.parametrize(
    ("value", "password"),
    [
        ("http://u:S3cr3t@h/simple/", "S3cr3t"),
        ("https://u:p%40ss@h:8080/x?y#z", "p%40ss"),
        ("--check-url=https://u:tok@h/", "tok"),
        ("http://u:a:b@c@h/", "a:b@c"),
        ("http://u@h/", None),
        ("http://u:@h/", None),
        ("http://h/a@b", None),
        ("no url", None),
    ],
)
def test_url_password(value: str, password: str | None) -> None:
    where = url_password(value)
    assert (value[where[0] : where[1]] if where else None) == password


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


# -- the history's copy, the cell's, messages ----------------------------------------------------


def test_masked_cell_touches_the_line_only() -> None:
    rewrite = Rewrite(line="http-basic.q u a", masked="http-basic.q u ***", spellings=("a",))
    cell = "data = 'my analysis'\n%config http-basic.q u a\n"
    assert masked_cell(cell, rewrite) == "data = 'my analysis'\n%config http-basic.q u ***\n"


def test_a_cell_the_line_is_not_found_in_gets_its_spellings_masked() -> None:
    line = "pypi-token.q \\\\tok3n"  # typed in code: the cell holds its repr
    rewrite = Rewrite(line=line, masked="pypi-token.q ***", spellings=("\\\\tok3n",))
    cell = f"get_ipython().run_line_magic('config', {line!r})"
    assert line not in cell
    expected = "get_ipython().run_line_magic('config', 'pypi-token.q ***')"
    assert masked_cell(cell, rewrite) == expected


def test_shown_cell_keeps_indentation_and_comments_out_with_a_note() -> None:
    rewrite = Rewrite(line="pypi-token.q tok", masked="pypi-token.q ***", shown=None, note="saved")
    cell = "if True:\n    %nbconfig pypi-token.q tok\nx = 1"
    assert shown_cell(cell, rewrite) == "if True:\n    # %nbconfig pypi-token.q ***  (saved)\nx = 1"
    rewrite = Rewrite(line="http-basic.q u pw", masked="http-basic.q u ***", shown="http-basic.q u")
    assert shown_cell("  %config http-basic.q u pw  \n", rewrite) == "  %config http-basic.q u\n"


def test_redact_masks_whole_secrets_only() -> None:
    assert redact("unrecognized arguments: -S3cr3t", ["-S3cr3t"]) == "unrecognized arguments: ***"
    assert redact("Expected one or two arguments, got 3", ["a", "3"]) == (
        "Expected one or two arguments, got ***"
    )
    assert redact("http://u:p%40ss@h/", ["p%40ss"]) == "http://u:***@h/"


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
