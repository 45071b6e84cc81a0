"""Background tasks, websocket consumers and GraphQL schemas of a project, from
the facts every file gave (``FileFacts.work``, classes, functions, imports).

What counts, as projects write it:

- Celery: ``@shared_task``; ``@app.task`` where ``app`` is a ``Celery()`` app (made
  in this file, imported from another module of the project, or returned by a
  project factory such as ``make_celery(app)``); subclasses of ``celery.Task``
  that define ``run``. ``CELERY_BEAT_SCHEDULE`` / ``app.conf.beat_schedule``
  entries add ``beat=`` and their schedule to the task they name; an entry naming
  no task of the project is listed on its own.
- RQ: ``@job`` (rq, django-rq); the function given to ``enqueue``,
  ``enqueue_call``, ``enqueue_at``, ``enqueue_in`` of an RQ queue
  (``Queue()``, ``django_rq.get_queue()``) or to ``django_rq.enqueue``: named and
  placed where it is defined when the project defines it (once, however many
  places queue it), else at the call.
- Dramatiq ``@dramatiq.actor`` / ``@actor`` and ``GenericActor`` subclasses; Huey
  ``@huey.task()`` / ``periodic_task`` / ``db_task`` / ``db_periodic_task`` (and
  django-huey's); arq ``WorkerSettings.functions`` / ``cron_jobs``; APScheduler
  ``@scheduler.scheduled_job`` and ``scheduler.add_job(func, ...)``.
- system "scheduler": decorators of an object made from a project class whose name
  ends in ``Scheduler`` (Netflix/dispatch: ``@scheduler.add(every(1).day)``).
- system "jobs": subclasses of a project job-runner class (named ``JobRunner``,
  ``BaseJob`` or ``Job``, with a ``run`` method) that define ``run`` (netbox).

Options are the arguments as written (``max_retries=3``); for a decorator
without arguments there are none. Files of tests are left out unless asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from ..facts.extract import qualify
from ..facts.index import ClassRef
from ..facts.model import ClassFact, FileFacts, FunctionFact, WorkFact
from ..facts.work import MAX_CODE
from .model import Consumer, GraphQLSchema, Task

CELERY_APPS = frozenset(
    {"celery.Celery", "celery.app.Celery", "celery.app.base.Celery", "celery.current_app"}
)
CELERY_DECORATORS = frozenset(
    {
        "celery.shared_task",
        "celery.app.shared_task",
        "celery.task",
        "celery.decorators.task",
        "celery.decorators.periodic_task",
        "celery.task.periodic_task",
    }
)
CELERY_TASK_BASES = frozenset({"celery.Task", "celery.app.task.Task", "celery.task.Task"})
CELERY_TASK_OPTIONS = (
    "name",
    "max_retries",
    "default_retry_delay",
    "autoretry_for",
    "dont_autoretry_for",
    "retry_kwargs",
    "retry_backoff",
    "retry_backoff_max",
    "retry_jitter",
    "time_limit",
    "soft_time_limit",
    "acks_late",
    "reject_on_worker_lost",
    "rate_limit",
    "queue",
    "expires",
    "ignore_result",
    "track_started",
    "priority",
)
RQ_JOB = frozenset({"rq.decorators.job", "rq.job", "django_rq.job", "django_rq.decorators.job"})
RQ_QUEUES = frozenset(
    {
        "rq.Queue",
        "rq.queue.Queue",
        "django_rq.get_queue",
        "django_rq.queues.get_queue",
        "rq_scheduler.Scheduler",
        "rq_scheduler.scheduler.Scheduler",
        "django_rq.get_scheduler",
        "django_rq.queues.get_scheduler",
    }
)
RQ_FUNCTIONS = frozenset({"django_rq.enqueue", "django_rq.queues.enqueue"})
# where the queued function is among the positional arguments
ENQUEUE_TARGET = {"enqueue": 0, "enqueue_call": 0, "enqueue_at": 1, "enqueue_in": 1}
DRAMATIQ_ACTORS = frozenset({"dramatiq.actor", "dramatiq.actor.actor"})
DRAMATIQ_CLASSES = frozenset({"dramatiq.GenericActor", "dramatiq.generic.GenericActor"})
HUEY_DJANGO = "huey.contrib.djhuey."
HUEY_TASKS = frozenset({"task", "periodic_task", "db_task", "db_periodic_task"})
APSCHEDULER_APPS = frozenset(
    {"flask_apscheduler.APScheduler", "flask_apscheduler.scheduler.APScheduler"}
)
JOB_RUNNER_BASES = frozenset({"JobRunner", "BaseJob", "Job", "BaseJobRunner"})

FASTAPI_APPS = frozenset(
    {
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
    }
)
STARLETTE_APPS = frozenset(
    {
        "starlette.applications.Starlette",
        "starlette.routing.Router",
        "starlette.routing.WebSocketRoute",
    }
)
FLASK_SOCK = frozenset({"flask_sock.Sock"})
FLASK_SOCKETIO = frozenset({"flask_socketio.SocketIO"})
SOCKETIO_SERVERS = frozenset(
    {
        "socketio.AsyncServer",
        "socketio.Server",
        "socketio.server.Server",
        "socketio.asyncio_server.AsyncServer",
    }
)
CONSUMER_BASES = {
    "channels.generic.websocket.": "channels",
    "flask_socketio.Namespace": "flask-socketio",
    "socketio.Namespace": "socketio",
    "socketio.AsyncNamespace": "socketio",
    "starlette.endpoints.WebSocketEndpoint": "starlette",
}

GRAPHQL_CTORS = {
    "graphene.Schema": "graphene",
    "graphene.types.schema.Schema": "graphene",
    "graphene_federation.build_schema": "graphene",
    "strawberry.Schema": "strawberry",
    "strawberry.schema.Schema": "strawberry",
    "strawberry.schema.schema.Schema": "strawberry",
    "strawberry.federation.Schema": "strawberry",
    "strawberry.federation.schema.Schema": "strawberry",
    "ariadne.make_executable_schema": "ariadne",
    "ariadne.executable_schema.make_executable_schema": "ariadne",
    "ariadne.contrib.federation.make_federated_schema": "ariadne",
    "graphql.GraphQLSchema": "graphql-core",
    "graphql.type.GraphQLSchema": "graphql-core",
    "graphql.type.schema.GraphQLSchema": "graphql-core",
}

PROJECT = "project:"  # marks a project class in the set of what made an object


def _option(text: str) -> str:
    return text if len(text) <= MAX_CODE else text[: MAX_CODE - 1] + "\u2026"


def _options(args: Iterable[str], kwargs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    return (*args, *(f"{k}={v}" for k, v in kwargs))


def _line(pos: tuple[int, int]) -> int:
    return pos[0]


@dataclass
class _File:
    rel: str
    facts: FileFacts
    functions: dict[str, FunctionFact] = field(default_factory=dict)
    local: set[str] = field(default_factory=set)  # names of its classes and functions


class _Project:
    """The project's facts with the look-ups the three collections share."""

    def __init__(self, project, include_tests: bool = False):
        self.index = project.index
        self.files: list[_File] = []
        self.by_path: dict[str, _File] = {}
        for path, result in project.results.items():
            facts = result.facts
            if facts is None or (facts.is_test and not include_tests):
                continue
            f = _File(project.rel(path), facts)
            f.functions = {fn.name: fn for fn in facts.functions}
            f.local = {c.name for c in facts.classes} | set(f.functions)
            self.files.append(f)
            self.by_path[facts.path] = f
        self.files.sort(key=lambda f: f.rel)
        # every file by its facts path, tests included: a test may import a task
        self.all_facts = {path: r.facts for path, r in project.results.items() if r.facts}

    # -- names ------------------------------------------------------------
    def qualified(self, f: _File, written: str) -> str:
        return qualify(written, f.facts.imports, f.facts.module, f.local) or written

    def _file_of(self, facts: FileFacts) -> _File:
        found = self.by_path.get(facts.path)
        if found is None:
            found = _File(facts.path, facts)
            found.functions = {fn.name: fn for fn in facts.functions}
            found.local = {c.name for c in facts.classes} | set(found.functions)
        return found

    def module_member(self, qualname: str, depth: int = 0) -> tuple[_File, str] | None:
        """The project file and top-level name a qualified name points at, following
        re-exports (``from .celery import app as celery_app`` in a package)."""
        mod, _, name = qualname.rpartition(".")
        if not mod or depth > 5:
            return None
        facts = self.index.module(mod)
        if facts is None:
            return None
        f = self._file_of(facts)
        if name in f.local or any(
            w.kind == "ctor" and w.name == name and not w.scope for w in facts.work
        ):
            return f, name
        if name in facts.imports and facts.imports[name] != qualname:
            return self.module_member(facts.imports[name], depth + 1)
        return f, name

    def function(self, f: _File, written: str) -> tuple[_File, FunctionFact] | None:
        """The project function a name (or a dotted string) written in ``f`` means."""
        head = written.split(".")[0]
        if "." not in written and written in f.functions and written not in f.facts.imports:
            return f, f.functions[written]
        if head not in f.facts.imports and "." not in written:
            return None
        q = self.qualified(f, written)
        found = self.module_member(q)
        if found is None:
            return None
        owner, name = found
        fn = owner.functions.get(name)
        return (owner, fn) if fn is not None else None

    # -- what made an object ------------------------------------------------
    def made_by(self, f: _File, written_callee: str, depth: int = 0) -> set[str]:
        """Qualified names of what a call ``written_callee(...)`` in ``f`` makes: the
        library class or function; for a project class, PROJECT + its qualified
        name, the names of its project bases and its library bases; for a project
        function, what the calls it makes inside make (a factory)."""
        q = self.qualified(f, written_callee)
        if depth > 4:
            return {q}
        ref = self.index.resolve_class(f.facts, written_callee)
        if isinstance(ref, ClassRef):
            libs, projs = self.index.ancestors(ref)
            return {
                PROJECT + ref.cls.qualname,
                *(PROJECT + p.cls.qualname for p in projs),
                *libs,
            }
        target = self.function(f, written_callee)
        if target is not None:
            owner, fn = target
            out: set[str] = set()
            for w in owner.facts.work:
                if w.kind == "ctor" and w.scope == fn.name:
                    out |= self.made_by(owner, w.written, depth + 1)
            return out or {q}
        return {self.qualified(f, written_callee)}

    def instance_of(self, f: _File, obj: str, scope: str, depth: int = 0) -> set[str]:
        """What made the object written ``obj`` in ``f`` (in function ``scope``)."""
        if depth > 5 or not obj:
            return set()
        if obj.endswith("()"):  # get_queue("default").enqueue(...)
            return self.made_by(f, obj[:-2], depth + 1)
        head = obj.split(".")[0]
        if head in f.facts.imports:
            q = self.qualified(f, obj)
            found = self.module_member(q)
            if found is None:
                return {q}
            owner, name = found
            if owner.facts is f.facts:
                return set()
            return self.instance_of(owner, name, "", depth + 1)
        for wanted in (scope, ""):
            for w in f.facts.work:
                if w.kind == "ctor" and w.name == obj and w.scope == wanted:
                    return self.made_by(f, w.written, depth + 1)
            if not scope:
                break
        return set()


