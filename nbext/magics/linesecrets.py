"""Which parts of a magic line are secrets, found on the line as typed.

Each magic that can take a secret says where it is, from the tokens of
:func:`nbext.magics.typed.parse_line`, *before* anything can fail, so that an error (bad syntax,
a value nbext refuses) still leaves the secret out of the cell and the history:

* ``%config http-basic.NAME USER PASSWORD...``: every value after the user name;
  ``%config pypi-token.NAME TOKEN...``: every value (extra values are an error, and may be the
  rest of a secret typed with a space);
* ``%publish -p/--password``, in every spelling argparse accepts (``-p X``, ``-pX``, ``-p=X``,
  ``-npX``, ``--password X``, ``--password=X``, ``--pass X``), including a value that starts
  with ``-``;
* in every magic, the password of a URL (``https://user:PASSWORD@host/``).

:class:`LineSecrets` then gives the line with the secrets masked (what the history keeps),
the line to show once the secret has been used (the option or the password taken out), and
every form of the secrets for redacting messages.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from nbext.config.keys import AUTH_KEY
from nbext.magics.scrub import MASK, Rewrite
from nbext.magics.typed import Span, Token, TypedLine, url_password

__all__ = ["CONFIG_FLAGS", "LineSecrets", "config_arguments", "option_secret", "url_secrets"]

#: ``%config``'s flags (they may stand anywhere on the line, as in Poetry).
CONFIG_FLAGS = ("--list", "--unset", "--local")


@dataclass
class LineSecrets:
    """The secrets typed on one magic line (see the module docstring)."""

    parsed: TypedLine
    #: The typed span of each secret and its value (as the magic received it).
    parts: list[tuple[Span, str]] = field(default_factory=list, repr=False)
    #: Spans taken out of the line once the secrets have been used (an option with its value,
    #: a URL's ``:password``).
    drops: list[Span] = field(default_factory=list)
    #: The secret was used: the cell shows the line without the drops (else masked).
    done: bool = False
    #: Instead of the line, the cell shows it masked and commented out, with this note.
    note: str | None = None
    #: Secrets that came from a ``{expression}``: nothing to take out of the cell, but no
    #: message may show them either.
    untyped: list[str] = field(default_factory=list, repr=False)

    def add(self, token: Token, begin: int = 0, stop: int | None = None) -> Span | None:
        """Mark ``token.value[begin:stop]`` as secret; returns its typed span (None when it
        came from a ``{expression}``: nothing typed, nothing to remove)."""
        value = token.value[begin:stop]
        span = token.typed(begin, stop)
        if value and span is None:
            self.untyped.append(value)
        elif value and span is not None and (span, value) not in self.parts:
            self.parts.append((span, value))
        return span

    def drop(self, span: Span | None) -> None:
        if span is not None:
            self.drops.append(span)

    @property
    def typed(self) -> bool:
        return bool(self.parts)

    def values(self) -> list[str]:
        """Every form of the secrets: as received, as typed, URL-decoded."""
        out: list[str] = []
        for span, value in self.parts:
            out += [value, self.parsed.text(span), unquote(value)]
        for value in self.untyped:
            out += [value, unquote(value)]
        return [v for v in dict.fromkeys(out) if v]

    def masked(self) -> str:
        return _replace(self.parsed.line, [span for span, _ in self.parts], MASK)

    def shown(self) -> str:
        if not self.done or not self.drops:
            return self.masked()
        line = self.parsed.line
        starts = {t.span[0] for t in self.parsed.tokens}
        widened = []
        for start, end in self.drops:  # a whole token goes with the blanks before it
            if start in starts:
                start = len(line[:start].rstrip(" \t"))
            widened.append((start, end))
        return _replace(line, widened, "").strip()

    def rewrite(self) -> Rewrite:
        return Rewrite(
            line=self.parsed.line,
            masked=self.masked(),
            shown=self.shown(),
            note=self.note if self.done else None,
            spellings=tuple(self.parsed.text(span) for span, _ in self.parts),
        )


def _replace(line: str, spans: Sequence[Span], text: str) -> str:
    """``line`` with each span (merged where they overlap) replaced by ``text``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        line = line[:start] + text + line[end:]
    return line


def url_secrets(found: LineSecrets) -> None:
    """Mark the password of every URL on the line; once used, ``:password`` is dropped."""
    for token in found.parsed.tokens:
        where = url_password(token.value)
        if where is not None:
            found.add(token, *where)
            found.drop(token.typed(where[0] - 1, where[1]))  # with its ":"


