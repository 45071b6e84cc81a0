"""Audit Logging & Compliance: security events nobody records, ``print`` used as a
log, and exceptions swallowed without a trace."""

from __future__ import annotations

import re

from ..facts.kinds import SCRIPT_FILES, SCRIPT_FOLDERS
from ..model import Fix
from ..source import syntax as sx
from .base import Context, detector, make_finding

SECTION = "Audit Logging & Compliance"


# --- which code runs in the server ---------------------------------------------------


def is_server_code(ctx: Context) -> bool:
    """Code that runs in the service: not tests, migrations, settings, scripts,
    management commands or files run by hand."""
    f = ctx.facts
    if f.is_test or f.is_migration or f.is_settings:
        return False
    parts = ctx.rel_path.replace("\\", "/").split("/")
    name = parts[-1]
    folders = parts[:-1]
    if name in SCRIPT_FILES or name in ("manage.py", "__main__.py", "tests.py", "test.py"):
        return False
    if name.startswith("test_") or name.endswith("_test.py"):
        return False
    if any(p in SCRIPT_FOLDERS or p in OTHER_FOLDERS for p in folders):
        return False
    if "management" in folders and "commands" in folders:
        return False
    if f.main_guard and not f.routes and len(parts) == 1:
        return False
    return not is_cli_module(ctx)


OTHER_FOLDERS = {"fixtures", "examples", "example", "alembic", "migrations", "revisions"}
CLI_MODULES = ("click", "typer", "argparse", "fire", "flask.cli", "flask_script", "docopt")


def is_cli_module(ctx: Context) -> bool:
    """A module that imports a command-line library: its output and its errors are
    for the person running it."""
    known = ctx.file_memo.get("cli module")
    if known is None:
        known = ctx.file_memo["cli module"] = _imports_cli(ctx)
    return known


def _imports_cli(ctx: Context) -> bool:
    return any(
        q == m or q.startswith(m + ".")
        for q in ctx.facts.imports.values()
        if isinstance(q, str)
        for m in CLI_MODULES
    )


def body_nodes(funcdef):
    """Every node of a function, its decorators and nested functions included."""
    yield from sx.walk(funcdef.children[-1])


def in_main_guard(node) -> bool:
    """Inside ``if __name__ == "__main__":``."""
    p = node.parent
    while p is not None:
        if p.type == "if_stmt":
            test = sx.code(p.children[1]).replace("'", '"').replace(" ", "")
            if test in ('__name__=="__main__"', '"__main__"==__name__'):
                return True
        p = p.parent
    return False


# --- what counts as a log ------------------------------------------------------------

LOG_WORD = re.compile(
    r"(^|_)(log|logs|logger|logging|loggers|audit|audits|journal|history|track|trace"
    r"|record|records|report|event|events|sentry|capture)(_|$)|logger$|structlog|change_reason"
)
LOG_CAMEL = re.compile(r"[a-z](Log|Logger|Audit|Event|History)s?$|^(Log|Audit)[A-Z]|^log[A-Z]")


def _log_name(name: str) -> bool:
    return bool(LOG_WORD.search(name.lower()) or LOG_CAMEL.search(name))


def _logs(call: sx.Call) -> bool:
    callee = call.callee or ""
    names = callee.split(".") if callee else [call.method or ""]
    if any(_log_name(n) for n in names if n):
        return True
    # a signal sent with a sender: receivers elsewhere record it
    if call.method in ("send", "send_robust") and sx.kwarg(call.args, "sender") is not None:
        return True
    return False


def function_logs(ctx: Context, funcdef) -> bool:
    for d in sx.function_decorators(funcdef):
        name = sx.decorator_name(d) or ""
        if any(_log_name(n) for n in name.split(".")):
            return True
    for n in body_nodes(funcdef):
        if n.type in ("atom_expr", "power"):
            for call in ctx.calls(n):
                if _logs(call):
                    return True
    return False


# --- AUD001 --------------------------------------------------------------------------

