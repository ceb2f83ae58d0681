""".devN releases are pre-releases, as in Poetry 2.5.1 (issue 14.11).

Poetry's ``Package.is_prerelease()`` is ``Version.is_unstable()``: alpha, beta, rc and dev
releases alike. On the public index ``httpx`` has ``1.0.dev6`` above ``0.29.0``; Poetry
chooses 0.29.0. The parity test (tests/integration/lookup/test_poetry_parity.py, case
``dev-releases``) checks the same against ``poetry lock``; these check every place nbext says
"pre-release" (the filtering rule itself: tests/unit/lookup/test_rules.py).
"""

from __future__ import annotations

from pathlib import Path

import nbext
from nbext.demo import Dist, IndexServer

VERSIONS = ("0.27.2", "0.28.1", "0.29.0", "1.0.dev1", "1.0.dev6")


def test_lookup_chooses_the_stable_release_over_a_dev_release(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([Dist("httpx", v, requires_python=">=3.8") for v in VERSIONS])
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        stable = ws.lookup("httpx")
        dev = ws.lookup("httpx>=0.30")
    assert stable.chosen is not None and stable.chosen.version == "0.29.0"
    assert not stable.chosen.prerelease
    assert stable.per_source[0].versions == ["0.27.2", "0.28.1", "0.29.0"]  # the versions row
    assert "pre-release" not in stable.chosen.reason
    assert dev.chosen is not None and dev.chosen.version == "1.0.dev6"
    assert dev.chosen.prerelease
    assert dev.chosen.reason.endswith("; a pre-release, because no stable release matches")
    assert dev.per_source[0].versions == ["1.0.dev1", "1.0.dev6"]


def test_a_stable_release_on_a_later_source_beats_a_dev_release(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    corp = index_factory([Dist("httpx", "1.0.dev6")], name="corp")
    mirror = index_factory([Dist("httpx", "0.29.0")], name="mirror")
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", corp.url, "primary")
        ws.add_source("mirror", mirror.url, "primary")
        res = ws.lookup("httpx")
    assert res.chosen is not None
    assert (res.chosen.version, res.chosen.source) == ("0.29.0", "mirror")
