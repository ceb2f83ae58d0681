"""Poetry's rules for choosing among what the sources answered (nbext.lookup.rules).

.devN releases are pre-releases, as in Poetry 2.5.1 (issue 14.11): Poetry's
``Package.is_prerelease()`` is ``Version.is_unstable()``: alpha, beta, rc and dev releases
alike.
"""

from __future__ import annotations

import pytest
from poetry.core.constraints.version import Version

from nbext.index.files import File, Release
from nbext.lookup.requirements import parse_requirement
from nbext.lookup.rules import filter_releases

VERSIONS = ("0.27.2", "0.28.1", "0.29.0", "1.0.dev1", "1.0.dev6")


def _release(version: str) -> Release:
    v = Version.parse(version)
    name = f"httpx-{version}.tar.gz"
    return Release(v, (File(name, f"https://i.example/{name}", "httpx", v, "sdist"),))


@pytest.mark.parametrize(
    ("requirement", "kept"),
    [
        ("httpx", ["0.27.2", "0.28.1", "0.29.0"]),
        ("httpx>=0.30", ["1.0.dev1", "1.0.dev6"]),  # nothing stable: the fallback
        ("httpx>=1.0.dev1", ["1.0.dev1", "1.0.dev6"]),
        ("httpx<1.0.dev6", ["0.27.2", "0.28.1", "0.29.0"]),
    ],
)
def test_filtering_counts_dev_releases_as_pre_releases(requirement: str, kept: list[str]) -> None:
    releases = [_release(v) for v in VERSIONS]
    found = filter_releases(releases, parse_requirement(requirement))
    assert [str(r.version) for r in found] == kept
