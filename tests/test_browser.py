"""End to end in a real browser: Chromium (Debian's, driven by Playwright) on a real JupyterLab.

One ``jupyter lab`` serves the whole module (``tests/_lab.py``: 127.0.0.1, a token, its own
root directory and isolated environment, stopped by its PID with its kernels). Each test
writes a fresh notebook, opens it in a fresh browser context and runs its cells the way a
user does (click into the cell, Ctrl+Enter), then checks what the page shows:

1. the password form of ``%config http-basic.corp alice``: typing into it, Save, and a
   lookup that then succeeds; the notebook saved by the front end (Ctrl+S) and the kernel's
   IPython history hold no trace of the password;
2. the live view of a ``%lookup`` of four packages (progress bar, one row per requirement)
   while a request is in flight, and the static result that replaces it;
3. ``%netlog`` showing the requests of a later ``%lookup`` as they happen.

On failure a screenshot and the page's HTML are saved under the test's tmp dir (the
assertion message gives the paths). Skipped only without Chromium or the playwright package.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests._lab import Lab, chromium_path, start_lab, write_notebook
from tests.secret_scan import SecretScan, secret_scan_fixture

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (/usr/bin/chromium; scripts/system-deps.sh installs it)",
        allow_module_level=True,
    )
try:
    from playwright.sync_api import Browser, Locator, Page, Playwright, expect, sync_playwright
    from playwright.sync_api import Error as PlaywrightError
except ImportError:
    pytest.skip(
        "the playwright package is not installed (pip install -e '.[test]')",
        allow_module_level=True,
    )

secret_scan = secret_scan_fixture()

#: Flags for a headless Chromium as root in a VM: no sandbox (root), no GPU, nothing that
#: phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
OPEN_TIMEOUT = 60_000  # ms: the notebook open and its kernel idle (3-4 s when idle)
CELL_TIMEOUT = 30_000  # ms: a cell's run
UI_TIMEOUT = 10_000  # ms: a widget appearing or changing
SAVE_TIMEOUT = 15.0  # s: the saved notebook reaching the disk

#: How long the demo index sits on the ``delta`` page request before hanging up (test 2).
STALL = 3.0
PASSWORD_ENV = "NBEXT_BROWSER_CORP_PASSWORD"


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corp_password() -> str:
    return secrets.token_urlsafe(18)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, corp_password: str) -> Iterator[Lab]:
    """One JupyterLab for the module. The password reaches the kernels only through the
    environment (test 1's first cell pops it); POETRY_CONFIG_DIR and the other Poetry
    directories are the lab's temporary ones, the keyring off: the password form stores into
    that directory's auth.toml."""
    server = start_lab(
        tmp_path_factory.mktemp("lab"),
        {PASSWORD_ENV: corp_password, "POETRY_KEYRING_ENABLED": "false"},
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # Never `playwright install`: the system's Chromium, by its path.
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


class Notebook:
    """A notebook open in JupyterLab, with the few UI actions the tests need."""

    def __init__(self, page: Page, lab: Lab, path: str, artifacts: Path) -> None:
        self.page = page
        self.lab = lab
        self.path = path
        self.artifacts = artifacts

    @property
    def file(self) -> Path:
        return self.lab.root / self.path

    def open(self) -> None:
        self.page.goto(self.lab.url(self.path))
        self.page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first.wait_for(
            timeout=OPEN_TIMEOUT
        )
        expect(self.page.locator("#jp-main-statusbar")).to_contain_text(
            "Idle", timeout=OPEN_TIMEOUT
        )

    def cell(self, index: int) -> Locator:
        return self.page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)

    def output(self, index: int) -> Locator:
        return self.cell(index).locator(".jp-OutputArea")

    def run(self, index: int, *, wait: bool = True) -> None:
        """Click into cell ``index`` and run it (Ctrl+Enter: no new cell, no move on);
        ``wait``: until its prompt shows an execution count."""
        cell = self.cell(index)
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+Enter")
        if wait:
            self.wait_done(index)

    def wait_done(self, index: int, timeout: float = CELL_TIMEOUT) -> None:
        prompt = self.cell(index).locator(".jp-InputArea-prompt")
        expect(prompt).to_have_text(re.compile(r"^\[\d+\]:$"), timeout=timeout)

    def save(self) -> nbformat.NotebookNode:
        """Ctrl+S in the notebook; the saved file once the front end wrote it."""
        before = self.file.stat().st_mtime_ns
        self.cell(0).locator(".cm-content").click()
        self.page.keyboard.press("Control+s")
        deadline = time.monotonic() + SAVE_TIMEOUT
        while time.monotonic() < deadline:
            if self.file.stat().st_mtime_ns != before:
                with contextlib.suppress(json.JSONDecodeError):  # a write still under way
                    return nbformat.reads(self.file.read_text(encoding="utf-8"), as_version=4)
            time.sleep(0.1)
        raise AssertionError(f"the notebook was not saved within {SAVE_TIMEOUT}s")

    def save_artifacts(self) -> list[Path]:
        """A screenshot and the page's HTML, for a failure message."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        png, html = self.artifacts / "page.png", self.artifacts / "page.html"
        saved = []
        with contextlib.suppress(PlaywrightError):
            self.page.screenshot(path=str(png), full_page=True)
            saved.append(png)
        with contextlib.suppress(PlaywrightError):
            html.write_text(self.page.content(), encoding="utf-8")
            saved.append(html)
        return saved

    @contextlib.contextmanager
    def artifacts_on_failure(self) -> Iterator[None]:
        try:
            yield
        except (AssertionError, PlaywrightError) as exc:
            saved = self.save_artifacts()
            where = ", ".join(str(p) for p in saved) or "none could be saved"
            raise AssertionError(f"{exc}\n\nbrowser artifacts: {where}") from exc


@pytest.fixture
def notebook_factory(
    browser: Browser, lab: Lab, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """``open(cells)``: a fresh notebook with these cells, open in a fresh browser context.
    Afterwards the page is closed and the lab's kernels are shut down."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    opened: list[Notebook] = []

    def open_notebook(cells: list[str]) -> Notebook:
        name = re.sub(r"\W+", "-", request.node.name).strip("-")
        path = write_notebook(lab, name, cells)
        nb = Notebook(context.new_page(), lab, path, tmp_path / "browser-artifacts")
        opened.append(nb)
        with nb.artifacts_on_failure():
            nb.open()
        return nb

    yield open_notebook
    context.close()
    lab.shutdown_kernels()


# -- the notebooks ----------------------------------------------------------------------------

#: Each notebook's caches in its own directory (before nbext first reads the configuration):
#: the tests' demo indexes are all called "corp" and share package names.
CACHE_CELL = """\
import os
from pathlib import Path

os.environ["POETRY_CACHE_DIR"] = str(Path("poetry-cache").resolve())
"""

SOURCE_CELL = "%load_ext nbext\n%source add --priority primary corp {server.url}"

CREDENTIALS_SETUP = (
    CACHE_CELL
    + f"""
from nbext.demo import Dist, IndexServer

# The password comes from the lab's environment: never typed into a cell, and gone from the
# kernel's environment once read.
server = IndexServer(
    [Dist("acme-private", "1.0.0")],
    name="corp",
    auth=("alice", os.environ.pop("{PASSWORD_ENV}")),
).start()
"""
)

PACKAGES = ["alpha", "beta", "gamma", "delta"]

# Test 2 has to see the live view while the lookup runs. The demo index has no per-request
# delay; its "stall" fault is the way to keep one request in flight: with ``times=1`` the
# first request for delta's page gets no answer for STALL seconds, then the server hangs up.
# nbext (Poetry's rules) takes "server disconnected without a response" as a connection
# error, retries after 0.5 s and gets the page. So for STALL seconds the view shows
# alpha, beta and gamma answered, delta "asking corp" and the bar at 3/4, and the lookup
# still ends with delta found: deterministic, no sleeping in the test, and far below nbext's
# 15 s read timeout (which would fail delta rather than retry).
LIVE_SETUP = (
    CACHE_CELL
    + f"""
from nbext.demo import Dist, IndexServer

server = IndexServer([Dist(name, "1.0.0") for name in {PACKAGES!r}], name="corp").start()
server.set_fault("/simple/delta/", action="stall", delay={STALL}, times=1)
"""
)

NETLOG_SETUP = (
    CACHE_CELL
    + """
from nbext.demo import Dist, IndexServer

server = IndexServer([Dist("acme-utils", "2.0.0")], name="corp").start()
"""
)


# -- 1. the password form ---------------------------------------------------------------------


def test_password_form_saves_and_nothing_leaks(
    notebook_factory: Any, lab: Lab, corp_password: str, secret_scan: SecretScan
) -> None:
    nb: Notebook = notebook_factory(
        [CREDENTIALS_SETUP, SOURCE_CELL, "%config http-basic.corp alice", "%lookup acme-private"]
    )
    with nb.artifacts_on_failure():
        nb.run(0)
        nb.run(1)
        nb.run(2)
        form = nb.output(2)
        password = form.locator(".jupyter-widgets input[type=password]")
        password.wait_for(timeout=UI_TIMEOUT)
        expect(form).to_contain_text("Password for alice on corp", timeout=UI_TIMEOUT)
        password.click()
        nb.page.keyboard.type(corp_password)
        form.locator("button", has_text="Save").click()
        expect(form).to_contain_text("saved for corp", timeout=UI_TIMEOUT)
        expect(password).to_have_value("")  # Save cleared the field
        expect(password).to_be_disabled()

        nb.run(3)
        expect(nb.output(3)).to_contain_text("acme-private: 1.0.0 from corp", timeout=UI_TIMEOUT)

        saved = nb.save()
        # What was saved is what the page showed, so a clean scan means something.
        outputs = json.dumps(saved.cells[3].outputs)
        assert "acme-private: 1.0.0 from corp" in outputs, outputs[:2000]
        assert saved.cells[2].source == "%config http-basic.corp alice"
        assert "Password form for alice on corp" in json.dumps(saved.cells[2].outputs)

        # The kernel has written its history database (under the lab's IPYTHONDIR, as in
        # everyday use) completely once it has ended.
        lab.shutdown_kernels()
        history = Path(lab.env["IPYTHONDIR"]) / "profile_default" / "history.sqlite"
        assert history.is_file(), f"no history database at {history}"
        secret_scan.secret("the corp password", corp_password)
        secret_scan.notebook(nb.file)
        secret_scan.history(history)
        secret_scan.text("the lab's log", lab.log())
        secret_scan.assert_clean()


# -- 2. the live lookup view ------------------------------------------------------------------


def _rows(table: Locator) -> dict[str, str]:
    """``{requirement: state}`` from the live view's table."""
    rows: dict[str, str] = {}
    for row in table.locator("tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def test_live_lookup_view(notebook_factory: Any) -> None:
    nb: Notebook = notebook_factory(
        [LIVE_SETUP, SOURCE_CELL, "%lookup " + " ".join(PACKAGES)]
    )
    with nb.artifacts_on_failure():
        nb.run(0)
        nb.run(1)
        nb.run(2, wait=False)
        out = nb.output(2)
        bar = out.locator(".widget-hprogress")
        table = out.locator(".jupyter-widgets table")
        # The live phase: a progress bar, three rows answered and delta still asked.
        bar.wait_for(timeout=UI_TIMEOUT)
        expect(bar).to_contain_text("3/4", timeout=UI_TIMEOUT)
        expect(table).to_contain_text("asking corp")
        rows = _rows(table)
        assert rows == {
            "alpha": "1.0.0 from corp",
            "beta": "1.0.0 from corp",
            "gamma": "1.0.0 from corp",
            "delta": "asking corp",
        }, rows
        assert nb.cell(2).locator(".jp-InputArea-prompt").inner_text() == "[*]:"

        # The end: the view is closed and the static result took its place.
        nb.wait_done(2, timeout=CELL_TIMEOUT + STALL * 1000)
        expect(bar).to_have_count(0, timeout=UI_TIMEOUT)
        expect(out.locator(".jupyter-widgets")).to_have_count(0)
        for name in PACKAGES:
            expect(out).to_contain_text(f"{name}: 1.0.0 from corp")


# -- 3. the network log -----------------------------------------------------------------------


def test_netlog_shows_the_requests(notebook_factory: Any) -> None:
    nb: Notebook = notebook_factory(
        [NETLOG_SETUP, SOURCE_CELL, "%netlog", "%lookup acme-utils"]
    )
    with nb.artifacts_on_failure():
        nb.run(0)
        nb.run(1)
        nb.run(2)
        log = nb.output(2)
        log.locator(".jupyter-widgets").first.wait_for(timeout=UI_TIMEOUT)
        expect(log).to_contain_text("0 events", timeout=UI_TIMEOUT)
        nb.run(3)
        expect(nb.output(3)).to_contain_text("acme-utils: 2.0.0 from corp", timeout=UI_TIMEOUT)
        page_line = re.compile(r"\[corp\] GET http://127\.0\.0\.1:\d+/simple/acme-utils/ -> 200")
        expect(log.locator("pre")).to_contain_text(page_line, timeout=UI_TIMEOUT)
        expect(log.locator("pre")).to_contain_text(
            re.compile(r"\[corp\] GET \S+/files/acme_utils-2\.0\.0-py3-none-any\.whl\.metadata")
        )
        expect(log).not_to_contain_text("0 events")
