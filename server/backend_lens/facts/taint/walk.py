"""The walk of one function: statements in order, names bound to the atoms of
what they hold; and which parameters hold client data."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...source import syntax as sx
from .checks import SinkChecks
from .model import (
    EMPTY,
    CallFlow,
    FunctionFlow,
    SinkFlow,
    _cleaned,
    _union_all,
    call_flow,
    function_flow,
)
from .nodes import (
    _first_item,
    _is_string,
    _items,
    _leaves,
    _method_of,
    _unparen,
)
from .params import _caller_params, safe_fields, source_params, typed_params
from .tables import (
    AIOHTTP_ATTRS,
    BUILTINS,
    CLEAN_ATTRS,
    CLEAN_METHODS,
    CONVERSIONS,
    DATA_KEYWORDS,
    FLASK_REQUEST,
    LIBRARY_ROOTS,
    PATH_GUARDS,
    PROPAGATING_MUTATORS,
    REDIRECT_GUARD,
    REQUEST_ATTRS,
    REQUEST_CLEAN_ATTRS,
    REQUEST_NAMES,
    SANITIZERS,
    SINKS,
    STRING_BUILDERS,
    WRAPPERS,
)

_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?([a-zA-Z%])")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def _placed(before: str) -> frozenset:
    """The rules a value is clean for when a URL built from parts puts it after
    ``before`` (the text so far, "X" for each value): after the path's first "/"
    or in the query or fragment it chooses neither the host of a request (VAL007)
    nor, behind a scheme and host or a site path ("/x"), a redirect's target."""
    if "?" in before or "#" in before:
        return frozenset({"VAL007", "VAL009"})
    after = _SCHEME.sub("", before)
    out = set()
    if "/" in after.lstrip("/"):
        out.add("VAL007")
        if after != before or re.match(r"^/[^/\\]", before):
            out.add("VAL009")
    elif re.match(r"^/[^/\\]", before):
        out.add("VAL009")
    return frozenset(out)


def _placing(pieces) -> frozenset:
    """The atoms of a string built from ``pieces`` ((literal text, None) or
    (None, atoms) in order), each value cleaned for what its place rules out."""
    out, before = EMPTY, ""
    for text, atoms in pieces:
        if text is not None:
            before += text
            continue
        codes = _placed(before) if atoms else EMPTY
        out |= _cleaned(atoms, codes) if codes else atoms
        before += "X"
    return out


