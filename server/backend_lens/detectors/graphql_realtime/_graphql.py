"""How graphene, strawberry and ariadne code declares object types, root types and
field resolvers, as GQL003 and GQL004 read it from one file's parse tree."""

from __future__ import annotations

import re

from ...source import syntax as sx
from ..base import Context
from ._common import class_bases

# packages whose import makes a file worth reading for resolvers and mutations
RESOLVER_PACKAGES = (
    "graphene",
    "graphene_django",
    "graphene_django_cud",
    "graphql_jwt",
    "strawberry",
    "strawberry_django",
    "strawberry_django_plus",
    "ariadne",
)
STRAWBERRY_PACKAGES = ("strawberry", "strawberry_django", "strawberry_django_plus")

# the operation types a schema starts from: their fields run once per request
ROOT_TYPE_NAMES = ("Query", "Mutation", "Subscription")
# a class named so is a root type or a part of one (saleor's ``ProductQueries``,
# the ``Query`` of each app that the project's ``Query`` derives from)
ROOT_NAME = re.compile(r"(Query|Queries|Mutation|Mutations|Subscription|Subscriptions)$")
ROOT_ARGUMENTS = ("query", "mutation", "subscription")

ARIADNE_ROOTS = frozenset(
    {
        "ariadne.QueryType",
        "ariadne.MutationType",
        "ariadne.SubscriptionType",
        "ariadne.objects.QueryType",
        "ariadne.objects.MutationType",
        "ariadne.objects.SubscriptionType",
        "ariadne.subscriptions.SubscriptionType",
    }
)
ARIADNE_OBJECTS = frozenset(
    {
        "ariadne.ObjectType",
        "ariadne.InterfaceType",
        "ariadne.objects.ObjectType",
        "ariadne.interfaces.InterfaceType",
    }
)

