"""Database Performance Issues: filtering and ordering on columns with no index,
random ordering, substring searches no B-tree index can serve."""

from __future__ import annotations

import re

from ..model import Edit, Fix, Related
from ..source import syntax as sx
from ._helpers import CHAINABLE, queryset_chain, resolve_queryset
from .base import Context, detector, make_finding

LOOKUP_METHODS = ("filter", "exclude", "get", "get_or_create", "update_or_create")
# the QuerySet API: a chain with any other method (a custom manager or queryset
# method such as `.active()`) filters in ways this rule cannot see
QUERYSET_API = (
    CHAINABLE - {"annotate", "alias", "union", "intersection", "difference", "extra"}
) | {
    "get",
    "get_or_create",
    "update_or_create",
    "first",
    "last",
    "exists",
    "count",
    "values",
    "values_list",
    "iterator",
    "update",
    "delete",
    "latest",
    "earliest",
    "aggregate",
}
SKIP_KINDS = ("BooleanField", "NullBooleanField")


# lookups a plain B-tree index on the column cannot serve
NOT_BTREE = {
    "contains",
    "icontains",
    "endswith",
    "iendswith",
    "regex",
    "iregex",
    "search",
    "trigram_similar",
    "trigram_word_similar",
}


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
                if a.name.rsplit("__", 1)[-1] in NOT_BTREE:
                    continue  # no plain index serves it (DBP003 covers the wildcard ones)
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


# ------------------------------------------------------------------- DBP002

RANDOM_FUNCS = {"random", "rand"}


def _random_order_args(call: sx.Call):
    """Arguments of an ``order_by(...)`` that sort by a random key: Django's ``"?"``,
    SQLAlchemy's ``func.random()`` / ``func.rand()``."""
    for a in call.args:
        if a.kind != "pos":
            continue
        if sx.string_value(a.value) == "?":
            yield a.value, '"?"'
        elif a.value.type in ("atom_expr", "power"):
            d = sx.dotted(sx.parts(a.value)[0]) if sx.parts(a.value) else None
            calls = sx.calls_in(a.value)
            if (
                d in ("func", "sa", "sqlalchemy")
                and len(calls) == 1
                and calls[0].method in RANDOM_FUNCS
                and calls[0].callee
                in {
                    f"{x}.{m}" for x in ("func", "sa.func", "sqlalchemy.func") for m in RANDOM_FUNCS
                }
                and not calls[0].args
            ):
                yield a.value, sx.code(a.value)


