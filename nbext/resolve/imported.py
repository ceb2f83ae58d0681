"""After an install into the running kernel: what the kernel has to be told.

Python keeps an imported module for the life of the process: once ``acme_utils`` 1.0.0 is in
``sys.modules``, installing 2.1.0 changes the files on disk, not the module in memory (and a
later ``import acme_utils.sub`` would mix the two). :func:`restart_needed` names each such
project, with the module concerned and the versions, so ``%install`` can say "restart the
kernel"; :func:`refresh` makes the kernel's next imports see the new files.

A project's top-level modules come from its metadata (``top_level.txt``, else its ``RECORD``),
the way ``importlib.metadata.packages_distributions()`` reads them, but only for the projects
that changed.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = ["messages", "refresh", "restart_needed", "top_level_modules"]


def refresh() -> None:
    """Forget the import system's cached folder listings, so new files are found."""
    importlib.invalidate_caches()


def top_level_modules(name: str) -> list[str]:
    """The top-level modules the installed project ``name`` provides (empty if not installed)."""
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return []
    declared = (dist.read_text("top_level.txt") or "").split()
    if declared:
        return sorted(set(declared))
    found: set[str] = set()
    for file in dist.files or ():
        parts = file.parts
        if not parts or ".." in parts or parts[0].endswith((".dist-info", ".egg-info")):
            continue
        if len(parts) == 1:
            stem, dot, ext = parts[0].partition(".")
            if dot and (ext == "py" or ext.endswith(("so", "pyd"))):
                found.add(stem)
        elif parts[0] != "__pycache__" and parts[0].isidentifier():
            found.add(parts[0])
    return sorted(found)


def restart_needed(
    before: Mapping[str, str],
    after: Mapping[str, str],
    *,
    modules: Mapping[str, object] | None = None,
    provides: Callable[[str], Iterable[str]] = top_level_modules,
) -> list[str]:
    """One message per project whose version changed (or that was removed) while one of its
    modules is imported; empty when the kernel can go on.

    ``before`` and ``after`` are ``{name: version}`` (as
    :meth:`~nbext.resolve.environment.TargetEnvironment.installed` gives them), taken around
    the install. ``modules`` is ``sys.modules`` unless given; ``provides`` maps a project to
    its top-level modules (by default from the installed metadata).
    """
    loaded = sys.modules if modules is None else modules
    old: dict[str, str] = {canonicalize_name(k): v for k, v in before.items()}
    new: dict[str, str] = {canonicalize_name(k): v for k, v in after.items()}
    imported: dict[str, list[str]] = {}
    for name in sorted(old):
        if new.get(name) == old[name]:
            continue
        tops = list(provides(name)) if name in new else []
        if not tops:  # removed, or no metadata: the module named like the project
            guess = re.sub(r"[-_.]+", "_", name)
            tops = [guess] if _gone(loaded.get(guess)) or name in new else []
        hits = [m for m in tops if _is_imported(m, loaded)]
        if hits:
            imported[name] = hits
    return messages(old, new, imported)


def messages(
    before: Mapping[str, str], after: Mapping[str, str], imported: Mapping[str, list[str]]
) -> list[str]:
    """The sentences for ``imported`` (``{project: [its imported top-level modules]}``)."""
    out = []
    for name, mods in sorted(imported.items()):
        old, new = before[name], after.get(name)
        which = ", ".join(f"`{m}`" for m in mods)
        if new is None:
            out.append(
                f"{name} {old} was removed while {which} {old} is imported: restart the kernel "
                "to stop using it."
            )
            continue
        verb = "upgraded" if _newer(new, old) else "downgraded"
        out.append(
            f"{name} was {verb} from {old} to {new} while {which} {old} is imported: restart "
            f"the kernel to use {new}."
        )
    return out


def _is_imported(module: str, loaded: Mapping[str, object]) -> bool:
    if module in loaded:
        return True
    prefix = module + "."
    return any(key.startswith(prefix) for key in loaded)


def _gone(module: object) -> bool:
    """A loaded module whose file is no longer on disk (its project was removed)."""
    path = getattr(module, "__file__", None)
    return isinstance(path, str) and not os.path.exists(path)


def _newer(a: str, b: str) -> bool:
    try:
        return Version(a) > Version(b)
    except InvalidVersion:
        return a > b
