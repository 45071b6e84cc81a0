"""Error bodies: what a file answers clients with when a request fails, as the
shape of the body (the sorted top-level keys of a dict, or a plain string).

A project's clients parse its errors one way; API006 compares each error body
with the shape most of the project's error bodies have. This module reads the
bodies out of a tree (``error_bodies``: the detector uses it for its sites, the
facts for the counts) and keeps, per file, what the index needs to count them
(``ErrorFacts``: no positions, so moving lines changes nothing), and counts them
per service and framework (``error_shapes``).

What is an error body:

- DRF ``Response(body, status=4xx/5xx)`` (``status.HTTP_404_NOT_FOUND``,
  ``HTTPStatus.NOT_FOUND``, ``404``), Django ``JsonResponse(body, status=...)``,
  FastAPI / Starlette ``JSONResponse(body, status_code=...)``;
- Flask ``return body, 4xx`` (``body`` a dict, ``jsonify(...)``, or a string in a
  function that answers JSON elsewhere), ``make_response(body, 4xx)``, and
  flask-restx / flask-restful ``abort(4xx, message=...)`` (``{"message", ...}``);
- ``HTTPException(...)`` of FastAPI / Starlette, which answers ``{"detail": ...}``
  unless the project registers its own handler for it (then the handler's shape),
  and the exceptions of DRF (``NotFound``, ``PermissionDenied`` ...; not
  ``ValidationError``, whose body is the errors themselves), which answer
  ``{"detail": ...}`` unless ``EXCEPTION_HANDLER`` is set.

Left out: bodies that a protocol prescribes (OAuth 2.0 token errors, JSON-RPC,
SCIM, GraphQL's ``errors``), health checks (their 503 carries the checks), bodies
whose keys are not all literal (``{**base}``, a comprehension, a variable). A
body built by a project function (``Response(error_body(...), status=400)``,
``return error_response("...", 404)``) counts with that function's shape when
it returns one (``ErrorFacts.helpers``); bodies in functions registered as
exception handlers count, and are never what a finding points at.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus

from ..source import syntax as sx

STRING = "<string>"  # the shape of a body that is a plain string

# the response classes whose body and status are read, by qualified name
RESPONSE_CLASSES = {
    "rest_framework.response.Response": "drf",
    "django.http.JsonResponse": "django",
    "django.http.response.JsonResponse": "django",
    "fastapi.responses.JSONResponse": "fastapi",
    "fastapi.responses.ORJSONResponse": "fastapi",
    "fastapi.responses.UJSONResponse": "fastapi",
    "starlette.responses.JSONResponse": "fastapi",
}
# the keyword that holds the body, and the one that holds the status; whether the
# status can be the second positional argument (Django's second is the encoder)
_BODY_KEYWORDS = {"drf": "data", "django": "data", "fastapi": "content"}
_STATUS_KEYWORDS = {"drf": "status", "django": "status", "fastapi": "status_code"}
_STATUS_SECOND = {"drf": True, "django": False, "fastapi": True}
HTTP_EXCEPTIONS = frozenset(
    {
        "fastapi.HTTPException",
        "fastapi.exceptions.HTTPException",
        "starlette.exceptions.HTTPException",
    }
)
# DRF's exceptions whose body is {"detail": ...} (ValidationError's is the errors)
DRF_EXCEPTIONS = frozenset(
    f"rest_framework.exceptions.{name}"
    for name in (
        "APIException",
        "ParseError",
        "AuthenticationFailed",
        "NotAuthenticated",
        "PermissionDenied",
        "NotFound",
        "MethodNotAllowed",
        "NotAcceptable",
        "UnsupportedMediaType",
        "Throttled",
    )
)
FLASK_ABORTS = frozenset({"flask_restx.abort", "flask_restful.abort", "flask_restplus.abort"})
_CALLED = frozenset(
    {
        *(q.rsplit(".", 1)[-1] for q in RESPONSE_CLASSES),
        "HTTPException",
        "make_response",
        "abort",
        *(q.rsplit(".", 1)[-1] for q in DRF_EXCEPTIONS),
    }
)
# what a string body is built with
_STRING_CALLS = frozenset(
    {
        "str",
        "_",
        "gettext",
        "gettext_lazy",
        "ugettext",
        "ugettext_lazy",
        "django.utils.translation.gettext",
        "django.utils.translation.gettext_lazy",
        "django.utils.translation.ugettext",
        "django.utils.translation.ugettext_lazy",
    }
)
# the groups whose conventions are compared: DRF, plain Django, Flask, FastAPI
GROUPS = {
    "drf": "drf",
    "drf-raise": "drf",
    "django": "django",
    "flask": "flask",
    "fastapi": "fastapi",
    "fastapi-raise": "fastapi",
}
GROUP_NAMES = {"drf": "DRF", "django": "Django", "flask": "Flask", "fastapi": "FastAPI"}

# where a body answers what a protocol prescribes, or a health check's state: the
# start of a word of the module's path or of an enclosing function or class name
_WORDS = re.compile(r"[^a-z0-9]+")
OAUTH_WORDS = ("oauth", "openid", "oidc", "token", "authorize", "introspect", "revoke")
OAUTH_KEYS = frozenset({"error", "error_description", "error_uri", "state"})
GRAPHQL_WORDS = ("graphql", "gql")
SCIM_WORDS = ("scim",)
HEALTH_WORDS = ("health", "heartbeat", "readiness", "readyz", "liveness", "livez", "ping")
HEALTH_NAMES = frozenset({"ready", "alive", "live"})
# a function that handles exceptions: its parameters are named like that
_EXCEPTION_PARAMS = frozenset({"exc", "exception", "error", "err", "e", "ex"})
HANDLER_DECORATORS = frozenset({"exception_handler", "errorhandler", "app_errorhandler"})
HANDLER_CALLS = frozenset({"add_exception_handler", "register_error_handler"})
MAX_KEYS = 8  # a bigger dict is data, not an error body


@dataclass(frozen=True, slots=True)
class ErrorFacts:
    """A file's error bodies as the index counts them, without positions."""

    # (kind, shape, helper, count): kind is a key of GROUPS; shape the sorted keys
    # joined by "," (or STRING), "" when ``helper`` (the qualified name of the
    # project function that builds the body) decides it
    bodies: tuple[tuple[str, str, str, int], ...] = ()
    # module-level functions that return one body shape: (name, kind or "", shape)
    helpers: tuple[tuple[str, str, str], ...] = ()
    # qualified names of the functions registered as exception handlers, and of
    # those registered for HTTPException (whose shape the raises then answer)
    handlers: tuple[str, ...] = ()
    http_handlers: tuple[str, ...] = ()


