"""Input Validation & Sanitization: SQL assembled from strings."""

from __future__ import annotations

import re

from ...facts.taint.params import safe_fields, typed_clean
from ...model import Deferred, Fix
from ...source import syntax as sx
from .._helpers import last_assignment
from ..base import Context, detector, make_finding
from .flows import judge_sink, tainted_sinks

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
    formatted = sx.formatted_string(node)
    if formatted is not None:
        return looks_like_sql(sx.literal_text(formatted[0]))
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
    """SQL text formatted from values. Inside a function every value is followed
    (facts/taint/): client data that reaches the SQL is a finding naming its
    source; a parameter whose callers the project does not show (an entry point
    the tool does not know, a method called on an object) is judged by the shape
    of the SQL text; values the code computed itself (constants, settings,
    sanitised input, database values) and parameters its callers fill with those
    are quiet. At module level the shape decides."""
    if ctx.facts.is_test:
        return
    tainted = list(tainted_sinks(ctx, ("VAL001",)))
    groups: dict[int, list] = {}  # sink -> the SQL texts in its argument
    for arg, with_params in _sql_arguments(ctx):
        # the sink whose argument holds this SQL text (`extra(where=[...])`: the list)
        k = next(
            (k for k, (_, s) in enumerate(tainted) if s.at[0] <= arg.start_pos < s.at[1]),
            None,
        )
        if k is not None:
            groups.setdefault(k, []).append((arg, with_params))
        elif ctx.enclosing(arg, ("funcdef",)) is None:
            yield from _shape(ctx, arg, with_params)
    for k, hit in enumerate(tainted):
        if k not in groups:  # an SQL call the shape rule does not read
            yield from judge_sink(ctx, *hit, "VAL001")
            continue
        shapes = [(a, w, list(_shape(ctx, a, w))) for a, w in groups[k]]
        shape = [x for _, _, found in shapes for x in found]
        # reported on the SQL text that is formatted (one string of a where list)
        arg, with_params = next(((a, w) for a, w, f in shapes if f), groups[k][0])
        flow, sink = hit
        fix = _parameterise(ctx, arg) if not with_params else None
        params = sorted({a[1] for a in sink.atoms if a[0] == "p"})
        path = ctx.path

        def otherwise(index, shape=shape, flow=flow, params=params, path=path):
            # no client data found: the shape decides when a parameter's callers
            # are not in sight
            facts = index.files.get(path)
            if not params or facts is None or index.taint().has_callers(facts, flow):
                return
            for item in shape:
                if isinstance(item, Deferred):
                    yield from item.judge(index)
                else:
                    yield item

        reads = ("calls",) if any(isinstance(x, Deferred) for x in shape) else ()
        at = (arg.start_pos, arg.end_pos) if len(groups[k]) > 1 else None
        yield from judge_sink(ctx, flow, sink, "VAL001", fix, otherwise, reads, at)


def _shape(ctx: Context, arg, with_params: bool):
    """VAL001 by the shape of the SQL text: formatted from values not proven safe."""
    built = sx.unparen(arg)
    if built.type == "name":
        assigned = last_assignment(ctx, built.value, arg)
        if assigned is None:
            return
        built = sx.unparen(assigned)
    if not formatted_sql(built):
        return
    if with_params and built.type in ("fstring", "strings") and not _puts_a_value(ctx, built):
        # values go as parameters; the f-string composes SQL fragments (a
        # compiled subquery, a column list), the way ORMs build SQL themselves
        return
    values = _formatted_values(built)
    if values is not None:
        # a name checked for both quote characters around this code, and only
        # ever put between quotes, cannot end its literal
        values = [v for v in values if not _quote_guarded(arg, built, v)]
    fields: list[tuple[str, str]] = []
    pending = _parameters_left(ctx, values, fields) if values is not None else None
    if pending == [] and not fields:
        return  # `LIMIT {len(ids)}`, `generate_series(1, {count})`: no quote can get in
    site = ctx.site(arg)
    fix = _parameterise(ctx, arg) if not with_params else None
    if pending is None:
        yield make_finding("VAL001", site, VAL001_MESSAGE, fix=fix)
        return
    path = ctx.path

    def judge(index, site=site, fix=fix, pending=pending, fields=fields, path=path):
        # a parameter formatted into SQL that every caller in the project gives an int,
        # a field of a body model declared with a type no quote can be in
        facts = index.files.get(path) if fields else None
        if all(index.always_given_an_integer(fn, slots) for fn, slots in pending) and all(
            facts is not None and index.taint().typed_clean(facts, ann, field)
            for ann, field in fields
        ):
            return
        yield make_finding("VAL001", site, VAL001_MESSAGE, fix=fix)

    yield ctx.defer(("calls", "models") if fields else ("calls",), judge)