def _is_project_scheduler(made: set[str]) -> bool:
    return any(m.startswith(PROJECT) and m.rsplit(".", 1)[-1].endswith("Scheduler") for m in made)


def _is_huey(made: set[str]) -> bool:
    return any(
        m.startswith("huey.") and (m.rsplit(".", 1)[-1].endswith("Huey") or m.endswith(".HUEY"))
        for m in made
    )


def _is_apscheduler(made: set[str]) -> bool:
    return any(m.startswith("apscheduler.schedulers.") for m in made) or bool(
        made & APSCHEDULER_APPS
    )


# -- tasks ------------------------------------------------------------------


@dataclass
class _TaskRow:
    system: str
    name: str
    path: str
    line: int
    options: list[str]
    modules: tuple[str, ...] = ()  # dotted names a beat entry may use for it
    queued: bool = False  # found only as the function some call queues


def _decorator_system(p: _Project, f: _File, w: WorkFact) -> str | None:
    q = w.callee
    obj, _, last = w.written.rpartition(".")
    if q in CELERY_DECORATORS or (q.endswith(".shared_task") and q.startswith("celery")):
        return "celery"
    if q in RQ_JOB:
        return "rq"
    if q in DRAMATIQ_ACTORS:
        return "dramatiq"
    if q.startswith(HUEY_DJANGO) and last in HUEY_TASKS:
        return "huey"
    if not obj:
        return None
    made = p.instance_of(f, obj, w.scope)
    if not made:
        return None
    if last == "task" and made & CELERY_APPS:
        return "celery"
    if last in HUEY_TASKS and _is_huey(made):
        return "huey"
    if last in ("scheduled_job", "task") and _is_apscheduler(made):
        return "apscheduler"
    if last == "actor" and any(m.startswith("dramatiq.") for m in made):
        return "dramatiq"
    if _is_project_scheduler(made) and last in ("add", "task", "job", "scheduled_job"):
        return "scheduler"
    return None


