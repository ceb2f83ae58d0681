"""Which file's metadata describes a release, as Poetry chooses it (nbext.index.choice)."""

from __future__ import annotations

from nbext.index.choice import choose_metadata_file
from nbext.index.files import File, group_releases
from nbext.index.reader import parse_project_page


def test_metadata_file_choice_follows_poetry() -> None:
    def page(*names: str) -> list[File]:
        body = "".join(f'<a href="/f/{n}">x</a>' for n in names).encode()
        return parse_project_page("foo", body, content_type="text/html", url="https://i/s/foo/")

    def choose(*names: str) -> str | None:
        chosen = choose_metadata_file(group_releases(page(*names))[0])
        return chosen.filename if chosen else None

    assert (
        choose(
            "foo-1.0.tar.gz",
            "foo-1.0-cp311-cp311-linux_x86_64.whl",
            "foo-1.0-py3-none-any.whl",
            "foo-1.0-py2.py3-none-any.whl",
        )
        == "foo-1.0-py2.py3-none-any.whl"
    )
    # separate py2 and py3 wheels: both are read and merged (choose_metadata_files)
    assert (
        choose("foo-1.0.tar.gz", "foo-1.0-py2-none-any.whl", "foo-1.0-py3-none-any.whl")
        == "foo-1.0-py2-none-any.whl"
    )
    assert (
        choose("foo-1.0.tar.gz", "foo-1.0-cp311-cp311-linux_x86_64.whl")
        == "foo-1.0-cp311-cp311-linux_x86_64.whl"
    )
    assert choose("foo-1.0.zip") == "foo-1.0.zip"
