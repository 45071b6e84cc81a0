"""Background Job Processing: task results waited for (TASK003), retries that come
back at once (TASK004), tasks that call other services with no time limit
(TASK005) and e-mail sent while a request waits (TASK006)."""

from __future__ import annotations

from ..source import syntax as sx
from ._endpoints import chains_by_function
from ._helpers import last_assignment
from .base import Context, detector, make_finding
from .integration import VIEW_BASES
from .integration import _handler as handler_kind
from .transactions import _bound_by, _makes, _network_call

# -- what a function is -----------------------------------------------------------
# the DRF / Django class-based view hooks that run inside the request too
VIEW_HOOKS = frozenset(
    {
        "perform_create",
        "perform_update",
        "perform_destroy",
        "form_valid",
        "form_invalid",
    }
)


CELERY_APPS = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})
TASK_DECORATORS = ("task", "shared_task", "actor", "periodic_task", "job", "db_task")


def _task_decorator(ctx: Context, func):
    """The decorator that makes ``func`` a Celery task (``@shared_task``, ``@app.task``
    with ``app`` a Celery app, ``@celery.task``), else None. Read from the code, not
    the file's task facts: those change with every function body."""
    for dec in sx.function_decorators(func):
        name = sx.decorator_name(dec) or ""
        head, _, last = name.rpartition(".")
        if last not in ("task", "shared_task"):
            continue
        q = ctx.qualify(name) or name
        if last == "shared_task" and q.startswith("celery"):
            return dec
        if last == "task" and head and "." not in head:
            if head in ("app", "celery_app", "celery") or "celery" in q.lower():
                return dec
            if _module_celery(ctx, head):
                return dec
    return None


def _module_celery(ctx: Context, name: str) -> bool:
    stmts = [s for s in ctx.assignments(name) if ctx.scope(s).type == "file_input"]
    return len(stmts) == 1 and _makes(ctx, stmts[0].children[2], CELERY_APPS)


def _is_task(ctx: Context, func) -> bool:
    return _task_decorator(ctx, func) is not None


def _is_worker_function(ctx: Context, func) -> bool:
    """Decorated as any kind of background work (a Dramatiq actor, a Huey task)."""
    return any(
        (sx.decorator_name(d) or "").rsplit(".", 1)[-1] in TASK_DECORATORS
        for d in sx.function_decorators(func)
    )


def _in_view_class(ctx: Context, func) -> bool:
    cls = ctx.enclosing(func, ("classdef", "funcdef", "file_input"))
    if cls is None or cls.type != "classdef":
        return False
    if len(cls.children) <= 3 or cls.children[2].value != "(":
        return False
    bases = cls.children[3]
    text = sx.code(bases) if bases.type != "operator" else ""
    return any(
        b.strip().rsplit(".", 1)[-1].endswith(VIEW_BASES) for b in text.split(",") if b.strip()
    )


def _is_handler(ctx: Context, func) -> bool:
    """A function that answers an HTTP request: a route, a Django view (``request``
    first), a view class's method or one of its hooks (``perform_create``)."""
    if _is_worker_function(ctx, func):
        return False
    kind = handler_kind(ctx, func)
    if kind in ("route", "view"):
        return True
    return func.children[1].value in VIEW_HOOKS and _in_view_class(ctx, func)


def _owner(ctx: Context, node):
    """The function whose own body holds ``node`` (None inside a lambda or at module level)."""
    f = ctx.enclosing(node, ("funcdef", "lambdef", "classdef", "file_input"))
    return f if f is not None and f.type == "funcdef" else None


# -- TASK003: a task's result waited for ---------------------------------------------
DISPATCH = frozenset({"delay", "apply_async", "send_task"})
WAITS = frozenset({"get", "wait", "join", "join_native"})
RESULT_CLASSES = frozenset(
    {"celery.result.AsyncResult", "celery.result.GroupResult", "celery.result.ResultSet"}
)
CANVAS = frozenset({"celery.group", "celery.chord", "celery.chain", "celery.canvas.group"})


