"""Query Optimization & ORM Usage: N+1 reads in loops, counting to test existence."""

from __future__ import annotations

from ..model import Edit, Fix, Related
from ..source import syntax as sx
from ._helpers import queryset_chain, resolve_queryset
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


def _relation_reads(target: str, body: list):
    """(attribute, node of ``x.attr``, reads ``.all()`` on it) for ``x.attr...`` in the body."""
    for root in body:
        for n in sx.walk(root):
            if n.type not in ("atom_expr", "power"):
                continue
            ps = sx.parts(n)
            if (
                len(ps) < 2
                or ps[0].type != "name"
                or ps[0].value != target
                or not sx.is_attr_trailer(ps[1])
            ):
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
            yield attr, ps[0], ps[1], via_all


@detector("ORM001", section="Query Optimization & ORM Usage")
def n_plus_one(ctx: Context):
    if ctx.facts.is_test:
        return  # a test's loop over its own fixtures is not a production query pattern
    for target, iterable, body, loop in _loops(ctx):
        qs = resolve_queryset(ctx, iterable)
        if qs is None:
            continue
        if not qs.yields_instances():
            continue
        selected, select_all = qs.string_args("select_related")
        prefetched, _ = qs.string_args("prefetch_related")
        if "*" in selected + prefetched:
            continue  # relations named at run time: cannot tell what is loaded
        covered = {s.split("__")[0] for s in selected + prefetched}
        reads: dict[str, tuple] = {}
        for attr, start, end, via_all in _relation_reads(target, body):
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


__all__ = ["n_plus_one", "count_for_existence", "queryset_chain"]
