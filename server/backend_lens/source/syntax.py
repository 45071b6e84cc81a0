"""Small helpers over parso trees shared by fact extractors and detectors.

Everything here is iterative (no recursion over the tree), so deeply nested
code cannot exhaust Python's stack through these helpers.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from parso.tree import BaseNode, NodeOrLeaf

SCOPE_TYPES = ("funcdef", "classdef", "file_input", "lambdef")
COMPOUND = (
    "if_stmt",
    "for_stmt",
    "while_stmt",
    "try_stmt",
    "with_stmt",
    "funcdef",
    "classdef",
    "async_stmt",
    "decorated",
    "match_stmt",
)


def walk(node: NodeOrLeaf) -> Iterator[NodeOrLeaf]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        children = getattr(n, "children", None)
        if children:
            stack.extend(reversed(children))


RECORDED_LEAVES = frozenset({"string", "error_leaf", "fstring_string"})


def index_by_type(module: BaseNode) -> tuple[dict[str, list[NodeOrLeaf]], int]:
    """One walk over the tree: inner nodes grouped by type (in source order), the
    few leaf types anyone asks for, and the count of error nodes."""
    return index_subtree(module)


def index_subtree(root: BaseNode, cut: BaseNode | None = None) -> tuple[dict[str, list], int]:
    """``index_by_type`` of the nodes under ``root``; under ``cut`` (a class's
    suite whose statements are indexed on their own) only its first child."""
    by_type: dict[str, list[NodeOrLeaf]] = defaultdict(list)
    get = by_type.get
    stack = [root]
    pop, push = stack.pop, stack.append
    base = BaseNode
    recorded = RECORDED_LEAVES
    while stack:
        n = pop()
        found = get(n.type)
        if found is None:
            found = by_type[n.type] = []
        found.append(n)
        children = n.children if n is not cut else n.children[:1]
        for c in reversed(children):
            if isinstance(c, base):
                push(c)
            elif c.type in recorded:
                leaves = get(c.type)
                if leaves is None:
                    leaves = by_type[c.type] = []
                leaves.append(c)
    for leaves in ("string", "error_leaf", "fstring_string"):
        if leaves in by_type:
            by_type[leaves].sort(key=lambda leaf: leaf.start_pos)
    errors = len(by_type.get("error_node", ())) + len(by_type.get("error_leaf", ()))
    return by_type, errors


def release(by_type: dict[str, list[NodeOrLeaf]]) -> None:
    """Break the parent/child cycles of a tree indexed by :func:`index_by_type` (every
    inner node is in its lists), so that the tree is freed by reference counting
    as soon as its last user lets go of it, not left to the cycle collector. That
    collector otherwise walked every parse tree of a scan several times (a fifth
    of the time of a check) and kept dead trees in memory until it ran. Only for a
    tree nobody uses afterwards: its nodes lose their children."""
    none = ()  # nothing is allocated
    for kind, nodes in by_type.items():
        if kind not in RECORDED_LEAVES:  # the other lists hold inner nodes only
            for n in nodes:
                n.children = none


def top_level_expr_stmts(module: BaseNode) -> Iterator[BaseNode]:
    """Module-level ``expr_stmt`` nodes, including a last line with no newline
    (which parso leaves outside a ``simple_stmt``)."""
    for stmt in module.children:
        if stmt.type == "simple_stmt":
            for c in stmt.children:
                if c.type == "expr_stmt":
                    yield c
        elif stmt.type == "expr_stmt":
            yield stmt


def code(node: NodeOrLeaf) -> str:
    """``node.get_code(include_prefix=False)`` without recursion (parso's recurses
    once per level and fails on deeply nested code)."""
    if not isinstance(node, BaseNode):
        return node.value  # type: ignore[attr-defined]
    out = []
    stack: list[NodeOrLeaf] = [node]
    pop, push = stack.pop, stack.extend
    first = True
    while stack:
        n = pop()
        if isinstance(n, BaseNode):
            push(reversed(n.children))
        elif first:
            out.append(n.value)  # type: ignore[attr-defined]
            first = False
        else:
            out.append(n.prefix + n.value)  # type: ignore[attr-defined]
    return "".join(out)


@dataclass
class Arg:
    kind: str  # "pos", "kw", "star", "dstar", "invalid" (`f(a.b=1)` while typing)
    name: str | None
    value: NodeOrLeaf
    node: NodeOrLeaf


def call_args(trailer: BaseNode) -> list[Arg]:
    """Arguments of a call trailer ``( ... )``."""
    inner = trailer.children[1:-1]
    if not inner:
        return []
    node = inner[0]
    items = (
        [c for c in node.children if c.type != "operator" or c.value not in ",)"]
        if node.type == "arglist"
        else [node]
    )
    args = []
    for item in items:
        if item.type == "argument":
            first = item.children[0]
            if first.type == "operator" and first.value in ("*", "**"):
                args.append(
                    Arg("star" if first.value == "*" else "dstar", None, item.children[1], item)
                )
            elif (
                len(item.children) >= 3
                and item.children[1].type == "operator"
                and item.children[1].value == "="
            ):
                if first.type == "name":
                    args.append(Arg("kw", first.value, item.children[2], item))
                else:  # `a.b="x"`, half-typed: no keyword any check could mean
                    args.append(Arg("invalid", None, item.children[2], item))
            else:  # generator argument
                args.append(Arg("pos", None, item, item))
        elif item.type == "star_expr":
            args.append(Arg("star", None, item.children[1], item))
        else:
            args.append(Arg("pos", None, item, item))
    return args


def kwarg(args: list[Arg], name: str) -> Arg | None:
    for a in args:
        if a.kind == "kw" and a.name == name:
            return a
    return None


def is_call_trailer(n: NodeOrLeaf) -> bool:
    return n.type == "trailer" and n.children[0].type == "operator" and n.children[0].value == "("


def is_attr_trailer(n: NodeOrLeaf) -> bool:
    return n.type == "trailer" and n.children[0].type == "operator" and n.children[0].value == "."


STRING_TYPES = ("string", "strings", "fstring")


def unparen(node: NodeOrLeaf) -> NodeOrLeaf:
    """``node`` without the parentheses around it (``("a" "b") % x``); a tuple or a
    generator in parentheses is kept."""
    while node.type == "atom" and len(node.children) == 3 and node.children[0].value == "(":
        inner = node.children[1]
        if inner.type in ("testlist_comp", "yield_expr"):
            break
        node = inner
    return node


def plain_assignment(stmt: NodeOrLeaf) -> tuple[NodeOrLeaf, NodeOrLeaf] | None:
    """(name leaf, value) of a plain ``name = value`` statement, else None."""
    ch = getattr(stmt, "children", ())
    if len(ch) == 3 and ch[0].type == "name" and ch[1].type == "operator" and ch[1].value == "=":
        return ch[0], ch[2]
    return None


def formatted_string(node: NodeOrLeaf) -> tuple[NodeOrLeaf, NodeOrLeaf] | None:
    """(the string literal, what fills it) of ``"...".format(...)`` (the trailer
    after ``.format``) or ``"..." % values`` (the values; the string may be parenthesised)."""
    if node.type in ("atom_expr", "power"):
        ps = parts(node)
        if (
            len(ps) >= 3
            and ps[0].type in STRING_TYPES
            and is_attr_trailer(ps[1])
            and ps[1].children[1].value == "format"
        ):
            return ps[0], ps[2]
    elif node.type == "term" and len(node.children) == 3 and node.children[1].value == "%":
        left = unparen(node.children[0])
        if left.type in STRING_TYPES:
            return left, node.children[2]
    return None


def parts(atom_expr: BaseNode) -> list[NodeOrLeaf]:
    """Children of an atom_expr / power node without a leading ``await``."""
    ch = atom_expr.children
    if ch and ch[0].type == "keyword" and ch[0].value == "await":
        ch = ch[1:]
    if ch and ch[-1].type == "operator" and ch[-1].value == "**":
        ch = ch[:-1]
    return list(ch)


def dotted(node: NodeOrLeaf | None) -> str | None:
    """``a.b.c`` for a name or a chain of attribute accesses, else None."""
    if node is None:
        return None
    if node.type == "name":
        return node.value
    if node.type in ("atom_expr", "power"):
        ps = parts(node)
        if not ps or ps[0].type != "name":
            return None
        out = [ps[0].value]
        for t in ps[1:]:
            if not is_attr_trailer(t):
                return None
            out.append(t.children[1].value)
        return ".".join(out)
    return None


@dataclass
class Call:
    """One call inside a chain: ``<callee>(args)``."""

    node: BaseNode  # the atom_expr holding it
    index: int  # index of the call trailer within parts(node)
    callee: str | None  # dotted text of what is called, or None if not a plain dotted name
    method: str | None  # last attribute name of the callee
    trailer: BaseNode

    @property
    def args(self) -> list[Arg]:
        return call_args(self.trailer)


# What facts keep for a whole scan is shared where it repeats: names are interned,
# and empty sets are one object (each ``frozenset()`` is a new one of 216 bytes).
intern = sys.intern
NOTHING: frozenset = frozenset()


def calls_in(atom_expr: BaseNode) -> list[Call]:
    """Every call in a chain ``a.b(x).c(y)``, left to right.

    One pass over the chain: the dotted prefix is kept while it lasts (only the
    calls before the first non-attribute trailer have a plain dotted callee), so
    a chain of n calls costs O(n), not O(n**2)."""
    ps = parts(atom_expr)
    out = []
    names: list[str] | None = [ps[0].value] if ps and ps[0].type == "name" else None
    for i in range(1, len(ps)):
        t = ps[i]
        if is_call_trailer(t):
            prev = ps[i - 1]
            method = None
            # interned: the facts keep the method names of every file (one "filter"
            # string for the project, not one per file and call)
            if prev.type == "name":
                method = intern(prev.value)
            elif is_attr_trailer(prev):
                method = intern(prev.children[1].value)
            callee = ".".join(names) if names is not None else None
            out.append(Call(atom_expr, i, callee, method, t))
        if names is not None:
            if is_attr_trailer(t):
                names.append(t.children[1].value)
            else:
                names = None
    return out


class CallCache(dict):
    """``calls_in`` computed once per node for one analysis (facts and detectors)."""

    def __call__(self, node) -> list[Call]:
        key = id(node)
        found = self.get(key)
        if found is None:
            found = self[key] = calls_in(node)
        return found


def chain_methods(atom_expr: BaseNode) -> list[tuple[str, BaseNode | None]]:
    """``Order.objects.filter(x).first()`` -> [("objects", None), ("filter", trailer), ("first", trailer)]."""
    ps = parts(atom_expr)
    out: list[tuple[str, BaseNode | None]] = []
    for i, t in enumerate(ps[1:], 1):
        if is_attr_trailer(t):
            nxt = ps[i + 1] if i + 1 < len(ps) else None
            out.append(
                (t.children[1].value, nxt if nxt is not None and is_call_trailer(nxt) else None)
            )
    return out


def literal(text: str):
    """``ast.literal_eval`` of the analysed project's code, without the warnings
    Python prints about it (an invalid escape such as ``"\\d"`` in a regex
    written without ``r``): those are the project's, and stderr is the user's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.literal_eval(text)


