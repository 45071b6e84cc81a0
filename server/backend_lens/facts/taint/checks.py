"""Sinks: which argument of a call carries the data to a dangerous place."""

from __future__ import annotations

import re

from ...source import syntax as sx
from .logtext import is_text, message_pieces
from .model import (
    EMPTY,
    SinkFlow,
    _union_all,
)
from .nodes import (
    _first_item,
    _is_string,
    _literal_start,
    _unparen,
)
from .tables import (
    ASYNC_SQL_METHODS,
    HTTP_CLIENT,
    HTTP_METHODS,
    LDAP_SEARCHES,
    LOG_METHODS,
    LOGGER,
    NOT_SQL_OWNER,
    PASSING_SINKS,
    PATH_METHODS,
    SAFE_YAML_LOADERS,
    SINKS,
    SQL_METHODS,
    SQL_TEXT,
    SUBPROCESS,
    TEMPLATE_METHODS,
    URLISH,
    Sink,
)


class SinkChecks:
    """How a call is judged as a sink: which argument carries the data, and
    whether the code keeps the target fixed (a host, a path, a redirect)."""

    def check_sink(
        self, qualified, callee, method, recv, args, positional, pos_nodes, start, end, awaited
    ):  # noqa: C901
        sink = SINKS.get(qualified or "")
        if qualified in ("eval", "exec", "compile", "__import__", "open") and (
            self.is_local(callee) or callee in self.ctx.imports or callee in self.ctx.top_names
        ):
            sink = None
        what = callee or method or ""
        if sink is not None:
            atoms = self._slot(sink, args, positional)
            if sink.code == "VAL006" and qualified in ("yaml.load", "yaml.load_all"):
                loader = sx.kwarg(args, "Loader")
                loader_node = loader.value if loader else (args[1].value if len(args) > 1 else None)
                if loader_node is not None and any(
                    s in sx.code(loader_node) for s in SAFE_YAML_LOADERS
                ):
                    return
            if sink.code == "VAL004" and qualified and qualified.endswith("HttpResponse"):
                ct = sx.kwarg(args, "content_type")
                ct_node = (
                    ct.value if ct is not None else (pos_nodes[1] if len(pos_nodes) > 1 else None)
                )
                if ct_node is not None and not re.search(r"html", sx.code(ct_node), re.I):
                    return
            if sink.code == "VAL007":
                node = self._slot_node(sink, args, pos_nodes)
                if node is not None and self._host_fixed(node):
                    return
            if sink.code == "VAL009" and pos_nodes and self._redirect_fixed(pos_nodes[0]):
                return
            at = self._slot_node(sink, args, pos_nodes)
            self._record(sink.code, what, atoms, start, end, at)
            if qualified == "shelve.open":  # the data chooses the file too
                self._record("VAL008", what, atoms, start, end, at)
            return
        passing = PASSING_SINKS.get(qualified or "")
        if passing is not None:  # re.search(pattern, ...), etree.XPath(expr)
            atoms = self._slot(passing, args, positional)
            self._record(
                passing.code, what, atoms, start, end, self._slot_node(passing, args, pos_nodes)
            )
            return
        if qualified in SUBPROCESS or (qualified or "").startswith("subprocess."):
            if qualified not in SUBPROCESS:
                return
            if not args:
                return
            first = args[0]
            shell = sx.kwarg(args, "shell")
            shell_on = shell is not None and sx.code(shell.value).strip() not in (
                "False",
                "0",
                "None",
            )
            node = first.value
            if node.type == "atom" and sx.code(node).strip()[:1] in "[(":
                item = _first_item(node)
                atoms = self.ev(item) if item is not None else EMPTY
                if shell_on:
                    atoms = self.ev(node)
            elif node.type == "name" and node.value in self.lists and not shell_on:
                atoms = self.lists[node.value]
            else:
                atoms = positional[0] if positional else EMPTY
                if qualified == "asyncio.create_subprocess_exec":
                    atoms = positional[0] if positional else EMPTY
            self._record("VAL002", what, atoms, start, end, node)
            return
        if method is None:
            return
        if (
            method in LOG_METHODS
            or method == "xpath"
            or method in LDAP_SEARCHES
            or method == "search"
        ):
            if self._injection_sink(callee, method, args, positional, pos_nodes, start, end):
                return
        if method == "run" and pos_nodes and SQL_TEXT.match(_literal_start(pos_nodes[0])):
            self._record("VAL001", what, positional[0], start, end, pos_nodes[0])  # pg8000
            return
        if (
            method == "save"
            and positional
            and any(a[0] == "s" and a[1].endswith(".files") for a in recv)
        ):  # Werkzeug's FileStorage.save(dst); Django's storages check the names
            # an uploaded file saved where the client says: `upload.save(path)`
            self._record(
                "VAL008", what, positional[0], start, end, pos_nodes[0] if pos_nodes else None
            )
            return
        if method in SQL_METHODS or (method in ASYNC_SQL_METHODS and awaited):
            owner = (callee or "").rsplit(".", 1)[0] if callee and "." in callee else ""
            if NOT_SQL_OWNER.search(owner):
                return  # `schema.execute(query)`: GraphQL, a thread pool
            if positional and not (callee or "").startswith(("os.", "subprocess.")):
                self._record(
                    "VAL001", what, positional[0], start, end, pos_nodes[0] if pos_nodes else None
                )
            return
        if method == "extra":
            for kw in ("where", "select", "tables"):
                a = sx.kwarg(args, kw)
                if a is not None:
                    self._record("VAL001", what, self.ev(a.value), start, end, a.value)
            return
        if method in TEMPLATE_METHODS and positional:
            self._record(
                "VAL005", what, positional[0], start, end, pos_nodes[0] if pos_nodes else None
            )
            return
        if (
            method in PATH_METHODS
            and recv
            and (callee is None or (callee.count(".") == 1 and method != "open"))
        ):
            # Path(tainted).read_text(), `p = base / name; p.read_bytes()`
            self._record("VAL008", what, recv, start, end)
            return
        if method in ("extractall", "extract") and recv:
            # tarfile writes "../" member names where they say; zipfile drops them
            if sx.kwarg(args, "filter") is None and self.tar_archives:
                self._record("VAL008", what, recv, start, end)
            return
        if method in HTTP_METHODS and callee and "." in callee:
            owner = callee.rsplit(".", 1)[0]
            url_kw = sx.kwarg(args, "url")
            if HTTP_CLIENT.search(owner) and (positional or url_kw is not None):
                slot = 1 if method == "request" else 0
                node = pos_nodes[slot] if len(pos_nodes) > slot else None
                if url_kw is not None:
                    node, positional = url_kw.value, [*positional[:slot], self.ev(url_kw.value)]
                if re.search(r"session$", owner, re.I) and (
                    node is None or not URLISH.search(sx.code(node))
                ):
                    return  # `session.delete(item)`: a database session as often as not
                if len(positional) > slot and not self._host_fixed(node):
                    self._record(
                        "VAL007",
                        what,
                        positional[slot],
                        start,
                        end,
                        pos_nodes[slot] if len(pos_nodes) > slot else None,
                    )

    def _injection_sink(self, callee, method, args, positional, pos_nodes, start, end) -> bool:
        """Log messages (VAL014), lxml's `xpath()` (VAL015) and LDAP search filters
        (VAL016), found by the method's name and its owner: True when recorded."""
        what = callee or method
        owner = callee.rsplit(".", 1)[0] if callee and "." in callee else ""
        if method in LOG_METHODS:
            named = LOGGER.search(owner) or (
                # `audit = logging.getLogger("audit")`: a module-level name of a file
                # that imports logging
                method != "log" and owner in self.ctx.top_names and self._imports_of("logging")
            )
            if not named or self._imports_of("structlog"):
                return False  # structlog renders values as data (JSON, key=value)
            sink = Sink("VAL014", 1 if method == "log" else 0, ("msg",))
            node = self._slot_node(sink, args, pos_nodes)
            if node is None or not self._slot(sink, args, positional):
                return True  # no client data in the message: the common case
            self._record("VAL014", what, self._message_atoms(node), start, end, node)
            return True
        if method == "xpath":  # lxml: element.xpath(_path, namespaces=None, **variables)
            sink = Sink("VAL015", 0, ("_path",))
        elif method in LDAP_SEARCHES:  # python-ldap: (base, scope, filterstr, ...)
            sink = Sink("VAL016", 2, ("filterstr",))
        elif self._imports_of("ldap3"):  # ldap3: search(search_base, search_filter, ...)
            sink = Sink("VAL016", 1, ("search_filter",))
        elif self._imports_of("ldap"):
            sink = Sink("VAL016", 2, ("filterstr",))
        else:
            return False
        atoms = self._slot(sink, args, positional)
        self._record(sink.code, what, atoms, start, end, self._slot_node(sink, args, pos_nodes))
        return True

    def _imports_of(self, package: str) -> bool:
        return any(q == package or q.startswith(package + ".") for q in self.ctx.imports.values())

    def _message_atoms(self, node) -> frozenset:
        """What a log message holds: its text pieces (logtext), leaving out the
        parts written with `!r` / `%r` (repr() escapes newlines and control
        characters) and objects, lists and dictionaries printed whole."""
        inner = _unparen(node)
        formatted = sx.formatted_string(inner)
        if formatted is not None:
            text = sx.literal_text(formatted[0])
            if inner.type == "term":
                fields = re.findall(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])", text)
                fields = [f for f in fields if f != "%"]
                if fields and all(f in "ra" for f in fields):
                    return EMPTY
            else:
                fields = re.findall(r"\{[^{}]*\}", text)
                if fields and all(re.search(r"![ra]", f) for f in fields):
                    return EMPTY
        out = EMPTY
        scopes = self.__dict__.setdefault("_log_scopes", {})
        for piece in message_pieces(node, scopes):
            if is_text(piece, scopes):
                out |= self.ev(piece)
        return out

    def _slot(self, sink: Sink, args, positional) -> frozenset:
        if sink.slot is None:
            out = _union_all(positional)
        else:
            out = positional[sink.slot] if len(positional) > sink.slot else EMPTY
        for a in args:
            if a.kind == "kw" and a.name in sink.keywords:
                out |= self.ev(a.value)
        return out

    def _slot_node(self, sink: Sink, args, pos_nodes):
        for a in args:
            if a.kind == "kw" and a.name in sink.keywords:
                return a.value
        k = sink.slot or 0
        return pos_nodes[k] if len(pos_nodes) > k else None

    def _record(self, code: str, what: str, atoms: frozenset, start, end, node=None) -> None:
        atoms = frozenset(a for a in atoms if code not in a[-1])
        if not atoms:
            return
        if code == "VAL008" and self.path_guarded:
            return
        if code == "VAL009" and self.redirect_guarded:
            return
        at = (node.start_pos, node.end_pos) if node is not None else (start, end)
        k = self.sink_index.get((code, start, at))
        if k is not None:  # the second walk of a loop
            known = self.sinks[k]
            self.sinks[k] = SinkFlow(code, known.what, start, end, known.atoms | atoms, at)
            return
        self.sink_index[(code, start, at)] = len(self.sinks)
        self.sinks.append(SinkFlow(code, sx.intern(what), start, end, atoms, at))

    def _pieces(self, node):
        """(literal text, atoms) pieces of a string built from parts, in order; None
        when ``node`` is not built from a literal."""
        node = _unparen(node)
        if node.type == "name":
            return None
        if node.type == "fstring":
            out = []
            for c in node.children:
                if c.type == "fstring_string":
                    out.append((c.value, EMPTY))
                elif c.type == "fstring_expr":
                    out.append(("X", self.ev(c.children[1])))
                elif c.type == "fstring_start":
                    continue
            return out
        if node.type == "arith_expr" and all(
            c.value == "+" for c in node.children[1::2] if c.type == "operator"
        ):
            out = []
            for c in node.children[::2]:
                if _is_string(c):
                    inner = self._pieces(c)
                    out += inner if inner is not None else [(sx.string_value(c) or "", EMPTY)]
                else:
                    out.append(("X", self.ev(c)))
            return out
        if node.type in ("string", "strings"):
            return [(sx.literal_text(node), EMPTY)]
        formatted = sx.formatted_string(node)
        if formatted is not None:  # "...{}".format(x), "...%s" % x
            string, values = formatted
            mark = "%" if node.type == "term" else "{"
            text = sx.literal_text(string)
            return [(text.split(mark, 1)[0], EMPTY), ("X", self.ev(values))]
        return None

    def _before_data(self, node) -> str | None:
        """The literal text a string built from parts has before the first piece
        that holds client data ("" stands for the code's own values); None when it
        is not built from parts here, or holds no client data at all."""
        pieces = self._pieces(node)
        if pieces is None:
            return None
        text = ""
        for literal, atoms in pieces:
            if atoms:
                return text
            text += literal
        return None

    def _named_fixed(self, node, names) -> bool:
        inner = _unparen(node)
        return inner.type == "name" and inner.value in names

    def _fixed_target(self, node) -> bool:
        """Whether a string built from parts puts client data only after a "?" or a
        "#" (a query or a fragment: the target stays the code's)."""
        text = self._before_data(node)
        return text is not None and ("?" in text or "#" in text)

    def _host_fixed(self, node) -> bool:
        """Whether the URL ``node`` builds keeps a fixed host: request data only
        after the first ``/`` that follows the host (a path or a query)."""
        if node is None:
            return False
        if self._named_fixed(node, self.fixed) or self._named_fixed(node, self.fixed_hosts):
            return True
        if self._pieces(node) is None:
            return False
        text = self._before_data(node)
        if text is None:
            return True  # built here from the code's own values only
        after = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.I)
        return "/" in after.lstrip("/") or "?" in after

    def _redirect_fixed(self, node) -> bool:
        if self._named_fixed(node, self.fixed):
            return True
        if self._pieces(node) is None:
            return False
        text = self._before_data(node)
        if text is None:
            return True
        if "?" in text or "#" in text or re.match(r"^/[^/\\]", text):
            return True
        after = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.I)
        return text != after and "/" in after
