"""The project's pyproject.toml (and its source pins), read and edited through tomlkit.

Owns: ``pyproject`` (``[[tool.poetry.source]]``, dependency tables and groups as ``poetry
source add`` and ``poetry add`` write them, comments and formatting kept).

May import: ``nbext.errors``, ``nbext.files``, ``nbext.sources``.
"""