def string_value(node: NodeOrLeaf | None) -> str | None:
    """The value of a plain string literal (or implicit concatenation), else None."""
    if node is None:
        return None
    if node.type == "string":
        try:
            v = literal(code(node))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        return v if isinstance(v, str) else None
    if node.type == "strings":
        vals = [string_value(c) for c in node.children]
        if all(isinstance(v, str) for v in vals):
            return "".join(vals)  # type: ignore[arg-type]
    return None


def literal_text(node: NodeOrLeaf) -> str:
    """The literal text parts of a string, f-string or concatenation (expressions left out)."""
    out = []
    for n in walk(node):
        if n.type == "string":
            v = string_value(n)
            out.append(v if v is not None else code(n))
        elif n.type == "fstring_string":
            out.append(n.value)
    return "".join(out)


def enclosing(node: NodeOrLeaf, types: tuple[str, ...]) -> BaseNode | None:
    p = node.parent
    while p is not None and p.type not in types:
        p = p.parent
    return p


class Nearest:
    """``enclosing(node, types)`` remembered for every node on the way up, so that
    asking for many nodes of one file costs O(size of the file) in all, not
    O(nodes x depth). Valid for one parse tree (keys are node ids)."""

    def __init__(self, types: tuple[str, ...]):
        self.types = types
        self._memo: dict[int, BaseNode | None] = {}  # id(p) -> nearest of types at or above p

    def __call__(self, node: NodeOrLeaf) -> BaseNode | None:
        memo, types = self._memo, self.types
        chain = []
        p = node.parent
        while p is not None and p.type not in types:
            found = memo.get(id(p), memo)
            if found is not memo:
                break
            chain.append(id(p))
            p = p.parent
        else:
            found = p
        for key in chain:
            memo[key] = found
        return found  # type: ignore[return-value]


