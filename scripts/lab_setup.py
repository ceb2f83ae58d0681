"""The last step of ``scripts/lab.sh`` before JupyterLab starts: the news pop-up off, and what
was set up, where.

Usage: ``VENV/bin/python scripts/lab_setup.py NOTEBOOKS_DIR`` (the lab's venv's python).

JupyterLab asks on first start "Would you like to get notified about official Jupyter news?"
in a toast over the notebook. ``--LabApp.news_url=None`` (which lab.sh also passes) stops the
feed but not the question; disabling the plugin does. This writes what
``jupyter labextension disable --level=sys_prefix`` writes, into the venv's own
``etc/jupyter/labconfig/page_config.json`` (other keys kept), so neither ``~/.jupyter`` nor
another environment is touched; ``jupyter labextension enable --level=sys_prefix`` with the
plugin's name turns it back on.

Then it prints, from what is installed rather than from what was asked: the venv, nbext's
version and where it comes from, JupyterLab's version, the ``nbext-tutorial`` kernel that
``scripts/tutorial_kernel.py`` registered, and the notebooks directory. The standard library
only.
"""

from __future__ import annotations

import json
import platform
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import unquote, urlsplit

NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"
KERNEL = "nbext-tutorial"


def disable_news(prefix: Path) -> Path:
    """Disable JupyterLab's announcements plugin in ``prefix``'s page config; its path."""
    path = prefix / "etc" / "jupyter" / "labconfig" / "page_config.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    disabled = data.get("disabledExtensions") or {}
    if isinstance(disabled, list):  # JupyterLab 3's spelling: a list of names
        disabled = dict.fromkeys(disabled, True)
    disabled[NEWS_PLUGIN] = True
    data["disabledExtensions"] = disabled
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def _version(name: str) -> str:
    try:
        return distribution(name).version
    except PackageNotFoundError:
        return "not installed"


def _nbext_origin() -> str:
    """Where the venv's nbext comes from: an editable checkout, or installed files."""
    try:
        dist = distribution("nbext")
    except PackageNotFoundError:
        return "not installed"
    direct = dist.read_text("direct_url.json")
    if direct:
        info = json.loads(direct)
        url = urlsplit(info.get("url", ""))
        if info.get("dir_info", {}).get("editable") and url.scheme == "file":
            return f"editable, from {unquote(url.path)}"
    return f"installed in {dist.locate_file('nbext')}"


def _kernel(prefix: Path) -> str:
    spec = prefix / "share" / "jupyter" / "kernels" / KERNEL / "kernel.json"
    if not spec.is_file():
        return f"{KERNEL}: not registered (no {spec})"
    data = json.loads(spec.read_text(encoding="utf-8"))
    return f'{KERNEL} "{data["display_name"]}", python {data["argv"][0]} (tutorial 09)'


def summary(prefix: Path, notebooks: Path, page_config: Path) -> list[str]:
    return [
        "nbext lab: what scripts/lab.sh set up",
        f"  venv        {prefix} (Python {platform.python_version()})",
        f"  nbext       {_version('nbext')}, {_nbext_origin()}",
        f"  JupyterLab  {_version('jupyterlab')}, news pop-up off ({NEWS_PLUGIN} disabled"
        f" in {page_config})",
        f"  kernel      {_kernel(prefix)}",
        f"  notebooks   {notebooks}",
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    prefix = Path(sys.prefix).resolve()
    page_config = disable_news(prefix)
    print("\n".join(summary(prefix, Path(argv[0]).resolve(), page_config)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
