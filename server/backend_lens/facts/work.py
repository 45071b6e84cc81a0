"""Background work, websocket consumers and GraphQL schemas as a file writes them.

The CLI keeps no parse trees, so everything the inventory needs is taken here,
as plain data (:class:`WorkFact`), while the tree is at hand. Nothing is decided
here that needs another file: ``@app.task`` is recorded with ``app`` qualified
through the imports (``proj.celery.app.task``), and whether ``app`` is a Celery
app is decided by ``inventory/work.py`` with the whole project's facts.

What is recorded (each with its position, arguments as written and the nearest
enclosing function):

- decorators of functions whose last name is one a task queue, scheduler or
  websocket library uses (``task``, ``shared_task``, ``job``, ``actor``,
  ``scheduled_job``, ``add``, ``websocket``, ``route``, ``on``, ...), and the
  decorators of a class that name a job or a schedule (netbox's
  ``@system_job(interval=...)``);
- calls that queue or schedule a function (``enqueue``, ``enqueue_call``,
  ``enqueue_at``, ``enqueue_in``, ``add_job``) or register a websocket handler
  (``add_api_websocket_route``, ``add_websocket_route``, ``WebSocketRoute``);
- calls that make an app, a queue, a scheduler or a schema (``Celery(...)``,
  ``get_queue(...)``, ``Scheduler()``, ``graphene.Schema(...)``,
  ``build_federated_schema(...)``), with the name they are assigned to;
- Celery beat entries (``CELERY_BEAT_SCHEDULE``, ``app.conf.beat_schedule``);
- arq ``WorkerSettings.functions`` / ``cron_jobs`` items.
"""

from __future__ import annotations

import re

from ..source import syntax as sx
from .model import WorkFact

# the last name of a function decorator worth recording
TASK_DECORATORS = frozenset(
    {
        "task",
        "shared_task",
        "periodic_task",
        "db_task",
        "db_periodic_task",
        "job",
        "actor",
        "scheduled_job",
        "add",
        "websocket",
        "websocket_route",
        "route",
        "on",
        "event",
    }
)
# words in the name of a class decorator worth recording (netbox: @system_job(interval=60))
CLASS_DECORATOR_WORDS = ("job", "schedul", "periodic", "task", "interval", "cron")
# the last name of a call that queues or schedules a function, or adds a websocket route
WORK_CALLS = frozenset(
    {
        "enqueue",
        "enqueue_call",
        "enqueue_at",
        "enqueue_in",
        "add_job",
        "add_api_websocket_route",
        "add_websocket_route",
        "WebSocketRoute",
    }
)
# the last name (lower case) of a call that makes an app, a queue, a scheduler or a
# schema: Celery(), make_celery(app), get_queue(), RedisHuey(), BackgroundScheduler(),
# FastAPI(), APIRouter(), Sock(app), SocketIO(app), socketio.AsyncServer(), Schema()
CTOR_SUFFIXES = (
    "celery",
    "schema",
    "queue",
    "huey",
    "scheduler",
    "fastapi",
    "router",
    "starlette",
    "sock",
    "socketio",
    "server",
)
BEAT_NAMES = frozenset({"CELERY_BEAT_SCHEDULE", "CELERYBEAT_SCHEDULE", "beat_schedule"})
MAX_CODE = 120
_OPEN = re.compile(r"([(\[{]) ")
_CLOSE = re.compile(r" ([)\]}])")


def as_written(node) -> str:
    """Source text of ``node`` on one line, cut to a readable length."""
    text = sx.code(node)
    if "\n" in text:  # on one line: "(\n    IOError,\n)" -> "(IOError,)"
        text = _CLOSE.sub(r"\1", _OPEN.sub(r"\1", " ".join(text.split())))
    return text if len(text) <= MAX_CODE else text[: MAX_CODE - 1] + "\u2026"


