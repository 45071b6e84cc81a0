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
import parso.utils

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
_IN_PLACE = [False]


def reparsed() -> list[tuple[int, int]] | None:
    """The (first, last) lines the last ``parse`` with a cache key re-parsed, in the
    new text's numbering; None when it parsed the whole text (no earlier tree)."""
    return None if _WHOLE[0] else list(_REPARSED)


def patched_in_place() -> bool:
    """Whether the last ``parse`` with a cache key patched one leaf of the
    previous tree (an edit inside a name, a string or a comment)."""
    return _IN_PLACE[0]


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
    lines around it; an edit inside one name, string or comment (most keystrokes)
    patches that leaf in place (:func:`_edit_in_place`). The returned tree may be
    mutated by the next parse of the same key: keep positions and strings, never
    nodes."""
    if cache_key is None:
        return GRAMMAR.parse(text)
    _REPARSED.clear()
    _IN_PLACE[0] = False
    cached = parso.cache.parser_cache.get(GRAMMAR._hashed, {}).get(Path(cache_key))
    _WHOLE[0] = cached is None
    if cached is not None:
        lines = parso.utils.split_lines(text, keepends=True)
        line = _edit_in_place(cached.node, cached.lines, lines)
        if line is not None:
            cached.lines = lines
            _REPARSED.append((line, line))
            _IN_PLACE[0] = True
            return cached.node
    return GRAMMAR.parse(text, path=cache_key, diff_cache=True, cache=False)


# a character that ends a line or a comment somewhere (parso, the protocol, str.splitlines)
_BREAKS = frozenset("\r\n\f\v\x1c\x1d\x1e\x85\u2028\u2029")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_QUOTES_OR_ESCAPES = frozenset("'\"\\")
_SPACING = frozenset(" \t")


def _edit_in_place(module, old: list[str], new: list[str]) -> int | None:
    """Apply an edit of one line that stays inside one name, one one-line string,
    one comment or the spaces between two tokens to the tree of ``old`` lines by changing that leaf (and the
    columns of the leaves after it on the line), as parsing ``new`` afresh would
    give. Returns the (1-based) line, or None when the edit is anything else (the
    diff parser's job). The tree is only changed when the edit qualifies."""
    if len(old) != len(new):
        return None
    i = 0
    n = len(old)
    while i < n and old[i] == new[i]:
        i += 1
    if i == n or old[i + 1 :] != new[i + 1 :]:
        return None
    a, b = old[i], new[i]
    # the changed span: a[p:ea] became b[p:eb]
    limit = min(len(a), len(b))
    p = 0
    while p < limit and a[p] == b[p]:
        p += 1
    s = 0
    while s < limit - p and a[-1 - s] == b[-1 - s]:
        s += 1
    ea, eb = len(a) - s, len(b) - s
    removed, inserted = a[p:ea], b[p:eb]
    if _BREAKS.intersection(removed) or _BREAKS.intersection(inserted):
        return None
    line = i + 1
    try:
        leaf = module.get_leaf_for_position((line, p), include_prefixes=True)
    except ValueError:
        return None
    if leaf is None:
        return None
    for cand in (leaf, leaf.get_previous_leaf(), leaf.get_next_leaf()):
        if cand is None:
            continue
        moved = _patch_leaf(cand, line, p, ea, removed, inserted, a)
        if moved is not False:
            delta = len(inserted) - len(removed)
            while moved is not None and moved.line == line:
                moved.column += delta
                moved = moved.get_next_leaf()
            module._used_names = None
            return line
    return None


def _patch_leaf(leaf, line: int, p: int, ea: int, removed: str, inserted: str, text: str):
    """Patch ``leaf`` for the edit if it lies inside its name, its string, the
    spaces before it on its line or a comment of its prefix: returns the first
    leaf after the edit on the line (its column and those of the leaves after it
    move), None if there is none, or False without touching anything when the
    edit is not inside ``leaf``."""
    for patch in (_patch_token, _patch_prefix):
        moved = patch(leaf, line, p, ea, removed, inserted, text)
        if moved is not False:
            return moved
    return False


def _patch_token(leaf, line: int, p: int, ea: int, removed: str, inserted: str, text: str):
    """The edit inside the name or the one-line string ``leaf``."""
    kind = leaf.type
    if kind == "name" or kind == "string":
        if leaf.line != line or leaf.search_ancestor("fstring") is not None:
            return False
        col, value = leaf.column, leaf.value
        if not (col <= p and ea <= col + len(value)) or text[col : col + len(value)] != value:
            return False
        new_value = value[: p - col] + inserted + value[ea - col :]
        if kind == "name":
            reserved = GRAMMAR._pgen_grammar.reserved_syntax_strings
            if not _IDENTIFIER.match(new_value) or new_value in reserved:
                return False
            # a name against a neighbour with no space between could merge with it
            # (``f`` before a string is an f-string prefix)
            before = leaf.get_previous_leaf()
            if leaf.prefix == "" and before is not None and before.type not in _LOOSE:
                return False
            after = leaf.get_next_leaf()
            if after is not None and after.prefix == "" and after.type not in _LOOSE:
                return False
        else:
            if "\n" in value or "\r" in value:
                return False
            q = 0
            while q < len(value) and value[q] not in "'\"":
                q += 1
            quote = value[q : q + 3] if value[q : q + 3] in ('"""', "'''") else value[q : q + 1]
            body = col + q + len(quote), col + len(value) - len(quote)
            if (
                not quote
                or not value.endswith(quote)
                or body[0] > body[1]
                or not (body[0] <= p and ea <= body[1])
                # an empty string against a quote is the start of a triple-quoted one
                or len(new_value) == q + 2 * len(quote)
                or _QUOTES_OR_ESCAPES.intersection(removed)
                or _QUOTES_OR_ESCAPES.intersection(inserted)
                or text[p - 1] == "\\"
            ):
                return False
        leaf.value = new_value
        return leaf.get_next_leaf()
    return False


def _patch_prefix(leaf, line: int, p: int, ea: int, removed: str, inserted: str, text: str):
    """The edit in the spaces before ``leaf`` on its line or in a comment of its prefix."""
    prefix = leaf.prefix
    if (
        leaf.line == line
        and _SPACING.issuperset(removed)
        and _SPACING.issuperset(inserted)
        and _SPACING.issuperset(prefix)
    ):
        # spaces between two tokens of a line (not its indentation); at least one
        # stays (two tokens that touch can become one)
        start = leaf.column - len(prefix)
        before = leaf.get_previous_leaf()
        new_prefix = prefix[: p - start] + inserted + prefix[ea - start :]
        if (
            start <= p
            and ea <= leaf.column
            and new_prefix
            and before is not None
            and before.type not in ("newline", "error_leaf")
            and leaf.type != "error_leaf"
            and before.end_pos == (line, start)
            and leaf.search_ancestor("fstring") is None
        ):
            leaf.prefix = new_prefix
            return leaf
        return False
    # a comment in the prefix of ``leaf``
    if "#" not in prefix:
        return False
    start_line, start_col = leaf.get_start_pos_of_prefix()
    if not (start_line <= line <= leaf.line):
        return False
    parts = parso.utils.split_lines(prefix, keepends=True)
    k = line - start_line
    if k >= len(parts):
        return False
    col0 = start_col if k == 0 else 0
    seg = parts[k]
    off = sum(len(x) for x in parts[:k])
    body = seg.rstrip("\r\n")
    if (
        text[col0 : col0 + len(body)] != body
        or "\f" in body
        or "#" not in body[: max(0, p - col0)]
        or ea > col0 + len(body)
    ):
        return False
    leaf.prefix = prefix[: off + p - col0] + inserted + prefix[off + ea - col0 :]
    return leaf if leaf.line == line else None


# leaves a name may touch without a space between and stay a name of its own
_LOOSE = frozenset({"operator", "newline", "endmarker"})


def forget(cache_key: str) -> None:
    """Drop the cached tree of a closed document (parso keys it by ``Path(key)``)."""
    parso.cache.parser_cache.get(GRAMMAR._hashed, {}).pop(Path(cache_key), None)
