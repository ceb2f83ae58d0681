"""Parity with the real Poetry: ``Workspace.lookup`` must choose what ``poetry lock`` locks.

Each case is one project with 2-4 sources (primary / supplemental / explicit, in a random
declaration order) served by real index servers on 127.0.0.1, and 3-5 independent
dependencies ``p0``..``p4`` (no requirements of their own, so only the source rules matter),
each with its own constraint and maybe a ``source = "..."`` pin. Poetry (pinned, in its own
venv, see ``tests/support/poetry.py``) locks the project; nbext looks every dependency up in the
same project; the version, the source and the "yanked" warning must agree for every dependency.

Poetry fails the whole lock when one dependency has no candidate. Its message names that
dependency ("Because parity-case depends on p2 (==2.0.0) which doesn't match any versions,
version solving failed."): it is recorded as "nothing chosen", removed, and the rest locked
again (a failure that does not name one dependency falls back to one project per dependency).

Every case declares a primary source and none named ``pypi``, so Poetry never uses its
implicit PyPI (the public index) and nothing leaves this machine.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import nbext
import pytest
from nbext.demo import Dist, IndexServer
from packaging.utils import canonicalize_name
from poetry.core.constraints.version import Version, parse_constraint

from tests.support.poetry import POETRY_VERSION, LockResult, poetry_lock
from tests.support.servers import ServerProcess, run_static_tree

SEED = 20250611
N_CASES = 20
VERSIONS = ("1.0.0", "1.1.0", "2.0.0", "2.0.0rc1", "3.0.0b1")
CONSTRAINTS = ("*", ">=1.1", "<2", "==2.0.0", "^1.0", ">=3.0.0b1", "==1.1.0")
SOURCE_NAMES = ("corp", "Mirror", "extras", "gpu", "internal", "backup")
PRIORITIES = ("primary", "supplemental", "explicit")
POETRY_WORKERS = 2  # concurrent `poetry lock` processes (the machines have 2 cores)
RESULT_TIMEOUT = 900.0  # seconds a test waits for its case's Poetry runs (queue included)
#: (version, source, yanked) as locked / chosen; None when nothing could be chosen.
Answer = tuple[str, str, bool] | None
PROJECT = "parity-case"
#: The root dependency Poetry blames, on the line that says "version solving failed": either
#: "Because parity-case depends on p2 (==2.0.0) which doesn't match any versions, ..." or,
#: after rejections (Requires-Python), "So, because parity-case depends on p3 (*), ...".
_BLAMED = re.compile(rf"[Bb]ecause {PROJECT} depends on (?P<name>[A-Za-z0-9][A-Za-z0-9._-]*) \(")
_SOLVING_FAILED = "version solving failed"
_YANKED = re.compile(r"The locked version (?P<version>\S+) for (?P<name>\S+) is a yanked version")


# -- cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceDef:
    """One declared source and how it is served (``json``/``html``: IndexServer; ``static``:
    a static PEP 503 tree behind http.server)."""

    name: str
    priority: str
    api: Literal["json", "html", "static"] = "json"
    metadata: bool = True


@dataclass(frozen=True)
class DepDef:
    name: str
    constraint: str
    pin: str | None = None

    @property
    def requirement(self) -> str:
        """What nbext is asked: Poetry's ``pkg@constraint`` form."""
        return f"{self.name}@{self.constraint}"


@dataclass(frozen=True)
class Case:
    id: str
    sources: tuple[SourceDef, ...]
    deps: tuple[DepDef, ...]
    #: source name -> the releases it serves
    releases: Mapping[str, tuple[Dist, ...]] = field(default_factory=dict)
    #: hand-written cases: what we expect Poetry (and so nbext) to choose, per dependency
    expected: Mapping[str, Answer] | None = None

    def describe(self, names: Sequence[str] | None = None) -> str:
        """The sources and, per package, what each source serves (yanked marked ``!``)."""
        lines = ["sources (declaration order):"]
        for s in self.sources:
            served = "static PEP 503 tree" if s.api == "static" else s.api
            meta = "+PEP 658" if s.metadata and s.api != "static" else ""
            lines.append(f"  {s.name:<9} {s.priority:<13} {served}{meta}")
        for dep in self.deps:
            if names is not None and dep.name not in names:
                continue
            pin = f", pinned to {dep.pin}" if dep.pin else ""
            lines.append(f"  {dep.name}  constraint {dep.constraint!r}{pin}")
            for s in self.sources:
                lines.append(f"      {s.name:<9} {self._versions(s.name, dep.name)}")
        return "\n".join(lines)

    def _versions(self, source: str, package: str) -> str:
        parts = []
        for d in self.releases.get(source, ()):
            if d.name != package:
                continue
            text = d.version
            if d.yanked is not False:
                reason = d.yanked if isinstance(d.yanked, str) else ""
                text += f"!({reason})" if reason else "!"
            if d.requires_python:
                text += f"@{d.requires_python}"
            parts.append(text)
        return " ".join(parts) or "-"


