"""Poetry's caches: HTTP pages per source, release metadata, artifacts, and ``%cache``.

Owns: ``storage`` (hishel's storage interface over files, one directory per source),
``httpcache`` (``HttpCache``, the storages per source, and ``CacheLayer``, hishel's RFC 9111
cache in the transport stack: cache states, offline answers), ``pages`` (project pages as
read, by the digest of their body), ``metadata`` (Poetry's metadata cache), ``artifacts``
(Poetry's artifact cache), ``commands`` (``poetry cache list/clear`` rules, about files only),
``sources`` (``%cache`` for a workspace's sources: listing, clear with the pool's page URLs,
refresh).

May import: ``nbext.errors``, ``nbext.files``, ``nbext.redact``, ``nbext.index``,
``nbext.sources``, ``nbext.report``.
"""
