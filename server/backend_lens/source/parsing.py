"""Reading and parsing source files with parso.

All parsing happens on one thread (the engine's analysis thread or the CLI's
main thread): parso's caches, which jedi shares, are not thread-safe.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import parso
import parso.cache

GRAMMAR = parso.load_grammar()


class _OneChangeMatcher:
    """The change between two versions of a document's lines, found by comparing
    them from both ends: one replaced block between an equal head and an equal
    tail. For an edit in one place it is what ``difflib.SequenceMatcher`` finds,
    in a fraction of the time (SequenceMatcher indexes every line on every
    keystroke: 5 ms of a 12 ms re-parse of a 2,800-line module). parso's diff
    parser takes any valid diff; several edits far apart become one block
    re-parsed, as a fresh parse would."""

    def __init__(self, isjunk, a, b):
        self.a, self.b = a, b

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:
        a, b = self.a, self.b
        n, m = len(a), len(b)
        limit = min(n, m)
        head = 0
        while head < limit and a[head] == b[head]:
            head += 1
        tail = 0
        while tail < limit - head and a[n - 1 - tail] == b[m - 1 - tail]:
            tail += 1
        i2, j2 = n - tail, m - tail
        ops = []
        if head:
            ops.append(("equal", 0, head, 0, head))
        if head < i2 and head < j2:
            ops.append(("replace", head, i2, head, j2))
        elif head < i2:
            ops.append(("delete", head, i2, head, head))
        elif head < j2:
            ops.append(("insert", head, head, head, j2))
        if tail:
            ops.append(("equal", i2, n, j2, m))
        return ops


def _use_one_change_matcher() -> None:
    """parso's diff parser asks ``difflib`` (its module's global) for the diff."""
    import difflib
    import types

    import parso.python.diff as diff

    diff.difflib = types.SimpleNamespace(
        SequenceMatcher=_OneChangeMatcher, unified_diff=difflib.unified_diff
    )
    parse_part = diff.DiffParser._parse

    def traced(self, until_line):
        # the lines this call re-parses: new nodes there, and the old nodes around
        # them (a class, a function) get new children; everything else is re-used
        first = self._nodes_tree.parsed_until_line + 1
        try:
            return parse_part(self, until_line)
        finally:
            _REPARSED.append((first, max(first, self._nodes_tree.parsed_until_line)))

    diff.DiffParser._parse = traced


_REPARSED: list[tuple[int, int]] = []
_WHOLE = [True]


def reparsed() -> list[tuple[int, int]] | None:
    """The (first, last) lines the last ``parse`` with a cache key re-parsed, in the
    new text's numbering; None when it parsed the whole text (no earlier tree)."""
    return None if _WHOLE[0] else list(_REPARSED)


_use_one_change_matcher()
DEFAULT_MAX_BYTES = 2_000_000
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


class SkipFile(Exception):
    """A file that is not analysed, with the reason a user is told."""


BINARY = "binary file (contains NUL bytes)"


def too_large(max_bytes: int) -> str:
    return f"larger than {max_bytes // 1000} kB (raise max-file-size to analyse it)"


def reject_binary(content: str | bytes) -> None:
    """The one rule for binary content, on disk (bytes) and in the editor (text):
    a NUL anywhere in the file."""
    if ("\x00" if isinstance(content, str) else b"\x00") in content:
        raise SkipFile(BINARY)


def check_text(text: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """The rules :func:`decode` applies to a file, applied to an editor's text."""
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise SkipFile(too_large(max_bytes))
    reject_binary(text)


def decode(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    if len(data) > max_bytes:
        raise SkipFile(too_large(max_bytes))
    reject_binary(data)
    encoding = "utf-8-sig"
    for line in data.split(b"\n", 2)[:2]:
        m = _CODING.match(line)
        if m:
            encoding = m.group(1).decode("ascii", "replace")
            break
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise SkipFile(f"not valid {encoding} text") from None


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a special file"


def read_bytes(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES, follow: bool = True) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` of them.

    Opened without blocking (a FIFO named ``*.py`` must not hang the analysis),
    then checked on the open descriptor, so nothing can be swapped in between a
    check and the read: anything but a regular file is refused, and the size
    limit is applied while reading (``/dev/zero`` or a growing file end there).
    With ``follow=False`` a symlink in the last component is refused."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SkipFile("a symlink loop" if follow else "a symlink (not followed)") from None
        raise SkipFile(f"cannot be read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SkipFile(f"not a regular file: {_kind(mode)}")
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise SkipFile(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if left <= 0:
        raise SkipFile(too_large(max_bytes))
    return b"".join(chunks)


def read_source(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES, follow: bool = True) -> str:
    """The text of a regular file, or :class:`SkipFile` with the reason."""
    return decode(read_bytes(path, max_bytes, follow), max_bytes)


def parse(text: str, cache_key: str | None = None):
    """Parse ``text``. With a ``cache_key`` (unique per open document) parso's diff
    parser re-uses the previous tree of that key, so an edit re-parses only the
    lines around it. The returned tree may be mutated by the next parse of the
    same key: keep positions and strings, never nodes."""
    if cache_key is None:
        return GRAMMAR.parse(text)
    _REPARSED.clear()
    _WHOLE[0] = Path(cache_key) not in parso.cache.parser_cache.get(GRAMMAR._hashed, {})
    return GRAMMAR.parse(text, path=cache_key, diff_cache=True, cache=False)


def forget(cache_key: str) -> None:
    """Drop the cached tree of a closed document (parso keys it by ``Path(key)``)."""
    parso.cache.parser_cache.get(GRAMMAR._hashed, {}).pop(Path(cache_key), None)
