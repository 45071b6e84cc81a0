"""Recommendations a lead can plan with, and the roadmap that orders them.

Each rule with findings becomes one recommendation, placed once, in the most
fitting list: critical rules under High Priority, other security rules (the
`security` tag) under Security Enhancements, other high-severity rules
under High Priority,
performance and scalability rules under theirs, the rest under Medium Priority.
Within a list they are ranked by severity × reach (report/groups.py: the
severity's points for each endpoint or task the findings sit in) and carry an
effort estimate (S/M/L from the kind of fix and the number of places) and the
places they resolve.

The roadmap puts them into phases and says why each is where it is."""

from __future__ import annotations

from ..model import Severity
from .groups import Group
from .mdtext import code as md_code
from .mdtext import text as md_text

BUCKETS = ("high", "medium", "performance", "scalability", "security")
SHOWN = 3  # places named in a recommendation; the section and the appendix have all


def bucket(g: Group) -> str:
    if g.severity == "critical":
        return "high"
    if g.security:
        return "security"
    if g.severity == "error":
        return "high"
    if "performance" in g.tags:
        return "performance"
    if "scalability" in g.tags:
        return "scalability"
    return "medium"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _reach(g: Group) -> str:
    parts = []
    if g.endpoints:
        parts.append(_plural(len(g.endpoints), "endpoint"))
    if g.tasks:
        parts.append(_plural(len(g.tasks), "task"))
    return f", reaching {' and '.join(parts)}" if parts else ""


def line(g: Group) -> str:
    places = ", ".join(md_code(i.location) for i in g.items[:SHOWN])
    more = f" and {g.count - SHOWN} more" if g.count > SHOWN else ""
    quick = (
        f" A quick fix in the editor handles {'all' if g.fixable == g.count else g.fixable} of them."
        if g.fixable
        else ""
    )
    return (
        f"**{md_text(g.title)}** ({g.code}, {g.severity}, {_plural(g.count, 'place')}"
        f"{f' in {g.files} files' if g.files > 1 else ''}{_reach(g)}; effort {g.effort}: "
        f"{g.effort_reason}). {g.fix}{quick} Resolves {places}{more}."
    )


def ranked(groups: list[Group]) -> list[Group]:
    return sorted(groups, key=lambda g: (-g.priority, Severity(g.severity).rank, -g.count, g.code))


def recommend(groups: list[Group]) -> tuple[dict[str, list[str]], dict[str, list[Group]]]:
    """(Markdown lines per list, the groups per list), each rule in one list."""
    placed: dict[str, list[Group]] = {b: [] for b in BUCKETS}
    for g in groups:
        placed[bucket(g)].append(g)
    placed = {b: ranked(gs) for b, gs in placed.items()}
    return {b: [line(g) for g in gs] for b, gs in placed.items()}, placed


def empty_notes(placed: dict[str, list[Group]]) -> dict[str, str]:
    """What an empty list says, pointing to where related work went."""
    severe_security = [g for g in placed["security"] if g.severity == "error"]
    high = "No critical or high-severity findings: nothing must be fixed before the next release."
    if severe_security:
        n = len(severe_security)
        high = (
            "No critical findings, and the high-severity "
            + (
                "rule with findings is a security rule"
                if n == 1
                else f"rules with findings ({n}) are security rules"
            )
            + ", listed under Security Enhancements."
        )
    return {
        "high": high,
        "medium": "No other medium-severity findings.",
        "performance": "No performance findings: the analysed queries and calls showed no N+1 reads, "
        "missing indexes or blocking calls.",
        "scalability": "No scalability findings in the analysed code.",
        "security": "No security findings in the analysed code."
        if not placed["high"] or not any(g.security for g in placed["high"])
        else "No security findings besides the critical ones under High Priority.",
    }


def _phase_list(gs: list[Group]) -> str:
    return "; ".join(
        f"{g.code} {md_text(g.title)} ({_plural(g.count, 'place')}, effort {g.effort})" for g in gs
    )


def _why(reasons: list[str]) -> str:
    return (
        reasons[0] if len(reasons) == 1 else ", and ".join([", ".join(reasons[:-1]), reasons[-1]])
    )


def roadmap(groups: list[Group]) -> list[str]:
    """Phases, each with the rules in it and the reason for its place."""
    now, soon, planned, later = [], [], [], []
    for g in ranked(groups):
        if g.severity == "critical" or (g.security and g.severity == "error"):
            now.append(g)
        elif g.severity == "error" or (g.effort == "S" and g.reach and g.severity == "warning"):
            soon.append(g)
        elif g.severity == "warning":
            planned.append(g)
        else:
            later.append(g)
    road = []
    # phases are numbered among those that have something in them
    numbers = iter(range(1, 5))
    if now:
        reasons = []
        if any(g.severity == "critical" for g in now):
            reasons.append(
                "critical findings put data or the system at risk as soon as the code runs"
            )
        if any(g.severity == "error" for g in now):
            reasons.append("high-severity security findings are open doors")
        road.append(
            f"**Phase {next(numbers)}, before the next release:** {_phase_list(now)}. Why first: {_why(reasons)}."
        )
    if soon:
        reasons = []
        if any(g.severity == "error" for g in soon):
            reasons.append("high-severity findings")
        if any(g.severity == "warning" for g in soon):
            reasons.append(
                "small fixes (effort S) in code that serves requests or runs in workers, which pay off at once"
            )
        road.append(
            f"**Phase {next(numbers)}, the next sprint:** {_phase_list(soon)}. Why next: {_why(reasons)}."
        )
    if planned:
        heavy = [g for g in planned if g.effort != "S"]
        road.append(
            f"**Phase {next(numbers)}, planned work:** {_phase_list(planned)}. Medium-severity findings, ranked by "
            "severity × reach"
            + (
                f"; {'the M or L item is a change' if len(heavy) == 1 else 'the M and L items are changes'} "
                "by hand across several places, worth a ticket of its own."
                if heavy
                else "."
            )
        )
    if later:
        road.append(
            f"**Phase {next(numbers)}, when the code is touched:** {_phase_list(later)}. Informational findings: "
            "fix them alongside other work in those files."
        )
    road.append(
        "**Keep it there:** run `backend-lens check --format sarif` in CI (with `--baseline` to "
        "report only new findings on a legacy code base) so new findings show up in review."
    )
    return road
