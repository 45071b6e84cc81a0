"""SEC002 weak-hash-for-secret: MD5 or SHA-1 over a password, token or key."""

from __future__ import annotations

from ...source import syntax as sx
from ..base import Context, detector
from ._common import (
    article,
    enclosing_function,
    is_quiet_path,
    names_in,
    receiving_names,
    secret_word,
    statement,
    words,
)

WEAK = {"md5": "MD5", "sha1": "SHA-1", "sha": "SHA-1", "md4": "MD4", "md5-sha1": "MD5-SHA1"}
HASH_CALLS = {"hashlib.md5", "hashlib.sha1", "hashlib.new", "Crypto.Hash.MD5.new"}
# what a digest is for when it is not a secret: the value is not worth guessing
HARMLESS = {
    "cache",
    "etag",
    "checksum",
    "fingerprint",
    "file",
    "filename",
    "path",
    "content",
    "chunk",
    "gravatar",
    "avatar",
    "color",
    "colour",
    "url",
    "dedup",
    "lock",
    "shard",
    "bucket",
}
PASSWORD_WORDS = {"password", "passwd", "pwd", "passphrase", "passcode", "pin"}


def _algorithm(ctx: Context, call: sx.Call) -> str | None:
    q = ctx.qualify(call.callee) or ""
    if q == "hashlib.new":
        args = call.args
        first = args[0].value if args and args[0].kind == "pos" else None
        kw = sx.kwarg(args, "name")
        name = sx.string_value(kw.value if kw else first)
        return WEAK.get((name or "").lower())
    if q == "Crypto.Hash.MD5.new":
        return "MD5"
    return WEAK.get(q.rsplit(".", 1)[-1])


def _hashed_secret(ctx: Context, call: sx.Call) -> str | None:
    """The secret word among what is hashed, where it goes, or the function making it."""
    stmt = statement(call.node)
    given = receiving_names(call.node, stmt)
    func_name = None
    if stmt.type == "return_stmt":
        func = enclosing_function(ctx, call.node)
        if func is not None and func.type == "funcdef":
            func_name = func.children[1].value
            given.append(func_name)
    if any(set(words(n)) & HARMLESS for n in given):
        return None
    found = [
        w
        for a in call.args
        if a.kind in ("pos", "star")
        for w in map(secret_word, names_in(a.value))
        if w
    ]
    found += [w for w in map(secret_word, given) if w]
    if not found:
        return None
    return next((w for w in found if w in PASSWORD_WORDS), found[0])


@detector("SEC002", section="Data Protection & Encryption")
def weak_hash_for_secret(ctx: Context):
    if is_quiet_path(ctx):
        return
    for node, call in ctx.calls_of_qualified(HASH_CALLS):
        algo = _algorithm(ctx, call)
        if algo is None:
            continue
        flag = sx.kwarg(call.args, "usedforsecurity")
        if flag is not None and sx.code(flag.value) == "False":
            continue
        word = _hashed_secret(ctx, call)
        if word is None:
            continue
        if word in PASSWORD_WORDS:
            advice = (
                "a fast hash lets a stolen table be guessed by the billion per second; store "
                "passwords with a password hasher (Django's make_password, argon2, bcrypt)"
            )
        else:
            advice = (
                f"{algo} is broken for security; make tokens with `secrets.token_urlsafe()` and "
                "hash or sign them with SHA-256 or `hmac`"
            )
        yield ctx.finding(
            "SEC002",
            node,
            f"{algo} is used on {article(word)}: {advice}",
            end_node=call.trailer,
        )