@detector("DBP002", section="Database Performance Issues")
def random_ordering(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    for _node, call in ctx.calls_to("order_by"):
        if call.index < 2:
            continue  # a plain function named order_by, not the query method
        for arg, shown in _random_order_args(call):
            yield ctx.finding(
                "DBP002",
                arg,
                f"`order_by({shown})` makes the database give every matching row a random key and "
                "sort them all, even to return one row; pick random primary keys (or a random "
                "offset) instead",
            )


# ------------------------------------------------------------------- DBP003

SUBSTRING_LOOKUPS = ("contains", "icontains", "endswith", "iendswith")
TEXT_KINDS = {
    "CharField",
    "TextField",
    "EmailField",
    "SlugField",
    "URLField",
    "CICharField",
    "CITextField",
    "CIEmailField",
}
# written in a model's Meta or file, these say a trigram / full-text index may serve the search
SEARCH_INDEX_HINTS = ("gin_trgm_ops", "gist_trgm_ops", "GinIndex", "GistIndex", "OpClass")
ATTR_TEXT_LIMIT = 200  # ClassFact.attrs keeps the first 200 characters of each value
LIKE_LEADING = re.compile(r"\b(?:I?LIKE)\s+(?:E)?'%", re.IGNORECASE)
SQL_WORDS = re.compile(r"\b(?:SELECT|UPDATE|DELETE|WHERE|FROM)\b", re.IGNORECASE)


def _substring_lookups(ctx: Context, trailer) -> list:
    """(field path, lookup, keyword name leaf) for every ``a__b__icontains=...`` keyword
    of a call, also inside ``Q(...)`` objects passed to it, in source order.

    From a table built once per file (the keywords are few): walking each call's
    arguments cost O(size x depth) for calls nested in calls."""
    table = ctx.memo.get("substring_lookups")
    if table is None:
        table = ctx.memo["substring_lookups"] = _substring_table(ctx)
    return table.get(id(trailer), [])


def _substring_table(ctx: Context) -> dict[int, list]:
    table: dict[int, list] = {}
    for n in ctx.nodes("argument"):
        if len(n.children) < 3:
            continue
        name, eq = n.children[0], n.children[1]
        if name.type != "name" or eq.type != "operator" or eq.value != "=":
            continue
        segs = name.value.split("__")
        if len(segs) < 2 or segs[-1] not in SUBSTRING_LOOKUPS:
            continue
        # the keyword belongs to its call, and, in a Q(...), to every call around it
        item = (tuple(segs[:-1]), segs[-1], name)
        owner = n.parent.parent if n.parent.type == "arglist" else n.parent
        table.setdefault(id(owner), []).append(item)
        call = owner.parent if owner.type == "trailer" else None
        ps = sx.parts(call) if call is not None and call.type in ("atom_expr", "power") else []
        if len(ps) == 2 and sx.dotted(ps[0]) in ("Q", "models.Q") and ps[1] is owner:
            p = owner.parent
            while p is not None:
                if p.type == "trailer":
                    table.setdefault(id(p), []).append(item)
                p = p.parent
    return table


def _meta_text(index, ref) -> tuple[str, bool]:
    """The text of the model's ``Meta.indexes`` (own and inherited) as far as the facts
    keep it, and whether some of it was cut off."""
    texts, cut = [], False
    for r in (ref, *index.ancestors(ref)[1]):
        classes = sorted(r.facts.classes, key=lambda c: c.start)
        after = False
        for c in classes:
            if c is r.cls:
                after = True
                continue
            if not after:
                continue
            if c.name != "Meta" or c.start[1] <= r.cls.start[1]:
                if c.start[1] <= r.cls.start[1]:
                    break  # the next top-level class: no Meta of our own
                continue
            v = c.attr("indexes")
            if v is not None:
                texts.append(v)
                cut = cut or len(v) >= ATTR_TEXT_LIMIT
            break
    return "\n".join(texts), cut


def _search_indexed(index, ref, field: str) -> bool:
    """Whether the model may have a trigram / full-text index that serves a substring
    search on ``field``: a GIN/GiST index in its Meta naming the field (or one whose
    text the facts cut off), or a SearchVectorField."""
    for r in (ref, *index.ancestors(ref)[1]):
        if any(f.kind == "SearchVectorField" for f in r.cls.fields):
            return True
    text, cut = _meta_text(index, ref)
    if any(h in text for h in SEARCH_INDEX_HINTS):
        if f'"{field}"' in text or f"'{field}'" in text or cut:
            return True
    if cut:
        imports = set(ref.facts.imports.values())
        if any(q.rsplit(".", 1)[-1] in ("GinIndex", "GistIndex", "OpClass") for q in imports):
            return True
    return False


def _judge_substring(index, found, facts, model, model_pos):
    """One finding for the substring lookups of one model in one function: at the
    first one that no index can serve, naming the others."""
    ref = index.find_model(facts, model, model_pos)
    if ref is None:
        return
    hits = []
    for path, lookup, site in found:
        target, mf = ref, None
        for i, seg in enumerate(path):
            mf = index.model_field(target, seg)
            if mf is None:
                break
            if i < len(path) - 1:
                if not mf.is_relation or mf.field.target is None:
                    mf = None
                    break
                nxt = index.find_model(mf.model.facts, mf.field.target)
                if nxt is None:
                    mf = None
                    break
                target = nxt
        if mf is None or mf.field.kind not in TEXT_KINDS:
            continue
        if _search_indexed(index, target, mf.field.name):
            continue
        hits.append((f"{target.cls.name}.{mf.field.name}", lookup, site, mf))
    if not hits:
        return
    hits.sort(key=lambda h: h[2].start)
    shown, lookup, site, mf = hits[0]
    others = list(dict.fromkeys(h[0] for h in hits[1:] if h[0] != shown))
    more = ""
    if others:
        listed = ", ".join(f"`{o}`" for o in others[:4]) + (", ..." if len(others) > 4 else "")
        more = f" (and {len(others)} more field{'s' if len(others) > 1 else ''} here: {listed})"
    where = "ends with" if lookup.endswith("endswith") else "contains"
    f = mf.field
    yield make_finding(
        "DBP003",
        site,
        f"`__{lookup}` on `{shown}`{more} looks for rows whose text {where} the value "
        "(`LIKE '%...'`): a B-tree index cannot serve a leading wildcard, so the database "
        "reads every row",
        related=(Related(mf.model.facts.path, f.start, f.end, f"{shown} is a {f.kind}"),),
    )


def _filterset_model(node):
    """(model name, its position) from ``class Meta: model = X`` of the django-filter
    FilterSet class whose method holds ``node``, else None."""
    cls = sx.enclosing(node, ("classdef",))
    if cls is None:
        return None
    ch = cls.children
    header = ch[3] if len(ch) > 4 and ch[2].type == "operator" and ch[2].value == "(" else None
    if header is None or "FilterSet" not in sx.code(header):
        return None
    suite = cls.children[-1]
    for stmt in suite.children if suite.type == "suite" else ():
        if stmt.type != "classdef" or stmt.children[1].value != "Meta":
            continue
        for inner in sx.walk(stmt.children[-1]):
            if inner.type != "expr_stmt" or len(inner.children) != 3:
                continue
            lhs, value = inner.children[0], inner.children[2]
            if lhs.type == "name" and lhs.value == "model" and value.type == "name":
                return value.value, value.start_pos
    return None


@detector("DBP003", section="Database Performance Issues")
def leading_wildcard_search(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    groups: dict[tuple, list] = {}  # (model, its position, function) -> lookups
    claimed: set[int] = set()  # keyword leaves judged through a queryset
    unresolved = []  # call trailers whose model is not known from a queryset
    seen_roots: set[int] = set()
    for node, _call in ctx.calls_to(*LOOKUP_METHODS):
        if id(node) in seen_roots:
            continue
        seen_roots.add(id(node))
        qs = None
        for t in sx.parts(node)[1:]:
            if not sx.is_call_trailer(t):
                continue
            prev = t.get_previous_sibling()
            if not (prev is not None and sx.is_attr_trailer(prev)):
                continue
            if prev.children[1].value not in LOOKUP_METHODS:
                continue
            lookups = _substring_lookups(ctx, t)
            if not lookups:
                continue  # cheap test first: most filters are not substring searches
            if qs is None:
                qs = resolve_queryset(ctx, node) or False
            if qs is False:
                unresolved.append(t)
                continue
            for path, lookup, leaf in lookups:
                claimed.add(id(leaf))
                key = (qs.model, qs.model_pos, ctx.scope(leaf).start_pos)
                groups.setdefault(key, []).append((path, lookup, ctx.site(leaf)))
    # django-filter: Q(...) and queryset.filter(...) in a FilterSet's methods
    unresolved += [call.trailer for _node, call in ctx.calls_to("Q") if call.index == 1]
    for trailer in unresolved:
        found = [x for x in _substring_lookups(ctx, trailer) if id(x[2]) not in claimed]
        if not found:
            continue
        owner = _filterset_model(trailer)
        if owner is None:
            continue
        for path, lookup, leaf in found:
            claimed.add(id(leaf))
            key = (*owner, ctx.scope(leaf).start_pos)
            groups.setdefault(key, []).append((path, lookup, ctx.site(leaf)))
    for (model, model_pos, _scope), found in groups.items():
        facts = ctx.facts

        def judge(index, found=found, facts=facts, model=model, model_pos=model_pos):
            yield from _judge_substring(index, found, facts, model, model_pos)

        yield ctx.defer(("models",), judge)

    for leaf in ctx.nodes("string", "fstring_string"):
        raw = leaf.value
        if "%" not in raw or "like" not in raw.lower():
            continue  # cheap test first: most strings are not SQL
        text = sx.string_value(leaf) if leaf.type == "string" else raw
        if not text or not LIKE_LEADING.search(text) or not SQL_WORDS.search(text):
            continue
        node = leaf
        if leaf.type == "fstring_string":
            node = sx.enclosing(leaf, ("fstring",)) or leaf
        stmt = sx.statement_of(node)
        if stmt.type == "simple_stmt" and stmt.children[0] is node:
            continue  # a docstring
        yield ctx.finding(
            "DBP003",
            node,
            "`LIKE '%...'` starts the pattern with a wildcard: no B-tree index can serve it, "
            "so the database reads every row of the table",
        )
