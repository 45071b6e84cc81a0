"""SEC005 jwt-signature-not-verified: JWTs decoded without checking the signature,
or signed with the "none" algorithm."""

from __future__ import annotations

from ...source import syntax as sx
from ..base import Context, detector
from ._common import enclosing_function, is_quiet_path

JWT_ROOTS = ("jwt", "jose", "authlib")


def _jwt_call(ctx: Context, call: sx.Call, method: str) -> bool:
    if call.method != method:
        return False
    q = ctx.qualify(call.callee) or ""
    return q.split(".", 1)[0] in JWT_ROOTS or (call.callee or "").split(".")[0] in JWT_ROOTS


def _none_algorithm(node) -> bool:
    v = sx.string_value(node)
    if v is not None:
        return v.lower() == "none"
    if node.type == "atom" and getattr(node.children[0], "value", "") in ("[", "("):
        inner = node.children[1] if len(node.children) == 3 else None
        if inner is None:
            return False
        items = inner.children if inner.type in ("testlist_comp",) else [inner]
        return any((sx.string_value(i) or "").lower() == "none" for i in items)
    return False


def _off_entry(node):
    """In a dict literal, the ``"verify_signature": False`` entry: (key, value), else None."""
    if node.type != "atom" or len(node.children) != 3 or node.children[0].value != "{":
        return None
    inner = node.children[1]
    if inner.type != "dictorsetmaker":
        return None
    ch = inner.children
    for i in range(len(ch) - 2):
        if (
            sx.string_value(ch[i]) == "verify_signature"
            and ch[i + 1].type == "operator"
            and ch[i + 1].value == ":"
            and ch[i + 2].type == "keyword"
            and ch[i + 2].value == "False"
        ):
            return ch[i], ch[i + 2]
    return None


def _unverified(call: sx.Call):
    """(start node, end node, what) when ``call`` (a decode) turns verification off."""
    for a in call.args:
        if a.kind != "kw":
            continue
        if a.name == "options":
            entry = _off_entry(a.value)
            if entry:
                return entry[0], entry[1], '`"verify_signature": False`'
        elif a.name in ("verify", "verify_signature") and sx.code(a.value) == "False":
            return a.node, a.node, f"`{a.name}=False`"
        elif a.name == "algorithms" and _none_algorithm(a.value):
            return a.node, a.node, 'the "none" algorithm'
    return None


PEEK_WORDS = ("unverified", "peek", "issuer")


def _verified_again(ctx: Context, node) -> bool:
    """Whether the unverified decode only peeks: the same function decodes with
    verification too (the claims choose the key), or the function says so by its name
    (``get_unverified_claims``, ``is_our_token`` answering yes or no)."""
    func = enclosing_function(ctx, node)
    if func is None:
        return False
    if func.type == "funcdef":
        name = func.children[1].value.lower()
        if name.startswith(("is_", "_is_")) or any(w in name for w in PEEK_WORDS):
            return True
    for other, call in ctx.calls_to("decode"):
        if other is node or not _jwt_call(ctx, call, "decode"):
            continue
        if (
            enclosing_function(ctx, other) is func
            and _unverified(call) is None
            and other.start_pos > node.start_pos
            and not _alternatives(node, other)
        ):
            return True  # peeks, then verifies the same token with the key it chose
    return False


def _alternatives(a, b) -> bool:
    """Whether ``a`` and ``b`` sit in different branches of one ``if`` (only one of
    them runs): a verified decode in the `else` does not cover the `if`."""
    branch: dict[int, object] = {}
    node = a
    while node.parent is not None:
        if node.parent.type in ("if_stmt", "try_stmt"):
            branch[id(node.parent)] = node
        node = node.parent
    node = b
    while node.parent is not None:
        if id(node.parent) in branch and branch[id(node.parent)] is not node:
            return True
        node = node.parent
    return False


@detector("SEC005", section="Data Protection & Encryption")
def jwt_signature_not_verified(ctx: Context):
    if is_quiet_path(ctx):
        return
    for node, call in ctx.calls_to("decode"):
        if not _jwt_call(ctx, call, "decode"):
            continue
        found = _unverified(call)
        if found is None or ('"none"' not in found[2] and _verified_again(ctx, node)):
            continue
        start, end, what = found
        yield ctx.finding(
            "SEC005",
            start,
            f"`{call.callee}()` with {what} accepts a token anyone can forge: whoever "
            "sends it chooses its claims (user, roles, expiry); verify the signature "
            "with the key and pin `algorithms=`",
            end_node=end,
        )
    for _node, call in ctx.calls_to("encode"):
        if not _jwt_call(ctx, call, "encode"):
            continue
        alg = sx.kwarg(call.args, "algorithm")
        if alg is None or not _none_algorithm(alg.value):
            continue
        yield ctx.finding(
            "SEC005",
            alg.node,
            f'`{call.callee}()` with the "none" algorithm issues an unsigned token: '
            "anyone can change its claims; sign with HS256 and a secret key, or RS256/ES256",
        )
