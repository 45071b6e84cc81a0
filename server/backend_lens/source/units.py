"""A module's units: the pieces the language server analyses one by one.

A unit is a statement of the module, except that a class at the top level is
cut into its head (decorators, ``class`` line, bases) and each statement of its
body (a method, a field, a nested ``Meta``): a keystroke in one method of a
2,000-line class re-analyses that method. This is the cut of
``engine.analysis.units_of`` (which the whole-file analysis uses when a detector
fails on a file), so both analyses agree on what a statement is.

Each unit has a key: its kind, its span and the text of the lines it covers
(for a class head, the whole class: its facts read the shape of every
statement of the body). Equal keys and the same node object mean the unit, and
every node under it, is unchanged since the last analysis: parso's diff parser
re-uses the node objects of the lines it did not re-parse.
"""

from __future__ import annotations

from dataclasses import dataclass

from parso.tree import BaseNode

from .syntax import RECORDED_LEAVES, index_subtree

Pos = tuple[int, int]


@dataclass
class Unit:
    node: object  # the module's child, or a statement of a split class's body
    kind: str  # "stmt", "head" (of a split class) or "member" (of a split class)
    start: Pos
    last: int  # the last line the unit's key covers: the line before the next unit
    key: tuple  # (kind, start, last, the text of lines start..last[, its class])
    cls: object = None  # head / member: the classdef
    is_function: bool = False  # a def (decorated or not): what it holds is its own
    own: tuple = ()  # the key of the unit's own lines (a head: without the class body)

    def __post_init__(self):
        if not self.own:
            self.own = self.key

    @property
    def end(self) -> Pos:
        """Where the unit's last node ends (a head: its ``class ...:`` line)."""
        if self.kind == "head":
            return self.cls.children[-1].children[0].end_pos
        return self.node.end_pos


def _unwrap(node):
    while node.type in ("decorated", "async_stmt", "async_funcdef"):
        node = node.children[-1]
    return node


def units(module, lines: list[str]) -> list[Unit]:
    """The units of ``module`` in source order. A unit's key covers its lines and
    the comment and blank lines after it, up to the next unit (so an edit there
    re-analyses it: over-cautious, never wrong); positions come from first
    leaves only (``end_pos`` of every statement walks to its last leaf)."""
    found: list[tuple] = []  # (node, kind, start, cls, head_of)
    children = module.children
    for child in children:
        if child.type == "endmarker":
            continue
        node = child.children[-1] if child.type == "decorated" else child
        suite = node.children[-1] if node.type == "classdef" else None
        if suite is not None and suite.type == "suite":
            found.append((child, "head", child.start_pos, node))
            for stmt in suite.children[1:]:
                found.append((stmt, "member", stmt.start_pos, node))
        else:
            found.append((child, "stmt", child.start_pos, None))
    n_lines = len(lines)

    def before(j: int) -> int:
        """The last line of what comes before unit ``j``: the line before it, or
        its own line when code precedes it there (error recovery can start a
        statement in the middle of a line); a key covers every line of its nodes."""
        if j >= len(found):
            return n_lines
        line, col = found[j][2]
        if col and line <= n_lines and lines[line - 1][:col].strip():
            return line
        return line - 1

    out: list[Unit] = []
    class_end = 0  # the last line of the class being cut
    for i, (node, kind, start, cls) in enumerate(found):
        last = max(start[0], before(i + 1))
        text = tuple(lines[start[0] - 1 : last])
        if kind == "head":
            # the class ends before the next unit that is not one of its statements
            j = i + 1
            while j < len(found) and found[j][1] == "member" and found[j][3] is cls:
                j += 1
            class_end = max(start[0], before(j))
            whole = tuple(lines[start[0] - 1 : class_end])
            out.append(
                Unit(
                    node,
                    "head",
                    start,
                    class_end,
                    ("head", start, class_end, whole),
                    cls,
                    own=("head", start, last, text),
                )
            )
        else:
            is_function = _unwrap(node).type == "funcdef"
            own: tuple = ()
            if not is_function:
                # what the other units' detectors may read of it: its own lines, not
                # the comments after it (a comment typed there re-checks only it)
                leaf = node.get_last_leaf() if isinstance(node, BaseNode) else node
                # a statement ends with its newline: its line is the statement's last
                line = leaf.start_pos[0] if leaf.type == "newline" else leaf.end_pos[0]
                end = max(start[0], min(last, line))
                own = (kind, start, end, text[: end - start[0] + 1])
            # a statement of a class body is read as a member of that class (its
            # functions' qualified names): the class is part of its key, so that a
            # class statement moved elsewhere re-reads the statements it left
            key = (kind, start, last, text)
            if cls is not None:
                key += ((cls.children[1].value, cls.start_pos),)
            out.append(Unit(node, kind, start, last, key, cls, is_function, own))
    return out


def index_unit(unit: Unit) -> tuple[dict[str, list], int]:
    """``syntax.index_by_type`` of the nodes of one unit (a class head: without
    the statements of its body), and its count of error nodes and leaves."""
    root = unit.node
    if not isinstance(root, BaseNode):
        return ({root.type: [root]} if root.type in RECORDED_LEAVES else {}), int(
            root.type == "error_leaf"
        )
    by_type, errors = index_subtree(root, unit.cls.children[-1] if unit.kind == "head" else None)
    return dict(by_type), errors


class MergedIndex(dict):
    """The whole file's ``index_by_type``, joined from its units' on first use of
    each node type (most edits need a few types, not all of them)."""

    def __init__(self, module, parts: list[dict[str, list]]):
        super().__init__()
        self._module = module
        self._parts = parts

    def _merge(self, t: str) -> list:
        out: list = [self._module] if t == self._module.type else []
        for part in self._parts:
            found = part.get(t)
            if found:
                out += found
        if t in RECORDED_LEAVES:
            out.sort(key=lambda leaf: leaf.start_pos)
        dict.__setitem__(self, t, out)
        return out

    def get(self, t, default=None):
        found = dict.get(self, t)
        if found is None:
            found = self._merge(t)
        return found if found else default

    def __getitem__(self, t):
        found = dict.get(self, t)
        if found is None:
            found = self._merge(t)
        if not found:
            raise KeyError(t)
        return found

    def __contains__(self, t):
        return bool(self.get(t))

    def types(self) -> set[str]:
        found = {self._module.type}
        for part in self._parts:
            found.update(part)
        return found

    def items(self):
        return [(t, self.get(t, [])) for t in sorted(self.types())]
