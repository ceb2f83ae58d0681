"""The public Python API: :class:`Workspace`.

Owns:

* ``base`` - the state of a workspace: the services it builds and what they answer;
* ``workspace`` - :class:`Workspace`, whose every call is handed to the module that owns the
  rule.

May import: anything in nbext below the kernel (``nbext.kernel``, ``nbext.ui`` and
``nbext.magics`` are above it).
"""

from nbext.facade.workspace import Workspace

__all__ = ["Workspace"]
