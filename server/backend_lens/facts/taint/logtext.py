"""Which parts of a log message are text the client wrote (VAL014).

A log message built from client data is only a log injection when the part that
carries it is text: `f"search {q}"`, `"user " + request.POST["name"]`. The walk
also follows objects built from client data (`form = self.form(request.POST)`,
`instance = form.save()`), lists (`groups = header.split(",")`) and dictionaries
(`payload.dict()`): formatted into a message, those print their `__str__` or the
`repr()` of their items, and `repr()` escapes newlines. This reads the message
as written in the function and keeps only the pieces that stay text."""

from __future__ import annotations

from ...source import syntax as sx
from .nodes import _unparen
from .tables import REQUEST_ATTRS

# methods whose result is text when the object is (str methods, dict/QueryDict getters)
TEXT_METHODS = frozenset(
    {
        "get",
        "pop",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "title",
        "casefold",
        "capitalize",
        "replace",
        "decode",
        "format",
        "join",
        "removeprefix",
        "removesuffix",
        "zfill",
        "ljust",
        "rjust",
        "center",
        "expandtabs",
        "getvalue",
        "read",
    }
)
TEXT_FUNCTIONS = frozenset({"str", "unquote", "unquote_plus", "urllib.parse.unquote"})
# what a request holds as a whole: a mapping, a list or bytes, never bare text (the
# request's attributes the taint walk reads, but those that give text or a payload
# decoded to any type, and aiohttp/Starlette's mappings the walk reads by key)
MAPPINGS = REQUEST_ATTRS - {
    "content",
    "get_data",
    "get_json",
    "match_info",
    "path_params",
    "post",
    "query",
    "read",
    "stream",
    "text",
}
LISTS = frozenset({"getlist", "split", "splitlines", "keys", "values"})
BINDERS = ("for_stmt", "comp_for", "sync_comp_for", "except_clause", "with_item")


def message_pieces(node, scopes: dict) -> list:
    """The expressions a message is built from (the message itself when it is not
    built here): f-string values, `%` / `.format()` values, `+` operands; a name
    is read through its last assignment in the function."""
    node = _unparen(node)
    if node.type == "name":
        value = _assigned(node, node.value, scopes)
        if value is not None and _built(_unparen(value)):
            return message_pieces(value, scopes)
        return [node]
    if node.type == "fstring":
        return [
            c.children[1] for c in node.children if c.type == "fstring_expr" and not _is_repr(c)
        ]
    if node.type == "arith_expr" and all(
        c.value == "+" for c in node.children[1::2] if c.type == "operator"
    ):
        out = []
        for c in node.children[::2]:
            out += message_pieces(c, scopes) if _built(_unparen(c)) else [c]
        return out
    formatted = sx.formatted_string(node)
    if formatted is not None:
        values = formatted[1]
        if values.type == "trailer":  # "...".format(a, b=c)
            return [a.value for a in sx.call_args(values)]
        values = _unparen(values)
        if values.type == "atom" and values.children[0].value == "(":
            inner = values.children[1]
            return (
                [c for c in inner.children if c.type != "operator"]
                if inner.type in ("testlist_comp",)
                else [inner]
            )
        return [values]
    if node.type in ("string", "strings"):
        return []
    return [node]


def is_text(node, scopes: dict, depth: int = 0) -> bool:
    """Whether ``node`` is text when what it reads is (not an object, a list or a
    dictionary printed through its `__str__` / `repr()`)."""
    node = _unparen(node)
    if depth > 4:
        return True
    t = node.type
    if t == "name":
        if _bound_by_loop(node, scopes):
            return False
        values = _assignments(node, node.value, scopes)
        return all(is_text(v, scopes, depth + 1) for v in values)  # every branch gives text
    if t == "atom" and node.children[0].value in ("[", "{"):
        return False  # a list, a dict or a set: printed with repr() of its items
    if t in ("atom_expr", "power"):
        ps = sx.parts(node)
        last = ps[-1]
        if last.type == "trailer" and last.children[0].value == "(":
            before = ps[-2] if len(ps) >= 2 else None
            if len(ps) == 2 and ps[0].type == "name":  # f(x)
                if ps[0].value in TEXT_FUNCTIONS:
                    args = sx.call_args(last)
                    return bool(args) and is_text(args[0].value, scopes, depth + 1)
                return False
            if before is not None and before.type == "trailer" and before.children[0].value == ".":
                name = before.children[1].value
                if name == "format":  # "{}: {}".format(obj, name)
                    return any(is_text(a.value, scopes, depth + 1) for a in sx.call_args(last))
                if name == "join":  # ", ".join(names): the items
                    args = sx.call_args(last)
                    return bool(args) and (
                        is_text(args[0].value, scopes, depth + 1) or _method(args[0].value) in LISTS
                    )
                if name in TEXT_METHODS:
                    return _prefix_text(ps, 2, scopes, depth)
                return False
            return False
        if last.type == "trailer" and last.children[0].value == "." and len(ps) > 1:
            if last.children[1].value in MAPPINGS:
                return False  # `request.GET`, `request.body`: printed through repr()
        if last.type == "trailer" and last.children[0].value in ("[", "."):
            # `request.GET["q"]`, `payload.name`: what the object holds
            return _prefix_text(ps, 1, scopes, depth)
        return True
    return True


