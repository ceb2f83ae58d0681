"""Faults injected into uploads: a reset, a status then a retry, a truncated answer; the
connection stays usable.
"""

from __future__ import annotations

import http.client

import pytest

from nbext.demo import Dist, IndexServer
from tests.support.uploads import (
    AUTH,
    TIMEOUT,
    WIDGETS,
    encode_multipart,
    get,
    simple_json,
    upload,
    upload_form,
)

# -- faults ---------------------------------------------------------------------------


def test_reset_fault_interrupts_the_upload(server: IndexServer) -> None:
    big = Dist("acme-widgets", "2.0", payload=2 * 1024 * 1024)  # more than socket buffers
    form = upload_form(big)
    server.set_fault("/legacy/", action="reset", times=1)
    with pytest.raises(ConnectionError):
        upload(server, *form)
    [record] = server.uploads
    assert (record.status, record.fault, record.filename) == (0, "reset", None)
    assert server.requests[-1].fault == "reset"
    assert get(server, "/simple/acme-widgets/").status == 404
    # the fault is used up: the retry goes through
    assert upload(server, *form).status == 200
    assert simple_json(server, "acme-widgets")["versions"] == ["2.0"]


def test_reset_fault_on_a_small_upload(server: IndexServer) -> None:
    server.set_fault("/legacy/", action="reset", times=1)
    with pytest.raises(ConnectionError):
        upload(server, *upload_form(WIDGETS))
    assert get(server, "/simple/acme-widgets/").status == 404


def test_status_fault_then_retry_succeeds(server: IndexServer) -> None:
    form = upload_form(WIDGETS)
    server.set_fault("/legacy/", status=503, body=b"try again later", times=1)
    first = upload(server, *form)
    assert (first.status, first.body) == (503, b"try again later")
    assert get(server, "/simple/acme-widgets/").status == 404
    assert upload(server, *form).status == 200
    assert [(u.status, u.fault) for u in server.uploads] == [(503, "respond"), (200, None)]
    posts = [(r.status, r.fault) for r in server.requests if r.method == "POST"]
    assert posts == [(503, "respond"), (200, None)]


def test_fault_keeps_the_connection_usable(server: IndexServer) -> None:
    """A ``respond`` fault reads the body first, so keep-alive still works."""
    server.set_fault("/legacy/", status=500, times=2)
    body, content_type = encode_multipart(*upload_form(WIDGETS))
    headers = {"Content-Type": content_type, "Authorization": AUTH}
    conn = http.client.HTTPConnection("127.0.0.1", server.bound_port, timeout=TIMEOUT)
    try:
        statuses = []
        for _ in range(3):
            conn.request("POST", "/legacy/", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
        assert statuses == [500, 500, 200]
    finally:
        conn.close()


def test_truncate_fault_stores_but_cuts_the_answer(server: IndexServer) -> None:
    """With an empty body, ``truncate`` lets the upload through and loses its answer."""
    server.set_fault("/legacy/", action="truncate", times=1)
    with pytest.raises(http.client.IncompleteRead):
        upload(server, *upload_form(WIDGETS))
    assert simple_json(server, "acme-widgets")["versions"] == ["1.0"]
    again = upload(server, *upload_form(WIDGETS))
    assert again.status == 400 and again.reason.startswith("File already exists")
