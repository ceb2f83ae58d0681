"""``%publish``: build and upload the project, with a live view and the password form."""

from __future__ import annotations

import sys
from typing import Any

from IPython.core.magic import line_magic, magics_class, needs_local_scope, no_var_expand
from IPython.display import display

from nbext.facade import Workspace
from nbext.magics.base import NbextMagicsBase, arguments, form_save, parser
from nbext.magics.linesecrets import option_secret
from nbext.publish.publish import CredentialPrompt, PublishError, PublishResult, TextProgress
from nbext.ui.prompt import credential_prompt
from nbext.ui.publishview import PublishView

__all__ = ["PublishMagics"]


@magics_class
class PublishMagics(NbextMagicsBase):
    """``%publish`` (``poetry publish``)."""

    @no_var_expand
    @needs_local_scope
    @line_magic
    def publish(self, line: str, local_ns: dict[str, Any] | None = None) -> PublishResult | None:
        """Build and upload the project to an index, as ``poetry publish`` does.

        Usage::

          %publish [-r NAME] [--build] [--no-isolation] [--dist-dir DIR] [--skip-existing]
                   [--dry-run] [-u USER] [-p PASSWORD] [--cert F] [--client-cert F]
                   [--check-url SIMPLE_URL]

        Without ``-r`` the target is the public index; ``-r NAME`` uploads to
        ``repositories.NAME.url`` (``%config repositories.NAME URL``: the upload URL, not the
        simple one; devpi's is the index URL, ``http://host/USER/INDEX/``), else, as in
        Poetry, to the URL of the source NAME. Credentials as Poetry finds them:
        ``pypi-token.NAME``, then ``http-basic.NAME`` (keyring); when the index answers 401 a
        password field opens (Save, then run the cell again). Leave ``-p`` out of cells: it
        would be saved in the notebook (nbext removes it from the history and the cell).

        Before anything is sent each file is checked: valid metadata for this project and
        version, a README that renders, and whether the file is already on the index (by
        sha256 on NAME's own simple index: ``--check-url SIMPLE_URL`` names it when no source
        is that index): ``--skip-existing`` skips files that are there. A different file of
        the same name is left to the index (a volatile devpi index replaces it).
        ``--build`` runs ``python -m build`` first (isolated; ``--no-isolation`` builds in the
        kernel's environment). ``--dry-run`` does everything but the upload. After the
        upload, ``%lookup NAME==VERSION`` sees the new release at once.
        """
        p = parser("%publish")
        p.add_argument("-r", "--repository", default=None)
        p.add_argument("-u", "--username", default=None)
        p.add_argument("-p", "--password", default=None)
        p.add_argument("--cert", default=None)
        p.add_argument("--client-cert", default=None)
        p.add_argument("--dist-dir", default="dist")
        p.add_argument("--build", action="store_true")
        p.add_argument("--no-isolation", action="store_true")
        p.add_argument("--dry-run", action="store_true")
        p.add_argument("--skip-existing", action="store_true")
        p.add_argument("--check-url", default=None)
        p.add_argument("-n", "--no-interaction", action="store_true")
        found = self._parse(line, local_ns)
        repository = "NAME"
        with self._secrets(
            found,
            "The password",
            lambda: f"Next time: %config http-basic.{repository} USER (a password field opens).",
        ):
            args = option_secret(found, p, "--password", "-p")  # marks the secret first
            arguments(found.parsed)
            ns = p.parse_args(args)
            repository = ns.repository or "pypi"
            found.done = True  # this upload uses it; the cell shows the line without it
        self._notices()
        ws = self.ws
        view: PublishView | None = None
        observer: Any
        if self._in_kernel():
            view = PublishView(f"%publish {'-r ' + ns.repository if ns.repository else ''}".strip())
            view.show()
            observer = view
        else:
            observer = TextProgress(sys.stdout)
        prompt = credential_prompt(self.shell, form_save(ws), display)
        try:
            with self._redacting(found):
                result = self._publish(ws, ns, prompt, observer)
        except PublishError as exc:
            if exc.needs_credentials:
                # The form is shown and says what to do: not a failure. What was uploaded
                # before the 401 still goes below it.
                for text in str(exc).splitlines()[1:]:
                    print(text, file=sys.stderr)
                return None
            raise
        finally:
            if view is not None:
                view.finish()
        return result

    @staticmethod
    def _publish(ws: Workspace, ns: Any, prompt: CredentialPrompt, observer: Any) -> PublishResult:
        return ws.publish(
            ns.repository,
            username=ns.username,
            password=ns.password,
            dist_dir=ns.dist_dir,
            build=ns.build,
            isolation=not ns.no_isolation,
            skip_existing=ns.skip_existing,
            dry_run=ns.dry_run,
            cert=ns.cert,
            client_cert=ns.client_cert,
            check_url=ns.check_url,
            prompt=prompt,
            observer=observer,
        )
