"""What a file says about its HTTP endpoints, as plain data for the inventory.

The command line keeps no parse trees, so everything the endpoint inventory
(``inventory/endpoints.py``) links across files is read here, per file:

- ``assigns``: module-level ``NAME = value`` (and ``NAME += value``,
  ``NAME.append(x)`` / ``extend(x)``), their values encoded (see :func:`enc`):
  URL pattern lists, app / router / blueprint objects, string constants,
  ``Annotated[..., Depends(f)]`` aliases;
- ``calls``: ``receiver.method(...)`` calls that wire an app together
  (``register_blueprint``, ``include_router``, ``add_namespace``, ``register``, ...),
  wherever they are (an app factory holds most);
- ``functions`` and ``classes``: decorators (encoded), FastAPI dependencies of
  the parameters, and a few words their bodies use (``tokens``) from which a
  project's own decorators and dependencies are judged (do they check a user,
  deny with 401/403, count requests and answer 429?).

A value is encoded as nested tuples (comparable, picklable):
``("s", text)`` a string literal, ``("n", "a.b")`` a dotted name,
``("c", callee, args, kwargs, line)`` a call (``kwargs`` as ``(name, value)``),
``("l", items)`` a list / tuple display, ``("+", left, right)``,
``("i", base, items)`` a subscript, ``("x", code)`` anything else.
Depth and chain length are bounded, so deeply nested code costs no more than
its size."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..source import syntax as sx

MAX_DEPTH = 12
MAX_TRAILERS = 8
MOUNT_METHODS = frozenset(
    {
        "register_blueprint",
        "include_router",
        "add_namespace",
        "add_resource",
        "add_url_rule",
        "register",
        "mount",
        "add_api_route",
        "init_app",
        "add_middleware",
        "before_request",
        "namespace",
    }
)
# a project's own wrapper of flask-restful's add_resource (redash's `add_org_resource`)
RESOURCE_WRAPPER = re.compile(r"add_\w+_resource")
LIST_METHODS = frozenset({"append", "extend", "insert"})
# words of a body that tell what a decorator or dependency does
TOKEN_RE = re.compile(
    r"login|logout|auth|perm|jwt|token|user|admin|staff|superuser|anonymous|abort|denied|"
    r"forbidden|unauthori|httpexception|redirect|throttl|rate|limit|cache|incr|security|"
    r"bearer|apikey|api_key|oauth|session|verify|credential|scope|role",
    re.IGNORECASE,
)
STATUS_TOKENS = frozenset({"401", "403", "429"})


@dataclass(frozen=True)
class FunctionInfo:
    name: str  # "func" or "Class.method"
    line: int
    decorators: tuple  # encoded decorator expressions, top first
    depends: tuple  # encoded Depends(...)/Security(...) calls of the parameters
    annotations: tuple[str, ...]  # dotted parameter annotations (may name Annotated aliases)
    tokens: frozenset[str]
    is_method: bool = False


@dataclass(frozen=True)
class ClassInfo:
    name: str
    line: int
    decorators: tuple
    methods: tuple[FunctionInfo, ...]
    tokens: frozenset[str]


@dataclass(frozen=True)
class CallInfo:
    receiver: str  # dotted, as written ("" when not a plain name)
    method: str
    args: tuple
    kwargs: tuple
    line: int
    in_function: bool  # inside a def (an app factory), not at module level
    # in the first branch of an `if` on a development setting (`if settings.ENVIRONMENT ==
    # "local":`): a router mounted only where nobody but the developer calls it
    dev_only: bool = False


@dataclass(frozen=True)
class RouteFacts:
    assigns: tuple[tuple[str, object, int], ...] = ()  # (name, encoded value, line)
    extends: tuple[tuple[str, object, int], ...] = ()  # NAME += v / NAME.append(v): (name, v, line)
    calls: tuple[CallInfo, ...] = ()
    functions: tuple[FunctionInfo, ...] = ()
    classes: tuple[ClassInfo, ...] = ()

    def assigned(self, name: str):
        for n, v, _ in self.assigns:
            if n == name:
                return v
        return None


EMPTY = RouteFacts()


# -- encoding --------------------------------------------------------------
def enc(node, depth: int = 0):
    """A value as nested tuples (see the module docstring)."""
    if node is None:
        return ("x", "")
    if depth > MAX_DEPTH:
        return ("x", "")
    t = node.type
    if t in ("string", "strings"):
        v = sx.string_value(node)
        return ("s", v) if v is not None else ("x", "f-string")
    if t == "name":
        return ("n", node.value)
    if t == "number":
        return ("x", node.value)
    if t in ("atom_expr", "power"):
        return _enc_chain(node, depth)
    if t == "atom":
        ch = node.children
        if ch[0].type == "operator" and ch[0].value in ("[", "("):
            if len(ch) == 2:
                return ("l", ())
            inner = ch[1]
            if inner.type == "testlist_comp":
                if any(c.type in ("sync_comp_for", "comp_for") for c in inner.children):
                    return ("x", "comprehension")
                items = [c for c in inner.children if not _is_comma(c)]
                return ("l", tuple(enc(c, depth + 1) for c in items))
            if ch[0].value == "(" and len(ch) == 3:
                return enc(inner, depth + 1)  # parenthesised value
            return ("l", (enc(inner, depth + 1),))
        return ("x", sx.code(node)[:200])
    if t == "arith_expr":
        ch = node.children
        if len(ch) == 3 and ch[1].value == "+":
            return ("+", enc(ch[0], depth + 1), enc(ch[2], depth + 1))
        return ("x", sx.code(node)[:60])
    if t == "testlist_star_expr" or t == "testlist":
        items = [c for c in node.children if not _is_comma(c)]
        return ("l", tuple(enc(c, depth + 1) for c in items))
    return ("x", sx.code(node)[:60] if depth < MAX_DEPTH else "")


def _is_comma(n) -> bool:
    return n.type == "operator" and n.value == ","


def _enc_chain(node, depth: int):
    ps = sx.parts(node)
    if not ps or len(ps) > MAX_TRAILERS + 1:
        return ("x", "")
    first = ps[0]
    cur = ("n", first.value) if first.type == "name" else enc(first, depth + 1)
    for t in ps[1:]:
        if sx.is_attr_trailer(t):
            if cur[0] == "n":
                cur = ("n", f"{cur[1]}.{t.children[1].value}")
            else:
                cur = ("a", cur, t.children[1].value)
        elif sx.is_call_trailer(t):
            args = []
            kwargs = []
            for a in sx.call_args(t):
                if a.kind == "pos":
                    args.append(enc(a.value, depth + 1))
                elif a.kind == "kw":
                    kwargs.append((a.name, enc(a.value, depth + 1)))
                elif a.kind == "star":
                    args.append(("*", enc(a.value, depth + 1)))
            cur = ("c", cur, tuple(args), tuple(kwargs), t.start_pos[0])
        elif t.type == "trailer" and t.children[0].value == "[":
            inner = t.children[1]
            items = (
                [c for c in inner.children if not _is_comma(c)]
                if inner.type == "subscriptlist"
                else [inner]
            )
            cur = ("i", cur, tuple(enc(c, depth + 1) for c in items))
        else:
            return ("x", "")
    return cur


def callee_name(value) -> str | None:
    """The dotted callee of an encoded call, if it is a plain name."""
    if isinstance(value, tuple) and value and value[0] == "c":
        c = value[1]
        if c[0] == "n":
            return c[1]
    return None


# -- tokens of a body ---------------------------------------------------------
_TOKEN_OF: dict[str, bool] = {}  # name -> it is a token (names repeat: one search each)


def _tokens(node) -> frozenset[str]:
    out: set[str] = set()
    add = out.add
    memo = _TOKEN_OF
    search = TOKEN_RE.search
    stack = [node]
    pop, extend = stack.pop, stack.extend
    while stack:
        n = pop()
        children = getattr(n, "children", None)
        if children is not None:
            extend(children)
            continue
        t = n.type
        if t == "name":
            v = n.value
            hit = memo.get(v)
            if hit is None:
                hit = bool(search(v))
                if len(memo) < 100_000:
                    memo[v] = hit
            if hit:
                add(v)
        elif t == "number":
            if n.value in STATUS_TOKENS:
                add(n.value)
        elif t == "string":
            v = n.value.lower()
            if "login" in v or "signin" in v:
                add("str:login")
            if "too many" in v:
                add("str:too_many")
    return frozenset(out) if out else sx.NOTHING


# -- functions --------------------------------------------------------------
def _decorators(funcdef_or_class) -> tuple:
    out = []
    for d in sx.function_decorators(funcdef_or_class):
        out.append(enc(d.children[1]))
    return tuple(out)


def _param_dependencies(funcdef) -> tuple[tuple, tuple[str, ...]]:
    deps = []
    annotations = []
    params = funcdef.children[2]
    for p in params.children if params.type == "parameters" else ():
        if p.type != "param":
            continue
        ch = list(p.children)
        # name [: annotation] [= default] [,]; `name: annotation` is one tfpdef node
        if ch and ch[0].type == "tfpdef":
            ch = [*ch[0].children, *ch[1:]]
        ann = None
        default = None
        i = 0
        while i < len(ch):
            c = ch[i]
            if c.type == "operator" and c.value == ":" and i + 1 < len(ch):
                ann = ch[i + 1]
                i += 2
                continue
            if c.type == "operator" and c.value == "=" and i + 1 < len(ch):
                default = ch[i + 1]
                i += 2
                continue
            i += 1
        for v in (default, ann):
            if v is None:
                continue
            e = enc(v)
            deps.extend(_depends_in(e))
        if ann is not None:
            d = sx.dotted(ann)
            if d:
                annotations.append(d)
    return tuple(deps), tuple(annotations)


def _depends_in(value, depth: int = 0) -> list:
    """Depends(...) / Security(...) calls inside an encoded value (Annotated[T, Depends(f)])."""
    out = []
    if not isinstance(value, tuple) or depth > 6:
        return out
    name = callee_name(value)
    if name and name.rsplit(".", 1)[-1] in ("Depends", "Security"):
        out.append(value)
        return out
    if value[0] == "i":
        for item in value[2]:
            out.extend(_depends_in(item, depth + 1))
    return out


def _function_info(node, name: str, with_tokens: bool, is_method: bool = False) -> FunctionInfo:
    deps, annotations = _param_dependencies(node)
    return FunctionInfo(
        name=name,
        line=node.children[1].start_pos[0],
        decorators=_decorators(node),
        depends=deps,
        annotations=annotations,
        tokens=_tokens(node.children[-1]) if with_tokens else sx.NOTHING,
        is_method=is_method,
    )


def _class_info(node) -> ClassInfo:
    methods = []
    suite = node.children[-1]
    for stmt in getattr(suite, "children", ()):
        target = stmt
        if target.type == "decorated":
            target = target.children[-1]
        if target.type in ("async_stmt", "async_funcdef"):
            target = target.children[-1]
        if target.type == "funcdef":
            methods.append(
                _function_info(
                    target, f"{node.children[1].value}.{target.children[1].value}", True, True
                )
            )
    tokens: set[str] = set()
    for m in methods:
        tokens |= m.tokens
    return ClassInfo(
        name=node.children[1].value,
        line=node.children[1].start_pos[0],
        decorators=_decorators(node),
        methods=tuple(methods),
        tokens=frozenset(tokens) if tokens else sx.NOTHING,
    )


# -- module level -------------------------------------------------------------
def serves_endpoints(rel_path: str) -> bool:
    """Tests and migrations declare no endpoint of the running project (a test
    URL conf is not one): their route facts stay empty, and cost nothing."""
    p = "/" + rel_path.replace("\\", "/")
    name = p.rsplit("/", 1)[-1]
    return not (
        "/tests/" in p
        or "/test/" in p
        or "/testing/" in p
        or "/migrations/" in p
        or "/alembic/versions/" in p
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def extract_route_facts(module_tree, by_type, rel_path: str = "") -> RouteFacts:
    if rel_path and not serves_endpoints(rel_path):
        return EMPTY
    return assemble_route_facts([route_parts(module_tree.children, by_type)])


@dataclass
class RouteParts:
    """What one part of a file (the whole file, or one unit of the language
    server's incremental analysis, see ``source/units.py``) adds to its RouteFacts.
    ``assemble_route_facts`` joins the parts of a file in source order."""

    assigns: list = field(default_factory=list)
    extends: list = field(default_factory=list)
    functions: list = field(default_factory=list)  # module-level functions
    classes: list = field(default_factory=list)  # ClassInfo, or a split class's head
    nested: list = field(default_factory=list)  # decorated functions inside functions
    calls: list = field(default_factory=list)
    method: tuple | None = None  # (FunctionInfo or None if unreadable) of a split class


@dataclass
class ClassHead:
    """A class whose statements are separate units: its methods come as the
    ``method`` of the parts that follow it."""

    name: str
    line: int
    decorators: tuple


def route_parts(statements, by_type, class_head=None, member=None) -> RouteParts:
    """``statements``: the module-level statements this part holds (all of the
    module's, one, or none); ``class_head``: the class node when this part is the
    head of a split class; ``member``: (class, statement) when this part is one
    of the statements of a split class."""
    out = RouteParts()
    for stmt in _module_statements_of(statements):
        target = stmt
        if target.type == "decorated":
            target = target.children[-1]
        if target.type in ("async_stmt", "async_funcdef"):
            target = target.children[-1]
        if target.type == "funcdef":
            out.functions.append(_function_info(target, target.children[1].value, True))
            continue
        if target.type == "classdef":
            try:
                out.classes.append(_class_info(target))
            except (IndexError, AttributeError):
                pass
            continue
        if stmt.type != "simple_stmt":
            continue
        for expr in stmt.children:
            _module_expr(expr, out.assigns, out.extends)
    if class_head is not None:
        try:
            out.classes.append(
                ClassHead(
                    class_head.children[1].value,
                    class_head.children[1].start_pos[0],
                    _decorators(class_head),
                )
            )
        except (IndexError, AttributeError):
            out.classes.append(None)
    if member is not None:
        out.method = (_method_info(*member),)

    # decorated functions inside functions (routes declared in an app factory)
    nearest = sx.Nearest(("funcdef", "classdef", "file_input"))
    for node in by_type.get("funcdef", ()):
        parent = node.parent
        if parent is not None and parent.type in ("async_stmt", "async_funcdef"):
            parent = parent.parent
        if parent is None or parent.type != "decorated":
            continue
        owner = nearest(node)
        if owner is None or owner.type != "funcdef":
            continue
        # an app factory's hooks (@app.before_request) are judged by what their body checks
        decorators = sx.function_decorators(node)
        hook = any(
            (sx.decorator_name(d) or "").endswith(("before_request", "before_app_request"))
            for d in decorators
        )
        out.nested.append(_function_info(node, node.children[1].value, hook))

    owner_of = sx.Nearest(("funcdef", "file_input"))
    for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
        ps = sx.parts(node)
        if len(ps) < 3 or len(ps) > MAX_TRAILERS + 1:
            continue
        last = ps[-1]
        if not sx.is_call_trailer(last) or not sx.is_attr_trailer(ps[-2]):
            continue
        method = ps[-2].children[1].value
        if method not in MOUNT_METHODS and not RESOURCE_WRAPPER.fullmatch(method):
            continue
        receiver = _dotted(ps[:-2])
        e = _enc_chain(node, 0)
        if e[0] != "c":
            continue
        owner = owner_of(node)
        out.calls.append(
            CallInfo(
                receiver or "",
                method,
                e[2],
                e[3],
                node.start_pos[0],
                owner is not None and owner.type == "funcdef",
                _dev_only(node),
            )
        )
    return out


DEV_GUARD = re.compile(r"\b(local|dev|development|debug|test|testing)\b", re.IGNORECASE)


def _dev_only(node) -> bool:
    """Whether ``node`` sits in the first branch of an ``if`` whose test names a
    development environment or debug mode (``if settings.ENVIRONMENT == "local":``,
    ``if app.debug:``)."""
    inner, up = node, node.parent
    while up is not None and up.type not in ("funcdef", "classdef", "file_input"):
        if up.type == "if_stmt" and len(up.children) >= 4 and up.children[3] is inner:
            test = up.children[1]
            if test.end_pos[0] - test.start_pos[0] < 3 and DEV_GUARD.search(sx.code(test)):
                return True
        inner, up = up, up.parent
    return False


_UNREADABLE = object()


def _method_info(cls, stmt):
    """What ``_class_info`` reads from one statement of ``cls``: its FunctionInfo,
    None when it is not a method, ``_UNREADABLE`` when it cannot be read (the
    whole class is then left out, as ``_class_info`` does)."""
    target = stmt
    try:
        if target.type == "decorated":
            target = target.children[-1]
        if target.type in ("async_stmt", "async_funcdef"):
            target = target.children[-1]
        if target.type != "funcdef":
            return None
        return _function_info(
            target, f"{cls.children[1].value}.{target.children[1].value}", True, True
        )
    except (IndexError, AttributeError):
        return _UNREADABLE


def assemble_route_facts(parts: list[RouteParts]) -> RouteFacts:
    assigns: list = []
    extends: list = []
    functions: list = []
    classes: list = []
    nested: list = []
    calls: list = []
    head = None  # [ClassHead, methods, readable] of the split class being assembled

    def close():
        if head is not None and head[0] is not None and head[2]:
            h = head[0]
            tokens: set[str] = set()
            for m in head[1]:
                tokens |= m.tokens
            classes.append(
                ClassInfo(h.name, h.line, h.decorators, tuple(head[1]), frozenset(tokens))
            )

    for part in parts:
        if part.method is not None:
            info = part.method[0]
            if head is not None:
                if info is _UNREADABLE:
                    head[2] = False
                elif info is not None:
                    head[1].append(info)
        else:
            close()
            head = None
        assigns += part.assigns
        extends += part.extends
        functions += part.functions
        for c in part.classes:
            if isinstance(c, ClassHead) or c is None:
                head = [c, [], True]
            else:
                classes.append(c)
        nested += part.nested
        calls += part.calls
    close()
    return RouteFacts(
        assigns=tuple(assigns),
        extends=tuple(extends),
        calls=tuple(calls),
        functions=tuple(functions + nested),
        classes=tuple(classes),
    )


def _module_statements_of(statements):
    """Module-level statements among ``statements`` (some of the module's), also
    those inside top-level if / try / with blocks."""
    stack = list(reversed(statements))
    depth_of: dict[int, int] = {}
    while stack:
        n = stack.pop()
        if n.type in ("if_stmt", "try_stmt", "with_stmt", "else_clause", "except_clause"):
            if depth_of.get(id(n), 0) > 4:
                continue
            kids = [c for c in n.children if c.type == "suite" or c.type.endswith("_stmt")]
            for k in kids:
                depth_of[id(k)] = depth_of.get(id(n), 0) + 1
            stack.extend(reversed(kids))
        elif n.type == "suite":
            for c in n.children:
                depth_of[id(c)] = depth_of.get(id(n), 0)
            stack.extend(reversed(n.children))
        else:
            yield n


def _dotted(ps) -> str | None:
    if not ps or ps[0].type != "name":
        return None
    out = [ps[0].value]
    for t in ps[1:]:
        if not sx.is_attr_trailer(t):
            return None
        out.append(t.children[1].value)
    return ".".join(out)


def _module_expr(expr, assigns, extends) -> None:
    if expr.type == "expr_stmt":
        ch = expr.children
        lhs = ch[0]
        if lhs.type != "name" or len(ch) < 3:
            return
        op = ch[1]
        if op.type == "annassign":  # NAME: T = value
            if len(op.children) >= 4:
                assigns.append((lhs.value, enc(op.children[-1]), lhs.start_pos[0]))
            return
        if op.type == "operator" and op.value == "+=":
            extends.append((lhs.value, enc(ch[2]), lhs.start_pos[0]))
            return
        if op.type == "operator" and op.value == "=" and len(ch) == 3:
            value = ch[2]
            if value.type == "atom" and value.children[0].value == "{":
                return  # dicts: settings, not wiring
            assigns.append((lhs.value, enc(value), lhs.start_pos[0]))
        return
    if expr.type in ("atom_expr", "power"):
        ps = sx.parts(expr)
        if (
            len(ps) == 3
            and ps[0].type == "name"
            and sx.is_attr_trailer(ps[1])
            and ps[1].children[1].value in LIST_METHODS
            and sx.is_call_trailer(ps[2])
        ):
            args = [a for a in sx.call_args(ps[2]) if a.kind == "pos"]
            if not args:
                return
            value = args[-1].value
            e = enc(value)
            if ps[1].children[1].value != "extend":
                e = ("l", (e,))
            extends.append((ps[0].value, e, expr.start_pos[0]))
