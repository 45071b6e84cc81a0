"""GQL004: a resolver of a field of a GraphQL object type (not a root type) that
queries the database with its parent's key. The field is resolved once for each
object a list returns, so a list of n objects costs n more queries (the GraphQL
form of N+1); a DataLoader batches them into one.

Resolvers are found as each library declares them in one file: graphene's
``resolve_<field>(root, info)`` methods, strawberry's ``@strawberry.field``
methods and ``strawberry.field(resolver=fn)``, ariadne's ``@type.field("name")``
and ``type.set_field("name", fn)``. A query counts when it is keyed on the parent
(``Model.objects.filter(room=root)``, ``session.get(Model, root.author_id)``, a
statement built from ``root``), or reads a relation of the parent that bypasses a
prefetch (``root.items.filter(...)``), or one that a prefetch would serve
(``root.items.all()``) when nothing in the file prefetches it."""

from __future__ import annotations

from ...source import syntax as sx
from ..base import Context, detector
from ._common import SECTION, class_bases, class_methods
from ._graphql import (
    RESOLVER_PACKAGES,
    ariadne_field,
    ariadne_set_fields,
    ariadne_types,
    class_field_calls,
    decorator_call,
    is_root_type,
    module_functions,
    name_parts,
    param_nodes,
    qualified_decorators,
    resolver_argument,
    strawberry_kind,
    top_level_classes,
)

# queryset methods that always run a new query, prefetched relation or not
ALWAYS_QUERY = frozenset(
    {
        "filter",
        "exclude",
        "get",
        "order_by",
        "annotate",
        "aggregate",
        "values",
        "values_list",
        "using",
        "latest",
        "earliest",
        "in_bulk",
        "iterator",
        "distinct",
        "select_related",
        "prefetch_related",
        "only",
        "defer",
        "raw",
        "filter_by",  # a SQLAlchemy dynamic relationship
    }
)
# what a prefetch of the relation on the parent's list serves without a query
PREFETCH_SERVED = frozenset({"all", "count", "exists", "first", "last"})
# methods that must be called with arguments to be a queryset's (``dict.values()``,
# ``dict.get("key")`` and ``list.count(x)`` are not)
NEEDS_KEYWORDS = frozenset({"get"})
NEEDS_ARGUMENTS = frozenset({"values", "values_list", "filter_by"})
NO_ARGUMENTS = PREFETCH_SERVED
# calls of a SQLAlchemy session (or connection) that run a statement
SESSION_QUERIES = frozenset({"query", "execute", "scalars", "scalar", "get", "get_one"})
SESSION_WORDS = ("session", "db", "conn", "connection", "database")
# hints that tell the library to prefetch for this field (strawberry-django,
# graphene-django-optimizer's resolver_hints)
HINT_ARGUMENTS = frozenset({"prefetch_related", "select_related", "only", "annotate"})
# names that build a paginated connection (``create_connection_slice``,
# ``connection_from_array``, ``ProductCountableConnection``): a page per parent cannot
# be batched into one query (a database connection's name is no page)
PAGINATION_WORDS = ("connection", "connections", "paginate", "paginator", "paginated", "page")
DATABASE_WORDS = ("database", "db", "conn")
CACHED_CONTENT_TYPES = frozenset({"get_for_model", "get_for_models", "get_for_id"})
# objects resolved once per request or per mutation, not per item of a list
ONCE_PER_REQUEST = ("Payload", "Connection", "Edge", "PageInfo", "Viewer")


