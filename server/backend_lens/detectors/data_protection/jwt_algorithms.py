"""SEC011 jwt-algorithm-not-pinned: JWTs verified without fixing which algorithms
are accepted (python-jose without `algorithms=`, the algorithm read from the
token's own header, an HMAC and a public-key algorithm accepted together)."""

from __future__ import annotations

import re

from ...source import syntax as sx
from .._helpers import last_assignment
from ..base import Context, detector
from ._common import is_quiet_path
from .tokens import _jwt_call, _unverified

# the functions that read a token's header before it is verified
HEADER_PEEKS = frozenset({"get_unverified_header", "get_unverified_headers"})
SYMMETRIC = re.compile(r"^HS(256|384|512)$", re.IGNORECASE)
ASYMMETRIC = re.compile(r"^(RS|PS|ES)(256|384|512|256K)$|^EdDSA$|^Ed25519$|^Ed448$", re.I)


def _library(ctx: Context, call: sx.Call) -> str:
    """ "jose", "authlib" or "pyjwt" for a JWT call."""
    root = (ctx.qualify(call.callee) or call.callee or "").split(".", 1)[0]
    return {"jose": "jose", "authlib": "authlib"}.get(root, "pyjwt")


def _algorithms(call: sx.Call):
    """The argument that says which algorithms a decode accepts: ``algorithms=``
    or the third positional one (PyJWT and python-jose put it there); None when
    absent, "unknown" when a ``**kwargs`` may hold it."""
    args = call.args
    found = sx.kwarg(args, "algorithms")
    if found is not None:
        return found.value
    pos = [a for a in args if a.kind == "pos"]
    if len(pos) >= 3:
        return pos[2].value
    if any(a.kind in ("star", "dstar") for a in args):
        return "unknown"
    return None


def _names(ctx: Context, node, depth: int = 0) -> list[str]:
    """The algorithm names a list, a tuple, a string, a constant (``ALGORITHMS.RS256``)
    or a name assigned one of those in the same scope (or at module level) gives."""
    node = sx.unparen(node)
    if depth > 3:
        return []
    v = sx.string_value(node)
    if v is not None:
        return [v]
    if node.type == "atom" and node.children[0].value in "([{" and len(node.children) == 3:
        inner = node.children[1]
        items = (
            [c for c in inner.children if not (c.type == "operator" and c.value == ",")]
            if inner.type in ("testlist_comp", "dictorsetmaker")
            else [inner]
        )
        return [n for i in items for n in _names(ctx, i, depth + 1)]
    d = sx.dotted(node)
    if d is not None and "." in d:
        return [d.rsplit(".", 1)[-1]]  # jose's ALGORITHMS.RS256
    if node.type == "name":
        value = last_assignment(ctx, node.value, node)
        if value is None and ctx.scope(node).type != "file_input":
            value = _module_value(ctx, node.value)
        return _names(ctx, value, depth + 1) if value is not None else []
    return []


def _module_value(ctx: Context, name: str):
    """The value of the module-level ``name = value`` when it is assigned once."""
    stmts = [s for s in ctx.assignments(name) if ctx.scope(s).type == "file_input"]
    return stmts[0].children[2] if len(stmts) == 1 else None


def _mixed(names: list[str]) -> tuple[str, str] | None:
    sym = next((n for n in names if SYMMETRIC.match(n)), None)
    asym = next((n for n in names if ASYMMETRIC.match(n)), None)
    return (sym, asym) if sym and asym else None


def _from_header(ctx: Context, node, depth: int = 0) -> str | None:
    """The header peek (``jwt.get_unverified_header(token)``) an expression takes
    its value from, directly or through names assigned in the same function;
    None when it does not, or when the value is checked against an allow-list
    there (``if alg not in ALLOWED: raise``)."""
    if depth > 3:
        return None
    for n in sx.walk(node):
        if n.type in ("atom_expr", "power"):
            for call in ctx.calls(n):
                if call.method in HEADER_PEEKS:
                    return f"{call.callee or call.method}()"
        elif n.type == "name" and depth < 3:
            value = last_assignment(ctx, n.value, n)
            if value is None:
                continue
            found = _from_header(ctx, value, depth + 1)
            if found is not None and not _allow_listed(ctx, n):
                return found
    return None