def _call_target(w: WorkFact, last: str) -> tuple[str | None, list[str]]:
    """(the queued function as written, the other arguments as options)."""
    args = list(w.args)
    kwargs = list(w.kwargs)
    target = None
    for key in ("func", "f"):
        for i, (k, v) in enumerate(kwargs):
            if k == key and target is None:
                target = v
                del kwargs[i]
                break
    if target is None:
        at = ENQUEUE_TARGET.get(last, 0)
        if len(args) > at:
            target = args.pop(at)
    if target is not None and target.startswith("*"):
        target = None
    return target, _option_list(args, kwargs)


def _option_list(args, kwargs) -> list[str]:
    """Arguments as written, without ``*args`` / ``**kwargs`` passed through."""
    return [_option(o) for o in _options(args, kwargs) if not o.startswith("*")]


def _string(text: str) -> str | None:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and "\\" not in text:
        return text[1:-1]
    return None


def _dotted(f: _File, text: str) -> str | None:
    """A function named by text written as a name or a dotted string, else None."""
    s = _string(text)
    if s is not None:
        return s if s.replace(".", "").replace("_", "").isalnum() else None
    return text if text.replace(".", "").replace("_", "").isalnum() else None


def collect_tasks(project, include_tests: bool = False) -> list[Task]:
    """Background tasks of ``project`` (an engine Project, scanned)."""
    p = _Project(project, include_tests)
    rows: dict[tuple[str, int, str], _TaskRow] = {}
    beats: list[tuple[_File, WorkFact]] = []

    def add(
        system: str, owner: _File, name: str, line: int, options: list[str], mods=(), queued=False
    ) -> None:
        key = (owner.rel, line, name)
        row = rows.get(key)
        if row is None:
            rows[key] = _TaskRow(system, name, owner.rel, line, options, tuple(mods), queued)
        elif row.queued or not queued:
            # the options of a queued function are those of every call that queues it;
            # a defined task keeps its own
            row.options.extend(o for o in options if o not in row.options)

    def function_modules(owner: _File, name: str) -> tuple[str, ...]:
        mods = [owner.facts.module]
        if owner.facts.import_module:
            mods.append(owner.facts.import_module)
        return tuple(f"{m}.{name}" for m in mods if m)

    # tasks defined (decorators, classes, arq settings), then the functions queued
    for f in p.files:
        for w in f.facts.work:
            if w.kind == "decorator":
                system = _decorator_system(p, f, w)
                if system:
                    opts = _option_list(w.args, w.kwargs)
                    add(system, f, w.name, _line(w.start), opts, function_modules(f, w.name))
            elif w.kind == "arq":
                target = w.args[0] if w.args else None
                if target:
                    opts = _option_list(w.args[1:], w.kwargs)
                    _place("arq", p, f, w, target, opts, add, function_modules)
            elif w.kind == "beat":
                beats.append((f, w))
        for cls in f.facts.classes:
            found = _class_task(p, f, cls)
            if found:
                add(
                    found[0], f, cls.name, _line(cls.start), found[1], function_modules(f, cls.name)
                )
    for f in p.files:
        for w in f.facts.work:
            if w.kind == "call":
                _queued(p, f, w, partial(add, queued=True), function_modules)

    # beat entries: on the task they name (by path or by its name= option)
    by_name: dict[str, _TaskRow] = {}
    for row in rows.values():
        if row.system != "celery":
            continue
        for m in row.modules:
            by_name.setdefault(m, row)
        for o in row.options:
            if o.startswith("name="):
                s = _string(o[5:])
                if s:
                    by_name.setdefault(s, row)
    for f, w in beats:
        opts = [f'beat="{w.name}"', *(_option(f"{k}={v}") for k, v in w.kwargs)]
        row = by_name.get(w.callee)
        if row is None:
            mod, _, name = w.callee.rpartition(".")
            facts = p.index.module(mod) if mod else None
            if facts is not None:
                row = by_name.get(f"{facts.module}.{name}")
        if row is not None:
            row.options.extend(opts)
        else:
            add("celery", f, w.callee, _line(w.start), opts)

    out = [Task(r.system, r.name, r.path, r.line, tuple(r.options)) for r in rows.values()]
    return sorted(out, key=lambda t: (t.path, t.line, t.name))


