"""Authentication & Authorization Systems: DRF views open to anyone, endpoints
that change data with no authentication."""

from __future__ import annotations

from ..facts.index import ClassRef
from ..source import syntax as sx
from ._endpoints import WRITE_METHODS, open_by_nature, per_handler
from .api_design import class_sites
from .base import Context, detector, make_finding

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
