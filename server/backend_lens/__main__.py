"""`python -m backend_lens`: the command line, started as a module.

`python -m` puts the working directory first on the import path, and an
editor starts the server inside the project it analyses: a `tomllib.py` or
`logging.py` there would be imported (and run) in place of the standard
library's. Backend Lens never imports the analysed project, so the working
directory is dropped from `sys.path` here, before anything else is imported,
with what empty or relative PYTHONPATH entries made of it.

That cannot help against a `backend_lens/` package in the working directory:
Python imports it before this file runs. Launchers therefore start
`python -P -m backend_lens` (Python 3.11+: the working directory is never put on
the path) or the `backend-lens` script; this is the second line of defence.
"""

import os
import sys


def _drop_working_directory(path: list[str]) -> None:
    """Removes from an import path, in place, the working directory and what
    PYTHONPATH's relative or empty entries made of it (`src` or `` become
    `<cwd>/src` and `<cwd>` at start-up)."""
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was deleted: only relative entries can point at it
        cwd = None
    unsafe = set()
    if cwd is not None:
        unsafe.add(os.path.realpath(cwd))
        for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
            if not os.path.isabs(entry):
                unsafe.add(os.path.realpath(os.path.join(cwd, entry)))

    def is_unsafe(entry: str) -> bool:
        return not os.path.isabs(entry) or os.path.realpath(entry) in unsafe

    path[:] = [entry for entry in path if not is_unsafe(entry)]


_drop_working_directory(sys.path)

from .cli import run  # noqa: E402 - only once the path is clean

run()