def _allow_listed(ctx: Context, name) -> bool:
    """Whether the function compares ``name`` with a fixed algorithm or a
    collection (``alg in ALLOWED``, ``alg != "RS256"``)."""
    func = ctx.enclosing(name, ("funcdef", "lambdef"))
    if func is None:
        return False
    for n in sx.walk(func):
        if n.type != "comparison" or len(n.children) != 3:
            continue
        left, op, right = n.children
        opc = " ".join(sx.code(op).split())
        sides = [c for c in (left, right) if c.type == "name" and c.value == name.value]
        if not sides:
            continue
        other = right if sides[0] is left else left
        if opc in ("in", "not in"):
            return True
        if opc in ("==", "!=") and (sx.string_value(other) or "").lower() != "none":
            return True  # `alg == "RS256"`, `alg != cls.ALG`; not a refusal of "none" alone
    return False


@detector("SEC011", section="Data Protection & Encryption")
def jwt_algorithm_not_pinned(ctx: Context):
    if is_quiet_path(ctx):
        return
    for node, call in ctx.calls_to("decode"):
        if not _jwt_call(ctx, call, "decode") or _unverified(call) is not None:
            continue  # SEC005 reports a decode that does not verify
        lib = _library(ctx, call)
        if lib == "authlib":
            continue  # its algorithms are fixed where the JsonWebToken is made
        algs = _algorithms(call)
        if algs == "unknown":
            continue
        if algs is None or (not isinstance(algs, str) and sx.code(algs).strip() == "None"):
            if lib == "jose":
                yield ctx.finding(
                    "SEC011",
                    node,
                    f"`{call.callee}()` (python-jose) without `algorithms=` accepts whichever "
                    "algorithm the token's header names, so the sender chooses how its "
                    'signature is checked; pass the ones you sign with (`algorithms=["HS256"]`)',
                    end_node=call.trailer,
                )
            continue  # PyJWT 2 refuses to decode without them
        yield from _judge_list(ctx, node, call, algs)
    for node, call in ctx.calls_to("JsonWebToken", "verify"):
        q = ctx.qualify(call.callee) or ""
        if call.method == "JsonWebToken" and q.startswith("authlib."):
            pos = [a for a in call.args if a.kind == "pos"]
            algs = (
                pos[0].value if pos else getattr(sx.kwarg(call.args, "algorithms"), "value", None)
            )
            if algs is not None:
                yield from _judge_list(ctx, node, call, algs)
        elif call.method == "verify" and q.startswith("jose.jws."):
            pos = [a for a in call.args if a.kind == "pos"]
            kw = sx.kwarg(call.args, "algorithms")
            algs = kw.value if kw is not None else pos[2].value if len(pos) >= 3 else None
            if algs is not None and sx.code(algs).strip() == "None":
                yield ctx.finding(
                    "SEC011",
                    node,
                    f"`{call.callee}()` with `algorithms=None` accepts whichever algorithm "
                    "the token's header names; pass the ones you sign with",
                    end_node=call.trailer,
                )
            elif algs is not None:
                yield from _judge_list(ctx, node, call, algs)


def _judge_list(ctx: Context, node, call: sx.Call, algs):
    peek = _from_header(ctx, algs)
    if peek is not None:
        yield ctx.finding(
            "SEC011",
            node,
            f"`{call.callee}()` accepts the algorithm the token's own header names "
            f"(`{peek}`): the sender chooses how the signature is checked (a public key "
            "used as an HMAC secret, a weaker algorithm); pass a fixed list",
            end_node=call.trailer,
        )
        return
    if any(
        c.method == "get_default_algorithms"
        for n in sx.walk(algs)
        if n.type in ("atom_expr", "power")
        for c in ctx.calls(n)
    ):
        yield ctx.finding(
            "SEC011",
            node,
            f"`{call.callee}()` accepts every algorithm PyJWT knows "
            "(`get_default_algorithms()`): HMAC and public-key ones together, so a "
            "token signed with HS256 using the public key, which anyone can read, can "
            "pass (key confusion); pass the one your tokens are signed with",
            end_node=call.trailer,
        )
        return
    mixed = _mixed(_names(ctx, algs))
    if mixed is not None:
        sym, asym = mixed
        yield ctx.finding(
            "SEC011",
            node,
            f"`{call.callee}()` accepts both {sym} (a shared secret) and {asym} (a public "
            f"key): with one key for both, a token signed with {sym} using the public key, "
            "which anyone can read, passes (key confusion); accept one family per key",
            end_node=call.trailer,
        )
