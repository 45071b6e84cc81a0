"""Helpers several detectors share: query sets, call arguments, atomic blocks."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from ..source import syntax as sx
from .base import Context

MANAGERS = ("objects",)
# QuerySet methods that return another queryset (a chain can go on after them)
CHAINABLE = frozenset(
    {
        "objects",
        "all",
        "filter",
        "exclude",
        "order_by",
        "select_related",
        "prefetch_related",
        "only",
        "defer",
        "distinct",
        "using",
        "annotate",
        "alias",
        "select_for_update",
        "reverse",
        "none",
        "union",
        "intersection",
        "difference",
        "extra",
    }
)
# methods after which a chain no longer is a queryset of model instances
TERMINAL = {
    "bulk_create",
    "bulk_update",
    "create",
    "get",
    "first",
    "last",
    "latest",
    "earliest",
    "get_or_create",
    "update_or_create",
    "count",
    "exists",
    "aggregate",
    "in_bulk",
    "update",
    "delete",
    "explain",
    "contains",
}


@dataclass
class QuerySet:
    model: str  # the model name as written
    model_pos: tuple[int, int]
    methods: list[tuple[str, object]] = field(default_factory=list)  # (name, call trailer or None)
    insert_at: tuple[int, int] = (0, 0)  # just after ``.objects``: where a method can be chained
    root: object = None  # the atom_expr that starts at ``Model.objects``

    def names(self) -> list[str]:
        return [m for m, _ in self.methods]

    def yields_instances(self) -> bool:
        """Iterating it gives model instances (not a single object, a list that
        bulk_create returned, a number...)."""
        names = self.names()
        return not (set(names) & TERMINAL) and "values" not in names and "values_list" not in names

    def string_args(self, method: str) -> tuple[list[str], bool]:
        """String arguments of every call to ``method``, and whether one call had none."""
        out: list[str] = []
        empty = False
        for name, trailer in self.methods:
            if name != method or trailer is None:
                continue
            args = sx.call_args(trailer)
            if not args:
                empty = True
            for a in args:
                if a.kind == "star":
                    out.append("*")  # names computed at run time: cannot tell which
                    continue
                if a.kind != "pos":
                    continue
                v = sx.string_value(a.value)
                if v is None and a.value.type in ("atom_expr", "power"):  # Prefetch("items", ...)
                    calls = sx.calls_in(a.value)
                    if calls and calls[0].method == "Prefetch" and calls[0].args:
                        v = sx.string_value(calls[0].args[0].value)
                if v is not None:
                    out.append(v)
        return out, empty


def queryset_chain(node) -> QuerySet | None:
    """``Model.objects....`` as a QuerySet, else None."""
    if node is None or node.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(node)
    if len(ps) < 2 or ps[0].type != "name" or not ps[0].value[:1].isupper():
        return None
    if not sx.is_attr_trailer(ps[1]) or ps[1].children[1].value not in MANAGERS:
        return None
    qs = QuerySet(ps[0].value, ps[0].start_pos, insert_at=ps[1].end_pos, root=node)
    qs.methods = sx.chain_methods(node)
    return qs


def resolve_queryset(ctx: Context, expr, depth: int = 0) -> QuerySet | None:
    """The queryset an expression evaluates to: a ``Model.objects`` chain, or a
    name assigned one earlier in the same scope (``qs = qs.filter(...)`` included)."""
    if expr is None or depth > 5:
        return None
    qs = queryset_chain(expr)
    if qs is not None:
        return qs
    name = None
    extra: list = []
    if expr.type == "name":
        name = expr.value
    elif expr.type in ("atom_expr", "power"):
        ps = sx.parts(expr)
        if (
            ps
            and ps[0].type == "name"
            and all(t.type == "trailer" and t.children[0].value != "[" for t in ps[1:])
        ):
            name = ps[0].value
            extra = sx.chain_methods(expr)
    if name is None:
        return None
    assign = last_assignment(ctx, name, expr)
    if assign is None:
        return None
    base = resolve_queryset(ctx, assign, depth + 1)
    if base is None:
        return None
    base.methods = base.methods + extra
    return base


def last_assignment(ctx: Context, name: str, before):
    """The right-hand side of the last ``name = ...`` in ``before``'s scope above it
    (not the statement that holds ``before`` itself: ``qs = qs.filter(...)``)."""
    if not ctx.assignments(name):
        return None
    at = before.start_pos
    starts, stmts = ctx.assignments_in(name, ctx.scope(before))
    # the statements of the scope above ``before``, found by bisection: a name
    # assigned in every function of a large file costs O(log n) per look-up
    for i in range(bisect_left(starts, at) - 1, -1, -1):
        stmt = stmts[i]
        if at < stmt.end_pos:
            continue  # before sits inside this very statement
        return stmt.children[2]
    return None


def append_argument_edit(ctx: Context, trailer, text: str):
    """The edit that adds ``text`` as the last argument of a call trailer."""
    open_, close = trailer.children[0], trailer.children[-1]
    inner = trailer.children[1:-1]
    if not inner:
        return ctx.edit(open_.end_pos, open_.end_pos, text)
    node = inner[0]
    last = node.children[-1] if node.type == "arglist" else node
    if last.type == "operator" and last.value == ",":
        if close.start_pos[0] > last.end_pos[0]:
            prev = node.children[-2]
            line_text = ctx.lines[prev.start_pos[0] - 1]
            indent = line_text[: len(line_text) - len(line_text.lstrip())]
            return ctx.edit((close.start_pos[0], 0), (close.start_pos[0], 0), f"{indent}{text},\n")
        return ctx.edit(last.end_pos, last.end_pos, f" {text},")
    return ctx.edit(last.end_pos, last.end_pos, f", {text}")


def transaction_like(name: str | None) -> bool:
    """``atomic``, ``transaction.atomic`` and project wrappers such as
    ``transaction_with_commit_on_errors`` or ``db.transaction``."""
    if not name:
        return False
    last = name.rsplit(".", 1)[-1].lower()
    return "atomic" in last or "transaction" in last


def is_atomic_decorated(funcdef) -> bool:
    return any(transaction_like(sx.decorator_name(d)) for d in sx.function_decorators(funcdef))


def is_atomic_with(with_stmt) -> bool:
    for c in with_stmt.children:
        items = [c]
        if c.type == "with_item":
            items = [c.children[0]]
        for it in items:
            if it.type in ("atom_expr", "power"):
                calls = sx.calls_in(it)
                if calls and transaction_like(calls[0].callee or calls[0].method):
                    return True
            d = sx.dotted(it) if it.type in ("atom_expr", "power", "name") else None
            if transaction_like(d):
                return True
    return False


def transaction_holders(node, ctx: Context) -> tuple[str, ...]:
    """Qualified names of the project decorators and context managers that hold
    ``node``: its ``with`` items and the decorators of its function, up to that
    function (``ProjectIndex.is_transaction_wrapper`` tells which hold a transaction)."""
    from ..facts.extract import held_name, module_locals_of, qualify, with_items

    local = ctx.file_memo.get("module_locals")
    if local is None:
        local = ctx.file_memo["module_locals"] = module_locals_of(ctx.module)
    imports = ctx.facts.imports
    found: list[str | None] = []
    p = node.parent
    while p is not None and p.type != "lambdef":
        if p.type == "with_stmt":
            found.extend(held_name(it) for it in with_items(p))
        elif p.type == "funcdef":
            found.extend(held_name(d) for d in sx.function_decorators(p))
            break
        p = p.parent
    out = []
    for h in found:
        if h and (h.split(".")[0] in imports or h.split(".")[0] in local):
            out.append(qualify(h, imports, ctx.facts.module, local) or h)
    return tuple(out)


def atomic_context(node, ctx: Context | None = None) -> tuple[bool, bool]:
    """(inside a transaction.atomic block or atomic function, inside a loop within it)
    Stops at a lambda or a nested function that is not itself atomic. With ``ctx``
    the answer for every node on the way up is remembered for the file, so asking
    for many nodes costs one walk up, not one per node."""
    memo: dict | None = ctx.memo.setdefault("atomic_context", {}) if ctx is not None else None
    chain = []  # (node id, is a loop) on the way up, until an answer
    found: tuple[bool, bool] = (False, False)
    p = node.parent
    while p is not None:
        if memo is not None:
            known = memo.get(id(p))
            if known is not None:
                found = known
                break
        if p.type == "lambdef":
            found = (False, False)
            break
        if p.type == "with_stmt" and is_atomic_with(p):
            found = (True, False)
            break
        if p.type == "funcdef":
            found = (is_atomic_decorated(p), False)
            break
        chain.append((id(p), p.type in ("for_stmt", "while_stmt", "sync_comp_for")))
        p = p.parent
    inside, in_loop = found
    for key, loop in reversed(chain):  # from the answer down to node's parent
        in_loop = in_loop or loop
        if memo is not None:
            memo[key] = (inside, in_loop)
    return inside, in_loop


def in_async_function(node, ctx: Context | None = None) -> bool:
    if ctx is not None:
        p = ctx.enclosing(node, ("lambdef", "funcdef"))
        return p is not None and p.type == "funcdef" and sx.is_async_funcdef(p)
    p = node.parent
    while p is not None:
        if p.type == "lambdef":
            return False
        if p.type == "funcdef":
            return sx.is_async_funcdef(p)
        p = p.parent
    return False


def with_bound(node, name: str, stop):
    """The expression the nearest ``with <expr> as name:`` around ``node`` (inside
    ``stop``, a function) binds to ``name``, or None."""
    p = node.parent
    while p is not None and p is not stop:
        if p.type == "with_stmt":
            for item in p.children[1:-2]:
                if item.type == "with_item" and len(item.children) == 3:
                    target = item.children[2]
                    if target.type == "name" and target.value == name:
                        return item.children[0]
        p = p.parent
    return None