LOGIN_CALLS = {
    "django.contrib.auth.login": "a sign-in",
    "django.contrib.auth.authenticate": "a sign-in attempt",
    "django.contrib.auth.logout": "a sign-out",
    "django.contrib.auth.update_session_auth_hash": "a password change",
    "flask_login.login_user": "a sign-in",
    "flask_login.logout_user": "a sign-out",
    "flask_login.utils.login_user": "a sign-in",
    "flask_login.utils.logout_user": "a sign-out",
}
# the signals Django sends for these: a receiver anywhere in the project records them
AUTH_SIGNALS = {
    "django.contrib.auth.signals.user_logged_in",
    "django.contrib.auth.signals.user_logged_out",
    "django.contrib.auth.signals.user_login_failed",
}
SIGNALLED = {
    "django.contrib.auth.login",
    "django.contrib.auth.authenticate",
    "django.contrib.auth.logout",
}
GROUP_METHODS = {"add", "set", "remove", "clear"}
PRIVILEGE_ATTRS = {"is_staff", "is_superuser"}
USER_NAME = re.compile(r"^(user|\w*_user|account|customer|staff|staff_member|member)$")
# functions where these calls build a user rather than change one
QUIET_FUNCTIONS = re.compile(
    r"^(__init__|save|authenticate|get_user|perform_create|to_internal_value)$"
    r"|create|register|signup|sign_up|fake|populate|seed|sample|random|clean|validate|setup"
    # a check that re-hashes the same password with the current hasher
    r"|check_password|verify_password"
)
# words that must appear in a file for AUD001 to look further (it reads the whole file)
TRIGGERS = re.compile(
    r"\b(login|logout|login_user|logout_user|authenticate|update_session_auth_hash)\b"
    r"|set_password|\.groups\.|user_permissions\.|is_staff|is_superuser|\.delete\("
)


# words one of which a file with a security action holds: plain substring tests
# before the regular expression (the detector runs on every keystroke)
def _has_word(text: str, word: str) -> bool:
    """``word`` in ``text`` as a whole word (str.find: a regular expression with an
    alternation of words scans a 100 kB file in milliseconds)."""
    start = text.find(word)
    while start != -1:
        before = text[start - 1] if start else " "
        after = text[start + len(word) : start + len(word) + 1] or " "
        if not (before.isalnum() or before == "_") and (
            word[-1] in "._" or not (after.isalnum() or after == "_")
        ):
            return True
        start = text.find(word, start + 1)
    return False


TRIGGER_WORDS = (
    "login",
    "logout",
    "authenticate",
    "update_session_auth_hash",
    "set_password",
    ".groups.",
    "user_permissions.",
    "is_staff",
    "is_superuser",
)


def _may_act(text: str) -> bool:
    if any(_has_word(text, w) for w in TRIGGER_WORDS):
        return True
    # `user.delete()` and the other names USER_NAME accepts (str.find, see _has_word)
    start = text.find(".delete()")
    while start != -1:
        k = start
        while k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
            k -= 1
        if USER_NAME.match(text[k:start]):
            return True
        start = text.find(".delete()", start + 1)
    return False


def _credentials(call: sx.Call) -> bool:
    """``authenticate()`` with credentials (a sign-in), not a request-only
    authentication of every request (a token backend)."""
    args = call.args
    return any(a.kind in ("dstar", "star") for a in args) or any(
        a.kind == "kw" and a.name != "request" for a in args
    )


def _saves(ctx: Context, funcdef, obj: str) -> bool:
    for n in body_nodes(funcdef):
        if n.type in ("atom_expr", "power"):
            for call in ctx.calls(n):
                if call.method == "save" and call.callee == f"{obj}.save":
                    return True
    return False


ACTION_METHODS = (
    "login",
    "authenticate",
    "logout",
    "update_session_auth_hash",
    "login_user",
    "logout_user",
    "set_password",
    "add",
    "set",
    "remove",
    "clear",
    "delete",
)


def _outermost_function(ctx: Context, node):
    fn = ctx.enclosing(node, ("funcdef",))
    while fn is not None:
        outer = ctx.enclosing(fn, ("funcdef",))
        if outer is None:
            return fn
        fn = outer
    return None


def _action(ctx: Context, node, call: sx.Call, quiet: bool):
    """(node, end node, what it is, key) when the call is a security-relevant action."""
    q = ctx.qualify(call.callee) or ""
    if q in LOGIN_CALLS:
        if q.endswith("authenticate") and (quiet or not _credentials(call)):
            return None
        return node, call.trailer, LOGIN_CALLS[q], q
    if quiet:
        return None
    parts = (call.callee or "").split(".")
    if call.method == "set_password" and len(parts) >= 2:
        return node, call.trailer, "a password change", "set_password"
    if (
        call.method in GROUP_METHODS
        and len(parts) >= 3
        and parts[-2] in ("groups", "user_permissions")
        and USER_NAME.match(parts[-3])
    ):
        what = "a group change" if parts[-2] == "groups" else "a permission change"
        return node, call.trailer, what, parts[-2]
    if call.method == "delete" and len(parts) == 2 and USER_NAME.match(parts[0]) and not call.args:
        return node, call.trailer, "the deletion of a user", "delete"
    return None


