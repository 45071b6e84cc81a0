"""Per-file fact extraction: imports, classes (models and views), functions,
settings, routes, tasks and a few call counts the report uses as evidence."""

from __future__ import annotations

import builtins
import dataclasses
import re
import sys
from collections import Counter
from dataclasses import dataclass

from ..source import syntax as sx
from .errors import assemble_errors, part_errors
from .logic import logic_facts
from .model import (
    ClassFact,
    FieldFact,
    FileFacts,
    FunctionFact,
    ImportSite,
    RouteFact,
    TaskFact,
)
from .routes import EMPTY as EMPTY_ROUTES
from .routes import assemble_route_facts, route_parts, serves_endpoints
from .taint import function_flows
from .work import extract_work

BUILTIN_NAMES = frozenset(dir(builtins))

FIELD_CALL = re.compile(r"(Field|ForeignKey|ManyToManyField|OneToOneField|Column|mapped_column)$")
RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "TreeForeignKey"}
SETTINGS_NAMES = re.compile(
    r"^(REST_FRAMEWORK|DATABASES|INSTALLED_APPS|MIDDLEWARE|CACHES|SECRET_KEY|DEBUG|ALLOWED_HOSTS|"
    r"AUTH_PASSWORD_VALIDATORS|AUTHENTICATION_BACKENDS|LOGGING|CELERY_\w+|SECURE_\w+|SESSION_\w+|"
    r"CSRF_\w+|CORS_\w+|SIMPLE_JWT|SPECTACULAR_SETTINGS|SWAGGER_SETTINGS|CONN_MAX_AGE|SENTRY_\w+|"
    r"DEFAULT_AUTO_FIELD|AUTH_USER_MODEL|RATELIMIT_\w+|SQLALCHEMY_\w+|GRAPHENE|ROOT_URLCONF)$"
)
INTERESTING_CALLS = {
    # query-count assertions in tests (Django's TestCase, pytest-django's fixtures)
    "assertNumQueries",
    "django_assert_num_queries",
    "django_assert_max_num_queries",
    "select_related",
    "prefetch_related",
    "only",
    "defer",
    "exists",
    "bulk_create",
    "bulk_update",
    "update",
    "iterator",
    "annotate",
    "aggregate",
    "on_commit",
    "atomic",
    "delay",
    "apply_async",
    "select_for_update",
    "values",
    "values_list",
    "joinedload",
    "selectinload",
    "subqueryload",
    "execute",
    "raw",
    "get_or_create",
    "update_or_create",
    "cache_page",
    "lru_cache",
    "cached_property",
    "retry",
    "getLogger",
    "exception",
    "warning",
    "error",
    "info",
    "debug",
    "validate",
    "is_valid",
    "full_clean",
    "errorhandler",
    "register_error_handler",
    "exception_handler",
    "add_exception_handler",
    "encrypt",
    "decrypt",
    "make_password",
    "check_password",
    "create_engine",
    "sessionmaker",
    "Depends",
    "HTTPException",
    "raise_for_status",
    "timeout",
    "get_many",
    "set_many",
    "delete_many",
    "method_decorator",
    "vary_on_headers",
    "cached",
    # retries of outbound calls (urllib3, httpx, backoff)
    "Retry",
    "HTTPAdapter",
    "HTTPTransport",
    "AsyncHTTPTransport",
    "on_exception",
}


@dataclass(frozen=True)
class Expr:
    """A settings value that is not a literal: its source text."""

    code: str


def module_name(rel_path: str) -> str:
    p = rel_path.replace("\\", "/")
    if p.endswith(".py"):
        p = p[:-3]
    parts = [x for x in p.split("/") if x and x != "."]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve_relative(module: str, is_package: bool, level: int, name: str) -> str:
    base = module.split(".") if module else []
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: max(0, len(base) - (level - 1))]
    return ".".join([*base, name] if name else base)


def extract_imports(by_type, module: str, is_package: bool):
    imports: dict[str, str] = {}
    stars: list[str] = []
    modules: set[str] = set()
    for node in by_type.get("import_name", ()):
        for path_names, alias in _import_name_items(node):
            dotted = ".".join(path_names)
            modules.add(dotted)
            if alias:
                imports[alias] = dotted
            else:
                imports.setdefault(path_names[0], path_names[0])
    for node in by_type.get("import_from", ()):
        level = 0
        src: list[str] = []
        i = 1
        ch = node.children
        while i < len(ch) and not (ch[i].type == "keyword" and ch[i].value == "import"):
            c = ch[i]
            if c.type == "operator" and c.value in (".", "..."):
                level += len(c.value)
            elif c.type == "name":
                src.append(c.value)
            elif c.type == "dotted_name":
                src.extend(x.value for x in c.children if x.type == "name")
            i += 1
        base = ".".join(src)
        if level:
            base = _resolve_relative(module, is_package, level, base)
        modules.add(base)
        targets = ch[i + 1 :] if i < len(ch) else []
        for t in targets:
            if t.type == "operator" and t.value == "*":
                stars.append(base)
            for name, alias in _import_as_names(t):
                imports[alias or name] = f"{base}.{name}" if base else name
                modules.add(f"{base}.{name}" if base else name)
    return imports, tuple(stars), frozenset(m for m in modules if m)


def _type_checking_branch(suite) -> bool:
    """Whether ``suite`` is the body of `if TYPE_CHECKING:` (or an `elif` of it)."""
    stmt = suite.parent
    children = stmt.children
    i = next((k for k, c in enumerate(children) if c is suite), -1)
    if i < 3 or getattr(children[i - 3], "value", "") not in ("if", "elif"):
        return False
    test = sx.code(children[i - 2]).strip()
    return test == "TYPE_CHECKING" or test.endswith(".TYPE_CHECKING")


# the standard library's modules: never a project's app (kept out of every file's facts)
_LIBRARY_ROOTS = frozenset(sys.stdlib_module_names) | {"__future__"}


def _relative(node) -> bool:
    return any(c.type == "operator" and c.value in (".", "...") for c in node.children[1:3])


def import_sites(by_type, module: str, is_package: bool) -> list[ImportSite]:
    """The import statements among ``by_type``'s nodes, with when each runs."""
    out = []
    for node in (*by_type.get("import_name", ()), *by_type.get("import_from", ())):
        how = ""
        up = node.parent
        while up is not None and up.type != "file_input":
            if up.type in ("funcdef", "lambdef") and not how:
                how = "lazy"
            elif up.type == "suite" and up.parent is not None and up.parent.type == "if_stmt":
                if _type_checking_branch(up):
                    how = "typing"
                    break
            elif up.type == "if_stmt" and _type_checking_branch_simple(node, up):
                how = "typing"
                break
            up = up.parent
        try:
            if node.type == "import_name":
                for path_names, _ in _import_name_items(node):
                    if path_names[0] not in _LIBRARY_ROOTS:
                        site = ImportSite(
                            node.start_pos, node.end_pos, ".".join(path_names), (), how
                        )
                        out.append(site)
                continue
            imports, _, modules = extract_imports({"import_from": [node]}, module, is_package)
        except (IndexError, AttributeError, ValueError):
            continue
        if not modules:
            continue
        base = min(modules, key=lambda m: (len(m), m))
        if base.split(".")[0] in _LIBRARY_ROOTS and not _relative(node):
            continue
        # what may be a module (`from . import views`); classes and constants are not
        names = tuple(
            sorted(
                {
                    n
                    for q in imports.values()
                    if q.startswith(base + ".")
                    for n in [q[len(base) + 1 :]]
                    if n[:1].islower() or n[:1] == "_"
                }
            )
        )
        out.append(ImportSite(node.start_pos, node.end_pos, base, names, how))
    out.sort(key=lambda s: s.start)
    return out


