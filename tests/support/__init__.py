"""Helpers shared by the tests (fixtures live in the ``conftest.py`` of the folder using them).

Standard library only at import time here: :mod:`tests.support.keyring_backends` is loaded by
Poetry's own virtual environment too (``PYTHON_KEYRING_BACKEND``).

=================  ===========================================================================
module             what it gives
=================  ===========================================================================
paths              where the repository, ``tests/data`` and the tutorials are
env                every environment dict: the isolation, Poetry's, servers', tool installs
procs              run a child process and capture it, start one behind a log, stop one by PID
toolvenvs          the pinned Poetry, twine and devpi-server, each in a venv at the repo root
poetry             ``poetry lock`` and Poetry's own classes, side by side with nbext
servers            pypiserver, a static PEP 503 tree, fixed raw answers, as subprocesses
static_http        the stdlib HTTP server script behind ``servers`` (run by path)
h2server           an HTTP/2 + TLS page served by hypercorn (run by path)
devpi              a real devpi-server with users and indexes
hostile            a server that misbehaves on purpose (drips, stalls, bombs)
keyring_backends   a file-backed keyring, a blocking one and a locked one
secret_scan        find a secret in every form in notebooks, history, logs
projects           sample projects and pyproject texts
lab                a real JupyterLab for the browser tests
=================  ===========================================================================
"""
