"""``%publish`` to devpi keeps credentials on the upload's origin: a check on another origin, a
same-named source elsewhere, a redirect and a typed password get none; a source-only name
uses its certificates.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

from nbext.demo import IndexServer
from tests.support.devpi import USER_PASSWORD as PASSWORD
from tests.support.devpi import Indexes
from tests.support.devpi import configure_repository as _repository
from tests.support.workspaces import open_workspace as _ws

# -- 2: the upload password goes to the upload URL's origin only ---------------------------------


def test_check_on_another_origin_gets_no_credentials(
    config_dir: Path, project: Path, indexes: Indexes, index_factory: type[IndexServer]
) -> None:
    recorder = index_factory(name="elsewhere")
    ws = _ws(project)
    _repository(ws, indexes, "dev")
    result = ws.publish("dev", check_url=recorder.url)
    assert result.uploaded  # the upload itself was authenticated
    seen = recorder.project_requests("demo-pkg")
    assert seen and not any(r.has_auth for r in seen)


def test_a_same_named_source_on_another_origin_gets_no_upload_password(
    config_dir: Path, project: Path, indexes: Indexes, index_factory: type[IndexServer]
) -> None:
    """``repositories.dev`` is devpi, a source ``dev`` is elsewhere: the check there goes
    without ``http-basic.dev``, which is for the upload URL's origin."""
    recorder = index_factory(name="elsewhere")
    ws = _ws(project)
    ws.add_source("dev", recorder.url, "explicit")
    _repository(ws, indexes, "dev")
    # A lookup on the source sends it http-basic.dev, as Poetry's would: that is the user's
    # configuration for the source. The publish's check is another matter.
    ws.lookup("demo-pkg", source="dev")
    recorder.clear_log()
    result = ws.publish("dev")
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    seen = recorder.project_requests("demo-pkg")
    assert seen and not any(r.has_auth for r in seen)


def test_a_redirect_from_the_upload_origin_drops_the_credentials(
    config_dir: Path, project: Path, index_factory: type[IndexServer]
) -> None:
    user = "bob"
    corp = index_factory(name="corp", upload=True, upload_auth=(user, PASSWORD))
    recorder = index_factory(name="elsewhere")
    corp.set_fault(
        "/simple/demo-pkg/", status=302, headers={"Location": recorder.url + "demo-pkg/"}
    )
    ws = _ws(project)
    ws.add_source("corp", corp.url, "explicit")
    ws.config_set("repositories.corp", corp.upload_url)
    ws.config_set("http-basic.corp", user, PASSWORD)
    result = ws.publish("corp")
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    checked = corp.project_requests("demo-pkg")
    assert checked and all(r.has_auth for r in checked)  # on the upload origin: sent
    seen = recorder.project_requests("demo-pkg")
    assert seen and not any(r.has_auth for r in seen)  # after the redirect: not
    hops = [e.status for e in ws.events if e.method == "GET" and "demo-pkg" in e.url]
    assert hops[:2] == [302, 404]  # both hops are in %netlog
    assert all(PASSWORD not in e.line() + repr(e) for e in ws.events)


def test_the_typed_password_never_leaves_the_upload_origin(
    config_dir: Path, project: Path, indexes: Indexes, index_factory: type[IndexServer]
) -> None:
    recorder = index_factory(name="elsewhere")
    ws = _ws(project)
    ws.add_source("dev", recorder.url, "explicit")
    ws.config_set("repositories.dev", indexes.upload_url("dev"))
    result = ws.publish("dev", username=indexes.user, password=PASSWORD)
    assert len(result.uploaded) == 2
    assert not any(r.has_auth for r in recorder.requests)
    assert all(PASSWORD not in e.line() + repr(e) for e in ws.events)


# -- 19 (TLS): a source-only name gets its certificates.NAME, as in Poetry ---------------------


def test_a_source_only_name_uses_its_certificates(
    config_dir: Path,
    project: Path,
    index_factory: type[IndexServer],
    ca: trustme.CA,
    pems: dict[str, Path],
) -> None:
    """An HTTPS index whose CA only ``certificates.secure.cert`` names; ``secure`` is a source
    whose URL is the upload URL."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    secure = index_factory(name="secure", upload=True, ssl_context=ctx)
    ws = _ws(project)
    ws.add_source("secure", secure.upload_url, "explicit")
    ws.config_set("certificates.secure.cert", str(pems["ca"]))
    result = ws.publish("secure")
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    assert [u.status for u in secure.uploads] == [200, 200]
