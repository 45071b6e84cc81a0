"""SEC007 world-writable-permissions: files and folders anyone on the machine can change."""

from __future__ import annotations

import stat

from ...model import Fix
from ...source import syntax as sx
from ..base import Context, detector
from ._common import is_quiet_path

STAT_NAMES = {name: getattr(stat, name) for name in dir(stat) if name.startswith("S_I")}
OTHERS_WRITE = stat.S_IWOTH  # 0o002


def mode_value(ctx: Context, node) -> int | None:
    """The integer a mode expression stands for: literals, ``stat.S_I*`` names and
    ``|`` / ``+`` between them; None for anything else."""
    while (
        node.type == "atom"
        and node.children[0].type == "operator"
        and node.children[0].value == "("
        and len(node.children) == 3
    ):
        node = node.children[1]  # parentheses, unwrapped without recursion
    if node.type == "number":
        try:
            v = sx.literal(node.value)
        except (ValueError, SyntaxError):
            return None
        return v if isinstance(v, int) else None
    if node.type in ("name", "atom_expr", "power"):
        dotted = sx.dotted(node)
        q = ctx.qualify(dotted) if dotted else None
        if q and q.startswith("stat.") and q[5:] in STAT_NAMES:
            return STAT_NAMES[q[5:]]
        return None
    if node.type in ("expr", "arith_expr"):
        ops = node.children[1::2]
        if not all(o.type == "operator" and o.value in ("|", "+") for o in ops):
            return None
        total = 0
        for part in node.children[::2]:
            v = mode_value(ctx, part)
            if v is None:
                return None
            total |= v
        return total
    return None


def _mode_arg(call: sx.Call, qualified: str):
    args = call.args
    kw = sx.kwarg(args, "mode")
    if kw is not None:
        return kw.value
    pos = [a for a in args if a.kind == "pos"]
    if qualified.startswith("os."):
        return pos[1].value if len(pos) > 1 else None
    # Path(...).chmod(mode), sftp.chmod(path, mode)
    return pos[-1].value if pos else None


def _restored(ctx: Context, node) -> bool:
    """``old = os.umask(0)`` followed by ``os.umask(old)`` in the same scope: the usual
    way to read the current mask, which puts it back at once."""
    stmt = node.parent
    if stmt is None or stmt.type != "expr_stmt" or stmt.children[0].type != "name":
        return False
    name = stmt.children[0].value
    scope = ctx.scope(node)
    for other, call in ctx.calls_to("umask"):
        if other is node or other.start_pos < node.start_pos or ctx.scope(other) is not scope:
            continue
        pos = [a for a in call.args if a.kind == "pos"]
        if pos and pos[0].value.type == "name" and pos[0].value.value == name:
            return True
    return False


@detector("SEC007", section="Data Protection & Encryption")
def world_writable_permissions(ctx: Context):
    if is_quiet_path(ctx):
        return
    for _node, call in ctx.calls_to("chmod", "fchmod", "lchmod"):
        q = ctx.qualify(call.callee) or call.callee or call.method or ""
        mode = _mode_arg(call, q)
        if mode is None:
            continue
        value = mode_value(ctx, mode)
        if value is None or not value & OTHERS_WRITE:
            continue
        fix = None
        if mode.type == "number":
            safer = oct(value & ~OTHERS_WRITE)
            fix = Fix(
                f"Take write access away from others ({safer})",
                (ctx.edit(mode.start_pos, mode.end_pos, safer),),
            )
        shown = call.callee or f".{call.method}"
        yield ctx.finding(
            "SEC007",
            mode,
            f"`{shown}()` gives mode {oct(value)}: every user and process "
            "on the machine can change this file (replace code, plant data); grant write to "
            "the owner (and group) only",
            fix=fix,
        )
    for _node, call in ctx.calls_to("umask"):  # noqa: B007
        if (ctx.qualify(call.callee) or "") != "os.umask":
            continue
        pos = [a for a in call.args if a.kind == "pos"]
        if not pos:
            continue
        value = mode_value(ctx, pos[0].value)
        if value is None or value & OTHERS_WRITE or _restored(ctx, _node):
            continue
        yield ctx.finding(
            "SEC007",
            pos[0].value,
            f"`os.umask({sx.code(pos[0].value)})` lets every file and folder this process "
            "creates afterwards be writable by all users; keep 0o022 (or 0o077) in the mask",
        )
