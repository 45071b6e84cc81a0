"""What changed since another revision (``report --compare REF``): the findings
that are new in the working tree, those fixed since REF, and the scores then
and now.

A finding is the same in both when its rule, its file (from PATH) and its
fingerprint are: the fingerprint of ``check --baseline`` (baseline.entries,
sarif.fingerprints: the flagged line's text and which repeat of it, never the
line number), so lines inserted above a finding do not make it new. Of the
findings left, one on each side with the same rule, file and message is the
same finding on an edited line (on real projects: a call reformatted over
several lines, an argument added), counted as unchanged rather than as fixed
and new.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..baseline import Entry, entries
from ..engine.project import Project
from ..model import Severity
from .build import Item, Report, split_scored
from .mdtext import code as md_code

SHOWN = 20  # findings listed in the Markdown per list; the JSON has them all


@dataclass
class Side:
    """One tree's findings as the comparison needs them."""

    scored: dict[Entry, Item]
    unscored: set[Entry]
    scores: dict


def side(project: Project, report: Report, at_ref: bool = False) -> Side:
    """The findings and scores of ``project`` (analysed, with ``report`` built
    from it), each scored finding as the report lists it. Reads the flagged lines
    from disk: call it while the files exist. ``at_ref``: the files are REF's
    temporary copy, so an item keeps no absolute path to link to."""
    findings = list(project.all_findings())
    keys = entries(findings, project.root)  # occurrences counted as check --baseline does
    scored_list, _ = split_scored(project, findings)
    scored_ids = {id(f) for f in scored_list}
    listed = {(i.path, i.line, i.column, i.code, i.message): i for i in report.findings}
    scored: dict[Entry, Item] = {}
    unscored: set[Entry] = set()
    for f, key in zip(findings, keys, strict=True):
        if id(f) in scored_ids:
            item = listed[(project.rel(f.path), f.start[0], f.start[1] + 1, f.code, f.message)]
            scored.setdefault(key, replace(item, abs_path="") if at_ref else item)
        else:
            unscored.add(key)
    return Side(scored, unscored, report.scores)


@dataclass
class ScoreChange:
    key: str
    name: str
    before: float | None  # None: not enough evidence to judge
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)

    @property
    def text(self) -> str:
        """``7.9 → 7.4 (−0.5)``."""

        def shown(v: float | None) -> str:
            return "not enough evidence" if v is None else f"{v}"

        if self.before is None and self.after is None:
            return "not enough evidence then or now"
        d = self.delta
        if d is None:
            tail = ""
        elif d == 0:
            tail = " (no change)"
        else:
            tail = f" ({'+' if d > 0 else '−'}{abs(d)})"
        return f"{shown(self.before)} → {shown(self.after)}{tail}"


def _order(item: Item) -> tuple:
    path, _, line = item.location.rpartition(":")
    return (Severity(item.severity).rank, path, int(line) if line.isdigit() else 0, item.code)


def _by_severity(items: list[Item]) -> str:
    counts: dict[str, int] = {}
    for i in items:
        counts[i.severity] = counts.get(i.severity, 0) + 1
    return ", ".join(
        f"{counts[s.value]} {s.value}"
        for s in sorted(Severity, key=lambda s: s.rank)
        if s.value in counts
    )


@dataclass
class Changes:
    ref: str  # as the user wrote it
    commit: str  # the full object name
    new: list[Item]  # most severe first
    fixed: list[Item]  # as they were at REF
    unchanged: int  # edited included
    scores: list[ScoreChange]
    edited: int = 0  # unchanged findings whose flagged line was edited
    not_scored_new: int = 0  # in tests, scripts, applied migrations
    not_scored_fixed: int = 0
    path_at_ref: bool = True  # False: PATH has no files at REF
    # files of REF that git could not give (not in the object store), from PATH
    unreadable: list[str] = field(default_factory=list)
    shown: int = SHOWN

    @property
    def unreadable_shown(self) -> str:
        shown = ", ".join(md_code(p) for p in self.unreadable[:6])
        more = len(self.unreadable) - 6
        return shown + (f" and {more} more" if more > 0 else "")

    @property
    def counts(self) -> str:
        """``2 new findings (1 error, 1 warning), 1 fixed (1 warning), 14 unchanged``."""
        new = f"{len(self.new)} new finding{'' if len(self.new) == 1 else 's'}"
        if self.new:
            new += f" ({_by_severity(self.new)})"
        fixed = f"{len(self.fixed)} fixed"
        if self.fixed:
            fixed += f" ({_by_severity(self.fixed)})"
        edited = f" ({self.edited} on an edited line)" if self.edited else ""
        return f"{new}, {fixed}, {self.unchanged} unchanged{edited}"


def _still_there(
    new: list[tuple[Entry, Item]], fixed: list[tuple[Entry, Item]]
) -> tuple[list[Item], list[Item], int]:
    """The findings left unmatched, less those found on both sides with the same
    rule, file and message: the same finding on a line that was edited (a
    reformatted call, an argument added), which the fingerprint cannot follow.
    Paired in the order of their lines; returns the new, the fixed and how many
    pairs."""
    waiting: dict[tuple[str, str, str], list[Item]] = {}
    for e, i in sorted(fixed, key=lambda ei: _order(ei[1])):
        waiting.setdefault((e.code, e.path, i.message), []).append(i)
    still, kept_new = 0, []
    for e, i in sorted(new, key=lambda ei: _order(ei[1])):
        group = waiting.get((e.code, e.path, i.message))
        if group:
            group.pop(0)
            still += 1
        else:
            kept_new.append(i)
    kept_fixed = [i for group in waiting.values() for i in group]
    return sorted(kept_new, key=_order), sorted(kept_fixed, key=_order), still


def compare(now: Side, then: Side, ref: str, commit: str, path_at_ref: bool = True) -> Changes:
    new, fixed, edited = _still_there(
        [(k, i) for k, i in now.scored.items() if k not in then.scored],
        [(k, i) for k, i in then.scored.items() if k not in now.scored],
    )
    unchanged = sum(1 for k in now.scored if k in then.scored) + edited
    scores = [
        ScoreChange(
            key,
            s.name,
            then.scores[key].value if key in then.scores else None,
            s.value,
        )
        for key, s in now.scores.items()
    ]
    return Changes(
        ref=ref,
        commit=commit,
        new=new,
        fixed=fixed,
        unchanged=unchanged,
        edited=edited,
        scores=scores,
        not_scored_new=len(now.unscored - then.unscored),
        not_scored_fixed=len(then.unscored - now.unscored),
        path_at_ref=path_at_ref,
    )
