"""Fields of what the client sent, read one by one by name:
``request.data.get("is_admin")``, ``request.headers["X-Role"]``,
``request.args.get("admin", type=bool)``, ``(await request.json())["role"]``, a
FastAPI or Flask route parameter.

The taint walk (``walk.py``) follows where client data goes; a rule that asks
*which* field decides something reads the same sources here, field by field:
the request attributes of ``tables.REQUEST_ATTRS`` that hold named fields, the
request objects of ``REQUEST_NAMES`` and Flask's ``request``. What the server
keeps (``request.user``, ``request.session``) is not among them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ...source import syntax as sx
from .tables import (
    DEPENDENCY_NAMES,
    FLASK_REQUEST,
    NOT_CLIENT_DATA,
    REQUEST_ATTRS,
    REQUEST_NAMES,
    ROUTE_VERBS,
)

# the request attributes that hold named fields: a body, a query, headers, cookies
FIELD_CONTAINERS = REQUEST_ATTRS - {
    "body",
    "FILES",
    "files",
    "stream",
    "get_data",
    "text",
    "read",
    "content",
}
# containers that are called to give the fields: `request.get_json()`, Starlette's
# `await request.json()` / `await request.form()`, aiohttp's `await request.post()`
CALLED_CONTAINERS = frozenset({"get_json", "json", "form", "post"})
FIELD_METHODS = frozenset({"get", "getlist", "get_list", "getall", "get_all", "getone"})
# methods that keep the value as the client wrote it, or read it as a flag
SAME_VALUE = frozenset({"lower", "upper", "strip", "casefold", "title", "lstrip", "rstrip"})
# functions that read one value as a flag: bool(), strtobool(), a project's str2bool()
AS_FLAG = re.compile(r"^(bool|str|int|strtobool|\w*(bool|truthy|true|flag)\w*)$", re.I)
JSON_LOADS = frozenset({"json.loads", "orjson.loads", "ujson.loads"})
# the frameworks whose route parameters are what the client sent
ROUTE_FRAMEWORKS = frozenset({"fastapi", "flask", "quart", "starlette"})
DEPENDS = re.compile(r"\b(Depends|Security)\s*\(")


@dataclass(frozen=True)
class FieldRead:
    """One field of the client's data: its name as sent and the code that reads it."""

    key: str
    shown: str


