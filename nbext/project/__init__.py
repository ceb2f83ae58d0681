"""The project's pyproject.toml (and its source pins), read and edited through tomlkit.

Owns: ``pyproject`` (``Project``: the file read when it changed, edits under its lock, the
project's name, version and Python range), ``tables`` (the document's tables, with messages
naming the file), ``sourcetable`` (``[[tool.poetry.source]]`` as ``poetry source add`` writes
it), ``dependencies`` (dependency tables and groups as ``poetry add`` writes them, and their
source pins). Comments and formatting are kept; all but ``pyproject`` are pure.

May import: ``nbext.errors``, ``nbext.files``, ``nbext.sources``.
"""
