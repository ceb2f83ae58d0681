"""What ``%publish`` did: each file's outcome, the result as Poetry prints it, and the error
that stops a publish with what was uploaded before it did."""

from __future__ import annotations

from dataclasses import dataclass, field

from nbext.errors import PublishError
from nbext.report import TextLines

__all__ = ["FileOutcome", "PublishError", "PublishResult"]


@dataclass
class FileOutcome:
    name: str
    size: int
    sha256: str
    state: str = "pending"  # uploaded | skipped | checked (dry run) | failed | not uploaded
    detail: str = ""
    elapsed: float = 0.0


@dataclass(repr=False)
class PublishResult(TextLines):
    """What ``%publish`` did, as Poetry prints it plus nbext's lines."""

    project: str
    version: str
    repository: str  # as Poetry shows it: "PyPI" or the name
    url: str  # the upload URL, redacted
    dry_run: bool = False
    files: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    build_output: str | None = None
    project_url: str | None = None

    @property
    def uploaded(self) -> list[str]:
        return [f.name for f in self.files if f.state == "uploaded"]

    def lines(self) -> list[str]:
        out = [*self.warnings, f"Publishing {self.project} ({self.version}) to {self.repository}"]
        for f in self.files:
            if f.state == "skipped":
                out.append(f" - Uploading {f.name} File exists. Skipping")
            elif f.state in ("uploaded", "checked"):
                out.append(f" - Uploading {f.name} 100%")
            elif f.state == "failed":
                out.append(f" - Uploading {f.name} FAILED")
            elif f.state == "not uploaded":
                out.append(f" - {f.name}: not uploaded")
        out += self.notes
        if self.dry_run:
            out.append("Dry run: nothing was uploaded.")
        if self.project_url:
            out.append(f"Project page: {self.project_url}")
        return out