def _releases(
    table: Mapping[str, Mapping[str, str]],
) -> dict[str, tuple[Dist, ...]]:
    """``{package: {source: "1.0.0 2.0.0! 3.0.0@>=3.12"}}`` to per-source dists.

    ``!`` marks a yanked release, ``@SPEC`` its Requires-Python.
    """
    out: dict[str, list[Dist]] = {}
    for package, per_source in table.items():
        for source, spec in per_source.items():
            for token in spec.split():
                token, _, requires_python = token.partition("@")
                version = token.rstrip("!")
                yanked: bool | str = "yanked in the fixture" if token.endswith("!") else False
                out.setdefault(source, []).append(
                    Dist(package, version, yanked=yanked, requires_python=requires_python or None)
                )
    return {k: tuple(v) for k, v in out.items()}


def _allows(constraint: str, version: str) -> bool:
    return bool(parse_constraint(constraint).allows(Version.parse(version)))


def generate_case(index: int, seed: int = SEED) -> Case:
    """A random but reproducible case: same ``(seed, index)``, same case."""
    rng = random.Random(f"{seed}:{index}")
    n_sources = rng.randint(2, 4)
    names = rng.sample(SOURCE_NAMES, n_sources)
    priorities = [rng.choices(PRIORITIES, weights=(5, 3, 2))[0] for _ in names]
    if "primary" not in priorities:
        priorities[rng.randrange(n_sources)] = "primary"
    sources = tuple(
        SourceDef(
            name,
            priority,
            api=rng.choices(("json", "html", "static"), weights=(5, 4, 1))[0],
            metadata=rng.random() < 0.7,
        )
        for name, priority in zip(names, priorities, strict=True)
    )
    releases: dict[str, list[Dist]] = {name: [] for name in names}
    deps: list[DepDef] = []
    for j in range(rng.randint(3, 5)):
        package = f"p{j}"
        present: dict[str, list[str]] = {}
        for name in names:
            if rng.random() < 0.2:
                continue  # this source does not have the package at all
            versions = [v for v in VERSIONS if rng.random() < 0.5]
            for v in versions:
                yanked: bool | str = False
                if rng.random() < 0.2:
                    yanked = rng.choice((True, f"broken {package} {v}"))
                releases[name].append(Dist(package, v, yanked=yanked))
            if versions:
                present[name] = versions
        constraint = rng.choice(CONSTRAINTS)
        if rng.random() < 0.15:
            # an exact pin on a version that exists somewhere (often a yanked one)
            listed = sorted({v for vs in present.values() for v in vs})
            if listed:
                constraint = "==" + rng.choice(listed)
        pin: str | None = None
        if rng.random() < 0.3:
            # mostly a source that has the package, sometimes any declared source
            pin = rng.choice(list(present) if present and rng.random() < 0.9 else names)
        # Each dependency without a candidate costs a `poetry lock` more (see poetry_answers),
        # so most of the dull ones (no version on the sources asked satisfies the constraint at
        # all) get a constraint that some listed version satisfies. The subtle ones (only
        # yanked, only on an explicit source, ...) are kept.
        asked = [pin] if pin else [s.name for s in sources if s.priority != "explicit"]
        listed = sorted({v for name in asked for v in present.get(name, [])})
        if not any(_allows(constraint, v) for v in listed) and listed and rng.random() < 0.75:
            constraint = rng.choice(("*", "==" + rng.choice(listed)))
        deps.append(DepDef(package, constraint, pin))
    return Case(
        id=f"random-{index:02d}",
        sources=sources,
        deps=tuple(deps),
        releases={k: tuple(v) for k, v in releases.items()},
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


@contextlib.contextmanager
def serve(case: Case, workdir: Path) -> Iterator[dict[str, str]]:
    """Start one server per source; yield ``{source name: index URL}``; stop them all."""
    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}
        for s in case.sources:
            dists = case.releases.get(s.name, ())
            if s.api == "static":
                proc: ServerProcess = run_static_tree(dists, workdir / f"static-{s.name}")
                stack.callback(proc.stop)
                urls[s.name] = proc.url
            else:
                api: Literal["json", "html"] = "json" if s.api == "json" else "html"
                server = IndexServer(dists, name=s.name, api=api, metadata=s.metadata)
                server.start()
                stack.callback(server.stop)
                urls[s.name] = server.url
        yield urls


