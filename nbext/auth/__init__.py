"""Credentials as Poetry keeps them, and redaction.

Owns: ``redact`` (credentials out of URLs, pure), ``backends`` (Poetry's keyring rules: service
and user names, usable backends, messages for a failing backend), ``timelimit`` (a call
abandoned after its time limit), ``keyring`` (``KeyringStore``: the keyring with a deadline
on every call, its states and cache), ``credentials`` (Poetry's lookup order for a request
URL, the password and token store, the httpx auth flow), ``hints``
(where a source's credentials would come from, what to do about a 401/403).

May import: ``nbext.errors``, ``nbext.config``, ``nbext.files``.
"""