EMPTY = ErrorFacts()


@dataclass
class Body:
    """One error body in a tree (what the detector points at, the facts count)."""

    kind: str  # a key of GROUPS
    shape: str  # "" when ``helper`` decides
    helper: str  # qualified name of the project function that builds it, or ""
    node: object  # where a finding starts
    end: object  # where it ends
    function: str  # the qualified name of the module-level function it is in, or ""
    in_handler: bool  # in a function that handles exceptions (seen here)


def carries(shape: str, convention: str) -> bool:
    """A body of ``shape`` has every key of ``convention`` (a client that reads
    those keys reads it): the same shape, or the same keys and more."""
    if shape == convention:
        return True
    if STRING in (shape, convention):
        return False
    return set(convention.split(",")) <= set(shape.split(","))


def shape_text(shape: str) -> str:
    """How a message shows a shape: {'detail'}, {'error', 'message'}, a plain string."""
    if shape == STRING:
        return "a plain string"
    return "{" + ", ".join(f"'{k}'" for k in shape.split(",")) + "}"


def status_code(node) -> int | None:
    """The HTTP status an expression names: 404, status.HTTP_404_NOT_FOUND,
    HTTPStatus.NOT_FOUND (.value)."""
    node = sx.unparen(node)
    if node.type == "number":
        try:
            return int(node.value)
        except ValueError:
            return None
    dotted = sx.dotted(node)
    if not dotted:
        return None
    names = dotted.split(".")
    if len(names) > 1 and names[-1] == "value":
        names = names[:-1]
    last = names[-1]
    m = re.match(r"HTTP_(\d{3})(_|$)", last)
    if m:
        return int(m.group(1))
    if len(names) > 1 and names[-2] == "HTTPStatus" and last in HTTPStatus.__members__:
        return HTTPStatus[last].value
    return None


def is_error(node) -> bool:
    code = status_code(node) if node is not None else None
    return code is not None and 400 <= code <= 599


