"""Input Validation & Sanitization: SQL assembled from strings."""

from __future__ import annotations

import re

from ..model import Fix
from ..source import syntax as sx
from ._helpers import last_assignment
from .base import Context, detector

SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER)\b", re.I)
SQL_INSIDE = re.compile(r"\s(FROM|WHERE|SET)\s", re.I)
SQL_METHODS = ("execute", "executemany", "raw")
SQL_FUNCTIONS = {
    "django.db.models.expressions.RawSQL",
    "django.db.models.RawSQL",
    "sqlalchemy.text",
    "sqlalchemy.sql.text",
    "sqlalchemy.sql.expression.text",
}


def looks_like_sql(text: str) -> bool:
    return bool(SQL_START.match(text) or SQL_INSIDE.search(text))


def _is_string(n) -> bool:
    return n.type in ("string", "strings", "fstring")


def formatted_sql(node) -> bool:
    """True when ``node`` builds SQL text with formatting or concatenation."""
    t = node.type
    if t == "fstring" or (t == "strings" and any(c.type == "fstring" for c in node.children)):
        has_expr = any(n.type == "fstring_expr" for n in sx.walk(node))
        return has_expr and looks_like_sql(sx.literal_text(node))
    if (
        t == "term"
        and len(node.children) == 3
        and node.children[1].value == "%"
        and _is_string(node.children[0])
    ):
        return looks_like_sql(sx.literal_text(node.children[0]))
    if t in ("atom_expr", "power"):
        ps = sx.parts(node)
        if (
            len(ps) >= 3
            and _is_string(ps[0])
            and sx.is_attr_trailer(ps[1])
            and ps[1].children[1].value == "format"
        ):
            return looks_like_sql(sx.literal_text(ps[0]))
    if t == "arith_expr":
        operands = node.children[::2]
        ops = {c.value for c in node.children[1::2]}
        if (
            ops == {"+"}
            and any(_is_string(o) for o in operands)
            and any(not _is_string(o) for o in operands)
        ):
            return looks_like_sql("".join(sx.literal_text(o) for o in operands if _is_string(o)))
    return False


def _sql_arguments(ctx: Context):
    methods = {*SQL_METHODS, "extra", *(q.rsplit(".", 1)[-1] for q in SQL_FUNCTIONS)}
    methods |= {local for local, q in ctx.facts.imports.items() if q in SQL_FUNCTIONS}
    for _node, call in ctx.calls_to(*methods):
        args = call.args
        if call.method in SQL_METHODS or (
            call.callee and (ctx.qualify(call.callee) or "") in SQL_FUNCTIONS
        ):
            if args and args[0].kind == "pos":
                with_params = (
                    len(args) > 1 and args[1].kind == "pos" or bool(sx.kwarg(args, "params"))
                )
                yield args[0].value, with_params
        elif call.method == "extra":
            where = sx.kwarg(args, "where")
            if where is not None:
                for n in sx.walk(where.value):
                    if (
                        n.parent is not None
                        and n.parent.type in ("testlist_comp", "atom")
                        and n.type not in ("operator",)
                    ):
                        yield n, False


QUOTED_PLACEHOLDER = re.compile(r"""['"](\{[^{}]*\}|%s|%\([a-z_]+\)s)['"]""")


VALUE_POSITION = re.compile(r"(=|<|>|\bLIKE|\bIN\s*\(|\bLIMIT|\bOFFSET|,)\s*['\"(]?\s*$", re.I)


def _puts_a_value(ctx: Context, built) -> bool:
    """Whether a formatted string puts a *value* into the SQL text: a placeholder
    between quotes (``'{name}'``, ``'%s'``), or right after a comparison, ``IN (``,
    ``LIMIT``; here or in a string interpolated into it. A placeholder elsewhere
    (``FROM ({subquery})``, ``SELECT {columns}``) composes SQL fragments."""
    if QUOTED_PLACEHOLDER.search(sx.code(built)):
        return True
    for n in sx.walk(built):
        if n.type != "fstring_expr":
            continue
        before = n.get_previous_sibling()
        if (
            before is not None
            and before.type == "fstring_string"
            and VALUE_POSITION.search(before.value)
        ):
            return True
        if n.children[1].type == "name":
            assigned = last_assignment(ctx, n.children[1].value, n)
            if assigned is not None and QUOTED_PLACEHOLDER.search(sx.code(assigned)):
                return True
    return False


@detector("VAL001", section="Input Validation & Sanitization")
def sql_string_formatting(ctx: Context):
    for arg, with_params in _sql_arguments(ctx):
        built = arg
        if arg.type == "name":
            assigned = last_assignment(ctx, arg.value, arg)
            if assigned is None:
                continue
            built = assigned
        if not formatted_sql(built):
            continue
        if with_params and built.type in ("fstring", "strings") and not _puts_a_value(ctx, built):
            # values go as parameters; the f-string composes SQL fragments (a
            # compiled subquery, a column list), the way ORMs build SQL themselves
            continue
        yield ctx.finding(
            "VAL001",
            arg,
            "SQL built by string formatting: a value containing a quote changes the query (SQL "
            "injection); pass values as parameters instead",
            fix=_parameterise(ctx, arg) if not with_params else None,
        )


MARK = "\ue000"  # stands for a placeholder while the text is rebuilt


def _parameterise(ctx: Context, arg) -> Fix | None:
    """``cursor.execute(f"... WHERE a = '{x}'")`` -> ``cursor.execute("... WHERE a = %s", [x])``
    for a Django cursor or ``Model.objects.raw`` (both take ``%s`` placeholders), when
    the f-string is the only argument and every placeholder is a plain expression."""
    if arg.type != "fstring":
        return None
    trailer = arg.parent if arg.parent.type == "trailer" else None
    if trailer is None or not sx.is_call_trailer(trailer):
        return None
    prev = trailer.get_previous_sibling()
    method = prev.children[1].value if prev is not None and sx.is_attr_trailer(prev) else None
    django_cursor = any(
        ctx.facts.imports.get(n, "").startswith("django.db") for n in ("connection", "connections")
    )
    if not (method == "raw" or (method in ("execute", "executemany") and django_cursor)):
        return None
    start = arg.children[0].value
    if "r" in start.lower():
        return None  # raw strings: escaping rules differ
    quote = start.lstrip("fF")
    parts: list[str] = []
    values: list[str] = []
    for child in arg.children[1:-1]:
        if child.type == "fstring_string":
            parts.append(child.value.replace("%", "%%"))
        elif child.type == "fstring_expr":
            inner = child.children[1:-1]
            if len(inner) != 1:
                return None  # a conversion (!r) or a format spec (:>10)
            values.append(sx.code(inner[0]))
            parts.append(MARK)
        else:
            return None
    text = "".join(parts)
    # '{x}' was quoted by hand: the parameter brings its own quoting
    text = text.replace(f"'{MARK}'", MARK).replace(f'"{MARK}"', MARK)
    if "{" in text or "}" in text:
        return None
    for i, ch in enumerate(text):
        if ch == MARK and (text.count("'", 0, i) % 2 or text.count('"', 0, i) % 2):
            return None  # a value inside a longer quoted literal ('%{x}%'): not a plain parameter
    text = text.replace(MARK, "%s")
    new = f"{quote}{text}{quote}, [{', '.join(values)}]"
    return Fix("Pass the values as query parameters", (ctx.edit(arg.start_pos, arg.end_pos, new),))
