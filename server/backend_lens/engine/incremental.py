"""The language server's analysis of an open document, unit by unit.

``analysis.analyze`` parses a file and runs everything over all of it: right
for the command line, too much for a keystroke in a 3,000-line module. Here the
document is cut into units (``source/units.py``: a top-level statement, or one
statement of a top-level class's body), and each analysis re-does only what an
edit can have changed:

1. parso's diff parser re-parses the lines around the edit and re-uses the
   other nodes; a unit whose key (span and text) is unchanged and whose node is
   the same object keeps its node index;
2. the file's context (imports, module-level objects, class names) is read from
   the module-level statements; each unit's facts are kept unless the unit or
   the context changed, then joined into the file's facts
   (``facts.extract.assemble``: the same code the whole-file analysis runs);
3. detectors declared ``scope="unit"`` keep their findings for a run of units
   unless a unit of the run changed, a field of the file's facts they read
   changed (the reads are recorded as they run: ``_noting``, ``_Memo``), or
   a unit that is not a function changed (what such a detector may read besides
   its own statements); a change of spaces only in such a unit (the same
   tokens on the same lines) re-checks only the runs whose findings point into
   its lines. Those declared ``scope="file"`` run over the whole file every time.

The result is the FileResult ``analyze`` would give for the same text: the
tests compare them after every edit of long random edit sequences over real
files (tests/test_incremental.py). When anything unexpected happens the
document is analysed whole, and the next edit starts afresh.

An edit that adds or removes lines moves every unit below it: those units have
new keys (positions are part of the findings they hold) and are analysed again.
"""

from __future__ import annotations

import io
import logging
import tokenize
import zlib
from dataclasses import dataclass, fields

from .. import catalogue
from ..config import Config
from ..detectors import Context
from ..detectors.base import assignment_table
from ..facts import extract as fx
from ..facts.model import FileFacts
from ..model import Deferred, FileResult
from ..source import parsing
from ..source import syntax as sx
from ..source import units as su
from ..source.lines import split_lines
from ..source.suppress import parse_suppressions
from . import analysis
from .analysis import analyze, run_detector

log = logging.getLogger(__name__)


@dataclass
class _UnitState:
    node: object
    by_type: dict
    errors: int
    facts: object = None  # PartFacts
    assignments: dict | None = None  # name -> its `name = value` statements in the unit

    def assigned(self, name: str) -> list:
        if self.assignments is None:
            self.assignments = assignment_table(self.by_type.get("expr_stmt", ()))
        return self.assignments.get(name, [])


class _Assignments:
    """``Context.assignments``' table of the whole file, joined from the units'
    tables (kept for the units an edit did not change): name by name for the few
    names an edit's checks ask about, the whole table when they ask about many."""

    MANY = 32

    def __init__(self, states: list[_UnitState], kept: dict[str, list] | None = None):
        self._states = states
        # names whose statements are where the last edit left them (see ``carry``)
        self._joined: dict[str, list] = dict(kept) if kept else {}
        self._whole = False

    def get(self, name: str, default=None):
        found = self._joined.get(name)
        if found is None and not self._whole:
            if len(self._joined) < self.MANY:
                found = self._joined[name] = [s for st in self._states for s in st.assigned(name)]
            else:
                self._join_all()
                found = self._joined.get(name)
        return found if found else default

    def _join_all(self) -> None:
        for st in self._states:
            st.assigned("")
        self._joined = _join(st.assignments for st in self._states)
        self._whole = True


def _join(tables) -> dict[str, list]:
    """Tables of lists (key -> items), joined key by key in the order given."""
    out: dict[str, list] = {}
    for table in tables:
        for k, v in table.items():
            known = out.get(k)
            if known is None:
                out[k] = list(v)
            else:
                known += v
    return out


# facts of a file that unit detectors never read from the file's own facts (ctx.facts,
# or the facts a judgement closes over): only through the project index, whose
# changes re-judge what reads them (Deferred.reads). Typing in a function body
# changes them (the calls it makes); it must not re-run the detectors on every unit.
# (A detector that reads one anyway is run again on every change: _reads_of. The
# flows are read for the unit's own functions only: _PER_UNIT.)
_INDEX_ONLY = (
    "calls",
    "logic",
    "function_calls",
    "int_arguments",
    "held_calls",
    "transaction_wrappers",
    "functions",
    "routes",
    "route_facts",
    "tasks",
    "work",
    "settings",
    "selects_settings",
    "engines",
    "flows",
    "flow_called",
    "errors",
    "import_sites",
)


