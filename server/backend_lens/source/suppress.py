"""``# backend-lens: ignore[CODE]`` comments: reading them and writing them."""

from __future__ import annotations

import re

from ..model import Edit
from .syntax import leaf_at_line_end

PATTERN = re.compile(r"#\s*backend-lens:\s*ignore(?:\[([^\]]*)\])?", re.I)


def parse_suppressions(lines: list[str]) -> dict[int, frozenset[str] | None]:
    """Line (1-based) -> the codes/names it silences, or None for all rules."""
    out: dict[int, frozenset[str] | None] = {}
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


def _safe_for_comment(module, lines: list[str], line: int) -> bool:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    body = text.rstrip("\r\n")
    if not body.strip() or body.rstrip().endswith("\\"):
        return False
    leaf = leaf_at_line_end(module, line, text)
    if leaf is None:
        return False
    if leaf.type in ("string", "fstring_string", "fstring_start", "fstring_end") and (
        leaf.end_pos[0] > line or leaf.start_pos[0] < line
    ):
        return False
    # inside an f-string that spans lines
    p = leaf.parent
    while p is not None and p.type != "simple_stmt":
        if p.type == "fstring" and p.end_pos[0] > line:
            return False
        p = p.parent
    return True


def suppression_edit(
    module, lines: list[str], path: str, span: tuple[int, int], code: str
) -> Edit | None:
    """The edit that adds ``code`` to a suppression comment on the statement."""
    first, last = span
    for line in list(range(first, max(first, last) + 1)):
        text = lines[line - 1].rstrip("\r\n") if line <= len(lines) else ""
        m = PATTERN.search(text)
        if m and _safe_for_comment(module, lines, line):
            if m.group(1) is None:
                return None  # already silences everything
            codes = [c.strip() for c in m.group(1).split(",") if c.strip()]
            if code in codes:
                return None
            new = f"# backend-lens: ignore[{', '.join([*codes, code])}]"
            return Edit(path, (line, m.start()), (line, m.end()), new)
    for line in range(first, max(first, last) + 1):
        if _safe_for_comment(module, lines, line):
            text = lines[line - 1].rstrip("\r\n")
            end = len(text.rstrip())
            return Edit(path, (line, end), (line, len(text)), f"  # backend-lens: ignore[{code}]")
    return None
