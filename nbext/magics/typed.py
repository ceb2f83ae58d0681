"""A magic line as typed: its tokens, each with the characters of the line it came from.

nbext's magics read a line in two steps: ``{expr}`` is replaced by the value of a Python
expression (``{{``/``}}`` give literal braces), then the result is split as a POSIX shell
would (``shlex.split``: quotes, backslashes). The values the magic works with are therefore
not what the user typed: ``"S3cr3t\\"q"`` is the value ``S3cr3t"q``, ``S{{x}}`` is ``S{x}``.

To take a secret out of a cell, nbext needs what was *typed*. :func:`parse_line` does both
steps itself and keeps, for every character of every token's value, the span of the line
that produced it; :meth:`Token.typed` maps a part of a value back to the exact characters
typed. ``shlex`` cannot report positions, hence this small reimplementation of its POSIX
``whitespace_split`` mode (tested against ``shlex.split``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Span", "Token", "TypedLine", "expand", "parse_line", "url_password"]

#: ``(start, end)`` in the line as typed.
Span = tuple[int, int]

_BRACES = re.compile(r"\{([^{}]+)\}")
_WHITESPACE = " \t\r\n"
_QUOTES = "'\""


@dataclass
class _Char:
    text: str
    span: Span
    typed: bool  # False for a character produced by a {expression}
    quoting: Span | None = None  # set by the tokenizer: the quoted text it is in


@dataclass(frozen=True)
class Token:
    """One argument: its value, and where each of its characters came from (the repr shows
    where the token is, never its value: it may be a secret)."""

    value: str = field(repr=False)
    #: The token as typed, quotes and backslashes included.
    span: Span
    #: Per character of ``value``: the span of the line that produced it (an escaped
    #: character's span includes its backslash; a ``{{``'s covers both braces; a character
    #: of an expression's value covers the whole ``{expr}``).
    origins: tuple[Span, ...] = field(repr=False)
    #: Per character of ``value``: typed (True), or from a ``{expr}`` (False).
    literal: tuple[bool, ...] = field(repr=False)
    #: Per character of ``value``: the span of the quoted text it is in (quotes included).
    quoting: tuple[Span | None, ...] = field(repr=False, default=())

    def typed(self, begin: int = 0, stop: int | None = None) -> Span | None:
        """The span of the line that ``value[begin:stop]`` was typed as; None when none of it
        was typed (every character came from a ``{expression}``).

        The whole value gives the whole token (its quotes too). A part that starts or ends
        inside quotes it does not stay in covers the whole quoted text, so that replacing the
        span leaves the quotes balanced.
        """
        stop = len(self.value) if stop is None else stop
        if begin == 0 and stop == len(self.value):
            return self.span if any(self.literal) or not self.value else None
        if begin >= stop or not any(self.literal[begin:stop]):
            return None
        start, end = self.origins[begin][0], self.origins[stop - 1][1]
        first, last = self.quoting[begin], self.quoting[stop - 1]
        if first is not None and first != last:
            start = first[0]
        if last is not None and last != first:
            end = last[1]
        return start, end


@dataclass(frozen=True)
class TypedLine:
    """A magic line: the text as typed and its tokens (not in the repr: secrets)."""

    line: str = field(repr=False)
    tokens: tuple[Token, ...] = field(repr=False)
    #: ``shlex``'s complaint ("No closing quotation"); the tokens are then a best effort (an
    #: open quote runs to the end of the line), so that secrets can still be found.
    error: str | None = None

    @property
    def values(self) -> list[str]:
        return [t.value for t in self.tokens]

    def text(self, span: Span) -> str:
        return self.line[span[0] : span[1]]


def _expand_chars(line: str, namespace: dict[str, Any] | None) -> list[_Char]:
    """``{expr}`` replaced by its value (see :func:`expand`), with the origin of each character."""
    chars: list[_Char] = []
    i = 0
    while i < len(line):  # "{{" -> \x00, as str.replace does: left to right, no overlap
        if line.startswith("{{", i):
            chars.append(_Char("\x00", (i, i + 2), True))
            i += 2
        else:
            chars.append(_Char(line[i], (i, i + 1), True))
            i += 1
    merged: list[_Char] = []
    for char in chars:  # then "}}" -> \x01, on the result of the first replacement
        if char.text == "}" and merged and merged[-1].text == "}":
            merged[-1] = _Char("\x01", (merged[-1].span[0], char.span[1]), True)
        else:
            merged.append(char)
    chars = merged
    out: list[_Char] = []
    text = "".join(c.text for c in chars)
    pos = 0
    for match in _BRACES.finditer(text) if namespace is not None else ():
        out += chars[pos : match.start()]
        pos = match.end()
        try:
            value = str(eval(match.group(1), namespace))
        except Exception:  # left as written, as IPython does
            out += chars[match.start() : match.end()]
            continue
        span = (chars[match.start()].span[0], chars[match.end() - 1].span[1])
        out += [_Char(c, span, False) for c in value]
    out += chars[pos:]
    return [_Char({"\x00": "{", "\x01": "}"}.get(c.text, c.text), c.span, c.typed) for c in out]


def expand(line: str, namespace: dict[str, Any]) -> str:
    """Replace ``{expr}`` with the value of the Python expression, as IPython does.

    Unlike IPython's default expansion, ``$name`` is left alone, so a URL or a password that
    contains ``$`` arrives intact. ``{{`` and ``}}`` give literal braces; an expression that
    fails to evaluate is left as written (IPython's behaviour too).
    """
    return "".join(c.text for c in _expand_chars(line, namespace))


class _Builder:
    """The token being read: its value characters and the span it covers."""

    def __init__(self) -> None:
        self.chars: list[_Char] = []
        self.start: int | None = None
        self.end = 0
        self.quoted = False
        self._quote: tuple[int, int] | None = None  # (opening quote's position, first char)

    def touch(self, span: Span) -> None:
        if self.start is None:
            self.start = span[0]
        self.end = max(self.end, span[1])

    def add(self, char: _Char, span: Span | None = None) -> None:
        span = span or char.span
        self.chars.append(_Char(char.text, span, char.typed))
        self.touch(span)

    def open_quote(self, char: _Char) -> None:
        self.touch(char.span)
        self._quote = (char.span[0], len(self.chars))

    def close_quote(self, end: int) -> None:
        if self._quote is not None:
            opening, first = self._quote
            for char in self.chars[first:]:
                char.quoting = (opening, end)
            self._quote = None

    def token(self) -> Token | None:
        self.close_quote(self.end)  # an unclosed quote runs to the end
        if self.start is None or (not self.chars and not self.quoted):
            return None
        return Token(
            "".join(c.text for c in self.chars),
            (self.start, self.end),
            tuple(c.span for c in self.chars),
            tuple(c.typed for c in self.chars),
            tuple(c.quoting for c in self.chars),
        )


def _tokens(chars: list[_Char]) -> tuple[list[Token], str | None]:
    """``shlex.split`` (posix, whitespace_split, no comments) over characters with origins."""
    tokens: list[Token] = []
    current = _Builder()
    state = " "  # " " between tokens, "a" in a word, a quote character inside quotes
    i = 0
    error: str | None = None

    def emit() -> None:
        nonlocal current
        token = current.token()
        if token is not None:
            tokens.append(token)
        current = _Builder()

    while i < len(chars):
        char = chars[i]
        c = char.text
        if state in _QUOTES:
            current.quoted = True
            current.touch(char.span)
            if c == state:
                current.close_quote(char.span[1])
                state = "a"
            elif c == "\\" and state == '"':
                if i + 1 == len(chars):
                    error = "No escaped character"
                    break
                nxt = chars[i + 1]
                span = (char.span[0], nxt.span[1])
                if nxt.text not in ('"', "\\"):  # only these are escaped inside "..."
                    current.add(char)
                    span = nxt.span
                current.add(nxt, span)
                i += 1
            else:
                current.add(char)
        elif c in _WHITESPACE:
            if state == "a":
                emit()
            state = " "
        elif c in _QUOTES:
            current.open_quote(char)
            state = c
        elif c == "\\":
            if i + 1 == len(chars):
                error = "No escaped character"
                current.touch(char.span)
                break
            nxt = chars[i + 1]
            current.add(nxt, (char.span[0], nxt.span[1]))
            state = "a"
            i += 1
        else:
            current.add(char)
            state = "a"
        i += 1
    if state in _QUOTES and error is None:
        error = "No closing quotation"
    emit()
    return tokens, error


def parse_line(line: str, namespace: dict[str, Any] | None = None) -> TypedLine:
    """Expand ``{expr}`` (when a namespace is given) and split ``line`` as ``shlex.split``
    does, keeping where each character came from. Never raises: ``error`` says why shlex
    would have refused the line."""
    tokens, error = _tokens(_expand_chars(line, namespace))
    return TypedLine(line, tuple(tokens), error)


def url_password(value: str) -> tuple[int, int] | None:
    """Where the password of the URL in ``value`` is (``value[begin:end]``), as ``urlsplit``
    reads it: the userinfo is the authority up to its last ``@``, the password what follows
    the userinfo's first ``:``. None without a URL, userinfo or password (a user name alone is
    left: it is not a secret here)."""
    scheme = value.find("://")
    if scheme < 0:
        return None
    start = scheme + 3
    end = len(value)
    for stop in "/?#":
        at = value.find(stop, start)
        if at >= 0:
            end = min(end, at)
    userinfo_end = value.rfind("@", start, end)
    if userinfo_end < 0:
        return None
    colon = value.find(":", start, userinfo_end)
    if colon < 0 or colon + 1 == userinfo_end:
        return None
    return colon + 1, userinfo_end
