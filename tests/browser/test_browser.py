"""End to end in a real browser: Chromium (Debian's, driven by Playwright) on a real JupyterLab.

One ``jupyter lab`` serves the whole module (``tests/support/lab.py``: 127.0.0.1, a token, its own
root directory and isolated environment, stopped by its PID with its kernels). Each test
opens one of the tutorials of ``notebooks/`` as it is in the repository (its saved outputs
cleared, so that what the page shows is fresh) in a fresh browser context and runs its code
cells the way a user does (click into the cell, Ctrl+Enter), then checks what the page shows:

1. the credentials tutorial: the password form of ``%config http-basic.corp alice``, typing
   the password into it, Save, and the tutorial's next lookup succeeding with it (the
   ``config_set`` cell that stands in for the typing is skipped, as the tutorial tells a
   user to); the notebook saved by the front end (Ctrl+S), the kernel's IPython history and
   the lab's log hold no trace of the password;
2. the logs tutorial: the live view of its ``%lookup`` of four packages against a stalling
   index (progress bar, one row per requirement) while a request is in flight, and the
   static result that replaces it; then ``%netlog`` showing the requests of the next
   ``%lookup`` as they happen.

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

from tests.support.lab import Lab, chromium_path, copy_notebook, start_lab
from tests.support.paths import NOTEBOOKS_DIR
from tests.support.secret_scan import SecretScan, secret_scan_fixture

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

#: How long the logs tutorial's demo index sits on the ``acme-cli`` page before hanging up.
STALL = 3.0
#: The credentials tutorial takes its demo index's password from here (its section 1).
PASSWORD_ENV = "NBEXT_DEMO_PASSWORD"
NOTEBOOKS = NOTEBOOKS_DIR
CREDENTIALS_TUTORIAL = "03-credentials.ipynb"
LOGS_TUTORIAL = "06-logs-and-live-views.ipynb"


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corp_password() -> str:
    return secrets.token_urlsafe(18)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, corp_password: str) -> Iterator[Lab]:
    """One JupyterLab for the module. The password reaches the kernels only through the
    environment (the credentials tutorial's first cell pops it); the tutorials point Poetry's
    directories at throwaway ones and turn the keyring off there themselves."""
    server = start_lab(tmp_path_factory.mktemp("lab"), {PASSWORD_ENV: corp_password})
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
        # The first cell shown (a tutorial starts with rendered markdown, no editor).
        self.page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=OPEN_TIMEOUT)
        expect(self.page.locator("#jp-main-statusbar")).to_contain_text(
            "Idle", timeout=OPEN_TIMEOUT
        )

    def code_cell(self, start: str, *, after: int = -1) -> int:
        """The index of the first code cell past ``after`` whose source starts with ``start``
        (the tutorial's text picks the cells: an edited tutorial fails here by name)."""
        nb = nbformat.read(self.file, as_version=4)
        for index, cell in enumerate(nb.cells):
            if index > after and cell.cell_type == "code" and cell.source.startswith(start):
                return index
        raise AssertionError(f"{self.path}: no code cell starts with {start!r}")

    def run_code_cells(self, first: int, stop: int, *, skip: tuple[int, ...] = ()) -> None:
        """Run the code cells with ``first <= index < stop`` in order, each to its end."""
        nb = nbformat.read(self.file, as_version=4)
        for index in range(first, stop):
            if nb.cells[index].cell_type == "code" and index not in skip:
                self.run(index)

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
        self.cell(0).click()  # focus in the notebook (a markdown cell has no editor shown)
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
def open_tutorial(
    browser: Browser, lab: Lab, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """``open(filename)``: that tutorial of notebooks/, outputs cleared, in a directory of its
    own under the lab's root, open in a fresh browser context. Afterwards the page is closed
    and the lab's kernels are shut down."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})

    def open_notebook(filename: str) -> Notebook:
        name = re.sub(r"\W+", "-", request.node.name).strip("-")
        path = copy_notebook(lab, name, NOTEBOOKS / filename)
        opened = Notebook(context.new_page(), lab, path, tmp_path / "browser-artifacts")
        with opened.artifacts_on_failure():
            opened.open()
        return opened

    yield open_notebook
    context.close()
    lab.shutdown_kernels()


# -- 1. the credentials tutorial: the password form -------------------------------------------


def test_credentials_tutorial_password_form_and_nothing_leaks(
    open_tutorial: Any, lab: Lab, corp_password: str, secret_scan: SecretScan
) -> None:
    nb: Notebook = open_tutorial(CREDENTIALS_TUTORIAL)
    with nb.artifacts_on_failure():
        form_cell = nb.code_cell("%config http-basic.corp alice")
        stand_in = nb.code_cell("import nbext\n\nnbext.workspace().config_set")
        lookup = nb.code_cell("%lookup acme-private")
        # Everything up to the form, as a reader runs it: the 401, then the environment
        # variables' lookup, then the variables removed again.
        nb.run_code_cells(0, form_cell)
        expect(nb.output(lookup)).to_contain_text("401", timeout=UI_TIMEOUT)
        nb.run(form_cell)
        form = nb.output(form_cell)
        password = form.locator(".jupyter-widgets input[type=password]")
        password.wait_for(timeout=UI_TIMEOUT)
        expect(form).to_contain_text("Password for alice on corp", timeout=UI_TIMEOUT)
        password.click()
        nb.page.keyboard.type(corp_password)
        form.locator("button", has_text="Save").click()
        expect(form).to_contain_text("saved for corp", timeout=UI_TIMEOUT)
        expect(password).to_have_value("")  # Save cleared the field
        expect(password).to_be_disabled()

        # The tutorial goes on without its config_set stand-in: the next lookup (the first
        # one after the form) uses what the form stored.
        after = nb.code_cell("%lookup acme-private", after=form_cell)
        nb.run_code_cells(form_cell + 1, after + 1, skip=(stand_in,))
        expect(nb.output(after)).to_contain_text(
            "acme-private: 1.1.0 from corp", timeout=UI_TIMEOUT
        )
        expect(nb.output(after)).not_to_contain_text("401")

        saved = nb.save()
        # What was saved is what the page showed, so a clean scan means something.
        outputs = json.dumps(saved.cells[after].outputs)
        assert "acme-private: 1.1.0 from corp" in outputs, outputs[:2000]
        assert saved.cells[form_cell].source == "%config http-basic.corp alice"
        assert "Password form for alice on corp" in json.dumps(saved.cells[form_cell].outputs)
        assert saved.cells[stand_in].outputs == []  # really skipped

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


# -- 2. the logs tutorial: the live view and the network log ----------------------------------


def _rows(table: Locator) -> dict[str, str]:
    """``{requirement: state}`` from the live view's table."""
    rows: dict[str, str] = {}
    for row in table.locator("tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def _event_count(log: Locator) -> int:
    """The network log's "N events" counter."""
    found = re.search(r"(\d+) events", log.inner_text())
    assert found, log.inner_text()[:2000]
    return int(found.group(1))


#: The tutorial's stalled lookup: its demo index holds the first request for acme-cli's page
#: for 3 s, then hangs up; nbext (Poetry's rules) retries after 0.5 s and gets the page. So
#: for 3 s the view shows three requirements answered, acme-cli "asking corp" and the bar at
#: 3/4: deterministic, with no sleeping in the test.
STALLED = {
    "acme-utils": "2.1.0 from corp",
    "acme-core": "1.2.0 from corp",
    "acme-ml": "0.3.0 from corp",
    "acme-cli": "asking corp",
}


def test_logs_tutorial_live_view_and_netlog(open_tutorial: Any) -> None:
    nb: Notebook = open_tutorial(LOGS_TUTORIAL)
    with nb.artifacts_on_failure():
        stalled = nb.code_cell("%lookup " + " ".join(STALLED))
        nb.run_code_cells(0, stalled)
        nb.run(stalled, wait=False)
        out = nb.output(stalled)
        bar = out.locator(".widget-hprogress")
        table = out.locator(".jupyter-widgets table")
        # The live phase: a progress bar, three rows answered and acme-cli still asked.
        bar.wait_for(timeout=UI_TIMEOUT)
        expect(bar).to_contain_text("3/4", timeout=UI_TIMEOUT)
        expect(table).to_contain_text("asking corp")
        rows = _rows(table)
        assert rows == STALLED, rows
        assert nb.cell(stalled).locator(".jp-InputArea-prompt").inner_text() == "[*]:"

        # The end: the view is closed and the static result took its place.
        nb.wait_done(stalled, timeout=CELL_TIMEOUT + STALL * 1000)
        expect(bar).to_have_count(0, timeout=UI_TIMEOUT)
        expect(out.locator(".jupyter-widgets")).to_have_count(0)
        for name, state in STALLED.items():
            version = state.split()[0] if name != "acme-cli" else "4.0.0"
            expect(out).to_contain_text(f"{name}: {version} from corp")

        # The network log, then the tutorial's lookup that it follows.
        netlog = nb.code_cell("%netlog")
        refresh = nb.code_cell("%lookup --refresh acme-utils")
        nb.run_code_cells(stalled + 1, netlog + 1)
        log = nb.output(netlog)
        log.locator(".jupyter-widgets").first.wait_for(timeout=UI_TIMEOUT)
        # The log starts with the kernel's requests so far (the tutorial's lookups above).
        expect(log).to_contain_text(re.compile(r"\d+ events"), timeout=UI_TIMEOUT)
        before = _event_count(log)
        assert before > 0
        page_line = re.compile(
            r"\[corp\] GET http://127\.0\.0\.1:\d+/simple/acme-utils/ -> 304 Not Modified"
        )
        expect(log.locator("pre")).not_to_contain_text(page_line)  # a miss so far, not a 304
        nb.run_code_cells(netlog + 1, refresh + 1)
        expect(nb.output(refresh)).to_contain_text(
            "acme-utils: 2.1.0 from corp", timeout=UI_TIMEOUT
        )
        expect(log.locator("pre")).to_contain_text(page_line, timeout=UI_TIMEOUT)
        expect(log.locator("pre")).to_contain_text(
            re.compile(
                r"\[corp\] GET \S+/files/acme_utils-2\.1\.0-py3-none-any\.whl\.metadata -> 304"
            )
        )
        expect(log).to_contain_text(f"{before + 2} events", timeout=UI_TIMEOUT)
        # The rest of the tutorial, its clean-up included, runs in the browser too.
        nb.run_code_cells(refresh + 1, len(nbformat.read(nb.file, as_version=4).cells))