def scope_of(node: NodeOrLeaf) -> BaseNode:
    p = enclosing(node, ("funcdef", "file_input", "lambdef", "classdef"))
    assert p is not None
    return p


def statement_of(node: NodeOrLeaf, memo: dict | None = None) -> NodeOrLeaf:
    """The simple statement holding ``node``, or the header of a compound one.
    ``memo`` (one per file) remembers the answer for every node on the way up."""
    if memo is not None:
        return _statement_memo(node, memo)
    n = node
    while n.parent is not None:
        p = n.parent
        if p.type in ("simple_stmt", "decorator"):
            return p
        if p.type in ("suite", "file_input"):
            return n
        if p.type in COMPOUND or p.type in ("sync_comp_for",):
            if n.type == "suite":
                return n
            # the header of a compound statement: from its keyword to the colon
            return p
        n = p
    return n


def _statement_memo(node: NodeOrLeaf, memo: dict) -> NodeOrLeaf:
    chain = []
    n = node
    while True:
        found = memo.get(id(n))
        if found is not None:
            break
        p = n.parent
        if p is None:
            found = n
        elif p.type in ("simple_stmt", "decorator"):
            found = p
        elif p.type in ("suite", "file_input"):
            found = n
        elif p.type in COMPOUND or p.type in ("sync_comp_for",):
            found = n if n.type == "suite" else p
        else:
            chain.append(id(n))
            n = p
            continue
        memo[id(n)] = found
        break
    for key in chain:
        memo[key] = found
    return found


