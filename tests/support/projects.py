"""Sample projects and pyproject.toml texts for the tests.

* :func:`write_project` writes a small package: a module, a README (reStructuredText that
  renders, reStructuredText that does not, or Markdown) and a ``pyproject.toml`` whose build
  backend is either poetry-core (installed next to nbext: ``python -m build --no-isolation``
  works offline) or an in-tree, standard-library-only PEP 517 backend (``backend-path``, no
  build requirements: an *isolated* ``python -m build`` works offline too); the ``built``
  fixture builds it once per module and :func:`copy_built` gives a test its own copy.
* :func:`project` writes a ``pyproject.toml`` text (:data:`P`, a minimal one;
  :data:`COMMENTED`, one with comments and sources that edits must keep) and :func:`toml`
  reads a TOML file back.
* :func:`corp_project` is a project with one primary source ``corp`` that Poetry locks or
  installs and nbext looks up side by side.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Literal

__all__ = [
    "COMMENTED",
    "IN_TREE_BACKEND",
    "P",
    "copy_built",
    "corp_project",
    "project",
    "toml",
    "write_project",
]

README_OK = "Demo package\n============\n\nA *small* package used by the nbext tests.\n"
# An unterminated inline literal and a bad title underline: docutils errors, not warnings.
README_BROKEN = "Demo package\n===\n\nSee ``this.\n\n.. unknown-directive:: x\n"
README_MD = "# Demo package\n\nA *small* package used by the nbext tests.\n"
#: A complete PEP 517 backend (sdist and wheel) using only the standard library.
IN_TREE_BACKEND = r'''
"""A minimal PEP 517 backend: builds an sdist and a py3-none-any wheel, stdlib only."""

import base64
import hashlib
import io
import os
import re
import tarfile
import tomllib
import zipfile


def _project():
    with open("pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]


def _dist_name(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata(project):
    readme = project.get("readme", "README.rst")
    ctype = "text/markdown" if readme.endswith(".md") else "text/x-rst"
    with open(readme, encoding="utf-8") as fh:
        body = fh.read()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project.get('description', '')}",
    ]
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    for c in project.get("classifiers", []):
        lines.append(f"Classifier: {c}")
    lines.append(f"Description-Content-Type: {ctype}")
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


def _package_files():
    out = []
    for root, _dirs, files in os.walk("src"):
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(root, f)
                out.append((os.path.relpath(path, "src"), path))
    return sorted(out)


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    base = f"{_dist_name(project['name'])}-{project['version']}"
    path = os.path.join(sdist_directory, base + ".tar.gz")
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data):
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size, info.mtime, info.mode = len(data), 1700000000, 0o644
            tar.addfile(info, io.BytesIO(data))
        add("PKG-INFO", _metadata(project))
        names = ["pyproject.toml", "backend.py", project.get("readme", "README.rst")]
        names += [p for _rel, p in _package_files()]
        for name in names:
            with open(name, "rb") as fh:
                add(name.replace(os.sep, "/"), fh.read())
    return os.path.basename(path)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    dist = f"{_dist_name(project['name'])}-{project['version']}"
    path = os.path.join(wheel_directory, dist + "-py3-none-any.whl")
    records = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, data):
            z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append(f"{name},sha256={digest.decode()},{len(data)}")
        for rel, src in _package_files():
            with open(src, "rb") as fh:
                add(rel.replace(os.sep, "/"), fh.read())
        add(f"{dist}.dist-info/METADATA", _metadata(project))
        wheel = "Wheel-Version: 1.0\nGenerator: in-tree\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        add(f"{dist}.dist-info/WHEEL", wheel.encode())
        records.append(f"{dist}.dist-info/RECORD,,")
        z.writestr(zipfile.ZipInfo(f"{dist}.dist-info/RECORD", (2024, 1, 1, 0, 0, 0)),
                   "\n".join(records) + "\n")
    return os.path.basename(path)
'''


def write_project(
    root: Path,
    *,
    name: str = "demo-pkg",
    version: str = "0.1.0",
    readme: Literal["rst", "broken-rst", "md"] = "rst",
    backend: Literal["poetry-core", "in-tree"] = "poetry-core",
) -> Path:
    """A buildable project in ``root`` (created); returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    module = name.replace("-", "_").lower()
    readme_name = "README.md" if readme == "md" else "README.rst"
    text = {"rst": README_OK, "broken-rst": README_BROKEN, "md": README_MD}[readme]
    (root / readme_name).write_text(text, encoding="utf-8")
    pkg = root / "src" / module
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text(f'__version__ = "{version}"\n', encoding="utf-8")
    if backend == "poetry-core":
        build_system = (
            '[build-system]\nrequires = ["poetry-core>=2.0"]\n'
            'build-backend = "poetry.core.masonry.api"\n'
        )
        extra = f'\n[tool.poetry]\npackages = [{{ include = "{module}", from = "src" }}]\n'
    else:
        build_system = (
            '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        )
        (root / "backend.py").write_text(IN_TREE_BACKEND, encoding="utf-8")
        extra = ""
    (root / "pyproject.toml").write_text(
        "[project]\n"
        f'name = "{name}"\n'
        f'version = "{version}"\n'
        'description = "A demo package"\n'
        f'readme = "{readme_name}"\n'
        'requires-python = ">=3.9"\n'
        'keywords = ["demo", "nbext"]\n'
        'classifiers = ["Programming Language :: Python :: 3", "Topic :: Software Development"]\n'
        '\n[project.urls]\nHomepage = "https://example.invalid/demo"\n'
        'Source = "https://example.invalid/demo/src"\n\n' + build_system + extra,
        encoding="utf-8",
    )
    return root


def toml(path: Path) -> dict[str, object]:
    """A TOML file as a dict."""
    return tomllib.loads(path.read_text())


#: A minimal PEP 621 pyproject.toml.
P = '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'


def project(where: Path, text: str) -> Path:
    """``where/pyproject.toml`` with ``text`` (``where`` is created)."""
    where.mkdir(parents=True, exist_ok=True)
    path = where / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


COMMENTED = """\
# My project. Comments and formatting must survive nbext's edits.
[project]
name = "app"   # the name
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
    "numpy>=1.26",  # numerics
]

[tool.poetry]
package-mode = false

# Company index: keep this comment
[[tool.poetry.source]]
name = "corp"  # internal
url = "https://pypi.corp.example/simple/"
priority = "primary"

[[tool.poetry.source]]
name = "mirror"
url = "https://mirror.example/simple/"
priority = "supplemental"

[tool.ruff]
line-length = 88
"""


def corp_project(where: Path, url: str, *dependencies: str) -> Path:
    """A non-package project in ``where`` (created) whose one source, ``corp``, is the primary
    ``url``, depending on ``dependencies`` (any version): what Poetry locks or installs and
    nbext looks up side by side."""
    where.mkdir(parents=True, exist_ok=True)
    deps = "".join(f'{name} = "*"\n' for name in dependencies)
    (where / "pyproject.toml").write_text(
        '[project]\nname = "interop"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n\n'
        "[tool.poetry]\npackage-mode = false\n\n"
        f'[[tool.poetry.source]]\nname = "corp"\nurl = "{url}"\npriority = "primary"\n\n'
        "[tool.poetry.dependencies]\n" + deps,
        encoding="utf-8",
    )
    return where


def copy_built(tmp_path: Path, built: Path) -> Path:
    """A copy of a built project (the ``built`` fixture) in ``tmp_path/demo``."""
    root = tmp_path / "demo"
    shutil.copytree(built, root)
    return root
