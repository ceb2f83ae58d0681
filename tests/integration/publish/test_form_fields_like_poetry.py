"""The upload form's fields are the ones Poetry 2.5.1's own ``Uploader`` sends for the same file
(run in Poetry's venv).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from nbext.publish.distfiles import form_fields, read_dist


def test_form_fields_are_poetrys(dist: Path, poetry: Path) -> None:
    """Field for field what Poetry 2.5.1's ``Uploader.post_data`` sends (run in its venv)."""
    python = poetry.parent / "python"
    script = (
        "import json, sys; from pathlib import Path;"
        "from poetry.publishing.uploader import Uploader;"
        "d = Uploader.post_data(Path(sys.argv[1]));"
        "d.update({':action': 'file_upload', 'protocol_version': '1'});"
        "out = [];"
        "[out.extend((k, str(x)) for x in v) if isinstance(v, (list, tuple))"
        " else out.append((k, str(v))) for k, v in d.items() if v is not None];"
        "print(json.dumps(out))"
    )
    for path in sorted(dist.iterdir()):
        proc = subprocess.run(
            [str(python), "-c", script, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        theirs = [tuple(x) for x in json.loads(proc.stdout)]
        ours = form_fields(read_dist(path))
        # packaging's parse_email walks a set of header names: the order of the metadata
        # fields changes with the hash seed (in Poetry too). Same fields, same values, each
        # repeated field's values in file order:
        assert sorted(ours, key=lambda kv: kv[0]) == sorted(theirs, key=lambda kv: kv[0])
        assert ours[:5] == theirs[:5]  # digests, filetype, pyversion first
        assert ours[-2:] == theirs[-2:] == [(":action", "file_upload"), ("protocol_version", "1")]
        fields = dict(ours)
        assert fields["keywords"] == "demo, nbext"
        urls = [v for k, v in ours if k == "project_urls"]
        assert "Homepage, https://example.invalid/demo" in urls
