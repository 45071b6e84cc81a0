"""Data Integrity & Migration Strategies: migrations that cannot be reversed, that
fail on tables with rows, or that lock a table while they run."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

from ..facts.extract import Expr
from ..model import Edit, Fix
from ..source import syntax as sx
from ._endpoints import HANDLER_METHODS
from ._helpers import append_argument_edit
from .base import Context, detector, make_finding

SECTION = "Data Integrity & Migration Strategies"

OPERATIONS = {
    # method: (reverse keyword, positional index of the reverse argument)
    "RunPython": ("reverse_code", 1),
    "RunSQL": ("reverse_sql", 1),
}


@detector("MIG001", section=SECTION)
def migration_without_reverse(ctx: Context):
    for node, call in ctx.calls_to(*OPERATIONS):
        if call.callee is None:
            continue
        if call.callee not in (call.method, f"migrations.{call.method}") and not (
            ctx.qualify(call.callee) or ""
        ).startswith("django.db.migrations"):
            continue
        keyword, position = OPERATIONS[call.method]
        args = call.args
        positional = [a for a in args if a.kind == "pos"]
        if not positional and not any(a.kind == "kw" for a in args):
            continue
        if (
            len(positional) > position
            or sx.kwarg(args, keyword)
            or any(a.kind in ("star", "dstar") for a in args)
        ):
            continue
        noop = f"{call.callee}.noop"
        edit = append_argument_edit(ctx, call.trailer, f"{keyword}={noop}")
        what = "data migration" if call.method == "RunPython" else "SQL migration"
        yield ctx.finding(
            "MIG001",
            node,
            f"{call.method} without {keyword}: this {what} cannot be rolled back, so `migrate` "
            "to an earlier state fails",
            fix=Fix(f"Add {keyword}={noop} (reverse does nothing)", (edit,)),
            end_node=call.trailer,
        )


# -- Django migration classes ---------------------------------------------------

MIGRATION_BASES = {"django.db.migrations.Migration", "django.db.migrations.migration.Migration"}


@dataclass
class Operation:
    node: object  # the list element (atom_expr)
    call: sx.Call | None  # the call when the element is one plain call
    op: str | None  # Django operation name (``AddField``) when it is one


@dataclass
class MigrationClass:
    node: object  # classdef
    attrs: dict = field(default_factory=dict)  # class-level NAME -> expr_stmt
    operations: list[Operation] | None = None  # None: not a literal list

    def attr_code(self, name: str) -> str | None:
        stmt = self.attrs.get(name)
        return sx.code(_assigned_value(stmt)).strip() if stmt is not None else None

    @property
    def initial(self) -> bool:
        return self.attr_code("initial") == "True"

    @property
    def squashed(self) -> bool:
        """A squashed migration runs only where none of the migrations it replaces
        ran: on a new database, whose tables are empty."""
        return "replaces" in self.attrs


def _assigned_value(stmt):
    """The value of ``NAME = value`` or ``NAME: T = value``."""
    ch = stmt.children
    if len(ch) == 2 and ch[1].type == "annassign":
        return ch[1].children[-1]
    return ch[-1]


def _simple_assignment_name(stmt) -> str | None:
    """NAME for ``NAME = value`` / ``NAME: T = value`` (one target, no chains)."""
    if stmt.type != "expr_stmt" or stmt.children[0].type != "name":
        return None
    ch = stmt.children
    if len(ch) == 3 and ch[1].type == "operator" and ch[1].value == "=":
        return ch[0].value
    if len(ch) == 2 and ch[1].type == "annassign" and len(ch[1].children) == 4:
        return ch[0].value
    return None


def _body_statements(suite):
    """Statements directly in a module, a class or function body (or the one-liner body)."""
    if suite.type == "simple_stmt":
        return [suite]
    return [c for c in suite.children if c.type not in ("newline", "operator", "endmarker")]


def _expressions(stmt) -> list:
    """The small statements of a simple statement (parso leaves the last line of a
    file without a newline as a bare statement)."""
    return stmt.children if stmt.type == "simple_stmt" else [stmt]


def _is_migration_class(ctx: Context, classdef) -> bool:
    ch = classdef.children
    if len(ch) < 6 or ch[2].type != "operator" or ch[2].value != "(":
        return False
    arglist = ch[3]
    bases = arglist.children if arglist.type == "arglist" else [arglist]
    for b in bases:
        d = sx.dotted(b) if b.type in ("name", "atom_expr", "power") else None
        if d is None:
            continue
        if ctx.qualify(d) in MIGRATION_BASES:
            return True
        if d == "migrations.Migration" and "migrations" not in ctx.facts.imports:
            return True  # a file still being written
    return False


def operation_name(ctx: Context, call: sx.Call) -> str | None:
    """``AddField`` for ``migrations.AddField(...)`` / ``AddField(...)`` imported from
    django.db.migrations, else None."""
    if not call.callee or not call.method:
        return None
    q = ctx.qualify(call.callee) or ""
    if q.startswith("django.db.migrations.") and q.endswith(f".{call.method}"):
        return call.method
    if call.callee == f"migrations.{call.method}" and "migrations" not in ctx.facts.imports:
        return call.method
    return None


def _list_elements(value) -> list | None:
    if value.type != "atom" or value.children[0].value != "[":
        return None
    if len(value.children) == 2:
        return []
    inner = value.children[1]
    if inner.type == "testlist_comp":
        if any(c.type in ("sync_comp_for", "comp_for") for c in inner.children):
            return None
        return [c for c in inner.children if not (c.type == "operator" and c.value == ",")]
    return [inner]


def migration_classes(ctx: Context) -> list[MigrationClass]:
    out = []
    for classdef in ctx.nodes("classdef"):
        if not _is_migration_class(ctx, classdef):
            continue
        mc = MigrationClass(classdef)
        for stmt in _body_statements(classdef.children[-1]):
            for expr in _expressions(stmt):
                name = _simple_assignment_name(expr)
                if name is not None:
                    mc.attrs[name] = expr
        ops = mc.attrs.get("operations")
        elements = _list_elements(_assigned_value(ops)) if ops is not None else None
        if elements is not None:
            mc.operations = []
            for el in elements:
                call = op = None
                if el.type in ("atom_expr", "power"):
                    calls = ctx.calls(el)
                    if len(calls) == 1 and calls[0].index == len(sx.parts(el)) - 1:
                        call = calls[0]
                        op = operation_name(ctx, call)
                mc.operations.append(Operation(el, call, op))
        out.append(mc)
    return out


def _arg(args: list[sx.Arg], name: str, position: int):
    a = sx.kwarg(args, name)
    if a is not None:
        return a.value
    positional = [a for a in args if a.kind == "pos"]
    return positional[position].value if len(positional) > position else None


def _created_models(op: Operation) -> str | None:
    """The lower-cased model name a CreateModel operation creates."""
    if op.op != "CreateModel" or op.call is None:
        return None
    name = sx.string_value(_arg(op.call.args, "name", 0))
    return name.lower() if name else None


def _ops_on_existing_tables(ctx: Context, mc, kind: str):
    """The `kind` operations (AddField, AddIndex, ...) of a migration that touch a
    table which may already hold rows: not in squashed or initial migrations, not on
    a model the same migration creates, and only with plain arguments.
    Yields (operation, its arguments, the model name)."""
    if not mc.operations or mc.squashed or _is_initial(ctx, mc):
        return  # these run on new databases, whose tables are empty
    created: set[str] = set()
    for op in mc.operations:
        made = _created_models(op)
        if made:
            created.add(made)
            continue
        if op.op != kind or op.call is None:
            continue
        args = op.call.args
        if any(a.kind in ("star", "dstar") for a in args):
            continue
        model = sx.string_value(_arg(args, "model_name", 0))
        if model and model.lower() not in created:  # a table created here is empty
            yield op, args, model


# -- MIG002 ----------------------------------------------------------------------

FIELD_MODULES = (
    "django.db.models.",
    "django.contrib.postgres.fields.",
    "django.contrib.gis.db.models.",
)
NO_COLUMN_OR_NO_DEFAULT_NEEDED = {
    "ManyToManyField",  # a separate table
    "ForeignObject",  # no column
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "GeneratedField",  # computed by the database
}
# fields for which Django fills existing rows with "" when blank=True (empty_strings_allowed)
STRING_FIELDS = {
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "FilePathField",
    "FileField",
    "ImageField",
    "BinaryField",
    "CommaSeparatedIntegerField",
    "IPAddressField",
    "CICharField",
    "CIEmailField",
    "CITextField",
}
DATE_FIELDS = {"DateField", "DateTimeField", "TimeField"}


def _is_keyword(node, value: str) -> bool:
    return node.type == "keyword" and node.value == value


def _field_without_default(ctx: Context, value) -> str | None:
    """The field class name when ``value`` is a Django field call that makes a NOT
    NULL column Django cannot fill for existing rows, else None."""
    if value is None or value.type not in ("atom_expr", "power"):
        return None
    calls = ctx.calls(value)
    if len(calls) != 1 or calls[0].index != len(sx.parts(value)) - 1:
        return None
    call = calls[0]
    kind = call.method
    if not call.callee or not kind:
        return None
    q = ctx.qualify(call.callee) or ""
    local = call.callee == f"models.{kind}" and "models" not in ctx.facts.imports
    if not (local or any(q.startswith(m) for m in FIELD_MODULES)):
        return None
    if kind in NO_COLUMN_OR_NO_DEFAULT_NEEDED or not kind.endswith(("Field", "Key")):
        return None
    args = call.args
    if any(a.kind in ("star", "dstar") for a in args):
        return None
    if any(sx.kwarg(args, name) for name in ("default", "db_default", "primary_key")):
        return None
    null = sx.kwarg(args, "null")
    if null is not None and not _is_keyword(null.value, "False"):
        return None  # null=True, or a value only known at run time
    blank = sx.kwarg(args, "blank")
    if blank is not None and not _is_keyword(blank.value, "False") and kind in STRING_FIELDS:
        return None  # Django fills existing rows with ""
    if kind in DATE_FIELDS:
        for name in ("auto_now", "auto_now_add"):
            a = sx.kwarg(args, name)
            if a is not None and not _is_keyword(a.value, "False"):
                return None  # Django fills existing rows with the current time
    return kind


def _is_initial(ctx: Context, mc: MigrationClass) -> bool:
    name = ctx.rel_path.replace("\\", "/").rsplit("/", 1)[-1]
    return mc.initial or name.startswith("0001_")


@detector("MIG002", section=SECTION, scope="file")
def add_non_null_column_without_default(ctx: Context):
    for mc in migration_classes(ctx):
        for op, args, model in _ops_on_existing_tables(ctx, mc, "AddField"):
            name = sx.string_value(_arg(args, "name", 1))
            if not name:
                continue
            kind = _field_without_default(ctx, _arg(args, "field", 2))
            if kind is None:
                continue
            yield ctx.finding(
                "MIG002",
                op.node,
                f"AddField adds `{model}.{name}` as a NOT NULL {kind} with no default: on a "
                "table that already has rows the database cannot fill the new column and the "
                "migration fails; give it a default (or db_default), or add it with null=True "
                "and backfill before making it NOT NULL",
                end_node=op.call.trailer,
            )


# -- MIG003 ----------------------------------------------------------------------

CONCURRENT = "AddIndexConcurrently"
CONCURRENT_QUALIFIED = "django.contrib.postgres.operations.AddIndexConcurrently"
CONCURRENT_IMPORT = f"from django.contrib.postgres.operations import {CONCURRENT}\n"
POSTGRES_ENGINE = re.compile(r"postgresql|postgis", re.IGNORECASE)
POSTGRES_URL = re.compile(r"\b(?:postgres|postgresql|postgis|pgsql)://", re.IGNORECASE)


def _mentions_postgres(value, engine: bool = False) -> bool:
    """Whether a DATABASES value names a PostgreSQL engine (or a postgres:// URL)."""
    if isinstance(value, dict):
        return any(_mentions_postgres(v, k == "ENGINE") for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_mentions_postgres(v) for v in value)
    text = value.code if isinstance(value, Expr) else value if isinstance(value, str) else None
    if text is None:
        return False
    if engine and POSTGRES_ENGINE.search(text):
        return True
    return bool(POSTGRES_URL.search(text))


_PG_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def project_on_postgres(index) -> bool:
    """A DATABASES setting of some file of the project names PostgreSQL (per file:
    merged settings can lose a literal configuration to a computed one)."""
    token = index.settings()  # the same object until some file's settings change
    cached = _PG_CACHE.get(index)
    if cached is not None and cached[0] is token:
        return cached[1]
    found = any(
        _mentions_postgres(f.settings.get("DATABASES"))
        for f in index.files.values()
        if f.settings.get("DATABASES") is not None
    )
    _PG_CACHE[index] = (token, found)
    return found


def _imports_postgres(ctx: Context) -> bool:
    return any(
        q.startswith("django.contrib.postgres")
        for q in (*ctx.facts.imports.values(), *ctx.facts.imported_modules)
    )


def _callee_span(op: Operation) -> tuple[tuple[int, int], tuple[int, int]]:
    ps = sx.parts(op.node)
    return ps[0].start_pos, ps[op.call.index - 1].end_pos


def _concurrent_fix(ctx: Context, mc: MigrationClass, candidates: list[Operation]) -> Fix | None:
    """Every AddIndex rewritten to AddIndexConcurrently, the import added and the
    migration made non-atomic, or None when one of these edits is not safe."""
    if any(op.op != "AddIndex" for op in mc.operations or ()):
        return None  # other operations would lose their transaction
    edits: list[Edit] = []
    for op in candidates:
        start, end = _callee_span(op)
        edits.append(ctx.edit(start, end, CONCURRENT))
    # the import
    bound = ctx.facts.imports.get(CONCURRENT)
    if bound is None:
        if any(_simple_assignment_name(s) == CONCURRENT for s in ctx.nodes("expr_stmt")) or any(
            n.children[1].value == CONCURRENT for n in ctx.nodes("classdef", "funcdef")
        ):
            return None
        imports = [
            s
            for s in ctx.module.children
            if s.type == "simple_stmt" and s.children[0].type in ("import_from", "import_name")
        ]
        if not imports:
            return None
        before = next(
            (
                s
                for s in imports
                if s.children[0].type == "import_from"
                and sx.code(s.children[0]).startswith("from django.db import")
            ),
            None,
        )
        if before is not None and before.start_pos[1] == 0:
            at = (before.start_pos[0], 0)
        else:
            last = imports[-1]
            if last.end_pos[1] != 0 or last.start_pos[1] != 0:
                return None
            at = last.end_pos
        edits.append(ctx.edit(at, at, CONCURRENT_IMPORT))
    elif bound != CONCURRENT_QUALIFIED:
        return None
    # atomic = False
    atomic = mc.attrs.get("atomic")
    if atomic is not None:
        value = _assigned_value(atomic)
        if value.type == "keyword" and value.value == "True":
            edits.append(ctx.edit(value.start_pos, value.end_pos, "False"))
        elif not (value.type == "keyword" and value.value == "False"):
            return None
    else:
        suite = mc.node.children[-1]
        if suite.type != "suite":
            return None
        stmts = _body_statements(suite)
        if stmts and stmts[0].type == "simple_stmt" and stmts[0].children[0].type == "string":
            stmts = stmts[1:]  # docstring stays first
        if not stmts:
            return None
        first = stmts[0]
        line, col = first.start_pos
        text = ctx.lines[line - 1]
        if text[:col].strip() or not col:
            return None
        edits.append(ctx.edit((line, 0), (line, 0), f"{text[:col]}atomic = False\n\n"))
    title = (
        "Build the index with AddIndexConcurrently in a non-atomic migration"
        if len(candidates) == 1
        else f"Build the {len(candidates)} indexes with AddIndexConcurrently in a non-atomic "
        "migration"
    )
    return Fix(title, tuple(edits))


@detector("MIG003", section=SECTION, scope="file")
def index_created_without_concurrently(ctx: Context):
    classes = migration_classes(ctx)
    if not classes or ctx.calls_to(CONCURRENT):
        return  # not a migration; or its author builds indexes concurrently where it matters
    for mc in classes:
        candidates: list[tuple[Operation, str, str | None]] = []
        for op, args, model in _ops_on_existing_tables(ctx, mc, "AddIndex"):
            index = _arg(args, "index", 1)
            index_name = None
            if index is not None and index.type in ("atom_expr", "power"):
                calls = ctx.calls(index)
                if calls:
                    name_arg = sx.kwarg(calls[-1].args, "name")
                    index_name = sx.string_value(name_arg.value) if name_arg else None
            candidates.append((op, model, index_name))
        if not candidates:
            continue
        fix = _concurrent_fix(ctx, mc, [op for op, _, _ in candidates])
        findings = []
        for op, model, index_name in candidates:
            what = f"the index `{index_name}`" if index_name else "an index"
            findings.append(
                ctx.finding(
                    "MIG003",
                    op.node,
                    f"AddIndex builds {what} on `{model}` with a plain CREATE INDEX, which "
                    "blocks every write to the table until the build ends; on PostgreSQL use "
                    "AddIndexConcurrently in a migration with atomic = False",
                    fix=fix,
                    end_node=op.call.trailer,
                )
            )
        if _imports_postgres(ctx):
            yield from findings  # this migration only runs on PostgreSQL
            continue

        def judge(index, findings=tuple(findings)):
            if project_on_postgres(index):
                yield from findings

        yield ctx.defer(("settings",), judge)


# -- MIG004 ----------------------------------------------------------------------


def _module_functions(ctx: Context) -> dict:
    out = {}
    for c in ctx.module.children:
        if c.type == "funcdef":
            out.setdefault(c.children[1].value, c)
    return out


def _body_is_empty(funcdef) -> bool:
    """Only ``pass``, ``...`` and strings (docstrings) in the body."""
    for stmt in _body_statements(funcdef.children[-1]):
        if stmt.type not in ("simple_stmt", "atom", "keyword", "string", "strings", "operator"):
            return False
        for c in _expressions(stmt):
            if c.type in ("newline",) or (c.type == "operator" and c.value in (";", "...")):
                continue
            if c.type == "keyword" and c.value == "pass":
                continue
            if c.type in ("string", "strings"):
                continue
            return False
    return True


@detector("MIG004", section=SECTION, scope="file")
def alembic_migration_without_downgrade(ctx: Context):
    names: dict[str, object] = {}
    for stmt in _body_statements(ctx.module):
        for expr in _expressions(stmt):
            name = _simple_assignment_name(expr)
            if name in ("revision", "down_revision"):
                names.setdefault(name, _assigned_value(expr))
    revision = sx.string_value(names.get("revision"))
    if not revision or "down_revision" not in names:
        return
    funcs = _module_functions(ctx)
    upgrade = funcs.get("upgrade")
    if upgrade is None or _body_is_empty(upgrade):
        return  # nothing to undo (a merge revision, an empty stub)
    downgrade = funcs.get("downgrade")
    if downgrade is None:
        yield ctx.finding(
            "MIG004",
            upgrade.children[1],
            f"Alembic revision {revision} has an upgrade() but no downgrade(): "
            "`alembic downgrade` through this revision fails, so a bad release cannot be "
            "rolled back past it",
        )
    elif _body_is_empty(downgrade):
        yield ctx.finding(
            "MIG004",
            downgrade.children[1],
            f"downgrade() of Alembic revision {revision} does nothing: `alembic downgrade` "
            "marks the revision as undone while the changes of upgrade() stay in the "
            "database, so the schema and the recorded revision disagree",
        )


# -- MIG005: a request handler that writes several times outside a transaction ----------
WRITE_METHODS = {
    "save",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
QS_WRITE_METHODS = {
    "create",
    "update",
}  # only on a Model.objects chain (dict.update is not a write)


def _is_handler(funcdef) -> bool:
    """A view: a function taking ``request`` first, an ``@api_view`` function, or a
    view-class method named after an HTTP verb / a DRF action."""
    params = [p for p in funcdef.children[2].children if p.type == "param"]
    names = [p.children[0].value for p in params if p.children[0].type == "name"]
    if names[:1] == ["request"]:
        return True
    if names[:2] == ["self", "request"]:
        return True
    cls = sx.enclosing(funcdef, ("classdef", "file_input", "funcdef"))
    return (
        cls is not None and cls.type == "classdef" and funcdef.children[1].value in HANDLER_METHODS
    )


def _writes(ctx: Context, funcdef) -> list:
    """The ORM write calls made directly in ``funcdef`` (not in nested functions)."""
    from ._helpers import queryset_chain

    found = []
    stack = [funcdef.children[-1]]
    while stack:  # the body, not entering nested functions and lambdas (their own code)
        node = stack.pop()
        children = getattr(node, "children", None)
        if children and node.type not in ("funcdef", "lambdef"):
            stack.extend(reversed(children))
        if node.type not in ("atom_expr", "power"):
            continue
        for call in ctx.calls(node):
            if call.method in WRITE_METHODS and call.callee and "." in call.callee:
                if call.method in ("save", "delete") and any(a.kind == "pos" for a in call.args):
                    continue  # storage.save(name, content), file.delete(path): not the ORM
                if call.callee.split(".")[0] in (
                    "os",
                    "shutil",
                    "cache",
                    "self",
                    "storage",
                    "default_storage",
                ):
                    continue
                found.append((node, call))
            elif call.method in QS_WRITE_METHODS and queryset_chain(node) is not None:
                found.append((node, call))
    return found


@detector("MIG005", section=SECTION)
def handler_writes_without_transaction(ctx: Context):
    from ._helpers import atomic_context, is_atomic_decorated, transaction_holders

    if ctx.facts.is_test or ctx.facts.is_migration or not ctx.facts.imports:
        return
    if not any(m.startswith(("django", "rest_framework")) for m in ctx.facts.imported_modules):
        return
    for funcdef in ctx.nodes("funcdef"):
        if is_atomic_decorated(funcdef) or not _is_handler(funcdef):
            continue
        writes = [(n, c) for n, c in _writes(ctx, funcdef) if not atomic_context(n, ctx)[0]]
        if len(writes) < 2:
            continue
        # (site, what it calls, the project decorators / context managers around it)
        found = [
            (ctx.site(n, c.trailer), f"{c.callee or c.method}()", transaction_holders(n, ctx))
            for n, c in writes
        ]
        name = funcdef.children[1].value

        def judge(index, found=found, name=name, facts=ctx.facts):
            if index.atomic_requests(facts):
                return  # every request already runs in a transaction
            outside = [
                (site, called)
                for site, called, holders in found
                if not any(index.is_transaction_wrapper(h) for h in holders)
            ]
            if len(outside) < 2:
                return  # @project_tx / with project_tx(): a project wrapper of atomic()
            (_, first), (site, second) = outside[:2]
            yield make_finding(
                "MIG005",
                site,
                f"`{name}` writes with `{first}` and then `{second}` outside a transaction: if the "
                "second write fails, the first stays committed and the data is half-updated; "
                "wrap the writes in transaction.atomic()",
            )

        yield ctx.defer(("settings", "calls", "models"), judge)
