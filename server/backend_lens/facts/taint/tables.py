"""What the walk knows about frameworks and libraries: where client data comes
from, what makes it safe, and which calls are sinks."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

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
# a receiver of `execute` that is not a database (GraphQL schemas, thread pools)
NOT_SQL_OWNER = re.compile(r"(schema|graphql|executor|pool|loop|client|api|service)$", re.I)


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


# `CurrentIncident = Annotated[Incident, Depends(get_current_incident)]`: FastAPI's
# name for an object a dependency loads, never the client's text
NOT_CLIENT_DATA = re.compile(
    r"^(Request|Response|BackgroundTasks|Session|AsyncSession|WebSocket|HttpRequest|"
    r"\w*Session|\w*Repository|\w*Service|Settings|\w*Settings|User|\w*User|\w*Dep|"
    r"\w*Dependency|\w*Depends|Current[A-Z]\w*)$"
)


# parameters that FastAPI fills from dependencies, whatever their annotation says
DEPENDENCY_NAMES = frozenset(
    {"session", "db", "db_session", "current_user", "user", "settings", "background_tasks"}
)


ID_NAMES = re.compile(r"^(pk|id|\w+_id|\w+_pk|page|year|month|day)$")


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
        "flask.url_for",
        "werkzeug.security.generate_password_hash",
        "werkzeug.security.check_password_hash",
        "django.contrib.auth.hashers.make_password",
        "django.contrib.auth.authenticate",
        # HTML the framework escapes while it builds it: clean for VAL004
        "django.template.loader.render_to_string",
        "django.shortcuts.render",
        "flask.render_template",
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
    # escaping makes text safe in HTML, not in a template's source (`{{ }}` stays)
    "html.escape": frozenset({"VAL004"}),
    "markupsafe.escape": frozenset({"VAL004"}),
    "flask.escape": frozenset({"VAL004"}),
    "django.utils.html.escape": frozenset({"VAL004"}),
    "django.utils.html.conditional_escape": frozenset({"VAL004"}),
    "django.utils.html.strip_tags": frozenset({"VAL004"}),
    "bleach.clean": frozenset({"VAL004"}),
    "nh3.clean": frozenset({"VAL004"}),
    # percent-encoding keeps "../" and "//host": not a path or redirect check
    "urllib.parse.quote": frozenset({"VAL002", "VAL004"}),
    "urllib.parse.quote_plus": frozenset({"VAL002", "VAL004"}),
    "django.utils.http.urlencode": frozenset({"VAL009"}),
    "urllib.parse.urlencode": frozenset({"VAL009"}),
    # repr() and JSON write a newline as `\n`: one log record stays one line
    "repr": frozenset({"VAL014"}),
    "ascii": frozenset({"VAL014"}),
    "json.dumps": frozenset({"VAL014"}),
    "ldap.filter.escape_filter_chars": frozenset({"VAL016"}),
    "ldap.filter.filter_format": frozenset({"VAL016"}),
    "ldap3.utils.conv.escape_filter_chars": frozenset({"VAL016"}),
    "re.escape": frozenset({"VAL017"}),
    "regex.escape": frozenset({"VAL017"}),
}


CLEAN_ATTRS = frozenset({"validated_data", "cleaned_data"})
# attributes of the request that are not what the client wrote
REQUEST_CLEAN_ATTRS = frozenset({"user", "method", "session", "auth", "resolver_match"})


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


def _passing_sinks() -> dict[str, Sink]:
    """Sinks whose result still carries the data (`re.sub(p, "", text)` returns the
    text): judged like SINKS, but the walk goes on through them."""
    out: dict[str, Sink] = {}
    for lib in ("re", "regex"):
        for fn in ("compile", "search", "match", "fullmatch", "findall", "finditer", "split"):
            out[f"{lib}.{fn}"] = Sink("VAL017", 0, ("pattern",))
        for fn in ("sub", "subn"):
            out[f"{lib}.{fn}"] = Sink("VAL017", 0, ("pattern",))
    for q in ("lxml.etree.XPath", "lxml.etree.ETXPath", "lxml.etree.XPathEvaluator"):
        out[q] = Sink("VAL015", 0, ("path",))
    return out


PASSING_SINKS = _passing_sinks()


# a logger: `logger`, `log`, `LOG`, `self.logger`, `app.logger`, `_log`, `audit_logger`
LOGGER = re.compile(r"(^|[._])(log|logger|logging)$", re.I)
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
)


# python-ldap's search methods: (base, scope, filterstr, ...)
LDAP_SEARCHES = frozenset({"search_s", "search_st", "search_ext", "search_ext_s"})


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
    r"allow\w*(url|redirect)|"
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
    return frozenset(s.code for s in SINKS.values()) | frozenset(
        s.code for s in PASSING_SINKS.values()
    )


SQL_TEXT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.I)
