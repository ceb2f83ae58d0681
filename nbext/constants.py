"""Constants that name the public index, the HTTP headers and the texts shared with Poetry.

The public index URLs are never typed here: the simple URL comes from pypi-simple's constant
(``NBEXT_PYPI_URL`` overrides), the upload URL from twine's, distutils' or distlib's
``DEFAULT_REPOSITORY`` (``NBEXT_PYPI_UPLOAD_URL`` overrides); tests point both at local servers.
"""

from __future__ import annotations

import functools
import os

#: Accept header for simple-index pages, as Poetry 2.3+ sends it (PEP 691 JSON preferred).
ACCEPT_SIMPLE = "application/vnd.pypi.simple.v1+json, */*;q=0.1"
#: Accept header for the public index: JSON only, as Poetry sends it.
ACCEPT_PYPI = "application/vnd.pypi.simple.v1+json"
#: The PEP 691 media type. Only this exact type is read as JSON (``application/json`` is not).
JSON_MEDIA_TYPE = "application/vnd.pypi.simple.v1+json"

#: Poetry's name for the public index.
PYPI_NAME = "PyPI"

#: Poetry's notice when a project relies on the implicit public index.
IMPLICIT_PYPI_NOTE = (
    "PyPI is implicitly enabled as a primary source. If you wish to disable it, or alter its "
    "priority please refer to https://python-poetry.org/docs/repositories/#package-sources."
)

#: Default HTTP timeout in seconds (Poetry's ``POETRY_REQUESTS_TIMEOUT`` default).
DEFAULT_TIMEOUT = 15.0


def pypi_simple_url() -> str:
    """The public index's simple URL, with a trailing slash (``NBEXT_PYPI_URL`` overrides)."""
    url = os.environ.get("NBEXT_PYPI_URL") or _library_endpoint()
    return url if url.endswith("/") else url + "/"


def pypi_upload_url() -> str:
    """The public index's upload URL (the legacy API), ``NBEXT_PYPI_UPLOAD_URL`` overrides.

    From twine's ``DEFAULT_REPOSITORY`` when twine is installed, else the same constant of
    distutils (setuptools) or of pip's vendored distlib: every packaging tool carries it.
    """
    url = os.environ.get("NBEXT_PYPI_UPLOAD_URL")
    if not url:
        for module in ("twine.utils", "setuptools._distutils.config", "pip._vendor.distlib.util"):
            url = _library_constant(module, "DEFAULT_REPOSITORY")
            if url:
                break
    if not url:
        raise LookupError(
            "The public index's upload URL is not known here (no twine, setuptools or pip "
            "installed): set NBEXT_PYPI_UPLOAD_URL, or publish with -r NAME"
        )
    return url


@functools.cache
def _library_constant(module: str, name: str) -> str | None:
    """The string constant ``name`` assigned in ``module``'s source (at any level, so a class
    attribute counts), read without importing the module."""
    import ast
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    try:
        with open(spec.origin, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign):
            targets: list[ast.expr] = [node.target]
        elif isinstance(node, ast.Assign):
            targets = node.targets
        else:
            continue
        named = any(isinstance(t, ast.Name) and t.id == name for t in targets)
        value = node.value
        if named and isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return None


def _library_endpoint() -> str:
    """pypi-simple's ``PYPI_SIMPLE_ENDPOINT``, read from its source: importing pypi-simple
    costs 0.5 s (pydantic), which every kernel would pay on its first lookup."""
    found = _library_constant("pypi_simple", "PYPI_SIMPLE_ENDPOINT")
    if found:
        return found
    from pypi_simple import PYPI_SIMPLE_ENDPOINT  # the layout changed: import it after all

    return PYPI_SIMPLE_ENDPOINT


def pypi_json_api_url(name: str, version: str) -> str:
    """The legacy JSON API URL of one release: ``<host>/pypi/<name>/<version>/json``.

    Derived from the simple URL (``.../simple/`` -> ``.../pypi/...``), so ``NBEXT_PYPI_URL``
    moves both.
    """
    from urllib.parse import quote

    simple = pypi_simple_url()
    base = simple[: -len("simple/")] if simple.endswith("/simple/") else simple
    return f"{base}pypi/{quote(name)}/{quote(version)}/json"
