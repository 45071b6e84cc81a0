"""SEC008 secret-written-to-log: passwords, tokens, card numbers or whole request
bodies passed to a logging call."""

from __future__ import annotations

from ...source import syntax as sx
from ..base import Context, detector
from ._common import is_quiet_path, words

LEVELS = {
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
    "msg",
}
SENSITIVE_LAST = {
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "cvv",
    "cvc",
    "cvv2",
    "ssn",
    "otp",
    "pan",
}
SENSITIVE_PAIRS = {
    ("api", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("access", "key"),
    ("card", "number"),
    ("credit", "card"),
    ("cc", "number"),
    ("security", "code"),
    ("card", "cvv"),
    ("social", "security"),
}
# wrapping a secret in one of these logs something else: a length, a yes/no, a mask
HIDING = (
    "len",
    "bool",
    "type",
    "isinstance",
    "id",
    "mask",
    "redact",
    "obfuscate",
    "hash",
    "sha",
    "md5",
    "truncate",
    "censor",
    "hide",
    "anonym",
    "scrub",
    "sanitize",
)
REQUEST_WHOLE = {"data", "POST", "body", "json", "form", "META", "headers", "COOKIES", "values"}


def sensitive(name: str) -> str | None:
    ws = words(name)
    if not ws:
        return None
    if ws[-1] in SENSITIVE_LAST:
        return name
    if len(ws) > 1 and (ws[-2], ws[-1]) in SENSITIVE_PAIRS:
        return name
    return None


def _log_call(call: sx.Call) -> bool:
    if call.method not in LEVELS or not call.callee or "." not in call.callee:
        return False
    owner = call.callee.rsplit(".", 1)[0].rsplit(".", 1)[-1].lower()
    return "log" in owner


def _hidden(node, stop) -> bool:
    """Whether ``node`` sits in a call that hides it (len(), mask()), a comparison or a slice."""
    p = node.parent
    while p is not None and p is not stop:
        if p.type in ("comparison", "not_test", "subscript", "subscriptlist"):
            return True
        if p.type == "trailer" and p.children[0].value == "(" and p.parent is not None:
            ps = p.parent.children
            i = ps.index(p)
            prev = ps[i - 1] if i else None
            fn = (
                prev.value
                if prev is not None and prev.type == "name"
                else (
                    prev.children[1].value if prev is not None and sx.is_attr_trailer(prev) else ""
                )
            )
            if any(h in fn.lower() for h in HIDING):
                return True
        if p.type == "trailer" and p.children[0].value == "[":
            return True
        p = p.parent
    return False


def _chain_end(leaf):
    """For a name leaf, the node whose text is the dotted chain it ends (``user.password``),
    or None when the chain goes on with another attribute."""
    if leaf.parent is not None and leaf.parent.type == "trailer":
        trailer = leaf.parent
        owner = trailer.parent
    else:
        trailer = leaf
        owner = leaf.parent
    if owner is None or owner.type not in ("atom_expr", "power"):
        return leaf if trailer is leaf else None
    ch = owner.children
    i = ch.index(trailer)
    nxt = ch[i + 1] if i + 1 < len(ch) else None
    if nxt is not None and nxt.type == "trailer" and nxt.children[0].value in (".", "["):
        return None  # goes on (token.id) or takes a part (token[:6])
    return owner


def _request_whole(node) -> str | None:
    """``request.data`` / ``request.POST`` / ``request.get_json()`` logged whole."""
    if node.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(node)
    names = []
    for i, t in enumerate(ps):
        if t.type == "name" and i == 0:
            names.append(t.value)
        elif sx.is_attr_trailer(t):
            names.append(t.children[1].value)
        elif sx.is_call_trailer(t) and names and names[-1] in ("get_json", "dict", "json"):
            continue
        else:
            return None
    if "request" not in names:
        return None
    k = names.index("request")
    rest = names[k + 1 :]
    if rest and rest[0] in REQUEST_WHOLE | {"get_json"} and len(rest) <= 2:
        return ".".join(names)
    return None


def _leaked(arg_value):
    """(node, what) of the first secret an argument of a log call reads."""
    for n in sx.walk(arg_value):
        if n.type in ("atom_expr", "power"):
            whole = _request_whole(n)
            if whole and not _hidden(n, arg_value.parent):
                return n, f"`{whole}`"
        if n.type != "name":
            continue
        if n.parent is not None and n.parent.type == "argument" and n.parent.children[0] is n:
            continue  # a keyword's name
        if not sensitive(n.value):
            continue
        end = _chain_end(n)
        if end is None or _hidden(n, arg_value.parent):
            continue
        if n.value.lower() == "token" and end is not n:
            continue  # checkout.token, order.token: often a public id (a UUID), not a secret
        return end, f"`{n.value}`"
    return None


@detector("SEC008", section="Data Protection & Encryption")
def secret_written_to_log(ctx: Context):
    if is_quiet_path(ctx):
        return
    for _node, call in ctx.calls_to(*LEVELS):
        if not _log_call(call):
            continue
        for a in call.args:
            if a.kind == "kw" and a.name in ("exc_info", "stack_info", "stacklevel"):
                continue
            found = _leaked(a.value)
            if found is None:
                continue
            leak, what = found
            yield ctx.finding(
                "SEC008",
                leak,
                f"`{call.callee}()` writes {what} to the log: logs are kept long, shipped to "
                "other services and read by many people; log an id or a masked value instead",
            )
            break
