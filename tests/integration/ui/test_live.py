"""Live views (headless ipywidgets: the comm package gives a DummyComm), the event log and
the verbose levels, against real demo index servers on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import nbext
from nbext.demo import Dist, IndexServer
from nbext.demo.response import Response
from nbext.lookup.results import LookupResult
from nbext.net.client import Event
from nbext.ui.html import to_html
from nbext.ui.live import PROGRESS_FROM, LiveLookup, NetLog


@pytest.fixture(autouse=True)
def _close_widgets() -> Iterator[None]:
    yield
    import ipywidgets

    ipywidgets.Widget.close_all()


class SlowIndex(IndexServer):
    """A demo index that answers only once ``gate`` is set (or after 10 s)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()

    def _respond(self, raw_path: str, headers: Message[str, str]) -> Response:
        self.gate.wait(10)
        return super()._respond(raw_path, headers)


@pytest.fixture
def slow() -> Iterator[SlowIndex]:
    server = SlowIndex([Dist("acme", "1.0.0")], name="slow")
    server.start()
    yield server
    server.stop()


class Recorder:
    """An observer that keeps a snapshot of every update: (index, outcomes, done); it opens
    the slow server's gate once the fast source has answered."""

    def __init__(self, gate: threading.Event) -> None:
        self.snapshots: list[tuple[int, dict[str, str], bool]] = []
        self.gate = gate

    def update(self, index: int, result: LookupResult, done: bool) -> None:
        outcomes = {r.source: r.cells(live=not done)[2] for r in result.per_source}
        self.snapshots.append((index, outcomes, done))
        if outcomes.get("fast") == "yes":
            self.gate.set()


def _state(widget: Any) -> str:
    """Every synced trait of a widget and its children, as JSON text."""
    parts = [json.dumps(widget.get_state(), default=str)]
    for child in getattr(widget, "children", ()):
        parts.append(_state(child))
    return "\n".join(parts)


def test_rows_change_as_each_source_answers(
    tmp_path: Path, index_factory: type[IndexServer], slow: SlowIndex
) -> None:
    fast = index_factory([Dist("acme", "2.0.0")], name="fast")
    recorder = Recorder(slow.gate)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("slow", slow.url, "primary")
        ws.add_source("fast", fast.url, "primary")
        ws.add_source("extra", fast.url, "supplemental")
        res = ws.lookup("acme", observer=recorder)
    assert res.chosen is not None and (res.chosen.version, res.chosen.source) == ("2.0.0", "fast")
    states = [s for _, s, _ in recorder.snapshots]
    assert states[0] == {"slow": "waiting", "fast": "waiting", "extra": "waiting"}
    assert {"slow": "asking…", "fast": "asking…", "extra": "waiting"} in states
    # the fast source's row is filled in while the slow one is still being asked
    assert {"slow": "asking…", "fast": "yes", "extra": "waiting"} in states
    index, final, done = recorder.snapshots[-1]
    assert (index, done) == (0, True)
    assert final == {"slow": "yes", "fast": "yes", "extra": "no: a primary source matched"}
    assert sum(1 for _, _, d in recorder.snapshots if d) == 1


def test_live_view_settles_into_the_static_result(
    tmp_path: Path, index_factory: type[IndexServer], slow: SlowIndex
) -> None:
    fast = index_factory([Dist("acme", "2.0.0")], name="fast")
    live = LiveLookup(["acme"], verbosity=2, interval=0.05)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("slow", slow.url, "primary")
        ws.add_source("fast", fast.url, "primary")
        ws.log_sinks.append(live.event)
        seen: list[str] = []

        def watch() -> None:  # opens the gate once the view shows the slow source pending
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and "asking…" not in live.table.value:
                time.sleep(0.01)
            seen.append(live.table.value)
            slow.gate.set()

        watcher = threading.Thread(target=watch)
        watcher.start()
        res = ws.lookup("acme", observer=live)
        watcher.join()
        live.finish()
    assert "asking…" in seen[0]  # the view was live while the slow source was asked
    assert live.table.value == to_html(res)  # ... and ends as the static result
    log = live.log.value
    assert f"[slow] GET {slow.url}acme/ -&gt; 200" in log
    assert f"[fast] GET {fast.url}acme/ -&gt; 200" in log
    assert live.widget.comm is None  # closed: the static result takes its place
    assert repr(live) == (
        "%lookup acme: live view (closed when the lookup ends; the result follows)"
    )


