"""A table of odd distribution file names, and what nbext lists of them on an HTML page and on
a PEP 691 JSON page (the unit tests and the comparison with Poetry share them).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from nbext.index.reader import read_project_page

BIG = "9" * 5000
#: File names, all meant for project ``robpkg`` (some fail to be, as Poetry reads them).
ODD_NAMES = (
    # wheels
    "robpkg-9.0-py3-none-any.whl",
    "robpkg-9.0-1-py3-none-any.whl",  # build tag
    "robpkg-9.0-1a-py3-none-any.whl",  # a build tag starting with a digit
    "robpkg-1.0.0-0-py3-none-any.whl",
    "robpkg-9.0-1-2-3-py3-none-any.whl",  # too many parts: another project's name
    "robpkg-9.0.0-foo-py3-none-any.whl",  # a build tag that does not start with a digit
    "robpkg-9.0.whl",  # no tags: Poetry's generic pattern takes it as 9.0
    "robpkg-9.0-py3-none.whl",  # too few tags
    "robpkg-9.0-py3-none-any-extra.whl",
    "Robpkg-9.1-py3-none-any.whl",  # uppercase name
    "ROB_PKG-9.0-py3-none-any.whl",  # another project (rob-pkg)
    "robpkg-9.0-py2.py3-none-any.whl",
    "robpkg-9.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "robpkg-2.0.0-cp39-abi3-macosx_10_9_universal2.whl",
    "robpkg-9.0+local.1-py3-none-any.whl",  # local version
    "robpkg-1!9.0-py3-none-any.whl",  # epoch
    "robpkg-9.0.post1-py3-none-any.whl",
    "robpkg-9.0.dev3-py3-none-any.whl",
    "robpkg-9.0rc1-py3-none-any.whl",
    "robpkg-9.0.dev0+abc.def-py3-none-any.whl",
    "robpkg-9.0-py3-none-any.WHL",  # extensions are case-sensitive
    "robpkg-9.0-py3-none-any.whl.metadata",
    # sdists
    "robpkg-9.2.tar.gz",
    "robpkg-9.3.zip",
    "robpkg-9.4.tar.bz2",
    "robpkg-9.5.tar.xz",
    "robpkg-9.6.tar.Z",
    "robpkg-9.7.tar",
    "robpkg-9.0.tgz",
    "robpkg-9.0.TAR.GZ",
    "robpkg-9.0.Tar.gz",
    "ROBPKG-9.0.ZIP",
    "robpkg-9.8.sdist.tar.gz",
    "robpkg-9.0-2.tar.gz",  # a dash in the version: another project (robpkg-9-0)
    "robpkg-9.0-beta.tar.gz",  # the generic pattern, and PEP 440 reads 9.0-beta as 9.0b0
    "robpkg-9.0a.tar.gz",
    "robpkg-9.0_1.tar.gz",
    "robpkg-9.0 (1).tar.gz",
    "robpkg-9.0.win32.zip",
    "robpkg-9.0.linux-x86_64.tar.gz",  # bdist_dumb
    "robpkg-9.0.0.0.0.0.tar.gz",
    "robpkg-v9.0.tar.gz",
    "robpkg-dev-9.0.tar.gz",  # another project (robpkg-dev)
    "rob.pkg-9.0.tar.gz",
    "robpkg_-9.0.tar.gz",
    "robpkg--9.0.tar.gz",
    "robpkg.tar.gz",
    "-9.0.tar.gz",
    "robpkg-notaversion.tar.gz",
    "robpkg-9.0.zip.zip",
    "robpkg-\u0669.0.tar.gz",  # an Arabic-Indic digit: re's \d matches it
    # other formats Poetry drops
    "robpkg-9.0.egg",
    "robpkg-9.0-py3.11.egg",
    "robpkg-9.0.exe",
    "robpkg-9.0.win-amd64.msi",
    "robpkg-9.0-1.noarch.rpm",
    "robpkg-9.0.tar.gz.asc",
    # a version Python cannot convert (Poetry fails the whole page; nbext skips the file)
    f"robpkg-1.{BIG}.tar.gz",
)


def listed(filename: str, project: str, api: str) -> list[str]:
    """The versions nbext lists for ``project`` on a page with this one file."""
    if api == "html":
        body = f'<a href="/files/{quote(filename)}">{filename}</a>'.encode()
        content_type = "text/html"
    else:
        doc = {
            "meta": {"api-version": "1.1"},
            "name": project,
            "files": [{"filename": filename, "url": f"/files/{quote(filename)}", "hashes": {}}],
        }
        body = json.dumps(doc).encode()
        content_type = "application/vnd.pypi.simple.v1+json"
    page = read_project_page(
        project, body, content_type=content_type, url=f"https://i.example/simple/{project}/"
    )
    return [f.version.text for f in page.files]
