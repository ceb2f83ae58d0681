"""The user's files on disk: atomic replacement, locks around read-modify-write, modes.

Owns: ``atomic`` (write a file whole or not at all, cache files too), ``userfiles`` (filelock
around every edit of pyproject.toml and Poetry's config files, 0600 for files holding
credentials, reading them as TOML with one-line errors for unreadable or invalid files).

May import: ``nbext.errors``. Nothing else of nbext.
"""
