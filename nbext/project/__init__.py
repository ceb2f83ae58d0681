"""The project's pyproject.toml (and its source pins), read and edited through tomlkit.

Owns: ``pyproject`` (``Project``: the file read when it changed, edits under its lock, the
project's name, version and Python range), ``tables`` (the document's tables, with messages
naming the file), ``sourcetable`` (``[[tool.poetry.source]]`` as ``poetry source add`` writes
it), ``dependencies`` (dependency tables and groups as ``poetry add`` writes them, and their
source pins), ``declarations`` (a workspace's sources and pins: the project's, else the
kernel session's; notices shown once), ``source_commands`` (``%source add/remove/show``,
``poetry check``), ``status`` (``%nbext``: the project, its sources and where their
credentials come from, the caches' size). Comments and formatting are kept; ``tables``,
``sourcetable`` and ``dependencies`` are pure.

May import: ``nbext.errors``, ``nbext.redact``, ``nbext.constants``, ``nbext.report``,
``nbext._version``, ``nbext.files``, ``nbext.config``, ``nbext.auth``, ``nbext.sources``.
"""