class _Function(SinkChecks):
    """The walk of one function body."""

    def __init__(self, ctx, funcdef, qualname: str, class_name: str | None, sources: dict):
        self.ctx = ctx
        self.funcdef = funcdef
        self.qualname = qualname
        self.class_name = class_name
        self.env: dict[str, frozenset] = dict(sources)
        self.lists: dict[str, frozenset] = {}  # name bound to a list literal -> its first item
        self.fixed: set[str] = set()
        self.fixed_hosts: set[str] = set()  # names bound to a URL whose host is fixed
        self.loops = 0  # loops the walk is inside
        self.call_index: dict = {}  # (start, callee) -> index in calls (a loop walks twice)
        self.calls: list[CallFlow] = []
        self.sinks: list[SinkFlow] = []
        self.sink_index: dict = {}  # (code, start, at) -> index in sinks
        self.returns: set = set()
        # the names the function binds: its parameters, and every name assigned so
        # far in the walk (statements run in order; a name bound only further down
        # is read as the module's until then)
        self.params = frozenset(p.name.value for p in funcdef.get_params())
        self._text: str | None = None  # the function's code, read when a sink asks
        # a route's body models -> their fields typed with no client text (`price: float`)
        clients = {k for k, v in sources.items() if any(a[0] == "s" for a in v)}
        self.safe_fields = safe_fields(funcdef, clients) if clients else {}
        # the other body models: their fields are typed where the class is (another
        # module, a base class there), judged against the project index ("t" atoms)
        self.typed = typed_params(funcdef, clients) if clients else {}
        self.given = dict(sources)  # a parameter rebound in the body loses its fields

    def is_local(self, name) -> bool:
        """A parameter, or a name the walk has bound so far."""
        return name in self.params or name in self.env

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = sx.code(self.funcdef)
        return self._text

    @property
    def tar_archives(self) -> bool:
        return "tarfile" in self.text or "TarFile" in self.text

    @property
    def path_guarded(self) -> bool:
        text = self.text
        return any(g in text for g in PATH_GUARDS) or (
            ".startswith(" in text and ("abspath" in text or ".resolve(" in text)
        )

    @property
    def redirect_guarded(self) -> bool:
        return REDIRECT_GUARD.search(self.text) is not None

    def block(self, nodes) -> None:
        for node in nodes:
            self.stmt(node)

    def stmt(self, node) -> None:  # noqa: C901 - one dispatch over statement kinds
        t = node.type
        if t in ("simple_stmt", "suite"):
            self.block(node.children)
        elif t == "expr_stmt":
            self.expr_stmt(node)
        elif t == "return_stmt":
            if len(node.children) > 1:
                self.returns |= self.ev(node.children[1])
        elif t == "if_stmt":
            self.if_stmt(node)
        elif t in ("for_stmt", "async_stmt", "while_stmt", "with_stmt", "try_stmt"):
            self.compound(node)
        elif t in ("funcdef", "classdef", "decorated"):
            d = node.children[-1] if t == "decorated" else node
            if d.type in ("funcdef", "classdef"):  # a function of its own; the name is local
                self.env.setdefault(d.children[1].value, EMPTY)
            elif d.type == "async_funcdef":
                self.env.setdefault(d.children[1].children[1].value, EMPTY)
        elif t in ("newline", "keyword", "operator", "endmarker", "import_name", "import_from"):
            return
        elif t in ("del_stmt", "global_stmt", "nonlocal_stmt", "pass_stmt"):
            return
        else:  # an expression statement, raise, assert, yield
            self.ev(node)

    def expr_stmt(self, node) -> None:
        ch = node.children
        if len(ch) >= 2 and ch[1].type == "annassign":
            ann = ch[1].children
            if len(ann) >= 4:
                self.assign(ch[0], self.ev(ann[3]), ann[3])
            return
        if len(ch) == 3 and ch[1].type == "operator" and ch[1].value != "=":  # x += y
            value = self.ev(ch[2])
            if ch[0].type == "name":
                self.env[ch[0].value] = self.env.get(ch[0].value, EMPTY) | value
            else:
                self.ev(ch[0])
            return
        if len(ch) < 3:
            self.ev(node)
            return
        value_node = ch[-1]
        value = self.ev(value_node)
        for target in ch[:-1:2]:
            self.assign(target, value, value_node)

    def assign(self, target, value: frozenset, value_node=None) -> None:
        t = target.type
        if t == "name":
            self.env[target.value] = value
            self.lists.pop(target.value, None)
            self.fixed.discard(target.value)
            self.fixed_hosts.discard(target.value)
            if value and value_node is not None and self._fixed_target(value_node):
                self.fixed.add(target.value)  # `url = f"/done?next={x}"`: data after the "?"
            if value and value_node is not None and self._pieces(value_node) is not None:
                if self._host_fixed(value_node):
                    self.fixed_hosts.add(target.value)  # `url = f"https://api/x/{slug}"`
            if value_node is not None and value_node.type == "atom":
                first = _first_item(value_node)
                if first is not None:
                    self.lists[target.value] = self.ev(first)
        elif t in ("testlist_star_expr", "exprlist", "testlist", "atom"):
            items = [c for c in _items(target)]
            values = (
                [c for c in _items(value_node)]
                if value_node is not None
                and value_node.type in ("testlist_star_expr", "testlist", "atom")
                else None
            )
            for k, item in enumerate(items):
                if values is not None and len(values) == len(items):
                    self.assign(item, self.ev(values[k]), values[k])
                else:
                    self.assign(item, value)
        elif t == "star_expr":
            self.assign(target.children[1], value)
        elif t in ("atom_expr", "power"):
            ps = sx.parts(target)
            # obj.attr = value / d[key] = value: the object now holds the value
            if ps and ps[0].type == "name" and len(ps) == 2:
                for p in ps[1:]:
                    if p.type == "trailer" and p.children[0].value == "[":
                        self.ev(p.children[1])
                name = ps[0].value
                if name != "self":
                    self.env[name] = self.env.get(name, EMPTY) | value

    def if_stmt(self, node) -> None:
        ch = node.children
        before = dict(self.env)
        branches: list[dict] = []
        i = 0
        while i < len(ch):
            c = ch[i]
            if c.type == "keyword" and c.value in ("if", "elif"):
                test, suite = ch[i + 1], ch[i + 3]
                self.ev(test)
                self.env = dict(before)
                guarded = _allow_list_guard(test, self)
                if guarded is not None and guarded[1]:  # `if x in ALLOWED:` -> clean inside
                    self.env[guarded[0]] = EMPTY
                self.stmt(suite)
                branches.append(self.env)
                if guarded is not None and not guarded[1] and _leaves(suite):
                    # `if x not in ALLOWED: return` -> clean after
                    before = dict(before)
                    before[guarded[0]] = EMPTY
                    branches.pop()
                elif guarded is not None and not guarded[1] and not self.env.get(guarded[0]):
                    # `if x not in ALLOWED: x = DEFAULT` -> one of the code's own after
                    before = dict(before)
                    before[guarded[0]] = EMPTY
                i += 4
            elif c.type == "keyword" and c.value == "else":
                self.env = dict(before)
                self.stmt(ch[i + 2])
                branches.append(self.env)
                i += 3
            else:
                i += 1
        if not any(c.type == "keyword" and c.value == "else" for c in ch):
            branches.append(before)
        merged: dict[str, frozenset] = {}
        for b in branches:
            for k, v in b.items():
                merged[k] = merged.get(k, EMPTY) | v
        self.env = merged

    def compound(self, node) -> None:
        t = node.type
        if t == "async_stmt":
            self.stmt(node.children[1])
            return
        if t == "for_stmt":
            target, iterable = node.children[1], node.children[3]
            value = self.ev(iterable)
            # twice at the outermost loop (what the body binds reaches its start),
            # once inside it: nested loops cost twice their size, not 2**depth
            self.loops += 1
            for _ in range(2 if self.loops == 1 else 1):
                self.assign(target, value)
                for c in node.children[5:]:
                    if c.type in ("suite", "simple_stmt") or c.type.endswith("_stmt"):
                        self.stmt(c)
            self.loops -= 1
            return
        if t == "while_stmt":
            self.loops += 1
            for _ in range(2 if self.loops == 1 else 1):
                self.ev(node.children[1])
                for c in node.children[3:]:
                    if c.type in ("suite", "simple_stmt") or c.type.endswith("_stmt"):
                        self.stmt(c)
            self.loops -= 1
            return
        if t == "with_stmt":
            for item in node.children[1:-2]:
                if item.type == "with_item":
                    value = self.ev(item.children[0])
                    self.assign(item.children[2], value)
                elif item.type not in ("operator", "keyword"):
                    self.ev(item)
            self.stmt(node.children[-1])
            return
        if t == "try_stmt":
            for c in node.children:
                if c.type in ("suite", "simple_stmt"):
                    self.stmt(c)
                elif c.type == "except_clause":
                    for x in c.children[1:]:
                        if x.type not in ("keyword", "operator", "name"):
                            self.ev(x)

    def ev(self, node) -> frozenset:  # noqa: C901 - one dispatch over expression kinds
        t = node.type
        if t == "name":
            return self.env.get(node.value, EMPTY) if node.value not in ("None", "True") else EMPTY
        if t in ("number", "string", "keyword", "operator", "fstring_string", "fstring_end"):
            return EMPTY
        if t == "strings":
            return self._union(node.children)
        if t == "fstring":
            pieces = []
            for c in node.children:
                if c.type == "fstring_expr":
                    pieces.append((None, self.ev(c.children[1])))
                elif c.type == "fstring_string":
                    pieces.append((c.value, None))
            return _placing(pieces)
        if t in ("atom_expr", "power"):
            return self.chain(node)
        if t in ("comparison", "not_test"):
            self._union(node.children)
            return EMPTY
        if t == "term" and len(node.children) == 3 and node.children[1].value == "%":
            left, right = node.children[0], node.children[2]
            if _is_string(_unparen(left)):
                return self.ev(left) | self._formatted(sx.literal_text(_unparen(left)), right)
            return self.ev(left) | self.ev(right)
        if t == "arith_expr" and all(c.value == "+" for c in node.children[1::2]):
            return _placing(
                (sx.literal_text(c), None) if c.type == "string" else (None, self.ev(c))
                for c in node.children[::2]
            )
        if t in ("arith_expr", "term", "or_test", "and_test", "expr", "xor_expr", "shift_expr"):
            return self._union(node.children)
        if t == "factor":
            self.ev(node.children[-1])
            return EMPTY  # -x: a number
        if t == "test":  # a if c else b
            ch = node.children
            self.ev(ch[2])
            return self.ev(ch[0]) | (self.ev(ch[4]) if len(ch) > 4 else EMPTY)
        if t == "atom":
            ch = node.children
            if len(ch) == 3:
                inner = ch[1]
                if inner.type in ("testlist_comp", "dictorsetmaker") and any(
                    c.type in ("comp_for", "sync_comp_for") for c in inner.children
                ):
                    return self.comprehension(inner)
                return self.ev(inner)
            return EMPTY
        if t in ("testlist_comp", "dictorsetmaker", "testlist", "testlist_star_expr", "exprlist"):
            if any(c.type in ("comp_for", "sync_comp_for") for c in node.children):
                return self.comprehension(node)
            return self._union(node.children)
        if t == "argument" and any(c.type in ("comp_for", "sync_comp_for") for c in node.children):
            return self.comprehension(node)  # f(x for x in y)
        if t in ("star_expr", "argument"):
            return self._union(node.children)
        if t == "namedexpr_test":
            value = self.ev(node.children[2])
            self.assign(node.children[0], value)
            return value
        if t == "lambdef":
            return EMPTY
        if t in ("yield_expr", "return_stmt", "raise_stmt", "assert_stmt"):
            return self._union(node.children[1:])
        if t == "keyword":
            return EMPTY
        if hasattr(node, "children"):
            return self._union(node.children)
        return EMPTY

    def _formatted(self, text: str, right) -> frozenset:
        """The atoms ``"text" % right`` puts in its text, each cleaned for its place."""
        slots = [m for m in _CONVERSION.finditer(text) if m.group(1) != "%"]
        items = _items(right) if right.type == "atom" and right.children[0].value == "(" else None
        if not slots or items is None or len(items) != len(slots):
            atoms = self.ev(right)  # one value, a mapping: placed at the first slot
            return _placing([(text[: slots[0].start()] if slots else "", None), (None, atoms)])
        pieces: list = []
        end = 0
        for m, item in zip(slots, items, strict=True):
            pieces += [(text[end : m.start()], None), (None, self.ev(item))]
            end = m.end()
        return _placing(pieces)

    def _union(self, nodes) -> frozenset:
        out = EMPTY
        for n in nodes:
            if n.type != "operator":
                out |= self.ev(n)
        return out

    def comprehension(self, node) -> frozenset:
        ch = node.children
        comp = next(c for c in ch if c.type in ("comp_for", "sync_comp_for"))
        if comp.type == "comp_for" and comp.children[0].type == "keyword":  # async for
            comp = comp.children[1] if comp.children[1].type == "sync_comp_for" else comp
        saved = dict(self.env)
        cc = comp.children
        try:
            k = next(i for i, c in enumerate(cc) if c.type == "keyword" and c.value == "in")
            self.assign(cc[1], self.ev(cc[k + 1]))
            for c in cc[k + 2 :]:
                self.ev(c)
        except StopIteration:
            pass
        out = EMPTY
        for c in ch:
            if c is comp or (c.type == "operator"):
                continue
            out |= self.ev(c)
        self.env = {**saved, **{k: v for k, v in self.env.items() if k in saved}}
        return out

    def chain(self, node) -> frozenset:  # noqa: C901
        ps = sx.parts(node)
        awaited = node.children[0].type == "keyword" and node.children[0].value == "await"
        if not ps:
            return EMPTY
        head = ps[0]
        atoms = self.ev(head)
        written = head.value if head.type == "name" else None  # dotted text while it lasts
        for i, tr in enumerate(ps[1:], 1):
            if tr.type != "trailer":
                return atoms
            op = tr.children[0].value
            if op == ".":
                attr = tr.children[1].value
                base = written
                written = f"{written}.{attr}" if written is not None else None
                if (
                    base is not None
                    and attr in REQUEST_ATTRS
                    and self._is_request(base)
                    and (attr not in AIOHTTP_ATTRS or base == "request")
                ):
                    atoms = atoms | {("s", f"{base}.{attr}", head.start_pos, tr.end_pos, EMPTY)}
                elif (
                    i == 1
                    and attr in self.safe_fields.get(base, ())
                    and self.env.get(base) == self.given.get(base)
                ):
                    atoms = EMPTY  # `item.price` of a body model whose `price: float`
                elif attr in CLEAN_ATTRS or (
                    attr in REQUEST_CLEAN_ATTRS and base is not None and self._is_request(base)
                ):
                    atoms = EMPTY
                elif attr == "value" and atoms:
                    atoms = EMPTY  # `choice.value`: an enum member FastAPI validated
                elif (
                    attr == "name"
                    and atoms
                    and all(a[0] == "s" and a[1].endswith(".FILES") for a in atoms)
                ):
                    # Django keeps only the base name of an upload (UploadedFile._set_name)
                    atoms = _cleaned(atoms, {"VAL008"})
                elif i == 1 and base in self.typed and self.env.get(base) == self.given.get(base):
                    # `payload.project_id` of a model of another module: ("t", label,
                    # start, end, the annotation as written, the field, cleaned)
                    ann = self.typed[base]
                    atoms = frozenset(
                        ("t", a[1], a[2], a[3], ann, attr, a[-1]) if a[0] == "s" else a
                        for a in atoms
                    )
                continue
            if op == "[":
                self.ev(tr.children[1])
                written = None
                continue
            # a call
            args = sx.call_args(tr)
            callee = written
            atoms = self.call(node, ps, i, tr, callee, atoms, args, awaited and i == len(ps) - 1)
            written = None
        return atoms

    def _is_request(self, base: str) -> bool:
        """Whether ``base`` names the request being served: a view's `request`
        parameter, Flask's `request` (under any import name), `self.request`."""
        head = base.split(".")[0]
        if head in self.env and head not in self.params:
            return False  # `req = urllib.request.Request(url)`: an outgoing request
        if base in REQUEST_NAMES:
            return True
        return self.ctx.imports.get(base) in FLASK_REQUEST

    def qualify(self, callee: str | None) -> str | None:
        if callee is None:
            return None
        head, _, rest = callee.partition(".")
        if self.is_local(head):
            return None  # a local variable: what it is, is decided when the code runs
        if head in self.ctx.imports:
            q = self.ctx.imports[head]
            return f"{q}.{rest}" if rest else q
        if head in self.ctx.top_names or head in self.ctx.locals or head in self.ctx.classes:
            return f"{self.ctx.module}.{callee}"
        return callee

    def call(self, node, ps, i, trailer, callee, recv, args, awaited) -> frozenset:  # noqa: C901
        qualified = self.qualify(callee)
        method = callee.rsplit(".", 1)[-1] if callee else _method_of(ps, i)
        slots: list[tuple[str, frozenset]] = []
        positional: list[frozenset] = []
        pos_nodes = []
        for a in args:
            v = self.ev(a.value)
            if a.kind == "pos":
                slots.append((f"#{len(positional)}", v))
                positional.append(v)
                pos_nodes.append(a.value)
            elif a.kind == "kw":
                slots.append((f"kw:{a.name}", v))
            elif a.kind == "star":
                slots.append(("*", v))
                positional.append(v)
            elif a.kind == "dstar":
                slots.append(("**", v))
        start = ps[0].start_pos
        end = trailer.end_pos
        self.check_sink(
            qualified, callee, method, recv, args, positional, pos_nodes, start, end, awaited
        )
        # what the call returns
        if qualified in SINKS and qualified != "compile":
            return EMPTY  # reported here, not again where its result goes (execute(text(sql)))
        if qualified in CONVERSIONS:
            return EMPTY
        if qualified in SANITIZERS:
            return _cleaned(_union_all(positional), SANITIZERS[qualified])
        is_method = callee is None or "." in callee
        if callee is not None and self._is_project(qualified, callee):
            if callee.startswith("self.") and self.class_name and callee.count(".") == 1:
                target = f"{self.ctx.module}.{self.class_name}.{callee[5:]}"
            else:
                target = qualified or callee
                for suffix in (".delay", ".apply_async", ".s", ".si", ".send", ".kiq"):
                    if target.endswith(suffix):
                        target = target[: -len(suffix)] + "|" + suffix[1:]
                        break
            if target.endswith("|apply_async"):
                slots = _apply_async_slots(self, args) or slots
            k = self.call_index.get((start, target))
            if k is None:
                k = self.call_index[(start, target)] = len(self.calls)
                self.calls.append(CallFlow(sx.intern(target), start, end, tuple(slots)))
            else:  # the second walk of a loop: what it gives now, too
                old = dict(self.calls[k].args)
                merged = tuple((s, old.get(s, EMPTY) | v) for s, v in slots)
                self.calls[k] = CallFlow(self.calls[k].callee, start, end, merged)
            return frozenset({("c", k, EMPTY)})
        if method in CLEAN_METHODS and is_method:
            return EMPTY  # `x.isdigit()`, `x.startswith(...)`: a bool or a number
        if method in PROPAGATING_MUTATORS and callee and "." in callee and positional:
            name = callee.split(".")[0]
            if name in self.env or self.is_local(name):
                self.env[name] = self.env.get(name, EMPTY) | _union_all(positional)
        given = _union_all(positional)
        last = (callee or method or "").rsplit(".", 1)[-1]
        for slot, atoms in slots:
            if slot[3:] in DATA_KEYWORDS or (slot.startswith("kw:") and last in STRING_BUILDERS):
                given |= atoms  # tarfile.open(fileobj=upload), "{n}".format(n=name)
        if not given:
            return recv
        if last[:1].isupper() and last not in WRAPPERS:
            return recv  # an object built by a library (`CreateSchema(name)`): not the text
        if self._is_method(ps, i, callee) and last not in STRING_BUILDERS:
            # `CHOICES.get(key)`: what the object holds, whatever the key
            return recv
        # a library function: what goes in comes out (`os.path.join`, `unquote`, `str`)
        return recv | given

    def _is_method(self, ps, i, callee: str | None) -> bool:
        """Whether call ``i`` of the chain is a method of an object (not a function
        of an imported module: `os.path.join`)."""
        if callee is None:
            return i > 1  # `x[0].get(k)`, `f(a).strip()`
        if "." not in callee:
            return False
        head = callee.split(".", 1)[0]
        return head not in self.ctx.imports or self.is_local(head)

    def _is_project(self, qualified: str | None, callee: str) -> bool:
        if callee.startswith("self.") and callee.count(".") == 1:
            return True
        if qualified is None:
            return False
        root = qualified.split(".")[0]
        own = self.ctx.module.split(".")[0]  # the project's own package (Django's source)
        if (root in LIBRARY_ROOTS and root != own) or qualified in BUILTINS:
            return False
        if qualified == callee and "." not in callee:
            return False  # a name nobody binds here: a builtin or a star import
        if qualified == callee and callee.split(".")[0] not in self.ctx.imports:
            return False  # an attribute of an object: decided when the code runs
        head = callee.split(".")[0]
        if "." in callee and head in self.ctx.top_names and head not in self.ctx.classes:
            return False  # `CHOICES.get(key)`: a method of a module-level object
        return True


