"""Data Integrity & Migration Strategies: migrations that cannot be reversed."""

from __future__ import annotations

from ..model import Fix
from ..source import syntax as sx
from ._helpers import append_argument_edit
from .base import Context, detector

OPERATIONS = {
    # method: (reverse keyword, positional index of the reverse argument)
    "RunPython": ("reverse_code", 1),
    "RunSQL": ("reverse_sql", 1),
}


@detector("MIG001", section="Data Integrity & Migration Strategies")
def migration_without_reverse(ctx: Context):
    for node, call in ctx.calls_to(*OPERATIONS):
        if call.callee is None:
            continue
        if call.callee not in (call.method, f"migrations.{call.method}") and not (
            ctx.qualify(call.callee) or ""
        ).startswith("django.db.migrations"):
            continue
        keyword, position = OPERATIONS[call.method]
        args = call.args
        positional = [a for a in args if a.kind == "pos"]
        if not positional and not any(a.kind == "kw" for a in args):
            continue
        if (
            len(positional) > position
            or sx.kwarg(args, keyword)
            or any(a.kind in ("star", "dstar") for a in args)
        ):
            continue
        noop = f"{call.callee}.noop"
        edit = append_argument_edit(ctx, call.trailer, f"{keyword}={noop}")
        what = "data migration" if call.method == "RunPython" else "SQL migration"
        yield ctx.finding(
            "MIG001",
            node,
            f"{call.method} without {keyword}: this {what} cannot be rolled back, so `migrate` "
            "to an earlier state fails",
            fix=Fix(f"Add {keyword}={noop} (reverse does nothing)", (edit,)),
            end_node=call.trailer,
        )
