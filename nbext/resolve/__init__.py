"""The dependency tree and the kernel's environment: ``%lock``, ``%install``, ``%add``.

Resolution is Poetry 2.5.1's own solver (``poetry.puzzle.Solver``, run by Poetry's
``Installer`` in lock mode) and the lock file is written by Poetry's own ``Locker``; what nbext
puts under them is the pool: each source a Poetry repository whose pages, metadata and files
come through nbext's network layer (its credentials, TLS, caches, deadlines and logs).

Why Poetry's solver and not resolvelib: the lock must be the one ``poetry lock`` writes (the
same packages, versions, sources, files, markers, groups and content-hash) and Poetry must
accept it as fresh. resolvelib would need Poetry's rules written again on top of it (the
source priorities of ``RepositoryPool.find_packages``, the Python range every release must
allow, markers merged per group, multiple-constraint dependencies, the lock's format);
Poetry's own code has them, is already installed beside nbext for ``poetry check`` and the
tutorials, and is pinned (``poetry==2.5.1``). See docs/architecture.md.

Owns:

* ``fetch`` - :class:`~nbext.resolve.fetch.Fetch`: what the solver asks (pages, release
  metadata, hashes) answered by the lookup's fetchers, and a crawl ahead of the solver that
  asks for what it will likely ask next, concurrently (the solver itself is sequential).
* ``repository`` - a source as a Poetry repository; the pool in Poetry's order.
* ``lock`` - ``Workspace.lock()``: Poetry's installer in lock mode over that pool.
* ``install`` - ``Workspace.install()``: the lock (Poetry's installer) or named requirements
  (Poetry's solver for a root that is the kernel) into the target; ``executor`` - Poetry's
  operations carried out by nbext: each file chosen by Poetry's chooser, downloaded through
  nbext, verified against the lock, then installed all at once.
* ``add`` - ``%add``: pyproject.toml, then the lock and the install, as ``poetry add``.
* ``poetry_api`` - the parts of Poetry's application nbext drives, imported once.
* ``results`` - what a lock, an install or an add did (data and text; light to import).

``%install``'s environment side (local files in, no index; imports nothing above
``nbext.errors``):

* ``environment`` - :class:`~nbext.resolve.environment.TargetEnvironment`: an interpreter (the
  kernel's, or another asked in a subprocess), venv or not, PEP 668, tags, markers, installed.
* ``installer`` - :func:`~nbext.resolve.installer.install_files`: wheels and sdists in, old
  copies and ``--sync`` leftovers out, all or nothing, under one deadline.
* ``wheels`` - one wheel unpacked with pypa ``installer``, in-process.
* ``uninstall`` - removal by ``RECORD``, through a stash that a failure puts back.
* ``build`` - an sdist built into a wheel by pypa ``build`` in an isolated venv whose build
  requirements come from the caller.
* ``imported`` - after an install: ``restart_needed`` for projects whose old version is
  imported.
* ``clock`` - the deadline of an install; ``_probe`` - what an interpreter says about itself.

May import: ``nbext.errors``, ``nbext.redact``, ``nbext.constants``, ``nbext.report``,
``nbext.files``, ``nbext.config``, ``nbext.auth``, ``nbext.sources``, ``nbext.project``,
``nbext.index``, ``nbext.cache``, ``nbext.net``, ``nbext.lookup``.
"""