@detector("GQL004", section=SECTION, scope="file")
def resolver_queries_per_item(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    if not any(m.split(".", 1)[0] in RESOLVER_PACKAGES for m in ctx.facts.imported_modules):
        return
    prefetched = None
    for funcdef, parent, type_name, field, hints in _resolvers(ctx):
        if hints:
            continue
        if prefetched is None:
            prefetched = _prefetched_names(ctx)
        hit = _query_on_parent(ctx, funcdef, parent, prefetched)
        if hit is None:
            continue
        node, end, what = hit
        yield ctx.finding(
            "GQL004",
            node,
            f"`{what}` runs a database query for each `{type_name}`: the field "
            f"`{type_name}.{field}` is resolved once per item, so a list of n "
            f"`{type_name}` objects costs n more queries; batch it with a DataLoader "
            "(or prefetch it with the parent's query)",
            end_node=end,
        )


# -- resolvers of the file ----------------------------------------------------------


def _resolvers(ctx: Context):
    """(funcdef, parent parameter name, type name, field name, the field carries
    prefetch hints) for each resolver of a non-root type in the file."""
    seen: set[int] = set()
    for cls in top_level_classes(ctx):
        name = cls.children[1].value
        if is_root_type(ctx, name) or name.endswith(ONCE_PER_REQUEST):
            continue
        methods = class_methods(cls)
        if "mutate" in methods or "mutate_and_get_payload" in methods:
            continue  # a mutation's output fields: resolved once per mutation
        if any((sx.dotted(b) or "").endswith(ONCE_PER_REQUEST) for b in class_bases(cls)):
            continue
        strawberry = _strawberry_type(ctx, cls)
        for mname, f in methods.items():
            if id(f) in seen:
                continue
            if strawberry:
                hints = _field_decorator(ctx, f)
                if hints is None:
                    continue
                parent = _strawberry_parent(ctx, f)
                if parent is not None:
                    seen.add(id(f))
                    yield f, parent, name, mname, hints
            elif mname.startswith("resolve_") and len(mname) > 8 and class_bases(cls):
                parent = _graphene_parent(ctx, f)
                if parent is not None:
                    seen.add(id(f))
                    hints = any(
                        q.rsplit(".", 1)[-1] == "resolver_hints"
                        for q, _ in qualified_decorators(ctx, f)
                    )
                    yield f, parent, name, mname[len("resolve_") :], hints
        if strawberry:
            for field, call in class_field_calls(ctx, cls):
                if strawberry_kind(ctx.qualify(call.callee) or "") != "field":
                    continue
                args = call.args
                resolver = sx.kwarg(args, "resolver")
                f = resolver_argument(ctx, resolver.value) if resolver is not None else None
                if f is None or id(f) in seen:
                    continue
                parent = _named_parent(f)
                if parent is not None:
                    seen.add(id(f))
                    hints = any(a.kind == "kw" and a.name in HINT_ARGUMENTS for a in args)
                    yield f, parent, name, field, hints
    if ariadne_types(ctx):
        functions = module_functions(ctx)
        for f in functions.values():
            found = ariadne_field(ctx, f)
            bound = (
                [found] if found is not None else ariadne_set_fields(ctx).get(f.children[1].value)
            )
            for var, field, root in bound or ():
                if root or id(f) in seen:
                    continue
                ps = param_nodes(f)
                if len(ps) >= 2 and ps[0].star_count == 0:
                    seen.add(id(f))
                    yield f, ps[0].name.value, ariadne_types(ctx)[var][0], field, False
                break


def _strawberry_type(ctx: Context, cls) -> bool:
    return any(
        strawberry_kind(q) in ("type", "interface") for q, _ in qualified_decorators(ctx, cls)
    )


def _field_decorator(ctx: Context, funcdef) -> bool | None:
    """None when the method is no strawberry field; else whether its decorator
    gives prefetch hints (``@strawberry_django.field(prefetch_related=...)``)."""
    for q, d in qualified_decorators(ctx, funcdef):
        if strawberry_kind(q) == "field":
            trailer = decorator_call(d)
            args = sx.call_args(trailer) if trailer is not None else []
            return any(a.kind == "kw" and a.name in HINT_ARGUMENTS for a in args)
    return None


def _strawberry_parent(ctx: Context, funcdef) -> str | None:
    """``self`` of a strawberry field method, or its ``root`` / ``Parent[...]`` parameter."""
    named = _named_parent(funcdef)
    if named is not None:
        return named
    ps = param_nodes(funcdef)
    static = any(
        q.rsplit(".", 1)[-1] == "staticmethod" for q, _ in qualified_decorators(ctx, funcdef)
    )
    if ps and not static and ps[0].name.value == "self":
        return "self"
    return None


def _named_parent(funcdef) -> str | None:
    for p in param_nodes(funcdef):
        if p.name.value == "root":
            return "root"
        ann = p.annotation
        if ann is not None and "Parent" in sx.code(ann):
            return p.name.value
    return None


def _graphene_parent(ctx: Context, funcdef) -> str | None:
    """The first parameter of ``resolve_x(root, info, ...)`` (graphene calls resolvers
    as static methods, so a ``self`` there is the parent object too)."""
    quals = [q.rsplit(".", 1)[-1] for q, _ in qualified_decorators(ctx, funcdef)]
    if "classmethod" in quals:
        return None
    ps = param_nodes(funcdef)
    if len(ps) < 2 or ps[0].star_count or ps[1].star_count:
        return None
    return ps[0].name.value


# -- what a resolver queries --------------------------------------------------------


def _prefetched_names(ctx: Context) -> set[str] | None:
    """Relation names the file prefetches anywhere (``prefetch_related("items")``,
    ``Prefetch("items")``); None when one is named at run time."""
    names: set[str] = set()
    for _node, call in ctx.calls_to("prefetch_related", "Prefetch", "select_related"):
        for a in call.args:
            if a.kind != "pos":
                continue
            value = sx.string_value(a.value)
            if value is None:
                if call.method != "Prefetch" and a.value.type not in ("atom_expr", "power"):
                    return None
                continue  # Prefetch("items", ...) inside: read as a call of its own
            names.update(value.split("__"))
            if call.method == "Prefetch":
                break
    return names


def _query_on_parent(ctx: Context, funcdef, parent: str, prefetched):
    """(first node, last node, text) of the first query in ``funcdef`` keyed on
    ``parent``; None when it has none or goes through a DataLoader."""
    body = funcdef.children[-1]
    derived = {parent}
    chains = []
    for n in sx.walk(body):
        if n.type == "name":
            low = n.value.lower()
            if "loader" in low or (n.value in ("load", "load_many") and n.parent.type == "trailer"):
                return None  # batched through a DataLoader
            if _paginates(n.value):
                return None  # a page of a connection per parent: one query each by design
        elif n.type == "expr_stmt":
            assigned = sx.plain_assignment(n)
            if assigned is not None and _mentions(assigned[1], derived):
                derived.add(assigned[0].value)
        elif n.type in ("atom_expr", "power"):
            chains.append(n)
    for node in chains:
        hit = _django_objects(node, derived) or _relation_read(node, derived, prefetched)
        if hit is None:
            hit = _sqlalchemy(node, derived)
        if hit is not None:
            _, end = hit
            start = sx.parts(node)[0]  # after an ``await``
            code = "".join(sx.code(p) for p in sx.parts(node))
            text = code[: end.end_pos[1] - start.start_pos[1]]
            if end.end_pos[0] != start.start_pos[0] or len(text) > 70:
                text = code.split("(", 1)[0] + "(...)"
            return start, end, text
    return None


def _paginates(name: str) -> bool:
    parts = name_parts(name)
    return any(p in PAGINATION_WORDS for p in parts) and not any(p in DATABASE_WORDS for p in parts)


def _mentions(node, names: set[str]) -> bool:
    if node.type == "name":
        return node.value in names and not _is_attribute_or_keyword(node)
    return any(
        n.type == "name" and n.value in names and not _is_attribute_or_keyword(n)
        for n in sx.walk(node)
    )


def _is_attribute_or_keyword(n) -> bool:
    p = n.parent
    if p.type == "trailer" and sx.is_attr_trailer(p):
        return True
    return p.type == "argument" and p.children[0] is n and len(p.children) > 2


def _args_mention(trailers, names) -> bool:
    return any(sx.is_call_trailer(t) and _mentions(t, names) for t in trailers)


def _django_objects(node, names):
    """``Model.objects....(... root ...)`` / ``models.Model.objects...``."""
    ps = sx.parts(node)
    for i in range(1, len(ps) - 1):
        t = ps[i]
        if not (sx.is_attr_trailer(t) and t.children[1].value == "objects"):
            continue
        prev = ps[i - 1]
        owner = prev.value if prev.type == "name" else None
        if sx.is_attr_trailer(prev):
            owner = prev.children[1].value
        if not owner or not owner[:1].isupper():
            return None
        nxt = ps[i + 1]
        if owner == "ContentType" and sx.is_attr_trailer(nxt):
            if nxt.children[1].value in CACHED_CONTENT_TYPES:
                return None  # Django's content type cache: one query per process
        for j in range(i + 1, len(ps)):
            if sx.is_call_trailer(ps[j]) and _mentions(ps[j], names):
                return node, ps[j]
        return None
    return None


def _relation_read(node, names, prefetched):
    """``root.items.filter(...)``, ``root.node.products.all()`` (the latter when
    the file prefetches no relation of that name)."""
    ps = sx.parts(node)
    if len(ps) < 4 or ps[0].type != "name" or ps[0].value not in names:
        return None
    k = 1
    while k < len(ps) and sx.is_attr_trailer(ps[k]):
        k += 1
    # ps[1:k] are attributes; the last of them must be a method that is called
    if k < 3 or k >= len(ps) or not sx.is_call_trailer(ps[k]):
        return None
    method = ps[k - 1].children[1].value
    relation = ps[k - 2].children[1].value
    if relation.startswith("_") or relation == "objects":
        return None
    args = sx.call_args(ps[k])
    if method in NEEDS_KEYWORDS and not any(a.kind in ("kw", "dstar") for a in args):
        return None
    if method in NEEDS_ARGUMENTS and not args:
        return None
    if method in NO_ARGUMENTS and args:
        return None
    if method in PREFETCH_SERVED:
        if prefetched is None or relation in prefetched:
            return None
    elif method not in ALWAYS_QUERY:
        return None
    return node, ps[k]


def _sqlalchemy(node, names):
    """``session.query(M).filter(M.x == root.id)``, ``session.get(M, root.a_id)``,
    ``await session.execute(stmt)`` with a statement built from the parent, and
    Flask-SQLAlchemy's ``Model.query.filter_by(owner_id=root.id)``."""
    ps = sx.parts(node)
    if len(ps) < 3:
        return None
    if (
        ps[0].type == "name"
        and ps[0].value[:1].isupper()
        and sx.is_attr_trailer(ps[1])
        and ps[1].children[1].value == "query"
    ):
        for j in range(2, len(ps)):
            if sx.is_call_trailer(ps[j]) and _mentions(ps[j], names):
                return node, ps[j]
        return None
    for j in range(1, len(ps) - 1):
        t, call = ps[j], ps[j + 1]
        if not (sx.is_attr_trailer(t) and sx.is_call_trailer(call)):
            continue
        if t.children[1].value not in SESSION_QUERIES:
            continue
        receiver = sx.code(node)[: t.start_pos[1] - node.start_pos[1]].lower()
        if t.start_pos[0] != node.start_pos[0] or not any(w in receiver for w in SESSION_WORDS):
            continue
        for k in range(j + 1, len(ps)):
            if sx.is_call_trailer(ps[k]) and _mentions(ps[k], names):
                return node, ps[k]
        return None
    return None
