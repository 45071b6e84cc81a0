"""Database Performance Issues: filtering and ordering on columns with no index."""

from __future__ import annotations

from ..model import Edit, Fix, Related
from ..source import syntax as sx
from ._helpers import queryset_chain
from .base import Context, detector, make_finding

LOOKUP_METHODS = ("filter", "exclude", "get", "get_or_create", "update_or_create")
SKIP_KINDS = ("BooleanField", "NullBooleanField")


def _lookups(qs):
    """(field name, node naming it) for every lookup and ordering in the chain."""
    for method, trailer in qs.methods:
        if trailer is None:
            continue
        for a in sx.call_args(trailer):
            if method in LOOKUP_METHODS and a.kind == "kw" and a.name not in ("defaults", "create_defaults"):
                yield a.name.split("__")[0], a.node
            elif method == "order_by" and a.kind == "pos":
                v = sx.string_value(a.value)
                if v and v != "?":
                    yield v.lstrip("-").split("__")[0], a.value


@detector("DBP001", section="Database Performance Issues")
def unindexed_filter(ctx: Context):
    seen_roots = set()
    for node in ctx.nodes("atom_expr", "power"):
        qs = queryset_chain(node)
        if qs is None or id(node) in seen_roots:
            continue
        seen_roots.add(id(node))
        sites = [(name, ctx.site(n)) for name, n in _lookups(qs) if name not in ("pk", "id") and name.islower()]
        if not sites:
            continue
        facts, model, model_pos = ctx.facts, qs.model, qs.model_pos

        def judge(index, sites=sites, facts=facts, model=model, model_pos=model_pos):
            ref = index.find_model(facts, model, model_pos)
            if ref is None:
                return
            for name, site in sites:
                mf = index.model_field(ref, name)
                if mf is None or mf.is_relation or mf.field.kind in SKIP_KINDS:
                    continue
                if "db_index" in mf.field.kwargs or index.field_indexed(mf, ref):
                    continue  # indexed, or db_index=False written on purpose
                f = mf.field
                where = mf.model.facts.path
                fix = None
                if f.insert_at is not None:
                    text = ", db_index=True" if f.needs_comma else "db_index=True"
                    fix = Fix(
                        f"Add db_index=True to {mf.model.cls.name}.{name} (then run makemigrations)",
                        (Edit(where, f.insert_at, f.insert_at, text),),
                    )
                yield make_finding(
                    "DBP001",
                    site,
                    f"`{ref.cls.name}.{name}` has no index: this lookup scans the whole table as it grows",
                    fix=fix,
                    related=(Related(where, f.start, f.end, f"{mf.model.cls.name}.{name} is defined here without an index"),),
                )

        yield ctx.defer(("models",), judge)