def _place(system, p: _Project, f: _File, w: WorkFact, target: str, opts, add, function_modules):
    """A task given by reference: where the project defines it, else at the reference."""
    name = _dotted(f, target)
    if name is None:
        return
    found = p.function(f, name)
    if found is not None:
        owner, fn = found
        add(system, owner, fn.name, _line(fn.start), opts, function_modules(owner, fn.name))
        return
    head = name.split(".")[0]
    if _string(target) is None and head not in f.facts.imports:
        return  # a parameter or a local variable: which function it is cannot be told
    add(system, f, p.qualified(f, name) if _string(target) is None else name, _line(w.start), opts)


def _queued(p: _Project, f: _File, w: WorkFact, add, function_modules) -> None:
    obj, _, last = w.written.rpartition(".")
    if last in ENQUEUE_TARGET:
        if w.callee in RQ_FUNCTIONS:
            system = "rq"
        elif obj and p.instance_of(f, obj, w.scope) & RQ_QUEUES:
            system = "rq"
        else:
            return
    elif last == "add_job":
        if not (obj and _is_apscheduler(p.instance_of(f, obj, w.scope))):
            return
        system = "apscheduler"
    else:
        return
    target, opts = _call_target(w, last)
    if target is not None:
        _place(system, p, f, w, target, opts, add, function_modules)


