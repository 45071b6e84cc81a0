"""Query Optimization & ORM Usage: N+1 reads in loops, counting to test existence,
queries and saves repeated per item, filtering in Python what the database could."""

from __future__ import annotations

import re

from ..model import Edit, Fix, Related
from ..source import syntax as sx
from ._helpers import CHAINABLE, last_assignment, queryset_chain, resolve_queryset
from .base import Context, detector, make_finding

TO_ONE = ("ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey")


def _loops(ctx: Context):
    """(target name, iterable expression, body nodes, loop node) for every for
    statement and comprehension with a single-name target."""
    for node in ctx.nodes("for_stmt"):
        target, iterable = node.children[1], node.children[3]
        if target.type == "name":
            yield target.value, iterable, [node.children[-1]], node
    for node in ctx.nodes("sync_comp_for"):
        target, iterable = node.children[1], node.children[3]
        if target.type != "name":
            continue
        parent = node.parent
        if parent.type == "comp_for":  # async comprehension
            parent = parent.parent
        body = []
        for c in parent.children:
            if c is node or c is node.parent:
                break
            body.append(c)
        # conditions after the for clause read the target too
        body.extend(c for c in node.children[4:])
        yield target.value, iterable, body, node


def _relation_reads(regions):
    """For each loop of ``regions`` -- (key, {target}, body nodes) -- the list of
    (attribute, node of ``x``, node of ``.attr``, reads ``.all()`` on it) for every
    ``x.attr...`` in its body, in source order. One walk, however the loops nest."""
    out: dict[int, list] = {key: [] for key, _, _ in regions}
    for n, active in sx.walk_regions(regions):
        if not active or n.type not in ("atom_expr", "power"):
            continue
        ps = sx.parts(n)
        if len(ps) < 2 or ps[0].type != "name" or not sx.is_attr_trailer(ps[1]):
            continue
        loops = active.get(ps[0].value)
        if not loops:
            continue
        attr = ps[1].children[1].value
        if len(ps) == 2:
            # x.attr = value is a write, not a read
            p = n.parent
            if (
                p.type == "expr_stmt"
                and p.children[0] is n
                and len(p.children) > 1
                and p.children[1].value in ("=",)
            ):
                continue
        # x.rel.all() read as rows; x.rel.all().delete() / .count() query anyway
        via_all = (
            len(ps) == 4
            and sx.is_attr_trailer(ps[2])
            and ps[2].children[1].value == "all"
            and sx.is_call_trailer(ps[3])
        )
        read = (attr, ps[0], ps[1], via_all)
        for key, _ in loops:
            out[key].append(read)
    return out


@detector("ORM001", section="Query Optimization & ORM Usage")
def n_plus_one(ctx: Context):
    if ctx.facts.is_test:
        return  # a test's loop over its own fixtures is not a production query pattern
    # the loops over query results first, then their bodies in one walk
    candidates = []
    for target, iterable, body, loop in _loops(ctx):
        qs = resolve_queryset(ctx, iterable)
        if qs is None:
            found = _sqlalchemy_rows(ctx, iterable)
            if found is not None:
                candidates.append((target, body, loop, None, found))
            continue
        if not qs.yields_instances():
            continue
        candidates.append((target, body, loop, qs, None))
    reads_of = _relation_reads(
        [(key, {target}, body) for key, (target, body, _, _, _) in enumerate(candidates)]
    )
    for key, (target, _body, loop, qs, found) in enumerate(candidates):
        if qs is None:
            yield from _sqlalchemy_n_plus_one(ctx, target, reads_of[key], loop, found)
            continue
        selected, select_all = qs.string_args("select_related")
        prefetched, _ = qs.string_args("prefetch_related")
        if "*" in selected + prefetched:
            continue  # relations named at run time: cannot tell what is loaded
        covered = {s.split("__")[0] for s in selected + prefetched}
        reads: dict[str, tuple] = {}
        for attr, start, end, via_all in reads_of[key]:
            if attr in covered or attr.endswith("_id") or attr in reads:
                continue
            reads[attr] = (ctx.site(start, end), via_all)
        if not reads:
            continue
        loop_site = ctx.site(loop.children[0] if loop.type == "for_stmt" else loop)
        model, model_pos, insert_at, path = qs.model, qs.model_pos, qs.insert_at, ctx.path
        qs_text = sx.code(qs.root)
        if len(qs_text) > 60:
            qs_text = qs_text[:57] + "..."
        facts = ctx.facts

        def judge(
            index,
            reads=reads,
            select_all=select_all,
            loop_site=loop_site,
            model=model,
            model_pos=model_pos,
            insert_at=insert_at,
            qs_text=qs_text,
            facts=facts,
            target=target,
            path=path,
        ):
            ref = index.find_model(facts, model, model_pos)
            if ref is None:
                return
            for attr, (site, via_all) in reads.items():
                mf = index.model_field(ref, attr)
                if mf is None:
                    continue
                kind = mf.field.kind
                if kind in TO_ONE:
                    if select_all:
                        continue
                    method = "select_related"
                elif kind == "ManyToManyField" and via_all:
                    method = "prefetch_related"
                else:
                    continue
                call = f'.{method}("{attr}")'
                yield make_finding(
                    "ORM001",
                    site,
                    f"`{target}.{attr}` runs one query per row of `{qs_text}`; load it up front with "
                    f"`{call}`",
                    fix=Fix(f"Add {call} to the query", (Edit(path, insert_at, insert_at, call),)),
                    related=(
                        Related(
                            path, loop_site.start, loop_site.end, "the loop that repeats the query"
                        ),
                        Related(
                            mf.model.facts.path,
                            mf.field.start,
                            mf.field.end,
                            f"{mf.model.cls.name}.{attr} is a {kind}",
                        ),
                    ),
                )

        yield ctx.defer(("models",), judge)


