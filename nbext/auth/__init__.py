"""Credentials as Poetry keeps them, and redaction.

Owns: ``redact`` (credentials out of URLs, pure), ``keyring`` (the keyring with a deadline,
Poetry's service names, its rules for usable backends), ``credentials`` (Poetry's lookup
order for a request URL, the password and token store, the httpx auth flow), ``hints``
(where a source's credentials would come from, what to do about a 401/403).

May import: ``nbext.errors``, ``nbext.config``, ``nbext.files``.
"""
