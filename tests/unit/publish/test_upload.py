"""One file through the legacy upload API (nbext.publish.upload): the multipart body parses
back, a retry sends the whole file again (``httpx.MockTransport``).
"""

from __future__ import annotations

import email.parser
import email.policy
from pathlib import Path

import httpx

from nbext.publish.distfiles import form_fields, read_dist
from nbext.publish.upload import post


def _post(
    path: Path, answers: list[httpx.Response], **kw: object
) -> tuple[httpx.Response, list[httpx.Request], list[tuple[int, int]], list[float]]:
    """``post`` through a mock transport: the response, the requests as sent, the progress
    calls and the waits."""
    sent: list[httpx.Request] = []
    seen: list[tuple[int, int]] = []
    slept: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)  # the mock transport has read the body
        return answers[len(sent) - 1]

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        response, _events = post(
            client,
            "https://up.invalid/legacy/",
            form_fields(read_dist(path)),
            path,
            source="up",
            headers={"Authorization": "Basic eDp5"},
            max_retry_after=10.0,
            progress=lambda sent, total: seen.append((sent, total)),
            sleep=slept.append,
            **kw,  # type: ignore[arg-type]
        )
    return response, sent, seen, slept


def test_multipart_body_parses_back(dist: Path) -> None:
    """httpx's multipart body: Poetry's fields in order, then the file as ``content``, with its
    Content-Length; the progress counts the file's bytes as httpx reads them."""
    path = next(dist.glob("*.whl"))
    fields = form_fields(read_dist(path))
    response, [request], seen, _slept = _post(path, [httpx.Response(200)])
    assert response.status_code == 200
    raw = request.content
    assert int(request.headers["content-length"]) == len(raw)
    size = path.stat().st_size
    assert seen[-1] == (size, size) and [s for s, _t in seen] == sorted(s for s, _t in seen)
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + raw
    )
    parts = list(message.iter_parts())
    names = [p.get_param("name", header="content-disposition") for p in parts]
    assert names == [k for k, _v in fields] + ["content"]
    assert [p.get_content() for p in parts[:-1]] == [v for _k, v in fields]
    assert parts[-1].get_filename() == path.name
    assert parts[-1].get_content_type() == "application/octet-stream"
    assert parts[-1].get_payload(decode=True) == path.read_bytes()


def test_upload_retry_sends_the_whole_file_again(dist: Path) -> None:
    """The network layer's retry loop: a 503 is retried after Poetry's wait, with the whole
    body again; a Retry-After over the cap is not waited for (as for GETs)."""
    path = next(dist.glob("*.whl"))
    answers = [httpx.Response(503), httpx.Response(200)]
    response, sent, seen, slept = _post(path, answers)
    assert response.status_code == 200 and slept == [0.5]
    assert [len(r.content) for r in sent] == [int(sent[0].headers["content-length"])] * 2
    size = path.stat().st_size
    assert [s for s, _t in seen].count(size) == 2  # the progress starts again with the retry
    later = httpx.Response(503, headers={"Retry-After": "3600"})
    response, sent, _seen, slept = _post(path, [later])
    assert response.status_code == 503 and len(sent) == 1 and slept == []
    assert "not waiting" in response.extensions["nbext_gave_up"]
