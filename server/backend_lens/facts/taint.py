"""Where request data goes: per-function taint flows, kept as facts.

Each function of a file gets a ``FunctionFlow``: what its parameters are, which
calls it makes with what, which sinks (a SQL statement, a shell command, a path
opened, ...) receive what, and what it returns. "What" is a set of *atoms*:

- ``("s", label, start, end, cleaned)``: data read from a request here (a source);
- ``("p", name, cleaned)``: the function's parameter ``name``, decided by its callers;
- ``("c", i, cleaned)``: the value returned by the function's call number ``i``,
  decided by the called function's flow when it is the project's own.

``cleaned`` holds the rule codes a sanitizer on the way made the value safe for
(``shlex.quote`` for shell commands, ``os.path.basename`` for paths); ``int()`` and
the other conversions drop the atoms altogether.

The walk is cheap and local: statements in order, names bound to the atoms of
what they are assigned (branches merge, loops run twice), containers carry the
atoms of their items. Nothing here reads another file: the ProjectIndex joins the
flows of all files (``TaintIndex``) to follow parameters to their callers and
calls to what they return. Analysis never imports or runs the analysed code.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from ..source import syntax as sx

Pos = tuple[int, int]
Atoms = frozenset
EMPTY: frozenset = frozenset()


@dataclass(frozen=True)
class CallFlow:
    callee: str  # qualified where the imports tell ("pkg.utils.run", "pkg.views.View.helper")
    start: Pos
    end: Pos
    # argument slot ("#0", "kw:name", "*", "**") -> atoms of what is given there
    args: tuple[tuple[str, frozenset], ...]


@dataclass(frozen=True)
class SinkFlow:
    code: str  # the rule: VAL001 (SQL), VAL002 (shell), ...
    what: str  # the sink as written: "cursor.execute", "os.system"
    start: Pos  # the call, from its first name to its closing parenthesis
    end: Pos
    atoms: frozenset
    at: tuple[Pos, Pos]  # the argument that carries the data (the call when none)


@dataclass(frozen=True)
class FunctionFlow:
    qualname: str  # within the module: "view", "OrderView.get", "create_app.index"
    start: Pos  # the `def` name
    params: tuple[str, ...]  # in the order a caller writes them (no self / cls)
    returns: frozenset
    calls: tuple[CallFlow, ...]
    sinks: tuple[SinkFlow, ...]

    def digest(self) -> tuple:
        """The flow without positions: what callers in other files depend on."""
        return (
            self.qualname,
            self.params,
            _unplaced(self.returns),
            tuple((c.callee, tuple((s, _unplaced(a)) for s, a in c.args)) for c in self.calls),
            tuple((s.code, _unplaced(s.atoms)) for s in self.sinks),
        )


def _unplaced(atoms: frozenset) -> frozenset:
    return frozenset((a[0], a[1], a[-1]) for a in atoms)


# -- what is a source ----------------------------------------------------------

# attributes of a request object that hold what the client sent
REQUEST_ATTRS = frozenset(
    {
        # Django / DRF
        "GET",
        "POST",
        "data",
        "query_params",
        "body",
        "headers",
        "META",
        "COOKIES",
        "FILES",
        # Flask / Werkzeug
        "args",
        "form",
        "values",
        "json",
        "files",
        "cookies",
        "get_json",
        "get_data",
        "stream",
        # Starlette / FastAPI
        "path_params",
        # aiohttp (on `request` only: see AIOHTTP_ATTRS)
        "post",
        "match_info",
        "query",
        "text",
        "read",
        "content",
    }
)
AIOHTTP_ATTRS = frozenset({"post", "match_info", "query", "text", "read", "content"})
REQUEST_NAMES = frozenset({"request", "req", "self.request", "info.context", "self.scope"})
FLASK_REQUEST = frozenset({"flask.request", "quart.request", "werkzeug.local.request"})
VIEW_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "list",
        "create",
        "retrieve",
        "update",
        "partial_update",
        "destroy",
        "dispatch",
        "form_valid",
    }
)
ROUTE_VERBS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "head", "options"}
)
CONSUMER_METHODS = frozenset({"receive", "receive_json", "websocket_receive", "receive_bytes"})
# annotations FastAPI / pydantic validate into values that carry no text
SAFE_ANNOTATIONS = re.compile(
    r"^(Optional\[)?(int|float|bool|complex|Decimal|UUID|uuid\.UUID|datetime|date|time|"
    r"timedelta|datetime\.\w+|EmailStr|PositiveInt|NonNegativeInt|conint\(.*\)|"
    r"condecimal\(.*\)|confloat\(.*\)|Literal\[.*\])(\])?(\s*\|\s*None)?$"
)
NOT_CLIENT_DATA = re.compile(
    r"^(Request|Response|BackgroundTasks|Session|AsyncSession|WebSocket|HttpRequest|"
    r"\w*Session|\w*Repository|\w*Service|Settings|\w*Settings|User|\w*User|\w*Dep|"
    r"\w*Dependency|\w*Depends)$"
)
# parameters that FastAPI fills from dependencies, whatever their annotation says
DEPENDENCY_NAMES = frozenset(
    {"session", "db", "db_session", "current_user", "user", "settings", "background_tasks"}
)
ID_NAMES = re.compile(r"^(pk|id|\w+_id|\w+_pk|page|year|month|day)$")

# -- what makes data safe -------------------------------------------------------

# conversions to values that carry no text: every rule
CONVERSIONS = frozenset(
    {
        "int",
        "float",
        "bool",
        "len",
        "abs",
        "round",
        "hash",
        "id",
        "uuid.UUID",
        "decimal.Decimal",
        "datetime.date.fromisoformat",
        "datetime.datetime.fromisoformat",
        "isinstance",
        "callable",
        "hasattr",
        "django.shortcuts.get_object_or_404",
        "django.shortcuts.get_list_or_404",
        "django.urls.reverse",
        "django.shortcuts.resolve_url",
        "flask.url_for",
        "werkzeug.security.generate_password_hash",
        "werkzeug.security.check_password_hash",
        "django.contrib.auth.hashers.make_password",
        "django.contrib.auth.authenticate",
        "json.dumps",
    }
)
# sanitizers for one kind of sink: qualified name -> the rule codes it makes safe
SANITIZERS = {
    "shlex.quote": frozenset({"VAL002"}),
    "pipes.quote": frozenset({"VAL002"}),
    "os.path.basename": frozenset({"VAL008"}),
    "posixpath.basename": frozenset({"VAL008"}),
    "werkzeug.utils.secure_filename": frozenset({"VAL008"}),
    "django.utils.text.get_valid_filename": frozenset({"VAL008"}),
    "html.escape": frozenset({"VAL004", "VAL005"}),
    "markupsafe.escape": frozenset({"VAL004", "VAL005"}),
    "flask.escape": frozenset({"VAL004", "VAL005"}),
    "django.utils.html.escape": frozenset({"VAL004", "VAL005"}),
    "django.utils.html.conditional_escape": frozenset({"VAL004", "VAL005"}),
    "django.utils.html.strip_tags": frozenset({"VAL004"}),
    "bleach.clean": frozenset({"VAL004", "VAL005"}),
    "nh3.clean": frozenset({"VAL004", "VAL005"}),
    "urllib.parse.quote": frozenset({"VAL002", "VAL004", "VAL008", "VAL009"}),
    "urllib.parse.quote_plus": frozenset({"VAL002", "VAL004", "VAL008", "VAL009"}),
    "django.utils.http.urlencode": frozenset({"VAL009"}),
    "urllib.parse.urlencode": frozenset({"VAL009"}),
}
CLEAN_ATTRS = frozenset({"validated_data", "cleaned_data", "user", "id", "pk", "method"})
CLEAN_METHODS = frozenset(
    {
        "isdigit",
        "isnumeric",
        "isalnum",
        "isalpha",
        "startswith",
        "endswith",
        "count",
        "index",
        "find",
        "exists",
        "is_valid",
        "model_dump",
        "dict",
        "hexdigest",
        "digest",
    }
)
# library roots: their functions are never the project's own
LIBRARY_ROOTS = frozenset(sys.stdlib_module_names) | frozenset(
    {
        "django",
        "rest_framework",
        "flask",
        "fastapi",
        "starlette",
        "sqlalchemy",
        "pydantic",
        "celery",
        "requests",
        "httpx",
        "aiohttp",
        "jinja2",
        "yaml",
        "werkzeug",
        "markupsafe",
        "boto3",
        "botocore",
        "psycopg",
        "psycopg2",
        "asyncpg",
        "pg8000",
        "redis",
        "jwt",
        "bleach",
        "jsonpickle",
        "dill",
        "lxml",
        "numpy",
        "pandas",
        "graphene",
        "strawberry",
        "channels",
        "sentry_sdk",
        "structlog",
        "quart",
        "sqlmodel",
        "alembic",
        "marshmallow",
    }
)
BUILTINS = frozenset(dir(__builtins__) if isinstance(__builtins__, dict) else dir(__builtins__))


# -- sinks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sink:
    code: str
    slot: int | None  # the positional argument that matters (None: any positional)
    keywords: tuple[str, ...] = ()  # the keyword names of that argument
    receiver: bool = False  # the object the method is called on matters


def _sinks() -> dict[str, Sink]:
    out: dict[str, Sink] = {}
    for q in ("django.db.models.expressions.RawSQL", "django.db.models.RawSQL"):
        out[q] = Sink("VAL001", 0, ("sql",))
    for q in ("sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"):
        out[q] = Sink("VAL001", 0, ("text",))
    for q in ("psycopg2.sql.SQL", "psycopg.sql.SQL"):
        out[q] = Sink("VAL001", 0)
    for q in ("os.system", "os.popen", "commands.getoutput", "pty.spawn"):
        out[q] = Sink("VAL002", 0, ("command", "cmd", "argv"))
    for q in ("subprocess.getoutput", "subprocess.getstatusoutput"):
        out[q] = Sink("VAL002", 0, ("cmd",))
    for q in ("asyncio.create_subprocess_shell",):
        out[q] = Sink("VAL002", 0, ("cmd",))
    for fn in ("execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe"):
        out[f"os.{fn}"] = Sink("VAL002", 0, ("path", "file"))
    for fn in ("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp"):
        out[f"os.{fn}"] = Sink("VAL002", 1, ("path", "file"))
    for q in ("eval", "exec", "compile", "__import__", "importlib.import_module"):
        out[q] = Sink("VAL003", 0, ("source", "name", "object"))
    for q in (
        "django.utils.safestring.mark_safe",
        "django.utils.safestring.SafeString",
        "markupsafe.Markup",
        "flask.Markup",
        "jinja2.Markup",
        "django.http.HttpResponse",
        "django.http.response.HttpResponse",
        "starlette.responses.HTMLResponse",
        "fastapi.responses.HTMLResponse",
    ):
        out[q] = Sink("VAL004", 0, ("content", "s"))
    for q in ("django.utils.html.format_html",):
        out[q] = Sink("VAL004", 0, ("format_string",))
    for q in (
        "flask.render_template_string",
        "jinja2.Template",
        "django.template.Template",
        "mako.template.Template",
    ):
        out[q] = Sink("VAL005", 0, ("source", "template_string", "template_code", "text"))
    for q in (
        "pickle.loads",
        "pickle.load",
        "_pickle.loads",
        "cPickle.loads",
        "dill.loads",
        "dill.load",
        "marshal.loads",
        "marshal.load",
        "jsonpickle.decode",
        "jsonpickle.loads",
        "shelve.open",
        "pandas.read_pickle",
        "yaml.load",
        "yaml.unsafe_load",
        "yaml.load_all",
        "yaml.unsafe_load_all",
    ):
        out[q] = Sink("VAL006", 0, ("data", "stream", "file", "filename", "s"))
    for m in ("get", "post", "put", "patch", "delete", "head", "options", "stream"):
        for lib in ("requests", "httpx"):
            out[f"{lib}.{m}"] = Sink("VAL007", 0, ("url",))
    for q in ("requests.request", "httpx.request"):
        out[q] = Sink("VAL007", 1, ("url",))
    for q in ("urllib.request.urlopen", "urllib.request.Request", "urllib2.urlopen"):
        out[q] = Sink("VAL007", 0, ("url",))
    for q in ("open", "io.open", "codecs.open", "os.open"):
        out[q] = Sink("VAL008", 0, ("file", "filename", "path"))
    for fn in (
        "remove",
        "unlink",
        "rmdir",
        "removedirs",
        "listdir",
        "scandir",
        "makedirs",
        "mkdir",
        "rename",
        "replace",
        "chmod",
    ):
        out[f"os.{fn}"] = Sink("VAL008", 0, ("path", "src"))
    for fn in ("copy", "copy2", "copyfile", "copytree", "move", "rmtree"):
        out[f"shutil.{fn}"] = Sink("VAL008", None, ("src", "dst", "path"))
    for q in ("flask.send_file",):
        out[q] = Sink("VAL008", 0, ("path_or_file", "filename_or_fp"))
    for q in ("flask.send_from_directory",):
        out[q] = Sink("VAL008", 0, ("directory",))
    for q in ("starlette.responses.FileResponse", "fastapi.responses.FileResponse"):
        out[q] = Sink("VAL008", 0, ("path",))
    for q in (
        "django.shortcuts.redirect",
        "django.http.HttpResponseRedirect",
        "django.http.HttpResponsePermanentRedirect",
        "django.http.response.HttpResponseRedirect",
        "flask.redirect",
        "werkzeug.utils.redirect",
        "starlette.responses.RedirectResponse",
        "fastapi.responses.RedirectResponse",
    ):
        out[q] = Sink("VAL009", 0, ("to", "redirect_to", "location", "url"))
    return out


SINKS = _sinks()
SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.Popen",
        "subprocess.check_output",
        "subprocess.check_call",
        "asyncio.create_subprocess_exec",
    }
)
SQL_METHODS = frozenset({"execute", "executemany", "raw", "exec_driver_sql", "executescript"})
ASYNC_SQL_METHODS = frozenset({"fetch", "fetchrow", "fetchval", "fetchmany"})
TEMPLATE_METHODS = frozenset({"from_string"})
PATH_METHODS = frozenset(
    {
        "open",
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "unlink",
        "rmdir",
        "mkdir",
        "touch",
        "rename",
        "iterdir",
    }
)
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "request", "stream"})
URLISH = re.compile(r"url|uri|https?:|endpoint|host|address", re.I)
HTTP_CLIENT = re.compile(r"(^|_|\.)(session|client|http|requests|httpx|aiohttp)$", re.I)
SAFE_YAML_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")
# code whose presence in a function shows the author checked a path or a redirect
PATH_GUARDS = ("is_relative_to", "commonpath", "commonprefix", "safe_join", "realpath")
# a check of a redirect target: Django's, or the project's own (`safe_for_redirect`)
REDIRECT_GUARD = re.compile(
    r"url_has_allowed_host_and_scheme|is_safe_url|safe\w*(url|redirect)|(url|redirect)\w*safe|"
    r"allowed_host|\.netloc\b",
    re.I,
)
# library classes whose object is the value given (a path, a buffer of the text)
WRAPPERS = frozenset(
    {
        "Path",
        "PurePath",
        "PosixPath",
        "PurePosixPath",
        "WindowsPath",
        "StringIO",
        "BytesIO",
        "Markup",
        "SafeString",
        "Template",
        "ZipFile",
        "TarFile",
        "TextIOWrapper",
        "BufferedReader",
        "Request",
        "URL",
        "ParseResult",
        "SplitResult",
    }
)
# methods whose result holds their arguments: `" ".join(parts)`, `"{}".format(x)`
STRING_BUILDERS = frozenset(
    {
        "join",
        "format",
        "format_map",
        "replace",
        "joinpath",
        "with_name",
        "with_suffix",
        "urljoin",
        "copy",
        "union",
        "__add__",
        "__call__",
    }
)
# keyword arguments of library functions that hand over the data itself
DATA_KEYWORDS = frozenset(
    {"fileobj", "file", "data", "path", "filename", "url", "s", "string", "text", "source"}
)
PROPAGATING_MUTATORS = frozenset(
    {"append", "extend", "insert", "update", "add", "setdefault", "appendleft", "write"}
)


def sink_codes() -> frozenset[str]:
    return frozenset(s.code for s in SINKS.values())


# -- the walk -------------------------------------------------------------------------


class _Function:
    """The walk of one function body."""

    def __init__(self, ctx, funcdef, qualname: str, class_name: str | None, sources: dict):
        self.ctx = ctx
        self.funcdef = funcdef
        self.qualname = qualname
        self.class_name = class_name
        self.env: dict[str, frozenset] = dict(sources)
        self.lists: dict[str, frozenset] = {}  # name bound to a list literal -> its first item
        self.fixed: set[str] = set()  # names bound to a URL whose host/path the code fixed
        self.calls: list[CallFlow] = []
        self.sinks: list[SinkFlow] = []
        self.returns: set = set()
        self.local_names = _bound_names(funcdef)
        text = sx.code(funcdef)
        self.path_guarded = any(g in text for g in PATH_GUARDS) or (
            ".startswith(" in text and ("abspath" in text or ".resolve(" in text)
        )
        self.redirect_guarded = REDIRECT_GUARD.search(text) is not None

    # statements ------------------------------------------------------------------
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
            return  # a function of its own
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
            if value and value_node is not None and self._fixed_target(value_node):
                self.fixed.add(target.value)  # `url = f"/done?next={x}"`: data after the "?"
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
            for _ in range(2):  # twice: what the body binds reaches its start
                self.assign(target, value)
                for c in node.children[5:]:
                    if c.type in ("suite", "simple_stmt") or c.type.endswith("_stmt"):
                        self.stmt(c)
            return
        if t == "while_stmt":
            for _ in range(2):
                self.ev(node.children[1])
                for c in node.children[3:]:
                    if c.type in ("suite", "simple_stmt") or c.type.endswith("_stmt"):
                        self.stmt(c)
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

    # expressions ----------------------------------------------------------------
    def ev(self, node) -> frozenset:  # noqa: C901 - one dispatch over expression kinds
        t = node.type
        if t == "name":
            return self.env.get(node.value, EMPTY) if node.value not in ("None", "True") else EMPTY
        if t in ("number", "string", "keyword", "operator", "fstring_string", "fstring_end"):
            return EMPTY
        if t == "strings":
            return self._union(node.children)
        if t == "fstring":
            out = EMPTY
            for c in node.children:
                if c.type == "fstring_expr":
                    out |= self.ev(c.children[1])
            return out
        if t in ("atom_expr", "power"):
            return self.chain(node)
        if t in ("comparison", "not_test"):
            self._union(node.children)
            return EMPTY
        if t == "term" and len(node.children) == 3 and node.children[1].value == "%":
            left, right = node.children[0], node.children[2]
            lv, rv = self.ev(left), self.ev(right)
            if _is_string(_unparen(left)):
                return lv | rv
            return lv | rv
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

    # calls and attribute chains ---------------------------------------------------
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
                elif attr in CLEAN_ATTRS:
                    atoms = EMPTY
                elif attr == "value" and atoms:
                    atoms = EMPTY  # `choice.value`: an enum member FastAPI validated
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
        if base in REQUEST_NAMES:
            return True
        return self.ctx.imports.get(base) in FLASK_REQUEST

    def qualify(self, callee: str | None) -> str | None:
        if callee is None:
            return None
        head, _, rest = callee.partition(".")
        if head in self.local_names:
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
        if qualified in CONVERSIONS or (method in CLEAN_METHODS and qualified not in SANITIZERS):
            return EMPTY
        if qualified in SANITIZERS:
            return _cleaned(_union_all(positional), SANITIZERS[qualified])
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
            k = len(self.calls)
            self.calls.append(CallFlow(sx.intern(target), start, end, tuple(slots)))
            return frozenset({("c", k, EMPTY)})
        if method in PROPAGATING_MUTATORS and callee and "." in callee and positional:
            name = callee.split(".")[0]
            if name in self.env or name in self.local_names:
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
        return head not in self.ctx.imports or head in self.local_names

    def _is_project(self, qualified: str | None, callee: str) -> bool:
        if callee.startswith("self.") and callee.count(".") == 1:
            return True
        if qualified is None:
            return False
        root = qualified.split(".")[0]
        if root in LIBRARY_ROOTS or qualified in BUILTINS:
            return False
        if qualified == callee and "." not in callee:
            return False  # a name nobody binds here: a builtin or a star import
        if qualified == callee and callee.split(".")[0] not in self.ctx.imports:
            return False  # an attribute of an object: decided when the code runs
        head = callee.split(".")[0]
        if "." in callee and head in self.ctx.top_names and head not in self.ctx.classes:
            return False  # `CHOICES.get(key)`: a method of a module-level object
        return True

    def check_sink(
        self, qualified, callee, method, recv, args, positional, pos_nodes, start, end, awaited
    ):  # noqa: C901
        sink = SINKS.get(qualified or "")
        if qualified in ("eval", "exec", "compile", "__import__", "open") and (
            callee in self.local_names or callee in self.ctx.imports or callee in self.ctx.top_names
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
                if ct is not None and not re.search(r"html", sx.code(ct.value), re.I):
                    return
            if sink.code == "VAL007" and pos_nodes:
                node = pos_nodes[sink.slot or 0] if len(pos_nodes) > (sink.slot or 0) else None
                if node is not None and self._host_fixed(node):
                    return
            if sink.code == "VAL009" and pos_nodes and self._redirect_fixed(pos_nodes[0]):
                return
            at = self._slot_node(sink, args, pos_nodes)
            self._record(sink.code, what, atoms, start, end, at)
            if qualified == "shelve.open":  # the data chooses the file too
                self._record("VAL008", what, atoms, start, end, at)
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
        if method == "run" and pos_nodes and SQL_TEXT.match(_literal_start(pos_nodes[0])):
            self._record("VAL001", what, positional[0], start, end, pos_nodes[0])  # pg8000
            return
        if method == "save" and recv and positional:
            # an uploaded file saved where the client says: `upload.save(path)`
            self._record(
                "VAL008", what, positional[0], start, end, pos_nodes[0] if pos_nodes else None
            )
            return
        if method in SQL_METHODS or (method in ASYNC_SQL_METHODS and awaited):
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
        if method in PATH_METHODS and recv and callee is None:
            # Path(tainted).read_text(): the object is the path
            self._record("VAL008", what, recv, start, end)
            return
        if method in ("extractall", "extract") and recv:
            if sx.kwarg(args, "filter") is None:
                self._record("VAL008", what, recv, start, end)
            return
        if method in HTTP_METHODS and callee and "." in callee:
            owner = callee.rsplit(".", 1)[0]
            if HTTP_CLIENT.search(owner) and positional:
                slot = 1 if method == "request" else 0
                node = pos_nodes[slot] if len(pos_nodes) > slot else None
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
        if node.type in ("atom_expr", "power"):
            ps = sx.parts(node)
            if (
                len(ps) >= 3
                and _is_string(ps[0])
                and sx.is_attr_trailer(ps[1])
                and ps[1].children[1].value == "format"
            ):
                text = sx.literal_text(ps[0])
                return [(text.split("{", 1)[0], EMPTY), ("X", self.ev(ps[2]))]
        if (
            node.type == "term"
            and len(node.children) == 3
            and node.children[1].value == "%"
            and _is_string(node.children[0])
        ):
            text = sx.literal_text(node.children[0])
            return [(text.split("%", 1)[0], EMPTY), ("X", self.ev(node.children[2]))]
        return None

    def _fixed_target(self, node) -> bool:
        """Whether a string built from parts puts client data only after a "?" or a
        "#" (a query or a fragment: the target stays the code's)."""
        pieces = self._pieces(node)
        if pieces is None:
            return False
        text = ""
        for literal, atoms in pieces:
            if atoms:
                return "?" in text or "#" in text
            text += literal
        return True

    def _host_fixed(self, node) -> bool:
        """Whether the URL ``node`` builds keeps a fixed host: request data only
        after the first ``/`` that follows the host (a path or a query)."""
        if node is None:
            return False
        if _unparen(node).type == "name" and _unparen(node).value in self.fixed:
            return True
        pieces = self._pieces(node)
        if pieces is None:
            return False
        text = ""
        for literal, atoms in pieces:
            if atoms:
                after = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.I)
                return "/" in after.lstrip("/") or ("?" in after)
            text += literal
        return True

    def _redirect_fixed(self, node) -> bool:
        if _unparen(node).type == "name" and _unparen(node).value in self.fixed:
            return True
        pieces = self._pieces(node)
        if pieces is None:
            return False
        text = ""
        for literal, atoms in pieces:
            if atoms:
                if "?" in text or "#" in text:
                    return True
                if re.match(r"^/[^/\\]", text):
                    return True
                after = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.I)
                return text != after and "/" in after
            text += literal
        return True