def dict_keys(node) -> str | None:
    """The shape of a dict literal whose keys are all literal strings."""
    if node.type != "atom" or node.children[0].value != "{" or len(node.children) != 3:
        return None
    maker = node.children[1]
    if maker.type != "dictorsetmaker":
        return None
    items = maker.children
    keys = []
    i = 0
    while i < len(items):
        if i + 2 >= len(items) or items[i + 1].type != "operator" or items[i + 1].value != ":":
            return None  # `**spread`, a comprehension, a set
        key = sx.string_value(items[i])
        if key is None:
            return None
        keys.append(key)
        i += 4  # key, ':', value, ','
    if not keys or len(keys) > MAX_KEYS:
        return None
    return ",".join(sorted(set(keys)))


def _kw_shape(args) -> str | None:
    """``dict(a=..., b=...)`` / ``jsonify(error=...)``: the keyword names."""
    names = [a.name for a in args if a.kind == "kw"]
    if not names or len(names) != len(args) or len(names) > MAX_KEYS:
        return None
    return ",".join(sorted(set(names)))


class Reader:
    """Reads the error bodies of one file's nodes (a whole file's or one unit's)."""

    def __init__(self, imports: dict, module: str, rel_path: str, local=None, calls_of=None):
        self.imports = imports
        self.module = module
        self.local = local
        self.calls_of = calls_of or sx.calls_in
        heads = {q.split(".")[0] for q in imports.values()}
        self.flask = any(h.startswith("flask") for h in heads)
        # Starlette's HTTPException answers {"detail"} in a FastAPI app (plain text in
        # a Starlette one)
        self.fastapi = "fastapi" in heads
        self.path_words = rel_path.replace("\\", "/")
        self.nearest = sx.Nearest(("funcdef", "classdef", "file_input"))

    def qualify(self, dotted: str | None) -> str | None:
        head, _, rest = (dotted or "").partition(".")
        if head in self.imports:
            q = self.imports[head]
            return f"{q}.{rest}" if rest else q
        if self.local is not None and head in self.local and self.module:
            return f"{self.module}.{dotted}"
        return dotted

    # -- what a body is -------------------------------------------------------
    def value_shape(self, node) -> tuple[str, str] | None:
        """(shape, helper) of a body expression: a dict literal, ``dict(...)``,
        ``jsonify(...)``, a string, or a call of a project function."""
        node = sx.unparen(node)
        if node.type == "atom" and node.children[0].value == "{":
            shape = dict_keys(node)
            return (shape, "") if shape else None
        if node.type in ("string", "strings", "fstring"):
            return STRING, ""
        if node.type not in ("atom_expr", "power"):
            return None
        calls = self.calls_of(node)
        ps = sx.parts(node)
        if len(calls) != 1 or calls[0].index != len(ps) - 1 or not calls[0].callee:
            return None  # a chain (`x.errors`, `f().g`), not one call
        call = calls[0]
        q = self.qualify(call.callee) or call.callee
        if q == "dict" or q == "flask.jsonify":
            args = call.args
            if q == "flask.jsonify" and len(args) == 1 and args[0].kind == "pos":
                return self.value_shape(args[0].value)
            shape = _kw_shape(args)
            return (shape, "") if shape else None
        if q in _STRING_CALLS:
            return STRING, ""
        if q.endswith("jsonable_encoder") and call.args and call.args[0].kind == "pos":
            return self.value_shape(call.args[0].value)
        if q.split(".")[0] in ("self", "cls", "request", "super"):
            return None
        return "", q  # a project function (the index decides), or a library's (skipped)

    # -- where bodies are -----------------------------------------------------
    def bodies(self, by_type) -> list[Body]:
        out: list[Body] = []
        for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
            for call in self.calls_of(node):
                if call.method in _CALLED and call.callee:
                    body = self._call_body(node, call)
                    if body is not None:
                        out.append(body)
        for node in by_type.get("raise_stmt", ()):
            # `raise NotFound` (a class raised without a call)
            if len(node.children) > 1 and node.children[1].type in ("name", "atom_expr", "power"):
                expr = node.children[1]
                if expr.type != "name" and not all(
                    sx.is_attr_trailer(t) for t in sx.parts(expr)[1:]
                ):
                    continue
                if (self.qualify(sx.dotted(expr)) or "") in DRF_EXCEPTIONS:
                    out.append(self._body("drf-raise", ("detail", ""), expr, expr))
        for node in by_type.get("return_stmt", ()):
            body = self._tuple_body(node) if self.flask else None
            if body is None:
                body = self._helper_body(node)
            if body is not None:
                out.append(body)
        return [b for b in out if b is not None and not self._exempt(b)]

    def _body(self, kind, shape_helper, node, end) -> Body:
        owner = self.nearest(node)
        function, in_handler = "", False
        top = None
        while owner is not None and owner.type != "file_input":
            if owner.type == "funcdef":
                top = owner
                in_handler = in_handler or self._handles_exceptions(owner)
            owner = self.nearest(owner)
        if top is not None and self.nearest(top).type == "file_input":
            function = f"{self.module}.{top.children[1].value}"
        shape, helper = shape_helper
        return Body(kind, shape, helper, node, end, function, in_handler)

    def _call_body(self, node, call) -> Body | None:
        q = self.qualify(call.callee) or ""
        end = sx.parts(node)[call.index - 1]
        args = call.args
        if q in HTTP_EXCEPTIONS and (self.fastapi or q.startswith("fastapi")):
            return self._body("fastapi-raise", ("detail", ""), node, end)
        if q in DRF_EXCEPTIONS:
            return self._body("drf-raise", ("detail", ""), node, end)
        kind = RESPONSE_CLASSES.get(q)
        if kind is not None:
            pos = [a for a in args if a.kind == "pos"]
            status = sx.kwarg(args, _STATUS_KEYWORDS[kind])
            status_node = status.value if status is not None else None
            if status_node is None and _STATUS_SECOND[kind] and len(pos) > 1:
                status_node = pos[1].value
            if not is_error(status_node):
                return None
            value = sx.kwarg(args, _BODY_KEYWORDS[kind])
            value_node = value.value if value is not None else (pos[0].value if pos else None)
            if value_node is None:
                return None  # no body
            shape = self.value_shape(value_node)
            return self._body(kind, shape, node, end) if shape else None
        if q == "flask.make_response":
            pos = [a for a in args if a.kind == "pos"]
            if len(pos) >= 2 and is_error(pos[1].value):
                shape = self.value_shape(pos[0].value)
                return self._body("flask", shape, node, end) if shape else None
            return None
        if q in FLASK_ABORTS:
            pos = [a for a in args if a.kind == "pos"]
            code = sx.kwarg(args, "code")
            if not is_error(pos[0].value if pos else (code.value if code else None)):
                return None
            keys = {a.name for a in args if a.kind == "kw" and a.name != "code"} | {"message"}
            if any(a.kind in ("star", "dstar") for a in args) or len(keys) > MAX_KEYS:
                return None
            return self._body("flask", (",".join(sorted(keys)), ""), node, end)
        return None

    def _tuple_body(self, ret) -> Body | None:
        """``return body, 4xx`` (and ``return body, 4xx, headers``) in Flask."""
        if len(ret.children) < 2:
            return None
        value = sx.unparen(ret.children[1])
        if value.type not in ("testlist_star_expr", "testlist", "testlist_comp", "exprlist"):
            return None
        items = [c for c in value.children if not (c.type == "operator" and c.value == ",")]
        if len(items) not in (2, 3) or not is_error(items[1]):
            return None
        shape = self.value_shape(items[0])
        if shape is None:
            return None
        if shape[0] == STRING and not self._answers_json(ret):
            return None  # a page's text, not an API's error
        return self._body("flask", shape, items[0], items[0])

    def _helper_body(self, ret) -> Body | None:
        """``return error_response("...", 404)``: a project function given an error
        status builds the response (the index reads its shape)."""
        if len(ret.children) < 2 or ret.children[1].type not in ("atom_expr", "power"):
            return None
        value = ret.children[1]
        calls = self.calls_of(value)
        if len(calls) != 1 or calls[0].index != len(sx.parts(value)) - 1 or not calls[0].callee:
            return None
        call = calls[0]
        if call.method in _CALLED or call.callee.split(".")[0] in ("self", "cls", "super"):
            return None
        args = call.args
        if not any(
            is_error(a.value)
            for a in args
            if a.kind == "pos" or a.name in ("status", "status_code", "code")
        ):
            return None
        q = self.qualify(call.callee) or call.callee
        return self._body("", ("", q), value, sx.parts(value)[call.index - 1])

    def _answers_json(self, ret) -> bool:
        """The function of ``ret`` answers JSON elsewhere: a dict or jsonify(...)."""
        owner = self.nearest(ret)
        if owner is None or owner.type != "funcdef":
            return False
        for node in sx.walk(owner.children[-1]):
            if node.type != "return_stmt" or node is ret or len(node.children) < 2:
                continue
            value = sx.unparen(node.children[1])
            if value.type in ("testlist_star_expr", "testlist"):
                value = sx.unparen(value.children[0])
            if value.type == "atom" and value.children[0].value == "{":
                return True
            if value.type in ("atom_expr", "power") and "jsonify" in sx.code(value)[:40]:
                return True
        return False

    def _handles_exceptions(self, funcdef) -> bool:
        for dec in sx.function_decorators(funcdef):
            name = sx.decorator_name(dec) or ""
            if name.rsplit(".", 1)[-1] in HANDLER_DECORATORS:
                return True
        params = [p.name.value for p in funcdef.get_params()]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        if len(params) == 2 and params[0] in ("request", "req"):
            return params[1] in _EXCEPTION_PARAMS
        return len(params) == 2 and params[0] in ("exc", "exception") and params[1] == "context"

    def _exempt(self, body: Body) -> bool:
        """A body a protocol prescribes, or a health check's."""
        keys = set(body.shape.split(",")) if body.shape and body.shape != STRING else set()
        if keys & {"error_description", "jsonrpc", "schemas"}:
            return True  # OAuth 2.0 (RFC 6749), JSON-RPC 2.0, SCIM (RFC 7644)
        words = self._context_words(body.node)

        def said(prefixes) -> bool:
            return any(w.startswith(prefixes) for w in words)

        if keys and keys <= OAUTH_KEYS and said(OAUTH_WORDS):
            return True
        if "errors" in keys and said(GRAPHQL_WORDS):
            return True
        return said(SCIM_WORDS) or said(HEALTH_WORDS) or not HEALTH_NAMES.isdisjoint(words)

    def _context_words(self, node) -> list[str]:
        names = [self.path_words]
        owner = self.nearest(node)
        while owner is not None and owner.type != "file_input":
            names.append(owner.children[1].value)
            owner = self.nearest(owner)
        # snake_case and CamelCase words: "HealthCheck" -> health, check
        text = " ".join(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", n) for n in names).lower()
        return [w for w in _WORDS.split(text) if w]

    # -- what the index reads besides the bodies ------------------------------
    def helpers(self, by_type) -> list[tuple[str, str, str]]:
        """Module-level functions of these nodes whose every return gives one shape."""
        found: dict[int, list] = {}
        tops: dict[int, object] = {}
        for ret in by_type.get("return_stmt", ()):
            owner = self.nearest(ret)
            if owner is None or owner.type != "funcdef":
                continue
            if self.nearest(owner).type != "file_input":
                continue
            tops[id(owner)] = owner
            found.setdefault(id(owner), []).append(self._returned_shape(ret))
        out = []
        for key, shapes in found.items():
            if shapes and None not in shapes and len(set(shapes)) == 1:
                kind, shape = shapes[0]
                out.append((tops[key].children[1].value, kind, shape))
        return out

    def _returned_shape(self, ret) -> tuple[str, str] | None:
        if len(ret.children) < 2:
            return None
        value = sx.unparen(ret.children[1])
        kind = ""
        if value.type in ("testlist_star_expr", "testlist"):
            items = [c for c in value.children if not (c.type == "operator" and c.value == ",")]
            if len(items) not in (2, 3) or not self.flask:
                return None
            value, kind = sx.unparen(items[0]), "flask"
        if value.type in ("atom_expr", "power"):
            calls = self.calls_of(value)
            if len(calls) == 1 and calls[0].callee:
                q = self.qualify(calls[0].callee) or ""
                found = RESPONSE_CLASSES.get(q)
                if found is not None:
                    args = calls[0].args
                    body = sx.kwarg(args, _BODY_KEYWORDS[found])
                    pos = [a for a in args if a.kind == "pos"]
                    node = body.value if body is not None else (pos[0].value if pos else None)
                    if node is None:
                        return None
                    value, kind = sx.unparen(node), found
                elif q == "flask.jsonify":
                    kind = "flask"
        if value.type == "atom" and value.children[0].value == "{":
            shape = dict_keys(value)
        elif value.type in ("atom_expr", "power"):
            found_shape = self.value_shape(value)
            shape = found_shape[0] if found_shape and not found_shape[1] else None
        else:
            shape = None
        if not shape or shape == STRING:
            return None
        return kind, shape

    def handlers(self, by_type) -> tuple[list[str], list[str]]:
        """(functions registered as exception handlers, those for HTTPException)."""
        every: list[str] = []
        http: list[str] = []
        for dec in by_type.get("decorator", ()):
            name = sx.decorator_name(dec) or ""
            if name.rsplit(".", 1)[-1] not in HANDLER_DECORATORS:
                continue
            func = sx.decorated_target(dec)
            if func is None or func.type != "funcdef":
                continue
            qualified = f"{self.module}.{func.children[1].value}"
            every.append(qualified)
            inner = dec.children[1]
            if inner.type in ("atom_expr", "power"):
                calls = self.calls_of(inner)
                if calls and self._is_http_exception(calls[-1].args):
                    http.append(qualified)
        for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
            for call in self.calls_of(node):
                if call.method in HANDLER_CALLS:
                    args = [a for a in call.args if a.kind == "pos"]
                    if len(args) == 2:
                        target = self.qualify(sx.dotted(args[1].value))
                        if target:
                            every.append(target)
                            if self._is_http_exception(args[:1]):
                                http.append(target)
                elif call.method in ("FastAPI", "Starlette"):
                    mapping = sx.kwarg(call.args, "exception_handlers")
                    if mapping is not None:
                        self._handler_mapping(mapping.value, every, http)
        return every, http

    def _handler_mapping(self, node, every, http) -> None:
        if node.type != "atom" or node.children[0].value != "{" or len(node.children) != 3:
            return
        items = node.children[1].children
        for i in range(0, len(items) - 2, 4):
            target = self.qualify(sx.dotted(items[i + 2]))
            if target:
                every.append(target)
                if (self.qualify(sx.dotted(items[i])) or "").endswith("HTTPException"):
                    http.append(target)

    def _is_http_exception(self, args) -> bool:
        return bool(args) and (self.qualify(sx.dotted(args[0].value)) or "").endswith(
            "HTTPException"
        )


def part_errors(
    imports: dict, module: str, rel_path: str, local, by_type, calls_of
) -> tuple[Counter, list, list, list]:
    """What one part of a file adds to its ErrorFacts."""
    reader = Reader(imports, module, rel_path, local, calls_of)
    counts: Counter = Counter(
        (b.kind, b.shape, b.helper) for b in reader.bodies(by_type) if b.shape or b.helper
    )
    every, http = reader.handlers(by_type)
    return counts, reader.helpers(by_type), every, http


def assemble_errors(parts) -> ErrorFacts:
    counts: Counter = Counter()
    helpers: list = []
    every: list = []
    http: list = []
    for part in parts:
        if part is None:
            return EMPTY  # a part that cannot be read: the file's counts are not known
        counts.update(part[0])
        helpers += part[1]
        every += part[2]
        http += part[3]
    if not (counts or helpers or every):
        return EMPTY
    return ErrorFacts(
        bodies=tuple(sorted((*k, n) for k, n in counts.items())),
        helpers=tuple(sorted(set(helpers))),
        handlers=tuple(sorted(set(every))),
        http_handlers=tuple(sorted(set(http))),
    )


# -- the project's conventions ---------------------------------------------------
@dataclass(frozen=True)
class ShapeGroup:
    """The error bodies of one framework in one service (import root) of the project."""

    service: str  # the import root ("" for the project root)
    group: str  # drf | django | flask | fastapi
    counts: tuple[tuple[str, int], ...]  # (shape, bodies), most first
    total: int

    @property
    def dominant(self) -> tuple[str, int] | None:
        """(shape, bodies that have it) of the shape the project answers errors with,
        when one clearly dominates: the most frequent shape, carried (its keys, and
        maybe more) by at least 2 of 3 of at least MIN_BODIES bodies."""
        if self.total < MIN_BODIES or not self.counts:
            return None
        top = self.counts[0][1]
        best = max(
            ((self.support(shape), shape) for shape, n in self.counts if n == top),
            key=lambda x: (x[0], -len(x[1])),
        )
        return (best[1], best[0]) if 3 * best[0] >= 2 * self.total else None

    def support(self, shape: str) -> int:
        """How many bodies carry ``shape``: its keys, and maybe more."""
        return sum(n for other, n in self.counts if carries(other, shape))

    @property
    def framework(self) -> str:
        return GROUP_NAMES[self.group]


MIN_BODIES = 6


def _helper(index, qualified: str) -> tuple[str, str] | None:
    """(kind, shape) of the project function ``qualified`` names, or None."""
    for _ in range(3):
        module, _, name = qualified.rpartition(".")
        facts = index.module(module) if module else None
        if facts is None:
            return None
        for n, kind, shape in facts.errors.helpers:
            if n == name:
                return kind, shape
        target = facts.imports.get(name)  # re-exported: `from .errors import error_body`
        if not target or target == qualified:
            return None
        qualified = target
    return None


def _raise_shapes(index) -> dict[str, str | None]:
    """Service -> the shape its HTTPException raises answer ("detail" unless a
    handler of HTTPException is registered; None when the handler's is unknown)."""
    handlers: dict[str, set] = {}
    for f in index.files.values():
        if f.errors.http_handlers and not f.is_test:
            for name in f.errors.http_handlers:
                found = _helper(index, name)
                handlers.setdefault(f.import_root, set()).add(found[1] if found else None)
    out: dict[str, str | None] = {}
    for service, shapes in handlers.items():
        out[service] = next(iter(shapes)) if len(shapes) == 1 else None
    return out


def _resolve(index, facts, body: tuple[str, str, str], raises) -> tuple[str, str] | None:
    kind, shape, helper = body
    if helper:
        found = _helper(index, helper)
        if found is None:
            return None
        kind = kind or found[0]
        shape = found[1]
    if kind not in GROUPS:
        return None
    if kind == "fastapi-raise" and facts.import_root in raises:
        shape = raises[facts.import_root]
        if shape is None:
            return None  # a handler of the project's whose shape is not readable
    if kind == "drf-raise" and index.drf_setting("EXCEPTION_HANDLER", facts):
        return None  # the project's handler decides what they answer
    return GROUPS[kind], shape


def resolved_shape(index, facts, kind: str, shape: str, helper: str) -> tuple[str, str] | None:
    """(group, shape) of a body of ``facts``'s file, or None when unknown."""
    return _resolve(index, facts, (kind, shape, helper), _memo(index)[1])


def _memo(index):
    """(groups by (service, group), raise shapes by service, handler names),
    kept on the index until the error bodies or the settings change."""
    key = (index.generation.get("errors", 0), index.generation.get("settings", 0))
    found = getattr(index, "_error_shapes", None)
    if found is not None and found[0] == key:
        return found[1]
    raises = _raise_shapes(index)
    counts: dict[tuple[str, str], Counter] = {}
    handlers: set[str] = set()
    for f in index.files.values():
        if f.is_test or f.is_migration:
            continue
        handlers.update(f.errors.handlers)
        for kind, shape, helper, n in f.errors.bodies:
            resolved = _resolve(index, f, (kind, shape, helper), raises)
            if resolved is not None:
                counts.setdefault((f.import_root, resolved[0]), Counter())[resolved[1]] += n
    groups = {
        (service, group): ShapeGroup(
            service, group, tuple(sorted(c.items(), key=lambda x: (-x[1], x[0]))), sum(c.values())
        )
        for (service, group), c in counts.items()
    }
    value = (groups, raises, frozenset(handlers))
    index._error_shapes = (key, value)
    return value


def error_shapes(index) -> list[ShapeGroup]:
    """The project's error bodies counted by shape, per service and framework
    (tests and migrations left out), the largest group first: what the report
    says about the project's error format, and what API006 judges against."""
    groups = _memo(index)[0]
    return sorted(groups.values(), key=lambda g: (-g.total, g.service, g.group))


def convention(index, facts, group: str) -> ShapeGroup | None:
    return _memo(index)[0].get((facts.import_root, group))


def registered_handlers(index) -> frozenset[str]:
    """Qualified names of the functions the project registers as exception handlers."""
    return _memo(index)[2]