VAL001_MESSAGE = (
    "SQL built by string formatting: a value containing a quote changes the query (SQL "
    "injection); pass values as parameters instead"
)


def _parameters_left(
    ctx: Context, values: list, fields: list[tuple[str, str]]
) -> list[tuple[str, tuple[str, ...]]] | None:
    """The values not proven integers here, when each is a parameter of its function
    that the callers decide: (function name, the argument slots that give it), or
    a field of a parameter typed with a class the project index knows (added to
    ``fields``: (the class as written, the field)). None when some value is none
    of those."""
    pending = []
    for v in values:
        if _is_int(ctx, v, set()) or _not_data(ctx, v, 0) or _typed_safe(ctx, v):
            continue
        field = _typed_field(ctx, v)
        if field is not None:
            fields.append(field)
            continue
        slot = _parameter_slot(ctx, v)
        if slot is None:
            return None
        pending.append(slot)
    return pending


UPPER = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
CLASS_ANNOTATION = re.compile(r"^([a-z_]\w*\.)*[A-Z]\w*$")  # `ItemIn`, `schemas.ItemIn`
CLASS = re.compile(r"^_?[A-Z][A-Za-z0-9]*$")
QUOTING = ("quote_name", "db_table", "table_name", "__tablename__")


def _not_data(ctx: Context, node, depth: int) -> bool:
    """Whether a value formatted into SQL is the code's own, not data: a literal, a
    module constant (``TABLE``), a setting (``settings.X``), an enum member
    (``Status.OPEN.value``), a model's table name (``Model._meta.db_table``), an
    identifier quoted by the database backend (``quote_name(...)``), or a name bound
    to one of those in its function."""
    t = node.type
    if t in ("string", "number") or (
        t in ("strings", "fstring") and not any(n.type == "fstring_expr" for n in sx.walk(node))
    ):
        return True
    if t == "name":
        if UPPER.match(node.value):
            return True
        if depth < 3:
            assigned = last_assignment(ctx, node.value, node)
            if assigned is not None:
                return _not_data(ctx, assigned, depth + 1)
        return False
    text = sx.code(node).strip()
    if any(q in text for q in QUOTING) or "._meta." in text:
        return True
    dotted = sx.dotted(node)
    if dotted is None:
        return False
    parts = dotted.split(".")
    if parts[0] == "settings" or (ctx.qualify(parts[0]) or "").endswith(".settings"):
        return True
    if parts[-1] in ("value", "name", "label"):
        parts = parts[:-1]
    return (
        len(parts) >= 2
        and CLASS.match(parts[-2]) is not None
        and UPPER.match(parts[-1]) is not None
    )


def _typed_field(ctx: Context, node) -> tuple[str, str] | None:
    """(class annotation, field) for ``item.price`` where ``item`` is a parameter
    typed with a class (``item: ItemIn``, ``p: schemas.Payload``) that nothing in
    its function rebinds: the class, maybe in another module, says the type."""
    if node.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(node)
    if len(ps) != 2 or ps[0].type != "name" or not sx.is_attr_trailer(ps[1]):
        return None
    scope = ctx.scope(ps[0])
    if scope.type != "funcdef":
        return None
    bindings = _bindings(ctx, ps[0].value, scope)
    if not bindings or len(bindings) != 1 or bindings[0].parent.type != "tfpdef":
        return None
    annotation = sx.code(bindings[0].parent.children[2]).strip()
    if not CLASS_ANNOTATION.match(annotation):
        return None
    return annotation, ps[1].children[1].value