def pyproject_text(case: Case, urls: Mapping[str, str], deps: Sequence[DepDef]) -> str:
    lines = [
        "[project]",
        f'name = "{PROJECT}"',
        'version = "0.1.0"',
        'requires-python = ">=3.11"',
        "",
        "[tool.poetry]",
        "package-mode = false",
        "",
    ]
    for s in case.sources:
        lines += [
            "[[tool.poetry.source]]",
            f'name = "{s.name}"',
            f'url = "{urls[s.name]}"',
            f'priority = "{s.priority}"',
            "",
        ]
    lines.append("[tool.poetry.dependencies]")
    for dep in deps:
        if dep.pin:
            lines.append(f'{dep.name} = {{ version = "{dep.constraint}", source = "{dep.pin}" }}')
        else:
            lines.append(f'{dep.name} = "{dep.constraint}"')
    return "\n".join(lines) + "\n"


def _answers_from_lock(result: LockResult, deps: Sequence[DepDef]) -> dict[str, Answer | str]:
    yanked = {(canonicalize_name(m["name"]), m["version"]) for m in _YANKED.finditer(result.output)}
    out: dict[str, Answer | str] = {}
    for dep in deps:
        locked = result.packages.get(dep.name)
        if locked is None:
            out[dep.name] = f"not in poetry.lock: {sorted(result.packages)}"
            continue
        version, source = locked
        out[dep.name] = (version, source or "<none>", (dep.name, version) in yanked)
    return out


def poetry_answers(
    case: Case, urls: Mapping[str, str], workdir: Path, poetry: Path
) -> tuple[dict[str, Answer | str], list[str]]:
    """Poetry's answer per dependency (a str: an unexpected failure), and a log of the runs."""
    remaining = list(case.deps)
    answers: dict[str, Answer | str] = {}
    log: list[str] = []

    def lock(deps: Sequence[DepDef], tag: str) -> LockResult:
        where = workdir / f"poetry-{tag}"
        where.mkdir(parents=True)
        (where / "pyproject.toml").write_text(pyproject_text(case, urls, deps), encoding="utf-8")
        result = poetry_lock(where, poetry=poetry)
        names = ",".join(d.name for d in deps)
        log.append(f"poetry lock [{names}] in {where}: {result.error or 'ok'}")
        return result

    for attempt in range(len(case.deps)):
        if not remaining:
            break
        result = lock(remaining, str(attempt))
        if result.ok:
            answers.update(_answers_from_lock(result, remaining))
            return answers, log
        blamed = [
            canonicalize_name(m["name"])
            for line in result.output.splitlines()
            if _SOLVING_FAILED in line
            for m in [_BLAMED.search(line)]
            if m
        ]
        failed = blamed[0] if len(set(blamed)) == 1 else None
        if failed not in {d.name for d in remaining}:
            # A failure Poetry does not pin on one dependency: one project per dependency.
            for dep in remaining:
                single = lock([dep], f"{attempt}-{dep.name}")
                if single.ok:
                    answers.update(_answers_from_lock(single, [dep]))
                elif _SOLVING_FAILED in single.output:
                    answers[dep.name] = None
                else:
                    answers[dep.name] = f"poetry lock failed: {single.error}\n{single.output}"
            return answers, log
        answers[failed] = None
        remaining = [d for d in remaining if d.name != failed]
    return answers, log


def _show(answer: Answer | str, nothing: str = "nothing chosen") -> str:
    if answer is None:
        return nothing
    if isinstance(answer, str):
        return answer
    version, source, yanked = answer
    return f"{version} from {source}" + (" (yanked warning)" if yanked else "")