SQL_TEXT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.I)


def _literal_start(node) -> str:
    """The literal text a string expression starts with ("" when it does not)."""
    node = _unparen(node)
    if node.type in ("fstring", "string", "strings"):
        text = sx.code(node).strip()
        return re.sub(r"^[rbfuRBFU]*['\"]{1,3}", "", text)
    if node.type in ("term", "arith_expr") and node.children:
        return _literal_start(node.children[0])
    return ""


def _method_of(ps, i) -> str | None:
    prev = ps[i - 1] if i > 0 else None
    if prev is not None and prev.type == "trailer" and prev.children[0].value == ".":
        return prev.children[1].value
    return None


def _apply_async_slots(walk: _Function, args) -> list | None:
    a = sx.kwarg(args, "args")
    if a is None or a.value.type != "atom":
        return None
    return [(f"#{k}", walk.ev(item)) for k, item in enumerate(_items(a.value))]


def _union_all(sets) -> frozenset:
    out = EMPTY
    for s in sets:
        out |= s
    return out


def _cleaned(atoms: frozenset, codes) -> frozenset:
    codes = frozenset(codes)
    return frozenset((*a[:-1], a[-1] | codes) for a in atoms)


def _is_string(n) -> bool:
    return n.type in ("string", "strings", "fstring")


