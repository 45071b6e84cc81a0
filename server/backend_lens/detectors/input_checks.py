"""Input Validation & Sanitization: shapes of code that let a client choose what
is written (mass assignment), and forms and serializers open to every field.

These rules do not follow data between functions (the taint rules do): they
recognise request data by how it is written in the same function."""

from __future__ import annotations

import re

from ..facts.index import ClassRef
from ..source import syntax as sx
from ._helpers import last_assignment
from .base import Context, detector, make_finding

SECTION = "Input Validation & Sanitization"

# request attributes that hold the whole set of fields a client sent
REQUEST_DICTS = {"data", "POST", "GET", "json", "form", "args", "values", "query_params"}
REQUEST_BODIES = {"body", "data", "json", "get_data"}
# methods of a dict-like request container that give the same fields back
DICT_COPIES = {"dict", "copy", "to_dict"}
ROUTE_VERBS = {"get", "post", "put", "patch", "delete", "api_route", "route"}
DICT_ANNOTATIONS = re.compile(r"^(dict|Dict|typing\.Dict|Mapping|typing\.Any|Any)(\[.*\])?$", re.S)
WRITE_METHODS = {"create", "get_or_create", "update_or_create", "update", "save"}
QUERY_SEGMENTS = {"objects", "query", "filter", "filter_by", "all", "select_for_update", "where"}


def _is_request(dotted: str | None) -> bool:
    return dotted is not None and dotted.split(".")[-1] in ("request", "req")


def request_dict(ctx: Context, node, depth: int = 0) -> str | None:
    """How ``node`` holds every field of the request, as written (``request.data``,
    ``request.get_json()``, ``json.loads(request.body)``, a name assigned one of
    those in the same function, a FastAPI route parameter typed ``dict``), or None."""
    if node is None or depth > 4:
        return None
    t = node.type
    if t == "or_test":  # `request.form or request.get_json() or {}`
        for operand in node.children[::2]:
            found = request_dict(ctx, operand, depth + 1)
            if found is not None:
                return found
        return None
    if t == "name":
        assigned = last_assignment(ctx, node.value, node)
        if assigned is not None:
            return request_dict(ctx, assigned, depth + 1)
        return _dict_route_parameter(ctx, node)
    if t == "atom" and node.children[0].value == "{" and len(node.children) == 3:
        # `{**request.data, "owner": request.user}`: every key the client sent, and more
        inner = node.children[1]
        items = inner.children if inner.type == "dictorsetmaker" else [inner]
        for i, c in enumerate(items[:-1]):
            if c.type == "operator" and c.value == "**":
                found = request_dict(ctx, items[i + 1], depth + 1)
                if found is not None:
                    return found
        return None
    if t not in ("atom_expr", "power"):
        return None
    d = sx.dotted(node)
    if d is not None:
        head, _, attr = d.rpartition(".")
        return d if attr in REQUEST_DICTS and _is_request(head) else None
    ps = sx.parts(node)
    calls = ctx.calls(node)
    if not calls or calls[-1].index != len(ps) - 1:
        return None
    last = calls[-1]
    callee = last.callee
    if callee is not None:
        head, _, attr = callee.rpartition(".")
        if attr == "get_json" and _is_request(head):
            return f"{callee}()"
        if attr in DICT_COPIES and head:
            h2, _, a2 = head.rpartition(".")
            if a2 in REQUEST_DICTS and _is_request(h2):
                return f"{callee}()"
        args = last.args
        if len(args) == 1 and args[0].kind == "pos":
            q = ctx.qualify(callee) or callee
            if q in ("json.loads", "orjson.loads", "ujson.loads"):
                inner = sx.dotted(args[0].value)
                if inner is None and args[0].value.type in ("atom_expr", "power"):
                    inner_calls = ctx.calls(args[0].value)
                    if inner_calls and inner_calls[0].callee:
                        inner = inner_calls[0].callee  # request.get_data()
                if inner is not None:
                    h3, _, a3 = inner.rpartition(".")
                    if a3 in REQUEST_BODIES and _is_request(h3):
                        return f"{callee}({sx.code(args[0].value)})"
            if callee == "dict":
                return request_dict(ctx, args[0].value, depth + 1)
    return None