def _typed_safe(ctx: Context, node) -> bool:
    """Whether ``node`` is a parameter typed with a type no quote can be in (``UUID``,
    ``date``, ``Decimal``, an enumeration; a route's values are validated into it),
    or a field of such a type of its model (``item.price`` of ``item: Item``, the
    model ``price: float`` in this module)."""
    attr = None
    if node.type in ("atom_expr", "power"):
        ps = sx.parts(node)
        if len(ps) != 2 or ps[0].type != "name" or not sx.is_attr_trailer(ps[1]):
            return False
        node, attr = ps[0], ps[1].children[1].value
    if node.type != "name":
        return False
    scope = ctx.scope(node)
    if scope.type != "funcdef":
        return False
    bindings = _bindings(ctx, node.value, scope)
    if not bindings or len(bindings) != 1 or bindings[0].parent.type != "tfpdef":
        return False  # not a parameter with an annotation, or rebound in the function
    annotation = sx.code(bindings[0].parent.children[2]).strip()
    if attr is None:
        return typed_clean(scope, annotation)
    return attr in safe_fields(scope).get(node.value, ())


def _parameter_slot(ctx: Context, leaf) -> tuple[str, tuple[str, ...]] | None:
    """(function, ("#k", "kw:name")) when ``leaf`` names a parameter of its function
    that nothing else in the function rebinds; the position counts from the first
    argument a caller writes (after ``self``/``cls`` of a method)."""
    if leaf.type != "name":
        return None
    scope = ctx.scope(leaf)
    if scope.type != "funcdef":
        return None
    bindings = _bindings(ctx, leaf.value, scope)
    if not bindings or len(bindings) != 1:
        return None
    param = bindings[0].parent
    if param.type == "tfpdef":
        param = param.parent
    if param.type != "param" or param.star_count or param.default is not None:
        return None
    params = scope.get_params()
    k = params.index(param)
    decorators = {(sx.decorator_name(d) or "") for d in sx.function_decorators(scope)}
    if ctx.scope(scope).type == "classdef" and "staticmethod" not in decorators:
        k -= 1  # self / cls
    if k < 0:
        return None
    return scope.children[1].value, (f"#{k}", f"kw:{leaf.value}")


# ---------------------------------------------------------------------------
# integers: a value that is provably an int cannot carry a quote into the SQL text

INT_BUILTINS = ("len", "int")
INT_CONVERSIONS = set("diuxXo")  # "%d" % x raises unless x is a number
CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?([a-zA-Z%])")
ARITHMETIC = {"+", "-", "*", "//", "%", "**"}
AUGMENTED = {"+=", "-=", "*=", "//=", "%=", "**="}


def _quote_guarded(arg, built, value) -> bool:
    """``value`` is a name that an enclosing ``if`` proves free of both quote
    characters (``if '"' not in t and "'" not in t:``), and every place the SQL
    text formats it sits between quotes (``'{t}'``, ``"{t}"``): it cannot end the
    literal it is in, so it cannot change the statement."""
    if value.type != "name":
        return False
    name = re.escape(value.value)
    text = sx.code(built)
    slots = list(re.finditer(r"\{" + name + r"\}", text))
    if not slots or not all(
        text[m.start() - 1 : m.start()] in ("'", '"')
        and text[m.end() : m.end() + 1] in ("'", '"', "\\")
        for m in slots
    ):
        return False
    double = re.compile(r"""(['"])(\\"|")\1\s+not\s+in\s+""" + name + r"\b")
    single = re.compile(r"""(\"'\"|'\\'')\s+not\s+in\s+""" + name + r"\b")
    node = arg
    while node is not None and node.type not in ("funcdef", "file_input"):
        parent = node.parent
        if parent is not None and parent.type == "if_stmt" and node is parent.children[3]:
            test = sx.code(parent.children[1])
            if double.search(test) and single.search(test) and " or " not in test:
                return True
        node = parent
    return False