# -- the same for SQLAlchemy ---------------------------------------------------------
LOADERS = {
    "joinedload",
    "selectinload",
    "subqueryload",
    "immediateload",
    "contains_eager",
    "defaultload",
    "lazyload",
    "raiseload",
}
EAGER_OR_NO_LOAD = {
    "joined",
    "selectin",
    "subquery",
    "immediate",
    "raise",
    "raise_on_sql",
    "noload",
    "dynamic",
    "write_only",
}


def _sqlalchemy_rows(ctx: Context, expr, depth: int = 0):
    """(model name, its position, relations loaded by options, where `.options(...)`
    could go, text) when ``expr`` gives the rows of a SQLAlchemy query of one model:
    ``session.query(M)...``, ``session.scalars(select(M)...)``,
    ``session.execute(select(M)...).scalars()``, ``M.query...`` (Flask-SQLAlchemy),
    or a name assigned one of those in the same scope."""
    if expr is None or depth > 4:
        return None
    if expr.type == "name":
        return _sqlalchemy_rows(ctx, last_assignment(ctx, expr.value, expr), depth + 1)
    if expr.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(expr)
    model = None
    anchor = None  # the call after which .options(...) can be chained
    calls = ctx.calls(expr)
    if (
        len(ps) >= 2
        and ps[0].type == "name"
        and ps[0].value[:1].isupper()
        and sx.is_attr_trailer(ps[1])
        and ps[1].children[1].value == "query"
    ):
        model, anchor = ps[0], ps[1]  # Flask-SQLAlchemy Model.query
    elif (
        calls
        and calls[0].method == "query"
        and _session_like((calls[0].callee or "").rpartition(".")[0])
    ):
        args = calls[0].args
        if args and args[0].kind == "pos" and args[0].value.type == "name":
            model, anchor = args[0].value, calls[0].trailer
    elif (
        calls
        and calls[0].method in ("scalars", "execute")
        and _session_like((calls[0].callee or "").rpartition(".")[0])
    ):
        args = calls[0].args
        if calls[0].method == "execute" and not any(c.method == "scalars" for c in calls[1:]):
            return None  # rows of tuples, not model instances
        if args and args[0].kind == "pos" and args[0].value.type in ("atom_expr", "power"):
            inner = ctx.calls(args[0].value)
            if (
                inner
                and inner[0].method == "select"
                and inner[0].args
                and inner[0].args[0].value.type == "name"
            ):
                if len(inner[0].args) == 1:
                    model, anchor = inner[0].args[0].value, inner[0].trailer
    if model is None or not model.value[:1].isupper():
        return None
    loaded: set[str] = set()
    for n in sx.walk(expr):
        if n.type not in ("atom_expr", "power"):
            continue
        for call in ctx.calls(n):
            if call.method == "options":
                for a in call.args:
                    if a.kind != "pos" or a.value.type not in ("atom_expr", "power"):
                        return None  # options built elsewhere: cannot tell what is loaded
            if call.method in LOADERS:
                for a in call.args:
                    if a.kind in ("star", "dstar"):
                        return None
                    name = sx.string_value(a.value) or (sx.dotted(a.value) or "").rsplit(".", 1)[-1]
                    if name:
                        loaded.add(name)
    text = sx.code(expr)
    return (
        model.value,
        model.start_pos,
        frozenset(loaded),
        anchor.end_pos,
        text if len(text) <= 60 else text[:57] + "...",
    )


def _sqlalchemy_n_plus_one(ctx: Context, target, relation_reads, loop, found):
    model, model_pos, loaded, insert_at, text = found
    reads: dict[str, object] = {}
    for attr, start, end, _via_all in relation_reads:
        if attr not in loaded and attr not in reads:
            reads[attr] = ctx.site(start, end)
    if not reads:
        return
    loop_site = ctx.site(loop.children[0] if loop.type == "for_stmt" else loop)
    facts, path = ctx.facts, ctx.path
    can_fix = facts.imports.get("selectinload", "").startswith("sqlalchemy")

    def judge(
        index,
        reads=reads,
        facts=facts,
        model=model,
        loaded=loaded,
        loop_site=loop_site,
        path=path,
        insert_at=insert_at,
        text=text,
        can_fix=can_fix,
    ):
        from ..facts.index import ClassRef

        ref = index.resolve_class(facts, model, None)
        if not isinstance(ref, ClassRef) or not index.is_sqlalchemy_model(ref):
            return
        fields = {f.name: (r, f) for r in (ref, *index.ancestors(ref)[1]) for f in r.cls.fields}
        for attr, site in reads.items():
            owner, field = fields.get(attr, (None, None))
            if field is None or field.kind != "relationship":
                continue
            lazy = dict(field.values).get("lazy", "select")
            if lazy in EAGER_OR_NO_LOAD:
                continue
            option = f".options(selectinload({model}.{attr}))"
            yield make_finding(
                "ORM001",
                site,
                f"`{target}.{attr}` lazy-loads one query per row of `{text}`; load it up front with "
                f"`{option}`",
                fix=Fix(f"Add {option} to the query", (Edit(path, insert_at, insert_at, option),))
                if can_fix
                else None,
                related=(
                    Related(
                        path, loop_site.start, loop_site.end, "the loop that repeats the query"
                    ),
                    Related(
                        owner.facts.path,
                        field.start,
                        field.end,
                        f'{owner.cls.name}.{attr} is a relationship (lazy="{lazy}")',
                    ),
                ),
            )

    yield ctx.defer(("models",), judge)


