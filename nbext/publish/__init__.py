"""``poetry publish``: the target, the files, the checks and the upload.

Owns: ``publish`` (the flow of ``%publish``), ``context`` (what it needs from the Workspace),
``target`` (the repository, its upload URL, credentials and TLS), ``distfiles`` (which files,
their metadata and README checks), ``build`` (``--build``), ``check`` (the pre-upload existence
check on the target's own index), ``run`` (the uploads, one file at a time), ``answers`` (the
index's answers in words), ``upload`` (the legacy upload API: httpx's multipart, streamed,
through the network layer's retry loop), ``results`` (the result and the error), ``progress``
(the observer and Poetry's text progress line), ``workspace_context``
(what a publish takes from the workspace).

May import: ``nbext.errors``, ``nbext.redact``, ``nbext.constants``, ``nbext._version``,
``nbext.config``, ``nbext.auth``, ``nbext.sources``, ``nbext.project``, ``nbext.index``,
``nbext.net``, ``nbext.report``.
"""
