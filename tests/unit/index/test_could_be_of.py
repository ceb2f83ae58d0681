"""could_be_of's shortcut gives the answer of its definition (separators folded, lower-case)."""

from __future__ import annotations

import random
import re

from packaging.utils import canonicalize_name

from nbext.index.pages import could_be_of

_ALPHABET = "aAbB0-_.Zz9"


def _definition(filename: str, project: str) -> bool:
    return re.sub(r"[-_.]+", "-", filename).lower().startswith(project)


def test_shortcut_agrees_with_the_definition_on_random_names() -> None:
    rng = random.Random(708)
    disagreements = []
    for _ in range(20_000):
        project = canonicalize_name("".join(rng.choices(_ALPHABET, k=rng.randint(1, 5))))
        if not project.strip("-"):
            continue
        filename = "".join(rng.choices(_ALPHABET, k=rng.randint(0, 9))) + "-1.0.tar.gz"
        if could_be_of(filename, project) != _definition(filename, project):
            disagreements.append((filename, project))
    assert disagreements == []


def test_examples() -> None:
    assert could_be_of("Foo_Bar-1.0.tar.gz", "foo-bar")
    assert could_be_of("foo..bar-1.0-py3-none-any.whl", "foo-bar")
    assert could_be_of("foobar-1.0.tar.gz", "foo")  # a "could": parse_filename decides
    assert not could_be_of("bar-1.0.tar.gz", "foo")
    assert not could_be_of("fo_o-1.0.tar.gz", "foo")
