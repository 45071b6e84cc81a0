"""Third-Party Security Integration: webhooks accepted without checking who sent
them, and signatures compared in a way that leaks them."""

from __future__ import annotations

import re

from ..model import Fix
from ..source import syntax as sx
from ._helpers import last_assignment
from .audit_logging import is_server_code
from .base import Context, detector

SECTION = "Third-Party Security Integration"

# --- EXT001 --------------------------------------------------------------------------

HOOK_NAME = re.compile(r"webhook|(^|_)hooks?($|_)|(^|_)ipn($|_)|callback", re.I)
HOOK_CLASS = re.compile(
    r"(webhook|hook|callback|ipn)s?(view|handler|endpoint|receiver|api|resource|listener)?$", re.I
)
# names of views that manage webhook settings (outgoing webhooks), not receive them
MANAGING = re.compile(
    r"(^|_)(add|edit|create|update|delete|remove|list|form|settings|config|test|manage|new"
    r"|detail|register|subscribe|unsubscribe|send|trigger|retry|redeliver)($|_)",
    re.I,
)
HOOK_PATH = re.compile(r"webhook|(^|/)hooks?($|/)|callback|(^|/)ipn($|/)", re.I)
# a raw payload: what a provider posts
RAW_BODY = {"body", "data", "json", "get_json", "get_data", "stream", "read"}
FORM_BODY = {"POST", "form", "values"}
REQUESTS = {"request", "req", "self.request", "flask.request"}
HANDLER_METHODS = {"post", "put", "dispatch", "create", "__call__", "handle", "on_post"}
# a call or a name that verifies who sent it
VERIFY = re.compile(
    r"verif|signature|(^|_)sign(ed)?($|_)|hmac|compare_digest|construct_event|validate_request"
    r"|is_valid_request|RequestValidator|SignatureVerifier|check_sig|webhook_secret"
    r"|authenticate|(^|_)auth($|_)|token",
    re.I,
)
# a header or setting read by name that carries a signature or shared secret
VERIFY_TEXT = re.compile(r"signature|hmac|token|secret|x-hub-sig|authorization", re.I)
TRIGGER = re.compile(r"hook|callback|ipn", re.I)


def _route_paths(funcdef) -> list[str]:
    out = []
    for d in sx.function_decorators(funcdef):
        inner = d.children[1]
        if inner.type not in ("atom_expr", "power"):
            continue
        for call in sx.calls_in(inner):
            for a in call.args:
                v = sx.string_value(a.value)
                if v is not None and (a.kind == "pos" or a.name in ("path", "rule", "url")):
                    out.append(v)
    return out


def _enclosing_class(funcdef):
    p = funcdef.parent
    while p is not None and p.type in ("decorated", "async_stmt", "async_funcdef", "suite"):
        p = p.parent
    return p if p is not None and p.type == "classdef" else None


def _is_hook(funcdef) -> tuple[bool, bool]:
    """(is a webhook handler, form fields count as its payload)."""
    name = funcdef.children[1].value
    if MANAGING.search(name):
        return False, False
    for path in _route_paths(funcdef):
        if HOOK_PATH.search(path):
            return True, "ipn" in path.lower()
    if HOOK_NAME.search(name):
        return True, "ipn" in name.lower()
    cls = _enclosing_class(funcdef)
    if cls is not None and name in HANDLER_METHODS:
        cname = cls.children[1].value
        if HOOK_CLASS.search(cname):
            return True, "ipn" in cname.lower()
    return False, False


def _body_read(ctx: Context, nodes, raw_only: bool):
    """The first read of the request's payload: (node, end node, text)."""
    for n in nodes:
        if n.type not in ("atom_expr", "power"):
            continue
        ps = sx.parts(n)
        names: list[str] = []
        for i, t in enumerate(ps):
            if i == 0:
                if t.type != "name":
                    break
                names.append(t.value)
                continue
            if not sx.is_attr_trailer(t):
                break
            attr = t.children[1].value
            if (
                _is_request(ctx, ".".join(names))
                and (attr in RAW_BODY or (not raw_only and attr in FORM_BODY))
                and not _discarded(n)
            ):
                return n, t, ".".join([*names, attr])
            names.append(attr)
    return None