def _class_task(p: _Project, f: _File, cls: ClassFact) -> tuple[str, list[str]] | None:
    if cls.name == "Meta":
        return None
    ref = ClassRef(f.facts, cls)
    libs, projs = p.index.ancestors(ref)
    if not libs and not projs:
        return None
    if set(libs) & CELERY_TASK_BASES and "run" in cls.methods:
        opts = [_option(f"{k}={v}") for k, v in cls.attrs if k in CELERY_TASK_OPTIONS]
        return "celery", opts
    if set(libs) & DRAMATIQ_CLASSES and "perform" in cls.methods:
        return "dramatiq", [_option(f"{k}={v}") for k, v in cls.meta]
    if "run" in cls.methods and any(
        b.cls.name in JOB_RUNNER_BASES and "run" in b.cls.methods and not p.index.is_django_model(b)
        for b in projs
    ):
        opts: list[str] = []
        for w in f.facts.work:
            if w.kind == "class_decorator" and w.name == cls.name and w.start == cls.start:
                opts.extend(_option_list(w.args, w.kwargs))
        return "jobs", opts
    return None


# -- consumers --------------------------------------------------------------


def collect_consumers(project, include_tests: bool = False) -> list[Consumer]:
    """Websocket consumers and handlers of ``project``."""
    p = _Project(project, include_tests)
    found: dict[tuple[str, int], Consumer] = {}
    bases: set[str] = set()  # project consumer classes other consumers derive from
    classes: list[tuple[Consumer, str]] = []
    for f in p.files:
        for cls in f.facts.classes:
            ref = ClassRef(f.facts, cls)
            libs, projs = p.index.ancestors(ref)
            kind = _consumer_kind(libs)
            if kind:
                classes.append((Consumer(kind, cls.name, f.rel, _line(cls.start)), cls.qualname))
                bases.update(b.cls.qualname for b in projs)
        for w in f.facts.work:
            c = _consumer_function(p, f, w)
            if c is not None:
                found.setdefault((c.path, c.line), c)
    for c, qualname in classes:
        if qualname not in bases:
            found.setdefault((c.path, c.line), c)
    return sorted(found.values(), key=lambda c: (c.path, c.line, c.name))


