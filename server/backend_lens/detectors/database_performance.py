"""Database Performance Issues: filtering and ordering on columns with no index."""

from __future__ import annotations

from ..model import Edit, Fix, Related
from ..source import syntax as sx
from ._helpers import queryset_chain
from .base import Context, detector, make_finding

LOOKUP_METHODS = ("filter", "exclude", "get", "get_or_create", "update_or_create")
# the QuerySet API: a chain with any other method (a custom manager or queryset
# method such as `.active()`) filters in ways this rule cannot see
QUERYSET_API = {
    "objects", "all", "filter", "exclude", "get", "get_or_create", "update_or_create", "order_by",
    "first", "last", "exists", "count", "values", "values_list", "select_related",
    "prefetch_related", "only", "defer", "distinct", "using", "select_for_update", "iterator",
    "update", "delete", "latest", "earliest", "aggregate", "reverse", "none", "exclude",
}
SKIP_KINDS = ("BooleanField", "NullBooleanField")


def _lookups(qs):
    """(field name, node naming it) for every lookup and ordering in the chain,
    or None when a ``**kwargs`` spread hides some of the lookups."""
    found = []
    for method, trailer in qs.methods:
        if trailer is None:
            continue
        for a in sx.call_args(trailer):
            if a.kind == "dstar" and method in LOOKUP_METHODS:
                return None
            if (
                method in LOOKUP_METHODS
                and a.kind == "kw"
                and a.name not in ("defaults", "create_defaults")
            ):
                found.append((a.name.split("__")[0], a.node))
            elif method == "order_by" and a.kind == "pos":
                v = sx.string_value(a.value)
                if v and v != "?":
                    found.append((v.lstrip("-").split("__")[0], a.value))
    return found


@detector("DBP001", section="Database Performance Issues")
def unindexed_filter(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return  # test fixtures and data migrations run once on small tables
    seen_roots = set()
    for node, _call in ctx.calls_to(*LOOKUP_METHODS, "order_by"):
        if id(node) in seen_roots:
            continue
        seen_roots.add(id(node))
        qs = queryset_chain(node)
        if qs is None:
            continue
        lookups = _lookups(qs)
        if not lookups:
            continue
        if any(m not in QUERYSET_API for m in qs.names()):
            continue  # in_bulk (by primary key), annotate, or a custom method: not judged
        if any(name in ("pk", "id") for name, _ in lookups):
            continue  # the primary key already narrows the query to one row
        fields = frozenset(name for name, _ in lookups)
        sites = [(name, ctx.site(n)) for name, n in lookups if name.islower()]
        facts, model, model_pos = ctx.facts, qs.model, qs.model_pos

        def judge(index, sites=sites, facts=facts, model=model, model_pos=model_pos, fields=fields):
            ref = index.find_model(facts, model, model_pos)
            if ref is None:
                return
            # a query that also filters on an indexed column (a foreign key, a unique
            # field, the leading columns of an index) does not scan the table
            for other in fields:
                mo = index.model_field(ref, other)
                if mo is None:
                    return  # a reverse relation or an annotation: cannot tell what serves it
                if index.field_indexed(mo, ref, fields - {other}):
                    return
            for name, site in sites:
                mf = index.model_field(ref, name)
                if mf is None or mf.is_relation or mf.field.kind in SKIP_KINDS:
                    continue
                if "db_index" in mf.field.kwargs:
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
                    related=(
                        Related(
                            where,
                            f.start,
                            f.end,
                            f"{mf.model.cls.name}.{name} is defined here without an index",
                        ),
                    ),
                )

        yield ctx.defer(("models",), judge)