def _discarded(node) -> bool:
    """``request.body`` alone on its line: read for its side effect (DRF caches the
    body), not acted on."""
    p = node.parent
    return p is not None and p.type == "simple_stmt" and len(sx.parts(node)) == 2


def _is_request(ctx: Context, name: str) -> bool:
    return name in REQUESTS or ctx.qualify(name) in ("flask.request", "quart.request")


def _verifies(ctx: Context, nodes, decorators) -> bool:
    for d in decorators:
        if VERIFY.search(sx.decorator_name(d) or ""):
            return True
    for n in nodes:
        if n.type in ("atom_expr", "power"):
            for call in ctx.calls(n):
                if any(VERIFY.search(p) for p in (call.callee or call.method or "").split(".")):
                    return True
        elif n.type in ("string", "name") and VERIFY_TEXT.search(n.value):
            return True
    return False


def _function_nodes(funcdef):
    return list(sx.walk(funcdef))


@detector("EXT001", section=SECTION, scope="file")
def webhook_without_signature(ctx: Context):
    # scope "file": a class-based handler may verify in another method or a mixin's
    low = ctx.text.lower()  # plain substring tests: this runs on every keystroke
    if not ("hook" in low or "callback" in low or "ipn" in low) or not is_server_code(ctx):
        return
    for funcdef in ctx.nodes("funcdef"):
        hook, form_payload = _is_hook(funcdef)
        if not hook:
            continue
        nodes = _function_nodes(funcdef)
        read = _body_read(ctx, nodes, raw_only=not form_payload)
        if read is None:
            continue
        decorators = list(sx.function_decorators(funcdef))
        cls = _enclosing_class(funcdef)
        if cls is not None:
            # every method of the class, and its bases' names (a VerifiedWebhookMixin)
            nodes = list(sx.walk(cls))
            decorators += [c for c in nodes if c.type == "decorator"]
            bases = cls.children[3] if len(cls.children) > 4 else None
            if bases is not None and bases.type != "operator" and VERIFY.search(sx.code(bases)):
                continue
        if _verifies(ctx, nodes, decorators):
            continue
        node, trailer, text = read
        name = funcdef.children[1].value
        if cls is not None:
            name = f"{cls.children[1].value}.{name}"
        yield ctx.finding(
            "EXT001",
            node,
            f"webhook handler `{name}` reads the payload (`{text}`) without verifying its "
            "signature: anyone who learns the URL can send it forged events",
            end_node=trailer,
        )


# --- EXT002 --------------------------------------------------------------------------

SECRET_WORD = re.compile(
    r"(^|_)(signature|sig|signed|digest|hmac|mac|token|secret)s?($|_)|signature|hmac", re.I
)
HEADER_KEY = re.compile(r"sig|token|hmac|secret|auth|key|digest|hash", re.I)
DIGEST_METHODS = {"hexdigest", "digest"}
CONVERTERS = {"len", "int", "bool", "str", "type", "isinstance", "hash", "id"}