def config_arguments(found: LineSecrets) -> list[str] | None:
    """``%config``: mark the secret values of ``http-basic``/``pypi-token``; returns the
    arguments for argparse, where every value after such a key is a value even when it
    starts with ``-`` (None for other keys: argparse reads the line as typed)."""
    tokens = list(found.parsed.tokens)
    flags: list[str] = []
    rest: list[Token] = []
    dashdash = False
    for token in tokens:
        if token.value == "--" and not dashdash and not rest:
            dashdash = True
        elif token.value in CONFIG_FLAGS:
            flags.append(token.value)
        else:
            rest.append(token)
    if not rest or not AUTH_KEY.match(rest[0].value):
        return None
    key, values = rest[0], rest[1:]
    first_secret = 1 if key.value.startswith("http-basic.") else 0
    for token in values[first_secret:]:
        found.add(token)
    if first_secret == 1 and len(values) == 2:
        found.drop(values[1].span)
    return [*flags, "--", key.value, *(t.value for t in values)]


@dataclass(frozen=True)
class _Options:
    """What argparse knows about a parser's options: which take a value."""

    takes_value: dict[str, bool]

    @classmethod
    def of(cls, parser: argparse.ArgumentParser) -> _Options:
        table: dict[str, bool] = {}
        for action in parser._actions:
            for option in action.option_strings:
                table[option] = action.nargs != 0
        return cls(table)

    def resolve(self, name: str) -> str | None:
        """A long option as argparse reads it: exact, or an unambiguous prefix."""
        if name in self.takes_value:
            return name
        matches = [o for o in self.takes_value if o.startswith("--") and o.startswith(name)]
        return matches[0] if len(matches) == 1 else None


def option_secret(
    found: LineSecrets, parser: argparse.ArgumentParser, secret: str, short: str
) -> list[str]:
    """Mark the value of the option ``secret`` (``--password``, short form ``short``) in
    every spelling argparse accepts; returns the arguments for argparse, with that option
    written ``--password=VALUE`` so that a value starting with ``-`` is still a value."""
    options = _Options.of(parser)
    tokens = found.parsed.tokens
    args: list[str] = []
    i = 0
    while i < len(tokens):
        value = tokens[i].value
        if value == "--":
            args += [t.value for t in tokens[i:]]
            break
        taken = (
            _long_secret(found, options, tokens, i, secret)
            if value.startswith("--")
            else (
                _short_secret(found, options, tokens, i, secret, short)
                if value.startswith("-") and len(value) > 1
                else None
            )
        )
        if taken is None:
            args.append(value)
            i += 1
            continue
        used, replacement = taken
        args += replacement
        i += used
    return args


def _value_follows(tokens: Sequence[Token], i: int) -> bool:
    """Whether argparse would take ``tokens[i]`` as an option's value (not another option)."""
    return i < len(tokens) and not tokens[i].value.startswith("-")


def _long_secret(
    found: LineSecrets, options: _Options, tokens: Sequence[Token], i: int, secret: str
) -> tuple[int, list[str]] | None:
    value = tokens[i].value
    name, eq, _ = value.partition("=")
    option = options.resolve(name)
    if option is None:
        return None
    if option != secret:
        if options.takes_value[option] and not eq and _value_follows(tokens, i + 1):
            return 2, [value, tokens[i + 1].value]
        return None
    if eq:
        found.add(tokens[i], len(name) + 1)
        found.drop(tokens[i].span)
        return 1, [f"{secret}={value[len(name) + 1 :]}"]
    if i + 1 == len(tokens):
        return None  # argparse says the value is missing
    found.add(tokens[i + 1])
    found.drop((tokens[i].span[0], tokens[i + 1].span[1]))
    return 2, [f"{secret}={tokens[i + 1].value}"]


def _short_secret(
    found: LineSecrets,
    options: _Options,
    tokens: Sequence[Token],
    i: int,
    secret: str,
    short: str,
) -> tuple[int, list[str]] | None:
    """A cluster of short options (``-n``, ``-np``, ``-pVALUE``, ``-u NAME``)."""
    token, value = tokens[i], tokens[i].value
    for k in range(1, len(value)):
        option = "-" + value[k]
        if option not in options.takes_value:
            return None
        if not options.takes_value[option]:
            continue
        before = [value[:k]] if k > 1 else []
        if option != short:
            if k + 1 == len(value) and _value_follows(tokens, i + 1):
                return 2, [value, tokens[i + 1].value]
            return None
        begin = k + 1
        if begin < len(value):
            if k == 1 and value[begin] == "=":
                begin += 1  # -p=VALUE, as argparse reads it
            found.add(token, begin)
            found.drop(token.span if k == 1 else token.typed(k))
            return 1, [*before, f"{secret}={value[begin:]}"]
        if i + 1 == len(tokens):
            return None
        found.add(tokens[i + 1])
        start = token.span[0] if k == 1 else (token.typed(k) or token.span)[0]
        found.drop((start, tokens[i + 1].span[1]))
        return 2, [*before, f"{secret}={tokens[i + 1].value}"]
    return None
