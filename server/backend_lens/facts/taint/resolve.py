"""Every file's flows joined: client data followed across functions and files."""

from __future__ import annotations

from .model import (
    EMPTY,
    CallFlow,
    FunctionFlow,
    Hop,
    _with_cleaned,
)
from .params import safe_type
from .tables import (
    WRAPPERS,
)

ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "TextChoices", "IntegerChoices"})

MAX_DEPTH = 8


def _slot_atoms(call: CallFlow, params: tuple[str, ...], name: str) -> frozenset:
    """What ``call`` gives the parameter ``name`` of a function with ``params``."""
    plain = [p.lstrip("*") for p in params]
    if name not in plain:
        return EMPTY
    k = plain.index(name)
    star = params[k].startswith("*") and not params[k].startswith("**")
    dstar = params[k].startswith("**")
    named = set(plain)
    out = EMPTY
    for slot, atoms in call.args:
        if slot in ("*", "**"):
            out |= atoms
        elif slot.startswith("#"):
            i = int(slot[1:])
            if i == k or (star and i >= k):
                out |= atoms
        elif slot == f"kw:{name}" or (dstar and slot[3:] not in named):
            out |= atoms
    return out


class TaintResolver:
    """Every file's flows joined: which function a call reaches, who calls a
    function, and whether client data reaches a sink through them."""

    def __init__(self, index) -> None:
        self.index = index
        self.functions: dict[str, tuple[object, FunctionFlow]] = {}
        self.callers: dict[str, list[tuple[object, FunctionFlow, CallFlow]]] = {}
        self._up: dict[tuple, list[Hop] | None] = {}
        self._typed: dict[tuple, bool] = {}  # (path, class as written, field) -> clean
        self.called: set[str] = set()  # functions called with nothing that matters
        for f in index.files.values():
            for flow in f.flows:
                self.functions[f"{f.module}.{flow.qualname}"] = (f, flow)
        for f in index.files.values():
            for flow in f.flows:
                for call in flow.calls:
                    key = self.key(call.callee, f)
                    if key is not None:
                        self.callers.setdefault(key, []).append((f, flow, call))
            for callee in f.flow_called:
                key = self.key(callee, f)
                if key is not None:
                    self.called.add(key)

    def key(self, callee: str, caller=None) -> str | None:
        """The function ``callee`` (as a call in ``caller``'s file names it) is."""
        name = callee.split("|", 1)[0]
        if name in self.functions:
            return name
        canonical = self.index.canonical(name)
        if canonical in self.functions:
            return canonical
        if caller is not None:  # `import libuser` beside the caller: its folders, nearest first
            parts = caller.module.split(".")[:-1]
            for i in range(len(parts), 0, -1):
                candidate = ".".join(parts[:i]) + "." + name
                if candidate in self.functions:
                    return candidate
        # a name re-exported by a package: `from .utils import run` in __init__.py
        mod, _, attr = name.rpartition(".")
        f = self.index.module(mod) if mod else None
        if f is not None and attr in f.imports:
            target = self.index.canonical(f.imports[attr])
            if target in self.functions:
                return target
        return None

    def typed_clean(self, facts, written: str, field: str) -> bool:
        """Whether the field ``field`` of the class ``written`` (as ``facts``'s file
        names it) is declared with a type that holds no client text once FastAPI
        validated it (``params.safe_type``; an enumeration of the project's), in
        the class or one of its bases. False when the class or field is unknown."""
        key = (facts.path, written, field)
        known = self._typed.get(key)
        if known is None:
            known = self._typed[key] = self._field_clean(facts, written, field)
        return known

    def _field_clean(self, facts, written: str, field: str) -> bool:
        todo = [(facts, written)]
        seen: set = set()
        while todo and len(seen) < 12:
            where, name = todo.pop(0)
            ref = self.index.resolve_class(where, name)
            if not hasattr(ref, "cls") or (ref.facts.path, ref.cls.name) in seen:
                continue
            seen.add((ref.facts.path, ref.cls.name))
            ann = ref.cls.annotation(field)
            if ann is not None:
                return safe_type(ann) or self._project_enum(ref.facts, ann)
            todo += [(ref.facts, b) for b in ref.cls.bases]
        return False

    def _project_enum(self, facts, ann: str) -> bool:
        """``ann`` names an enumeration of the project (`status: CaseStatus`)."""
        name = ann.removeprefix("Optional[").rstrip("]").split("|")[0].strip()
        ref = self.index.resolve_class(facts, name) if name[:1].isupper() else None
        return hasattr(ref, "cls") and any(
            b.rsplit(".", 1)[-1] in ENUM_BASES for b in ref.cls.bases
        )

    def has_callers(self, facts, flow: FunctionFlow) -> bool:
        """Whether the project shows a call of ``flow``'s function."""
        key = f"{facts.module}.{flow.qualname}"
        return bool(self.callers.get(key)) or key in self.called

    def trace(self, facts, flow: FunctionFlow, atoms: frozenset, code: str) -> list[Hop] | None:
        """The way client data reaches ``atoms`` in ``flow``: hops from the source
        to the function holding the atoms; None when none is found."""
        return self._sources(facts, flow, atoms, code, 0, (), frozenset())

    def _sources(self, facts, flow, atoms, code, depth, stack, seen) -> list[Hop] | None:
        if depth > MAX_DEPTH:
            return None
        for atom in sorted(atoms, key=_atom_order):
            if code in atom[-1]:
                continue
            kind = atom[0]
            if kind == "v" and not stack and not self.has_callers(facts, flow):
                return [Hop(facts.path, atom[3], atom[4], f"{atom[2]}: client data enters here")]
            if kind == "v":
                atom = ("p", atom[1], atom[-1])  # a helper: its callers decide
                kind = "p"
            if kind == "t":
                if self.typed_clean(facts, atom[4], atom[5]):
                    continue  # `payload.project_id` of `project_id: int`
                kind = "s"
            if kind == "s":
                return [Hop(facts.path, atom[2], atom[3], f"{atom[1]}: client data enters here")]
            if kind == "p":
                found = self._param(facts, flow, atom, code, depth, stack, seen)
            else:
                found = self._returned(facts, flow, atom, code, depth, stack, seen)
            if found:
                return found
        return None

    def _param(self, facts, flow, atom, code, depth, stack, seen):
        name, cleaned = atom[1], atom[2]
        if stack:  # called from a known place: what that call gives
            cfacts, cflow, call = stack[-1]
            given = _with_cleaned(_slot_atoms(call, flow.params, name), cleaned)
            found = self._sources(cfacts, cflow, given, code, depth + 1, stack[:-1], seen)
            if found:
                return found + [_hop_call(cfacts, call, name, flow)]
            return None
        key = (f"{facts.module}.{flow.qualname}", name, code, cleaned)
        if key in self._up:
            return self._up[key]
        if key in seen:
            return None
        seen = seen | {key}
        result = None
        for cfacts, cflow, call in self.callers.get(f"{facts.module}.{flow.qualname}", ()):
            given = _with_cleaned(_slot_atoms(call, flow.params, name), cleaned)
            found = self._sources(cfacts, cflow, given, code, depth + 1, (), seen)
            if found:
                result = found + [_hop_call(cfacts, call, name, flow)]
                break
        self._up[key] = result
        return result

    def _returned(self, facts, flow, atom, code, depth, stack, seen):
        k, cleaned = atom[1], atom[2]
        if k >= len(flow.calls):
            return None
        call = flow.calls[k]
        if "|" in call.callee:
            return None  # task.delay(...): the result is a handle, not data
        key = self.key(call.callee, facts)
        if key is None:  # not the project's: what goes in comes out
            last = call.callee.rsplit(".", 1)[-1]
            if last[:1].isupper() and last not in WRAPPERS:
                return None  # an object built from it, not the value
            given = EMPTY
            for slot, atoms in call.args:
                if slot.startswith("#") or slot == "*":
                    given |= atoms
            return self._sources(
                facts, flow, _with_cleaned(given, cleaned), code, depth + 1, stack, seen
            )
        tfacts, tflow = self.functions[key]
        if any(tflow is f for _, f, _ in stack):
            return None  # recursion
        found = self._sources(
            tfacts,
            tflow,
            _with_cleaned(tflow.returns, cleaned),
            code,
            depth + 1,
            (*stack, (facts, flow, call)),
            seen,
        )
        if found:
            return found + [
                Hop(facts.path, call.start, call.end, f"returned by `{tflow.qualname}`")
            ]
        return None


def _atom_order(atom) -> tuple:
    return ({"s": 0, "t": 0, "v": 1, "p": 2, "c": 3}[atom[0]], str(atom[1]))


def _hop_call(facts, call: CallFlow, name: str, flow: FunctionFlow) -> Hop:
    return Hop(facts.path, call.start, call.end, f"passed as `{name}` to `{flow.qualname}`")
