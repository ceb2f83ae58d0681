"""Poetry's configuration in layers: defaults < config.toml < poetry.toml < POETRY_* < session.

Owns: ``paths`` (Poetry's config and cache directories), ``keys`` (the keys, their types and
checks, their defaults and ``POETRY_*`` variables; pure), ``tomlfile`` (one config file, read
and changed under its lock), ``settings`` (the layers merged, Poetry's messages for bad
values), ``resolved`` (a workspace's timeout, worker threads, cache switches and cache
directory, read when first needed, with the caller's overrides). The ``%config`` command is
``nbext.auth.commands`` (it stores credentials).

May import: ``nbext.errors``, ``nbext.redact``, ``nbext.files``.
"""