def _apply_async_slots(walk: _Function, args) -> list | None:
    a = sx.kwarg(args, "args")
    if a is None or a.value.type != "atom":
        return None
    return [(f"#{k}", walk.ev(item)) for k, item in enumerate(_items(a.value))]


def _allow_list_guard(test, walk) -> tuple[str, bool] | None:
    """(name, True) for ``name in ALLOWED``, (name, False) for ``name not in ALLOWED``:
    ALLOWED a collection that holds no client data."""
    if test.type != "comparison" or len(test.children) != 3:
        return None
    left, op, right = test.children
    if left.type != "name":
        return None
    ops = sx.code(op).split()
    if ops == ["in"]:
        positive = True
    elif ops == ["not", "in"]:
        positive = False
    else:
        return None
    # the code's own collection (a constant, a setting, a list it built from what
    # it has): a value found there is one of the code's own values
    return (left.value, positive) if not walk.ev(right) else None


@dataclass
class WalkContext:
    module: str
    imports: dict
    top_names: frozenset
    locals: frozenset
    classes: frozenset
    app_objects: dict


def function_flows(fctx, by_type) -> tuple[list[FunctionFlow], tuple[str, ...]]:
    """The flows of the functions among ``by_type``'s nodes (a file's or one unit's),
    and the project functions they call with nothing that matters (no data in, the
    result unused), sorted: names only, kept for the file (VAL001's "has this
    function callers?"), not one flow per function that calls only those."""
    ctx = WalkContext(
        fctx.module,
        fctx.imports,
        fctx.top_names,
        fctx.locals,
        fctx.local_classes,
        fctx.app_objects,
    )
    out = []
    called: set[str] = set()
    for funcdef in by_type.get("funcdef", ()):
        if funcdef.parent is None:
            continue
        try:
            flow, names = _flow(ctx, funcdef)
        except (AttributeError, IndexError, ValueError, StopIteration, RecursionError):
            continue  # a half-typed function: no flow until it parses
        called.update(names)
        if flow is not None:
            out.append(flow)
    return out, tuple(sorted(called))


