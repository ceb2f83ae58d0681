"""A magic line as typed (nbext.magics.typed): its tokens, each mapped back to the characters
it came from; split exactly as shlex splits it after expansion.
"""

from __future__ import annotations

import random
import shlex

import pytest

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
