"""Rate Limiting & Throttling: sign-in endpoints anyone can call as fast as they
like, throttles whose scope has no rate."""

from __future__ import annotations

import re

from ..facts.index import ENDPOINT_READS, ClassRef
from ..inventory.endpoints import ROUTE_VERBS
from ..source import syntax as sx
from ._endpoints import guessable, per_handler, words
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


# RATE003: where an application is made (or DRF configured), when none of the
# endpoints it serves has any rate limit

APP_CLASSES = {"fastapi.FastAPI": "fastapi", "flask.Flask": "flask"}
FAMILY = {"drf": "django", "django": "django", "fastapi": "fastapi", "flask": "flask"}
FAMILY_NAMES = {"django": "Django and DRF", "fastapi": "FastAPI", "flask": "Flask"}
WHERE_TO_ADD = {
    "django": "DRF's DEFAULT_THROTTLE_CLASSES and DEFAULT_THROTTLE_RATES here, or django-ratelimit "
    "on the views that take credentials",
    "fastapi": "slowapi (app.state.limiter and @limiter.limit on routes) or a limiter dependency",
    "flask": "Flask-Limiter (Limiter(app, default_limits=[...])) and stricter limits on sign-in",
}


# what makes an application serve endpoints: routes on it, routers or blueprints on it
SERVING_CALLS = frozenset(
    {
        "include_router",
        "register_blueprint",
        "mount",
        "add_api_route",
        "add_url_rule",
        "add_resource",
    }
)
SERVING_DECORATORS = ROUTE_VERBS | {"websocket"}


def _serves(facts, app: str) -> bool:
    """Whether the file's routes or route calls attach anything to ``app``."""
    routes = facts.route_facts
    if any(c.receiver == app and c.method in SERVING_CALLS for c in routes.calls):
        return True
    for func in routes.functions:
        for d in func.decorators:
            callee = d[1] if d and d[0] == "c" else d
            written = callee[1] if callee and callee[0] == "n" else ""
            head, _, method = written.rpartition(".")
            if head == app and method in SERVING_DECORATORS:
                return True
    return False


# probes and monitoring answer anyone by design; they say nothing of the API's exposure
OPERATIONAL = re.compile(
    r"(^|_)(health|healthz|healthcheck|health_check|livez|readyz|liveness|readiness|ping|"
    r"metrics|heartbeat|version|robots_txt|favicon_ico)(_|$)"
)


def _operational(ep) -> bool:
    return bool(OPERATIONAL.search(words(ep).split(" ")[0].strip("_") or ""))


TOP = ("funcdef", "classdef", "lambdef", "file_input")


def _app_sites(ctx: Context):
    """(family, app name, site) of each `app = FastAPI(...)` / `app = Flask(...)`
    and, in a settings module, of the `REST_FRAMEWORK` and `MIDDLEWARE` assignments."""
    for node, call in ctx.calls_to("FastAPI", "Flask"):
        family = APP_CLASSES.get(ctx.qualify(call.callee) or "")
        stmt = node.parent
        target = stmt.children[0]
        if (
            family
            and stmt.type == "expr_stmt"
            and stmt.children[-1] is node
            and target.type == "name"
        ):
            yield family, target.value, ctx.site(target)
    if ctx.facts.is_settings:
        for stmt in ctx.nodes("expr_stmt"):
            target = stmt.children[0]
            if (
                target.type == "name"
                and target.value in ("REST_FRAMEWORK", "MIDDLEWARE")
                and stmt.children[1].type == "operator"
                and stmt.children[1].value == "="
                and getattr(ctx.enclosing(stmt, TOP), "type", "") == "file_input"
            ):
                yield f"django:{target.value}", "", ctx.site(target)


@detector("RATE003", section="Rate Limiting & Throttling")
def no_rate_limit_anywhere(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration:
        return
    sites = list(_app_sites(ctx))
    if not sites:
        return

    def judge(index):
        current = index.files.get(facts.path, facts)
        for where, app, site in sites:
            family, _, setting = where.partition(":")
            if app and not _serves(current, app):
                continue  # an application nothing is routed to here (a gateway's CORS set-up)
            if setting == "MIDDLEWARE" and index.settings(facts).get("REST_FRAMEWORK") is not None:
                continue  # DRF's settings are where the throttles go: said there
            eps = [
                ep
                for found in index.endpoints().values()
                for ep in found
                if FAMILY.get(ep.framework) == family
            ]
            if not eps or any(ep.throttled is not False for ep in eps):
                continue  # nothing served, a limit somewhere, or the code does not tell
            anonymous = [ep for ep in eps if ep.auth == "none" and not _operational(ep)]
            credentials = [ep for ep in eps if guessable(ep)]
            if not anonymous and not credentials:
                continue  # every caller is signed in: abuse is bounded by who has an account
            said = (
                f"{len(anonymous)} of them answer{'s' if len(anonymous) == 1 else ''} anonymous callers"
                if anonymous
                else ""
            )
            if credentials:
                ep = credentials[0]
                said += (", " if said else "") + (
                    f"{len(credentials)} take passwords, codes or sign-ups (`{ep.handler}`, "
                    f"{ep.route or 'route not readable'})"
                )
            yield make_finding(
                "RATE003",
                site,
                f"none of the project's {len(eps)} {FAMILY_NAMES[family]} endpoints is rate limited "
                f"({said}): one client can send requests as fast as the server answers. Add "
                f"{WHERE_TO_ADD[family]}; if a gateway or proxy limits requests, say so with a "
                "suppression comment",
            )

    yield ctx.defer(ENDPOINT_READS, judge, [s for *_, s in sites])