def _type_checking_branch_simple(node, if_stmt) -> bool:
    """`if TYPE_CHECKING: import x` on one line: the statement is a direct child."""
    children = if_stmt.children
    for i, c in enumerate(children):
        if c.start_pos <= node.start_pos and node.end_pos <= c.end_pos and c.type != "suite":
            if i >= 3 and getattr(children[i - 3], "value", "") in ("if", "elif"):
                test = sx.code(children[i - 2]).strip()
                return test == "TYPE_CHECKING" or test.endswith(".TYPE_CHECKING")
    return False


def _import_name_items(node):
    inner = node.children[1]
    items = inner.children if inner.type == "dotted_as_names" else [inner]
    for it in items:
        if it.type == "operator":
            continue
        alias = None
        if it.type == "dotted_as_name":
            alias = it.children[-1].value
            it = it.children[0]
        if it.type == "name":
            yield [it.value], alias
        elif it.type == "dotted_name":
            yield [x.value for x in it.children if x.type == "name"], alias


def _import_as_names(t):
    if t.type == "name":
        yield t.value, None
    elif t.type == "import_as_name":
        yield t.children[0].value, t.children[-1].value
    elif t.type == "import_as_names":
        for c in t.children:
            yield from _import_as_names(c)


def qualify(
    name: str | None, imports: dict[str, str], module: str, local: set[str] | None = None
) -> str | None:
    if not name:
        return name
    head, _, rest = name.partition(".")
    if head in imports:
        q = imports[head]
        return f"{q}.{rest}" if rest else q
    if local is not None and head in local and module:
        return f"{module}.{name}"
    return name


