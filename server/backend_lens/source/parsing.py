"""Reading and parsing source files with parso.

All parsing happens on one thread (the engine's analysis thread or the CLI's
main thread): parso's caches, which jedi shares, are not thread-safe.
"""

from __future__ import annotations

import re
from pathlib import Path

import parso
import parso.cache

GRAMMAR = parso.load_grammar()
DEFAULT_MAX_BYTES = 2_000_000
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


class SkipFile(Exception):
    """A file that is not analysed, with the reason a user is told."""


def decode(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    if len(data) > max_bytes:
        raise SkipFile(f"larger than {max_bytes // 1000} kB (raise max-file-size to analyse it)")
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file (contains NUL bytes)")
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


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SkipFile(
                f"larger than {max_bytes // 1000} kB (raise max-file-size to analyse it)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"cannot be read: {exc.strerror or exc}") from None
    return decode(data, max_bytes)


def parse(text: str, cache_key: str | None = None):
    """Parse ``text``. With a ``cache_key`` (unique per open document) parso's diff
    parser re-uses the previous tree of that key, so an edit re-parses only the
    lines around it. The returned tree may be mutated by the next parse of the
    same key: keep positions and strings, never nodes."""
    if cache_key is None:
        return GRAMMAR.parse(text)
    return GRAMMAR.parse(text, path=cache_key, diff_cache=True, cache=False)


def forget(cache_key: str) -> None:
    """Drop the cached tree of a closed document."""
    parso.cache.parser_cache.get(GRAMMAR._hashed, {}).pop(cache_key, None)
