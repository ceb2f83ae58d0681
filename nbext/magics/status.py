"""``%nbext``: what nbext is working with, on one screen."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class

from nbext.magics.base import NbextMagicsBase
from nbext.project.status import Status

__all__ = ["StatusMagics"]


@magics_class
class StatusMagics(NbextMagicsBase):
    """``%nbext``."""

    @line_magic("nbext")  # type: ignore[arg-type]
    def nbext_status(self, line: str) -> Status:
        """What nbext is working with: the project, the sources (Poetry's order, priorities,
        where credentials are configured: never their values), caches, version.

        Usage::

          %nbext
        """
        if line.strip():
            raise UsageError("%nbext takes no arguments (see %nbext?)")
        self._notices()
        return self.ws.status()