def _makes_result(ctx: Context, calls: list, upto: int) -> str | None:
    """What the calls before index ``upto`` of one chain return a task result from
    (the task's name as written), else None."""
    if upto == 0:
        return None
    prev = calls[upto - 1]
    if prev.method in DISPATCH and prev.callee and "." in prev.callee:
        owner = prev.callee.rsplit(".", 1)[0]
        if _is_pool(ctx, owner, prev.node):
            return None  # multiprocessing's pool.apply_async(f).get()
        if prev.method == "send_task":
            args = prev.args
            first = args[0].value if args and args[0].kind == "pos" else None
            shown = sx.string_value(first) if first is not None else None
            return shown or owner
        return owner
    q = ctx.qualify(prev.callee) if prev.callee else None
    if q in RESULT_CLASSES or (prev.method == "AsyncResult" and prev.callee):
        return "a task"
    # group(...)(): the group is called to run it
    if prev.callee is None and upto >= 2:
        first = calls[upto - 2]
        if (ctx.qualify(first.callee) or "") in CANVAS and first.index == prev.index - 1:
            return f"{first.callee}(...)"
    return None


POOLS = frozenset(
    {
        "multiprocessing.Pool",
        "multiprocessing.pool.Pool",
        "multiprocessing.pool.ThreadPool",
        "multiprocessing.dummy.Pool",
        "billiard.Pool",
        "gevent.pool.Pool",
    }
)


def _is_pool(ctx: Context, owner: str, at) -> bool:
    """``owner`` (as written before ``.apply_async``) is a process or thread pool."""
    if "pool" in owner.rsplit(".", 1)[-1].lower():
        return True
    return "." not in owner and _bound_by(ctx, owner, at, POOLS)


def _result_of(ctx: Context, node, call) -> str | None:
    """The task whose result the ``.get()``-like ``call`` waits for, else None."""
    calls = ctx.calls(node)
    i = calls.index(call)
    if call.callee is None:
        # X.delay(...).get(): the call on the value the previous call returned
        if i == 0 or calls[i - 1].index != call.index - 2:
            return None
        return _makes_result(ctx, calls, i)
    parts = call.callee.split(".")
    if len(parts) != 2 or call.index != 2:
        return None  # result.get(): a name bound to the result, then the wait
    value = last_assignment(ctx, parts[0], node)
    if value is None or value.type not in ("atom_expr", "power"):
        return None
    vcalls = ctx.calls(value)
    if not vcalls or vcalls[-1].index != len(sx.parts(value)) - 1:
        return None
    return _makes_result(ctx, vcalls, len(vcalls))


def _allowed_join(node) -> bool:
    """Inside ``with allow_join_result():``: waiting on purpose."""
    p = node.parent
    while p is not None and p.type not in ("funcdef", "lambdef"):
        if p.type == "with_stmt" and "allow_join_result" in sx.code(p.children[1]):
            return True
        p = p.parent
    return False


READY_CHECKS = frozenset({"ready", "successful", "failed", "state", "status"})


def _checked_first(ctx: Context, func, node) -> bool:
    """A result's state read before the wait (``if result.ready():``,
    ``result.state == "SUCCESS"``): a poll that reads a finished result, no wait."""
    _, chains = chains_by_function(ctx).get(id(func), (None, ()))
    for n in chains:
        if n.start_pos >= node.start_pos:
            break
        if any(sx.is_attr_trailer(t) and t.children[1].value in READY_CHECKS for t in sx.parts(n)):
            return True
    return False


