"""Looking a requirement up across the pool with Poetry's rules.

Owns: ``engine`` (fetching pages and metadata concurrently, Poetry's choice among the
candidates, one row per source), ``results`` (what a lookup found, with its text), ``jobs``
(a job per requirement with its source pin, the packages refreshed, the Python range),
``batch`` (one ``lookup_many``: the run over the workspace's client and caches, and the
notes), ``add`` (``%add``: the latest version looked up, the dependency written).

May import: ``nbext.errors``, ``nbext.constants``, ``nbext.sources``, ``nbext.index``,
``nbext.net``, ``nbext.cache``, ``nbext.project``, ``nbext.config``, ``nbext.auth``,
``nbext.report``.
"""