# names a module imports an ariadne MutationType by, from the module that makes it
IMPORTED_MUTATION_NAMES = frozenset({"mutation", "mutations", "mutation_type", "MUTATION"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def name_parts(name: str) -> list[str]:
    """The lower-case words of a snake_case or CamelCase name ("IsAuthenticated"
    -> ["is", "authenticated"], "login_required" -> ["login", "required"])."""
    return [w for w in _CAMEL.sub("_", name).lower().split("_") if w]


def snake(name: str) -> str:
    return "_".join(name_parts(name))


def decorators(node) -> list:
    """The decorator nodes of a funcdef or classdef."""
    if node.type == "funcdef":
        return sx.function_decorators(node)
    p = node.parent
    if p is None or p.type != "decorated":
        return []
    d = p.children[0]
    return [d] if d.type == "decorator" else [c for c in d.children if c.type == "decorator"]


def decorator_call(dec):
    """The call trailer of ``@name(...)``, else None."""
    inner = dec.children[1]
    if inner.type in ("atom_expr", "power"):
        last = sx.parts(inner)[-1]
        if sx.is_call_trailer(last):
            return last
    return None


def qualified_decorators(ctx: Context, node) -> list[tuple[str, object]]:
    """(qualified name, decorator node) of each decorator of ``node``."""
    out = []
    for d in decorators(node):
        name = sx.decorator_name(d)
        if name:
            out.append((ctx.qualify(name) or name, d))
    return out


def strawberry_kind(qualified: str) -> str | None:
    """ "type", "field", "mutation", ... for a strawberry or strawberry-django
    decorator or function (``strawberry.type``, ``strawberry_django.field``,
    ``strawberry.federation.type``), else None."""
    head, _, last = qualified.rpartition(".")
    if not head or head.split(".")[0] not in STRAWBERRY_PACKAGES:
        return None
    return last


def params(funcdef) -> list[str]:
    return [p.name.value for p in funcdef.get_params()]


def param_nodes(funcdef) -> list:
    return list(funcdef.get_params())


def is_static(ctx: Context, funcdef) -> bool:
    return any(
        q.rsplit(".", 1)[-1] == "staticmethod" for q, _ in qualified_decorators(ctx, funcdef)
    )


def is_classmethod(ctx: Context, funcdef) -> bool:
    return any(q.rsplit(".", 1)[-1] == "classmethod" for q, _ in qualified_decorators(ctx, funcdef))


def top_level_classes(ctx: Context) -> list:
    found = ctx.memo.get("gql_top_classes")
    if found is None:
        found = ctx.memo["gql_top_classes"] = [
            c for c in ctx.nodes("classdef") if ctx.scope(c).type == "file_input"
        ]
    return found


def schema_roots(ctx: Context) -> set[str]:
    """Names of the classes this file passes as ``query=``, ``mutation=`` or
    ``subscription=`` (or first) to a ``Schema(...)``, and their same-file bases."""
    found = ctx.memo.get("gql_schema_roots")
    if found is not None:
        return found
    names: set[str] = set()
    for _node, call in ctx.calls_to("Schema"):
        for i, a in enumerate(call.args):
            if (a.kind == "kw" and a.name in ROOT_ARGUMENTS) or (a.kind == "pos" and i == 0):
                d = sx.dotted(a.value)
                if d:
                    names.add(d.rsplit(".", 1)[-1])
    classes = {c.children[1].value: c for c in top_level_classes(ctx)}
    todo = [n for n in names if n in classes]
    while todo:
        cls = classes[todo.pop()]
        for b in class_bases(cls):
            d = sx.dotted(b)
            if d and d in classes and d not in names:
                names.add(d)
                todo.append(d)
    ctx.memo["gql_schema_roots"] = names
    return names


def is_root_type(ctx: Context, name: str) -> bool:
    return bool(ROOT_NAME.search(name)) or name in schema_roots(ctx)


def ariadne_types(ctx: Context) -> dict[str, tuple[str, bool]]:
    """Module-level names bound to an ariadne type: name -> (the GraphQL type's name,
    whether it is a root type). ``query = QueryType()`` -> ("Query", True),
    ``user = ObjectType("User")`` -> ("User", False)."""
    found = ctx.memo.get("gql_ariadne_types")
    if found is not None:
        return found
    found = {}
    for local in ctx.facts.imports:
        # ``from .schema import mutation``: the module that binds it has the MutationType
        if local in IMPORTED_MUTATION_NAMES:
            found[local] = ("Mutation", True)
    if any(m.split(".", 1)[0] == "ariadne" for m in ctx.facts.imported_modules):
        for stmt in ctx.all_nodes.get("expr_stmt", ()):
            if ctx.scope(stmt).type != "file_input":
                continue
            assigned = sx.plain_assignment(stmt)
            if assigned is None or assigned[1].type not in ("atom_expr", "power"):
                continue
            calls = ctx.calls(assigned[1])
            if len(calls) != 1 or calls[0].index != len(sx.parts(assigned[1])) - 1:
                continue
            q = ctx.qualify(calls[0].callee) or ""
            if q in ARIADNE_ROOTS:
                kind = q.rsplit(".", 1)[-1].removesuffix("Type")
                found[assigned[0].value] = (kind, True)
            elif q in ARIADNE_OBJECTS:
                args = calls[0].args
                type_name = (
                    sx.string_value(args[0].value) if args and args[0].kind == "pos" else None
                )
                if type_name:
                    found[assigned[0].value] = (type_name, type_name in ROOT_TYPE_NAMES)
    ctx.memo["gql_ariadne_types"] = found
    return found


def ariadne_field(ctx: Context, funcdef) -> tuple[str, str, bool] | None:
    """(variable, field name, the type is a root type) when ``funcdef`` is
    decorated ``@<ariadne type>.field("name")``."""
    types = ariadne_types(ctx)
    if not types:
        return None
    for d in decorators(funcdef):
        name = sx.decorator_name(d) or ""
        var, _, method = name.rpartition(".")
        if method != "field" or var not in types:
            continue
        trailer = decorator_call(d)
        args = sx.call_args(trailer) if trailer is not None else []
        field = sx.string_value(args[0].value) if args and args[0].kind == "pos" else None
        return var, field or funcdef.children[1].value, types[var][1]
    return None


def ariadne_set_fields(ctx: Context) -> dict[str, list[tuple[str, str, bool]]]:
    """Function name -> (variable, field name, root) of each ``type.set_field("name", fn)``."""
    found = ctx.memo.get("gql_ariadne_set_fields")
    if found is not None:
        return found
    found = {}
    types = ariadne_types(ctx)
    if types:
        for _node, call in ctx.calls_to("set_field"):
            var = (call.callee or "").rpartition(".")[0]
            args = call.args
            if var not in types or len(args) < 2 or args[1].value.type != "name":
                continue
            field = sx.string_value(args[0].value)
            if field:
                found.setdefault(args[1].value.value, []).append((var, field, types[var][1]))
    ctx.memo["gql_ariadne_set_fields"] = found
    return found


def module_functions(ctx: Context) -> dict[str, object]:
    """Module-level functions of the file by name (the last definition wins)."""
    found = ctx.memo.get("gql_module_functions")
    if found is None:
        found = ctx.memo["gql_module_functions"] = {
            f.children[1].value: f
            for f in ctx.nodes("funcdef")
            if ctx.scope(f).type == "file_input"
        }
    return found


def resolver_argument(ctx: Context, value) -> object | None:
    """The module-level function a ``strawberry.field(resolver=fn)`` names."""
    if value.type != "name":
        return None
    return module_functions(ctx).get(value.value)


def class_field_calls(ctx: Context, cls):
    """(field name, call) of each ``name: T = <call>(...)`` / ``name = <call>(...)``
    in a class body."""
    suite = cls.children[-1]
    for stmt in getattr(suite, "children", ()):
        if stmt.type != "simple_stmt":
            continue
        expr = stmt.children[0]
        if expr.type != "expr_stmt":
            continue
        target = expr.children[0]
        if target.type != "name":
            continue
        value = expr.children[-1]
        if expr.children[1].type == "annassign":
            ann = expr.children[1]
            if len(ann.children) < 4:
                continue
            value = ann.children[3]
        elif not (expr.children[1].type == "operator" and expr.children[1].value == "="):
            continue
        if value.type not in ("atom_expr", "power"):
            continue
        calls = ctx.calls(value)
        if calls and calls[0].index == len(sx.parts(value)) - 1:
            yield target.value, calls[0]