# the fields of a file's facts unit detectors may read
_FIELDS = frozenset(f.name for f in fields(FileFacts) if f.name not in _INDEX_ONLY)
# fields unit detectors read only for the functions of the units they check
# (input_validation.flows.unit_flows): what a unit holds there changes with the
# unit, or with the file's context (which all units' facts are read again for)
_PER_UNIT = frozenset({"flows"})
_READABLE = _FIELDS | _PER_UNIT


def _changed_fields(new, old, same_context: bool) -> frozenset[str] | None:
    """The fields of the file's facts unit detectors read that differ between
    ``old`` and ``new`` (``_PER_UNIT`` ones: when the context changed); None when
    there are no old facts."""
    if old is None:
        return None
    if new is old:
        return frozenset()
    out = {n for n in _FIELDS if getattr(new, n) != getattr(old, n)}
    if not same_context:
        out |= _PER_UNIT
    return frozenset(out)


class _Reads:
    """What one run of units' detectors read of the file's facts: field names in
    ``names``, and in every table of ``file_memo`` being computed (``open``)."""

    __slots__ = ("names", "open")

    def __init__(self):
        self.names: set[str] = set()
        self.open: dict = {}  # memo key -> the names read since it was missed


_reading: _Reads | None = None  # the run whose reads are being noted


def _noting(facts, name: str, _get=object.__getattribute__):
    """``FileFacts.__getattribute__`` while runs of units are checked (``_noted``):
    notes the names read (one that is not a field, a method say, stands for all
    of them: ``_reads_of``). Installed on the class, not a stand-in object:
    judgements deferred to the index close over the file's facts, which must be
    the facts themselves."""
    reads = _reading
    if reads is not None:
        reads.names.add(name)
        if reads.open:
            for names in reads.open.values():
                names.add(name)
    return _get(facts, name)


class _noted:
    """Installs ``_noting`` on ``FileFacts`` for its block (what is read is noted
    in ``_reading`` while it is set: one detector on one run of units)."""

    def __enter__(self):
        FileFacts.__getattribute__ = _noting

    def __exit__(self, *exc):
        global _reading
        del FileFacts.__getattribute__
        _reading = None


class _Memo(dict):
    """``Context.file_memo`` of an incremental analysis. A table is computed by one
    run of units and used by the next ones: what was read of the facts from the
    look-up that missed it to the moment it was stored is what every run that
    uses it reads too. (A table stored before it is filled would miss what the
    filling reads: detectors compute a table, then store it.)"""

    def __init__(self):
        super().__init__()
        self.reads: _Reads | None = None  # the run being checked
        self._by_key: dict = {}

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, value)
        reads = self.reads
        if reads is not None:
            known = reads.open.pop(key, None)
            # stored without a look-up first: as if it read all the run read
            self._by_key[key] = frozenset(known if known is not None else reads.names)

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        reads = self.reads
        if reads is not None:
            # a table stored outside any run (none is, today): as if it read everything
            known = self._by_key.get(key)
            if known is None:
                known = _ANY
            reads.names |= known
            for names in reads.open.values():
                names |= known
        return value

    def get(self, key, default=None):
        if key in self:
            return self[key]
        if self.reads is not None:
            self.reads.open.setdefault(key, set())
        return default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]


_ANY = frozenset({"*"})
_READ_SETS: dict[frozenset, frozenset] = {}  # one instance of each set of fields read


def _reads_of(reads: set[str]) -> frozenset[str] | None:
    """What a run read of the facts, for ``_Found.holds``; None for all of it."""
    if not reads.issubset(_READABLE):
        reads = {n for n in reads if n[:2] != "__"}  # dunders: Python's own look-ups
        if not reads.issubset(_READABLE):
            return None  # a method, a field only the index reads, or "*"
    found = frozenset(reads)
    return _READ_SETS.setdefault(found, found) if len(_READ_SETS) < 4096 else found


