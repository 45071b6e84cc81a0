"""What the GraphQL and websocket rules of the section share: the section's name,
the GraphQL packages, and small readers of calls and class bodies."""

from __future__ import annotations

from ...source import syntax as sx
from .._helpers import last_assignment
from ..base import Context

SECTION = "GraphQL & Real-time Services"
GRAPHQL_PACKAGES = (
    "graphene",
    "graphene_file_upload",
    "graphene_django",
    "graphql_server",
    "flask_graphql",
    "strawberry",
    "ariadne",
    "ariadne_django",
)


def imports_any(ctx: Context, packages) -> bool:
    return any(m.split(".", 1)[0] in packages for m in ctx.facts.imported_modules)


def callee_end(call: sx.Call):
    """The last node of what is called (``strawberry.Schema``), for a finding's end."""
    return sx.parts(call.node)[call.index - 1]


def is_true(node) -> bool:
    return node.type == "keyword" and node.value == "True"


def last_name(node) -> str | None:
    """``Limiter`` of ``Limiter``, ``ext.Limiter``, ``Limiter(...)``, ``lambda: Limiter(...)``."""
    if node.type == "lambdef":
        node = node.children[-1]
    if node.type in ("atom_expr", "power"):
        ps = sx.parts(node)
        names = [ps[0].value] if ps and ps[0].type == "name" else []
        for t in ps[1:]:
            if sx.is_attr_trailer(t):
                names.append(t.children[1].value)
            elif not sx.is_call_trailer(t):
                return None
        return names[-1] if names else None
    if node.type == "name":
        return node.value
    return None


def sequence_items(node) -> list | None:
    """The items of a list or tuple display, else None."""
    node = sx.unparen(node) if node.type == "atom" and node.children[0].value == "(" else node
    if node.type != "atom" or node.children[0].value not in ("[", "("):
        return None
    if len(node.children) == 2:
        return []
    inner = node.children[1]
    if inner.type in ("testlist_comp", "exprlist"):
        if any(c.type in ("sync_comp_for", "comp_for") for c in inner.children):
            return None
        return [c for c in inner.children if c.type != "operator"]
    return [inner]


def resolve_local(ctx: Context, node, depth: int = 0):
    """A name's value assigned earlier in the same scope, else the node itself."""
    while node.type == "name" and depth < 4:
        value = last_assignment(ctx, node.value, node)
        if value is None:
            return node
        node, depth = value, depth + 1
    return node


def spread(args: list[sx.Arg]) -> bool:
    return any(a.kind in ("star", "dstar", "invalid") for a in args)


def class_bases(cls) -> list:
    """The base expressions of a classdef (keywords such as metaclass= left out)."""
    ch = cls.children
    if len(ch) < 4 or ch[2].type != "operator" or ch[2].value != "(":
        return []
    inner = ch[3]
    if inner.type == "operator":
        return []
    items = inner.children if inner.type == "arglist" else [inner]
    return [c for c in items if c.type != "operator" and c.type != "argument"]


def class_methods(cls) -> dict:
    out = {}
    suite = cls.children[-1]
    for stmt in getattr(suite, "children", ()):
        f = stmt
        if f.type == "decorated":
            f = f.children[-1]
        if f.type in ("async_stmt", "async_funcdef"):
            f = f.children[-1]
        if f.type == "funcdef":
            out.setdefault(f.children[1].value, f)
    return out


def next_is_call(node) -> bool:
    """Whether the node (a name or an attribute trailer) is followed by a call."""
    holder = node.parent if node.type == "trailer" else node.parent
    if holder is None or holder.type not in ("atom_expr", "power"):
        return False
    ps = sx.parts(holder)
    i = next((k for k, c in enumerate(ps) if c is node), -1)
    return 0 <= i < len(ps) - 1 and sx.is_call_trailer(ps[i + 1])
