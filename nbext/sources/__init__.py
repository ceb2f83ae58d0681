"""Sources and Poetry's priority rules: pure, no I/O.

Owns: ``pool`` (``Source``, ``Priority``, ``SourcePool``: names, URLs, the implicit PyPI,
Poetry's order and its messages).

May import: ``nbext.errors``, ``nbext.constants``, ``nbext.auth.redact``.
"""
