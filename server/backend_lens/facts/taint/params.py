"""Which parameters of a function hold what the client sent: URL parts and
bodies of views and routes, websocket messages, GraphQL resolver arguments."""

from __future__ import annotations

import re

from ...source import syntax as sx
from .model import EMPTY
from .tables import (
    CONSUMER_METHODS,
    DEPENDENCY_NAMES,
    ID_NAMES,
    NOT_CLIENT_DATA,
    ROUTE_VERBS,
    SAFE_ANNOTATIONS,
    VIEW_METHODS,
)


def _decorators(funcdef) -> list[str]:
    return [sx.decorator_name(d) or "" for d in sx.function_decorators(funcdef)]


def _route_decorator(ctx, funcdef) -> tuple[str, str] | None:
    """(framework, url) when ``funcdef`` is a Flask/FastAPI route."""
    for d in sx.function_decorators(funcdef):
        name = sx.decorator_name(d) or ""
        if "." not in name:
            continue
        head, verb = name.split(".", 1)[0], name.rsplit(".", 1)[-1]
        if verb not in ROUTE_VERBS:
            continue
        fw = ctx.app_objects.get(head)
        if fw is None:
            roots = {q.split(".")[0] for q in ctx.imports.values() if isinstance(q, str)}
            if "fastapi" in roots:
                fw = "fastapi"
            elif "flask" in roots or "quart" in roots:
                fw = "flask"
            else:
                continue
        inner = d.children[1]
        url = ""
        if inner.type in ("atom_expr", "power"):
            calls = sx.calls_in(inner)
            if calls:
                pos = [a for a in calls[-1].args if a.kind == "pos"]
                if pos:
                    url = sx.string_value(pos[0].value) or ""
        return fw, url
    return None


# the bases of an enumeration: a parameter or field typed with one holds one of the
# code's own values
ENUM_BASES = re.compile(r"^(enum\.)?(Enum|IntEnum|StrEnum|IntFlag|Flag)$")
# classes FastAPI validates field by field (pydantic, SQLModel, dataclasses)
MODEL_BASES = re.compile(r"^(pydantic\.)?(BaseModel|SQLModel|RootModel|Schema|BaseSchema)$")
# wrappers whose value is what they wrap: `Optional[int]`, `Annotated[int, Field(gt=0)]`,
# `list[UUID]`
_WRAPPER = re.compile(
    r"^(?:typing\.)?(Optional|Annotated|list|List|set|Set|frozenset|FrozenSet|tuple|Tuple|"
    r"Sequence|Union)\[(.*)\]$",
    re.S,
)


def _split_top(text: str) -> list[str]:
    """The comma-separated items of ``text`` at bracket depth 0."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def safe_type(ann: str, enums: frozenset = frozenset(), depth: int = 0) -> bool:
    """Whether a value FastAPI / pydantic validated into type ``ann`` carries no
    text a client chose: a number, a UUID, a date, a bool, a ``Literal[...]``, an
    enumeration of the code (``enums``: their names), optional or in a list."""
    ann = ann.strip().strip("\"'")
    if not ann or depth > 5:
        return False
    if ann in ("None", "...") or ann in enums or SAFE_ANNOTATIONS.match(ann):
        return True
    if re.match(
        r"^(uuid\.)?UUID\d?$|^(types\.)?(Positive|Negative|NonNegative|NonPositive)"
        r"(Int|Float)$|^(StrictInt|StrictFloat|StrictBool|UUID\d|FiniteFloat)$",
        ann,
    ):
        return True
    if re.match(r"^(pydantic\.)?(conint|confloat|condecimal|condate)\(", ann):
        return True
    if "|" in ann and "[" not in ann.split("|", 1)[0]:
        return all(safe_type(a, enums, depth + 1) for a in ann.split("|"))
    m = _WRAPPER.match(ann)
    if m is None:
        return False
    items = _split_top(m.group(2))
    if m.group(1) == "Annotated":  # Annotated[int, Query(gt=0)]: the first item types it
        return bool(items) and safe_type(items[0], enums, depth + 1)
    return bool(items) and all(safe_type(a, enums, depth + 1) for a in items)


def _module_classes(funcdef) -> dict:
    """name -> classdef of the classes defined at the top of ``funcdef``'s module."""
    root = funcdef.get_root_node()
    out = {}
    for node in root.children:
        if node.type == "decorated":
            node = node.children[-1]
        if node.type == "classdef":
            out[node.children[1].value] = node
    return out