def _formatted_values(built) -> list | None:
    """The expressions ``built`` formats into its SQL text, or None when it cannot tell
    (``% mapping``, ``*args``). An expression formatted with an integer conversion
    (``{n:d}``, ``"%d" % n``) is left out: Python refuses to format anything else."""
    t = built.type
    if t == "fstring" or (t == "strings" and any(c.type == "fstring" for c in built.children)):
        out = []
        for n in sx.walk(built):
            if n.type != "fstring_expr":
                continue
            spec = next((c for c in n.children if c.type == "fstring_format_spec"), None)
            if (
                spec is not None
                and sx.code(spec).rstrip().endswith("d")
                and "{" not in sx.code(spec)
            ):
                continue
            out.append(n.children[1])
        return out
    if t == "term":
        conversions = set(CONVERSION.findall(sx.literal_text(sx.unparen(built.children[0])))) - {
            "%"
        }
        if conversions and conversions <= INT_CONVERSIONS:
            return []
        right = built.children[2]
        if right.type == "atom" and right.children[0].value == "(":
            inner = right.children[1] if len(right.children) == 3 else None
            if inner is None:
                return []
            if inner.type == "testlist_comp":
                return [c for c in inner.children[::2]]
            return [inner]
        if right.type == "atom" and right.children[0].value in ("{", "["):
            return None
        return [right]
    if t in ("atom_expr", "power"):
        trailer = sx.parts(built)[2]
        if not sx.is_call_trailer(trailer):
            return None
        args = sx.call_args(trailer)
        if any(a.kind not in ("pos", "kw") for a in args):
            return None
        return [a.value for a in args]
    if t == "arith_expr":
        out = []
        for o in built.children[::2]:
            if _is_string(o):
                continue
            ps = sx.parts(o) if o.type in ("atom_expr", "power") else []
            if (
                len(ps) == 2
                and ps[0].type == "name"
                and ps[0].value == "str"
                and sx.is_call_trailer(ps[1])
            ):
                args = sx.call_args(ps[1])
                if len(args) != 1 or args[0].kind != "pos":
                    return None
                o = args[0].value
            out.append(o)
        return out
    return None


def _is_int(ctx: Context, node, seen: set) -> bool:
    """Whether ``node`` is provably an int (or a number): a literal, ``len()``, ``int()``,
    arithmetic of those, or a name bound only to such values in its function."""
    t = node.type
    if t == "number":
        return True
    if t == "atom" and len(node.children) == 3 and node.children[0].value == "(":
        return _is_int(ctx, node.children[1], seen)
    if t == "factor":
        return _is_int(ctx, node.children[1], seen)
    if t in ("arith_expr", "term") or (t == "power" and node.children[1].type == "operator"):
        if any(op.value not in ARITHMETIC for op in node.children[1::2]):
            return False
        return all(_is_int(ctx, o, seen) for o in node.children[::2])
    if t in ("atom_expr", "power"):
        ps = sx.parts(node)
        return (
            len(ps) == 2
            and ps[0].type == "name"
            and ps[0].value in INT_BUILTINS
            and not _shadowed(ctx, ps[0].value, ctx.scope(node))
            and sx.is_call_trailer(ps[1])
        )
    if t == "name":
        return _name_is_int(ctx, node, seen)
    return False


def _name_is_int(ctx: Context, leaf, seen: set) -> bool:
    scope = ctx.scope(leaf)
    key = (id(scope), leaf.value)
    if key in seen:
        return True  # `n = n + 1`: int when every other binding is
    seen.add(key)
    bindings = _bindings(ctx, leaf.value, scope)
    if bindings is None:
        return False
    if not bindings and scope.type == "funcdef":
        scope = ctx.scope(scope)  # a module constant read in a function
        if scope.type != "file_input":
            return False
        bindings = _bindings(ctx, leaf.value, scope)
    if not bindings:
        return False
    return all(_binding_is_int(ctx, b, seen) for b in bindings)