def _dict_route_parameter(ctx: Context, name) -> str | None:
    """``payload`` when it is a parameter, typed ``dict`` or ``Any``, of a function
    decorated as a FastAPI route (``@router.post(...)``): the body as sent."""
    scope = ctx.scope(name)
    if scope.type != "funcdef":
        return None
    for p in scope.get_params():
        if p.name.value != name.value:
            continue
        ann = p.annotation
        if ann is None or not DICT_ANNOTATIONS.match(sx.code(ann).strip()):
            return None
        for dec in sx.function_decorators(scope):
            dn = sx.decorator_name(dec) or ""
            if (
                "." in dn
                and dn.rsplit(".", 1)[-1] in ROUTE_VERBS
                and dec.children[1].type
                in (
                    "atom_expr",
                    "power",
                )
            ):
                return f"{name.value} (the request body, typed `{sx.code(ann).strip()}`)"
        return None
    return None


def _receiver_segments(call: sx.Call) -> list[str]:
    """The names of the chain before the called method (``Order.objects.filter``)."""
    out = []
    for t in sx.parts(call.node)[: call.index - 1]:
        if t.type == "name":
            out.append(t.value)
        elif sx.is_attr_trailer(t):
            out.append(t.children[1].value)
    return out


def _writes_rows(ctx: Context, call: sx.Call) -> bool:
    """``Order.objects.create``, ``qs.filter(...).update``, ``user.addresses.create``,
    ``Model.query.filter_by(...).update``: an ORM write, not ``dict.update`` or
    ``stripe.Customer.create``."""
    segs = _receiver_segments(call)
    if not segs:
        return False
    if call.method == "save":
        # `serializer.save(**request.data)`: the keywords skip the serializer's validation
        return "serializer" in segs[-1].lower()
    if QUERY_SEGMENTS & set(segs[1:]):
        return True
    if call.method == "update":
        return False  # `context.update(...)`, `self.data.update(...)`: a dict
    # a related manager of an instance: `user.addresses.create(...)`
    return (
        len(segs) == 2
        and segs[0] not in ctx.facts.imports
        and segs[0] != "self"
        and segs[1][:1].islower()
        and not segs[0][:1].isupper()
    )


MESSAGE = (
    "{what} writes every field the client sends{into}: a client can set fields it "
    "must not choose (an owner, a price, `is_staff`); pass only the fields you accept "
    "(a serializer's `validated_data`, a form's `cleaned_data`, named keys)"
)


def _message(what: str, into: str = "") -> str:
    return MESSAGE.format(what=what, into=f" into `{into}`" if into else "")


