"""The jedi bridge: what a name in one file points at, across modules.

Used only where the index cannot tell from imports alone (star imports,
re-exports it has not seen, names bound in unusual ways). jedi reads source;
it never imports the analysed project. Results are cached by the caller; call
it on the analysis thread only (jedi shares parso's caches).

jedi asks a helper Python process about compiled modules. It runs in our
working directory (the project, when an editor starts the server) with our
environment: an empty or relative PYTHONPATH entry would put the project's
`pathlib.py` or `shutil.py` before the standard library's there, so the helper
gets a PYTHONPATH without them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

# the real paths of the projects being analysed: jedi does not read a file under
# one of them whose real place is outside it (a link in a repository must not
# make us read ~/.ssh); see guard_jedi_file_reads
_ROOTS: set[str] = set()
_MAX_BYTES = 2_000_000


def guard_jedi_file_reads() -> None:
    """jedi (through parso) opens and reads the modules it follows itself: a FIFO
    named `base.pyi` would block the analysis for good, `/dev/zero` would read
    without end, and a link could lead outside the project. Its reads go through
    the same rules as ours instead: regular files only, a size limit applied while
    reading, nothing outside a project through a link. A file refused reads as
    empty, so jedi simply finds nothing there."""
    import parso.file_io

    if getattr(parso.file_io.FileIO.read, "_backend_lens", False):
        return

    def read(self):
        from .parsing import SkipFile, read_bytes

        path = os.path.abspath(os.fspath(self.path))
        real = os.path.realpath(path)
        for root in _ROOTS:
            if _under(path, root) and not _under(real, root):
                log.debug("jedi: not reading %s: a link to a file outside the project", path)
                return b""
        os.stat(real)  # a missing file raises as before: jedi probes for stubs that way
        try:
            return read_bytes(real, _MAX_BYTES)
        except SkipFile as exc:
            log.debug("jedi: not reading %s: %s", path, exc)
            return b""

    read._backend_lens = True  # type: ignore[attr-defined]
    parso.file_io.FileIO.read = read


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class JediResolver:
    def __init__(self, root: Path, source_for: Callable[[str], str | None]):
        self.root = root
        self.source_for = source_for
        _ROOTS.add(os.path.realpath(root))
        self._project = None
        self._environment = None

    def _jedi_project(self):
        if self._project is None:
            import jedi

            guard_jedi_file_reads()
            # no unsafe extension loading: compiled modules of the project are never imported
            self._project = jedi.Project(str(self.root), load_unsafe_extensions=False)
        return self._project

    def _jedi_environment(self):
        """jedi's default interpreter, with a helper process that cannot import
        from the working directory."""
        if self._environment is None:
            import jedi

            env_vars = helper_environment(os.environ)
            try:
                self._environment = jedi.create_environment(
                    default_interpreter(), safe=False, env_vars=env_vars
                )
            except jedi.InvalidPythonEnvironment:
                self._environment = jedi.create_environment(
                    sys.executable, safe=False, env_vars=env_vars
                )
        return self._environment

    def __call__(self, path: str, pos: tuple[int, int]) -> str | None:
        import jedi

        code = self.source_for(path)
        if code is None:
            return None
        script = jedi.Script(
            code, path=path, project=self._jedi_project(), environment=self._jedi_environment()
        )
        line, col = pos
        for name in script.goto(line, col, follow_imports=True):
            if name.type == "class" and name.full_name:
                return name.full_name
        # an alias (Base = TimeStamped) or a conditional binding: infer what it is
        for name in script.infer(line, col):
            if name.type == "class" and name.full_name:
                return name.full_name
        return None


def default_interpreter() -> str:
    """The interpreter jedi would choose, found without starting one (jedi's own
    choice starts it with our environment): the active virtualenv (VIRTUAL_ENV,
    else CONDA_PREFIX) when it is not ours, else ours."""
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = os.environ.get(var)
        if value and os.path.realpath(value) != os.path.realpath(sys.prefix):
            return value
    return sys.executable


def helper_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without the PYTHONPATH entries that mean the working directory:
    empty or relative ones (resolved against it) and the directory itself."""
    env = dict(environ)
    try:
        cwd: str | None = os.path.realpath(os.getcwd())
    except OSError:
        cwd = None
    kept = [
        entry
        for entry in env.get("PYTHONPATH", "").split(os.pathsep)
        if os.path.isabs(entry) and os.path.realpath(entry) != cwd
    ]
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    else:
        env.pop("PYTHONPATH", None)
    return env
