"""Rules about the project's HTTP endpoints, judged from the endpoint inventory
(``inventory/endpoints.py``): a detector notes where the file's functions and
classes are named, and a deferred judgement, made against the project index,
looks up the endpoints whose handler is one of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ..facts.index import ENDPOINT_READS
from ..inventory.endpoints import HTTP_VERBS
from ..model import Finding
from ..source import syntax as sx
from .base import Context, Site

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# endpoints that sign people in, up or back in: what an attacker guesses at
CREDENTIAL_WORDS = re.compile(
    r"log_?in|sign_?in|sign_?up|register|registration|forgot|recover|reset_?password|"
    r"password_?reset|set_?password|otp|2fa|mfa|two_?factor|totp|verify_?code|magic_?link|"
    r"(access|obtain|auth|provision|login)_?tokens?|tokens?_?(obtain|auth|provision)|"
    r"authenticate",
    re.IGNORECASE,
)
# second factors: guessed by whoever holds the password, so signed-in callers count too
SECOND_FACTOR = re.compile(r"otp|2fa|mfa|two_?factor|totp|verify_?code", re.IGNORECASE)
# endpoints that are anonymous by nature: other services call them and sign their requests
CALLED_BY_SERVICES = re.compile(
    r"web_?hooks?|hooks?\b|callback|slack|stripe|github|gitlab|twilio|paypal|ipn|"
    r"sns|pubsub|inbound|incoming",
    re.IGNORECASE,
)
# links mailed to people (an invitation, an address to confirm): the token in the URL
# is the credential, so whoever holds the link is anonymous to the server
EMAILED_LINKS = re.compile(r"invit|verif|confirm|activat|unsubscrib", re.IGNORECASE)
TOKEN_PARAMETER = re.compile(r"[<{](\w+:)?\w*(token|signature|uidb64)\w*[>}]", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-/.{}<>()\[\]:?=+*\\^$|]+")


def words(ep) -> str:
    """The route and the handler's name as snake_case words ("/auth/log-in" and
    "LoginView" -> "auth_log_in login_view"), for the name patterns above."""
    handler = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", ep.handler)
    return f"{_SEPARATORS.sub('_', ep.route or '')} {handler}".lower()


def shown(ep) -> str:
    """`POST /api/orders/` as a message shows an endpoint."""
    methods = ",".join(ep.methods) or "any method"
    return f"{methods} {ep.route or '(route not readable)'}"


def open_by_nature(ep) -> bool:
    """Anonymous on purpose: signs people in, up or back in, is called by another
    service that signs its requests, or opens a link mailed to someone."""
    w = words(ep)
    return bool(
        CREDENTIAL_WORDS.search(w)
        or CALLED_BY_SERVICES.search(w)
        or EMAILED_LINKS.search(w)
        or TOKEN_PARAMETER.search(ep.route or "")
        or "logout" in w.replace("_", "")
    )


def guessable(ep) -> bool:
    """An endpoint that checks something an attacker can guess at: a password, a
    one-time code, a reset or sign-up form (not a GET-only page that shows the
    form); reachable without signing in (a second factor is guessed by whoever
    holds the password, so it counts either way)."""
    w = words(ep)
    if not CREDENTIAL_WORDS.search(w) or "logout" in w.replace("_", ""):
        return False
    if ep.methods and not set(ep.methods) - READ_METHODS:
        return False
    return ep.auth != "required" or bool(SECOND_FACTOR.search(w))


def handler_sites(ctx: Context) -> dict[int, Site]:
    """Line of each function or class name of this unit -> the site of the name
    (an endpoint's line is its handler's `def` or `class` line)."""
    out: dict[int, Site] = {}
    if ctx.facts.is_test or ctx.facts.is_migration:
        return out  # the inventory routes no test or migration (a scan keeps every judgement)
    for node in ctx.nodes("classdef"):
        if node.children[2].type == "operator" and node.children[2].value == "(":
            name = node.children[1]
            out[name.start_pos[0]] = ctx.site(name)
    for node in ctx.nodes("funcdef"):
        if _may_handle(node):
            name = node.children[1]
            out[name.start_pos[0]] = ctx.site(name)
    return out


def chains_by_function(ctx: Context) -> dict[int, tuple]:
    """id(funcdef) -> (funcdef, the call chains (atom_expr) of its own body, not of
    the functions nested in it), for the functions of the unit that have any.
    Kept for the context: several endpoint rules read it."""
    found = ctx.memo.get("chains_by_function")
    if found is None:
        found = ctx.memo["chains_by_function"] = {}
        funcs = {id(f): f for f in ctx.nodes("funcdef")}
        if funcs:
            nearest = sx.Nearest(("funcdef", "lambdef", "classdef"))
            for node in ctx.nodes("atom_expr"):
                owner = nearest(node)
                if owner is not None and id(owner) in funcs:
                    found.setdefault(id(owner), (owner, []))[1].append(node)
    return found


def class_line(funcdef) -> int | None:
    """The line of the class a method is defined in, None for a function."""
    parent = funcdef.parent.parent if funcdef.parent.type == "suite" else funcdef.parent
    return parent.children[1].start_pos[0] if parent.type == "classdef" else None


HTTP_METHOD_NAMES = frozenset(HTTP_VERBS)
# the methods of a class-based view or viewset that handle a request
HANDLER_METHODS = frozenset(
    {
        *HTTP_VERBS,
        "create",
        "update",
        "partial_update",
        "destroy",
        "perform_create",
        "perform_update",
        "perform_destroy",
        "form_valid",
    }
)


def _may_handle(funcdef) -> bool:
    """A function that can be a handler: decorated (a route, `api_view`,
    `login_required`), taking the request first (a Django view), or a method
    named for an HTTP method (a flask-restx resource, a `MethodView`)."""
    if sx.function_decorators(funcdef):
        return True
    if funcdef.children[1].value in HTTP_METHOD_NAMES:
        return True
    params = [p.name.value for p in funcdef.get_params()]
    return bool(params) and params[0] in ("request", "req")


def per_handler(
    ctx: Context,
    judge_one: Callable[[object, list, Site], Iterable[Finding]],
):
    """One deferred judgement for the unit: ``judge_one(index, endpoints, site)``
    for each handler of the unit that the inventory routes, with every endpoint
    it serves (a viewset and a function routed twice serve several)."""
    sites = handler_sites(ctx)
    if not sites:
        return
    facts = ctx.facts

    def judge(index):
        by_line: dict[int, list] = {}
        for ep in index.endpoints_in(facts):
            if ep.line in sites:
                by_line.setdefault(ep.line, []).append(ep)
        for line, eps in sorted(by_line.items()):
            yield from judge_one(index, eps, sites[line])

    # the judgement reads the file's path and the index only; findings are at the sites
    yield ctx.defer(ENDPOINT_READS, judge, sites.values())