EXISTENCE = {
    # (operator, number) -> True when the comparison means "exists", False for "does not exist"
    (">", 0): True,
    (">=", 1): True,
    ("!=", 0): True,
    ("==", 0): False,
    ("<", 1): False,
    ("<=", 0): False,
}


def _existence_test(ctx: Context, comparison):
    """(queryset text, means exists) when a comparison tests existence by counting."""
    ch = comparison.children
    if len(ch) != 3 or ch[2].type != "number":
        return None
    op = ch[1].value if ch[1].type == "operator" else None
    try:
        number = int(ch[2].value)
    except ValueError:
        return None
    meaning = EXISTENCE.get((op, number))
    if meaning is None:
        return None
    lhs = ch[0]
    if lhs.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(lhs)
    # qs.count()
    if (
        len(ps) >= 3
        and sx.is_attr_trailer(ps[-2])
        and ps[-2].children[1].value == "count"
        and ps[-1].type == "trailer"
        and sx.code(ps[-1]) == "()"
    ):
        qs = resolve_queryset(ctx, lhs)
        if qs is None:
            return None
        text = "".join(sx.code(p) if i == 0 else p.get_code() for i, p in enumerate(ps[:-2]))
        return text, meaning
    # len(qs)
    if len(ps) == 2 and ps[0].type == "name" and ps[0].value == "len" and sx.is_call_trailer(ps[1]):
        args = sx.call_args(ps[1])
        if (
            len(args) == 1
            and args[0].kind == "pos"
            and resolve_queryset(ctx, args[0].value) is not None
        ):
            return sx.code(args[0].value), meaning
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text else text


@detector("ORM002", section="Query Optimization & ORM Usage")
def count_for_existence(ctx: Context):
    if ctx.facts.is_test:
        return  # `assert qs.count() == 0` in a test asserts a number, not an existence check
    for comparison in ctx.nodes("comparison"):
        found = _existence_test(ctx, comparison)
        if found is None:
            continue
        qs_text, exists = found
        # a chain that spans lines keeps its own brackets / backslashes, so the
        # replacement is valid where the comparison was
        new = f"{qs_text}.exists()" if exists else f"not {qs_text}.exists()"
        shown = sx.code(comparison)
        yield ctx.finding(
            "ORM002",
            comparison,
            f"`{_one_line(shown)}` counts every matching row to test whether one exists; use `{_one_line(new)}`",
            fix=Fix(
                f"Replace with {_one_line(new)}",
                (ctx.edit(comparison.start_pos, comparison.end_pos, new),),
            ),
        )
    yield from _truth_tests(ctx)


RETURNS_QUERYSET = CHAINABLE


def _truth_tests(ctx: Context):
    """``if qs:`` / ``if not qs:`` on a queryset whose rows are not used afterwards:
    the test loads every row only to see whether there is one."""
    for stmt in ctx.nodes("if_stmt", "while_stmt"):
        cond = stmt.children[1]
        negated = cond.type == "not_test"
        expr = cond.children[1] if negated else cond
        if expr.type not in ("name", "atom_expr", "power"):
            continue
        qs = resolve_queryset(ctx, expr)
        if qs is None or not set(qs.names()) <= RETURNS_QUERYSET:
            continue  # a custom method may return anything (an object, a class, a list)
        if expr.type == "name":
            # the rows are used later (iterated, indexed, passed on): the cached
            # evaluation is then reused, and `if qs:` is the right test
            scope = ctx.scope(stmt)
            last = _last_use(ctx, scope).get(expr.value)
            if last is not None and last > cond.end_pos:
                continue
        text = sx.code(expr)
        if "\n" in text:
            continue
        new = f"not {text}.exists()" if negated else f"{text}.exists()"
        yield ctx.finding(
            "ORM002",
            cond,
            f"`{sx.code(cond)}` loads every matching row to test whether there is one; use `{new}`",
            fix=Fix(f"Replace with {new}", (ctx.edit(cond.start_pos, cond.end_pos, new),)),
        )


def _last_use(ctx: Context, scope) -> dict:
    """name -> where it last appears among the names whose scope is ``scope``: one
    walk of that scope (once per scope, and only when a rule asks)."""
    key = ("last_use", id(scope))
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = {}
        for n in sx.walk(scope):
            if n.type == "name" and ctx.scope(n) is scope:
                if n.value not in found or found[n.value] < n.start_pos:
                    found[n.value] = n.start_pos
    return found


# ------------------------------------------------------------ ORM003..ORM005

