"""The project's pyproject.toml (and its source pins), read and edited through tomlkit.

Owns: ``pyproject`` (``[[tool.poetry.source]]``, dependency tables and groups as ``poetry
source add`` and ``poetry add`` write them, comments and formatting kept), ``declarations``
(a workspace's sources and pins: the project's, else the kernel session's; notices shown
once), ``source_commands`` (``%source add/remove/show``, ``poetry check``), ``status``
(``%nbext``: the project, its sources and where their credentials come from, the caches'
size).

May import: ``nbext.errors``, ``nbext.constants``, ``nbext.report``, ``nbext._version``,
``nbext.files``, ``nbext.config``, ``nbext.auth``, ``nbext.sources``.
"""
