"""API Design & Implementation: list endpoints that return every row (DRF views,
FastAPI and Flask routes), GET handlers that change data, creations answered
with 200."""

from __future__ import annotations

import builtins
import re

from ..facts.index import DRF_LIST_NAMES, ENDPOINT_READS, ClassRef
from ..facts.routes import callee_name
from ..inventory.endpoints import ROUTE_VERBS
from ..model import Fix
from ..source import syntax as sx
from ._endpoints import CREDENTIAL_WORDS, READ_METHODS, chains_by_function, class_line, words
from ._helpers import append_argument_edit
from .base import Context, Site, detector, make_finding

# libraries none of whose classes is a DRF view or has one among its ancestors: a
# class whose every base comes from them (or is a builtin) needs no judgement of the
# index (a scan keeps every judgement: Django's tests alone have 8,800 such classes)
NOT_DRF = (
    "django.",
    "unittest.",
    "enum.",
    "typing.",
    "abc.",
    "collections.",
    "dataclasses.",
    "pydantic.",
    "sqlalchemy.",
    "graphene.",
    "celery.",
    "pytest.",
    "threading.",
    "logging.",
    "argparse.",
    "contextlib.",
    "datetime.",
    "decimal.",
    "json.",
    "io.",
    "http.",
    "email.",
    "xml.",
    "html.",
)
BUILTIN_CLASSES = frozenset(n for n in dir(builtins) if isinstance(getattr(builtins, n), type))


def _may_be_drf_view(cls, facts) -> bool:
    for base in cls.bases:
        if base.startswith(NOT_DRF):
            continue
        if (
            base in BUILTIN_CLASSES
            and base not in facts.rebound_builtins
            and not facts.star_imports  # `from x import *` may bind the name
        ):
            continue
        return True  # the project's class, another library's, or a name not placed
    return False


def class_sites(ctx: Context):
    """(ClassFact, site of its name) for every class of the file that may be a DRF
    view: with a base class that is not a builtin or a class of a library that has
    no DRF view (Django, the standard library, SQLAlchemy, pydantic ...)."""
    by_pos = {c.children[1].start_pos: c.children[1] for c in ctx.nodes("classdef")}
    if not by_pos:
        return  # (and the file's classes are not read: incremental._Run.keeps)
    for cls in ctx.facts.classes:
        leaf = by_pos.get(cls.start)
        if leaf is not None and cls.bases and _may_be_drf_view(cls, ctx.facts):
            yield cls, ctx.site(leaf)


@detector("API001", section="API Design & Implementation")
def list_without_pagination(ctx: Context):
    for cls, site in class_sites(ctx):
        facts = ctx.facts

        def judge(index, cls=cls, site=site, facts=facts):
            ref = ClassRef(facts, cls)
            if not index.is_drf_view(ref, DRF_LIST_NAMES):
                return
            if index.inherited_attr(ref, "pagination_class") is not None:
                return
            if index.drf_setting("DEFAULT_PAGINATION_CLASS", facts):
                return
            yield make_finding(
                "API001",
                site,
                f"`{cls.name}` lists every row in one response: no pagination_class here and no "
                "DEFAULT_PAGINATION_CLASS in REST_FRAMEWORK settings",
            )

        yield ctx.defer(("models", "settings"), judge)


# what changes data: ORM writes, a SQLAlchemy session's, tasks queued, mail sent
QUERYSET_WRITES = frozenset(
    {
        "create",
        "bulk_create",
        "get_or_create",
        "update_or_create",
        "update",
        "delete",
        "bulk_update",
    }
)
QUERYSET_SOURCES = frozenset({"objects", "filter", "exclude", "all", "select_for_update"})
SESSION_WRITES = frozenset({"add", "add_all", "commit", "delete", "merge", "flush"})
TASK_CALLS = frozenset(
    {"delay", "apply_async", "send_task", "enqueue", "send_mail", "send_mass_mail"}
)
# GET endpoints that must change something: a link followed from an e-mail or
# from another site cannot be a POST
LINK_TARGETS = re.compile(
    r"verif|confirm|activat|callback|oauth|sso|saml|unsubscrib|logout|log_out|sign_?out|"
    r"invit|magic|track|pixel|webhook|redirect|click|open",
    re.IGNORECASE,
)
GET_ACTIONS = frozenset({"get", "list", "retrieve", "head"})
# bookkeeping a read may do on purpose: an audit trail, a visit tracked, a counter
BOOKKEEPING = re.compile(
    r"\blogs?\b|_log\b|\blog_|audit|track|histor|visit|page_?views?|view_?count|\bhits?\b|"
    r"\bstats?\b|statistic|last_seen|activity",
    re.IGNORECASE,
)
COMMITS_CALLS = frozenset({"commit()", "flush()"})