def _bindings(ctx: Context, name: str, scope) -> list | None:
    """Every leaf that binds ``name`` in ``scope``; None when a ``global`` or
    ``nonlocal`` statement hands it to another scope."""
    out = []
    for n in _scope_names(ctx, scope).get(name, ()):
        p = n.parent
        if p.type in ("global_stmt", "nonlocal_stmt"):
            if ctx.scope(n) is scope:
                return None
            continue
        if not n.is_definition(include_setitem=False):
            continue
        owner = ctx.scope(p) if p.type in ("funcdef", "classdef") and p.children[1] is n else None
        if (owner or ctx.scope(n)) is scope:
            out.append(n)
    return out


def _binding_is_int(ctx: Context, leaf, seen: set) -> bool:
    p = leaf.parent
    if p.type == "tfpdef":  # n: int
        return _int_annotation(p.children[2])
    if p.type == "expr_stmt":
        ch = p.children
        if len(ch) >= 3 and all(c.type == "operator" and c.value == "=" for c in ch[1:-1:2]):
            return any(c is leaf for c in ch[:-1:2]) and _is_int(ctx, ch[-1], seen)
        if len(ch) == 3 and ch[0] is leaf and ch[1].type == "operator" and ch[1].value in AUGMENTED:
            return _is_int(ctx, ch[2], seen)
        if len(ch) == 2 and ch[0] is leaf and ch[1].type == "annassign":
            ann = ch[1].children
            return len(ann) == 4 and (_int_annotation(ann[1]) or _is_int(ctx, ann[3], seen))
        return False
    if p.type in ("for_stmt", "sync_comp_for") and p.children[1] is leaf:
        return _builtin_call(ctx, p.children[3], "range")  # for i in range(n)
    if (
        p.type in ("exprlist", "testlist_star_expr")
        and p.children[0] is leaf
        and p.parent.type in ("for_stmt", "sync_comp_for")
        and p.parent.children[1] is p
    ):
        return _builtin_call(ctx, p.parent.children[3], "enumerate")  # for i, x in enumerate()
    return False


def _builtin_call(ctx: Context, node, name: str) -> bool:
    if node.type not in ("atom_expr", "power"):
        return False
    ps = sx.parts(node)
    return (
        len(ps) == 2
        and ps[0].type == "name"
        and ps[0].value == name
        and not _shadowed(ctx, name, ctx.scope(node))
        and sx.is_call_trailer(ps[1])
    )


def _shadowed(ctx: Context, builtin: str, scope) -> bool:
    """Whether the code binds the builtin's name itself where ``scope`` looks it
    up: an import anywhere in the file, or a def, assignment, parameter... in the
    module or in the scope itself."""
    if builtin in ctx.facts.imports:
        return True
    for where in {id(ctx.module): ctx.module, id(scope): scope}.values():
        if any(n.is_definition() for n in _scope_names(ctx, where).get(builtin, ())):
            return True
    return False


NESTED_SCOPES = ("funcdef", "classdef", "lambdef")


def _scope_names(ctx: Context, scope) -> dict[str, list]:
    """The name leaves of ``scope`` by value, nested functions and classes left out
    except for their own names (what they bind in ``scope``): a walk of the scope,
    not of the file (parso's ``get_used_names`` walks the whole module on every
    edit)."""
    key = ("scope_names", id(scope))
    found = ctx.memo.get(key)
    if found is not None:
        return found
    names: dict[str, list] = {}
    stack = list(reversed(scope.children))
    while stack:
        n = stack.pop()
        if n.type == "name":
            names.setdefault(n.value, []).append(n)
        elif n.type in NESTED_SCOPES:
            if n.type != "lambdef":
                names.setdefault(n.children[1].value, []).append(n.children[1])
        elif hasattr(n, "children"):
            stack.extend(reversed(n.children))
    ctx.memo[key] = names
    return names


def _int_annotation(node) -> bool:
    """``int``, ``int | None``, ``Optional[int]`` (None formats as ``None``: no quote)."""
    text = sx.code(node).replace(" ", "").strip("\"'")
    return text in ("int", "int|None", "None|int", "Optional[int]", "typing.Optional[int]")


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