def _qualname(funcdef) -> tuple[str, str | None]:
    names = [funcdef.children[1].value]
    class_name = None
    node = funcdef.parent
    first = True
    while node is not None and node.type != "file_input":
        if node.type in ("funcdef", "classdef"):
            names.append(node.children[1].value)
            if node.type == "classdef" and first:
                class_name = node.children[1].value
            first = False
        node = node.parent
    return ".".join(reversed(names)), class_name


def _flow(ctx, funcdef) -> tuple[FunctionFlow | None, set[str]]:
    qualname, class_name = _qualname(funcdef)
    # a method's class as the module sees it: Outer.Inner for nested classes
    if class_name is not None:
        class_name = qualname.rsplit(".", 1)[0]
    sources = source_params(ctx, funcdef, class_name)
    params = _caller_params(funcdef, class_name)
    # a request object is not data; what it holds is read where it is read
    env = {
        p.lstrip("*"): frozenset({("p", p.lstrip("*"), EMPTY)})
        for p in params
        if p.lstrip("*") not in ("request", "req", "info")
    }
    env.update(sources)
    walk = _Function(ctx, funcdef, qualname, class_name, env)
    walk.stmt(funcdef.children[-1])
    calls, sinks, returns = _keep_used_calls(walk.calls, walk.sinks, frozenset(walk.returns))
    kept = {c.callee for c in calls}
    called = {c.callee for c in walk.calls} - kept
    if not sinks and not calls and not returns:
        return None, called
    flow = function_flow(
        sx.intern(qualname),
        funcdef.children[1].start_pos,
        params,
        returns,
        tuple(call_flow(c.callee, c.start, c.end, c.args) for c in calls),
        sinks,
    )
    return flow, called