class SpanMemo:
    """What ``stmt_line_span`` learns of one file's tree, to answer each node in
    O(1) amortised: findings deep inside one statement (a call nested in a call
    ... 4,000 deep, a list of 10,000 elements) cost O(size), not O(size x depth)."""

    def __init__(self) -> None:
        self.statements: dict[int, NodeOrLeaf] = {}  # id(n) -> statement_of(n)
        self.splits: dict[int, bool] = {}  # id(display) -> it splits its elements
        self.elements: dict[int, NodeOrLeaf | bool] = {}  # id(n) -> element at/above n, or False


SEQUENCES = ("testlist_comp", "dictorsetmaker", "exprlist", "testlist", "testlist_star_expr")


def _splits_elements(p: BaseNode) -> bool:
    """A display of several elements over several lines (not a comprehension)."""
    return (
        p.end_pos[0] > p.start_pos[0]
        and sum(1 for c in p.children if c.type != "operator") > 1
        and not any(c.type in ("sync_comp_for", "comp_for") for c in p.children)
    )


def _element_of(node: NodeOrLeaf, stmt: NodeOrLeaf, memo: SpanMemo) -> NodeOrLeaf | None:
    """The node at or above ``node``, below ``stmt``, whose parent is a display that
    splits its elements (see ``stmt_line_span``), remembered on the way up."""
    chain = []
    n = node
    found: NodeOrLeaf | bool = False
    while n is not stmt and n.parent is not None:
        known = memo.elements.get(id(n))
        if known is not None:
            found = known
            break
        p = n.parent
        if p.type in SEQUENCES:
            splits = memo.splits.get(id(p))
            if splits is None:
                splits = memo.splits[id(p)] = _splits_elements(p)
            if splits:
                found = n
                memo.elements[id(n)] = n
                break
        chain.append(id(n))
        n = p
    for key in chain:
        memo.elements[key] = found
    return found or None  # type: ignore[return-value]


def stmt_line_span(node: NodeOrLeaf, memo: SpanMemo | None = None) -> tuple[int, int]:
    """The lines where a suppression comment counts for ``node``: its statement,
    or, inside a list/tuple/dict display of several elements (a migration's
    ``operations = [...]``), just the element that holds it. ``memo`` (one per
    file) makes it O(1) amortised per node."""
    if memo is not None:
        stmt = statement_of(node, memo.statements)
        element = _element_of(node, stmt, memo)
    else:
        stmt = statement_of(node)
        element = None
        n = node
        while n is not stmt and n.parent is not None:
            p = n.parent
            if p.type in SEQUENCES and _splits_elements(p):
                element = n
                break
            n = p
    if element is not None:
        return element.start_pos[0], element.end_pos[0]
    if stmt.type in COMPOUND:
        # header only: up to the first suite
        end_line = stmt.start_pos[0]
        for c in stmt.children:
            if c.type == "suite":
                break
            end_line = c.end_pos[0]
        return stmt.start_pos[0], max(
            end_line, node.end_pos[0] if node.end_pos[0] <= end_line else end_line
        )
    return stmt.start_pos[0], stmt.end_pos[0] - (
        1 if stmt.end_pos[1] == 0 and stmt.end_pos[0] > stmt.start_pos[0] else 0
    )


