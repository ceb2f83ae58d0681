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
poetry_config      ``%config`` and ``poetry config`` side by side: scenarios, both runners
parity_model       the parity cases with ``poetry lock``: the model and its generator
parity_cases       every parity case, hand-written and generated
servers            pypiserver, a static PEP 503 tree, fixed raw answers, as subprocesses
static_http        the stdlib HTTP server script behind ``servers`` (run by path)
h2server           an HTTP/2 + TLS page served by hypercorn (run by path)
devpi              a real devpi-server with users and indexes
hostile            a server that misbehaves on purpose (drips, stalls, bombs)
uploads            the demo index's upload API spoken the way twine speaks it
dists              sample distributions the demo index tests serve
pages              the captured pages of ``tests/data``, a sample page, an anchor reader
filenames          a table of odd distribution file names and what nbext lists of them
keyring_backends   a file-backed keyring, a blocking one and a locked one
secret_scan        find a secret in every form in notebooks, history, logs
spellings          every spelling of a typed secret the spelling tests type
kernels            a real kernel through nbclient: project, client, front end, history
shell              a magic in an in-process IPython shell; an error shown on one line
projects           sample projects and pyproject texts
workspaces         workspaces a helper opened, closed after each test
lab                a real JupyterLab for the browser tests
=================  ===========================================================================
"""