def _shape(own: tuple):
    """A non-function unit as other units' detectors read it, apart from columns:
    its kind, lines and tokens (comments included). Spaces typed between its
    tokens leave it unchanged; None when its text does not tokenize."""
    kind, start, end, text = own
    try:
        toks = tokenize.generate_tokens(io.StringIO("".join(text)).readline)
        return (kind, start[0], end, tuple((t.type, t.string, t.start[0]) for t in toks))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None


def _lines_of(items: list) -> frozenset[int] | None:
    """Every line a run's findings point at (ranges, related locations, fixes,
    suppressions); None when the run deferred a judgement that may point
    anywhere (one that declares its lines adds them)."""
    out: set[int] = set()
    for x in items:
        if isinstance(x, Deferred):
            if x.lines is None:
                return None
            out.update(x.lines)
            continue
        out.update((x.start[0], x.end[0]))
        for r in x.related:
            out.update((r.start[0], r.end[0]))
        if x.fix is not None:
            for e in x.fix.edits:
                out.update((e.start[0], e.end[0]))
        if x.suppress is not None:
            out.update((x.suppress.start[0], x.suppress.end[0]))
    return frozenset(out)


@dataclass(slots=True)
class _Found:
    """What one detector found in a run of units, and what that depended on."""

    items: list
    problems: list
    reads: frozenset[str] | None  # fields of the file's facts read; None: all
    lines: frozenset[int] | None  # lines its findings point at; None: anywhere

    def holds(self, changed: frozenset[str] | None, spaced: set[int]) -> bool:
        """Whether it holds after the facts' fields ``changed`` changed and spaces
        were typed in the non-function units on lines ``spaced``."""
        if changed is None:
            return False
        if changed and (self.reads is None or not changed.isdisjoint(self.reads)):
            return False
        return not spaced or (self.lines is not None and spaced.isdisjoint(self.lines))


_NOTHING: dict = {}  # fields read -> the one _Found of a detector that found nothing


def _nothing(reads: frozenset[str] | None) -> _Found:
    found = _NOTHING.get(reads)
    if found is None:
        found = _Found([], [], reads, _NO_LINES)
        if len(_NOTHING) < 4096:
            _NOTHING[reads] = found
    return found


_NO_LINES: frozenset[int] = frozenset()


class _Run:
    """What every unit detector found in a run of units (``found``, in the
    detectors' order), joined once for the file's result, and the union of what
    they depended on (to keep a whole run after most edits without asking each)."""

    __slots__ = ("found", "local", "deferred", "errors", "reads", "lines")

    def __init__(self, found: list[_Found]):
        self.found = found
        self.local: list = []
        self.deferred: list = []
        self.errors: list = []
        reads: set[str] | None = set()
        lines: set[int] | None = set()
        for f in found:
            for x in f.items:
                (self.deferred if isinstance(x, Deferred) else self.local).append(x)
            self.errors += f.problems
            if reads is not None:
                reads = None if f.reads is None else reads | f.reads
            if lines is not None:
                lines = None if f.lines is None else lines | f.lines
        self.reads = reads
        self.lines = lines

    def redo(self, changed: frozenset[str] | None, spaced: set[int]):
        """The indexes of the detectors to run again (``_Found.holds``)."""
        if changed is None:
            return range(len(self.found))
        if (not changed or (self.reads is not None and changed.isdisjoint(self.reads))) and (
            not spaced or (self.lines is not None and spaced.isdisjoint(self.lines))
        ):
            return ()
        return [i for i, f in enumerate(self.found) if not f.holds(changed, spaced)]


CHUNK_LINES = 60  # a run of units analysed together is cut after this many lines


def _chunks(units: list[su.Unit]) -> list[tuple[int, int]]:
    """Runs of consecutive units the detectors are run on together: a detector
    costs a little per run whatever its size, and a 2,000-line class has a
    hundred statements. A run ends after a unit picked by its first line (one in
    three), or when it has CHUNK_LINES lines: where the runs end moves only
    around the units an edit changed."""
    out = []
    first = 0
    for i, u in enumerate(units):
        span = u.last - units[first].start[0]
        if _picked(u) or span >= CHUNK_LINES or i == len(units) - 1:
            out.append((first, i + 1))
            first = i + 1
    return out