def _consumer_kind(libs: Iterable[str]) -> str | None:
    for lib in libs:
        for prefix, kind in CONSUMER_BASES.items():
            if lib == prefix or (prefix.endswith(".") and lib.startswith(prefix)):
                return kind
    return None


def _web_kind(made: set[str], f: _File) -> str | None:
    if made & FASTAPI_APPS:
        return "fastapi-websocket"
    if made & STARLETTE_APPS:
        return "starlette"
    return None


def _consumer_function(p: _Project, f: _File, w: WorkFact) -> Consumer | None:
    obj, _, last = w.written.rpartition(".")
    if w.kind == "decorator" and obj:
        if last not in ("websocket", "websocket_route", "route", "on", "event"):
            return None
        made = p.instance_of(f, obj, w.scope)
        if last in ("websocket", "websocket_route"):
            kind = _web_kind(made, f)
            if kind is None and not made and _imports(f, "fastapi"):
                kind = "fastapi-websocket"  # @app.websocket on a FastAPI app passed in
        elif last == "route":
            kind = "flask-sock" if made & FLASK_SOCK else None
        elif made & FLASK_SOCKETIO:
            kind = "flask-socketio"
        elif made & SOCKETIO_SERVERS:
            kind = "socketio"
        else:
            kind = None
        return Consumer(kind, w.name, f.rel, _line(w.start)) if kind else None
    if w.kind == "call" and last in (
        "add_api_websocket_route",
        "add_websocket_route",
        "WebSocketRoute",
    ):
        if last == "WebSocketRoute":
            kind = "starlette" if w.callee.startswith("starlette.") else None
        else:
            made = p.instance_of(f, obj, w.scope) if obj else set()
            kind = _web_kind(made, f) or (
                "fastapi-websocket" if not made and _imports(f, "fastapi") else None
            )
        if kind is None:
            return None
        handler = dict(w.kwargs).get("endpoint") or (w.args[1] if len(w.args) > 1 else None)
        if not handler:
            return None
        target = p.function(f, handler)
        if target is not None:
            owner, fn = target
            return Consumer(kind, fn.name, owner.rel, _line(fn.start))
        ref = p.index.resolve_class(f.facts, handler)
        if isinstance(ref, ClassRef):
            return None  # a WebSocketEndpoint class: listed as a class
        return Consumer(kind, handler, f.rel, _line(w.start))
    return None


def _imports(f: _File, package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in f.facts.imported_modules)


# -- GraphQL ----------------------------------------------------------------


def collect_graphql(project, include_tests: bool = False) -> list[GraphQLSchema]:
    """GraphQL schemas of ``project``: module-level assignments of a schema (made by
    the library or by a project function that makes one); schemas made inside
    functions only when the project has no module-level one (an app factory)."""
    p = _Project(project, include_tests)
    module_level: list[GraphQLSchema] = []
    inside: list[GraphQLSchema] = []
    for f in p.files:
        for w in f.facts.work:
            if w.kind != "ctor":
                continue
            library = _graphql_library(p.made_by(f, w.written))
            if library is None:
                continue
            name = w.name or w.written
            record = GraphQLSchema(library, name, f.rel, _line(w.start))
            (inside if w.scope else module_level).append(record)
    found = module_level or inside
    return sorted(set(found), key=lambda s: (s.path, s.line, s.name))


def _graphql_library(made: set[str]) -> str | None:
    for m in sorted(made):
        if m in GRAPHQL_CTORS:
            return GRAPHQL_CTORS[m]
    return None


def rq_enqueue_sites(project) -> int:
    """How many calls of the project (tests left out) queue a job on an RQ queue:
    ``django_rq.enqueue(...)``, ``queue.enqueue(...)`` of a ``Queue()`` / ``get_queue()``."""
    p = _Project(project)
    n = 0
    for f in p.files:
        if f.facts.is_migration:
            continue
        for w in f.facts.work:
            if w.kind != "call":
                continue
            obj, _, last = w.written.rpartition(".")
            if last not in ENQUEUE_TARGET:
                continue
            if w.callee in RQ_FUNCTIONS or (obj and p.instance_of(f, obj, w.scope) & RQ_QUEUES):
                n += 1
    return n
