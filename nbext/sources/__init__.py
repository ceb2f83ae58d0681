"""Sources and Poetry's priority rules: pure, no I/O.

Owns: ``pool`` (``Source``, ``Priority``, ``SourcePool``: names, URLs, the implicit PyPI,
Poetry's order and its messages), ``declared`` (sources as declared: names, URLs and the
``[[tool.poetry.source]]`` table checked, with Poetry's schema messages).

May import: ``nbext.errors``, ``nbext.constants``, ``nbext.redact``.
"""