def _picked(u: su.Unit) -> bool:
    """One unit in three, by its first line's text: the same in every process (the
    built-in ``hash`` of a string is not), so that where runs end is reproducible,
    and an edit below a unit's first line leaves where its run ends."""
    return zlib.crc32(u.own[3][0].encode("utf-8", "surrogatepass")) % 3 == 0


@dataclass
class Stats:
    """What the last update re-did (for tests and the benchmark's log)."""

    units: int = 0
    indexed: int = 0
    facts: int = 0
    detected: int = 0  # units some detector was run on again
    rules: int = 0  # (unit, detector) pairs run again
    whole: bool = False


class IncrementalFile:
    def __init__(self, path: str, rel_path: str, cache_key: str, config: Config):
        self.path = path
        self.rel_path = rel_path
        self.cache_key = cache_key
        self.config = config
        self._states: dict[tuple, _UnitState] = {}
        self._moved: dict[int, tuple[_UnitState, tuple]] = {}  # id(node) -> (state, text)
        self._context = None
        self._facts = None
        self._parts: list = []
        # (detectors run, non-function units' own keys) of the last analysis
        self._inputs: tuple | None = None
        # units' keys -> what each unit detector found in them
        self._chunks: dict[tuple, _Run] = {}
        self._assigned: tuple = ()  # (states, names joined) of the last analysis
        self.pending: str | None = None  # text whose result came from the scan (Project.warm)
        self.stats = Stats()

    def analyze(
        self, text: str, version: int | None, import_root: str = "", import_module: str = ""
    ) -> FileResult:
        """The FileResult of ``text``; ``import_root`` and ``import_module`` are set
        on its facts (as ``Project.analyze_file`` does) before they are compared
        with the last ones."""
        self._names = (import_root, import_module)
        try:
            return self._update(text, version)
        except Exception:
            # half-typed code the parts did not expect (RecursionError included):
            # the whole-file analysis, which knows how to report it
            log.debug(
                "incremental analysis of %s failed; analysing it whole", self.path, exc_info=True
            )
            self._states = {}
            self._moved = {}
            self._context = self._facts = self._inputs = None
            self._parts = []
            self._chunks = {}
            self._assigned = ()
            self.stats = Stats(whole=True)
            result = analyze(text, self.path, self.rel_path, version, self.cache_key, self.config)
            result.facts.import_root, result.facts.import_module = self._names
            return result

    def _update(self, text: str, version: int | None) -> FileResult:
        config = self.config
        module = parsing.parse(text, self.cache_key)
        reparsed = parsing.reparsed()
        lines = split_lines(text) or [""]
        stats = self.stats = Stats()
        units = su.units(module, lines)
        stats.units = len(units)
        old = self._states
        moved = self._moved
        states: list[_UnitState] = []
        fresh: list[bool] = []
        for u in units:
            st = old.get(u.key)
            # parso re-parsed lines of the unit: its node may hold new children
            touched = reparsed is None or any(a <= u.last and u.start[0] <= b for a, b in reparsed)
            kept = False
            if st is not None and (touched or st.node is not u.node):
                # the same text at the same place, parsed again (parso re-parses a few
                # lines around an edit, and the end of the class it is in): new nodes to
                # index. Without a syntax error in it (error recovery depends on what is
                # around), the same text parses the same: its facts and findings hold
                by_type, errors = su.index_unit(u)
                stats.indexed += 1
                if errors == 0 and st.errors == 0 and st.node.type == u.node.type:
                    st = _UnitState(u.node, by_type, errors, facts=st.facts)
                    kept = True
                else:
                    st = _UnitState(u.node, by_type, errors)
                    fresh.append(True)
                    states.append(st)
                    continue
            if kept:
                fresh.append(False)
            elif touched or st is None:
                # a unit moved by lines added or removed above it: the same nodes (parso
                # moved them) and text; its node index holds, its findings do not
                was = moved.get(id(u.node))
                if not touched and was is not None and was[0].node is u.node and was[1] == u.key[3]:
                    st = _UnitState(u.node, was[0].by_type, was[0].errors)
                else:
                    by_type, errors = su.index_unit(u)
                    st = _UnitState(u.node, by_type, errors)
                    stats.indexed += 1
                fresh.append(True)
            else:
                fresh.append(False)
            states.append(st)
        merged = su.MergedIndex(module, [st.by_type for st in states])
        errors = sum(st.errors for st in states)
        result = FileResult(
            path=self.path, version=version, facts=None, lines=len(lines), syntax_errors=errors
        )
        calls_of = sx.CallCache()

        # -- facts ------------------------------------------------------------------
        context = fx.file_context(module, merged, self.rel_path)
        same_context = context == self._context
        for u, st, new in zip(units, states, fresh, strict=True):
            if new or not same_context or st.facts is None:
                st.facts = fx.part_facts(
                    context,
                    st.by_type,
                    calls_of,
                    statements=[u.node] if u.kind == "stmt" else (),
                    class_head=u.cls if u.kind == "head" else None,
                    member=(u.cls, u.node) if u.kind == "member" else None,
                )
                stats.facts += 1
        parts = [st.facts for st in states]
        old = self._facts
        if (
            old is not None
            and same_context
            and old.lines == len(lines)
            and (old.import_root, old.import_module) == self._names
            and len(parts) == len(self._parts)
            and all(a is b or a == b for a, b in zip(parts, self._parts, strict=True))
        ):
            facts = old  # no part says anything new: the index sees no change
        else:
            facts = fx.assemble(context, parts, self.path, len(lines))
            facts.import_root, facts.import_module = self._names
            if facts == old:
                facts = old
        result.facts = facts

        # -- findings ---------------------------------------------------------------
        result.suppressions = parse_suppressions(lines, module)
        cat = catalogue.load()
        enabled = [
            d
            for d in analysis.REGISTRY  # the registry the engine runs (tests patch it)
            if any(config.rule_enabled(c, cat.rules[c].name) for c in d.codes if c in cat.rules)
        ]
        # what unit detectors read besides their units: the facts (field by field,
        # _Run.keeps) and the units that are not functions (spaces typed in one of
        # them re-check only the runs whose findings point into its lines)
        inputs = (tuple(d.name for d in enabled), tuple(u.own for u in units if not u.is_function))
        changed = (
            _changed_fields(facts, old, same_context)
            if inputs[0] == (self._inputs or ((),))[0]
            else None
        )
        spaced = set()
        if changed is not None and inputs[1] != self._inputs[1]:
            spaced = self._spaced(inputs[1], self._inputs[1])
            if spaced is None:
                changed = None
        shared_scopes: dict = {}
        file_memo = _Memo()
        # the joined lists of names no new, gone or moved unit assigns are as they were
        kept = None
        if self._assigned and len(states) == len(self._assigned[0]):
            touched: set[str] = set()
            for st, was, new in zip(states, self._assigned[0], fresh, strict=True):
                if new or st is not was:
                    st.assigned("")
                    was.assigned("")
                    touched.update(st.assignments)
                    touched.update(was.assignments)
            kept = {k: v for k, v in self._assigned[1].items() if k not in touched}
        assignments = _Assignments(states, kept)
        unit_detectors = [d for d in enabled if d.scope == "unit"]

        def make_ctx(by_type) -> Context:
            return Context(
                self.path,
                self.rel_path,
                text,
                lines,
                module,
                by_type,
                facts,
                _calls=calls_of,
                _assignments=assignments,
                _scopes=shared_scopes,
                file_by_type=merged,
                file_memo=file_memo,
            )

        old_chunks = self._chunks if changed is not None else {}
        chunks: dict[tuple, _Run] = {}
        n_detectors = len(unit_detectors)
        with _noted():
            for first, last in _chunks(units):
                key = tuple(u.key for u in units[first:last])
                done = old_chunks.get(key)
                if done is None or any(fresh[first:last]):
                    redo = range(n_detectors)
                else:
                    redo = done.redo(changed, spaced)
                if redo:
                    stats.detected += last - first
                    stats.rules += (last - first) * len(redo)
                    done = self._detect(
                        make_ctx,
                        file_memo,
                        unit_detectors,
                        units[first:last],
                        states[first:last],
                        done,
                        redo,
                    )
                chunks[key] = done
                result.local += done.local
                result.deferred += done.deferred
                result.errors += done.errors
        file_memo.reads = None
        file_ctx = Context(
            self.path,
            self.rel_path,
            text,
            lines,
            module,
            merged,
            facts,
            _calls=calls_of,
            _assignments=assignments,
            _scopes=shared_scopes,
            file_memo=file_memo,
        )
        for det in enabled:
            if det.scope == "file":
                for item in run_detector(det, file_ctx, result.errors):
                    (result.deferred if isinstance(item, Deferred) else result.local).append(item)

        self._states = {u.key: st for u, st in zip(units, states, strict=True)}
        self._assigned = (states, assignments._joined if not assignments._whole else {})
        self._moved = {id(u.node): (st, u.key[3]) for u, st in zip(units, states, strict=True)}
        self._context = context
        self._facts = facts
        self._parts = parts
        self._inputs = inputs
        self._chunks = chunks
        return result

    @staticmethod
    def _spaced(owns: tuple, was: tuple) -> set[int] | None:
        """The lines of the non-function units ``owns`` that differ from ``was`` by
        spaces only (the same tokens on the same lines); None when one differs
        by more, or units came or went."""
        if len(owns) != len(was):
            return None
        out: set[int] = set()
        for a, b in zip(owns, was, strict=True):
            if a != b:
                shape = _shape(a)
                if shape is None or shape != _shape(b):
                    return None
                out.update(range(a[1][0], a[2] + 1))
        return out

    def _detect(self, make_ctx, memo: _Memo, detectors, units, states, done, redo) -> _Run:
        """What each of ``detectors`` finds in a run of consecutive units: those at
        the indexes ``redo`` are run again (once over all the units: a detector on
        several statements finds what it finds on each), the others keep what they
        found (``done``). When a detector fails on the run, it is run unit by unit,
        as ``run_detector`` does on a whole file, so that the failure costs only
        its statements. What each reads of the file's facts is noted as it runs."""
        by_type = _join(st.by_type for st in states)
        for t in sx.RECORDED_LEAVES:
            if t in by_type and len(states) > 1:
                by_type[t].sort(key=lambda leaf: leaf.start_pos)
        global _reading
        ctx = make_ctx(by_type)
        out = list(done.found) if done is not None else [None] * len(detectors)
        try:
            for i in redo:
                det = detectors[i]
                reads = memo.reads = _reading = _Reads()
                try:
                    items = list(det.func(ctx))
                    problems: list[str] = []
                except Exception:
                    log.debug("detector %s failed on %s", det.name, self.path, exc_info=True)
                    problems = []
                    items = self._unit_by_unit(make_ctx, det, units, states, problems)
                if not items and not problems:
                    out[i] = _nothing(_reads_of(reads.names))
                    continue
                lines = _lines_of(items)
                # a deferred judgement that declares no lines reads the facts it closes
                # over when it is judged: the run is re-done on any change
                out[i] = _Found(
                    items, problems, _reads_of(reads.names) if lines is not None else None, lines
                )
        finally:
            _reading = memo.reads = None
        return _Run(out)

    def _unit_by_unit(self, make_ctx, det, units, states, problems: list[str]) -> list:
        items: list = []
        for u, st in zip(units, states, strict=True):
            try:
                items.extend(det.func(make_ctx(st.by_type)))
            except Exception as exc:
                log.debug(
                    "detector %s failed on %s:%d", det.name, self.path, u.start[0], exc_info=True
                )
                first, last = u.start[0], max(u.start[0], u.end[0] - (u.end[1] == 0))
                where = f"line {first}" if first == last else f"lines {first}-{last}"
                why = (
                    "nested too deeply"
                    if isinstance(exc, RecursionError)
                    else f"internal error {type(exc).__name__}"
                )
                problems.append(
                    f"{', '.join(det.codes)} not checked on {where} ({why}); "
                    "the rest of the file was checked"
                )
        return items
