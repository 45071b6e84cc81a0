"""Background Job Processing: tasks queued before the transaction commits."""

from __future__ import annotations

from ..model import Fix
from ..source import syntax as sx
from ._helpers import atomic_context
from .base import Context, detector

DISPATCH = ("delay", "apply_async")


@detector("TASK001", section="Background Job Processing")
def task_inside_transaction(ctx: Context):
    for node, call in ctx.calls_to(*DISPATCH):
        if call is not ctx.calls(node)[-1] or call.callee is None or "." not in call.callee:
            continue
        if call.index != len(sx.parts(node)) - 1:
            continue
        inside, in_loop = atomic_context(node, ctx)
        if not inside:
            continue
        fix = None
        is_statement = node.parent.type == "simple_stmt"
        has_transaction = ctx.facts.imports.get("transaction") == "django.db.transaction"
        if is_statement and not in_loop and has_transaction and node.children[0].type != "keyword":
            text = sx.code(node)
            fix = Fix(
                "Queue it with transaction.on_commit(...)",
                (ctx.edit(node.start_pos, node.end_pos, f"transaction.on_commit(lambda: {text})"),),
            )
        task = call.callee.rsplit(".", 1)[0]
        yield ctx.finding(
            "TASK001",
            node,
            f"`{task}` is queued inside a transaction: a worker can run it before the commit "
            "(and see old data) or after a rollback; queue it with transaction.on_commit",
            fix=fix,
        )
