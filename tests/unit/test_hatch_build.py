"""hatch_build.py, the build hook that turns README.md into the long description of the index."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import pytest

from tests.support.paths import REPO_ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nbext_hatch_build", REPO_ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load()
FILES = "https://code.invalid/nbext/blob/v1.2.0/"

TEXT = """\
# t

See [`01-sources`](notebooks/01-sources.ipynb), [docs](./docs/a.md "Docs"), ![logo](img/l.png),
[site](https://example.org/x), [mail](mailto:a@b.c), [up](#t) and [ref][r].

```python
x = [a](notebooks/not-a-link.ipynb)
```

[r]: docs/ref.md
"""


def _targets(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)", text)


def test_relative_links_become_absolute_under_files_url() -> None:
    out = hook.index_readme(TEXT, FILES)
    assert (
        "[`01-sources`](https://code.invalid/nbext/blob/v1.2.0/notebooks/01-sources.ipynb)" in out
    )
    assert '[docs](https://code.invalid/nbext/blob/v1.2.0/docs/a.md "Docs")' in out
    assert "![logo](https://code.invalid/nbext/blob/v1.2.0/img/l.png)" in out
    assert "[r]: https://code.invalid/nbext/blob/v1.2.0/docs/ref.md" in out
    # Kept: absolute links, other schemes, anchors, and code blocks.
    assert "[site](https://example.org/x)" in out and "[mail](mailto:a@b.c)" in out
    assert "[up](#t)" in out
    assert "x = [a](notebooks/not-a-link.ipynb)" in out
    prose = out.split("```")[0] + out.split("```")[2]
    assert [t for t in _targets(prose) if hook.is_relative(t)] == []


def test_without_files_url_relative_links_become_text_naming_the_path() -> None:
    out = hook.index_readme(TEXT, "")
    assert "`01-sources` (`notebooks/01-sources.ipynb`)" in out
    assert "docs (`./docs/a.md`)" in out
    assert "[site](https://example.org/x)" in out and "[up](#t)" in out
    assert "x = [a](notebooks/not-a-link.ipynb)" in out  # code is left alone
    same = "[`docs/`](docs/)"
    assert hook.index_readme(same, "") == "`docs/`"  # the text already names the path


def test_the_readme_keeps_no_relative_link_either_way() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert [t for t in _targets(readme) if hook.is_relative(t)], "README has relative links"
    for files_url in ("", FILES):
        out = hook.index_readme(readme, files_url)
        fences = out.split("```")
        prose = "".join(fences[::2])
        assert [t for t in _targets(prose) if hook.is_relative(t)] == [], files_url
        assert "".join(fences[1::2]) == "".join(readme.split("```")[1::2])  # code unchanged


def test_files_url_takes_the_version_and_must_be_https() -> None:
    assert hook.files_url_for("", "1.0") == ""
    assert (
        hook.files_url_for("https://h.invalid/b/v{version}/", "1.0") == "https://h.invalid/b/v1.0/"
    )
    for bad in ("http://h.invalid/", "docs/", "//h.invalid/"):
        with pytest.raises(ValueError, match="https"):
            hook.files_url_for(bad, "1.0")
