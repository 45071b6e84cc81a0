"""Small questions about parse-tree nodes that the walk asks."""

from __future__ import annotations

import re

from ...source import syntax as sx


def _literal_start(node) -> str:
    """The literal text a string expression starts with ("" when it does not)."""
    node = _unparen(node)
    if node.type in ("fstring", "string", "strings"):
        text = sx.code(node).strip()
        return re.sub(r"^[rbfuRBFU]*['\"]{1,3}", "", text)
    if node.type in ("term", "arith_expr") and node.children:
        return _literal_start(node.children[0])
    return ""


def _method_of(ps, i) -> str | None:
    prev = ps[i - 1] if i > 0 else None
    if prev is not None and prev.type == "trailer" and prev.children[0].value == ".":
        return prev.children[1].value
    return None


def _is_string(n) -> bool:
    return n.type in ("string", "strings", "fstring")


_unparen = sx.unparen


def _items(node):
    if node.type == "atom":
        if len(node.children) != 3:
            return []
        node = node.children[1]
    if node.type in ("testlist_comp", "testlist_star_expr", "exprlist", "testlist"):
        return [c for c in node.children if not (c.type == "operator" and c.value == ",")]
    return [node]


def _first_item(atom):
    if atom.type != "atom" or not atom.children or atom.children[0].value not in "[(":
        return None
    items = _items(atom)
    if not items:
        return None
    first = items[0]
    if first.type in ("comp_for", "sync_comp_for"):
        return None
    return first


def _leaves(suite) -> bool:
    """Whether a block ends the function, the request or the loop turn: its last
    statement is a return, raise, continue or break, or a call of `abort(...)`."""
    stmts = [c for c in suite.children if c.type not in ("newline", "operator", "keyword")]
    if not stmts:
        return False
    last = stmts[-1]
    if last.type == "simple_stmt":
        last = last.children[0]
    if last.type in ("return_stmt", "raise_stmt", "continue_stmt", "break_stmt"):
        return True
    if last.type == "keyword" and last.value in ("continue", "break"):
        return True
    return bool(re.match(r"\s*(flask\.)?abort\s*\(", sx.code(last)))
