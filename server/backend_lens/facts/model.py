"""Facts: what a file says exists. Plain, comparable data (no parse-tree nodes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import EMPTY as NO_ERRORS
from .errors import ErrorFacts
from .logic import LogicFact
from .routes import RouteFacts
from .taint import FunctionFlow

Pos = tuple[int, int]


@dataclass(frozen=True, slots=True)
class FieldFact:
    name: str
    kind: str  # last segment of the field class: "CharField", "ForeignKey", "Column", ...
    start: Pos
    end: Pos
    kwargs: tuple[str, ...]  # keyword names given
    flags: tuple[str, ...]  # truthy flags: primary_key, unique, db_index, null, index
    target: str | None = None  # related model for relations
    insert_at: Pos | None = None  # where ``, db_index=True`` can be inserted (before the ')')
    needs_comma: bool = True
    values: tuple[tuple[str, str], ...] = ()  # keyword -> literal string value (lazy="selectin")


@dataclass(frozen=True, slots=True)
class ClassFact:
    name: str
    qualname: str
    bases: tuple[str, ...]  # qualified dotted names where imports tell, else as written
    start: Pos
    end: Pos
    attrs: tuple[tuple[str, str], ...] = ()  # class-level NAME = <code> (code cut to 200 chars)
    fields: tuple[FieldFact, ...] = ()
    meta_indexed: tuple[str, ...] = ()  # first field of each Meta index / unique set
    meta_indexes: tuple[tuple[str, ...], ...] = ()  # all fields of each Meta index / unique set
    abstract: bool = False
    methods: tuple[str, ...] = ()
    base_positions: tuple[Pos, ...] = ()
    # indexes of the bases that a function's parameter or local variable names
    # (`def factory(base): class View(base)`): decided when the code runs
    runtime_bases: tuple[int, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()  # class Meta: NAME = <code> (cut to 200 chars)
    keywords: tuple[tuple[str, str], ...] = ()  # class X(Base, table=True): ("table", "True")
    # class-level `name: <annotation>` (with or without a value; cut to 100 chars): the
    # field types of pydantic models and dataclasses (the taint rules' typed fields)
    annotations: tuple[tuple[str, str], ...] = ()

    def attr(self, name: str) -> str | None:
        for k, v in self.attrs:
            if k == name:
                return v
        return None

    def annotation(self, name: str) -> str | None:
        for k, v in self.annotations:
            if k == name:
                return v
        return None

    def meta_attr(self, name: str) -> str | None:
        for k, v in self.meta:
            if k == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class FunctionFact:
    name: str
    start: Pos
    decorators: tuple[str, ...]  # qualified where imports tell
    is_async: bool
    decorator_kwargs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RouteFact:
    framework: str  # django, drf, fastapi, flask
    methods: tuple[str, ...]
    path: str
    handler: str
    start: Pos


@dataclass(frozen=True, slots=True)
class TaskFact:
    name: str
    start: Pos
    options: tuple[str, ...]  # decorator keyword names: autoretry_for, max_retries, ...
    framework: str = "celery"


@dataclass(frozen=True, slots=True)
class ImportSite:
    """One import statement, for the graph of the project's apps (inventory/apps.py):
    where it is, what it names and when it runs."""

    start: Pos
    end: Pos
    base: str  # `import a.b`: "a.b"; `from a.b import c`: "a.b" (relative ones resolved)
    names: tuple[str, ...] = ()  # `from a.b import c, d`: ("c", "d") (each may be a module)
    # "" at import time (module level, a class body, try/if), "lazy" inside a function,
    # "typing" under `if TYPE_CHECKING:` (never at run time)
    how: str = ""


@dataclass(frozen=True, slots=True)
class WorkFact:
    """Something a file writes that may be background work, a websocket consumer
    or a GraphQL schema, as written (see facts/work.py). What it is is decided with
    the whole project's facts (inventory/work.py): is ``app`` in ``@app.task`` a
    Celery app defined in another module? is ``Scheduler()`` a project scheduler?"""

    kind: str  # decorator | class_decorator | call | ctor | beat | arq
    name: str  # decorated function or class; assigned name (ctor); beat entry key
    start: Pos
    callee: str  # decorator / called name, qualified where the imports tell
    args: tuple[str, ...] = ()  # positional arguments as written
    kwargs: tuple[tuple[str, str], ...] = ()  # keyword arguments: (name, code as written)
    scope: str = ""  # the nearest enclosing function ("" at module or class level)
    written: str = ""  # the callee as written (before qualification)


@dataclass
class FileFacts:
    path: str
    module: str  # dotted path from the project root: unique in the project
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified
    star_imports: tuple[str, ...] = ()
    declarative_bases: tuple[str, ...] = ()  # module-level Base = declarative_base() names
    # the builtin names (`Exception`, `list`) the module binds itself outside functions
    # and classes, imports apart (extract.module_bindings); the names bound once at the
    # top level to a plain dotted name: `BaseModel = TimeStamped` -> "TimeStamped"
    rebound_builtins: frozenset[str] = frozenset()
    class_aliases: dict[str, str] = field(default_factory=dict)
    # every module named by an import, sorted (a tuple: a scan keeps every file's,
    # and a set of ten names takes four times the memory of their tuple)
    imported_modules: tuple[str, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    settings: dict[str, object] = field(default_factory=dict)
    routes: tuple[RouteFact, ...] = ()
    tasks: tuple[TaskFact, ...] = ()
    calls: dict[str, int] = field(default_factory=dict)  # counts of interesting method calls
    engines: tuple[
        tuple[tuple[int, int], tuple[str, ...]], ...
    ] = ()  # create_engine: (pos, "kw=value")
    atomic_calls: frozenset[str] = frozenset()  # functions called inside transaction blocks
    function_calls: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # function -> names it calls, sorted
    lines: int = 0
    is_test: bool = False
    is_migration: bool = False
    # Django migration operations / Alembic op.* calls: (name, has a reverse) in order
    migration_ops: tuple[tuple[str, bool], ...] = ()
    is_settings: bool = False
    # the name the project's own code imports it by, when its import root is not the
    # project root (netbox/dcim/models.py is `dcim.models`: netbox/ holds manage.py)
    import_module: str = ""
    # the folder it is imported from ("" for the project root): files that share it
    # form one service, with its own settings
    import_root: str = ""
    # DJANGO_SETTINGS_MODULE values this file selects (manage.py, wsgi.py, asgi.py)
    selects_settings: tuple[str, ...] = ()
    # the module ends in `if __name__ == "__main__":` (run as a script)
    main_guard: bool = False
    # Alembic revision ids: this file's, and the ones it follows
    revision: str = ""
    down_revisions: tuple[str, ...] = ()
    # background work, websocket consumers and GraphQL schemas as written (facts/work.py)
    work: tuple[WorkFact, ...] = ()
    # module-level functions and aliases that hold a transaction around what they wrap
    # (a decorator, a context manager, `atomic = transaction.atomic`) -> what they hold it
    # with: "" for a transaction itself, else qualified names the index follows
    transaction_wrappers: dict[str, frozenset[str]] = field(default_factory=dict)
    # qualified name of a project decorator / context manager -> names of what runs under it
    held_calls: dict[str, frozenset[str]] = field(default_factory=dict)
    # name called -> arguments every call of it here gives as an integer ("#0", "kw:limit")
    int_arguments: dict[str, frozenset[str]] = field(default_factory=dict)
    # what the endpoint inventory links across files (facts/routes.py)
    route_facts: RouteFacts = field(default_factory=RouteFacts)
    # where client data goes in each function (facts/taint/)
    flows: tuple[FunctionFlow, ...] = ()
    # the project functions its functions call with nothing that matters (no data in,
    # the result unused), sorted: for "has this function callers?" (VAL001)
    flow_called: tuple[str, ...] = ()
    # the error bodies it answers clients with, by shape (facts/errors.py)
    errors: ErrorFacts = NO_ERRORS
    # the functions that write to the database, with their decisions (facts/logic.py)
    logic: tuple[LogicFact, ...] = ()
    # its import statements with their positions (the graph of the project's apps)
    import_sites: tuple[ImportSite, ...] = ()

    def kind_digest(self, kind: str) -> object:
        """What a detector that reads ``kind`` depends on, for change detection."""
        if kind == "models":
            return (
                self.module,
                self.imports,
                self.star_imports,
                self.classes,
                self.declarative_bases,
                self.rebound_builtins,
                self.class_aliases,
            )
        if kind == "settings":
            return (
                self.settings,
                self.selects_settings,
                self.import_root,
                self.is_settings,
                # which settings module builds on which (the environment of each:
                # kinds.settings_profile), and whether it updates what it imported
                # (CONN001: a production module's DATABASES[...].update(...))
                (self.imports, self.star_imports) if self.is_settings else None,
                bool(self.calls.get("update")),
            )
        if kind == "tasks":
            return self.tasks
        if kind == "calls":
            return (
                self.atomic_calls,
                self.function_calls,
                self.transaction_wrappers,
                self.held_calls,
                self.int_arguments,
            )
        if kind == "routes":
            return (
                self.route_facts,
                self.module,
                self.import_module,
                self.is_test,
                self.is_migration,
                self.is_settings,
                self.routes,
            )
        if kind == "errors":
            return (
                self.errors,
                self.module,
                self.import_module,
                self.import_root,
                self.is_test,
                self.is_migration,
                self.imports,  # a helper's name is followed through re-exports
            )
        if kind == "imports":
            return (
                self.import_sites,
                self.module,
                self.import_module,
                self.import_root,
                self.is_test,
                self.is_migration,
                self.is_settings,
            )
        if kind == "flows":
            return (tuple(f.digest() for f in self.flows), self.flow_called)
        raise KeyError(kind)