def _arguments(args: list[sx.Arg]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    pos: list[str] = []
    kw: list[tuple[str, str]] = []
    for a in args:
        if a.kind == "pos":
            pos.append(as_written(a.value))
        elif a.kind == "kw" and a.name:
            kw.append((a.name, as_written(a.value)))
        elif a.kind in ("star", "dstar"):
            pos.append(as_written(a.node))
    return tuple(pos), tuple(kw)


def _qualify(name: str, imports: dict[str, str]) -> str:
    head, _, rest = name.partition(".")
    if head in imports:
        q = imports[head]
        return f"{q}.{rest}" if rest else q
    return name


def _assigned_to(node) -> str:
    """The name a call's value is bound to: ``app = Celery()`` -> "app",
    ``self.queue = Queue()`` -> "self.queue", ``View(schema=Schema())`` -> "schema"."""
    p = node.parent
    if p is None:
        return ""
    if p.type == "annassign":
        p = p.parent
        if p is not None and p.type == "expr_stmt" and p.children[1].children[-1] is node:
            return sx.dotted(p.children[0]) or ""
        return ""
    if p.type == "expr_stmt":
        ch = p.children
        if len(ch) >= 3 and ch[-1] is node and ch[-2].type == "operator" and ch[-2].value == "=":
            return sx.dotted(ch[-3]) or ""
        return ""
    if p.type == "argument" and p.children[0].type == "name" and p.children[-1] is node:
        return p.children[0].value
    return ""


def extract_work(
    by_type, imports: dict[str, str], calls_of, arq: bool | None = None
) -> tuple[WorkFact, ...]:
    """``arq``: whether the file uses arq (an import, a ``...WorkerSettings`` class);
    computed from ``by_type`` when not given (a part of a file cannot tell)."""
    out: list[WorkFact] = []
    function_of = sx.Nearest(("funcdef",))

    def scope(node) -> str:
        f = function_of(node)
        return f.children[1].value if f is not None else ""

    # decorators
    for d in by_type.get("decorator", ()):
        holder = d.parent
        if holder is not None and holder.type == "decorators":
            holder = holder.parent
        if holder is None or holder.type != "decorated":
            continue
        target = holder.children[-1]
        if target.type in ("async_funcdef", "async_stmt"):
            target = target.children[-1]
        if target.type not in ("funcdef", "classdef"):
            continue
        written = sx.decorator_name(d)
        if not written:
            continue
        is_class = target.type == "classdef"
        last = written.rsplit(".", 1)[-1]
        if is_class:
            if not any(k in last.lower() for k in CLASS_DECORATOR_WORDS):
                continue
        elif last not in TASK_DECORATORS:
            continue
        args: tuple[str, ...] = ()
        kwargs: tuple[tuple[str, str], ...] = ()
        inner = d.children[1]
        if inner.type in ("atom_expr", "power"):
            calls = calls_of(inner)
            if calls and calls[0].callee == written:
                args, kwargs = _arguments(calls[0].args)
        out.append(
            WorkFact(
                kind="class_decorator" if is_class else "decorator",
                name=target.children[1].value,
                start=target.children[1].start_pos,
                callee=_qualify(written, imports),
                args=args,
                kwargs=kwargs,
                scope=scope(holder),
                written=written,
            )
        )

    # calls: queueing, scheduling, websocket routes; apps, queues, schedulers, schemas
    for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
        calls = calls_of(node)
        for i, call in enumerate(calls):
            m = call.method
            if not m:
                continue
            is_work = m in WORK_CALLS
            is_ctor = not is_work and i == 0 and m.lower().endswith(CTOR_SUFFIXES)
            if not (is_work or is_ctor):
                continue
            written = call.callee
            if written is None:
                # get_queue("default").enqueue(f): the object is what a call returned
                prev = calls[i - 1] if i else None
                if prev is None or prev.callee is None or prev.index != call.index - 2:
                    continue
                written = f"{prev.callee}().{m}"
            args, kwargs = _arguments(call.args)
            out.append(
                WorkFact(
                    kind="call" if is_work else "ctor",
                    name=_assigned_to(node) if is_ctor and len(calls) == 1 else "",
                    start=call.node.start_pos if i == 0 else call.trailer.start_pos,
                    callee=_qualify(written, imports),
                    args=args,
                    kwargs=kwargs,
                    scope=scope(node),
                    written=written,
                )
            )

    owner_of = sx.Nearest(("funcdef", "classdef"))
    for expr in by_type.get("expr_stmt", ()):
        if owner_of(expr) is None:
            _beat(expr, out)
    if arq is None:
        arq = any(q == "arq" or q.startswith("arq.") for q in imports.values()) or any(
            c.children[1].value.endswith("WorkerSettings") for c in by_type.get("classdef", ())
        )
    if arq:
        for cls in by_type.get("classdef", ()):
            _arq(cls, imports, calls_of, out)
    out.sort(key=lambda w: w.start)
    return tuple(out)


def _dict_items(atom):
    """(key node, value node) pairs of a dict display ``{k: v, ...}``."""
    if atom.type != "atom" or atom.children[0].value != "{" or len(atom.children) != 3:
        return
    maker = atom.children[1]
    if maker.type != "dictorsetmaker":
        return
    items = maker.children
    i = 0
    while i + 2 < len(items):
        k, colon, v = items[i], items[i + 1], items[i + 2]
        if k.type == "operator" and k.value == "**":
            i += 3  # **other, then the comma
            continue
        if colon.type != "operator" or colon.value != ":":
            return
        yield k, v
        i += 4  # past the comma


def _beat_entry(key_node, value, out: list[WorkFact]) -> None:
    key = sx.string_value(key_node)
    if key is None:
        return
    task = ""
    kwargs: list[tuple[str, str]] = []
    for k, v in _dict_items(value):
        name = sx.string_value(k)
        if name is None:
            continue
        if name == "task":
            while v.type == "atom" and v.children[0].value == "(" and len(v.children) == 3:
                v = v.children[1]  # ("pkg.tasks" ".name"): a string split over lines
            task = sx.string_value(v) or ""
        else:
            kwargs.append((name, as_written(v)))
    if task:
        out.append(WorkFact("beat", key, key_node.start_pos, task, (), tuple(kwargs)))


def _beat(expr, out: list[WorkFact]) -> None:
    ch = expr.children
    if len(ch) != 3 or ch[1].type != "operator" or ch[1].value != "=":
        return
    lhs, value = ch[0], ch[2]
    name = sx.dotted(lhs)
    if name is not None:
        if name.rsplit(".", 1)[-1] in BEAT_NAMES:
            for k, v in _dict_items(value):
                _beat_entry(k, v, out)
        return
    # CELERY_BEAT_SCHEDULE["name"] = {...}
    if lhs.type in ("atom_expr", "power"):
        ps = sx.parts(lhs)
        if len(ps) < 2 or ps[-1].type != "trailer" or ps[-1].children[0].value != "[":
            return
        base = ps[:-1]
        if base[0].type != "name":
            return
        names = [base[0].value]
        for t in base[1:]:
            if not sx.is_attr_trailer(t):
                return
            names.append(t.children[1].value)
        if names[-1] in BEAT_NAMES:
            _beat_entry(ps[-1].children[1], value, out)


def _arq(cls, imports: dict[str, str], calls_of, out: list[WorkFact]) -> None:
    """``functions = [f, func(g, max_tries=3)]`` and ``cron_jobs = [cron(h, hour=1)]``
    in an arq worker settings class."""
    suite = cls.children[-1]
    for stmt in getattr(suite, "children", ()):
        if stmt.type != "simple_stmt" or stmt.children[0].type != "expr_stmt":
            continue
        ch = stmt.children[0].children
        if len(ch) != 3 or ch[0].type != "name" or ch[0].value not in ("functions", "cron_jobs"):
            continue
        value = ch[2]
        if value.type != "atom" or value.children[0].value not in ("[", "("):
            continue
        inner = value.children[1] if len(value.children) == 3 else None
        if inner is None:
            continue
        items = inner.children if inner.type in ("testlist_comp", "exprlist") else [inner]
        for item in items:
            if item.type == "operator":
                continue
            callee = ""
            args: tuple[str, ...] = ()
            kwargs: tuple[tuple[str, str], ...] = ()
            if item.type in ("atom_expr", "power"):
                calls = calls_of(item)
                if calls and calls[0].callee and len(calls) == 1:
                    callee = _qualify(calls[0].callee, imports)
                    args, kwargs = _arguments(calls[0].args)
            if not callee:
                target = sx.dotted(item)
                if target is None:
                    target = sx.string_value(item)
                    if target is None:
                        continue
                    target = repr(target)
                args = (target,)
            out.append(WorkFact("arq", ch[0].value, item.start_pos, callee, args, kwargs, "", ""))
