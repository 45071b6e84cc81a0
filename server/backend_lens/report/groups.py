"""Findings grouped by rule, for a report people read.

A section lists one entry per rule: why and how to fix once, the count, what it
reaches (endpoints and background tasks whose code holds a finding), an effort
estimate and the most important places first. The full list goes to the appendix.

Where a finding sits is read from the source text of its file, by indentation:
the functions and classes that enclose its line. A finding inside the handler of
an endpoint (the inventory's handler line) is on a request path, one inside a
task runs in a worker. Files are read once, and only files with findings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Severity
from ..source.lines import split_lines
from ..source.parsing import SkipFile, read_source

# the places shown under a rule in its section; the appendix has all of them
TOP = 3
SNIPPET_CONTEXT = 2  # lines shown above and below a finding in the HTML report
SNIPPET_WIDTH = 160  # characters of a snippet line before it is cut

_DEF = re.compile(r"(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)")
WEIGHT = {"critical": 3.0, "error": 1.5, "warning": 0.75, "info": 0.25}


@dataclass
class Place:
    """Where a finding sits: the enclosing definitions and what runs them."""

    endpoint: str = ""  # "GET /orders/{id}" when an endpoint's handler encloses the finding
    task: str = ""  # the task's name when a background task encloses it
    snippet: list[tuple[int, str]] = field(default_factory=list)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def enclosing(lines: list[str], line: int) -> list[int]:
    """The lines of the `def`/`class` statements enclosing `line` (1-based),
    innermost first; the line itself when it starts a definition."""
    if not 1 <= line <= len(lines):
        return []
    out: list[int] = []
    here = lines[line - 1]
    if _DEF.match(here.lstrip()):
        out.append(line)
    indent = _indent(here) if here.strip() else 10**6
    for n in range(line - 1, 0, -1):
        text = lines[n - 1]
        stripped = text.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        ind = _indent(text)
        if ind < indent and _DEF.match(stripped):
            out.append(n)
            indent = ind
            if ind == 0:
                break
    return out


def _decorated(lines: list[str], def_line: int) -> list[int]:
    """The def line and the lines of the decorators above it (an inventory may
    place a handler at either). Lines indented deeper are a decorator's
    arguments or the body of the definition above, and are passed over."""
    out = [def_line]
    indent = _indent(lines[def_line - 1])
    for n in range(def_line - 1, 0, -1):
        text = lines[n - 1]
        stripped = text.lstrip(" \t")
        if not stripped or stripped.startswith("#") or _indent(text) > indent:
            continue
        if _indent(text) < indent or not stripped.startswith(("@", ")", "]", "}")):
            break
        if stripped.startswith("@"):
            out.append(n)
    return out


class Locator:
    """Finds the place of findings, reading each file once."""

    def __init__(self, project, inventory):
        self.project = project
        self._lines: dict[str, list[str] | None] = {}
        self.endpoints: dict[tuple[str, int], str] = {}
        for e in inventory.endpoints:
            label = f"{'/'.join(e.methods) + ' ' if e.methods else ''}{e.route or e.handler}"
            self.endpoints.setdefault((e.path, e.line), label)
        self.tasks = {(t.path, t.line): t.name for t in inventory.tasks}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            text = self.project.overlay.get(path)
            if text is None:
                try:
                    text = read_source(path)
                except (SkipFile, OSError, UnicodeDecodeError):
                    text = None
            self._lines[path] = None if text is None else split_lines(text)
        return self._lines[path]

    def place(self, path: str, rel: str, line: int) -> Place:
        lines = self.lines(path)
        if not lines:
            return Place()
        p = Place()
        for def_line in enclosing(lines, line):
            for at in _decorated(lines, def_line):
                if not p.endpoint and (rel, at) in self.endpoints:
                    p.endpoint = self.endpoints[(rel, at)]
                if not p.task and (rel, at) in self.tasks:
                    p.task = self.tasks[(rel, at)]
        first = max(1, line - SNIPPET_CONTEXT)
        last = min(len(lines), line + SNIPPET_CONTEXT)
        shown = [
            (n, lines[n - 1].rstrip("\r\n\f\v\x1c\x1d\x1e\x85\u2028\u2029").expandtabs(4))
            for n in range(first, last + 1)
        ]
        # the indentation the lines share is left out: a snippet deep in a class reads
        # from the left edge
        margin = min((_indent(t) for _, t in shown if t.strip()), default=0)
        p.snippet = [(n, _cut(t[margin:])) for n, t in shown]
        return p


def _cut(text: str) -> str:
    return text if len(text) <= SNIPPET_WIDTH else text[: SNIPPET_WIDTH - 1] + "…"


def rank_key(item) -> tuple:
    """Most important first: severity, then request paths, then background work,
    then the rest; then by file and line."""
    return (
        Severity(item.severity).rank,
        0 if item.endpoint else 1 if item.task else 2,
        item.path,
        item.line,
    )


@dataclass
class Group:
    """Every finding of one rule in one section (or in the whole report)."""

    code: str
    name: str
    title: str
    severity: str  # the most severe of its findings
    why: str
    fix: str
    section: str
    tags: tuple[str, ...]
    cwe: tuple[str, ...]
    fix_kind: str  # always | sometimes | none (the catalogue's `fix`)
    confidence: str
    items: list = field(default_factory=list)  # ranked, most important first

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def top(self) -> list:
        return self.items[:TOP]

    @property
    def more(self) -> int:
        return max(0, self.count - TOP)

    @property
    def files(self) -> int:
        return len({i.path for i in self.items})

    @property
    def endpoints(self) -> list[str]:
        return sorted({i.endpoint for i in self.items if i.endpoint})

    @property
    def tasks(self) -> list[str]:
        return sorted({i.task for i in self.items if i.task})

    @property
    def reach(self) -> int:
        """How many endpoints and tasks its findings sit in."""
        return len(self.endpoints) + len(self.tasks)

    @property
    def fixable(self) -> int:
        return sum(1 for i in self.items if i.fixable)

    @property
    def priority(self) -> float:
        """Severity × reach: the severity's points for each endpoint or task it
        reaches (at least one), so a warning on ten endpoints ranks above an
        error in one helper."""
        return WEIGHT[self.severity] * max(1, self.reach)

    @property
    def effort(self) -> str:
        return effort(self.fix_kind, self.count, self.fixable)[0]

    @property
    def effort_reason(self) -> str:
        return effort(self.fix_kind, self.count, self.fixable)[1]

    @property
    def security(self) -> bool:
        """A security rule by its tags (a CWE alone does not make one: CWE-400,
        resource exhaustion, is a missing timeout's weakness too)."""
        return "security" in self.tags


def effort(fix_kind: str, places: int, fixable: int) -> tuple[str, str]:
    """S/M/L from the kind of fix and the number of places, with the reason."""
    where = f"{places} place{'s' if places != 1 else ''}"
    if fix_kind == "always" or (fixable and fixable == places):
        size = "S" if places <= 20 else "M"
        each = "the one place" if places == 1 else f"each of the {where}"
        return size, f"a quick fix in the editor for {each}"
    if fix_kind == "sometimes" and fixable:
        size = "S" if places <= 3 else "M" if places <= 15 else "L"
        return size, f"{where}, {fixable} with a quick fix, the others by hand"
    size = "S" if places == 1 else "M" if places <= 8 else "L"
    return size, f"a change by hand in {where}"


def by_rule(items, catalogue) -> list[Group]:
    """Items (already ranked) grouped by rule; groups in the order of their most
    important item's severity, then priority, then count."""
    groups: dict[str, Group] = {}
    for i in items:
        g = groups.get(i.code)
        if g is None:
            rule = catalogue.rules[i.code]
            g = groups[i.code] = Group(
                code=i.code,
                name=i.name,
                title=rule.title,
                severity=i.severity,
                why=i.why,
                fix=i.fix,
                section=i.section,
                tags=i.tags,
                cwe=rule.cwe,
                fix_kind=rule.fix,
                confidence=rule.confidence,
            )
        elif Severity(i.severity).rank < Severity(g.severity).rank:
            g.severity = i.severity
        g.items.append(i)
    return sorted(
        groups.values(),
        key=lambda g: (Severity(g.severity).rank, -g.priority, -g.count, g.code),
    )


def _listed(names: list[str], limit: int = 3) -> str:
    from .mdtext import code

    shown = ", ".join(code(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def reach_md(g: Group) -> str:
    """`; on 2 endpoints (`GET /a`, `POST /b`) and in 1 task (`send`)`, or ``."""
    parts = []
    if g.endpoints:
        n = len(g.endpoints)
        parts.append(f"on {n} endpoint{'s' if n != 1 else ''} ({_listed(g.endpoints)})")
    if g.tasks:
        n = len(g.tasks)
        parts.append(f"in {n} task{'s' if n != 1 else ''} ({_listed(g.tasks)})")
    return "; " + " and ".join(parts) if parts else ""


def reach_short(g: Group) -> str:
    """`2 endpoints, 1 task`, or `–` (a table cell)."""
    parts = []
    if g.endpoints:
        parts.append(f"{len(g.endpoints)} endpoint{'s' if len(g.endpoints) != 1 else ''}")
    if g.tasks:
        parts.append(f"{len(g.tasks)} task{'s' if len(g.tasks) != 1 else ''}")
    return ", ".join(parts) or "–"


def places_short(g: Group) -> str:
    """`8 in 2 files`, `1`."""
    return f"{g.count} in {g.files} files" if g.files > 1 else str(g.count)


def where_md(item) -> str:
    """What runs the code of a finding: ` (in `GET /orders/`)`, or ``."""
    from .mdtext import code

    if item.endpoint:
        return f" (in {code(item.endpoint)})"
    if item.task:
        return f" (in task {code(item.task)})"
    return ""
