"""The uploads of a publish (nbext.publish.run): a failure names what was and was not uploaded."""

from __future__ import annotations

import pytest

import nbext
from nbext.publish.publish import PublishError


def test_connection_failure_names_what_was_not_uploaded(proj: nbext.Workspace) -> None:
    proj.config_set("repositories.closed", "http://127.0.0.1:9/legacy/")
    with pytest.raises(PublishError) as info:
        proj.publish("closed")
    text = str(info.value)
    assert text.startswith("Error connecting to repository closed (http://127.0.0.1:9/legacy/)")
    assert "Uploaded: nothing. Not uploaded: demo_pkg-0.1.0.tar.gz, demo_pkg-0.1.0-py3" in text
    attempts = [e for e in proj.events if e.method == "POST"]
    assert len(attempts) == 6  # the network layer's retry loop
