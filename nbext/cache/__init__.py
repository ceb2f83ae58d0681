"""Poetry's caches: HTTP pages per source, release metadata, artifacts, and ``%cache``.

Owns: ``httpcache`` (hishel's RFC 9111 cache in files per source, the cache layer of the
transport stack, offline answers), ``metadata`` (Poetry's metadata cache), ``artifacts``
(Poetry's artifact cache), ``commands`` (``poetry cache list/clear`` rules), ``sources``
(``%cache`` for a workspace's sources: listing, clear with the pool's page URLs, refresh).

May import: ``nbext.errors``, ``nbext.files``, ``nbext.auth.redact``, ``nbext.index``,
``nbext.sources``, ``nbext.report``.
"""
