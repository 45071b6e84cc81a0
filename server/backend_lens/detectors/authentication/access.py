"""AUTH001-AUTH003: who may call an endpoint. DRF views open to anyone,
endpoints that change data with no authentication, rows loaded by an id from
the URL with no check that they belong to the signed-in user."""

from __future__ import annotations

import re

from ...facts.index import ENDPOINT_READS, ClassRef
from ...model import Fix
from ...source import syntax as sx
from .._endpoints import (
    WRITE_METHODS,
    chains_by_function,
    class_line,
    open_by_nature,
    per_handler,
)
from .._helpers import append_argument_edit
from ..api_design import class_sites
from ..base import Context, detector, make_finding

MESSAGE = (
    "`{name}` sets no permission_classes and the project sets no DEFAULT_PERMISSION_CLASSES: "
    "DRF then allows any caller, signed in or not"
)


@detector("AUTH001", section="Authentication & Authorization Systems")
def view_without_permissions(ctx: Context):
    facts = ctx.facts
    for cls, site in class_sites(ctx):
        if "get_permissions" in cls.methods:
            continue

        def judge(index, cls=cls, site=site):
            ref = ClassRef(facts, cls)
            if not index.is_drf_view(ref) or index.drf_setting("DEFAULT_PERMISSION_CLASSES", facts):
                return
            found = index.inherited_attr(ref, "permission_classes")
            if found is not None:
                return
            # a project base class that overrides get_permissions decides too
            if any("get_permissions" in p.cls.methods for p in index.ancestors(ref)[1]):
                return
            yield make_finding("AUTH001", site, MESSAGE.format(name=cls.name))

        yield ctx.defer(("models", "settings"), judge)

    for funcdef in ctx.nodes("funcdef"):
        names = [ctx.qualify(sx.decorator_name(d)) or "" for d in sx.function_decorators(funcdef)]
        if not any(n.endswith("api_view") for n in names):
            continue
        if any(n.endswith("permission_classes") for n in names):
            continue
        site = ctx.site(funcdef.children[1])
        name = funcdef.children[1].value

        def judge_fn(index, site=site, name=name, facts=ctx.facts):
            if index.drf_setting("DEFAULT_PERMISSION_CLASSES", facts):
                return
            yield make_finding("AUTH001", site, MESSAGE.format(name=name))

        yield ctx.defer(("settings",), judge_fn)


@detector("AUTH002", section="Authentication & Authorization Systems")
def write_endpoint_without_authentication(ctx: Context):
    yield from per_handler(ctx, _judge_open_write)


def _judge_open_write(index, eps, site):
    open_writes = [
        ep
        for ep in eps
        if ep.auth == "none"
        and WRITE_METHODS.intersection(ep.methods)
        # AUTH001 reports a DRF view that sets no permission at all
        and not ep.auth_by.startswith("DRF default permission")
        and not open_by_nature(ep)
    ]
    if not open_writes:
        return
    ep = open_writes[0]
    methods = sorted(WRITE_METHODS.intersection(m for e in open_writes for m in e.methods))
    why = f" ({ep.auth_by})" if ep.auth_by else ""
    more = f" and {len(open_writes) - 1} more route(s)" if len(open_writes) > 1 else ""
    yield make_finding(
        "AUTH002",
        site,
        f"`{ep.handler}` serves {', '.join(methods)} on {ep.route or '(route not readable)'}{more} "
        f"to anonymous callers{why}: anyone who finds the URL can change data",
    )


# fields that tie a row to the user it belongs to
OWNER_FIELDS = (
    "user",
    "owner",
    "customer",
    "created_by",
    "creator",
    "author",
    "submitted_by",
    "requester",
    "buyer",
    "uploaded_by",
    "patient",
)
RELATION_KINDS = frozenset(
    {"ForeignKey", "OneToOneField", "relationship", "Relationship", "ParentalKey"}
)
ID_KEYWORDS = re.compile(r"^(pk|id|uuid|slug|\w+_(id|pk|uuid))$")
# a check the handler makes itself: an object permission, a role, a staff flag
CHECK_NAMES = re.compile(
    r"perm|authoriz|is_superuser|is_staff|is_admin|can_|allowed|access|ownership|owns|"
    r"verify_owner|ensure_owner|check_owner",
    re.IGNORECASE,
)
# endpoints whose guard already decides per object or per role
ROLE_GUARD = re.compile(r"admin|staff|superuser|perm|role|scope|owner", re.IGNORECASE)
# the methods of a class-based view or viewset that look one object up
OBJECT_METHODS = frozenset(
    {"get", "put", "patch", "delete", "post", "retrieve", "update", "partial_update", "destroy"}
)


def _lookup(call, params: set[str]):
    """(model as written, id parameter) when ``call`` loads one row by an id that
    comes from a handler parameter, else None."""
    callee = call.callee or ""
    args = call.args
    pos = [a for a in args if a.kind == "pos"]
    kws = [a for a in args if a.kind == "kw"]

    def param(node) -> str | None:
        return node.value if node.type == "name" and node.value in params else None

    if callee.rsplit(".", 1)[-1] == "get_object_or_404" or callee.endswith(".objects.get"):
        if callee.endswith(".objects.get"):
            model = callee[: -len(".objects.get")]
        else:
            if not pos or sx.dotted(pos[0].value) is None:
                return None
            model = sx.dotted(pos[0].value)
            if len(pos) > 1:
                return None
        if len(kws) != 1 or not ID_KEYWORDS.match(kws[0].name or ""):
            return None  # a second filter may be the owner's
        found = param(kws[0].value)
        return (model, found) if found else None
    if callee.endswith((".query.get", ".query.get_or_404")) and len(pos) == 1 and not kws:
        found = param(pos[0].value)
        return (callee.rsplit(".", 2)[0], found) if found else None
    receiver, _, method = callee.rpartition(".")
    if method == "get" and receiver.rsplit(".", 1)[-1] in ("session", "db") and len(pos) == 2:
        model, found = sx.dotted(pos[0].value), param(pos[1].value)
        return (model, found) if model and found else None
    return None