def _keep_used_calls(calls, sinks, returns):
    """The calls whose flow matters: given something, or whose result reaches a
    sink, the return value or another kept call (atoms renumbered to them). A
    scan holds every file's flows: the others are kept as names only."""
    used: set[int] = set()
    todo = [a[1] for s in sinks for a in s.atoms if a[0] == "c"]
    todo += [a[1] for a in returns if a[0] == "c"]
    todo += [k for k, c in enumerate(calls) if any(v for _, v in c.args)]
    while todo:
        k = todo.pop()
        if k in used:
            continue
        used.add(k)
        todo += [a[1] for _, v in calls[k].args for a in v if a[0] == "c"]
    if len(used) == len(calls):
        return tuple(calls), tuple(sinks), returns
    new = {old: i for i, old in enumerate(sorted(used))}

    def remap(atoms):
        return frozenset(
            ("c", new[a[1]], a[2]) if a[0] == "c" else a
            for a in atoms
            if a[0] != "c" or a[1] in new
        )

    kept = tuple(
        CallFlow(c.callee, c.start, c.end, tuple((s, remap(v)) for s, v in c.args))
        for c in (calls[k] for k in sorted(used))
    )
    return (
        kept,
        tuple(SinkFlow(s.code, s.what, s.start, s.end, remap(s.atoms), s.at) for s in sinks),
        remap(returns),
    )