class CaseRun:
    """One case on the Poetry pool: its servers start when its turn comes and stay up until
    its test has compared (or the module ends), so only a few cases serve at once."""

    def __init__(self, case: Case, workdir: Path, poetry: Path) -> None:
        self.case = case
        self.workdir = workdir
        self.poetry = poetry
        self.urls: dict[str, str] = {}
        self._stack = contextlib.ExitStack()
        self.future: Future[tuple[dict[str, Answer | str], list[str]]] | None = None

    def run(self) -> tuple[dict[str, Answer | str], list[str]]:
        self.urls = self._stack.enter_context(serve(self.case, self.workdir))
        return poetry_answers(self.case, self.urls, self.workdir, self.poetry)

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def prepared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, poetry: Path
) -> Iterator[dict[str, CaseRun]]:
    """Every selected case, queued on a small pool that runs Poetry ahead of the tests.

    ``poetry lock`` costs about a second of CPU (mostly importing Poetry), so the locks of
    the later cases run while the earlier cases are compared.
    """
    wanted: set[str] = set()
    for item in request.session.items:  # the selected tests (after -k and the like)
        if isinstance(item, pytest.Function) and item.module is request.module:
            case = getattr(item, "callspec", None) and item.callspec.params.get("case")
            if isinstance(case, Case):
                wanted.add(case.id)
    root = tmp_path_factory.mktemp("parity")  # kept by pytest: the failure reports name it
    runs = {c.id: CaseRun(c, root / c.id, poetry) for c in CASES if c.id in wanted}
    pool = ThreadPoolExecutor(max_workers=POETRY_WORKERS, thread_name_prefix="poetry-lock")
    try:
        for run in runs.values():
            run.future = pool.submit(run.run)
        yield runs
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for run in runs.values():
            run.close()


def nbext_answers(
    case: Case, urls: Mapping[str, str], workdir: Path
) -> tuple[dict[str, Answer], dict[str, str]]:
    """nbext's answer per dependency, and its reason / result display for the report."""
    project = workdir / "nbext-project"
    project.mkdir()
    (project / "pyproject.toml").write_text(pyproject_text(case, urls, case.deps), encoding="utf-8")
    ours: dict[str, Answer] = {}
    details: dict[str, str] = {}
    with nbext.Workspace(project) as ws:
        for dep in case.deps:
            res = ws.lookup(dep.requirement)
            chosen = res.chosen
            ours[dep.name] = (
                None
                if chosen is None
                else (str(chosen.version), str(chosen.source), bool(chosen.yanked))
            )
            why = chosen.reason if chosen is not None else res.message
            details[dep.name] = f"{why}\n      repr: {res!r}"
    return ours, details


def check_case(case: Case, run: CaseRun, workdir: Path) -> None:
    assert run.future is not None
    try:
        theirs, log = run.future.result(timeout=RESULT_TIMEOUT)
        ours, details = nbext_answers(case, run.urls, workdir)
    finally:
        run.close()

    problems: list[str] = []
    for dep in case.deps:
        p = theirs.get(dep.name, "no answer from the harness")
        n = ours[dep.name]
        if p != n:
            problems.append(
                f"{dep.name} ({dep.requirement}{', pinned to ' + dep.pin if dep.pin else ''}):\n"
                f"    Poetry {POETRY_VERSION}: {_show(p, 'version solving failed')}\n"
                f"    nbext:        {_show(n)}\n"
                f"      reason: {details[dep.name]}"
            )
        if case.expected is not None and case.expected.get(dep.name, n) != p:
            problems.append(
                f"{dep.name}: the hand-written expectation "
                f"{_show(case.expected[dep.name])} is not what Poetry does "
                f"({_show(p, 'version solving failed')}): "
                "fix the expectation"
            )
    if problems:
        names = [d.name for d in case.deps if any(s.startswith(d.name) for s in problems)]
        pytest.fail(
            f"case {case.id} (seed {SEED}): nbext and Poetry disagree\n"
            + "\n".join(problems)
            + "\n\n"
            + case.describe(names)
            + "\n\npoetry runs:\n  "
            + "\n  ".join(log),
            pytrace=False,
        )


@pytest.mark.parametrize("case", HAND_CASES, ids=lambda c: c.id)
def test_hand_written_case_matches_poetry(
    case: Case, prepared: dict[str, CaseRun], tmp_path: Path
) -> None:
    check_case(case, prepared[case.id], tmp_path)


@pytest.mark.parametrize("case", CASES[len(HAND_CASES) :], ids=lambda c: c.id)
def test_generated_case_matches_poetry(
    case: Case, prepared: dict[str, CaseRun], tmp_path: Path
) -> None:
    check_case(case, prepared[case.id], tmp_path)


def test_generator_is_deterministic_and_varied() -> None:
    again = [generate_case(i) for i in range(N_CASES)]
    assert [c.describe() for c in again] == [c.describe() for c in CASES[len(HAND_CASES) :]]
    generated = CASES[len(HAND_CASES) :]
    priorities = {s.priority for c in generated for s in c.sources}
    assert priorities == set(PRIORITIES)
    assert all(any(s.priority == "primary" for s in c.sources) for c in generated)
    assert not any(s.name.lower() == "pypi" for c in CASES for s in c.sources)
    assert any(d.pin for c in generated for d in c.deps)
    assert any(x.yanked for c in generated for ds in c.releases.values() for x in ds)