def test_verbose_live_view_shows_where_the_time_goes_per_source(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    """At -v the live view sums, per source, the time and bytes of its pages and of the
    metadata it read (issue 16): a slow or heavy source stands out while the lookup runs."""
    corp = index_factory([Dist("acme", "1.0.0")], name="corp", metadata=False)
    mirror = index_factory([Dist("tool", "2.0.0")], name="mirror")
    live = LiveLookup(["acme", "tool"], verbosity=1, interval=0.01)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", corp.url, "primary")
        ws.add_source("mirror", mirror.url, "primary")
        ws.log_sinks.append(live.event)
        ws.lookup_many(["acme", "tool"], observer=live)
        live.finish()
    assert live.log is None  # -v: no request lines, only the sums
    text = live.timing.value
    for source in ("corp", "mirror"):
        assert f"<td style='text-align:left'>{source}</td>" in text
    # corp has no PEP 658 files: its metadata came from the wheel (range requests), in bytes
    corp_row = text.split("corp</td>", 1)[1].split("</tr>", 1)[0]
    assert "pages " in corp_row and "metadata " in corp_row and " KB" in corp_row
    assert "requests" in corp_row


def test_progress_bar_for_many_requirements(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    names = [f"pkg{i}" for i in range(PROGRESS_FROM + 3)]
    server = index_factory([Dist(n, "1.0") for n in names[:-1]])
    live = LiveLookup(names, interval=0.01)
    assert live.progress is not None and live.progress.max == len(names)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        ws.lookup_many(names, observer=live)
    live.finish()
    assert (live.progress.value, live.progress.description) == (len(names), "6/6")
    assert live.progress.bar_style == "success"
    assert "<td style='text-align:left'>pkg0</td><td style='text-align:left'>1.0 from corp" in (
        live.table.value
    )
    assert f"<td style='text-align:left'>{names[-1]}</td><td style='text-align:left'>nothing" in (
        live.table.value
    )
    assert LiveLookup(names[:PROGRESS_FROM]).progress is None


def test_net_log_gets_events_from_worker_threads_filters_and_clears(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    corp = index_factory([Dist("acme", "1.0")], name="corp")
    mirror = index_factory([Dist("acme", "1.0")], name="mirror")
    view = NetLog(interval=0.01)
    threads: set[str] = set()
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", corp.url, "primary")
        ws.add_source("mirror", mirror.url, "primary")
        ws.log_sinks.append(view.event)
        ws.log_sinks.append(lambda _e: threads.add(threading.current_thread().name))
        ws.lookup_many(["acme", "other"])
        view.close()  # renders nothing more; the lines stay readable
    assert threads and all(t.startswith("nbext") for t in threads)  # the pool's threads
    lines = view.lines()
    assert any(f"[corp] GET {corp.url}acme/ -> 200" in line for line in lines)
    assert any(f"[mirror] GET {mirror.url}other/ -> 404" in line for line in lines)
    assert any("> accept: application/vnd.pypi.simple.v1+json" in line for line in lines)
    # (and the radar's one look at the public index, as every request is in the log)
    assert list(view.filter.options) == ["all sources", "corp", "mirror", "public index"]
    view.filter.value = "mirror"
    assert view.lines() and all("[corp]" not in line for line in view.lines())
    view.clear()
    assert view.lines() == []


def test_events_are_structured_and_redacted(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    secret = "n0t-in-any-log"
    server = index_factory([Dist("acme", "1.0")], auth=("alice", secret))
    server.set_fault("/simple/acme/", status=503, times=1)
    view = NetLog(interval=0.01)
    url = server.url.replace("://", f"://alice:{secret}@")
    with nbext.Workspace(tmp_path, retry_sleep=lambda _s: None) as ws:
        ws.add_source("corp", url, "primary")
        ws.log_sinks.append(view.event)
        res = ws.lookup("acme")
        events = [e for e in ws.events if e.source == "corp"]  # not the radar's
    assert res.chosen is not None
    kinds = [(e.kind, e.status, e.attempt) for e in events][:3]
    assert kinds == [("response", 503, 1), ("retry", None, 1), ("response", 200, 2)]
    assert events[0].http_version == "HTTP/1.1" and events[0].started > 0
    assert "attempt 2" in events[2].line()
    text = "\n".join(view.lines()) + _state(view.widget) + repr(events)
    assert "authorization: ***" in text
    assert secret not in text


def test_redirects_are_one_event_per_hop(tmp_path: Path, index_factory: type[IndexServer]) -> None:
    server = index_factory([Dist("Acme.Utils", "1.0")])
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        ws.lookup("acme_utils")  # the page URL is normalised: no redirect
        ws.http.get(server.url + "Acme.Utils/", source="corp")
        hops = ws.events[-2:]
    assert [e.status for e in hops] == [301, 200]
    assert hops[0].is_redirect and "redirect to /simple/acme-utils/" in hops[0].line()


# -- the magics: verbose levels, the live view in a kernel, %netlog --------------------------------


def _run(ip: InteractiveShell, line: str) -> tuple[str, Any, list[Any]]:
    with capture_output() as cap:
        name, _, rest = line.partition(" ")
        result = ip.run_line_magic(name, rest)
    return cap.stdout, result, cap.outputs


def test_verbose_levels(ip: InteractiveShell, index_factory: type[IndexServer]) -> None:
    corp = index_factory([Dist("acme", "1.0"), Dist("acme", "2.0")], name="corp")
    mirror = index_factory([Dist("acme", "1.5")], name="mirror")
    ip.run_line_magic("source", f"add -p primary corp {corp.url}")
    ip.run_line_magic("source", f"add -p primary mirror {mirror.url}")
    plain, _, _ = _run(ip, "lookup acme")
    assert plain == ""
    v1, _, _ = _run(ip, "lookup acme -v --no-cache")
    assert v1.splitlines() == [
        "Source (corp): 2 packages found for acme * (2 requests)",
        "Source (mirror): 1 packages found for acme * (1 request)",
    ]
    v2, _, _ = _run(ip, "lookup acme -vv --no-cache")
    requests = [line for line in v2.splitlines() if line.startswith("  [")]
    assert [r.split(" -> ")[0] for r in requests] == [
        f"  [corp] GET {corp.url}acme/",
        f"  [corp] GET {corp.base_url}/files/acme-2.0-py3-none-any.whl.metadata",
        f"  [mirror] GET {mirror.url}acme/",
    ]
    assert "> accept" not in v2
    v3, _, _ = _run(ip, "lookup acme -vvv --no-cache")
    assert "Adding repository corp (" in v3
    assert "  * HTTP/1.1" in v3
    assert "  > accept: application/vnd.pypi.simple.v1+json, */*;q=0.1" in v3
    assert "  < content-type: application/vnd.pypi.simple.v1+json" in v3


def test_lookup_in_a_kernel_shows_the_live_view_first(
    ip: InteractiveShell, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbext.magics import base as _magics

    corp = index_factory([Dist("acme", "1.0")], name="corp")
    ip.run_line_magic("source", f"add -p primary corp {corp.url}")
    monkeypatch.setattr(_magics, "in_kernel", lambda _shell: True)
    _, res, outputs = _run(ip, "lookup acme")
    # The view (a widget, without a text that nbval would compare), then, when the lookup
    # ended, its display updated to nothing: a saved notebook keeps only the result.
    view, gone = outputs
    assert list(view.data) == ["application/vnd.jupyter.widget-view+json"]
    assert not view.update and view.transient["display_id"]
    assert gone.update and gone.data == {}
    assert gone.transient == view.transient
    assert res.chosen is not None and res.chosen.version == "1.0"
    # A line that cannot be looked up shows no view at all.
    with pytest.raises(nbext.RequirementError), capture_output() as cap:
        ip.run_line_magic("lookup", "'not a requirement!!'")
    assert cap.outputs == []
    with pytest.raises(nbext.UnknownSourceError), capture_output() as cap:
        ip.run_line_magic("lookup", "acme --source nowhere")
    assert cap.outputs == []
    _, _, outputs = _run(ip, "lookup acme --no-live")
    assert outputs == []
    assert nbext.workspace().log_sinks == []  # the live view's sink is gone afterwards


def test_netlog_magic(
    ip: InteractiveShell, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbext.magics import base as _magics

    corp = index_factory([Dist("acme", "1.0")], name="corp")
    ip.run_line_magic("source", f"add -p primary corp {corp.url}")
    out, _, _ = _run(ip, "netlog")
    assert out == "No requests yet.\n"
    ip.run_line_magic("lookup", "acme")
    out, _, _ = _run(ip, "netlog --source corp")
    assert f"[corp] GET {corp.url}acme/ -> 200" in out
    assert _run(ip, "netlog --source other")[0] == "No requests yet.\n"
    monkeypatch.setattr(_magics, "in_kernel", lambda _shell: True)
    _, view, _ = _run(ip, "netlog")
    assert isinstance(view, NetLog) and len(view.lines()) >= 2  # the session so far
    ip.run_line_magic("lookup", "acme --no-live")
    assert sum(f"[corp] GET {corp.url}acme/" in line for line in view.lines()) == 2
    out, _, _ = _run(ip, "netlog --stop")
    assert out == "Stopped 1 network log.\n"
    assert nbext.workspace().log_sinks == []


def test_a_failing_sink_never_breaks_a_lookup(
    tmp_path: Path, index_factory: type[IndexServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = index_factory([Dist("acme", "1.0")])

    def broken(_event: Event) -> None:
        raise RuntimeError("display gone")

    with nbext.Workspace(tmp_path) as ws, caplog.at_level(logging.ERROR, "nbext.http"):
        ws.add_source("corp", server.url, "primary")
        ws.log_sinks.append(broken)
        res = ws.lookup("acme")
    assert res.chosen is not None
    assert "an event sink failed" in caplog.text
