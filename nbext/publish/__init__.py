"""``poetry publish``: the target, the files, the checks and the upload.

Owns: ``publish`` (the target repository, credentials, the pre-upload check on the
target's own index, the run), ``distfiles`` (which files, their metadata and README checks),
``upload`` (the legacy upload API, streamed, with Poetry's retries), ``workspace_context``
(what a publish takes from the workspace).

May import: ``nbext.errors``, ``nbext.constants``, ``nbext.config``, ``nbext.auth``,
``nbext.sources``, ``nbext.project``, ``nbext.index``, ``nbext.net``, ``nbext.report``.
"""
