"""SEC003 predictable-random-secret: the `random` module making a token, password or code."""

from __future__ import annotations

from ...model import Fix
from ...source import syntax as sx
from ..base import Context, detector
from ._common import (
    article,
    enclosing_function,
    import_edit,
    is_quiet_path,
    receiving_names,
    secret_word,
    statement,
    target_name,
    targets,
)

FUNCS = (
    "random",
    "randint",
    "randrange",
    "choice",
    "choices",
    "sample",
    "getrandbits",
    "uniform",
    "shuffle",
)
RANDOM_CALLS = {f"random.{f}" for f in FUNCS}
# random.X -> the secrets function doing the same, where the arguments carry over
SECRETS_SAME = {"choice": "secrets.choice", "getrandbits": "secrets.randbits"}


def _func_name(ctx: Context, node) -> str | None:
    func = enclosing_function(ctx, node)
    if func is not None and func.type == "funcdef":
        return func.children[1].value
    return None


def _flows_to_secret(ctx: Context, name: str, stmt) -> str | None:
    """Where the variable ``name`` assigned in ``stmt`` goes later in its function:
    a secret-named target, keyword or dictionary key, or the return value of a
    function named like a secret."""
    func = enclosing_function(ctx, stmt)
    if func is None or func.type != "funcdef":
        return None
    func_word = secret_word(func.children[1].value)
    for leaf in sx.walk(func):
        if leaf.type != "name" or leaf.value != name or leaf.start_pos <= stmt.end_pos:
            continue
        later = statement(leaf)
        if later.type == "return_stmt" and func_word:
            return func_word
        if later.type == "expr_stmt" and any(leaf is t or _inside(leaf, t) for t in targets(later)):
            continue  # assigned again, not read
        for given in receiving_names(leaf, later):
            w = secret_word(given)
            if w:
                return w
    return None


def _inside(node, root) -> bool:
    p = node.parent
    while p is not None:
        if p is root:
            return True
        p = p.parent
    return False


def _secret_made(ctx: Context, node) -> str | None:
    stmt = statement(node)
    for given in receiving_names(node, stmt):
        w = secret_word(given)
        if w:
            return w
    if stmt.type == "return_stmt":
        return secret_word(_func_name(ctx, node))
    for t in targets(stmt):
        name = target_name(t)
        if t.type == "name" and name:
            w = _flows_to_secret(ctx, name, stmt)
            if w:
                return w
    return None


def _fix(ctx: Context, node, call: sx.Call) -> Fix | None:
    func = (ctx.qualify(call.callee) or "").rsplit(".", 1)[-1]
    replacement = SECRETS_SAME.get(func)
    if replacement is None:
        return None
    ps = sx.parts(node)
    callee_start, callee_end = ps[0].start_pos, ps[call.index - 1].end_pos
    edits = [ctx.edit(callee_start, callee_end, replacement)]
    imp = import_edit(ctx, "secrets")
    if imp is None and ctx.facts.imports.get("secrets") != "secrets":
        return None
    if imp is not None:
        edits.insert(0, imp)
    return Fix(f"Use {replacement}()", tuple(edits))


@detector("SEC003", section="Data Protection & Encryption")
def predictable_random_secret(ctx: Context):
    if is_quiet_path(ctx):
        return
    for node, call in ctx.calls_of_qualified(RANDOM_CALLS):
        word = _secret_made(ctx, node)
        if word is None:
            continue
        shown = ctx.qualify(call.callee)
        yield ctx.finding(
            "SEC003",
            node,
            f"`{shown}()` makes {article(word)}: `random` is predictable (its state can be "
            "worked out from values it gave before); use the `secrets` module",
            fix=_fix(ctx, node, call),
            end_node=call.trailer,
        )
