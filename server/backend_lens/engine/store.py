"""A FileResult as bytes, and back: for worker processes and the on-disk cache.

Deferred judgements are nested functions of the detector modules, closing over
plain data (positions, names, facts). The standard pickler cannot save a nested
function; :class:`ResultPickler` saves it as (module, code, defaults, closure
values) and :func:`_make_function` rebuilds it in that module's globals. The
code is saved with ``marshal``, so the bytes are only readable by the same
Python version and the same analysis code: the cache keys on both
(engine/cache.py), and worker processes run the parent's code.

A deferred judgement that closes over a parso tree node is refused
(:class:`StoreError`): nodes are large, tied to a tree the diff parser mutates,
and would drag the whole parse tree along.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import marshal
import pickle
import sys
import types

import parso.tree

from ..facts.model import ClassFact
from ..model import Deferred, FileResult

_TABLES: dict[str, dict] = {}  # module -> its code objects (see _module_codes)
_REFS: dict[types.CodeType, tuple | bytes] = {}  # code -> how it is saved
_CODES: dict[bytes, types.CodeType] = {}  # marshal bytes -> code (loaded once per process)
_EMPTY = object()  # stands for an empty closure cell


class StoreError(Exception):
    """A result that cannot be saved (a deferred check holds a parse-tree node)."""


def _importable(fn: types.FunctionType) -> bool:
    """Whether plain pickle can save ``fn`` by reference (module + qualified name)."""
    if "<" in fn.__qualname__:  # <locals>, <lambda>
        return False
    obj = sys.modules.get(fn.__module__)
    for part in fn.__qualname__.split("."):
        obj = getattr(obj, part, None)
    return obj is fn


def _module_codes(module: str) -> dict[tuple[str, int], types.CodeType | None]:
    """Every code object defined in ``module`` (nested ones included), by
    (qualified name, first line); None for a key two code objects share."""
    table = _TABLES.get(module)
    if table is not None:
        return table
    table = {}
    seen: set[int] = set()
    mod = sys.modules.get(module) or importlib.import_module(module)
    todo = [getattr(v, "__code__", None) for v in vars(mod).values() if callable(v)] + [
        getattr(f, "__code__", None)
        for v in vars(mod).values()
        if isinstance(v, type)
        for f in vars(v).values()
    ]
    while todo:
        code = todo.pop()
        if not isinstance(code, types.CodeType) or id(code) in seen:
            continue
        seen.add(id(code))
        key = (code.co_qualname, code.co_firstlineno)
        table[key] = None if key in table else code
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    _TABLES[module] = table
    return table


def _code_ref(fn: types.FunctionType) -> tuple | bytes:
    """How ``fn``'s code is saved: (qualified name, first line) when that names it in
    its module, else its marshal bytes."""
    code = fn.__code__
    ref = _REFS.get(code)
    if ref is None:
        key = (code.co_qualname, code.co_firstlineno)
        ref = key if _module_codes(fn.__module__).get(key) is code else marshal.dumps(code)
        _REFS[code] = ref
    return ref


def _make_function(module: str, code: tuple | bytes, name: str, ncells: int):
    if isinstance(code, bytes):
        compiled = _CODES.get(code)
        if compiled is None:
            compiled = _CODES[code] = marshal.loads(code)
    else:
        compiled = _module_codes(module).get(code)
        if compiled is None:
            raise pickle.UnpicklingError(f"{module} has no function {code[0]} at line {code[1]}")
    mod = sys.modules.get(module) or importlib.import_module(module)
    closure = tuple(types.CellType() for _ in range(ncells)) or None
    return types.FunctionType(compiled, mod.__dict__, name, None, closure)


def _set_function_state(fn: types.FunctionType, state: tuple) -> None:
    defaults, kwdefaults, cells, qualname = state
    fn.__defaults__ = defaults
    fn.__kwdefaults__ = kwdefaults
    fn.__qualname__ = qualname
    for cell, value in zip(fn.__closure__ or (), cells, strict=True):
        if value is not _EMPTY:
            cell.cell_contents = value


class ResultPickler(pickle.Pickler):
    """A pickler that saves nested functions by value and refuses parse-tree nodes."""

    def reducer_override(self, obj):
        if isinstance(obj, parso.tree.NodeOrLeaf):
            raise StoreError(
                f"a parse-tree node ({type(obj).__name__} at {obj.start_pos}) is held by a "
                "deferred check: deferred judgements must close over plain data only"
            )
        if type(obj) is types.FunctionType and not _importable(obj):
            code = _code_ref(obj)
            cells = []
            for cell in obj.__closure__ or ():
                try:
                    cells.append(cell.cell_contents)
                except ValueError:
                    cells.append(_EMPTY)
            # the state (defaults, cells) is saved after the function is memoised, so a
            # function that refers to itself (recursion through its cell) round-trips
            state = (obj.__defaults__, obj.__kwdefaults__, tuple(cells), obj.__qualname__)
            args = (obj.__module__, code, obj.__name__, len(cells))
            return _make_function, args, state, None, None, _set_function_state
        if obj is _EMPTY:
            return _empty, ()
        return NotImplemented


def _empty() -> object:
    return _EMPTY


def dumps(result: FileResult) -> bytes:
    """``result`` as bytes; :class:`StoreError` if it cannot be saved."""
    buf = io.BytesIO()
    try:
        ResultPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    except StoreError:
        raise
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        raise StoreError(f"{result.path}: the result cannot be saved ({exc})") from None
    return buf.getvalue()


_SHARED: dict = {}  # a value -> the one instance every file's facts use


def share(facts) -> None:
    """Make ``facts`` use the same instances as other files for equal values: the
    names in its call tables (interned) and their sets of names (one frozenset for
    all equal ones). A scan holds every file's facts; on Django this is 14 MB of
    90. The values stay equal, so nothing that reads them can tell."""
    intern = sys.intern
    for name in ("function_calls", "int_arguments", "held_calls", "transaction_wrappers"):
        table = getattr(facts, name, None)
        if table:
            setattr(
                facts,
                name,
                {
                    intern(k) if type(k) is str else k: _SHARED.setdefault(v, v)
                    for k, v in table.items()
                },
            )
    imports = getattr(facts, "imports", None)
    if imports and all(type(k) is str and type(v) is str for k, v in imports.items()):
        facts.imports = {intern(k): intern(v) for k, v in imports.items()}
    calls = getattr(facts, "calls", None)
    if calls:
        facts.calls = {intern(k) if type(k) is str else k: v for k, v in calls.items()}
    modules = getattr(facts, "imported_modules", None)
    if isinstance(modules, tuple):
        facts.imported_modules = _SHARED.setdefault(modules, modules)
    classes = getattr(facts, "classes", None)
    if classes and all(type(c) is ClassFact for c in classes):
        facts.classes = tuple(_shared_class(c) for c in classes)


def _same(value):
    return _SHARED.setdefault(value, value)


def _shared_class(c: ClassFact) -> ClassFact:
    """``c`` with the parts that repeat from class to class shared: its bases (most
    classes of a project have one of a few), positions, field options."""
    return dataclasses.replace(
        c,
        bases=_same(tuple(sys.intern(b) for b in c.bases)),
        start=_same(c.start),
        end=_same(c.end),
        base_positions=_same(tuple(_same(p) for p in c.base_positions)),
        methods=tuple(sys.intern(m) for m in c.methods),
        annotations=tuple(_same((sys.intern(k), sys.intern(v))) for k, v in c.annotations),
        fields=tuple(
            dataclasses.replace(
                f,
                kind=sys.intern(f.kind),
                start=_same(f.start),
                end=_same(f.end),
                kwargs=_same(f.kwargs),
                flags=_same(f.flags),
            )
            for f in c.fields
        ),
    )


def loads(data: bytes) -> FileResult:
    """The FileResult saved by :func:`dumps` (any exception means unreadable bytes)."""
    result = pickle.loads(data)
    if not isinstance(result, FileResult):
        raise pickle.UnpicklingError(f"not a file result: {type(result).__name__}")
    for d in result.deferred:  # one set per distinct set of kinds, as Context.defer makes
        if isinstance(d, Deferred):
            object.__setattr__(d, "reads", _SHARED.setdefault(d.reads, d.reads))
    return result
