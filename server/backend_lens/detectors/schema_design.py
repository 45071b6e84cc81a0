"""Schema Design & Modeling: money stored in binary floating point."""

from __future__ import annotations

from ..model import Fix
from ..source import syntax as sx
from .base import Context, detector

MONEY = {
    "price",
    "amount",
    "cost",
    "total",
    "subtotal",
    "balance",
    "fee",
    "salary",
    "tax",
    "discount",
    "revenue",
    "payment",
    "refund",
    "charge",
    "wage",
    "budget",
}
NOT_MONEY = {
    "weight",
    "distance",
    "height",
    "width",
    "length",
    "ratio",
    "rate",
    "percent",
    "percentage",
    "score",
    "count",
    "hours",
    "minutes",
    "seconds",
    "time",
    "duration",
    "lat",
    "lng",
    "latitude",
    "longitude",
    "temperature",
    "volume",
    "size",
    "km",
    "kg",
    "factor",
    "pct",
}


def is_money_name(name: str) -> bool:
    words = set(name.lower().strip("_").split("_"))
    return bool(words & MONEY) and not (words & NOT_MONEY)


@detector("SCH001", section="Schema Design & Modeling")
def money_in_float(ctx: Context):
    for cls in ctx.nodes("classdef"):
        suite = cls.children[-1]
        for stmt in getattr(suite, "children", ()):
            if stmt.type != "simple_stmt" or stmt.children[0].type != "expr_stmt":
                continue
            expr = stmt.children[0]
            lhs, value = expr.children[0], expr.children[-1]
            if (
                lhs.type != "name"
                or not is_money_name(lhs.value)
                or value.type not in ("atom_expr", "power")
            ):
                continue
            calls = ctx.calls(value)
            if not calls or calls[0].callee is None:
                continue
            call = calls[0]
            q = ctx.qualify(call.callee) or call.callee
            if q in ("django.db.models.FloatField", "django.db.models.fields.FloatField"):
                fix = None
                if call.callee == "models.FloatField":
                    trailer = call.trailer
                    has_args = len(trailer.children) > 2
                    ps = sx.parts(value)
                    # keywords cannot precede a positional argument (verbose_name, name)
                    positional = [a for a in call.args if a.kind in ("pos", "star")]
                    if positional:
                        at, text = positional[-1].node.end_pos, ", max_digits=12, decimal_places=2"
                    else:
                        at = trailer.children[0].end_pos
                        text = "max_digits=12, decimal_places=2" + (", " if has_args else "")
                    edits = (
                        ctx.edit(
                            ps[1].children[1].start_pos, ps[1].children[1].end_pos, "DecimalField"
                        ),
                        ctx.edit(at, at, text),
                    )
                    fix = Fix("Use models.DecimalField(max_digits=12, decimal_places=2)", edits)
                yield ctx.finding(
                    "SCH001",
                    value,
                    f"`{lhs.value}` holds money in a FloatField: binary floats cannot represent 0.10 "
                    "exactly and sums drift; use DecimalField",
                    fix=fix,
                    end_node=call.trailer,
                )
            elif call.method in ("Column", "mapped_column") and q.startswith("sqlalchemy"):
                for a in call.args:
                    if a.kind != "pos":
                        continue
                    d = sx.dotted(a.value)
                    if d is None and a.value.type in (
                        "atom_expr",
                        "power",
                    ):  # Float(...), sa.Float(...)
                        inner = sx.calls_in(a.value)
                        d = inner[0].callee if inner else sx.dotted(sx.parts(a.value)[0])
                    if d and (ctx.qualify(d) or d).rsplit(".", 1)[-1] in (
                        "Float",
                        "REAL",
                        "Double",
                    ):
                        yield ctx.finding(
                            "SCH001",
                            value,
                            f"`{lhs.value}` holds money in a Float column: binary floats cannot represent "
                            "0.10 exactly and sums drift; use Numeric(12, 2)",
                            end_node=call.trailer,
                        )
                        break
