"""jedi's answers kept between runs of the command line.

The index asks jedi (source/names.py) what a class name points at when the
imports alone cannot tell; each answer costs a jedi parse of the file and of
the modules it follows (seconds on netbox), on every run, cached results or not.
:class:`MemoResolver` keeps each answer in the result cache with the files jedi
parsed to find it and a digest of each; a later run uses the answer only if
every one of those files is unchanged and the project has the same set of
Python files (a new module could change what an import finds), else asks
jedi again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from ..source import parsing


def stat_of(path: str) -> tuple[int, ...]:
    """(size, mtime, ctime, inode, device) of ``path``; () if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class MemoResolver:
    def __init__(self, inner: Callable[[str, tuple[int, int]], str | None], project) -> None:
        self.inner = inner
        self.project = project
        self.stamp: bytes | None = None  # the set of the project's files; None: no memo
        self._digests: dict[str, bytes] = {}
        # every file some answer given in this run was read from -> its os.stat
        # (size, mtime, ctime, inode, device) taken before it was read, () if missing;
        # None once an answer was given without knowing its files (engine/snapshot.py)
        self.used: dict[str, tuple[int, ...]] | None = {}
        self._stats: dict[str, tuple[int, ...]] = {}

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def set_files(self, paths: list[str]) -> None:
        """The project's Python files, as found by the scan: the answers are kept for
        this set of files only."""
        h = hashlib.blake2b(digest_size=16)
        for p in sorted(paths):
            h.update(p.encode("utf-8", "surrogateescape") + b"\0")
        self.stamp = h.digest()
        self._digests.clear()
        self._stats.clear()

    def digest(self, path: str) -> bytes:
        found = self._digests.get(path)
        if found is None:
            text = self.project.overlay.get(path)
            self._stats[path] = stat_of(path) if text is None else (-1,)
            try:
                data = (
                    text.encode("utf-8", "surrogatepass")
                    if text is not None
                    else parsing.read_bytes(path, self.project.config.max_file_size)
                )
                found = hashlib.blake2b(data, digest_size=16).digest()
            except parsing.SkipFile:
                found = b"unreadable"
            except OSError:
                found = b"missing"
            self._digests[path] = found
        return found

    def __call__(self, path: str, pos: tuple[int, int]) -> str | None:
        cache = self.project.cache
        if cache is None or self.stamp is None:
            self.used = None
            return self.inner(path, pos)
        row = cache.resolution(path, pos, self.stamp)
        if row is not None:
            answer, deps = row
            if all(self.digest(p) == d for p, d in deps):
                self._note(p for p, _ in deps)
                return answer
        read = self._asking(path, pos)
        answer = read[0]
        deps = [(p, self.digest(p)) for p in sorted({path, *read[1]})]
        cache.put_resolution(path, pos, self.stamp, answer, deps)
        self._note(p for p, _ in deps)
        return answer

    def _note(self, paths) -> None:
        if self.used is not None:
            for p in paths:
                self.used[p] = self._stats.get(p, (-1,))

    def _asking(self, path: str, pos: tuple[int, int]) -> tuple[str | None, set[str]]:
        """jedi's answer, and every file it parsed (read or taken from parso's
        cache) on the way."""
        import parso.grammar

        real = parso.grammar.Grammar.parse
        parsed: set[str] = set()

        def recording(grammar, code=None, **kwargs):
            file_io = kwargs.get("file_io")
            where = getattr(file_io, "path", None) or kwargs.get("path")
            if where is not None:
                parsed.add(os.fspath(where))
            return real(grammar, code, **kwargs)

        parso.grammar.Grammar.parse = recording  # type: ignore[method-assign]
        try:
            answer = self.inner(path, pos)
        finally:
            parso.grammar.Grammar.parse = real  # type: ignore[method-assign]
        return answer, parsed