def _bases(classdef) -> list[str]:
    if len(classdef.children) > 3 and classdef.children[2].value == "(":
        arglist = classdef.children[3]
        if arglist.type == "operator":
            return []
        return [sx.code(a).strip() for a in _split_nodes(arglist)]
    return []


def _split_nodes(arglist) -> list:
    if arglist.type == "arglist":
        return [c for c in arglist.children if c.type != "operator"]
    return [arglist]


def _enum_names(classes: dict) -> frozenset:
    return frozenset(
        name for name, c in classes.items() if any(ENUM_BASES.match(b) for b in _bases(c))
    )


def _fields(classdef, classes: dict, seen: set) -> dict[str, str] | None:
    """field -> annotation of a model class of this module, its bases' included;
    None when it is not one (or a base lies in another module: fields unknown)."""
    name = classdef.children[1].value
    if name in seen:
        return None
    seen.add(name)
    out: dict[str, str] = {}
    bases = _bases(classdef)
    if not bases:
        return None
    for b in bases:
        if "=" in b:  # class X(BaseModel, extra="forbid")
            continue
        if MODEL_BASES.match(b) or b in ("object", "Generic"):
            continue
        base = classes.get(b)
        inherited = _fields(base, classes, seen) if base is not None else None
        if inherited is None:
            return None
        out.update(inherited)
    suite = classdef.children[-1]
    for stmt in suite.children if suite.type == "suite" else [suite]:
        expr = stmt.children[0] if stmt.type == "simple_stmt" else None
        if expr is None or expr.type != "expr_stmt" or len(expr.children) < 2:
            continue
        lhs, ann = expr.children[0], expr.children[1]
        if lhs.type == "name" and ann.type == "annassign":
            out[lhs.value] = sx.code(ann.children[1]).strip()
    return out


def safe_fields(funcdef, names=None) -> dict[str, frozenset]:
    """parameter -> the fields of its body model (a pydantic model of this module)
    that FastAPI validated into values with no client text: `item.price` of
    `price: float`. ``names``: the parameters to look at (all when None)."""
    out: dict[str, frozenset] = {}
    classes = None
    for p in funcdef.get_params():
        if names is not None and p.name.value not in names:
            continue
        ann = _annotation(p)
        if not re.match(r"^[A-Za-z_]\w*$", ann):
            continue
        if classes is None:
            classes = _module_classes(funcdef)
        c = classes.get(ann)
        fields = _fields(c, classes, set()) if c is not None else None
        if fields:
            enums = _enum_names(classes)
            out[p.name.value] = frozenset(n for n, a in fields.items() if safe_type(a, enums))
    return out


def typed_params(funcdef, names) -> dict[str, str]:
    """parameter -> its annotation, for the parameters in ``names`` typed with a
    class (`payload: Payload`, `p: schemas.Payload`): FastAPI validated their
    fields into the types the class declares, wherever it is."""
    out: dict[str, str] = {}
    for p in funcdef.get_params():
        if p.name.value in names:
            ann = _annotation(p)
            if re.match(r"^([a-z_]\w*\.)*[A-Z]\w*$", ann):
                out[p.name.value] = ann
    return out


def typed_clean(funcdef, ann: str, local_classes=None) -> bool:
    """Whether a route parameter typed ``ann`` holds no client text once FastAPI
    validated it: a type of numbers, UUIDs, dates (``safe_type``), an enumeration of
    this module, or a model of this module whose every field is one of those.
    ``local_classes``: the names of the module's classes, when known (the module
    is read only when ``ann`` names one of them)."""
    names = set(re.findall(r"[A-Za-z_]\w*", ann))
    local = names & local_classes if local_classes is not None else names
    classes = _module_classes(funcdef) if any(n[:1].isupper() for n in local) else {}
    enums = _enum_names(classes)
    if safe_type(ann, enums):
        return True
    c = classes.get(ann)
    if c is None:
        return False
    fields = _fields(c, classes, set())
    return bool(fields) and all(safe_type(a, enums) for a in fields.values())


def _annotation(param) -> str:
    ann = param.annotation
    return sx.code(ann).strip() if ann is not None else ""


