"""The public index's URLs come from library constants (nbext.constants)."""

from __future__ import annotations

import pytest

from nbext.constants import _library_endpoint, pypi_json_api_url, pypi_upload_url


def test_public_index_url_is_pypi_simples_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypi_simple import PYPI_SIMPLE_ENDPOINT

    assert _library_endpoint() == PYPI_SIMPLE_ENDPOINT  # read from its source, not imported
    monkeypatch.setenv("NBEXT_PYPI_URL", "http://127.0.0.1:1/simple")
    assert pypi_json_api_url("acme", "1.0") == "http://127.0.0.1:1/pypi/acme/1.0/json"


def test_upload_url_comes_from_a_library_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBEXT_PYPI_UPLOAD_URL")
    url = pypi_upload_url()
    assert url.startswith("https://") and url.endswith("/legacy/")
    monkeypatch.setenv("NBEXT_PYPI_UPLOAD_URL", "http://127.0.0.1:1/legacy/")
    assert pypi_upload_url() == "http://127.0.0.1:1/legacy/"
