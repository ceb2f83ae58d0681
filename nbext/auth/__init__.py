"""Credentials as Poetry keeps them, and the ``%config`` command that stores them.

Owns: ``backends`` (Poetry's keyring rules: service and user names, usable backends, messages
for a failing backend), ``timelimit`` (a call abandoned after its time limit), ``keyring``
(``KeyringStore``: the keyring with a deadline on every call, its states and cache),
``credentials`` (Poetry's lookup order for a request URL, the password and token store, the
httpx auth flow), ``hints`` (where a source's credentials would come from, what to do about a
401/403), ``commands`` (what ``%config`` does: get, set, unset, list, with http-basic and
pypi-token stored as Poetry stores them). Redaction is ``nbext.redact``, below every layer.

May import: ``nbext.errors``, ``nbext.redact``, ``nbext.report``, ``nbext.files``,
``nbext.config``.
"""