def security_actions(ctx: Context) -> dict[int, tuple[object, list]]:
    """id(outermost function) -> (the function, its security-relevant actions in
    source order): read from the file's call table, not a walk of every function."""
    found: dict[int, tuple[object, list]] = {}
    quiet_of: dict[int, bool] = {}

    def add(fn, item):
        entry = found.get(id(fn))
        if entry is None:
            entry = found[id(fn)] = (fn, [])
        entry[1].append(item)

    def quiet(fn) -> bool:
        q = quiet_of.get(id(fn))
        if q is None:
            q = quiet_of[id(fn)] = bool(QUIET_FUNCTIONS.search(fn.children[1].value.lower()))
        return q

    aliases = [
        local
        for local, q in ctx.facts.imports.items()
        if q in LOGIN_CALLS and local not in ACTION_METHODS
    ]
    for node, call in ctx.calls_to(*ACTION_METHODS, *aliases):
        fn = _outermost_function(ctx, node)
        if fn is None:
            continue
        item = _action(ctx, node, call, quiet(fn))
        if item is not None:
            add(fn, item)
    if "is_staff" in ctx.text or "is_superuser" in ctx.text:
        for n in ctx.nodes("expr_stmt"):
            ch = n.children
            if len(ch) != 3 or ch[1].type != "operator" or ch[1].value != "=":
                continue
            target = sx.dotted(ch[0]) or ""
            obj, _, attr = target.rpartition(".")
            if not obj or attr not in PRIVILEGE_ATTRS:
                continue
            fn = _outermost_function(ctx, n)
            # a flag set on an object that is saved: a stored change of privilege
            if fn is not None and not quiet(fn) and _saves(ctx, fn, obj):
                add(fn, (ch[0], ch[2], f"a change of `{attr}`", attr))
    for _, items in found.values():
        items.sort(key=lambda item: item[0].start_pos)
    return found


def _logging_scope(funcdef):
    """Where a log call counts for a function: the function, or for a method every
    method of its class (a mutation's ``post_save_action`` records what
    ``perform_mutation`` did)."""
    suite = funcdef.parent
    if suite is not None and suite.type == "decorated":
        suite = suite.parent
    if suite is not None and suite.type == "async_stmt":
        suite = suite.parent
    if suite is not None and suite.type == "suite" and suite.parent.type == "classdef":
        return [c for c in sx.walk(suite) if c.type == "funcdef"]
    return [funcdef]


@detector("AUD001", section=SECTION, scope="file")
def security_action_without_log(ctx: Context):
    # scope "file": a method's log may be in another method of its class
    if not _may_act(ctx.text) or not is_server_code(ctx):
        return
    found = security_actions(ctx)
    for funcdef, actions in sorted(found.values(), key=lambda x: x[0].start_pos):
        # nested functions are read with their outer one
        if any(function_logs(ctx, f) for f in _logging_scope(funcdef)):
            continue
        node, end, what, key = actions[0]
        name = funcdef.children[1].value
        kinds: list[str] = []
        for _, _, w, _ in actions:
            if w not in kinds:
                kinds.append(w)
        message = (
            f"`{name}` performs {' and '.join(kinds[:3])} without logging it: an audit trail "
            "of who did what, and when, is what an incident review starts from"
        )
        site = ctx.site(node, end)
        if all(a[3] in SIGNALLED for a in actions):
            # Django sends signals for these; a receiver elsewhere may record them

            def judge(index, site=site, message=message):
                for other in index.files.values():
                    if any(q in AUTH_SIGNALS for q in other.imports.values()):
                        return
                yield make_finding("AUD001", site, message)

            yield ctx.defer(("models",), judge)
            continue
        yield make_finding("AUD001", site, message)


# --- AUD002 --------------------------------------------------------------------------

CLI_DECORATORS = re.compile(r"(^|\.)(command|group|cli|argument|option|main|shell_context)")
LOGGER_NAMES = ("logger", "log", "LOGGER", "LOG", "_logger", "_log")


