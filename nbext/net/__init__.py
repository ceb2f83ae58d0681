"""HTTP: one httpx client over one transport stack, and what every request leaves in the log.

Owns: ``client`` (``Http``: the shared client, its GETs and their events), ``retry``
(Poetry's retry loop for GETs and uploads, the source outage memo), ``events`` (``Event``:
what each exchange leaves in the log, redacted), ``transport`` (the stack under the client:
routing, size caps, what was sent), ``wire`` (the lean HTTP/1.1 path), ``deadline`` (one
deadline per request and its watchdog), ``limits`` (the caps), ``tls`` (per-source
certificates and proxies), ``diagnose`` (``%source diagnose``), ``build`` (a
workspace's network side, built when first needed: keyring store, credentials, the client on
its stack, the thread pool).

May import: ``nbext.errors``, ``nbext.redact``, ``nbext.constants``, ``nbext._version``,
``nbext.auth``, ``nbext.config``, ``nbext.cache.httpcache`` (the cache layer of the stack).
"""