def _unparen(n):
    while n.type == "atom" and len(n.children) == 3 and n.children[0].value == "(":
        n = n.children[1]
    return n


def _items(node):
    if node.type == "atom":
        if len(node.children) != 3:
            return []
        node = node.children[1]
    if node.type in ("testlist_comp", "testlist_star_expr", "exprlist", "testlist"):
        return [c for c in node.children if not (c.type == "operator" and c.value == ",")]
    return [node]


def _first_item(atom):
    if atom.type != "atom" or not atom.children or atom.children[0].value not in "[(":
        return None
    items = _items(atom)
    if not items:
        return None
    first = items[0]
    if first.type in ("comp_for", "sync_comp_for"):
        return None
    return first


def _leaves(suite) -> bool:
    """Whether a block ends the function or the request (return / raise / abort)."""
    text = sx.code(suite)
    return bool(re.search(r"\b(return|raise|abort\s*\(|continue)\b", text))


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


def _bound_names(funcdef) -> set[str]:
    names: set[str] = set()
    for n in sx.walk(funcdef.children[-1]):
        if n.type == "name" and n.is_definition():
            names.add(n.value)
    for p in funcdef.get_params():
        names.add(p.name.value)
    return names


# -- which parameters hold client data ----------------------------------------------


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


@dataclass
class WalkContext:
    module: str
    imports: dict
    top_names: frozenset
    locals: frozenset
    classes: frozenset
    app_objects: dict