def _module_logger(ctx: Context) -> str | None:
    """The name of a module-level ``logger = logging.getLogger(...)``, if any."""
    for name in LOGGER_NAMES:
        for stmt in ctx.assignments(name):
            if stmt.parent is not None and stmt.parent.parent is ctx.module:
                value = stmt.children[2]
                calls = sx.calls_in(value) if value.type in ("atom_expr", "power") else []
                if calls and calls[0].method in ("getLogger", "get_logger", "get_task_logger"):
                    return name
    return None


def _is_cli_function(funcdef) -> bool:
    fn = funcdef
    while fn is not None:
        if fn.children[1].value in ("main", "cli", "run_cli"):
            return True
        for d in sx.function_decorators(fn):
            if CLI_DECORATORS.search(sx.decorator_name(d) or ""):
                return True
        fn = sx.enclosing(fn, ("funcdef",))
    return False


VERBOSITY = re.compile(r"verbos(e|ity)\b", re.I)


def _verbosity_guarded(node, fn) -> bool:
    """Whether ``node`` runs only when the operator asked for more output: inside
    ``if verbosity >= 2:`` (Django's post_migrate handlers and test-database set-up
    print what they create when ``manage.py migrate -v 2`` asks)."""
    n = node.parent
    while n is not None and n is not fn:
        if n.type in ("if_stmt", "while_stmt") and VERBOSITY.search(sx.code(n.children[1])):
            return True
        n = n.parent
    return False


@detector("AUD002", section=SECTION)
def print_for_logging(ctx: Context):
    if not is_server_code(ctx) or "print" in ctx.facts.imports:
        return
    if ctx.facts.main_guard:
        return  # run as a script: its output is for the person running it
    logger = None
    for node, call in ctx.calls_to("print"):
        if call.callee != "print" or call.index != 1:
            continue
        fn = ctx.enclosing(node, ("funcdef",))
        if fn is None or _is_cli_function(fn) or in_main_guard(node):
            continue
        if _verbosity_guarded(node, fn):
            continue  # command output the operator asked for, not a log line
        if fn.children[1].value in ("emit", "handleError"):
            continue  # a logging handler cannot log its own failure
        args = call.args
        out = sx.kwarg(args, "file")
        if out is not None and sx.dotted(out.value) not in ("sys.stdout", "sys.stderr"):
            continue  # writing a file, not logging
        if logger is None:
            logger = _module_logger(ctx) or ""
        fix = None
        if logger and len(args) == 1 and args[0].kind == "pos":
            name = sx.parts(node)[0]
            method = "error" if out is not None and "stderr" in sx.code(out.value) else "info"
            fix = Fix(
                f"Use {logger}.{method}(...)",
                (ctx.edit(name.start_pos, name.end_pos, f"{logger}.{method}"),),
            )
        elif logger and len(args) == 2 and args[0].kind == "pos" and out is not None:
            name = sx.parts(node)[0]
            method = "error" if "stderr" in sx.code(out.value) else "info"
            fix = Fix(
                f"Use {logger}.{method}(...)",
                (
                    ctx.edit(name.start_pos, name.end_pos, f"{logger}.{method}"),
                    ctx.edit(args[0].node.end_pos, out.node.end_pos, ""),
                ),
            )
        yield ctx.finding(
            "AUD002",
            node,
            "`print()` in server code: the line has no level, time or source, is lost "
            "where the server discards standard output, and cannot be filtered or "
            "routed; use a logger",
            fix=fix,
            end_node=call.trailer,
        )


# --- AUD003 --------------------------------------------------------------------------

