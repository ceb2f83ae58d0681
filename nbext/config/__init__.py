"""Poetry's configuration in layers: defaults < config.toml < poetry.toml < POETRY_* < session.

Owns: ``paths`` (Poetry's config and cache directories), ``settings`` (the layers, the keys
and their types, Poetry's messages for bad values), ``commands`` (what ``%config`` does: get,
set, unset, list, with http-basic and pypi-token handed to ``nbext.auth``), ``resolved``
(a workspace's timeout, worker threads, cache switches and cache directory, each read when
first needed, with the caller's overrides).

May import: ``nbext.errors``, ``nbext.files``, ``nbext.auth`` (``commands`` only).
"""
