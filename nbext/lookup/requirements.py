"""What a lookup is asked for: requirements as typed, where their source pin comes from, and
the Python they are looked up for (pure)."""

from __future__ import annotations

import platform
from dataclasses import dataclass

from poetry.core.constraints.version import Version, VersionConstraint
from poetry.core.packages.dependency import Dependency

from nbext.errors import RequirementError

__all__ = ["Pin", "kernel_python_constraint", "parse_requirement"]


@dataclass(frozen=True)
class Pin:
    """Where a requirement's source pin comes from."""

    source: str
    origin: str  # "argument" | "project"
    group: str = "main"


def parse_requirement(text: str) -> Dependency:
    """A PEP 508 requirement (``pkg>=1``) or Poetry's ``pkg@constraint`` form."""
    text = text.strip()
    if not text:
        raise RequirementError("Empty requirement: give a package name, e.g. acme-utils>=1.0")
    try:
        if "@" in text and "://" not in text and " @ " not in text:
            name, _, constraint = text.partition("@")
            if constraint in ("", "latest"):
                constraint = "*"
            return Dependency(name.strip(), constraint.strip())
        fast = _simple_requirement(text)
        return fast if fast is not None else Dependency.create_from_pep_508(text)
    except Exception as exc:
        raise RequirementError(
            f"Invalid requirement {text!r}: {exc}. Use PEP 508 (acme-utils>=1.0) or "
            f"Poetry's form (acme-utils@^1.0)."
        ) from None


def _simple_requirement(text: str) -> Dependency | None:
    """``name[extras] specifiers`` through packaging's parser: poetry-core's PEP 508 parser
    builds a grammar on first use (0.25 s) and takes 2 ms a line. Markers and URLs (None)
    go to poetry-core."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    if req.marker is not None or req.url:
        return None
    try:
        return Dependency(req.name, str(req.specifier) or "*", extras=sorted(req.extras))
    except Exception:  # a specifier poetry-core reads differently: let it say so
        return None


def kernel_python_constraint() -> VersionConstraint:
    """The running interpreter's exact version, used when no project states its Python range."""
    return Version.parse(platform.python_version())
