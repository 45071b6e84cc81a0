"""What every detector gets (a Context) and how it registers itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..facts.extract import qualify as _qualify
from ..facts.model import FileFacts
from ..model import Deferred, Edit, Finding, Fix, Related
from ..source import syntax as sx
from ..source.suppress import PATTERN as SUPPRESS_PATTERN
from ..source.suppress import string_lines

_READS: dict[frozenset[str], frozenset[str]] = {}  # see Context.defer


@dataclass(frozen=True)
class Site:
    """Where a finding is, as plain data that outlives the parse tree."""

    path: str
    start: tuple[int, int]
    end: tuple[int, int]
    stmt_lines: tuple[int, int]
    comment_line: int | None  # a line of the statement where a comment can go
    comment_text: str  # that line's text


def site_lines(sites: Iterable[Site]):
    """The lines a finding at each site touches: its range, its statement's
    lines and the line of its suppression comment."""
    for site in sites:
        yield from range(site.start[0], site.end[0] + 1)
        yield from site.stmt_lines
        if site.comment_line is not None:
            yield site.comment_line


def suppress_edit(site: Site, code: str) -> Edit | None:
    if site.comment_line is None:
        return None
    text = site.comment_text.rstrip("\r\n")
    m = SUPPRESS_PATTERN.search(text)
    line = site.comment_line
    if m:
        if m.group(1) is None:
            return None
        codes = [c.strip() for c in m.group(1).split(",") if c.strip()]
        if code in codes:
            return None
        return Edit(
            site.path,
            (line, m.start()),
            (line, m.end()),
            f"# backend-lens: ignore[{', '.join([*codes, code])}]",
        )
    end = len(text.rstrip(" \t"))  # only blanks: a form feed or U+2028 is kept
    return Edit(site.path, (line, end), (line, len(text)), f"  # backend-lens: ignore[{code}]")


def make_finding(
    code: str,
    site: Site,
    message: str,
    fix: Fix | None = None,
    related: Iterable[Related] = (),
) -> Finding:
    return Finding(
        code=code,
        message=message,
        path=site.path,
        start=site.start,
        end=site.end,
        stmt_lines=site.stmt_lines,
        fix=fix,
        suppress=suppress_edit(site, code),
        related=tuple(related),
    )


def assignment_table(expr_stmts) -> dict[str, list]:
    """name -> its plain ``name = value`` statements among ``expr_stmts``, in order."""
    table: dict[str, list] = {}
    for stmt in expr_stmts:
        assigned = sx.plain_assignment(stmt)
        if assigned is not None:
            table.setdefault(assigned[0].value, []).append(stmt)
    return table


@dataclass
class Context:
    path: str
    rel_path: str
    text: str
    lines: list[str]
    module: object  # parso Module
    by_type: dict
    facts: FileFacts
    _sites: dict = field(default_factory=dict)
    _calls: dict = field(
        default_factory=dict
    )  # id(node) -> calls_in(node), shared with fact extraction
    _assignments: dict | None = None
    _by_method: dict | None = None
    _scopes: dict = field(default_factory=dict)
    _unsafe: set[int] | None = None
    memo: dict = field(default_factory=dict)  # per-file tables a detector builds once
    # the whole file's nodes by type when ``by_type`` holds one unit's (the language
    # server's incremental analysis, ``within``): whole-file look-ups read it
    file_by_type: dict | None = None
    # tables about the whole file, shared by every Context of one analysis
    file_memo: dict = field(default_factory=dict)

    @property
    def all_nodes(self) -> dict:
        """The whole file's nodes by type (``by_type`` holds one unit's at times)."""
        return self.by_type if self.file_by_type is None else self.file_by_type

    def within(self, start: tuple[int, int], end: tuple[int, int]) -> Context:
        """The same file with only the nodes that start in [start, end): used to
        run a detector statement by statement after it failed on the whole file.
        Whole-file lookups (assignments) still see the whole file."""
        if self._assignments is None:
            self.assignments("")  # build the table from the whole file
        by_type = {
            t: [n for n in nodes if start <= n.start_pos < end] for t, nodes in self.by_type.items()
        }
        return Context(
            self.path,
            self.rel_path,
            self.text,
            self.lines,
            self.module,
            by_type,
            self.facts,
            _calls=self._calls,
            _assignments=self._assignments,
            _scopes=self._scopes,
            file_by_type=self.all_nodes,
            file_memo=self.file_memo,
        )

    def nodes(self, *types: str) -> Iterator:
        for t in types:
            yield from self.by_type.get(t, ())

    def calls(self, node) -> list[sx.Call]:
        """``sx.calls_in(node)``, computed once per node for all detectors."""
        key = id(node)
        found = self._calls.get(key)
        if found is None:
            found = self._calls[key] = sx.calls_in(node)
        return found

    def calls_to(self, *methods: str) -> list[tuple[object, sx.Call]]:
        """(node, call) for every call whose method (last name) is one of
        ``methods``, in source order; built once per file for all detectors."""
        if self._by_method is None:
            table: dict[str, list] = {}
            for node in self.nodes("atom_expr", "power"):
                for call in self.calls(node):
                    if call.method:
                        table.setdefault(call.method, []).append((node, call))
            self._by_method = table
        if len(methods) == 1:
            return self._by_method.get(methods[0], [])
        found = [x for m in methods for x in self._by_method.get(m, ())]
        found.sort(key=lambda x: x[0].start_pos)
        return found

    def calls_of_qualified(
        self, qualified: set[str] | frozenset[str]
    ) -> list[tuple[object, sx.Call]]:
        """Calls whose callee, qualified through the imports, is in ``qualified``
        (``requests.get`` written as ``requests.get(...)``, ``get(...)`` or an alias)."""
        # the method names depend on the file's imports only: once per file and set
        key = ("calls_of_qualified", qualified) if type(qualified) is frozenset else None
        methods = self.file_memo.get(key) if key is not None else None
        if methods is None:
            methods = {q.rsplit(".", 1)[-1] for q in qualified}
            methods |= {local for local, q in self.facts.imports.items() if q in qualified}
            if key is not None:
                self.file_memo[key] = methods
        return [
            (node, call)
            for node, call in self.calls_to(*methods)
            if call.callee and (self.qualify(call.callee) or "") in qualified
        ]

    def enclosing(self, node, types: tuple[str, ...]):
        """``sx.enclosing(node, types)``, remembered for every node on the way up: one
        walk up per file and ``types``, not one per node asked about."""
        nearest = self._scopes.get(types)
        if nearest is None:
            nearest = self._scopes[types] = sx.Nearest(types)
        return nearest(node)

    def scope(self, node):
        """``sx.scope_of(node)``, remembered for every node on the way up."""
        found = self.enclosing(node, sx.SCOPE_TYPES)
        assert found is not None
        return found

    def assignments_in(self, name: str, scope) -> tuple[list, list]:
        """(start positions, statements) of the plain ``name = value`` statements whose
        scope is ``scope``, in source order (``assignments`` grouped by scope once)."""
        table = self._scopes.get(("assign", name))
        if table is None:
            table = self._scopes[("assign", name)] = {}
            for stmt in self.assignments(name):
                starts, stmts = table.setdefault(id(self.scope(stmt)), ([], []))
                starts.append(stmt.start_pos)
                stmts.append(stmt)
        return table.get(id(scope), ([], []))

    def assignments(self, name: str) -> list:
        """Every plain ``name = value`` statement of the file, in source order."""
        if self._assignments is None:
            self._assignments = assignment_table(self.all_nodes.get("expr_stmt", ()))
        return self._assignments.get(name, [])

    def comment_safe(self, line: int) -> bool:
        """Whether a comment can go at the end of ``line``: not a blank line, a
        backslash continuation, or a line that ends inside a multi-line string."""
        if self._unsafe is None:
            self._unsafe = string_lines(self.by_type)
        if not 0 < line <= len(self.lines) or line in self._unsafe:
            return False
        body = self.lines[line - 1].rstrip()
        return bool(body) and body[-1] != "\\"

    def site(self, node, end_node=None) -> Site:
        key = (id(node), id(end_node))
        if key in self._sites:
            return self._sites[key]
        spans = self.memo.get("spans")
        if spans is None:
            spans = self.memo["spans"] = sx.SpanMemo()
        span = sx.stmt_line_span(node, spans)
        line = None
        for ln in range(span[0], max(span[0], span[1]) + 1):
            if self.comment_safe(ln):
                line = ln
                break
        s = Site(
            self.path,
            node.start_pos,
            (end_node or node).end_pos,
            span,
            line,
            self.lines[line - 1] if line else "",
        )
        self._sites[key] = s
        return s

    def finding(
        self, code: str, node, message: str, fix: Fix | None = None, related=(), end_node=None
    ) -> Finding:
        return make_finding(code, self.site(node, end_node), message, fix, related)

    def edit(self, start, end, text: str) -> Edit:
        return Edit(self.path, start, end, text)

    def defer(
        self,
        reads: Iterable[str],
        judge: Callable[[object], Iterable[Finding]],
        sites: Iterable[Site] | None = None,
    ) -> Deferred:
        """``sites``: every place the judgement's findings can be, when it reads
        nothing of this file's facts but what the detector read (``Deferred.lines``)."""
        kinds = frozenset(reads)
        lines = None if sites is None else frozenset(site_lines(sites))
        # one set per distinct set of kinds: a scan holds every file's judgements
        return Deferred(_READS.setdefault(kinds, kinds), judge, lines)

    def qualify(self, dotted: str | None) -> str | None:
        if dotted is None:
            return None
        return _qualify(dotted, self.facts.imports, self.facts.module)


@dataclass(frozen=True)
class Detector:
    name: str
    codes: tuple[str, ...]
    func: Callable[[Context], Iterable[Finding | Deferred]]
    section: str
    # "unit": what it finds in one statement of a file (a function, one statement
    # of a class body) depends on that statement, the file's facts and the file's
    # statements that are not functions (imports, module-level names, class heads
    # and attributes), never on another function's body: the language server
    # re-runs it only on the statements an edit changed, and on all of them when
    # those inputs changed. "file": it reads the whole file (its text, every
    # statement): re-run on the whole file on every edit.
    scope: str = "unit"


REGISTRY: list[Detector] = []


def detector(*codes: str, section: str, scope: str = "unit"):
    if scope not in ("unit", "file"):
        raise ValueError(f"scope must be 'unit' or 'file', not {scope!r}")

    def register(func):
        REGISTRY.append(Detector(func.__name__, codes, func, section, scope))
        return func

    return register
