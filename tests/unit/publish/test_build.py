"""The build log as a notebook shows it (nbext.publish.build.strip_ansi): no terminal escapes."""

from __future__ import annotations

import pytest

from nbext.publish.build import strip_ansi

# What `python -m build` prints when the kernel's FORCE_COLOR reaches it (tutorial 07, before).
COLOURED = (
    "\x1b[1m* Getting build dependencies for sdist...\x1b[0m\n"
    "\x1b[1m\x1b[92mSuccessfully built \x1b[4macme_greet-0.1.0.tar.gz\x1b[0m\x1b[1m\x1b[92m and "
    "\x1b[4macme_greet-0.1.0-py3-none-any.whl\x1b[0m\x1b[1m\x1b[92m\x1b[0m"
)


def test_build_colours_and_styles_go() -> None:
    assert strip_ansi(COLOURED) == (
        "* Getting build dependencies for sdist...\n"
        "Successfully built acme_greet-0.1.0.tar.gz and acme_greet-0.1.0-py3-none-any.whl"
    )


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("\x1b[38;5;196mred\x1b[39m", "red"),  # 256 colours
        ("\x1b[38;2;255;0;0mrgb\x1b[0m", "rgb"),  # true colour
        ("50%\x1b[K\x1b[2A\x1b[1G", "50%"),  # erase line, cursor moves
        ("\x1b[?25lhidden cursor\x1b[?25h", "hidden cursor"),  # private modes
        ("\x1b]8;;http://127.0.0.1/x\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST
        ("\x1b]0;title\x07text", "text"),  # OSC window title, BEL
        ("\x1b(Bplain\x1b=\x1b7\x1bc", "plain"),  # charset, keypad mode, save cursor, reset
        ("cut short\x1b[", "cut short"),  # a sequence the output ends in the middle of
        ("\x9b1mC1 CSI\x9b0m", "C1 CSI"),
    ],
)
def test_every_escape_form(text: str, plain: str) -> None:
    assert strip_ansi(text) == plain


def test_plain_text_is_untouched() -> None:
    text = "a [1m] bracket, 100% done\r\n\ttab, ümlaut, <b>html</b> & [0m"
    assert strip_ansi(text) == text