def _write_of(ctx: Context, node) -> str | None:
    """What the call chain ``node`` writes, as the message shows it, or None."""
    for call in ctx.calls(node):
        method = call.method
        if method is None:
            continue
        if method in QUERYSET_WRITES and call.callee and "." in call.callee:
            receiver = call.callee.rsplit(".", 2)
            if len(receiver) >= 2 and receiver[-2] in QUERYSET_SOURCES:
                return f"{call.callee}()"
        if call.callee is None and method in ("update", "delete"):
            # Order.objects.filter(...).update(...)
            chain = [m for m, _ in sx.chain_methods(node)]
            if QUERYSET_SOURCES.intersection(chain[:-1]):
                return f"{'.'.join(chain[-2:])}()"
        if method in ("save", "delete") and not call.args and call.callee:
            receiver = call.callee.rsplit(".", 1)[0]
            if receiver not in ("self", "super") and "." not in receiver:
                return f"{call.callee}()"
        if (
            method in SESSION_WRITES
            and call.callee
            and call.callee.rsplit(".", 1)[0].endswith("session")
        ):
            if call.callee.rsplit(".", 1)[0] != "request.session":
                return f"{call.callee}()"
        if method in TASK_CALLS and call.callee:
            return f"{call.callee}()"
    return None


def _writes_by_function(ctx: Context) -> dict[int, tuple[str, int | None, list]]:
    """id(funcdef) -> (name, line of its class or None, [(site, what)]) for the
    functions of this unit that change data."""
    out: dict[int, tuple[str, int | None, list]] = {}
    for key, (funcdef, chains) in chains_by_function(ctx).items():
        for node in chains:
            what = _write_of(ctx, node)
            if what is None:
                continue
            if key not in out:
                out[key] = (funcdef.children[1].value, class_line(funcdef), [])
            out[key][2].append((ctx.site(node), what, BOOKKEEPING.search(sx.code(node))))
    kept = {}
    for k, (name, cls_line, sites) in out.items():
        if any(b for _, _, b in sites):
            # a commit that saves the bookkeeping is bookkeeping too
            sites = [s for s in sites if not s[2] and s[1].rsplit(".", 1)[-1] not in COMMITS_CALLS]
        if sites:
            kept[k] = (name, cls_line, [(site, what) for site, what, _ in sites])
    return kept