def _method(node) -> str | None:
    """`split` of `x.split(",")`: the method a call expression ends with."""
    node = _unparen(node)
    if node.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(node)
    if len(ps) >= 3 and ps[-1].type == "trailer" and ps[-1].children[0].value == "(":
        before = ps[-2]
        if before.type == "trailer" and before.children[0].value == ".":
            return before.children[1].value
    return None


def _prefix_text(ps, cut: int, scopes: dict, depth: int) -> bool:
    rest = ps[:-cut]
    if len(rest) == 1:
        return is_text(rest[0], scopes, depth + 1) if rest[0].type == "name" else True
    return True  # a longer chain: `request.GET.get(...)`, `self.request.data[...]`


def _is_repr(fstring_expr) -> bool:
    conv = [x for x in fstring_expr.children if x.type == "fstring_conversion"]
    return bool(conv) and sx.code(conv[0]).strip() in ("!r", "!a")


def _built(node) -> bool:
    return (
        node.type == "fstring"
        or (
            node.type == "arith_expr"
            and any(
                _unparen(c).type in ("string", "strings", "fstring") for c in node.children[::2]
            )
        )
        or sx.formatted_string(node) is not None
    )


def _function(node):
    p = node.parent
    while p is not None and p.type not in ("funcdef", "lambdef", "file_input"):
        p = p.parent
    return p if p is not None and p.type != "file_input" else None


class _Scope:
    """What a function binds, read in one walk: the names bound by loops,
    `except ... as` and `with ... as`, and the plain assignments of each name."""

    def __init__(self, func) -> None:
        self.loop_names: set[str] = set()
        self.assigned: dict[str, list] = {}
        for n in sx.walk(func):
            t = n.type
            if t == "expr_stmt":
                ch = n.children
                if len(ch) >= 3 and ch[1].type == "operator" and ch[1].value == "=":
                    if ch[0].type == "name":
                        self.assigned.setdefault(ch[0].value, []).append(n)
            elif t in BINDERS and t != "comp_for":  # `async for`: its sync_comp_for
                if t in ("for_stmt", "sync_comp_for"):
                    target = n.children[1]
                elif t == "with_item":
                    target = n.children[-1]
                else:
                    target = n.children[3] if len(n.children) >= 4 else None
                if target is not None:
                    self.loop_names.update(x.value for x in sx.walk(target) if x.type == "name")
        for stmts in self.assigned.values():
            stmts.sort(key=lambda n: n.start_pos)


def _scope(func, scopes: dict) -> _Scope:
    """The function's bindings, read once per walk (``scopes``: the walk's own
    table, dropped with it, so no parse tree outlives its walk)."""
    scope = scopes.get(func.start_pos)
    if scope is None:
        scope = scopes[func.start_pos] = _Scope(func)
    return scope


def _bound_by_loop(name, scopes: dict) -> bool:
    func = _function(name)
    return func is not None and name.value in _scope(func, scopes).loop_names


def _assigned(at, name: str, scopes: dict):
    """The value last given to ``name`` before ``at`` in its function, if any."""
    values = _assignments(at, name, scopes)
    return values[-1] if values else None


def _assignments(at, name: str, scopes: dict) -> list:
    """The values given to ``name`` before ``at`` in its function, in order."""
    func = _function(at)
    if func is None:
        return []
    stmts = _scope(func, scopes).assigned.get(name, ())
    return [n.children[-1] for n in stmts if n.start_pos < at.start_pos]
