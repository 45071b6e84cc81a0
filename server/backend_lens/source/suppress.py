"""``# backend-lens: ignore[CODE]`` comments: reading them and writing them."""

from __future__ import annotations

import re

from .lines import split_lines

PATTERN = re.compile(r"#\s*backend-lens:\s*ignore(?:\[([^\]]*)\])?", re.I)


def parse_suppressions(lines: list[str]) -> dict[int, frozenset[str] | None]:
    """Line (1-based) -> the codes/names it silences, or None for all rules."""
    out: dict[int, frozenset[str] | None] = {}
    if "backend-lens" not in "".join(lines):
        return out
    for n, line in enumerate(lines, 1):
        if "backend-lens" not in line:
            continue
        m = PATTERN.search(line)
        if not m:
            continue
        if m.group(1) is None:
            out[n] = None
        else:
            out[n] = frozenset(c.strip().upper() for c in m.group(1).split(",") if c.strip())
    return out


def is_suppressed(
    suppressions: dict[int, frozenset[str] | None], span: tuple[int, int], code: str, name: str
) -> bool:
    first, last = span
    for line in range(first, max(first, last) + 1):
        if line in suppressions:
            codes = suppressions[line]
            if codes is None or code.upper() in codes or name.upper() in codes:
                return True
    return False


def string_lines(by_type) -> set[int]:
    """Lines that end inside a string spanning several lines."""
    unsafe: set[int] = set()
    for leaf in (*by_type.get("string", ()), *by_type.get("fstring_string", ())):
        # only strings spanning several lines matter; most strings are short
        if "\n" in leaf.value or "\r" in leaf.value:
            first = leaf.start_pos[0]
            unsafe.update(range(first, first + len(split_lines(leaf.value)) - 1))
    return unsafe
