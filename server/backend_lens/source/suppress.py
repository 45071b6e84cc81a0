"""``# backend-lens: ignore[CODE]`` comments: reading them and writing them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lines import split_lines

PATTERN = re.compile(r"#\s*backend-lens:\s*ignore(?:\[([^\]]*)\])?", re.I)


@dataclass(frozen=True)
class Ignore:
    """One suppression comment: where it is on its line and what it names."""

    text: str  # the line, without its line break
    start: int  # columns (code points) of ``# backend-lens: ignore[...]`` on it
    end: int
    written: tuple[str, ...] | None  # the codes and names as written; None: every rule
    keys: frozenset[str] | None  # the same, upper-case


def parse_suppressions(lines: list[str], module=None) -> dict[int, Ignore]:
    """Line (1-based) -> the suppression comment on it. With ``module`` (the
    file's parso tree), text that only looks like one inside a string (a
    docstring's example) is not a comment and is left out."""
    out: dict[int, Ignore] = {}
    if "backend-lens" not in "".join(lines):
        return out
    for n, line in enumerate(lines, 1):
        if "backend-lens" not in line:
            continue
        for m in PATTERN.finditer(line):
            if module is not None and _in_token(module, (n, m.start())):
                continue
            text = line.rstrip("\r\n")
            if m.group(1) is None:
                out[n] = Ignore(text, m.start(), m.end(), None, None)
            else:
                written = tuple(c.strip() for c in m.group(1).split(",") if c.strip())
                out[n] = Ignore(
                    text, m.start(), m.end(), written, frozenset(c.upper() for c in written)
                )
            break
    return out


def _in_token(module, pos: tuple[int, int]) -> bool:
    """Whether ``pos`` is inside a token (a string) rather than a comment."""
    try:
        return module.get_leaf_for_position(pos) is not None
    except ValueError:  # past the end of the tree
        return False


def matches(ignore: Ignore, code: str, name: str) -> list[str | None]:
    """The keys of ``ignore`` that silence rule ``code``/``name`` ([None] for a
    bare ignore, [] when it does not silence it)."""
    if ignore.keys is None:
        return [None]
    return [k for k in (code.upper(), name.upper()) if k in ignore.keys]


def silencing(
    suppressions: dict[int, Ignore], span: tuple[int, int], code: str, name: str
) -> list[tuple[int, str | None]]:
    """(line, key) of every suppression on the statement lines ``span`` that
    silences rule ``code``/``name``; empty when none does."""
    if not suppressions:
        return []
    first, last = span
    found = []
    for line in range(first, max(first, last) + 1):
        ignore = suppressions.get(line)
        if ignore is not None:
            found.extend((line, key) for key in matches(ignore, code, name))
    return found


def is_suppressed(
    suppressions: dict[int, Ignore], span: tuple[int, int], code: str, name: str
) -> bool:
    return bool(silencing(suppressions, span, code, name))


def string_lines(by_type) -> set[int]:
    """Lines that end inside a string spanning several lines."""
    unsafe: set[int] = set()
    for leaf in (*by_type.get("string", ()), *by_type.get("fstring_string", ())):
        # only strings spanning several lines matter; most strings are short
        if "\n" in leaf.value or "\r" in leaf.value:
            first = leaf.start_pos[0]
            unsafe.update(range(first, first + len(split_lines(leaf.value)) - 1))
    return unsafe
