"""Every case of the parity test with Poetry: the hand-written ones (each a rule of Poetry's that
once differed, or could) and the generated ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tests.support.parity_model import (
    N_CASES,
    Answer,
    Case,
    DepDef,
    SourceDef,
    _releases,
    generate_case,
)


def _hand(
    id: str,
    sources: Sequence[tuple[str, str]],
    packages: Mapping[str, tuple[Mapping[str, str], str, str | None, Answer]],
    api: str = "json",
) -> Case:
    """A hand-written case; ``packages[name]`` is ``(versions per source, constraint, pin,
    expected answer)``."""
    return Case(
        id=id,
        sources=tuple(
            SourceDef(n, p, api=("static" if api == "mixed" and i == 1 else "json"))
            for i, (n, p) in enumerate(sources)
        ),
        deps=tuple(DepDef(name, c, pin) for name, (_, c, pin, _) in packages.items()),
        releases=_releases({name: spec[0] for name, spec in packages.items()}),
        expected={name: spec[3] for name, spec in packages.items()},
    )


HAND_CASES = (
    _hand(
        "two-primaries",
        [("corp", "primary"), ("mirror", "primary")],
        {
            # the same version on two primaries: the first declared wins
            "p0": ({"corp": "1.0.0", "mirror": "1.0.0"}, "*", None, ("1.0.0", "corp", False)),
            # a higher version on a later primary wins
            "p1": ({"corp": "1.0.0", "mirror": "1.1.0"}, "*", None, ("1.1.0", "mirror", False)),
            # ...unless the constraint excludes it
            "p2": ({"corp": "1.0.0", "mirror": "2.0.0"}, "<2", None, ("1.0.0", "corp", False)),
            # a stable release on one primary beats a pre-release on another
            "p3": (
                {"corp": "2.0.0rc1", "mirror": "1.0.0"},
                "*",
                None,
                ("1.0.0", "mirror", False),
            ),
        },
    ),
    _hand(
        "supplemental-fallback",
        # declared first, but supplemental: searched after every primary
        [("fallback", "supplemental"), ("corp", "primary"), ("later", "supplemental")],
        {
            "p0": ({"corp": "1.0.0", "fallback": "2.0.0"}, "*", None, ("1.0.0", "corp", False)),
            "p1": (
                {"corp": "1.0.0", "fallback": "2.0.0"},
                ">=1.1",
                None,
                ("2.0.0", "fallback", False),
            ),
            # the first supplemental with a match wins, not the highest version
            "p2": (
                {"fallback": "1.0.0", "later": "1.1.0"},
                "*",
                None,
                ("1.0.0", "fallback", False),
            ),
            "p3": (
                {"fallback": "1.0.0", "later": "1.1.0"},
                ">=1.1",
                None,
                ("1.1.0", "later", False),
            ),
            # a primary that only has a yanked match does not stop the fallback
            "p4": (
                {"corp": "1.1.0!", "fallback": "1.0.0"},
                "*",
                None,
                ("1.0.0", "fallback", False),
            ),
        },
        api="mixed",
    ),
    _hand(
        "explicit-via-pin",
        [("corp", "primary"), ("gpu", "explicit"), ("fallback", "supplemental")],
        {
            "p0": ({"corp": "1.0.0", "gpu": "2.0.0"}, "*", None, ("1.0.0", "corp", False)),
            "p1": ({"corp": "1.0.0", "gpu": "2.0.0"}, "*", "gpu", ("2.0.0", "gpu", False)),
            # only on the explicit source and not pinned: nothing
            "p2": ({"gpu": "2.0.0"}, "*", None, None),
            # a pin to a supplemental asks it alone, even though the primary has a higher version
            "p3": (
                {"corp": "2.0.0", "fallback": "1.0.0"},
                "*",
                "fallback",
                ("1.0.0", "fallback", False),
            ),
            # pinned to the primary: the supplemental is not a fallback for a pin
            "p4": ({"fallback": "1.0.0"}, "*", "corp", None),
        },
    ),
    _hand(
        "yanked",
        [("corp", "primary"), ("mirror", "primary")],
        {
            "p0": ({"corp": "1.0.0 2.0.0!"}, "*", None, ("1.0.0", "corp", False)),
            "p1": ({"corp": "1.0.0 2.0.0!"}, "==2.0.0", None, ("2.0.0", "corp", True)),
            "p2": ({"corp": "2.0.0!"}, ">=1.1", None, None),
            # the same version on two primaries, yanked only on the later one
            "p3": (
                {"corp": "2.0.0", "mirror": "2.0.0!"},
                "==2.0.0",
                None,
                ("2.0.0", "corp", False),
            ),
            # a pin asks one source: its yanked copy, though another source has a clean one
            "p4": (
                {"corp": "2.0.0", "mirror": "2.0.0!"},
                "==2.0.0",
                "mirror",
                ("2.0.0", "mirror", True),
            ),
        },
    ),
    _hand(
        # The candidate that wins is a copy that is not yanked, but Poetry then takes the
        # release from the first searched source that lists the version
        # (Provider.complete_package -> RepositoryPool.package without a repository name):
        # an earlier source's yanked copy. It locks that copy and warns that it is yanked.
        "yanked-copy-on-an-earlier-source",
        [("corp", "primary"), ("mirror", "primary"), ("fallback", "supplemental")],
        {
            "p0": (
                {"corp": "2.0.0!", "mirror": "2.0.0"},
                "==2.0.0",
                None,
                ("2.0.0", "corp", True),
            ),
            "p1": ({"corp": "2.0.0!", "mirror": "2.0.0"}, "*", None, ("2.0.0", "corp", True)),
            # corp only has a yanked match, so the supplemental is asked and has 1.1.0; the
            # release Poetry records is still corp's
            "p2": ({"corp": "1.1.0!", "fallback": "1.1.0"}, "*", None, ("1.1.0", "corp", True)),
        },
    ),
    _hand(
        # Pins name sources case-insensitively (Poetry's pool lowercases); the lock records
        # the source's declared name.
        "source-name-case",
        [("Corp-Index", "primary"), ("GPU", "explicit")],
        {
            "p0": ({"Corp-Index": "1.0.0"}, "*", "corp-index", ("1.0.0", "Corp-Index", False)),
            "p1": ({"GPU": "1.1.0", "Corp-Index": "1.0.0"}, "*", "gpu", ("1.1.0", "GPU", False)),
            "p2": ({"Corp-Index": "1.0.0"}, "*", None, ("1.0.0", "Corp-Index", False)),
        },
    ),
    _hand(
        "pre-releases",
        [("corp", "primary")],
        {
            "p0": ({"corp": "1.0.0 3.0.0b1"}, "*", None, ("1.0.0", "corp", False)),
            "p1": ({"corp": "3.0.0b1"}, "*", None, ("3.0.0b1", "corp", False)),
            "p2": ({"corp": "1.0.0 2.0.0rc1"}, ">=1.1", None, ("2.0.0rc1", "corp", False)),
            "p3": ({"corp": "1.1.0 3.0.0b1"}, ">=3.0.0b1", None, ("3.0.0b1", "corp", False)),
            "p4": ({"corp": "1.1.0 2.0.0rc1"}, "<2", None, ("1.1.0", "corp", False)),
        },
    ),
    _hand(
        # A .devN release is a pre-release too (Poetry's Package.is_prerelease() is
        # Version.is_unstable()): passed over while a stable release matches, on this source
        # or another one (issue 14.11: httpx 1.0.dev6 against 0.29.0).
        "dev-releases",
        [("corp", "primary"), ("mirror", "primary")],
        {
            "p0": ({"corp": "0.29.0 1.0.0.dev6"}, "*", None, ("0.29.0", "corp", False)),
            "p1": ({"corp": "1.0.0.dev6"}, "*", None, ("1.0.0.dev6", "corp", False)),
            "p2": (
                {"corp": "0.29.0", "mirror": "1.0.0.dev6"},
                "*",
                None,
                ("0.29.0", "corp", False),
            ),
            "p3": ({"corp": "1.0.0.dev1 1.0.0rc1"}, "*", None, ("1.0.0rc1", "corp", False)),
            "p4": ({"corp": "1.0.0 1.1.0.dev2"}, ">=1.0.1", None, ("1.1.0.dev2", "corp", False)),
        },
    ),
    _hand(
        # Not a source rule, but it decides between sources: the project says
        # requires-python = ">=3.11", so a release that needs 3.12 is passed over.
        "requires-python",
        [("corp", "primary"), ("mirror", "primary"), ("fallback", "supplemental")],
        {
            # Poetry records the first source that lists 1.1.0 (corp, which needs 3.12) for
            # mirror's copy too, so both copies are passed over
            "p2": (
                {"corp": "1.1.0@>=3.12", "mirror": "1.1.0 1.0.0"},
                "*",
                None,
                ("1.0.0", "mirror", False),
            ),
            # When every candidate is rejected, the solver searches again with the rejected
            # versions excluded (DependencyCache.search_for -> Provider.search_for): the
            # supplemental source is asked then...
            "p3": (
                {"corp": "1.1.0@>=3.12", "fallback": "1.0.0"},
                "*",
                None,
                ("1.0.0", "fallback", False),
            ),
            # ...and so is the pre-release that a stable match had hidden
            "p4": ({"corp": "1.0.0@>=3.12 2.0.0rc1"}, "*", None, ("2.0.0rc1", "corp", False)),
            "p0": ({"corp": "1.0.0 2.0.0@>=3.12"}, "*", None, ("1.0.0", "corp", False)),
            "p1": (
                {"corp": "2.0.0@>=3.12", "mirror": "1.1.0"},
                "*",
                None,
                ("1.1.0", "mirror", False),
            ),
        },
    ),
)
CASES = (*HAND_CASES, *(generate_case(i) for i in range(N_CASES)))