def _function_names(funcdef) -> tuple[set[str], bool]:
    """(attribute and keyword names the function uses, whether a name says it
    checks permissions itself)."""
    used: set[str] = set()
    checks = False
    for leaf in sx.walk(funcdef):
        if leaf.type != "name":
            continue
        if CHECK_NAMES.search(leaf.value):
            checks = True
        prev = leaf.get_previous_leaf()
        nxt = leaf.get_next_leaf()
        if (prev is not None and prev.value == ".") or (
            nxt is not None and nxt.value == "=" and leaf.parent.type == "argument"
        ):
            used.add(leaf.value)
    return used, checks


def _params(funcdef) -> set[str]:
    return {
        p.name.value
        for p in funcdef.get_params()
        if p.name.value not in ("self", "cls", "request", "db", "session")
    }


@detector("AUTH003", section="Authentication & Authorization Systems")
def object_by_id_without_owner_check(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return  # the inventory routes no test (a scan keeps every judgement)
    funcs = chains_by_function(ctx)
    found: dict[int, list] = {}
    for key, (funcdef, chains) in funcs.items():
        params = _params(funcdef)
        if not params:
            continue
        for node in chains:
            for call in ctx.calls(node):
                hit = _lookup(call, params)
                if hit is not None:
                    found.setdefault(key, []).append((call, hit))
                    break
    if not found:
        return
    facts = ctx.facts
    # what the judgement reads of this file's facts when it places the model: noted
    # here, so an edit that changes them re-runs the rule (incremental._noting)
    facts.imports, facts.classes, facts.module, facts.star_imports  # noqa: B018
    for key, lookups in found.items():
        funcdef = funcs[key][0]
        used, checks = _function_names(funcdef)
        if checks:
            continue
        line = funcdef.children[1].start_pos[0]
        cls_line = class_line(funcdef)
        name = funcdef.children[1].value
        has_request = any(p.name.value == "request" for p in funcdef.get_params())
        # plain data only: a judgement is kept (and cached) without the tree
        sites = [
            (ctx.site(call.node, call.trailer), model, param, id(call.trailer))
            for call, (model, param) in lookups
        ]
        fixes = {
            id(call.trailer): call.trailer
            for call, _ in lookups
            if has_request
            and (call.callee.endswith(".objects.get") or call.callee.endswith("get_object_or_404"))
        }
        edits = {}
        for owner_field in OWNER_FIELDS:
            for tid, trailer in fixes.items():
                edits[(tid, owner_field)] = append_argument_edit(
                    ctx, trailer, f"{owner_field}=request.user"
                )

        def judge(
            index, line=line, cls_line=cls_line, name=name, sites=sites, used=used, edits=edits
        ):
            if not _handler_needs_owner(index, facts, line, cls_line, name):
                return
            for site, model, param, tid in sites:
                ref = index.resolve_class(facts, model, None)
                if not isinstance(ref, ClassRef):
                    continue
                owner = _owner_field(index, ref)
                if owner is None or owner in used or f"{owner}_id" in used:
                    continue
                edit = edits.get((tid, owner))
                fix = Fix(f"Filter on {owner}=request.user", (edit,)) if edit else None
                hint = (
                    f"add `{owner}=request.user` to the look-up"
                    if edit
                    else f"compare its `{owner}` with the signed-in user, or load it through a "
                    "query filtered on the user"
                )
                yield make_finding(
                    "AUTH003",
                    site,
                    f"`{ref.cls.name}` is loaded by `{param}` from the URL with no check that it "
                    f"belongs to the signed-in user (its `{owner}` field): any signed-in user who "
                    f"changes the id reaches another user's row; {hint}",
                    fix,
                )

        yield ctx.defer(("models", *ENDPOINT_READS), judge, [site for site, *_ in sites])


def _handler_needs_owner(index, facts, line, cls_line, name) -> bool:
    """The function answers a signed-in user's request with no role or
    object-permission guard the inventory knows."""
    for ep in index.endpoints_in(facts):
        if ep.line == line or (
            cls_line is not None and ep.line == cls_line and name in OBJECT_METHODS
        ):
            # "permission_classes: IsAuthenticated": what grants it, not where it is set
            guard = ep.auth_by.split(":", 1)[-1]
            return ep.auth == "required" and not ROLE_GUARD.search(guard)
    return False


def _owner_field(index, ref: ClassRef) -> str | None:
    """The field of a model that names the user a row belongs to."""
    fields = {}
    for r in (*reversed(index.ancestors(ref)[1]), ref):
        for f in r.cls.fields:
            fields[f.name] = f
    for name in OWNER_FIELDS:
        for candidate in (name, f"{name}_id"):
            f = fields.get(candidate)
            if f is None:
                continue
            if f.kind in RELATION_KINDS or "foreign_key" in f.kwargs or f.target:
                return name if f.kind in RELATION_KINDS else candidate
    return None
