"""API Design & Implementation: list endpoints that return every row, GET
handlers that change data."""

from __future__ import annotations

import builtins
import re

from ..facts.index import DRF_LIST_NAMES, ENDPOINT_READS, ClassRef
from ..source import syntax as sx
from ._endpoints import READ_METHODS, words
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
    funcs = {id(f): f for f in ctx.nodes("funcdef")}
    out: dict[int, tuple[str, int | None, list]] = {}
    if not funcs:
        return out
    nearest = sx.Nearest(("funcdef", "lambdef", "classdef"))
    for node in ctx.nodes("atom_expr"):
        owner = nearest(node)
        if owner is None or id(owner) not in funcs:
            continue
        what = _write_of(ctx, node)
        if what is None:
            continue
        if id(owner) not in out:
            cls = owner.parent.parent if owner.parent.type == "suite" else owner.parent
            cls_line = cls.children[1].start_pos[0] if cls.type == "classdef" else None
            out[id(owner)] = (owner.children[1].value, cls_line, [])
        out[id(owner)][2].append((ctx.site(node), what, BOOKKEEPING.search(sx.code(node))))
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
    writes = _writes_by_function(ctx)
    if not writes:
        return
    funcs = {id(f): f for f in ctx.nodes("funcdef")}
    # (function line, class line, function name, writes)
    found = [
        (funcs[k].children[1].start_pos[0], cls_line, name, sites)
        for k, (name, cls_line, sites) in writes.items()
    ]
    facts = ctx.facts

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

    yield ctx.defer(ENDPOINT_READS, judge)


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