@detector("VAL010", section=SECTION)
def mass_assignment(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    # Model.objects.create(**request.data), Model(**request.json), obj.__dict__.update(...)
    for node, call in ctx.calls_to(*WRITE_METHODS):
        args = call.args
        if call.method == "update" and call.callee and call.callee.endswith("__dict__.update"):
            for a in args:
                if a.kind in ("pos", "dstar"):
                    source = request_dict(ctx, a.value)
                    if source is not None:
                        yield ctx.finding(
                            "VAL010",
                            a.node,
                            _message(
                                f"`__dict__.update({source})`",
                                call.callee[: -len(".__dict__.update")],
                            ),
                        )
            continue
        if not _writes_rows(ctx, call):
            continue
        for a in args:
            value = None
            if a.kind == "dstar":
                value = a.value
            elif a.kind == "kw" and a.name == "defaults" and call.method != "update":
                value = a.value
            elif a.kind == "pos" and call.method == "update":
                value = a.value  # SQLAlchemy Query.update({...})
            if value is None:
                continue
            source = request_dict(ctx, value)
            if source is not None:
                shown = f"`**{source}`" if a.kind == "dstar" else f"`{source}`"
                yield ctx.finding("VAL010", a.node, _message(shown, sx.code(node).split("(")[0]))
    yield from _constructors(ctx)
    yield from _setattr_loops(ctx)


def _constructors(ctx: Context):
    """``Order(**request.data)`` where ``Order`` is a Django or SQLAlchemy model
    (decided with the project's classes)."""
    for node in ctx.nodes("atom_expr", "power"):
        for call in ctx.calls(node):
            callee = call.callee
            if callee is None or not callee.split(".")[-1][:1].isupper():
                continue
            for a in call.args:
                if a.kind != "dstar":
                    continue
                source = request_dict(ctx, a.value)
                if source is None:
                    continue
                site, facts = ctx.site(a.node), ctx.facts

                def judge(index, site=site, facts=facts, callee=callee, source=source):
                    ref = index.resolve_class(facts, callee, None)
                    if ref is None or isinstance(ref, str):
                        return
                    if index.is_django_model(ref) or index.is_sqlalchemy_model(ref):
                        yield make_finding("VAL010", site, _message(f"`**{source}`", callee))

                yield ctx.defer(("models",), judge)


def _setattr_loops(ctx: Context):
    """``for k, v in request.data.items(): setattr(obj, k, v)`` with no check of ``k``."""
    for loop in ctx.nodes("for_stmt"):
        target, iterable = loop.children[1], loop.children[3]
        key = None
        if target.type in ("exprlist", "testlist_star_expr"):
            names = [c for c in target.children if c.type == "name"]
            if len(names) == 2 and iterable.type in ("atom_expr", "power"):
                ps = sx.parts(iterable)
                if (
                    len(ps) >= 3
                    and sx.is_attr_trailer(ps[-2])
                    and ps[-2].children[1].value == "items"
                    and sx.is_call_trailer(ps[-1])
                ):
                    source = _request_prefix(ctx, iterable, ps)
                    if source is None:
                        continue
                    key = names[0].value
        elif target.type == "name":
            source = request_dict(ctx, iterable)
            if source is None:
                continue
            key = target.value
        if key is None:
            continue
        body = loop.children[-1]
        for n in sx.walk(body):
            if n.type not in ("atom_expr", "power"):
                continue
            ps = sx.parts(n)
            if (
                len(ps) == 2
                and ps[0].type == "name"
                and ps[0].value == "setattr"
                and sx.is_call_trailer(ps[1])
            ):
                args = sx.call_args(ps[1])
                if (
                    len(args) == 3
                    and args[1].kind == "pos"
                    and args[1].value.type == "name"
                    and args[1].value.value == key
                    and not _guarded(n, loop, key)
                ):
                    obj = sx.code(args[0].value)
                    yield ctx.finding(
                        "VAL010",
                        n,
                        _message(f"`setattr` over `{source}`", obj),
                    )


def _request_prefix(ctx: Context, items_call, ps) -> str | None:
    """The request dict before ``.items()`` in ``request.data.items()`` (or a name)."""
    if len(ps) == 3 and ps[0].type == "name":
        return request_dict(ctx, ps[0])
    head = sx.code(items_call)
    head = head[: head.rfind(".items")]
    d = head.strip()
    h, _, attr = d.rpartition(".")
    if attr in REQUEST_DICTS and _is_request(h):
        return d
    m = re.fullmatch(r"(.+)\.get_json\(\s*\)", d)
    if m and _is_request(m.group(1)):
        return d
    return None


def _tests(test, key: str) -> bool:
    return any(x.type == "name" and x.value == key for x in sx.walk(test))


LEAVES_LOOP = {"continue", "break", "raise", "return"}


def _leaves(suite) -> bool:
    """A suite with a statement of its own that ends the iteration."""
    stmts = suite.children if suite.type == "suite" else [suite]
    for stmt in stmts:
        if stmt.type != "simple_stmt":
            continue
        for c in stmt.children:
            first = (
                c if c.type == "keyword" else (c.children[0] if c.type.endswith("_stmt") else None)
            )
            if first is not None and first.type == "keyword" and first.value in LEAVES_LOOP:
                return True
    return False


def _guarded(call, loop, key: str) -> bool:
    """Whether the loop decides which keys reach ``setattr``: the call sits under
    an ``if``/``elif`` (or ``while``) that tests ``key``, or an earlier statement of
    the loop body tests ``key`` and leaves the iteration (``if k not in EDITABLE:
    continue``, ``raise``, ``return``). A test that only converts the value
    (``if k in ("price",): value = float(value)``) is not a guard."""
    node = call
    while node is not None and node is not loop:
        parent = node.parent
        if parent is not None and parent.type in ("if_stmt", "while_stmt"):
            ch = parent.children
            for i, c in enumerate(ch):
                if c is node and i >= 3 and ch[i - 1].type == "operator" and ch[i - 1].value == ":":
                    test = ch[i - 2]
                    if ch[i - 3].type == "keyword" and ch[i - 3].value in ("if", "elif", "while"):
                        if _tests(test, key):
                            return True
                    elif _tests(ch[1], key):  # the else branch of a test of the key
                        return True
        node = parent
    body = loop.children[-1]
    for n in sx.walk(body):
        if n.start_pos >= call.start_pos:
            break
        if n.type == "if_stmt":
            ch = n.children
            for i, c in enumerate(ch):
                if (
                    c.type == "keyword"
                    and c.value in ("if", "elif")
                    and _tests(ch[i + 1], key)
                    and _leaves(ch[i + 3])
                ):
                    return True
        if n.type == "assert_stmt" and _tests(n, key):
            return True
    return False


# ------------------------------------------------------------------- VAL011

WRITABLE_BASES = {
    "rest_framework.serializers.ModelSerializer",
    "rest_framework.serializers.HyperlinkedModelSerializer",
    "rest_framework_gis.serializers.GeoFeatureModelSerializer",
    "django.forms.ModelForm",
    "django.forms.models.ModelForm",
    "django.contrib.gis.forms.ModelForm",
}
# words of a class name that say it only reads, or serves Django's admin
OUTPUT_WORDS = {"Read", "Readonly", "ReadOnly", "Output", "Response", "Export", "Admin"}
CAMEL_WORD = re.compile(r"[A-Z][a-z0-9]*|[a-z0-9]+")


def _meta_assignments(meta) -> dict[str, object]:
    """``NAME = value`` statements of a ``class Meta`` body: name -> the statement."""
    out: dict[str, object] = {}
    body = meta.children[-1]
    stmts = body.children if body.type == "suite" else [body]
    for stmt in stmts:
        if stmt.type != "simple_stmt":
            continue
        for c in stmt.children:
            if (
                c.type == "expr_stmt"
                and len(c.children) == 3
                and c.children[0].type == "name"
                and c.children[1].type == "operator"
                and c.children[1].value == "="
            ):
                out[c.children[0].value] = c
    return out


def _nested_meta(classdef):
    body = classdef.children[-1]
    if body.type != "suite":
        return None
    for c in body.children:
        if c.type == "classdef" and c.children[1].value == "Meta":
            return c
    return None


def _empty(node) -> bool:
    return sx.code(node).strip() in ("()", "[]", "set()", "tuple()", "list()")


@detector("VAL011", section=SECTION)
def serializer_open_to_every_field(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration:
        return
    if ctx.rel_path.replace("\\", "/").rsplit("/", 1)[-1] == "admin.py":
        return  # staff edit every field of their models on purpose
    heads = list(ctx.nodes("classdef"))
    classes = {c.start: c for c in facts.classes} if heads else {}
    for classdef in heads:
        cls = classes.get(classdef.children[1].start_pos)
        if cls is None or not cls.bases or OUTPUT_WORDS & set(CAMEL_WORD.findall(cls.name)):
            continue
        meta = _nested_meta(classdef)
        if meta is None:
            continue
        assigned = _meta_assignments(meta)
        fields, exclude = assigned.get("fields"), assigned.get("exclude")
        if fields is not None and sx.string_value(fields.children[2]) == "__all__":
            node, what = fields.children[2], '`fields = "__all__"` lets a client write every field'
        elif (
            fields is None
            and exclude is not None
            and not _empty(exclude.children[2])
            # a Meta that inherits another may take its `fields` list from it
            and meta.children[2].type == "operator"
            and meta.children[2].value == ":"
        ):
            node, what = exclude, "`exclude` lets a client write every field it does not list"
        else:
            continue
        site = ctx.site(node)

        def judge(index, cls=cls, site=site, what=what):
            libs, _ = index.ancestors(ClassRef(facts, cls))
            base = next((b for b in libs if b in WRITABLE_BASES), None)
            if base is None:
                return
            kind = "form" if base.endswith("ModelForm") else "serializer"
            yield make_finding(
                "VAL011",
                site,
                f"{what} of the model through the {kind} "
                f"`{cls.name}`, including fields added later (an owner, a status, a "
                "price): list the fields it may write in `fields`",
            )

        yield ctx.defer(("models",), judge)