def _default(param) -> str:
    return sx.code(param.default).strip() if param.default is not None else ""


def source_params(ctx, funcdef, class_name: str | None) -> dict[str, frozenset]:
    """name -> source atoms for the parameters of ``funcdef`` that receive what the
    client sent: URL parts and bodies of views and routes, websocket messages,
    GraphQL resolver arguments."""
    params = [p for p in funcdef.get_params()]
    names = [p.name.value for p in params]
    if not names:
        return {}
    fname = funcdef.children[1].value
    out: dict[str, frozenset] = {}

    def src(p, label: str):
        out[p.name.value] = frozenset({("s", label, p.name.start_pos, p.name.end_pos, EMPTY)})

    route = _route_decorator(ctx, funcdef)
    if route is not None:
        fw, url = route
        typed = dict(re.findall(r"<(int|float|uuid|path|string|any):(\w+)>", url))
        typed = {v: k for k, v in typed.items()}
        for p in params:
            n = p.name.value
            if n in ("self", "cls") or p.star_count:
                continue
            ann, default = _annotation(p), _default(p)
            if typed.get(n) in ("int", "float", "uuid"):
                continue
            if (
                n in DEPENDENCY_NAMES
                or "Depends(" in default
                or "Security(" in default
                or NOT_CLIENT_DATA.match(ann.split("[")[0])
            ):
                continue
            if SAFE_ANNOTATIONS.match(ann) or re.match(
                r"^(Annotated\[)?(int|float|bool|UUID)\b", ann
            ):
                continue
            if ann and typed_clean(funcdef, ann, ctx.classes):
                continue  # `limit: list[int]`, `sort: SortField`, a model of numbers only
            if ann.startswith("Annotated[") and ("Depends(" in ann or "Security(" in ann):
                continue
            src(p, f"route parameter `{n}`")
        return out
    first = names[1] if class_name and len(names) > 1 and names[0] in ("self", "cls") else names[0]
    rest = params[names.index(first) + 1 :] if first in names else []
    # Django / DRF views: `def view(request, slug)`, `def get(self, request, pk)`
    is_view = first in ("request", "req") and (
        class_name is None or fname in VIEW_METHODS or fname.startswith(("get_", "post_"))
    )
    if is_view and (class_name is None or fname in VIEW_METHODS):
        for p in rest:
            n = p.name.value
            if p.star_count or ID_NAMES.match(n) or SAFE_ANNOTATIONS.match(_annotation(p)):
                continue
            if p.default is not None and _default(p) not in ("None", '""', "''"):
                continue
            # a view's URL parameter, unless the project calls it as a helper
            # (`render_flatpage(request, f)`): the index decides ("v" atoms)
            out[n] = frozenset(
                {("v", n, f"URL parameter `{n}`", p.name.start_pos, p.name.end_pos, EMPTY)}
            )
        return out
    # Channels consumers: receive(self, text_data=None, bytes_data=None)
    if class_name and fname in CONSUMER_METHODS:
        for p in params[1:]:
            if not p.star_count:
                src(p, f"websocket message `{p.name.value}`")
        return out
    # GraphQL resolvers: resolve_x(root, info, **args) / (self, info, arg)
    if fname.startswith(("resolve_", "mutate")) and "info" in names:
        for p in params[names.index("info") + 1 :]:
            if SAFE_ANNOTATIONS.match(_annotation(p)):
                continue
            src(p, f"GraphQL argument `{p.name.value}`")
        return out
    decs = _decorators(funcdef)
    if any(
        d.endswith(("strawberry.field", "strawberry.mutation", "mutation", "field"))
        and "strawberry" in d
        for d in decs
    ):
        for p in params:
            n = p.name.value
            if n in ("self", "root", "info", "cls") or SAFE_ANNOTATIONS.match(_annotation(p)):
                continue
            src(p, f"GraphQL argument `{n}`")
    return out


def _caller_params(funcdef, class_name: str | None) -> tuple[str, ...]:
    params = list(funcdef.get_params())
    decs = _decorators(funcdef)
    if class_name and params and "staticmethod" not in decs:
        params = params[1:]
    out = []
    for p in params:
        out.append(("*" * p.star_count) + p.name.value)
    return tuple(out)
