"""What ``%publish`` did: each file's outcome, the result as Poetry prints it, and the error
that stops a publish with what was uploaded before it did."""

from __future__ import annotations

import html
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

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td><code>{e(f.name)}</code></td><td>{f.size:,}</td>"
            f"<td><code>{e(f.sha256[:12])}</code></td><td>{e(f.state)}</td>"
            f"<td>{e(f.detail)}</td></tr>"
            for f in self.files
        )
        head = (
            f"<p>{'Dry run: would publish' if self.dry_run else 'Publishing'} "
            f"<b>{e(self.project)}</b> ({e(self.version)}) to <b>{e(self.repository)}</b> "
            f"<code>{e(self.url)}</code></p>"
        )
        warn = "".join(f"<p style='color:#a60'>{e(w)}</p>" for w in self.warnings)
        notes = "".join(f"<li>{e(n)}</li>" for n in self.notes)
        link = (
            f"<p>Project page: <a href='{e(self.project_url)}' target='_blank'>"
            f"{e(self.project_url)}</a></p>"
            if self.project_url
            else ""
        )
        build = (
            f"<details><summary>Build output</summary><pre style='max-height:20em;"
            f"overflow:auto'>{e(self.build_output)}</pre></details>"
            if self.build_output
            else ""
        )
        table = (
            "<table><tr><th>file</th><th>bytes</th><th>sha256</th><th>result</th>"
            f"<th></th></tr>{rows}</table>"
        )
        return f"<div>{warn}{head}{build}{table}<ul>{notes}</ul>{link}</div>"