@detector("TASK003", section="Background Job Processing")
def task_result_waited_for(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    for node, call in ctx.calls_to(*WAITS):
        task = _result_of(ctx, node, call)
        if task is None:
            continue
        func = _owner(ctx, node)
        if func is None or _allowed_join(node) or _checked_first(ctx, func, node):
            continue
        shown = task if task == "a task" else f"`{task}`"
        if _is_task(ctx, func):
            why = (
                f"the task `{func.children[1].value}` waits for {shown} to finish: the worker "
                "holds its pool slot while it waits, and when every slot is taken by a waiting "
                "task nothing runs the tasks they wait for (Celery raises RuntimeError here "
                "unless disable_sync_subtasks=False); chain the tasks (`a.si(...) | b.si(...)`) "
                "or pass a callback with link="
            )
        elif _is_handler(ctx, func):
            why = (
                f"this request handler waits for {shown} to finish: the request (and its web "
                "worker) blocks until a Celery worker has run it, which can take seconds or "
                "forever when the queue is backed up; answer with the task id (202 Accepted) "
                "and let the client poll, or do the work in the request"
            )
        else:
            continue
        end = call.trailer
        start = sx.parts(node)[call.index - 1] if call.index >= 1 else node
        yield ctx.finding("TASK003", start, why, end_node=end)


# -- TASK004: retries that come back at once ---------------------------------------
RQ_RETRY = frozenset({"rq.Retry", "rq.retry.Retry", "rq.job.Retry"})


def _zero(node) -> bool:
    return node.type == "number" and node.value.rstrip("0").rstrip(".") in ("", "0")


def _task_decorator_call(ctx: Context, func):
    """The ``@app.task(...)``/``@shared_task(...)`` call of a Celery task ``func``
    (None for a bare decorator)."""
    dec = _task_decorator(ctx, func)
    if dec is None or dec.children[1].type not in ("atom_expr", "power"):
        return None
    calls = ctx.calls(dec.children[1])
    return calls[0] if calls and calls[0].callee == sx.decorator_name(dec) else None


def _kwargs(call) -> dict:
    return {a.name: a for a in call.args if a.kind == "kw"} if call is not None else {}


def _truthy(node) -> bool:
    return not ((node.type == "keyword" and node.value in ("False", "None")) or _zero(node))


def _dict_zero(node, key: str):
    """The value node of ``key`` in a literal dict ``{"key": 0}`` / ``dict(key=0)`` when it is 0."""
    if node.type == "atom" and node.children[0].value == "{" and len(node.children) == 3:
        inner = node.children[1]
        ch = inner.children if inner.type == "dictorsetmaker" else []
        for i in range(0, len(ch) - 2, 4):
            if sx.string_value(ch[i]) == key and _zero(ch[i + 2]):
                return ch[i + 2]
    return None


@detector("TASK004", section="Background Job Processing")
def retry_without_delay(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    roots = {m.split(".")[0] for m in ctx.facts.imported_modules}
    if "celery" in roots:
        yield from _celery_retries(ctx)
    if "rq" in roots:
        for node, call in ctx.calls_of_qualified(RQ_RETRY):
            kw = _kwargs(call)
            pos = [a for a in call.args if a.kind == "pos"]
            interval = kw.get("interval")
            value = (
                interval.value if interval is not None else (pos[1].value if len(pos) > 1 else None)
            )
            if any(a.kind in ("star", "dstar") for a in call.args):
                continue
            if value is not None and not _zero(value):
                continue
            shown = "interval=0" if value is not None else "no interval"
            yield ctx.finding(
                "TASK004",
                node,
                f"`{sx.code(node).strip()}` retries the failed job with {shown}: RQ puts it "
                "back on the queue at once, so every retry hits the same outage seconds "
                "later and the retries are used up before it is over; give growing "
                "intervals, e.g. `Retry(max=3, interval=[10, 60, 300])`",
                end_node=call.trailer,
            )


def _celery_retries(ctx: Context):
    for func in ctx.nodes("funcdef"):
        if not _is_task(ctx, func):
            continue
        deco = _task_decorator_call(ctx, func)
        kw = _kwargs(deco)
        backoff = kw.get("retry_backoff")
        if backoff is not None and _truthy(backoff.value):
            continue
        delay = kw.get("default_retry_delay")
        retry_kwargs = kw.get("retry_kwargs")
        name = func.children[1].value
        if "autoretry_for" in kw:
            zero = _dict_zero(retry_kwargs.value, "countdown") if retry_kwargs else None
            if zero is not None:
                yield _retry_finding(ctx, retry_kwargs.node, name, "retry_kwargs countdown=0")
                continue
            if delay is not None and _zero(delay.value) and retry_kwargs is None:
                yield _retry_finding(ctx, delay.node, name, "default_retry_delay=0")
                continue
    for node, call in ctx.calls_to("retry"):
        if call.callee is None or call.callee.count(".") != 1:
            continue
        func = _owner(ctx, node)
        if func is None or not _is_task(ctx, func):
            continue
        receiver = call.callee.split(".")[0]
        if receiver != "self" and receiver != func.children[1].value:
            continue
        kw = _kwargs(call)
        if "eta" in kw:
            continue
        if "exc" not in kw and not _in_except(node, func):
            continue  # self.retry(countdown=0) as a loop: run again for the next batch
        limit = kw.get("max_retries")
        if limit is not None and _zero(limit.value):
            continue  # max_retries=0: no retry, straight to the failure
        deco = _kwargs(_task_decorator_call(ctx, func))
        countdown = kw.get("countdown")
        if countdown is not None:
            if _zero(countdown.value):
                yield _retry_finding(ctx, countdown.node, func.children[1].value, "countdown=0")
            continue
        delay = deco.get("default_retry_delay")
        if delay is not None and _zero(delay.value):
            yield _retry_finding(
                ctx, node, func.children[1].value, "default_retry_delay=0", call.trailer
            )


def _in_except(node, func) -> bool:
    """``node`` is in an ``except`` block of ``func`` (a retry of a failure)."""
    p = node
    while p is not None and p is not func:
        parent = p.parent
        if parent is not None and parent.type == "try_stmt" and p.type == "suite":
            i = parent.children.index(p)
            before = parent.children[i - 2] if i >= 2 else None
            if before is not None and (
                before.type == "except_clause"
                or (before.type == "keyword" and before.value == "except")
            ):
                return True
        p = parent
    return False


def _retry_finding(ctx: Context, node, task: str, what: str, end=None):
    return ctx.finding(
        "TASK004",
        node,
        f"`{task}` retries with {what}: the retry runs at once, so every attempt hits the "
        "same failure (a service that is down, a lock still held) within moments and the "
        "retries are spent before it can recover; wait between attempts and let the wait "
        "grow (`retry_backoff=True`, or `countdown=2 ** self.request.retries * 10`)",
        end_node=end,
    )


# -- TASK005: a task that calls other services with no time limit -----------------
TIME_LIMIT_OPTIONS = frozenset({"time_limit", "soft_time_limit", "base"})
TIME_LIMIT_SETTINGS = (
    "CELERY_TASK_TIME_LIMIT",
    "CELERY_TASK_SOFT_TIME_LIMIT",
    "CELERYD_TASK_TIME_LIMIT",
    "CELERYD_TASK_SOFT_TIME_LIMIT",
)
SMTP_CLASSES = frozenset({"smtplib.SMTP", "smtplib.SMTP_SSL"})
NETWORK_ROOTS = frozenset({"requests", "httpx", "urllib", "django", "smtplib", "stripe"})


def _first_network_call(ctx: Context, func) -> str | None:
    """What the first call of ``func``'s own body that talks to another service calls."""
    _, chains = chains_by_function(ctx).get(id(func), (None, ()))
    for node in chains:
        for call in ctx.calls(node):
            if call.callee and (ctx.qualify(call.callee) or "") in SMTP_CLASSES:
                return call.callee
            found = _network_call(ctx, node, call)
            if found is not None:
                return found[0]
    return None


def _configures_time_limit(ctx: Context) -> bool:
    """A statement at the top of the module that names ``task_time_limit`` /
    ``task_soft_time_limit`` (``app.conf.task_time_limit = 300``,
    ``app.conf.update(task_time_limit=300)``, a config dict)."""
    found = ctx.file_memo.get("configures_time_limit")
    if found is None:
        found = any(
            "task_time_limit" in code or "task_soft_time_limit" in code
            for stmt in ctx.module.children
            if stmt.type in ("simple_stmt", "if_stmt")
            for code in (sx.code(stmt),)
        )
        ctx.file_memo["configures_time_limit"] = found
    return found


@detector("TASK005", section="Background Job Processing")
def task_without_time_limit(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration:
        return
    if not any(m.split(".")[0] in NETWORK_ROOTS for m in facts.imported_modules):
        return
    if _configures_time_limit(ctx):
        return  # the app's configuration is in this file: app.conf.task_time_limit = ...
    for func in ctx.nodes("funcdef"):
        dec = _task_decorator(ctx, func)
        if dec is None or TIME_LIMIT_OPTIONS & set(_kwargs(_task_decorator_call(ctx, func))):
            continue
        callee = _first_network_call(ctx, func)
        if callee is None:
            continue
        site = ctx.site(dec.children[0], dec.children[1])
        message = (
            f"the task `{func.children[1].value}` calls another service (`{callee}()`) and has no time "
            "limit: if the other side stops answering, the call can hang and hold a worker "
            "for good, and enough of them stop the queue; set `soft_time_limit=`/`time_limit=` "
            "on the task or CELERY_TASK_TIME_LIMIT for the project (and timeouts on the calls)"
        )

        def judge(index, facts=facts, site=site, message=message):
            settings = index.settings(facts)
            if any(settings.get(k) is not None for k in TIME_LIMIT_SETTINGS):
                return
            yield make_finding("TASK005", site, message)

        yield ctx.defer(("settings",), judge, (site,))


# -- TASK006: e-mail sent while the request waits ------------------------------------
FLASK_MAIL = frozenset({"flask_mail.Mail"})
FLASK_MESSAGE = frozenset({"flask_mail.Message"})


def _mail_call(ctx: Context, node, call) -> str | None:
    found = _network_call(ctx, node, call)
    if found is not None:
        return found[0] if found[1] == "mail" else None
    if call.method != "send" or not call.callee or call.callee.count(".") != 1:
        return None
    receiver = call.callee.split(".")[0]
    if _bound_by(ctx, receiver, node, FLASK_MAIL):
        return call.callee
    args = call.args
    if len(args) == 1 and args[0].kind == "pos" and args[0].value.type == "name":
        if _bound_by(ctx, args[0].value.value, node, FLASK_MESSAGE):
            return call.callee  # mail.send(msg) with msg = flask_mail.Message(...)
    return None


@detector("TASK006", section="Background Job Processing")
def mail_sent_in_request(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration:
        return
    roots = {m.split(".")[0] for m in facts.imported_modules}
    if "django" not in roots and "flask_mail" not in roots:
        return
    for func, chains in chains_by_function(ctx).values():
        if not any(
            c.method in ("send", "send_mail", "send_mass_mail", "mail_admins", "mail_managers")
            for node in chains
            for c in ctx.calls(node)
        ):
            continue
        if not _is_handler(ctx, func):
            continue
        for node in chains:
            for call in ctx.calls(node):
                callee = _mail_call(ctx, node, call)
                if callee is None:
                    continue
                parts = sx.parts(node)
                start = parts[0] if call.index <= 1 else node
                yield ctx.finding(
                    "TASK006",
                    start,
                    f"`{callee}()` sends an e-mail while the request waits: the SMTP "
                    "conversation (seconds when the mail server is slow) is added to the "
                    "response time, and a mail server that is down fails the request; "
                    "queue a task that sends it (after the commit: transaction.on_commit)",
                    end_node=call.trailer,
                )
