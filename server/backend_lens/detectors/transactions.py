"""Connection Pooling & Transaction Management: row locks outside a transaction."""

from __future__ import annotations

from ..source import syntax as sx
from ._helpers import atomic_context
from .base import Context, detector, make_finding

EVALUATING = {
    "get",
    "first",
    "last",
    "latest",
    "earliest",
    "count",
    "exists",
    "update",
    "delete",
    "in_bulk",
    "aggregate",
}


def _evaluated(node, after_index: int) -> bool:
    ps = sx.parts(node)
    for t in ps[after_index + 1 :]:
        if sx.is_attr_trailer(t) and t.children[1].value in EVALUATING:
            return True
    p = node.parent
    if p.type in ("for_stmt", "sync_comp_for") and p.children[3] is node:
        return True
    if p.type == "trailer" and sx.is_call_trailer(p):
        outer = p.parent
        ops = sx.parts(outer)
        if ops and ops[0].type == "name" and ops[0].value in ("list", "len", "tuple", "sum", "set"):
            return True
    return False


@detector("TXN001", section="Connection Pooling & Transaction Management")
def select_for_update_outside_atomic(ctx: Context):
    for node, call in ctx.calls_to("select_for_update"):
        if not _evaluated(node, call.index):
            continue
        inside, _ = atomic_context(node)
        if inside:
            continue
        site = ctx.site(sx.parts(node)[call.index - 1].children[1], call.trailer)
        func = sx.enclosing(node, ("funcdef",))
        if func is not None and any(
            (sx.decorator_name(d) or "").rsplit(".", 1)[-1] == "receiver"
            for d in sx.function_decorators(func)
        ):
            continue  # a signal receiver runs inside whatever transaction sent the signal
        fname = func.children[1].value if func is not None else None

        def judge(index, site=site, fname=fname):
            if index.atomic_requests():
                return
            if fname and index.called_in_transaction(fname):
                return  # a helper its callers run inside their transaction
            yield make_finding(
                "TXN001",
                site,
                "select_for_update() is evaluated outside transaction.atomic(): in autocommit mode "
                "Django raises TransactionManagementError, and no row stays locked",
            )

        yield ctx.defer(("settings", "calls"), judge)