@detector("API002", section="API Design & Implementation")
def get_handler_changes_data(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return  # the inventory routes no test (a scan keeps every judgement)
    writes = _writes_by_function(ctx)
    if not writes:
        return
    funcs = chains_by_function(ctx)
    # (function line, class line, function name, writes)
    found = [
        (funcs[k][0].children[1].start_pos[0], cls_line, name, sites)
        for k, (name, cls_line, sites) in writes.items()
    ]
    facts = ctx.facts
    every = [site for _, _, _, sites in found for site, _ in sites]

    def judge(index):
        eps = index.endpoints_in(facts)
        for line, cls_line, name, sites in found:
            for ep in eps:
                if ep.line == line:
                    gets = bool(ep.methods) and not set(ep.methods) - READ_METHODS
                elif cls_line is not None and ep.line == cls_line and name in GET_ACTIONS:
                    gets = not ep.methods or "GET" in ep.methods
                else:
                    continue
                if gets and not LINK_TARGETS.search(words(ep)):
                    yield from _get_writes(ep, name, sites)
                    break

    yield ctx.defer(ENDPOINT_READS, judge, every)


def _get_writes(ep, name: str, sites: list[tuple[Site, str]]):
    site, what = sites[0]
    more = f" (and {len(sites) - 1} more write(s) in `{name}`)" if len(sites) > 1 else ""
    yield make_finding(
        "API002",
        site,
        f"`{what}` changes data in `{name}`, which answers GET {ep.route or '(route not readable)'}"
        f"{more}: crawlers, link previews, prefetching browsers and retries repeat GET "
        "requests, and CSRF protection does not cover them; make it a POST (or PUT, PATCH, "
        "DELETE) endpoint",
    )


# a body that creates something: a row added, a model created, a serializer saved
CREATE_CALLS = frozenset({"add", "add_all", "create", "bulk_create", "insert", "insert_one"})
CREATE_NAMES = re.compile(r"^(create|add|new|register|upload|insert|submit|post)_", re.IGNORECASE)


def _creates(ctx: Context, funcdef) -> bool:
    """The function's own body adds a row (session.add, objects.create, insert...)
    or saves a serializer."""
    for node in chains_by_function(ctx).get(id(funcdef), (None, ()))[1]:
        for call in ctx.calls(node):
            receiver = (call.callee or "").rpartition(".")[0]
            if call.method in CREATE_CALLS and receiver:
                return True
            if call.method == "save" and "serializer" in receiver.lower():
                return True
    return False


def _names_status(funcdef) -> bool:
    """The body sets or names a status itself (`response.status_code = 201`, `status=`)."""
    return any(
        leaf.type == "name" and leaf.value in ("status_code", "status", "HTTP_201_CREATED")
        for leaf in sx.walk(funcdef.children[-1])
    )


@detector("API003", section="API Design & Implementation")
def creation_answered_with_200(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return  # the inventory routes no test (a scan keeps every judgement)
    found = []  # (kind, function line, class line, site, edit or None)
    for funcdef in ctx.nodes("funcdef"):
        name = funcdef.children[1].value
        cls_line = class_line(funcdef)
        if cls_line is not None:
            # DRF: post()/create() that saves a serializer and answers Response(data)
            if (
                name not in ("post", "create")
                or _names_status(funcdef)
                or not _creates(ctx, funcdef)
            ):
                continue
            for ret in _returns(funcdef):
                call = _response_call(ctx, ret)
                if call is not None:
                    edit = append_argument_edit(ctx, call.trailer, "status=201")
                    site = ctx.site(call.node, call.trailer)
                    found.append(("drf", None, cls_line, site, edit))
            continue
        for dec in sx.function_decorators(funcdef):
            call = _post_decorator(ctx, dec)
            if call is None or sx.kwarg(call.args, "status_code"):
                continue
            if _names_status(funcdef):
                continue
            if not (CREATE_NAMES.match(name) or _creates(ctx, funcdef)):
                continue
            edit = append_argument_edit(ctx, call.trailer, "status_code=201")
            site = ctx.site(call.node, call.trailer)
            found.append(("fastapi", funcdef.children[1].start_pos[0], None, site, edit))
    if not found:
        return
    facts = ctx.facts

    def judge(index):
        eps = index.endpoints_in(facts)
        for kind, line, cls_line, site, edit in found:
            if kind == "fastapi":
                ok = any(
                    e.line == line and e.framework == "fastapi" and e.methods == ("POST",)
                    for e in eps
                )
                what = "the route answers 200"
                fix = Fix("Answer 201 Created (status_code=201)", (edit,))
            else:
                ok = any(
                    e.line == cls_line and e.framework == "drf" and "POST" in e.methods for e in eps
                )
                what = "`Response()` answers 200"
                fix = Fix("Answer 201 Created (status=201)", (edit,))
            if kind == "fastapi" and not answers_201(index):
                continue  # the project answers 200 to every creation: a convention (the report says so)
            if ok and not any(
                e.line in (line, cls_line) and (CREDENTIAL_WORDS.search(words(e))) for e in eps
            ):
                yield make_finding(
                    "API003",
                    site,
                    f"this POST creates something and {what}: clients, SDK generators and the "
                    "OpenAPI schema expect 201 Created for a creation",
                    fix,
                )

    yield ctx.defer(ENDPOINT_READS, judge, [site for _, _, _, site, _ in found])


def _per_routes(index, name: str, compute):
    """``compute(index)`` kept on the index until its routes change."""
    generation = index.generation.get("routes", 0)
    found = getattr(index, name, None)
    if found is None or found[0] != generation:
        found = (generation, compute(index))
        setattr(index, name, found)
    return found[1]


def answers_201(index) -> bool:
    """Some FastAPI route of the project that creates (by its name) declares
    `status_code=201`: the project's own convention, which the others break."""
    return _per_routes(index, "_answers_201", _declares_201)


def declares_response_models(index) -> bool:
    """Some FastAPI route of the project declares `response_model=`: the
    project's own convention, which a route without one breaks."""
    return _per_routes(index, "_declares_models", _declares_models)


def _declares_models(index) -> bool:
    for f in index.files.values():
        if f.is_test:
            continue
        for info in f.route_facts.functions:
            for dec in info.decorators:
                name = callee_name(dec) or ""
                if name.rsplit(".", 1)[-1] in ROUTE_VERBS and any(
                    k == "response_model" for k, _ in dec[3]
                ):
                    return True
    return False


def creation_routes(index) -> tuple[int, int]:
    """(FastAPI creation routes, those that declare 201): POST routes of
    functions named like a creation (`create_...`, `add_...`)."""
    total = created = 0
    for f in index.files.values():
        if f.is_test:
            continue
        for info in f.route_facts.functions:
            if not CREATE_NAMES.match(info.name.rsplit(".", 1)[-1]):
                continue
            for dec in info.decorators:
                if (callee_name(dec) or "").endswith(".post"):
                    total += 1
                    created += any(
                        k == "status_code" and ("201" in repr(v) or "CREATED" in repr(v))
                        for k, v in dec[3]
                    )
                    break
    return total, created


def _declares_201(index) -> bool:
    return creation_routes(index)[1] > 0


def _returns(funcdef):
    nearest = sx.Nearest(("funcdef", "lambdef", "classdef"))
    for node in sx.walk(funcdef.children[-1]):
        if node.type == "return_stmt" and nearest(node) is funcdef:
            yield node


def _response_call(ctx: Context, ret):
    """The ``Response(data)`` a return statement answers with no status, if any."""
    if len(ret.children) < 2 or ret.children[1].type not in ("atom_expr", "power"):
        return None
    calls = ctx.calls(ret.children[1])
    if len(calls) != 1 or calls[0].callee is None:
        return None
    call = calls[0]
    if (ctx.qualify(call.callee) or "") != "rest_framework.response.Response":
        return None
    args = call.args
    if len(args) != 1 or args[0].kind != "pos":
        return None  # a status given (or data and more)
    return call


def _post_decorator(ctx: Context, dec):
    """The call of a `@router.post(...)` / `@app.post(...)` decorator."""
    expr = dec.children[1]
    if expr.type not in ("atom_expr", "power"):
        return None
    calls = ctx.calls(expr)
    if len(calls) != 1 or calls[0].method != "post" or "." not in (calls[0].callee or ""):
        return None
    return calls[0]


# a SQLAlchemy / SQLModel / Flask-SQLAlchemy query run for every row
QUERY_RUNNERS = frozenset({"exec", "execute", "scalars", "query", "select", "select_from"})
BOUNDS = frozenset(
    {
        "limit",
        "offset",
        "paginate",
        "slice",
        "first",
        "one",
        "one_or_none",
        "get",
        "scalar",
        "scalar_one",
        "fetchmany",
        "page",
        "limit_offset",
    }
)


def _unbounded_all(ctx: Context, node) -> bool:
    """``node`` is a chain that runs a query and takes `.all()` of it."""
    methods = [m for m, _ in sx.chain_methods(node)]
    if not methods or methods[-1] != "all":
        return False
    head = sx.parts(node)[0]
    # session.exec(...).all(), db.session.query(X).all(), Model.query.filter(...).all()
    runs = QUERY_RUNNERS.intersection(methods[:-1])
    return bool(runs) and not BOUNDS.intersection(methods) and head.type == "name"


AGGREGATES = frozenset({"len", "sum", "any", "all", "bool", "max", "min"})
PAGE_RENDERERS = frozenset({"render_template", "render", "TemplateResponse", "render_to_response"})


def _answered(node, funcdef, nearest) -> bool:
    """The rows of ``node`` are what the handler answers with: the chain is in a
    return statement, or assigned to a name a return statement uses; a page
    rendered from them (a template) is not an API list."""
    holder = node.parent
    if holder.type == "arglist":
        holder = holder.parent
    if holder.type == "trailer" and holder.parent.children[0].type == "name":
        if holder.parent.children[0].value in AGGREGATES:
            return False  # len(rows), sum(...): a figure, not the rows
    stmt = node
    while stmt.parent is not None and stmt.type not in ("return_stmt", "expr_stmt", "simple_stmt"):
        stmt = stmt.parent
    returns = [
        r
        for r in sx.walk(funcdef.children[-1])
        if r.type == "return_stmt" and nearest(r) is funcdef
    ]

    def names(n) -> set[str]:
        return {leaf.value for leaf in sx.walk(n) if leaf.type == "name"}

    if stmt.type == "return_stmt":
        return not PAGE_RENDERERS & names(stmt)
    if stmt.type == "expr_stmt" and stmt.children[0].type == "name":
        target = stmt.children[0].value
        return any(target in names(r) and not PAGE_RENDERERS & names(r) for r in returns)
    return False


@detector("API004", section="API Design & Implementation")
def list_route_without_limit(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return  # the inventory routes no test (a scan keeps every judgement)
    nearest = sx.Nearest(("funcdef", "lambdef", "classdef"))
    found = {
        key: (funcdef, nodes)
        for key, (funcdef, chains) in chains_by_function(ctx).items()
        if (nodes := [n for n in chains if _unbounded_all(ctx, n)])
    }
    sites = []
    for funcdef, nodes in found.values():
        if any(
            leaf.type == "name" and leaf.value in BOUNDS | {"skip", "per_page", "page_size"}
            for leaf in sx.walk(funcdef)
        ):
            continue  # the function bounds its query somewhere (a built statement, a parameter)
        returned = [n for n in nodes if _answered(n, funcdef, nearest)]
        if returned:
            sites.append((funcdef.children[1].start_pos[0], ctx.site(returned[0])))
    if not sites:
        return
    facts = ctx.facts

    def judge(index):
        eps = index.endpoints_in(facts)
        for line, site in sites:
            for ep in eps:
                if (
                    ep.line == line
                    and ep.framework in ("fastapi", "flask")
                    and ep.methods
                    and not set(ep.methods) - READ_METHODS
                ):
                    yield make_finding(
                        "API004",
                        site,
                        f"this query returns every row to GET {ep.route or '(route not readable)'}: "
                        "no limit, offset or paginate, so the response and the work grow with "
                        "the table",
                    )
                    break

    yield ctx.defer(ENDPOINT_READS, judge, [site for _, site in sites])


# keywords that say what the route answers, or that it is not documented
DESCRIBES_RESPONSE = frozenset({"response_model", "response_class", "include_in_schema"})


def _route_decorator(ctx: Context, dec):
    """The call of a `@router.get(...)`-like decorator (any receiver)."""
    expr = dec.children[1]
    if expr.type not in ("atom_expr", "power"):
        return None
    calls = ctx.calls(expr)
    if len(calls) != 1 or calls[0].method not in ROUTE_VERBS or "." not in (calls[0].callee or ""):
        return None
    return calls[0]


def _returns_a_value(funcdef) -> bool:
    nearest = sx.Nearest(("funcdef", "lambdef", "classdef"))
    for node in sx.walk(funcdef.children[-1]):
        if node.type == "return_stmt" and nearest(node) is funcdef and len(node.children) > 1:
            value = node.children[1]
            if not (value.type == "keyword" and value.value == "None"):
                return True
    return False


@detector("API005", section="API Design & Implementation")
def route_without_response_model(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    found = []  # (function line, site)
    for funcdef in ctx.nodes("funcdef"):
        if any(c.type == "operator" and c.value == "->" for c in funcdef.children):
            continue  # the return annotation describes the answer
        if not _returns_a_value(funcdef):
            continue
        for dec in sx.function_decorators(funcdef):
            call = _route_decorator(ctx, dec)
            if call is None:
                continue
            if any(a.kind == "kw" and a.name in DESCRIBES_RESPONSE for a in call.args) or any(
                a.kind == "dstar" for a in call.args
            ):
                break
            found.append((funcdef.children[1].start_pos[0], ctx.site(call.node, call.trailer)))
            break
    if not found:
        return
    facts = ctx.facts

    def judge(index):
        eps = index.endpoints_in(facts)
        if not declares_response_models(index):
            return  # no route declares one: a convention (the report says so)
        for line, site in found:
            if any(e.line == line and e.framework == "fastapi" for e in eps):
                yield make_finding(
                    "API005",
                    site,
                    "no `response_model=` and no return annotation: the OpenAPI schema says "
                    "nothing about what this route answers, and whatever the function returns "
                    "(every column of a model, a password hash) goes out unfiltered",
                )

    yield ctx.defer(ENDPOINT_READS, judge, [site for _, site in found])
