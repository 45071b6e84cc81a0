"""The jedi bridge: what a name in one file points at, across modules.

Used only where the index cannot tell from imports alone (star imports,
re-exports it has not seen, names bound in unusual ways). jedi reads source;
it never imports the analysed project. Results are cached by the caller; call
it on the analysis thread only (jedi shares parso's caches).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class JediResolver:
    def __init__(self, root: Path, source_for: Callable[[str], str | None]):
        self.root = root
        self.source_for = source_for
        self._project = None

    def _jedi_project(self):
        if self._project is None:
            import jedi

            # no unsafe extension loading: compiled modules of the project are never imported
            self._project = jedi.Project(str(self.root), load_unsafe_extensions=False)
        return self._project

    def __call__(self, path: str, pos: tuple[int, int]) -> str | None:
        import jedi

        code = self.source_for(path)
        if code is None:
            return None
        script = jedi.Script(code, path=path, project=self._jedi_project())
        line, col = pos
        for name in script.goto(line, col, follow_imports=True):
            if name.type == "class" and name.full_name:
                return name.full_name
        # an alias (Base = TimeStamped) or a conditional binding: infer what it is
        for name in script.infer(line, col):
            if name.type == "class" and name.full_name:
                return name.full_name
        return None
