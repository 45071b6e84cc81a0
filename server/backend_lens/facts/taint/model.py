"""The facts of a taint flow (see the package docstring) and the sets of atoms
they hold."""

from __future__ import annotations

from dataclasses import dataclass

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
    # the project functions it calls with nothing that matters (no data in, the
    # result unused): names only, for "has this function callers?" (VAL001)
    called: tuple[str, ...] = ()

    def digest(self) -> tuple:
        """The flow without positions: what callers in other files depend on."""
        return (
            self.qualname,
            self.params,
            _unplaced(self.returns),
            tuple((c.callee, tuple((s, _unplaced(a)) for s, a in c.args)) for c in self.calls),
            tuple((s.code, _unplaced(s.atoms)) for s in self.sinks),
            self.called,
        )


def _unplaced(atoms: frozenset) -> frozenset:
    return frozenset((a[0], a[1], a[-1]) for a in atoms)


@dataclass(frozen=True)
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