def literalish(node, depth: int = 0):
    """A settings value as plain data: literals as themselves, dicts as dicts,
    anything else as ``Expr(code)``."""
    if depth > 6:
        return Expr(sx.code(node)[:200])
    if node.type == "atom" and node.children[0].value == "{":
        out: dict = {}
        if len(node.children) == 3 and node.children[1].type == "dictorsetmaker":
            items = node.children[1].children
            i = 0
            while i + 2 < len(items) + 1 and i < len(items):
                k = items[i]
                if k.type == "operator" and k.value == "**":
                    i += 3
                    continue
                if (
                    i + 2 < len(items) + 1
                    and i + 1 < len(items)
                    and items[i + 1].type == "operator"
                    and items[i + 1].value == ":"
                ):
                    key = sx.string_value(k)
                    out[key if key is not None else sx.code(k)] = literalish(
                        items[i + 2], depth + 1
                    )
                    i += 4
                else:
                    break
        return out
    text = sx.code(node)
    if len(text) < 2000:
        try:
            return sx.literal(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            pass
    return Expr(text[:200])


def _field_fact(name: str, call_expr, imports, module) -> FieldFact | None:
    calls = sx.calls_in(call_expr)
    if not calls:
        return None
    first = calls[0]
    if first.callee is None or first.index != len(sx.parts(call_expr)) - 1:
        return None
    kind = first.callee.rsplit(".", 1)[-1]
    if not FIELD_CALL.search(kind) and kind != "relationship":
        return None
    args = first.args
    flags = []
    kwargs = []
    values = []
    for a in args:
        if a.kind == "kw":
            kwargs.append(a.name)
            if sx.code(a.value) == "True":
                flags.append(a.name)
            literal = sx.string_value(a.value)
            if literal is not None and len(literal) <= 40:
                values.append((a.name, literal))
    target = None
    if kind in RELATIONS or kind == "relationship":
        pos = [a for a in args if a.kind == "pos"]
        tnode = (
            pos[0].value if pos else (sx.kwarg(args, "to").value if sx.kwarg(args, "to") else None)
        )
        if tnode is not None:
            target = sx.string_value(tnode) or sx.dotted(tnode)
    if kind in ("Column", "mapped_column"):
        for a in args:
            if a.kind == "pos":
                d = sx.dotted(a.value)
                if d is None and a.value.type in ("atom_expr", "power"):
                    d = sx.dotted(sx.parts(a.value)[0]) if sx.parts(a.value) else None
                if d:
                    kind = f"{kind}:{d.rsplit('.', 1)[-1]}"
                    break
    trailer = first.trailer
    close = trailer.children[-1]
    inner = trailer.children[1:-1]
    needs_comma = bool(inner) and not (
        inner[0].type == "arglist"
        and inner[0].children[-1].type == "operator"
        and inner[0].children[-1].value == ","
    )
    return FieldFact(
        name=name,
        kind=kind,
        start=call_expr.start_pos,
        end=call_expr.end_pos,
        kwargs=tuple(kwargs),
        flags=tuple(flags),
        target=target,
        insert_at=close.start_pos,
        needs_comma=needs_comma,
        values=tuple(values),
    )


def _meta_attrs(meta_suite) -> tuple[tuple[str, str], ...]:
    out = []
    for stmt in getattr(meta_suite, "children", ()):
        if stmt.type == "simple_stmt" and stmt.children[0].type == "expr_stmt":
            expr = stmt.children[0]
            if expr.children[0].type == "name":
                out.append((expr.children[0].value, sx.code(expr.children[-1])[:200]))
    return tuple(out)


def _meta_indexed(meta_suite) -> tuple[tuple[tuple[str, ...], ...], bool]:
    groups_out: list[tuple[str, ...]] = []
    abstract = False
    for stmt in meta_suite.children:
        if stmt.type != "simple_stmt":
            continue
        expr = stmt.children[0]
        if expr.type != "expr_stmt" or expr.children[0].type != "name":
            continue
        key = expr.children[0].value
        value = expr.children[-1]
        if key == "abstract" and sx.code(value) == "True":
            abstract = True
        if key in ("unique_together", "index_together"):
            v = literalish(value)
            if isinstance(v, (list, tuple)) and v:
                groups = v if isinstance(v[0], (list, tuple)) else [v]
                for g in groups:  # Django's own tests hold `[("a", "b"), 42]`
                    if isinstance(g, (list, tuple)) and g and all(isinstance(x, str) for x in g):
                        groups_out.append(tuple(g))
        if key in ("indexes", "constraints"):
            for n in sx.walk(value):
                if n.type != "argument" or n.children[0].type != "name":
                    continue
                if n.children[0].value == "fields":
                    v = literalish(n.children[2])
                    if isinstance(v, (list, tuple)) and v and all(isinstance(x, str) for x in v):
                        if key == "indexes" or _is_unique_constraint(n):
                            groups_out.append(tuple(x.lstrip("-") for x in v))
    return tuple(groups_out), abstract


def _is_unique_constraint(argument) -> bool:
    p = argument.parent
    while p is not None and p.type not in ("atom_expr", "power"):
        p = p.parent
    if p is None:
        return False
    d = sx.dotted(sx.parts(p)[0]) if sx.parts(p) else None
    calls = sx.calls_in(p)
    return bool(calls and calls[0].callee and calls[0].callee.endswith("UniqueConstraint")) or bool(
        d and "Unique" in d
    )


def _function_locals(node) -> set[str]:
    """The names the function around ``node`` binds itself (its parameters and
    names it assigns, loops or opens with ``as``), minus those it declares
    ``global`` or ``nonlocal``: empty for a node outside a function."""
    func = node.parent
    while func is not None and func.type not in ("funcdef", "lambdef", "file_input"):
        func = func.parent
    if func is None or func.type != "funcdef":
        return set()
    found = {p.name.value for p in func.get_params()}
    shared: set[str] = set()
    todo = list(func.children[-1].children) if func.children[-1].type == "suite" else []
    while todo:
        n = todo.pop()
        t = n.type
        if t in ("funcdef", "classdef", "lambdef"):
            continue
        if t == "expr_stmt":
            for target in n.children[:-1:2]:
                found.update(leaf.value for leaf in _target_names(target))
        elif t in ("for_stmt", "comp_for", "sync_comp_for"):
            found.update(leaf.value for leaf in _target_names(n.children[1]))
        elif t == "with_item" or t == "except_clause":
            if len(n.children) >= 3 and n.children[-2].type == "keyword":
                found.update(leaf.value for leaf in _target_names(n.children[-1]))
        elif t == "namedexpr_test":
            found.update(leaf.value for leaf in _target_names(n.children[0]))
        elif t in ("global_stmt", "nonlocal_stmt"):
            shared.update(c.value for c in n.children[1::2])
        todo.extend(getattr(n, "children", ()))
    return found - shared


def _target_names(target):
    """The names an assignment target binds (``a``, ``a, b``, ``(a, [b, *c])``)."""
    if target.type == "name":
        return [target]
    if target.type in ("testlist_star_expr", "exprlist", "testlist", "atom", "star_expr"):
        return [leaf for c in target.children for leaf in _target_names(c)]
    if target.type in ("testlist_comp",):
        return [leaf for c in target.children for leaf in _target_names(c)]
    return []


def extract_class(node, imports, module, local_classes) -> ClassFact:
    name = node.children[1].value
    bases: list[str] = []
    base_pos: list[tuple[int, int]] = []
    runtime: list[int] = []  # bases named by the surrounding function's own names
    in_function: set[str] | None = None
    keywords: list[tuple[str, str]] = []
    if (
        len(node.children) > 3
        and node.children[2].value == "("
        and node.children[3].type != "operator"
    ):
        arg = node.children[3]
        items = arg.children if arg.type == "arglist" else [arg]
        for it in items:
            if it.type == "argument":
                ch = it.children
                if len(ch) == 3 and ch[0].type == "name" and ch[1].type == "operator":
                    keywords.append((ch[0].value, sx.code(ch[2])[:200]))
                continue
            if it.type == "operator":
                continue
            d = sx.dotted(it)
            if d:
                if in_function is None:
                    in_function = _function_locals(node)
                if d.partition(".")[0] in in_function:
                    runtime.append(len(bases))
                bases.append(qualify(d, imports, module, local_classes) or d)
                base_pos.append(it.start_pos)
    suite = node.children[-1]
    attrs: list[tuple[str, str]] = []
    annotations: list[tuple[str, str]] = []
    fields: list[FieldFact] = []
    methods: list[str] = []
    meta_indexes: tuple[tuple[str, ...], ...] = ()
    meta: tuple[tuple[str, str], ...] = ()
    abstract = False
    body = suite.children if suite.type == "suite" else [suite]
    for stmt in body:
        target = stmt
        if stmt.type == "decorated":
            target = stmt.children[-1]
        if target.type == "async_stmt":
            target = target.children[-1]
        if target.type == "funcdef":
            methods.append(target.children[1].value)
            continue
        if target.type == "classdef" and target.children[1].value == "Meta":
            meta_indexes, abstract = _meta_indexed(target.children[-1])
            meta = _meta_attrs(target.children[-1])
            continue
        if stmt.type != "simple_stmt":
            continue
        expr = stmt.children[0]
        if expr.type != "expr_stmt":
            continue
        lhs = expr.children[0]
        if lhs.type != "name":
            continue
        value = expr.children[-1]
        annotation = None
        if value.type == "annassign":  # name: Mapped[int] = mapped_column(...)
            annotations.append((lhs.value, sx.code(value.children[1]).strip()[:100]))
            if len(value.children) < 4:
                continue  # a bare annotation
            annotation = sx.code(value.children[1])
            value = value.children[-1]
        attrs.append((lhs.value, sx.code(value)[:200]))
        if value.type in ("atom_expr", "power"):
            f = _field_fact(lhs.value, value, imports, module)
            if f is not None and f.kind == "relationship" and f.target is None and annotation:
                # warehouse: Mapped["Warehouse"] = relationship(...)
                names = [
                    n for n in re.findall(r"[A-Za-z_]\w*", annotation) if n not in TYPING_WRAPPERS
                ]
                if names:
                    f = dataclasses.replace(f, target=names[-1])
            if f is not None:
                fields.append(f)
    return ClassFact(
        name=name,
        qualname=f"{module}.{name}" if module else name,
        bases=tuple(bases),
        start=node.children[1].start_pos,
        end=node.children[1].end_pos,
        attrs=tuple(attrs),
        fields=tuple(fields),
        meta_indexed=tuple(g[0] for g in meta_indexes),
        meta_indexes=meta_indexes,
        meta=meta,
        abstract=abstract,
        methods=tuple(methods),
        base_positions=tuple(base_pos),
        runtime_bases=tuple(runtime),
        keywords=tuple(keywords),
        annotations=tuple(annotations),
    )


def _settings_assign(settings: dict, expr) -> None:
    lhs = expr.children[0]
    value = expr.children[-1]
    if lhs.type == "name" and SETTINGS_NAMES.match(lhs.value):
        settings[lhs.value] = literalish(value)
    elif lhs.type in ("atom_expr", "power"):
        ps = sx.parts(lhs)
        if ps and ps[0].type == "name" and SETTINGS_NAMES.match(ps[0].value):
            keys = []
            for t in ps[1:]:
                if t.type == "trailer" and t.children[0].value == "[":
                    k = sx.string_value(t.children[1])
                    if k is None:
                        return
                    keys.append(k)
                else:
                    return
            cur = settings.setdefault(ps[0].value, {})
            if not isinstance(cur, dict):
                return
            for k in keys[:-1]:
                cur = cur.setdefault(k, {})
                if not isinstance(cur, dict):
                    return
            if keys:
                cur[keys[-1]] = literalish(value)


def is_settings_path(rel_path: str) -> bool:
    p = rel_path.replace("\\", "/").lower()
    name = p.rsplit("/", 1)[-1]
    return (
        name == "settings.py"
        or "/settings/" in f"/{p}"
        or name.endswith("_settings.py")
        or name.startswith("settings_")
        or name == "config.py"
    )


APP_FACTORIES = {
    "fastapi.FastAPI": "fastapi",
    "fastapi.APIRouter": "fastapi",
    "fastapi.routing.APIRouter": "fastapi",
    "flask.Flask": "flask",
    "flask.Blueprint": "flask",
    "celery.Celery": "celery",
    "rest_framework.routers.DefaultRouter": "drf-router",
    "rest_framework.routers.SimpleRouter": "drf-router",
}
TYPING_WRAPPERS = {
    "Mapped",
    "list",
    "List",
    "Optional",
    "set",
    "Set",
    "typing",
    "WriteOnlyMapped",
    "DynamicMapped",
    "None",
}
DECLARATIVE_FACTORIES = {
    "sqlalchemy.ext.declarative.declarative_base",
    "sqlalchemy.orm.declarative_base",
    "flask_sqlalchemy.SQLAlchemy",
}
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")


def _factory_subclasses(module_tree, imports: dict[str, str], module: str) -> list[str]:
    """Top-level classes that derive from Flask-SQLAlchemy's ``SQLAlchemy`` (redash's
    ``class RedashSQLAlchemy(SQLAlchemy)``): an instance of one is a ``db`` too."""
    out: list[str] = []
    for node in module_tree.children:
        if node.type != "classdef" or len(node.children) < 5 or node.children[2].value != "(":
            continue
        bases = node.children[3]
        args = bases.children if bases.type == "arglist" else [bases]
        for arg in args:
            if arg.type in ("name", "atom_expr", "power") and (
                qualify(sx.code(arg).strip(), imports, module) in DECLARATIVE_FACTORIES
            ):
                out.append(node.children[1].value)
                break
    return out


SELECTING_MODULES = ("manage", "wsgi", "asgi", "celery")


def _selected_settings_parts(by_type, calls_of) -> tuple[list[str], list[str]]:
    """DJANGO_SETTINGS_MODULE values set by ``os.environ.setdefault(...)``, and by
    ``os.environ["DJANGO_SETTINGS_MODULE"] = ...`` (joined in that order, duplicates
    dropped)."""
    found: list[str] = []
    assigned: list[str] = []
    for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
        for call in calls_of(node):
            if call.method == "setdefault" and len(call.args) > 1:
                if sx.string_value(call.args[0].value) == "DJANGO_SETTINGS_MODULE":
                    v = sx.string_value(call.args[1].value)
                    if v:
                        found.append(v)
    for expr in by_type.get("expr_stmt", ()):
        lhs = expr.children[0]
        if "DJANGO_SETTINGS_MODULE" in sx.code(lhs) and len(expr.children) == 3:
            v = sx.string_value(expr.children[-1])
            if v:
                assigned.append(v)
    return found, assigned


def _atomic_calls(by_type, calls_of) -> frozenset[str]:
    """Names of the functions called inside transaction blocks of this file."""
    from ..detectors._helpers import is_atomic_decorated, is_atomic_with

    regions = [w.children[-1] for w in by_type.get("with_stmt", ()) if is_atomic_with(w)]
    regions += [f.children[-1] for f in by_type.get("funcdef", ()) if is_atomic_decorated(f)]
    names: set[str] = set()
    # a block met inside a block already walked adds nothing new: skip it (nested
    # `with atomic()` blocks cost O(depth x size) otherwise). The blocks come in
    # source order, outer before inner, so each node is walked at most twice
    # (once among the `with` blocks, once among the functions).
    inner = {id(r) for r in regions}
    covered: set[int] = set()
    for region in regions:
        if id(region) in covered:
            continue
        dispatched: set[str] = set()
        table_call = False
        for n in sx.walk(region):
            if id(n) in inner:
                covered.add(id(n))
            if n.type in ("atom_expr", "power"):
                table_call = table_call or _calls_a_looked_up_value(n)
                for call in calls_of(n):
                    if call.method:
                        names.add(call.method)
            elif n.type == "dictorsetmaker":
                dispatched |= _dict_value_names(n)
        if table_call:  # handlers = {"a": handle_a}; handlers[kind](...)
            names |= dispatched
    return frozenset(names)


def _dict_value_names(node) -> set[str]:
    """The plain names given as values in a dict display (``{"paid": on_paid}``)."""
    ch = node.children
    return {
        v.value
        for i, v in enumerate(ch)
        if v.type == "name" and i >= 2 and ch[i - 1].type == "operator" and ch[i - 1].value == ":"
    }


def _calls_a_looked_up_value(node) -> bool:
    """``table[key](...)`` or ``table.get(key)(...)``: a function picked from a table."""
    ps = sx.parts(node)
    for a, b in zip(ps[1:], ps[2:], strict=False):
        if sx.is_call_trailer(b) and a.type == "trailer":
            if a.children[0].value == "[":
                return True
            if sx.is_call_trailer(a) and a.get_previous_sibling() is not None:
                prev = a.get_previous_sibling()
                if sx.is_attr_trailer(prev) and prev.children[1].value == "get":
                    return True
    return False


def _function_calls(by_type, calls_of) -> dict[str, tuple[str, ...]]:
    """Function name -> names of what it calls (for "is this helper run inside a
    caller's transaction?")."""
    out: dict[str, set[str]] = {}
    owner: dict[int, object] = {}  # id(node) -> its enclosing funcdef (or None), memoised

    def function_of(node):
        chain = []
        p = node.parent
        while p is not None and p.type != "funcdef":
            key = id(p)
            if key in owner:
                found = owner[key]
                break
            chain.append(key)
            p = p.parent
        else:
            found = p
        for key in chain:
            owner[key] = found
        return found

    table_calls: set[int] = set()  # functions that call a value picked from a table
    for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
        func = function_of(node)
        if func is None:
            continue
        names = out.setdefault(sx.intern(func.children[1].value), set())
        for call in calls_of(node):
            if call.method:
                names.add(call.method)
        if _calls_a_looked_up_value(node):
            table_calls.add(id(func))
    if table_calls:  # what the table holds runs when the function calls it
        for node in by_type.get("dictorsetmaker", ()):
            func = function_of(node)
            if func is not None and id(func) in table_calls:
                out.setdefault(sx.intern(func.children[1].value), set()).update(
                    map(sx.intern, _dict_value_names(node))
                )
    # sorted tuples, not sets: a scan keeps every function's (25,000 on Django), and
    # a set of three names takes three times the memory of their tuple
    return {k: tuple(sorted(v)) for k, v in out.items()}


def int_literalish(node) -> bool:
    """A number, ``len(...)``, ``int(...)`` or arithmetic of those, as written."""
    t = node.type
    if t == "number":
        return True
    if t == "factor":
        return int_literalish(node.children[1])
    if t == "atom" and len(node.children) == 3 and node.children[0].value == "(":
        return int_literalish(node.children[1])
    if t in ("arith_expr", "term") or (t == "power" and node.children[1].type == "operator"):
        return all(
            op.value in ("+", "-", "*", "//", "%", "**") for op in node.children[1::2]
        ) and all(int_literalish(o) for o in node.children[::2])
    if t in ("atom_expr", "power"):
        ps = sx.parts(node)
        return (
            len(ps) == 2
            and ps[0].type == "name"
            and ps[0].value in ("len", "int")
            and sx.is_call_trailer(ps[1])
        )
    return False


def _int_arguments(by_type, calls_of) -> dict[str, frozenset[str]]:
    """Name called -> the arguments every call of it in this file gives as an integer
    (``#0`` for the first positional one, ``kw:limit`` for a keyword): VAL001 asks
    whether a parameter formatted into SQL only ever receives integers."""
    out: dict[str, frozenset[str]] = {}
    for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
        for call in calls_of(node):
            if not call.method:
                continue
            slots: set[str] = set()
            args = call.args
            if not any(a.kind not in ("pos", "kw") for a in args):
                for i, a in enumerate(args):
                    if int_literalish(a.value):
                        slots.add(f"#{i}" if a.kind == "pos" else f"kw:{a.name}")
            known = out.get(call.method)
            found = frozenset(slots) if known is None else known & slots
            out[call.method] = found or sx.NOTHING  # most are empty
    return out


# -- project transaction wrappers ---------------------------------------------
CONTEXT_MANAGER_DECORATORS = ("contextmanager", "asynccontextmanager")
BEGIN_METHODS = ("begin", "begin_nested")


def with_items(with_stmt) -> list:
    return [
        c.children[0] if c.type == "with_item" else c
        for c in with_stmt.children[1:-2]
        if not (c.type == "operator" and c.value == ",")
    ]


def held_name(expr) -> str | None:
    """What a ``with`` item, a decorator or a returned value holds, as written:
    ``my_tx`` for ``with my_tx(using=db):``, ``transaction.atomic`` for ``@transaction.atomic``."""
    if expr.type == "decorator":
        return sx.decorator_name(expr)
    if expr.type in ("atom_expr", "power"):
        ps = sx.parts(expr)
        calls = sx.calls_in(expr)
        if calls and calls[0].index == len(ps) - 1:
            return calls[0].callee
    return sx.dotted(expr)


def opens_transaction(name: str | None) -> bool:
    """``transaction.atomic``, a wrapper named for it, ``session.begin``/``begin_nested``."""
    from ..detectors._helpers import transaction_like

    if not name:
        return False
    return transaction_like(name) or ("." in name and name.rsplit(".", 1)[-1] in BEGIN_METHODS)


def module_locals_of(module_tree) -> set[str]:
    """``module_locals`` from the module's statements alone (no walk of the file):
    the same names, found where they can be."""
    out: set[str] = set()
    for child in module_tree.children:
        node = child
        while node.type in ("decorated", "async_stmt", "async_funcdef"):
            node = node.children[-1]
        if node.type == "funcdef":
            out.add(node.children[1].value)
        for c in getattr(child, "children", ()):
            if c.type == "expr_stmt" and c.children[0].type == "name":
                out.add(c.children[0].value)
    return out


def _top_level(funcdef) -> bool:
    p = funcdef.parent
    while p is not None and p.type in ("decorated", "async_stmt", "async_funcdef"):
        p = p.parent
    return p is not None and p.type == "file_input"


def module_locals(by_type) -> set[str]:
    """Names a module binds at its top level with ``def`` or ``name = ...``."""
    out = {f.children[1].value for f in by_type.get("funcdef", ()) if _top_level(f)}
    for stmt in by_type.get("expr_stmt", ()):
        if stmt.parent is not None and stmt.parent.parent is not None:
            if stmt.parent.parent.type == "file_input" and stmt.children[0].type == "name":
                out.add(stmt.children[0].value)
    return out


def _wrapper_functions(by_type, imports, module, local) -> dict[str, frozenset[str]]:
    """Module-level functions (and aliases) that can hold a transaction around the
    code they wrap -> what they hold it with: "" for a transaction itself, else the
    qualified names of what they use (a wrapper of a wrapper: the index follows them).
    A ``@contextmanager`` counts when its ``yield`` is inside the block; a decorator
    when a function nested in it opens the block (or is decorated with it); any of
    them when it returns ``transaction.atomic(...)``. ``local``: ``module_locals``
    of the whole file (``FileContext.locals``); aliases are added by ``assemble``."""

    def name(held: str | None) -> str | None:
        if held is None:
            return None
        if opens_transaction(held):
            return ""
        if held.split(".")[0] not in imports and held.split(".")[0] not in local:
            return None  # open(...), a local object's method: not a project wrapper
        return qualify(held, imports, module, local)

    out: dict[str, frozenset[str]] = {}
    tops = [f for f in by_type.get("funcdef", ()) if _top_level(f)]
    if not tops:
        return out
    top_ids = {id(f) for f in tops}
    is_cm = {
        id(f): any(
            (sx.decorator_name(d) or "").rsplit(".", 1)[-1] in CONTEXT_MANAGER_DECORATORS
            for d in sx.function_decorators(f)
        )
        for f in tops
    }
    owner = sx.Nearest(("funcdef", "lambdef"))
    outer: dict[int, object] = {}  # id(node) -> its top-level function, memoised

    def top_function(node):
        chain = []
        p = node.parent
        found = None
        while p is not None:
            key = id(p)
            if key in outer:
                found = outer[key]
                break
            chain.append(key)
            if key in top_ids:
                found = p
                break
            p = p.parent
        for key in chain:
            outer[key] = found
        return found

    held: dict[int, set[str | None]] = {}
    # the nodes that can hold a transaction, from the index (not a walk of every body)
    for n in by_type.get("with_stmt", ()):
        func = top_function(n)
        if func is None:
            continue
        if owner(n) is not func or (
            is_cm[id(func)] and any(x.type == "keyword" and x.value == "yield" for x in sx.walk(n))
        ):
            held.setdefault(id(func), set()).update(name(held_name(it)) for it in with_items(n))
    for n in by_type.get("funcdef", ()):
        if id(n) in top_ids:
            continue
        func = top_function(n)
        if func is not None:
            held.setdefault(id(func), set()).update(
                name(held_name(d)) for d in sx.function_decorators(n)
            )
    for n in by_type.get("return_stmt", ()):
        if len(n.children) != 2:
            continue
        func = top_function(n)
        if func is None or owner(n) is not func:
            continue
        value = n.children[1]
        if value.type in ("atom_expr", "power", "name"):
            returned = (held_name(value) or "").rsplit(".", 1)[-1]
            if returned in ("atomic", *BEGIN_METHODS):  # return transaction.atomic(...)
                held.setdefault(id(func), set()).add("")  # (not create_transaction(...))
    for func in tops:
        found = held.get(id(func), set())
        found.discard(None)
        if found:
            out[func.children[1].value] = frozenset(h for h in found if h is not None)
    return out


def _aliases(module_tree, out: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """``atomic = transaction.atomic``, ``tx = partial(transaction.atomic, ...)``."""
    for stmt in sx.top_level_expr_stmts(module_tree):
        ch = stmt.children
        if len(ch) == 3 and ch[0].type == "name" and ch[1].type == "operator":
            value = ch[2]
            if value.type in ("atom_expr", "power"):
                calls = sx.calls_in(value)
                if calls and calls[0].method == "partial" and calls[0].args:
                    value = calls[0].args[0].value  # partial(transaction.atomic, using="x")
            if opens_transaction(sx.dotted(value)):
                out[ch[0].value] = frozenset({""})  # atomic = transaction.atomic
    return out


def _held_calls(by_type, calls_of, imports, module, local) -> dict[str, frozenset[str]]:
    """Qualified name of a project context manager or decorator that might hold a
    transaction (judged by the index) -> the names of what runs while it does: the
    functions called in its ``with`` blocks, the functions it decorates."""
    from ..detectors._helpers import is_atomic_with

    out: dict[str, set[str]] = {}

    def key(held: str | None) -> str | None:
        if not held or opens_transaction(held):
            return None  # a transaction itself: atomic_calls has it
        head = held.split(".")[0]
        if head not in imports and head not in local:
            return None  # a local object's method (app.route), a builtin (property)
        return qualify(held, imports, module, local)

    for w in by_type.get("with_stmt", ()):
        if is_atomic_with(w):
            continue
        keys = {k for k in (key(held_name(it)) for it in with_items(w)) if k}
        if not keys:
            continue
        names: set[str] = set()
        for n in sx.walk(w.children[-1]):
            if n.type in ("atom_expr", "power"):
                names.update(c.method for c in calls_of(n) if c.method)
        for k in keys:
            out.setdefault(k, set()).update(names)
    for func in by_type.get("funcdef", ()):
        for d in sx.function_decorators(func):
            k = key(held_name(d))
            if k:
                out.setdefault(k, set()).add(func.children[1].value)
    return {k: frozenset(v) for k, v in out.items()}


@dataclass
class FileContext:
    """What the facts of every part of a file read from the file as a whole: its
    imports, class names, module-level objects and settings. Computed from the
    module-level statements and the import and class nodes; two contexts compare
    equal when the parts' facts cannot differ (the language server re-extracts
    every part of a file when its context changed)."""

    module: str
    rel_path: str
    imports: dict
    stars: tuple
    modules: frozenset
    local_classes: frozenset
    app_objects: dict
    declarative: tuple
    settings: dict
    settings_module: bool
    top_names: frozenset
    revisions: dict
    locals: frozenset  # module_locals
    aliases: dict | None  # `atomic = transaction.atomic`; None: unreadable
    main_guard: bool
    arq: bool
    bound: frozenset = frozenset()  # module_bindings: the builtin names bound at module level
    class_aliases: dict = dataclasses.field(default_factory=dict)  # `Alias = Dotted.Name`


def module_bindings(module_tree) -> tuple[frozenset[str], dict[str, str]]:
    """(every name the module binds outside its functions and classes, by an
    assignment, a loop, ``with ... as``, ``except ... as``, ``def``, ``class`` or
    ``global``; the names it binds exactly once, at its top level, to a plain
    dotted name: ``BaseModel = TimeStamped`` -> "TimeStamped"). Imports are in
    FileFacts.imports; a name bound by ``:=`` at module level is not seen."""
    bound: list[str] = []
    plain: dict[str, str] = {}
    todo = list(module_tree.children)
    while todo:
        n = todo.pop()
        t = n.type
        if t in ("funcdef", "classdef"):
            bound.append(n.children[1].value)
            continue
        if t in ("decorated", "async_stmt", "async_funcdef"):
            todo.append(n.children[-1])
        elif t == "expr_stmt":
            for target in n.children[:-1:2]:
                bound.extend(leaf.value for leaf in _target_names(target))
            value = n.children[-1]
            lhs = n.children[0]
            if (
                len(n.children) == 3
                and lhs.type == "name"
                and n.parent is not None
                and n.parent.parent is module_tree
                and value.type in ("name", "power", "atom_expr")
            ):
                d = sx.dotted(value)
                if d and sx.code(value).replace(" ", "") == d:
                    plain[lhs.value] = d
        elif t == "simple_stmt":
            todo.extend(n.children)
        elif t in ("if_stmt", "try_stmt", "while_stmt", "for_stmt", "with_stmt", "suite"):
            if t == "for_stmt":
                bound.extend(leaf.value for leaf in _target_names(n.children[1]))
            todo.extend(n.children)
        elif t in ("with_item", "except_clause"):
            if len(n.children) >= 3 and n.children[-2].type == "keyword":
                bound.extend(leaf.value for leaf in _target_names(n.children[-1]))
        elif t == "global_stmt":
            bound.extend(c.value for c in n.children[1::2])
    counts = Counter(bound)
    aliases = {k: v for k, v in plain.items() if counts[k] == 1}
    return frozenset(bound), aliases


def file_context(module_tree, by_type, rel_path: str) -> FileContext:
    module = module_name(rel_path)
    is_package = rel_path.replace("\\", "/").endswith("__init__.py")
    imports, stars, modules = extract_imports(by_type, module, is_package)
    class_names = [c.children[1].value for c in by_type.get("classdef", ())]
    # module-level objects: app = FastAPI(), router = APIRouter(), app = Celery(...)
    app_objects: dict[str, str] = {}
    declarative: list[str] = []
    settings: dict = {}
    settings_module = is_settings_path(rel_path)
    top_names: set[str] = set()
    revisions: dict[str, tuple[str, ...]] = {}  # Alembic: revision, down_revision
    # a class of this file that derives from a factory: `class RedashSQLAlchemy(SQLAlchemy)`
    factories = set(_factory_subclasses(module_tree, imports, module))
    for expr in sx.top_level_expr_stmts(module_tree):
        lhs, value = expr.children[0], expr.children[-1]
        if lhs.type == "name":
            top_names.add(lhs.value)
            if lhs.value in ("revision", "down_revision"):
                v = literalish(value)
                if isinstance(v, str):
                    revisions[lhs.value] = (v,)
                elif isinstance(v, (list, tuple)):
                    revisions[lhs.value] = tuple(x for x in v if isinstance(x, str))
        if lhs.type == "name" and value.type in ("atom_expr", "power"):
            calls = sx.calls_in(value)
            if calls and calls[0].callee:
                q = qualify(calls[0].callee, imports, module)
                if q in APP_FACTORIES:
                    app_objects[lhs.value] = APP_FACTORIES[q]
                if (
                    q in DECLARATIVE_FACTORIES
                    or q in factories
                    or (q or "").endswith(".generate_base")
                ):
                    declarative.append(lhs.value)
        if settings_module or (lhs.type == "name" and lhs.value in ("REST_FRAMEWORK", "DATABASES")):
            try:
                _settings_assign(settings, expr)
            except (IndexError, AttributeError):
                pass
    try:
        aliases: dict | None = _aliases(module_tree, {})
    except (IndexError, AttributeError, ValueError):
        aliases = None
    try:
        bound, class_aliases = module_bindings(module_tree)
    except (IndexError, AttributeError, ValueError):  # half-typed code: no alias followed
        bound, class_aliases = frozenset(), {}
    class_aliases = {
        k: v for k, v in class_aliases.items() if k not in imports and k not in class_names
    }
    bound = BUILTIN_NAMES.intersection(bound)  # what the index asks (kept small: every
    # file's facts stay in memory during a scan)
    return FileContext(
        module=module,
        rel_path=rel_path,
        imports=imports,
        stars=stars,
        modules=modules,
        local_classes=frozenset(class_names),
        app_objects=app_objects,
        declarative=tuple(declarative),
        settings=settings,
        settings_module=settings_module,
        top_names=frozenset(top_names),
        revisions=revisions,
        locals=frozenset(module_locals_of(module_tree)),
        aliases=aliases,
        main_guard=any(
            stmt.type == "if_stmt"
            and "__name__" in sx.code(stmt.children[1])
            and "__main__" in sx.code(stmt.children[1])
            for stmt in module_tree.children
        ),
        arq=any(q == "arq" or q.startswith("arq.") for q in imports.values())
        or any(n.endswith("WorkerSettings") for n in class_names),
        bound=bound,
        class_aliases=class_aliases,
    )


def is_migration_path(rel_path: str, top_names) -> bool:
    # Django migrations, and Alembic revisions wherever their folder is
    # (alembic/versions/, or dispatch's database/revisions/.../versions/)
    p = "/" + rel_path.replace("\\", "/")
    return "/migrations/" in p or (
        "/versions/" in p and ("down_revision" in top_names or "/alembic/" in p)
    )


@dataclass
class PartFacts:
    """The facts one part of a file adds (the whole file, or one unit of the
    language server's incremental analysis); ``assemble`` joins the parts of a
    file in source order into its FileFacts."""

    classes: list
    functions: list
    tasks: list
    routes: list  # from decorators
    url_routes: list  # from path(...) / router.register(...) calls
    calls: Counter
    engines: list
    ops: list
    selects: tuple[list, list]  # (from setdefault calls, from assignments)
    atomic: frozenset
    function_calls: dict
    wrappers: dict | None  # None: unreadable (the file's fact is left empty)
    held: dict | None
    ints: dict | None
    route_parts: object  # routes.RouteParts, or None (the file serves no endpoints)
    work: list
    flows: list  # taint.FunctionFlow of the part's functions
    flow_called: tuple  # what they call with nothing that matters (function_flows)
    errors: tuple | None = None  # errors.part_errors (None: unreadable)
    logic: list | None = None  # logic.LogicFact of the part's functions that write
    import_sites: list | None = None  # import_sites (None: none)


def part_facts(
    ctx: FileContext,
    by_type,
    calls_of,
    statements=(),
    class_head=None,
    member=None,
) -> PartFacts:
    """The facts of the nodes in ``by_type`` (a whole file's, or one unit's).
    ``statements``, ``class_head`` and ``member`` say where the part sits among the
    module's statements (see ``routes.route_parts``)."""
    imports, module, app_objects = ctx.imports, ctx.module, ctx.app_objects
    classes = []
    for node in by_type.get("classdef", ()):
        try:
            classes.append(extract_class(node, imports, module, ctx.local_classes))
        except (IndexError, AttributeError):  # half-typed class statement
            continue

    routes: list[RouteFact] = []
    functions = []
    tasks = []
    owner_of = sx.Nearest(("funcdef", "classdef", "file_input"))  # one walk up for all functions
    for node in by_type.get("funcdef", ()):
        if node.parent is None:
            continue
        is_top = owner_of(node).type == "file_input"
        decs = sx.function_decorators(node)
        if not is_top and not decs:
            continue
        names = []
        dec_kwargs: list[str] = []
        for d in decs:
            dn = sx.decorator_name(d)
            if not dn:
                continue
            q = qualify(dn, imports, module) or dn
            names.append(q)
            head = dn.split(".")[0]
            inner = d.children[1]
            dargs = []
            if inner.type in ("atom_expr", "power"):
                cl = sx.calls_in(inner)
                if cl:
                    dargs = cl[-1].args
            # routes
            verb = dn.rsplit(".", 1)[-1]
            fw = app_objects.get(head) or (
                "fastapi" if "fastapi" in (imports.get(head) or "") else None
            )
            if (
                "." in dn
                and fw in ("fastapi", "flask")
                and verb in (*HTTP_VERBS, "route", "api_route", "websocket")
            ):
                url = ""
                pos = [a for a in dargs if a.kind == "pos"]
                if pos:
                    url = sx.string_value(pos[0].value) or ""
                methods: tuple[str, ...] = (verb.upper(),) if verb in HTTP_VERBS else ()
                m_arg = sx.kwarg(dargs, "methods")
                if m_arg is not None:
                    v = literalish(m_arg.value)
                    if isinstance(v, (list, tuple)):
                        methods = tuple(str(x).upper() for x in v)
                routes.append(
                    RouteFact(
                        fw,
                        methods or ("GET",),
                        url,
                        node.children[1].value,
                        node.children[1].start_pos,
                    )
                )
            if q.endswith("api_view"):
                v = literalish(dargs[0].value) if dargs else ("GET",)
                methods = (
                    tuple(str(x).upper() for x in v) if isinstance(v, (list, tuple)) else ("GET",)
                )
                routes.append(
                    RouteFact(
                        "drf", methods, "", node.children[1].value, node.children[1].start_pos
                    )
                )
            is_task = (
                q.endswith("shared_task")
                or q in ("dramatiq.actor",)
                or (
                    verb == "task"
                    and (
                        app_objects.get(head) == "celery"
                        or "celery" in q.lower()
                        or head in ("app", "celery_app", "celery")
                    )
                )
            )
            if is_task:
                tasks.append(
                    TaskFact(
                        node.children[1].value,
                        node.children[1].start_pos,
                        tuple(a.name for a in dargs if a.kind == "kw"),
                        "dramatiq" if "dramatiq" in q else "celery",
                    )
                )
            dec_kwargs.extend(a.name for a in dargs if a.kind == "kw")
        if is_top:
            functions.append(
                FunctionFact(
                    node.children[1].value,
                    node.children[1].start_pos,
                    tuple(names),
                    sx.is_async_funcdef(node),
                    tuple(dec_kwargs),
                )
            )

    # Django URL patterns and DRF routers
    url_routes: list[RouteFact] = []
    calls = Counter()
    engines = []
    for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
        for call in calls_of(node):
            m = call.method
            if m in INTERESTING_CALLS:
                calls[m] += 1
            if m in ("create_engine", "create_async_engine") and (
                qualify(call.callee, imports, module) or ""
            ).startswith(("sqlalchemy", "sqlmodel")):
                engines.append(
                    (
                        call.node.start_pos,
                        tuple(
                            f"{a.name}={sx.code(a.value)[:40]}"
                            if a.kind == "kw"
                            else f"**{sx.code(a.value)[:40]}"
                            for a in call.args
                            if a.kind in ("kw", "dstar")
                        ),
                    )
                )
            if m in ("path", "re_path", "url") and call.callee in (
                "path",
                "re_path",
                "url",
                "urls.path",
                "urls.re_path",
            ):
                args = call.args
                if args and args[0].kind == "pos":
                    p = sx.string_value(args[0].value)
                    if p is not None and len(args) > 1:
                        url_routes.append(
                            RouteFact(
                                "django", (), p, sx.code(args[1].value)[:80], call.node.start_pos
                            )
                        )
            if (
                m == "register"
                and call.callee
                and app_objects.get(call.callee.split(".")[0]) == "drf-router"
            ):
                args = call.args
                if args and args[0].kind == "pos":
                    url_routes.append(
                        RouteFact(
                            "drf-router",
                            (),
                            sx.string_value(args[0].value) or "",
                            sx.code(args[1].value)[:80] if len(args) > 1 else "",
                            call.node.start_pos,
                        )
                    )
    for d in by_type.get("decorator", ()):
        dn = sx.decorator_name(d)
        inner = d.children[1] if len(d.children) > 1 else None
        called = (
            inner is not None
            and inner.type in ("atom_expr", "power")
            and sx.is_call_trailer(inner.children[-1])
        )
        # `@cache_page(60)` is a call, counted with the calls above; `@lru_cache` is not
        if dn and not called and dn.rsplit(".", 1)[-1] in INTERESTING_CALLS:
            calls[dn.rsplit(".", 1)[-1]] += 1

    selects: tuple[list, list] = ([], [])
    if module.rsplit(".", 1)[-1] in SELECTING_MODULES:
        selects = _selected_settings_parts(by_type, calls_of)
    ops: list[tuple[str, bool]] = []
    if is_migration_path(ctx.rel_path, ctx.top_names):
        for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
            for call in calls_of(node):
                callee = call.callee or ""
                if callee.startswith("migrations.") and call.method and call.method[:1].isupper():
                    args = call.args
                    reverse = call.method not in ("RunPython", "RunSQL") or (
                        len([a for a in args if a.kind == "pos"]) > 1
                        or any(
                            a.kind == "kw" and a.name in ("reverse_code", "reverse_sql")
                            for a in args
                        )
                    )
                    ops.append((call.method, reverse))
                elif callee.startswith("op.") and call.method:
                    ops.append((f"op.{call.method}", True))
    flows, flow_called = function_flows(ctx, by_type) if not ctx.settings_module else ([], ())
    return PartFacts(
        classes=classes,
        functions=functions,
        tasks=tasks,
        routes=routes,
        url_routes=url_routes,
        calls=calls,
        engines=engines,
        ops=ops,
        selects=selects,
        atomic=_atomic_calls(by_type, calls_of),
        function_calls=_function_calls(by_type, calls_of),
        wrappers=_failed_as_none(_wrapper_functions, by_type, imports, module, ctx.locals),
        held=_failed_as_none(_held_calls, by_type, calls_of, imports, module, ctx.locals),
        ints=_failed_as_none(_int_arguments, by_type, calls_of),
        route_parts=route_parts(statements, by_type, class_head, member)
        if serves_endpoints(ctx.rel_path)
        else None,
        work=list(extract_work(by_type, imports, calls_of, ctx.arq)),
        flows=flows,
        flow_called=flow_called,
        errors=None
        if ctx.settings_module
        else _failed_as_none(
            part_errors, imports, module, ctx.rel_path, ctx.locals, by_type, calls_of
        ),
        logic=None if ctx.settings_module else _failed_as_none(logic_facts, by_type, calls_of),
        import_sites=_failed_as_none(
            import_sites, by_type, module, ctx.rel_path.replace("\\", "/").endswith("__init__.py")
        ),
    )


def _failed_as_none(func, *args):
    """A fact of a half-typed tree that cannot be read: None (the file's fact is
    then left empty, and only that fact)."""
    try:
        return func(*args)
    except (IndexError, AttributeError, ValueError):
        return None


def assemble(ctx: FileContext, parts: list[PartFacts], path: str, lines: int) -> FileFacts:
    """The FileFacts of a file from its context and its parts, in source order."""
    classes: list = []
    functions: list = []
    tasks: list = []
    routes: list = []
    url_routes: list = []
    calls: Counter = Counter()
    engines: list = []
    ops: list = []
    selected: list = []
    selected_late: list = []
    atomic: set = set()
    function_calls: dict[str, tuple[str, ...]] = {}
    wrappers: dict | None = {}
    held: dict[str, frozenset[str]] | None = {}
    ints: dict[str, frozenset[str]] | None = {}
    work: list = []
    flows: list = []
    flow_called: set[str] = set()
    logic: list = []
    sites: list = []
    for part in parts:
        classes += part.classes
        functions += part.functions
        tasks += part.tasks
        routes += part.routes
        url_routes += part.url_routes
        calls.update(part.calls)
        engines += part.engines
        ops += part.ops
        selected += part.selects[0]
        selected_late += part.selects[1]
        atomic |= part.atomic
        for k, v in part.function_calls.items():
            known = function_calls.get(k)
            function_calls[k] = v if known is None else tuple(sorted({*known, *v}))
        if wrappers is not None:
            wrappers = None if part.wrappers is None else {**wrappers, **part.wrappers}
        if held is not None:
            if part.held is None:
                held = None
            else:
                for k, v in part.held.items():
                    known = held.get(k)
                    held[k] = v if known is None else known | v
        if ints is not None:
            if part.ints is None:
                ints = None
            else:
                for k, v in part.ints.items():
                    known = ints.get(k)
                    ints[k] = v if known is None else known & v
        work += part.work
        flows += part.flows
        flow_called.update(part.flow_called)
        logic += part.logic or ()
        sites += part.import_sites or ()
    if wrappers is None or ctx.aliases is None:
        wrappers = {}
    else:
        wrappers.update(ctx.aliases)
    work.sort(key=lambda w: w.start)
    p = "/" + ctx.rel_path.replace("\\", "/")
    name = p.rsplit("/", 1)[-1]
    revisions = ctx.revisions
    return FileFacts(
        revision=revisions.get("revision", ("",))[0] if revisions.get("revision") else "",
        down_revisions=revisions.get("down_revision", ()),
        main_guard=ctx.main_guard,
        selects_settings=tuple(dict.fromkeys(selected + selected_late)),
        migration_ops=tuple(ops),
        atomic_calls=frozenset(atomic),
        function_calls=function_calls,
        transaction_wrappers=wrappers,
        held_calls=held or {},
        int_arguments=ints or {},
        path=path,
        module=ctx.module,
        imports=ctx.imports,
        star_imports=ctx.stars,
        declarative_bases=ctx.declarative,
        rebound_builtins=ctx.bound,
        class_aliases=ctx.class_aliases,
        engines=tuple(engines),
        imported_modules=tuple(sorted(ctx.modules)),
        classes=tuple(classes),
        functions=tuple(functions),
        settings=ctx.settings,
        routes=tuple(routes + url_routes),
        route_facts=assemble_route_facts([x.route_parts for x in parts])
        if serves_endpoints(ctx.rel_path)
        else EMPTY_ROUTES,
        tasks=tuple(tasks),
        calls=dict(calls),
        lines=lines,
        is_test="/tests/" in p
        or "/test/" in p
        or "/testing/" in p
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name in ("conftest.py", "tests.py"),  # Django's per-app test module
        is_migration=is_migration_path(ctx.rel_path, ctx.top_names),
        is_settings=ctx.settings_module,
        work=tuple(work),
        flows=tuple(flows),
        flow_called=tuple(sorted(flow_called)),
        errors=assemble_errors([part.errors for part in parts]),
        logic=tuple(logic),
        import_sites=tuple(sorted(sites, key=lambda s: s.start)),
    )


def extract(module_tree, by_type, path: str, rel_path: str, lines: int, calls_of=None) -> FileFacts:
    if calls_of is None:
        calls_of = sx.CallCache()
    ctx = file_context(module_tree, by_type, rel_path)
    part = part_facts(ctx, by_type, calls_of, statements=module_tree.children)
    return assemble(ctx, [part], path, lines)
