"""Looking a requirement up across the pool with Poetry's rules.

Owns: ``engine`` (fetching pages and metadata concurrently, Poetry's choice among the
candidates, one row per source), ``results`` (what a lookup found, with its text and HTML).

May import: ``nbext.errors``, ``nbext.constants``, ``nbext.sources``, ``nbext.index``,
``nbext.net``, ``nbext.cache``, ``nbext.auth.redact``, ``nbext.report``.
"""