# methods that send the query at once (a lazy ``filter(...)`` alone does not)
EXECUTING = {
    "get",
    "first",
    "last",
    "exists",
    "count",
    "aggregate",
    "latest",
    "earliest",
    "contains",
}
# builtins that evaluate a queryset passed to them
EVALUATING = {"list", "len", "set", "tuple", "sorted", "bool", "sum", "max", "min", "any", "all"}
SA_EXECUTING = {"first", "one", "one_or_none", "scalar", "all", "count", "get"}
SA_SESSION_METHODS = {"execute", "scalars", "scalar", "exec"}  # exec: SQLModel
NESTED_SCOPES = ("funcdef", "classdef", "lambdef")


def _target_names(target) -> set[str]:
    """Names a ``for`` target binds: ``x``, ``a, b``, ``(i, (a, b))``."""
    if target.type == "name":
        return {target.value}
    if target.type in ("exprlist", "testlist_comp", "atom", "testlist_star_expr"):
        out: set[str] = set()
        for c in target.children:
            if c.type != "operator":
                out |= _target_names(c)
        return out
    return set()


def _is_literal_collection(node) -> bool:
    """A literal list / tuple / set (``("a", "b")``, ``[1, 2, 3]``) or ``range(<number>...)``:
    the loop runs a fixed, small number of times."""
    if node.type == "atom" and node.children[0].type == "operator":
        return node.children[0].value in "([{"
    if node.type in ("testlist_star_expr", "exprlist", "testlist"):
        return True  # for x in a, b, c:
    if node.type in ("atom_expr", "power"):
        ps = sx.parts(node)
        if len(ps) == 2 and ps[0].type == "name" and ps[0].value == "range":
            args = sx.call_args(ps[1])
            return bool(args) and all(a.kind == "pos" and a.value.type == "number" for a in args)
    return False


def _item_loops(ctx: Context, comprehensions: bool = True):
    """(names bound, iterable, body roots, loop node) for every for statement (its
    body, not its ``else``) and, if asked, every comprehension."""
    for node in ctx.nodes("for_stmt"):
        names = _target_names(node.children[1])
        if names:
            yield names, node.children[3], [node.children[5]], node
    if not comprehensions:
        return
    for node in ctx.nodes("sync_comp_for"):
        names = _target_names(node.children[1])
        if not names:
            continue
        parent = node.parent
        if parent.type == "comp_for":
            parent = parent.parent
        body = []
        for c in parent.children:
            if c is node or c is node.parent:
                break
            body.append(c)
        body.extend(node.children[4:])
        yield names, node.children[3], body, node


def _walk_body(roots, skip=()):
    """Every node under ``roots``, not entering nested functions, classes or lambdas
    (their code runs later, not once per item), nor nodes of a type in ``skip``."""
    stack = list(reversed(roots))
    while stack:
        n = stack.pop()
        yield n
        if n.type in NESTED_SCOPES or n.type in skip:
            continue
        children = getattr(n, "children", None)
        if children:
            stack.extend(reversed(children))


def _chain_text(node, end) -> str:
    """The code of ``node`` up to and including the part ``end``, on one line."""
    out = []
    for i, p in enumerate(sx.parts(node)):
        out.append(sx.code(p) if i == 0 else p.get_code())
        if p is end:
            break
    return _one_line("".join(out))


def _uses(node, names: set[str]) -> bool:
    """Whether ``node`` reads one of ``names`` (not as an attribute or keyword name)."""
    for n in sx.walk(node):
        if n.type != "name" or n.value not in names:
            continue
        p = n.parent
        if p.type == "trailer" and p.children[0].value == ".":
            continue  # obj.name: an attribute, not the variable
        if p.type == "argument" and p.children[0] is n and len(p.children) > 1:
            if p.children[1].type == "operator" and p.children[1].value == "=":
                continue  # name=...: a keyword
        return True
    return False


def _session_like(dotted: str | None) -> bool:
    """``session``, ``db.session``, ``self.session``, ``db`` (FastAPI's ``db: Session``)."""
    if not dotted:
        return False
    last = dotted.rsplit(".", 1)[-1].lower()
    return last in ("session", "db", "db_session", "dbsession", "sess") or last.endswith("_session")


def _evaluated_by_context(node) -> bool:
    """Whether the expression ``node`` is evaluated where it stands: iterated,
    passed to list()/len()..., tested in an ``if``."""
    p = node.parent
    if p.type in ("for_stmt", "sync_comp_for") and p.children[3] is node:
        return True
    if p.type in ("if_stmt", "while_stmt") and node in p.children[1::4]:
        return True
    if p.type == "not_test":
        return True
    if p.type == "trailer" and sx.is_call_trailer(p):
        call = p.parent
        ps = sx.parts(call) if call.type in ("atom_expr", "power") else []
        return (
            len(ps) == 2
            and ps[0].type == "name"
            and ps[0].value in EVALUATING
            and ps[1] is p
            and len(sx.call_args(p)) == 1
        )
    return False