class ClientFields:
    """Reads fields of the client's data in one file.

    ``assigned(name_leaf)``: the value of the last plain assignment of the name
    above it in its scope, or None; ``qualify(dotted)``: the name through the
    file's imports."""

    def __init__(
        self,
        imports: dict[str, str],
        assigned: Callable[[object], object | None],
        qualify: Callable[[str], str | None],
    ):
        self.assigned = assigned
        self.qualify = qualify
        roots = {q.split(".")[0] for q in imports.values() if isinstance(q, str)}
        self.routes_take_client_data = bool(roots & ROUTE_FRAMEWORKS)

    def field(self, node, depth: int = 0) -> FieldRead | None:
        """The field ``node``'s value is, as sent (or only its case or spaces
        changed, or read as a flag with ``bool()``), else None."""
        node = sx.unparen(node)
        if depth > 4:
            return None
        if node.type == "name":
            shown = self.route_parameter(node)
            if shown is not None:
                return FieldRead(node.value, shown)
            value = self.assigned(node)
            return self.field(value, depth + 1) if value is not None else None
        if node.type not in ("atom_expr", "power"):
            return None
        ps = sx.parts(node)
        while (
            len(ps) >= 3
            and sx.is_call_trailer(ps[-1])
            and sx.is_attr_trailer(ps[-2])
            and ps[-2].children[1].value in SAME_VALUE
        ):
            ps = ps[:-2]
        if len(ps) == 2 and ps[0].type == "name" and sx.is_call_trailer(ps[1]):
            args = sx.call_args(ps[1])
            if AS_FLAG.match(ps[0].value) and args and args[0].kind == "pos":
                return self.field(args[0].value, depth + 1)
            return None
        if len(ps) < 2:
            return None
        last = ps[-1]
        if last.type == "trailer" and last.children[0].value == "[":
            key, prefix = sx.string_value(last.children[1]), ps[:-1]
        elif (
            sx.is_call_trailer(last)
            and len(ps) >= 3
            and sx.is_attr_trailer(ps[-2])
            and ps[-2].children[1].value in FIELD_METHODS
        ):
            args = sx.call_args(last)
            first = args[0] if args else None
            key = sx.string_value(first.value) if first and first.kind == "pos" else None
            prefix = ps[:-2]
        elif len(ps) == 2 and ps[0].type == "name" and sx.is_attr_trailer(ps[1]):
            # `payload.is_admin` of a route's body model
            shown = self.route_parameter(ps[0])
            if shown is None:
                return None
            attr = ps[1].children[1].value
            return FieldRead(attr, f"`{ps[0].value}.{attr}` ({shown})")
        else:
            return None
        if not key or self.container(prefix, depth) is None:
            return None
        return FieldRead(key, f"`{''.join(sx.code(p) for p in ps).strip()}`")

    def container(self, ps: list, depth: int = 0) -> str | None:
        """How the chain ``ps`` holds a set of fields the client sent
        (``request.data``, ``request.get_json()``, a name assigned one), else None."""
        if not ps or ps[0].type != "name" or depth > 4:
            return None
        if len(ps) == 1:
            value = self.assigned(ps[0])
            return self.container_of(value, depth + 1) if value is not None else None
        written = ps[0].value
        for i, t in enumerate(ps[1:], 1):
            if not sx.is_attr_trailer(t):
                return None
            attr = t.children[1].value
            if attr in FIELD_CONTAINERS and self.is_request(written, ps[0]):
                rest = ps[i + 1 :]
                if not rest or (
                    len(rest) == 1 and sx.is_call_trailer(rest[0]) and attr in CALLED_CONTAINERS
                ):
                    return f"{written}.{attr}"
                return None
            written = f"{written}.{attr}"
            if i >= 2:
                return None
        return None

    def container_of(self, node, depth: int) -> str | None:
        node = sx.unparen(node)
        if node.type == "name":
            return self.container([node], depth)
        if node.type == "or_test":  # `request.get_json() or {}`
            for operand in node.children[::2]:
                found = self.container_of(operand, depth + 1)
                if found is not None:
                    return found
            return None
        if node.type not in ("atom_expr", "power"):
            return None
        ps = sx.parts(node)
        found = self.container(ps, depth)
        if found is not None:
            return found
        # json.loads(request.body)
        if len(ps) >= 2 and sx.is_call_trailer(ps[-1]):
            callee = _dotted(ps[:-1])
            args = sx.call_args(ps[-1])
            if callee and (self.qualify(callee) or callee) in JSON_LOADS and args:
                inner = sx.unparen(args[0].value)
                if inner.type in ("atom_expr", "power"):
                    ips = sx.parts(inner)
                    if len(ips) == 2 and ips[0].type == "name" and sx.is_attr_trailer(ips[1]):
                        attr = ips[1].children[1].value
                        if attr in ("body", "data") and self.is_request(ips[0].value, ips[0]):
                            return f"json.loads({ips[0].value}.{attr})"
        return None

    def is_request(self, written: str, head) -> bool:
        """Whether ``written`` names the request being served (not an outgoing
        request the function builds: ``request = Request(url)``)."""
        if written not in REQUEST_NAMES and self.qualify(written) not in FLASK_REQUEST:
            return False
        if "." in written:
            return True
        return self.assigned(head) is None

    def route_parameter(self, name) -> str | None:
        """How a FastAPI / Flask route's parameter ``name`` is sent (its query,
        header, cookie, body or URL part), when the name is one, never rebound."""
        if not self.routes_take_client_data:
            return None
        func = sx.enclosing(name, ("funcdef", "lambdef", "classdef"))
        if func is None or func.type != "funcdef" or not _is_route(func):
            return None
        for p in func.get_params():
            if p.name.value != name.value or p.name is name:
                continue
            if p.star_count or p.name.value in DEPENDENCY_NAMES:
                return None
            ann = sx.code(p.annotation).strip() if p.annotation is not None else ""
            default = sx.code(p.default).strip() if p.default is not None else ""
            if DEPENDS.search(default) or DEPENDS.search(ann):
                return None
            if NOT_CLIENT_DATA.match(ann.split("[")[0]):
                return None
            if self.assigned(name) is not None:
                return None
            kind = re.match(r"^(Query|Header|Cookie|Body|Form|Path)\b", default)
            where = kind.group(1).lower() if kind else "route parameter"
            return f"the {where} `{p.name.value}`"
        return None


def _is_route(funcdef) -> bool:
    for dec in sx.function_decorators(funcdef):
        name = sx.decorator_name(dec) or ""
        if (
            "." in name
            and name.rsplit(".", 1)[-1] in ROUTE_VERBS
            and dec.children[1].type
            in (
                "atom_expr",
                "power",
            )
        ):
            return True
    return False


def _dotted(ps) -> str | None:
    """``a.b.c`` for parts that are a name and attribute accesses, else None."""
    if not ps or ps[0].type != "name" or not all(sx.is_attr_trailer(t) for t in ps[1:]):
        return None
    return ".".join([ps[0].value, *(t.children[1].value for t in ps[1:])])