def function_flows(fctx, by_type) -> list[FunctionFlow]:
    """The flows of the functions among ``by_type``'s nodes (a file's or one unit's)."""
    ctx = WalkContext(
        fctx.module,
        fctx.imports,
        fctx.top_names,
        fctx.locals,
        fctx.local_classes,
        fctx.app_objects,
    )
    out = []
    for funcdef in by_type.get("funcdef", ()):
        if funcdef.parent is None:
            continue
        try:
            flow = _flow(ctx, funcdef)
        except (AttributeError, IndexError, ValueError, StopIteration, RecursionError):
            continue  # a half-typed function: no flow until it parses
        if flow is not None:
            out.append(flow)
    return out


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


def _flow(ctx, funcdef) -> FunctionFlow | None:
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
    if not sinks and not calls and not returns:
        return None
    return FunctionFlow(
        sx.intern(qualname), funcdef.children[1].start_pos, params, returns, calls, sinks
    )


def _keep_used_calls(calls, sinks, returns):
    """The calls that matter: given something that may be client data, or whose
    result reaches a sink, the return value or another kept call. Atoms are
    renumbered to the kept calls."""
    if True:  # every project call is kept: "has callers" reads them (VAL001)
        return tuple(calls), tuple(sinks), returns
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
    order = sorted(used)
    new = {old: i for i, old in enumerate(order)}

    def remap(atoms):
        return frozenset(
            ("c", new[a[1]], a[2]) if a[0] == "c" else a
            for a in atoms
            if a[0] != "c" or a[1] in new
        )

    kept = tuple(
        CallFlow(c.callee, c.start, c.end, tuple((s, remap(v)) for s, v in c.args))
        for c in (calls[k] for k in order)
    )
    return (
        kept,
        tuple(SinkFlow(s.code, s.what, s.start, s.end, remap(s.atoms), s.at) for s in sinks),
        remap(returns),
    )