def _django_query(ctx: Context, node):
    """(text, end node) when ``node`` is a ``Model.objects`` chain (or a queryset
    variable) that sends a query here, else None."""
    ps = sx.parts(node)
    if len(ps) < 3 or ps[0].type != "name":
        return None
    if not (sx.is_attr_trailer(ps[1]) and ps[1].children[1].value == "objects"):
        if not ps[0].value[:1].islower():
            return None
        # products.get(...), products assigned a queryset (not in_bulk()'s dict, not a row)
        qs = resolve_queryset(ctx, ps[0])
        if qs is None or not qs.yields_instances():
            return None
    elif not ps[0].value[:1].isupper():
        return None
    end = None
    start = 2 if sx.is_attr_trailer(ps[1]) and ps[1].children[1].value == "objects" else 1
    for i, t in enumerate(ps[start:], start):
        if not sx.is_attr_trailer(t):
            if t.type == "trailer" and t.children[0].value == "[":
                break
            continue
        nxt = ps[i + 1] if i + 1 < len(ps) else None
        if nxt is None or not sx.is_call_trailer(nxt):
            break  # an attribute of the result: Model.objects.get(...).name
        name = t.children[1].value
        end = nxt
        if name == "select_for_update":
            return None  # a row locked per item: deliberate, one transaction each
        if name in EXECUTING:
            return end
        if name in (
            "create",
            "bulk_create",
            "update",
            "delete",
            "get_or_create",
            "update_or_create",
        ):
            return None  # writes: ORM004's business, or one statement anyway
    if end is not None and end is ps[-1] and _evaluated_by_context(node):
        return end
    return None


def _sqlalchemy_query(ctx: Context, node):
    """The end node when ``node`` is a SQLAlchemy session query that runs here."""
    calls = ctx.calls(node)
    if not calls:
        return None
    first = calls[0]
    callee = first.callee or ""
    receiver = callee.rsplit(".", 1)[0] if "." in callee else None
    if not _session_like(receiver):
        return None
    args = first.args
    if first.method == "get":
        if args and args[0].kind == "pos" and args[0].value.type == "name":
            if args[0].value.value[:1].isupper():
                return first.trailer
        return None
    if first.method in SA_SESSION_METHODS:
        if args and args[0].kind == "pos" and args[0].value.type in ("atom_expr", "power"):
            inner = ctx.calls(args[0].value)
            if (
                inner
                and inner[0].method == "select"
                and inner[0].callee in ("select", "sa.select", "sqlalchemy.select")
            ):
                return first.trailer
        return None
    if first.method == "query":
        for c in calls[1:]:
            if c.method in SA_EXECUTING:
                return c.trailer
    return None


def _in_loop_query_sites(ctx: Context):
    """(loop names, query node, end node) for every query sent inside a loop body
    whose arguments read a loop variable (not only through ``__in`` lookups). A
    query in several such loops is reported once, for the first of them in
    ``_item_loops`` order. One walk over the loop bodies, however deeply they nest."""
    names_of: dict[int, set[str]] = {}
    regions = []
    for key, (names, iterable, body, _loop) in enumerate(_item_loops(ctx)):
        if _is_literal_collection(iterable):
            continue
        names_of[key] = names
        regions.append((key, names, body))
    found = []
    for n, active in sx.walk_regions(regions, barrier=NESTED_SCOPES):
        if not active or n.type not in ("atom_expr", "power"):
            continue
        end = _django_query(ctx, n) or _sqlalchemy_query(ctx, n)
        if end is None:
            continue
        ps = sx.parts(n)
        trailers = [t for t in ps[1:] if t.start_pos < end.end_pos]
        first = None  # the first loop whose variable an argument reads (not as `x__in=`)
        for t in trailers:
            if not sx.is_call_trailer(t):
                continue
            for a in sx.call_args(t):
                if a.kind == "kw" and a.name.endswith("__in"):
                    continue
                for name in _names_read(a.node):
                    loops = active.get(name)
                    if loops and (first is None or loops[-1][1] < first):
                        first = loops[-1][1]
        if first is None:
            continue
        names = names_of[first]
        used = sorted(x for x in names if any(_uses(t, {x}) for t in trailers))
        found.append((first, len(found), used, n, end))
    found.sort(key=lambda f: (f[0], f[1]))  # loop by loop, as a walk per loop would give
    for _, _, used, n, end in found:
        yield used, n, end


def _names_read(node) -> set[str]:
    """The names ``node`` reads (``_uses`` for every name at once)."""
    out = set()
    for n in sx.walk(node):
        if n.type != "name":
            continue
        p = n.parent
        if p.type == "trailer" and p.children[0].value == ".":
            continue
        if p.type == "argument" and p.children[0] is n and len(p.children) > 1:
            if p.children[1].type == "operator" and p.children[1].value == "=":
                continue
        out.add(n.value)
    return out


