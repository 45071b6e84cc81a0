"""The facts of a taint flow (see the package docstring) and the sets of atoms
they hold."""

from __future__ import annotations

import sys
from dataclasses import dataclass

Pos = tuple[int, int]


Atoms = frozenset


EMPTY: frozenset = frozenset()


# A scan holds the flows of every file: most of what a call is given or a function
# returns repeats from function to function and file to file (`self`, `request`, a
# constant). ``function_flow`` and ``call_flow`` (what the walk builds, and what
# unpickling a worker's or the result cache's flows calls) give one object per
# distinct value of those that hold no positions (positions make a value unique:
# sharing them would only grow the table).
_SHARED: dict = {}
SHARED_MAX = 200_000  # a long-running server starts the table afresh past this


def _shared(value):
    if len(_SHARED) >= SHARED_MAX:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)


def _placeless(atoms: frozenset) -> bool:
    return all(a[0] in ("p", "c") for a in atoms)


def shared_atoms(atoms: frozenset) -> frozenset:
    return _shared(atoms) if _placeless(atoms) else atoms


def shared_args(args: tuple) -> tuple:
    if all(_placeless(a) for _, a in args):
        return _shared(tuple((sys.intern(slot), _shared(a)) for slot, a in args))
    return tuple((sys.intern(slot), shared_atoms(a)) for slot, a in args)


def call_flow(callee, start, end, args) -> CallFlow:
    return CallFlow(sys.intern(callee), start, end, shared_args(args))


def function_flow(qualname, start, params, returns, calls, sinks) -> FunctionFlow:
    return FunctionFlow(
        qualname,
        start,
        _shared(tuple(sys.intern(p) for p in params)),
        shared_atoms(returns),
        calls,
        sinks,
    )


@dataclass(frozen=True, slots=True)
class CallFlow:
    callee: str  # qualified where the imports tell ("pkg.utils.run", "pkg.views.View.helper")
    start: Pos
    end: Pos
    # argument slot ("#0", "kw:name", "*", "**") -> atoms of what is given there
    args: tuple[tuple[str, frozenset], ...]

    def __reduce__(self):
        return call_flow, (self.callee, self.start, self.end, self.args)


@dataclass(frozen=True, slots=True)
class SinkFlow:
    code: str  # the rule: VAL001 (SQL), VAL002 (shell), ...
    what: str  # the sink as written: "cursor.execute", "os.system"
    start: Pos  # the call, from its first name to its closing parenthesis
    end: Pos
    atoms: frozenset
    at: tuple[Pos, Pos]  # the argument that carries the data (the call when none)


@dataclass(frozen=True, slots=True)
class FunctionFlow:
    qualname: str  # within the module: "view", "OrderView.get", "create_app.index"
    start: Pos  # the `def` name
    params: tuple[str, ...]  # in the order a caller writes them (no self / cls)
    returns: frozenset
    calls: tuple[CallFlow, ...]
    sinks: tuple[SinkFlow, ...]

    def __reduce__(self):
        return function_flow, (
            self.qualname,
            self.start,
            self.params,
            self.returns,
            self.calls,
            self.sinks,
        )

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


@dataclass(frozen=True, slots=True)
class Hop:
    path: str
    start: Pos
    end: Pos
    message: str


def _union_all(sets) -> frozenset:
    out = EMPTY
    for s in sets:
        out |= s
    return out


def _cleaned(atoms: frozenset, codes) -> frozenset:
    codes = frozenset(codes)
    return frozenset((*a[:-1], a[-1] | codes) for a in atoms)


def _with_cleaned(atoms: frozenset, cleaned: frozenset) -> frozenset:
    if not cleaned:
        return atoms
    return frozenset((*a[:-1], a[-1] | cleaned) for a in atoms)