# -- across functions and files -------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    path: str
    start: Pos
    end: Pos
    message: str


MAX_DEPTH = 8


def _slot_atoms(call: CallFlow, params: tuple[str, ...], name: str) -> frozenset:
    """What ``call`` gives the parameter ``name`` of a function with ``params``."""
    plain = [p.lstrip("*") for p in params]
    if name not in plain:
        return EMPTY
    k = plain.index(name)
    star = params[k].startswith("*") and not params[k].startswith("**")
    dstar = params[k].startswith("**")
    named = set(plain)
    out = EMPTY
    for slot, atoms in call.args:
        if slot in ("*", "**"):
            out |= atoms
        elif slot.startswith("#"):
            i = int(slot[1:])
            if i == k or (star and i >= k):
                out |= atoms
        elif slot == f"kw:{name}" or (dstar and slot[3:] not in named):
            out |= atoms
    return out


class TaintResolver:
    """Every file's flows joined: which function a call reaches, who calls a
    function, and whether client data reaches a sink through them."""

    def __init__(self, index) -> None:
        self.index = index
        self.functions: dict[str, tuple[object, FunctionFlow]] = {}
        self.callers: dict[str, list[tuple[object, FunctionFlow, CallFlow]]] = {}
        self._up: dict[tuple, list[Hop] | None] = {}
        for f in index.files.values():
            for flow in f.flows:
                self.functions[f"{f.module}.{flow.qualname}"] = (f, flow)
        for f in index.files.values():
            for flow in f.flows:
                for call in flow.calls:
                    key = self.key(call.callee, f)
                    if key is not None:
                        self.callers.setdefault(key, []).append((f, flow, call))

    def key(self, callee: str, caller=None) -> str | None:
        """The function ``callee`` (as a call in ``caller``'s file names it) is."""
        name = callee.split("|", 1)[0]
        if name in self.functions:
            return name
        canonical = self.index.canonical(name)
        if canonical in self.functions:
            return canonical
        if caller is not None:  # `import libuser` beside the caller: its folders, nearest first
            parts = caller.module.split(".")[:-1]
            for i in range(len(parts), 0, -1):
                candidate = ".".join(parts[:i]) + "." + name
                if candidate in self.functions:
                    return candidate
        # a name re-exported by a package: `from .utils import run` in __init__.py
        mod, _, attr = name.rpartition(".")
        f = self.index.module(mod) if mod else None
        if f is not None and attr in f.imports:
            target = self.index.canonical(f.imports[attr])
            if target in self.functions:
                return target
        return None

    def has_callers(self, facts, flow: FunctionFlow) -> bool:
        """Whether the project shows a call of ``flow``'s function."""
        return bool(self.callers.get(f"{facts.module}.{flow.qualname}"))

    def trace(self, facts, flow: FunctionFlow, atoms: frozenset, code: str) -> list[Hop] | None:
        """The way client data reaches ``atoms`` in ``flow``: hops from the source
        to the function holding the atoms; None when none is found."""
        return self._sources(facts, flow, atoms, code, 0, (), frozenset())

    def _sources(self, facts, flow, atoms, code, depth, stack, seen) -> list[Hop] | None:
        if depth > MAX_DEPTH:
            return None
        for atom in sorted(atoms, key=_atom_order):
            if code in atom[-1]:
                continue
            kind = atom[0]
            if kind == "v" and not stack and not self.has_callers(facts, flow):
                return [Hop(facts.path, atom[3], atom[4], f"{atom[2]}: client data enters here")]
            if kind == "v":
                atom = ("p", atom[1], atom[-1])  # a helper: its callers decide
                kind = "p"
            if kind == "s":
                return [Hop(facts.path, atom[2], atom[3], f"{atom[1]}: client data enters here")]
            if kind == "p":
                found = self._param(facts, flow, atom, code, depth, stack, seen)
            else:
                found = self._returned(facts, flow, atom, code, depth, stack, seen)
            if found:
                return found
        return None

    def _param(self, facts, flow, atom, code, depth, stack, seen):
        name, cleaned = atom[1], atom[2]
        if stack:  # called from a known place: what that call gives
            cfacts, cflow, call = stack[-1]
            given = _with_cleaned(_slot_atoms(call, flow.params, name), cleaned)
            found = self._sources(cfacts, cflow, given, code, depth + 1, stack[:-1], seen)
            if found:
                return found + [_hop_call(cfacts, call, name, flow)]
            return None
        key = (f"{facts.module}.{flow.qualname}", name, code, cleaned)
        if key in self._up:
            return self._up[key]
        if key in seen:
            return None
        seen = seen | {key}
        result = None
        for cfacts, cflow, call in self.callers.get(f"{facts.module}.{flow.qualname}", ()):
            given = _with_cleaned(_slot_atoms(call, flow.params, name), cleaned)
            found = self._sources(cfacts, cflow, given, code, depth + 1, (), seen)
            if found:
                result = found + [_hop_call(cfacts, call, name, flow)]
                break
        self._up[key] = result
        return result

    def _returned(self, facts, flow, atom, code, depth, stack, seen):
        k, cleaned = atom[1], atom[2]
        if k >= len(flow.calls):
            return None
        call = flow.calls[k]
        if "|" in call.callee:
            return None  # task.delay(...): the result is a handle, not data
        key = self.key(call.callee, facts)
        if key is None:  # not the project's: what goes in comes out
            last = call.callee.rsplit(".", 1)[-1]
            if last[:1].isupper() and last not in WRAPPERS:
                return None  # an object built from it, not the value
            given = EMPTY
            for slot, atoms in call.args:
                if slot.startswith("#") or slot == "*":
                    given |= atoms
            return self._sources(
                facts, flow, _with_cleaned(given, cleaned), code, depth + 1, stack, seen
            )
        tfacts, tflow = self.functions[key]
        if any(tflow is f for _, f, _ in stack):
            return None  # recursion
        found = self._sources(
            tfacts,
            tflow,
            _with_cleaned(tflow.returns, cleaned),
            code,
            depth + 1,
            (*stack, (facts, flow, call)),
            seen,
        )
        if found:
            return found + [
                Hop(facts.path, call.start, call.end, f"returned by `{tflow.qualname}`")
            ]
        return None


def _atom_order(atom) -> tuple:
    return ({"s": 0, "v": 1, "p": 2, "c": 3}[atom[0]], str(atom[1]))


def _with_cleaned(atoms: frozenset, cleaned: frozenset) -> frozenset:
    if not cleaned:
        return atoms
    return frozenset((*a[:-1], a[-1] | cleaned) for a in atoms)


def _hop_call(facts, call: CallFlow, name: str, flow: FunctionFlow) -> Hop:
    return Hop(facts.path, call.start, call.end, f"passed as `{name}` to `{flow.qualname}`")