@detector("ORM003", section="Query Optimization & ORM Usage")
def query_in_loop(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return  # fixtures and one-off data migrations: small, bounded loops
    for used, node, end in _in_loop_query_sites(ctx):
        text = _chain_text(node, end)
        if len(text) > 70:
            text = text[:67] + "..."
        var = ", ".join(f"`{u}`" for u in used)
        yield ctx.finding(
            "ORM003",
            sx.parts(node)[0],  # not a leading `await`
            f"`{text}` sends one query for each {var} of the loop; fetch the rows in one query "
            "before the loop (`filter(pk__in=...)`, `in_bulk(...)`) and look them up in a dict",
            end_node=end,
        )


# ------------------------------------------------------------------- ORM004


def _is_exit(n) -> bool:
    """A ``break`` or ``return``: met in a loop's own body (not in a nested loop or
    function), the loop stops at the first success, it does not run per item."""
    return n.type == "return_stmt" or (n.type == "keyword" and n.value in ("break", "return"))


def _in_except_handler(node, stop) -> bool:
    """Whether ``node`` sits in an ``except`` block below ``stop``."""
    n = node
    while n.parent is not None and n.parent is not stop:
        p = n.parent
        if p.type == "try_stmt":
            prev = n.get_previous_sibling()
            if prev is not None and prev.type == "operator" and prev.value == ":":
                prev = prev.get_previous_sibling()
            if prev is not None and (
                prev.type == "except_clause" or (prev.type == "keyword" and prev.value == "except")
            ):
                return True
        n = p
    return False


def _is_apps_get_model(ctx: Context, name: str, before) -> bool:
    """``Name = apps.get_model(...)`` in the same scope: a historical model."""
    value = last_assignment(ctx, name, before)
    if value is None or value.type not in ("atom_expr", "power"):
        return False
    calls = ctx.calls(value)
    return bool(calls) and calls[-1].method == "get_model"


@detector("ORM004", section="Query Optimization & ORM Usage")
def save_in_loop(ctx: Context):
    if ctx.facts.is_test:
        return  # a test creating its fixtures row by row is not a production path
    for names, iterable, body, loop in _item_loops(ctx, comprehensions=False):
        if _is_literal_collection(iterable):
            continue
        saves: list = []  # (kind, model name, model pos, node, end node, text)
        sa_adds = []
        sa_commits = []
        exits = False
        # the loop's own body: nested loops and functions are walked for themselves,
        # so each node is visited once for all loops
        for n in _walk_body(body, skip=("for_stmt", "while_stmt")):
            if n.type not in ("atom_expr", "power"):
                if _is_exit(n):
                    exits = True
                    break
                continue
            ps = sx.parts(n)
            calls = ctx.calls(n)
            if not calls:
                continue
            # x.save() on the loop variable
            if (
                len(ps) == 3
                and ps[0].type == "name"
                and ps[0].value in names
                and sx.is_attr_trailer(ps[1])
                and ps[1].children[1].value == "save"
                and sx.is_call_trailer(ps[2])
            ):
                saves.append(("save", ps[0].value, n, ps[2]))
                continue
            # Model.objects.create(...)
            qs = queryset_chain(n)
            if qs is not None and len(qs.methods) == 2 and qs.names()[1] == "create":
                if _in_except_handler(n, loop):
                    continue  # created only when a lookup failed: not once per item
                saves.append(("create", qs, n, qs.methods[1][1]))
                continue
            c = calls[0]
            receiver = c.callee.rsplit(".", 1)[0] if c.callee and "." in c.callee else None
            if _session_like(receiver):
                if c.method == "add":
                    sa_adds.append(n)
                elif c.method in ("commit", "flush"):
                    sa_commits.append((n, c.method, receiver))
        if exits:
            continue
        if sa_adds and sa_commits:
            n, method, receiver = sa_commits[0]
            yield ctx.finding(
                "ORM004",
                n,
                f"`{receiver}.{method}()` runs once per item of the loop: every row is a separate "
                f"round trip{' and transaction' if method == 'commit' else ''}; add the objects in "
                f"the loop (or `{receiver}.add_all(...)`) and {method} once after it",
            )
            continue
        if not saves:
            continue
        kind, what, node, end = saves[0]
        if kind == "save":
            qs = resolve_queryset(ctx, iterable)
            if qs is None or not qs.yields_instances():
                continue  # a list of unknown objects: .save() may be anything
            model, model_pos = qs.model, qs.model_pos
            text = _one_line(sx.code(node))
            if len(text) > 60:
                text = f"{what}.save(...)"
            suggestion = f"`{model}.objects.bulk_update(objs, fields)`"
        else:
            model, model_pos = what.model, what.model_pos
            text = f"{model}.objects.create(...)"
            suggestion = f"`{model}.objects.bulk_create(objs)`"
        historical = ctx.facts.is_migration and _is_apps_get_model(ctx, model, loop)
        site = ctx.site(node, end)
        facts = ctx.facts
        message = (
            f"`{text}` writes one row per loop iteration, each a separate query; collect the "
            f"objects and save them with {suggestion}"
        )
        if historical:
            # a migration's historical model has no custom save() and sends no signals
            yield make_finding("ORM004", site, message)
            continue

        def judge(index, site=site, facts=facts, model=model, model_pos=model_pos, message=message):
            ref = index.find_model(facts, model, model_pos)
            if ref is None:
                return
            _, parents = index.ancestors(ref)
            for r in (ref, *parents):
                if "save" in r.cls.methods:
                    return  # custom save(): bulk operations would skip it
                if r is not ref and index.is_django_model(r) and not r.cls.abstract:
                    return  # multi-table inheritance: bulk_create does not support it
            yield make_finding("ORM004", site, message)

        yield ctx.defer(("models",), judge)


# ------------------------------------------------------------------- ORM005

COMPARE_OPS = {"==", "!=", "<", ">", "<=", ">=", "in", "not in", "is", "is not"}


def _field_conditions(cond, target: str) -> list[str] | None:
    """Field names when ``cond`` only compares ``target.<field>`` with values that do
    not depend on the row (``and`` / ``or`` / ``not`` of such tests), else None."""
    if cond.type in ("and_test", "or_test"):
        out: list[str] = []
        for c in cond.children:
            if c.type == "keyword":
                continue
            sub = _field_conditions(c, target)
            if sub is None:
                return None
            out += sub
        return out
    if cond.type == "not_test":
        return _field_conditions(cond.children[1], target)
    if cond.type == "atom" and cond.children[0].value == "(" and len(cond.children) == 3:
        return _field_conditions(cond.children[1], target)
    field = _field_read(cond, target)
    if field is not None:
        return [f"?{field}"]  # a bare truth test: only a boolean field maps to a lookup
    if cond.type == "comparison" and len(cond.children) == 3:
        op = cond.children[1]
        op_text = " ".join(op.get_code().split()) if op.type == "comp_op" else op.value
        if op_text not in COMPARE_OPS:
            return None
        left, right = cond.children[0], cond.children[2]
        lf, rf = _field_read(left, target), _field_read(right, target)
        if lf is not None and not _uses(right, {target}):
            return [lf]
        if rf is not None and not _uses(left, {target}) and op_text not in ("in", "not in"):
            return [rf]
    return None


def _field_read(node, target: str) -> str | None:
    """``field`` for ``target.field``."""
    if node.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(node)
    if (
        len(ps) == 2
        and ps[0].type == "name"
        and ps[0].value == target
        and sx.is_attr_trailer(ps[1])
    ):
        return ps[1].children[1].value
    return None


def _python_filters(ctx: Context):
    """(target, iterable, conditions, node, end node, kind) for Python-side filters."""
    for node in ctx.nodes("sync_comp_for"):
        target = node.children[1]
        if target.type != "name" or len(node.children) != 5:
            continue  # no condition, several conditions, or a nested for clause
        comp_if = node.children[4]
        if comp_if.type != "comp_if" or len(comp_if.children) != 2:
            continue  # a second `if` or `for` clause follows
        fields = _field_conditions(comp_if.children[1], target.value)
        if fields:
            yield target.value, node.children[3], fields, node, node, "comprehension"
    for node in ctx.nodes("for_stmt"):
        target = node.children[1]
        if target.type != "name" or len(node.children) != 6:
            continue  # for ... else
        suite = node.children[5]
        stmts = (
            [c for c in suite.children if c.type not in ("newline", "endmarker")]
            if suite.type == "suite"
            else []
        )
        if len(stmts) != 1 or stmts[0].type != "if_stmt" or len(stmts[0].children) != 4:
            continue  # not a lone `if` (no elif / else)
        fields = _field_conditions(stmts[0].children[1], target.value)
        if fields:
            yield target.value, node.children[3], fields, node.children[0], node.children[4], "loop"
    for n, call in ctx.calls_to("filter"):
        if call.callee != "filter" or call.index != 1:
            continue
        args = call.args
        if len(args) != 2 or args[0].kind != "pos" or args[1].kind != "pos":
            continue
        lam = args[0].value
        if lam.type != "lambdef" or len(lam.children) != 4:
            continue
        param = lam.children[1]
        if param.type == "param" and len(param.children) == 1:
            param = param.children[0]  # no default, no star
        if param.type != "name":
            continue
        target = param.value
        fields = _field_conditions(lam.children[3], target)
        if fields:
            yield target, args[1].value, fields, n, call.trailer, "filter"


@detector("ORM005", section="Query Optimization & ORM Usage")
def python_side_filtering(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    for _target, iterable, fields, node, end, kind in _python_filters(ctx):
        if any(
            t.type == "trailer" and t.children[0].value == "["
            for t in getattr(iterable, "children", ())
        ):
            continue  # a slice: only some rows are loaded
        qs = resolve_queryset(ctx, iterable)
        if qs is None or not qs.yields_instances():
            continue
        if any(m not in QUERYSET_METHODS for m in qs.names()):
            continue  # a custom method or annotate(): the fields may be computed
        site = ctx.site(node, end)
        facts, model, model_pos = ctx.facts, qs.model, qs.model_pos
        qs_text = _one_line(sx.code(iterable))
        if len(qs_text) > 50:
            qs_text = qs_text[:47] + "..."
        shown = ", ".join(f"`{f.lstrip('?')}`" for f in dict.fromkeys(fields))

        def judge(
            index,
            site=site,
            facts=facts,
            model=model,
            model_pos=model_pos,
            fields=fields,
            qs_text=qs_text,
            shown=shown,
            kind=kind,
        ):
            ref = index.find_model(facts, model, model_pos)
            if ref is None:
                return
            for f in fields:
                mf = index.model_field(ref, f.lstrip("?"))
                if mf is None or mf.to_many:
                    return  # a property, a method or an annotation: the database cannot filter on it
                if f.startswith("?") and mf.field.kind not in ("BooleanField", "NullBooleanField"):
                    return  # `if x.file:` tests emptiness, which has no one-lookup equivalent
            what = {
                "comprehension": "This comprehension",
                "loop": "This loop",
                "filter": "filter()",
            }[kind]
            yield make_finding(
                "ORM005",
                site,
                f"{what} loads every row of `{qs_text}` and tests {shown} in Python; "
                f"let the database filter with `.filter(...)` / `.exclude(...)`",
            )

        yield ctx.defer(("models",), judge)


QUERYSET_METHODS = (
    CHAINABLE
    - {
        "annotate",
        "alias",
        "select_for_update",
        "none",
        "union",
        "intersection",
        "difference",
        "extra",
    }
) | {"iterator"}


__all__ = [
    "n_plus_one",
    "count_for_existence",
    "query_in_loop",
    "save_in_loop",
    "python_side_filtering",
    "queryset_chain",
]


# -- N+1 through a DRF serializer ------------------------------------------------
RELATED_READERS = {"StringRelatedField", "SlugRelatedField"}
FIELD_CALL = re.compile(r"\s*([\w.]+)\((.*)", re.S)
SOURCE_KW = re.compile(r"""\bsource\s*=\s*['"]([\w.]+)['"]""")


def _view_queryset(ctx: Context, classdef):
    """The queryset a DRF view lists: its ``queryset`` attribute, or what its
    ``get_queryset`` returns (followed through assignments in the method)."""
    suite = classdef.children[-1]
    for stmt in getattr(suite, "children", ()):
        target = stmt.children[-1] if stmt.type == "decorated" else stmt
        if target.type == "funcdef" and target.children[1].value == "get_queryset":
            for ret in (n for n in sx.walk(target) if n.type == "return_stmt"):
                if len(ret.children) > 1:
                    qs = resolve_queryset(ctx, ret.children[1])
                    if qs is not None:
                        return qs
            return None
    for stmt in getattr(suite, "children", ()):
        if stmt.type == "simple_stmt" and stmt.children[0].type == "expr_stmt":
            expr = stmt.children[0]
            if expr.children[0].type == "name" and expr.children[0].value == "queryset":
                return queryset_chain(expr.children[-1])
    return None


def serializer_relations(index, serializer) -> list[tuple[str, str]]:
    """(relation name, the serializer field that reads it) for the fields of a
    serializer that read a related object of every row."""
    found: list[tuple[str, str]] = []
    for ref in (serializer, *index.ancestors(serializer)[1]):
        for name, code in ref.cls.attrs:
            m = FIELD_CALL.match(code)
            if m is None:
                continue
            kind = m.group(1).rsplit(".", 1)[-1]
            source = SOURCE_KW.search(m.group(2))
            path = source.group(1) if source else name
            if kind in RELATED_READERS or (
                kind.endswith("Serializer") and kind != "SerializerMethodField"
            ):
                found.append((path.split(".")[0], name))
            elif source and "." in path:
                found.append((path.split(".")[0], name))
    return found


@detector("ORM006", section="Query Optimization & ORM Usage")
def n_plus_one_through_serializer(ctx: Context):
    from ..facts.index import DRF_LIST_NAMES, ClassRef

    if ctx.facts.is_test or not any(
        m.startswith("rest_framework") for m in ctx.facts.imported_modules
    ):
        return
    by_pos = {c.children[1].start_pos: c for c in ctx.nodes("classdef")}
    for cls in ctx.facts.classes if by_pos else ():
        node = by_pos.get(cls.start)
        serializer_name = cls.attr("serializer_class")
        if node is None or not serializer_name or "get_serializer_class" in cls.methods:
            continue
        if not re.fullmatch(r"[\w.]+", serializer_name):
            continue
        qs = _view_queryset(ctx, node)
        if qs is None or not qs.yields_instances():
            continue
        selected, select_all = qs.string_args("select_related")
        prefetched, _ = qs.string_args("prefetch_related")
        if "*" in selected + prefetched:
            continue
        covered = {s.split("__")[0] for s in selected + prefetched}
        site = ctx.site(qs.root)
        facts, insert_at, path = ctx.facts, qs.insert_at, ctx.path

        def judge(
            index,
            cls=cls,
            serializer_name=serializer_name,
            covered=covered,
            select_all=select_all,
            site=site,
            facts=facts,
            insert_at=insert_at,
            path=path,
        ):
            view = ClassRef(facts, cls)
            if not index.is_drf_view(view, DRF_LIST_NAMES):
                return  # one object per response: no N+1
            if any(
                {"get_queryset", "get_serializer_class"} & set(p.cls.methods)
                for p in index.ancestors(view)[1]
            ):
                return  # a project base class shapes the queryset (netbox prefetches there)
            serializer = index.resolve_class(facts, serializer_name)
            if not isinstance(serializer, ClassRef):
                return
            if not any(
                b.startswith("rest_framework.serializers") for b in index.ancestors(serializer)[0]
            ):
                return
            model_name = serializer.cls.meta_attr("model")
            model = index.find_model(serializer.facts, model_name) if model_name else None
            if model is None:
                return
            to_one, to_many, readers = [], [], []
            for rel, field_name in serializer_relations(index, serializer):
                if rel in covered or rel in to_one or rel in to_many:
                    continue
                mf = index.model_field(model, rel)
                if mf is None or not mf.is_relation:
                    continue
                if mf.to_many:
                    to_many.append(rel)
                elif not select_all:
                    to_one.append(rel)
                else:
                    continue
                readers.append(f"{serializer.cls.name}.{field_name}")
            if not to_one and not to_many:
                return
            calls = ""
            if to_one:
                calls += ".select_related(" + ", ".join(f'"{r}"' for r in to_one) + ")"
            if to_many:
                calls += ".prefetch_related(" + ", ".join(f'"{r}"' for r in to_many) + ")"
            rels = ", ".join(f"`{r}`" for r in to_one + to_many)
            yield make_finding(
                "ORM006",
                site,
                f"`{serializer.cls.name}` reads {rels} of every `{model.cls.name}` this list returns, "
                f"one query per row; load it with `{calls}`",
                fix=Fix(f"Add {calls} to the queryset", (Edit(path, insert_at, insert_at, calls),)),
                related=(
                    Related(
                        serializer.facts.path,
                        serializer.cls.start,
                        serializer.cls.end,
                        f"{', '.join(readers)} read the relation for each row",
                    ),
                ),
            )

        yield ctx.defer(("models",), judge)