def decorated_target(dec: BaseNode) -> NodeOrLeaf | None:
    """The function or class a decorator is on (``async def`` unwrapped), or None."""
    p = dec.parent
    if p is not None and p.type == "decorators":
        p = p.parent
    if p is None or p.type != "decorated":
        return None
    target = p.children[-1]
    if target.type in ("async_funcdef", "async_stmt"):
        target = target.children[-1]
    return target


def function_decorators(funcdef: BaseNode) -> list[NodeOrLeaf]:
    p = funcdef.parent
    if p is not None and p.type in ("async_stmt", "async_funcdef"):
        p = p.parent
    if p is None or p.type != "decorated":
        return []
    d = p.children[0]
    if d.type == "decorator":
        return [d]
    return [c for c in d.children if c.type == "decorator"]


def decorator_name(dec: BaseNode) -> str | None:
    """``@transaction.atomic`` -> "transaction.atomic"; ``@api_view(["GET"])`` -> "api_view"."""
    inner = dec.children[1]
    if inner.type == "name":
        return inner.value
    if inner.type in ("atom_expr", "power", "dotted_name"):
        if inner.type == "dotted_name":
            return "".join(c.value for c in inner.children)
        ps = parts(inner)
        names = []
        for i, t in enumerate(ps):
            if i == 0 and t.type == "name":
                names.append(t.value)
            elif is_attr_trailer(t):
                names.append(t.children[1].value)
            else:
                break
        return ".".join(names) or None
    return None


def is_async_funcdef(funcdef: BaseNode) -> bool:
    p = funcdef.parent
    return p is not None and p.type in ("async_stmt", "async_funcdef")


def walk_regions(
    regions: list[tuple[int, frozenset[str] | set[str], list[NodeOrLeaf]]],
    barrier: tuple[str, ...] = (),
) -> Iterator[tuple[NodeOrLeaf, dict[str, list[tuple[int, int]]]]]:
    """One walk over the bodies of many loops, however they nest.

    ``regions`` are ``(key, names, roots)``: a loop's key, the names it binds and
    the roots of its body. Yields ``(node, active)`` for every node under some
    root, each node once, in source order; ``active[name]`` lists ``(key, least key
    so far)`` for the loops that bind ``name`` and whose body holds the node,
    outermost first. Below a node whose type is in ``barrier`` (a nested function)
    the enclosing loops are not active. ``active`` is only valid until the next
    node is taken.

    Walking each loop's body separately costs the sum of the body sizes, which
    grows with the square of the nesting depth; this costs the size of the
    outermost bodies."""
    by_root: dict[int, list[tuple[int, frozenset[str] | set[str]]]] = {}
    roots: list[NodeOrLeaf] = []
    for key, names, rs in regions:
        for r in rs:
            entry = by_root.get(id(r))
            if entry is None:
                entry = by_root[id(r)] = []
                roots.append(r)
            entry.append((key, names))
    roots.sort(key=lambda r: r.start_pos)
    for i in range(len(roots) - 1):
        if roots[i].start_pos == roots[i + 1].start_pos:
            # equal starts (rare): the larger region first, so that it holds the other
            roots.sort(key=lambda r: (r.start_pos, tuple(-x for x in r.end_pos)))
            break
    covered: set[int] = set()
    exit_marker = object()
    for root in roots:
        if id(root) in covered:
            continue
        active: dict[str, list[tuple[int, int]]] = {}
        saved: list[dict[str, list[tuple[int, int]]]] = []
        stack: list = [root]
        pop, push = stack.pop, stack.append
        while stack:
            n = pop()
            if n is exit_marker:
                pushed, swapped = pop(), pop()
                if swapped:
                    active = saved.pop()
                for name in pushed:
                    lst = active[name]
                    lst.pop()
                    if not lst:
                        del active[name]
                continue
            entry = by_root.get(id(n))
            pushed = ()
            if entry is not None:
                covered.add(id(n))
                pushed = []
                for key, names in entry:
                    for name in names:
                        lst = active.get(name)
                        if lst is None:
                            lst = active[name] = []
                        least = key if not lst or lst[-1][1] > key else lst[-1][1]
                        lst.append((key, least))
                        pushed.append(name)
            yield n, active
            swapped = n.type in barrier
            if pushed or swapped:
                push(swapped)
                push(pushed)
                push(exit_marker)
                if swapped:
                    saved.append(active)
                    active = {}
            children = getattr(n, "children", None)
            if children:
                stack.extend(reversed(children))