def _side_kind(ctx: Context, node, depth: int = 0) -> set[str]:
    """What one side of a comparison is: "computed" (an HMAC or hash digest),
    "header" (a header that carries a signature or token), "secret" (a name that
    says signature, digest, token...), "none" (may be None: a ``.get``)."""
    kinds: set[str] = set()
    if node.type in ("number", "string", "strings", "keyword") or (
        node.type == "name" and node.value in ("None", "True", "False")
    ):
        return {"constant"}
    if node.type == "name":
        if SECRET_WORD.search(node.value):
            kinds.add("secret")
        if depth < 2:
            value = last_assignment(ctx, node.value, node)
            if value is not None:
                kinds |= _side_kind(ctx, value, depth + 1) - {"constant"}
        return kinds
    if node.type not in ("atom_expr", "power"):
        # `"sha256=" + hmac.new(...).hexdigest()`, `(a or b)`: what its parts are
        for c in getattr(node, "children", ()):
            if c.type not in ("operator", "keyword"):
                kinds |= _side_kind(ctx, c, depth) - {"constant"}
        return kinds
    calls = ctx.calls(node)
    for call in calls:
        q = ctx.qualify(call.callee) or ""
        if call.method in DIGEST_METHODS or q.startswith(("hmac.", "hashlib.")):
            kinds.add("computed")
        if call.method == "get":
            kinds.add("none")
    if calls and calls[0].callee in CONVERTERS:
        return set()
    code = sx.code(node)
    if ("headers" in code or "META" in code or "get_header" in code) and any(
        HEADER_KEY.search(s) for s in re.findall(r"[\"']([^\"']+)[\"']", code)
    ):
        kinds.add("header")
    if not calls or (len(calls) == 1 and calls[0].method == "get"):
        names = [p for p in re.split(r"\W+", code) if p]
        if names and SECRET_WORD.search(names[-1] if not calls else names[0]):
            kinds.add("secret")
        if any(SECRET_WORD.search(p) for p in names if p not in ("request", "headers", "META")):
            kinds.add("secret")
    return kinds


def _import_hmac_edit(ctx: Context):
    """``import hmac`` beside the module's other imports: after the plain imports
    that sort before it, else before the first import, else after the docstring
    and ``from __future__`` lines."""
    if ctx.facts.imports.get("hmac") == "hmac":
        return None
    line = None
    after = None
    for stmt in ctx.module.children:
        if stmt.type != "simple_stmt":
            break
        first = stmt.children[0]
        if first.type in ("string", "strings") and line is None and after is None:
            after = stmt.end_pos[0] + (1 if stmt.end_pos[1] else 0)
            continue
        if first.type not in ("import_name", "import_from"):
            break
        text = sx.code(first)
        if text.startswith("from __future__"):
            after = stmt.end_pos[0] + (1 if stmt.end_pos[1] else 0)
            continue
        if line is None:
            line = stmt.start_pos[0]
        if first.type == "import_name" and text.split()[1] < "hmac":
            line = stmt.end_pos[0] + (1 if stmt.end_pos[1] else 0)
    if line is None:
        line = after or 1
    return ctx.edit((line, 0), (line, 0), "import hmac\n")


@detector("EXT002", section=SECTION)
def signature_compared_with_eq(ctx: Context):
    if not is_server_code(ctx):
        return
    for comparison in ctx.nodes("comparison"):
        ch = comparison.children
        if len(ch) != 3 or ch[1].type != "operator" or ch[1].value not in ("==", "!="):
            continue
        if ctx.enclosing(comparison, ("funcdef",)) is None:
            continue  # module level: a script, not a request handler
        left, right = _side_kind(ctx, ch[0]), _side_kind(ctx, ch[2])
        if "constant" in left or "constant" in right:
            continue
        strong = {"computed", "header"}
        if not (
            (left & strong and right & (strong | {"secret"}))
            or (right & strong and left & (strong | {"secret"}))
        ):
            continue
        fix = None
        if "none" not in left and "none" not in right and "\n" not in sx.code(comparison):
            neg = "not " if ch[1].value == "!=" else ""
            text = f"{neg}hmac.compare_digest({sx.code(ch[0])}, {sx.code(ch[2])})"
            edits = [ctx.edit(comparison.start_pos, comparison.end_pos, text)]
            imp = _import_hmac_edit(ctx)
            if imp is not None:
                edits.insert(0, imp)
            fix = Fix("Compare with hmac.compare_digest", tuple(edits))
        yield ctx.finding(
            "EXT002",
            comparison,
            f"signature or token compared with `{ch[1].value}`: the comparison stops at the first "
            "differing character, and the time it takes tells an attacker how much of a "
            "forged value is right; use `hmac.compare_digest`",
            fix=fix,
        )