BROAD = {"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}


def _broad_clause(clause) -> str | None:
    """``except:`` -> "except"; ``except Exception [as e]:`` -> "Exception"; else None."""
    ch = clause.children
    if len(ch) == 1:
        return "a bare `except:`"
    test = ch[1]
    names: list[str] = []
    if test.type == "atom" and test.children[0].value == "(":
        inner = test.children[1]
        items = inner.children if inner.type == "testlist_comp" else [inner]
        names = [sx.dotted(i) or "?" for i in items if i.type != "operator"]
    else:
        names = [sx.dotted(test) or "?"]
    for n in names:
        if n in BROAD:
            return f"`except {n}`"
    return None


def _constant(node) -> bool:
    if node.type in ("number", "string", "strings"):
        return True
    if node.type == "keyword" and node.value in ("None", "True", "False"):
        return True
    if node.type == "name" and node.value in ("None", "True", "False"):
        return True
    if node.type == "atom" and sx.code(node).replace(" ", "") in ("[]", "{}", "()", '""', "''"):
        return True
    if node.type == "factor" and node.children[-1].type == "number":
        return True
    return False


def _silent_statement(stmt) -> bool:
    """``pass``, ``continue``, ``...``, ``return``, ``return <constant>``."""
    if stmt.type == "simple_stmt":
        items = [
            c
            for c in stmt.children
            if c.type != "newline" and not (c.type == "operator" and c.value == ";")
        ]
        return bool(items) and all(_silent_statement(c) for c in items)
    if stmt.type == "keyword" and stmt.value in ("pass", "continue"):
        return True
    if stmt.type in ("pass_stmt", "continue_stmt"):
        return True
    if stmt.type == "operator" and stmt.value == "...":
        return True
    if stmt.type == "return_stmt":
        return len(stmt.children) == 1 or _constant(stmt.children[1])
    if stmt.type == "keyword" and stmt.value == "return":
        return True
    if stmt.type in ("string", "strings"):
        return True  # a comment written as a string
    return False


@detector("AUD003", section=SECTION)
def swallowed_exception(ctx: Context):
    if not is_server_code(ctx):
        return
    for try_stmt in ctx.nodes("try_stmt"):
        ch = try_stmt.children
        for i, clause in enumerate(ch[:-2]):
            if clause.type == "except_clause":
                what = _broad_clause(clause)
            elif clause.type == "keyword" and clause.value == "except":
                what = "a bare `except:`"
            else:
                continue
            if what is None:
                continue
            yield from _judge_clause(ctx, clause, ch[i + 2], what, ch[2])


# Django's template filters and tags must never raise ("filters should fail
# silently"): a broad handler returning "" there is the documented contract
TEMPLATE_HOOK = re.compile(r"(^|\.)(filter|simple_tag|inclusion_tag|stringfilter)$")


def _comment_above(clause) -> bool:
    """A comment on the lines right above ``except``, at its indentation."""
    leaf = clause.get_first_leaf()
    column = leaf.start_pos[1]
    lines = [ln for ln in leaf.prefix.split("\n") if ln.strip()]
    return bool(lines) and all(
        ln.lstrip().startswith("#") and len(ln) - len(ln.lstrip()) == column for ln in lines
    )


def _returned(stmt) -> str | None:
    """The code of the value ``stmt`` returns, when it is ``return <value>``."""
    if stmt.type == "simple_stmt":
        stmt = stmt.children[0]
    if stmt.type == "return_stmt" and len(stmt.children) == 2:
        return sx.code(stmt.children[1]).strip()
    return None


# what a handler returns to say "it failed": the caller has to look at it
SENTINELS = frozenset({"None", "False", "True"})


def _answers_failure(tried, handler: list) -> bool:
    """The handler returns None, False or True, and the block it guards returns
    something else: ``try: return parse(value)`` / ``except Exception: return
    None``. The caller is told the call failed (a parse-or-None helper, a
    predicate, a `broken` property): a decision about where the failure goes.
    An empty value (``""``, ``{}``, ``0``) is not such an answer: it passes for a
    result, and the failure is gone."""
    caught = _returned(handler[-1])
    if caught not in SENTINELS:
        return False
    for node in sx.walk(tried):
        if node.type == "return_stmt":
            if sx.enclosing(node, ("funcdef", "lambdef")) is not sx.enclosing(
                tried, ("funcdef", "lambdef")
            ):
                continue
            value = _returned(node)
            if value is not None and value != caught:
                return True
    return False


def _judge_clause(ctx: Context, clause, suite, what: str, tried):
    if ctx.enclosing(clause, ("funcdef",)) is None:
        return  # module level: an optional import and the like
    body = [c for c in suite.children if c.type != "newline"] if suite.type == "suite" else [suite]
    if not body or not all(_silent_statement(s) for s in body):
        return
    if _answers_failure(tried, body):
        return  # the caller gets a different answer when it failed
    if "#" in sx.code(suite) or "#" in body[0].get_first_leaf().prefix:
        return  # a comment says why: a decision, not an oversight
    if _comment_above(clause):
        return  # the same, written on the line above the `except`
    fn = ctx.enclosing(clause, ("funcdef",))
    if any(TEMPLATE_HOOK.search(sx.decorator_name(d) or "") for d in sx.function_decorators(fn)):
        return  # a template filter or tag: Django's contract is to fail silently
    yield ctx.finding(
        "AUD003",
        clause,
        f"{what} whose handler does nothing: every error here, including "
        "bugs and outages, disappears without a trace; log it "
        "(`logger.exception(...)`) or catch only the exceptions you expect",
    )
