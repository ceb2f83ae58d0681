"""Looking a requirement up across the pool with Poetry's rules.

Owns, top down:

* ``run`` - :class:`Lookup`: one run over many requirements, each a generator that ``schedule``
  drives (``run_all``), and one requirement's solve; the module docstring sums up the rules.
* ``search`` - which sources a requirement asks, in which order, filling in their rows.
* ``rules`` - Poetry's pure rules: the filter within a source, the candidate sort, the source
  recorded, Requires-Python; ``explain`` - the words for them (reason, shadowed, yanked,
  nothing matched, the metadata note).
* ``fetch_pages``, ``fetch_metadata``, ``fetch_files`` - fetching project pages, release
  metadata and one file's metadata (PEP 658, range requests, download) on the thread pool;
  ``requests`` - one GET and the per-source boundary around it.
* ``requirements`` - parsing what is asked for, source pins, the kernel's Python.
* ``answers`` - what a source answered (pages, metadata); ``results`` - what a lookup found,
  with its text (the HTML is in ``nbext.ui``).
* ``timing`` - where a lookup's time goes per source (pages, metadata, bytes), for ``-v``.
* ``jobs`` - a job per requirement with its source pin, the packages refreshed, the Python
  range; ``batch`` - one ``lookup_many`` over a workspace's client and caches, and its notes;
  ``add`` - ``%add``: the latest version looked up, the dependency written.

May import: ``nbext.errors``, ``nbext.redact``, ``nbext.constants``, ``nbext.sources``,
``nbext.index``, ``nbext.net``, ``nbext.cache``, ``nbext.project``, ``nbext.config``,
``nbext.auth``, ``nbext.report``.
"""
