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
