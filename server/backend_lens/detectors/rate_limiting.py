"""Rate Limiting & Throttling: sign-in endpoints anyone can call as fast as they
like, throttles whose scope has no rate."""

from __future__ import annotations

from ..facts.index import ClassRef
from ..source import syntax as sx
from ._endpoints import guessable, per_handler
from .base import Context, detector, make_finding


@detector("RATE001", section="Rate Limiting & Throttling")
def credential_endpoint_without_throttle(ctx: Context):
    yield from per_handler(ctx, _judge_unthrottled)


def _judge_unthrottled(index, eps, site):
    # throttled None: the code does not tell (a project decorator, a setting not read)
    found = [ep for ep in eps if guessable(ep) and ep.throttled is False]
    if not found or any(ep.throttled for ep in eps if guessable(ep)):
        return
    ep = found[0]
    yield make_finding(
        "RATE001",
        site,
        f"`{ep.handler}` ({ep.route or 'route not readable'}) takes passwords, codes or sign-ups "
        "and nothing limits how often it is called: a script can guess passwords or codes, or "
        "create accounts and send mail, as fast as the server answers",
    )


# DRF's rate throttles and the scope each reads its rate under
RATE_THROTTLES = {
    "SimpleRateThrottle": None,
    "AnonRateThrottle": "anon",
    "UserRateThrottle": "user",
    "ScopedRateThrottle": None,
}


def _scope_assignments(ctx: Context):
    """(class node, attribute name, scope, node of the string) for each
    `throttle_scope = "..."` / `scope = "..."` at the top of a class body."""
    for classdef in ctx.nodes("classdef"):
        suite = classdef.children[-1]
        for stmt in getattr(suite, "children", ()):
            expr = stmt.children[0] if stmt.type == "simple_stmt" else None
            pair = sx.plain_assignment(expr) if expr is not None else None
            if pair is None or pair[0].type != "name":
                continue
            name = pair[0].value
            if name not in ("throttle_scope", "scope"):
                continue
            scope = sx.string_value(pair[1])
            if scope:
                yield classdef, name, scope, pair[1]


@detector("RATE002", section="Rate Limiting & Throttling")
def throttle_scope_without_rate(ctx: Context):
    facts = ctx.facts
    if not any("rest_framework" in q for q in facts.imports.values() if isinstance(q, str)):
        return
    by_start = {c.start: c for c in facts.classes}
    for classdef, attr, scope, value in _scope_assignments(ctx):
        cls = by_start.get(classdef.children[1].start_pos)
        if cls is None:
            continue
        site = ctx.site(value)

        def judge(index, cls=cls, attr=attr, scope=scope, site=site):
            ref = ClassRef(facts, cls)
            libs, project = index.ancestors(ref)
            is_throttle = any(b.rsplit(".", 1)[-1] in RATE_THROTTLES for b in libs)
            if attr == "scope" and not is_throttle:
                return  # a `scope` of something else
            if attr == "throttle_scope":
                if is_throttle:
                    return
                own = index.inherited_attr(ref, "throttle_classes")
                applied = (
                    own[1]
                    if own is not None
                    else index.drf_setting("DEFAULT_THROTTLE_CLASSES", facts)
                )
                if "ScopedRateThrottle" not in str(applied):
                    return  # DRF reads throttle_scope only through ScopedRateThrottle
            if attr == "scope" and (
                index.inherited_attr(ref, "rate") is not None
                or any("get_rate" in r.cls.methods for r in (ref, *project))
            ):
                return  # the rate is given on the class
            rf = index.settings(facts).get("REST_FRAMEWORK")
            if not isinstance(rf, dict):
                return  # no REST_FRAMEWORK read: the rates may be set where it is
            rates = rf.get("DEFAULT_THROTTLE_RATES", {})
            if not isinstance(rates, dict) or scope in rates:
                return  # computed rates cannot be read; or the scope has one
            known = ", ".join(f"'{k}'" for k in sorted(rates)) or "none"
            yield make_finding(
                "RATE002",
                site,
                f"no rate is configured for the throttle scope '{scope}' "
                f"(REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] has {known}): DRF raises "
                "ImproperlyConfigured on the first request this throttle checks",
            )

        yield ctx.defer(("models", "settings"), judge)
