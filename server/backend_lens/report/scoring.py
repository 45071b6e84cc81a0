"""The score model (docs/scoring.md). Each of the three scores is judged on the
density of its findings: points of the findings that weigh on it (severity times
confidence) per 1,000 lines of application code, so a large project is judged on
the same scale as a small one. The score is 10 ÷ (1 + density): no findings give
10, one point per 1,000 lines gives 5, three give 2.5. The constants were chosen
on the calibration set listed in docs/scoring.md (benchmarks/calibrate.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..catalogue import Catalogue
from ..model import Finding

WEIGHTS = {"critical": 3.0, "error": 1.5, "warning": 0.75, "info": 0.25}
CONFIDENCE = {"high": 1.0, "medium": 0.6}
SCORE_NAMES = {
    "api": "API Design",
    "database": "Database Performance",
    "service": "Service Architecture",
}

# a project smaller than this is judged as if it had this many lines: one finding
# in a small service does not read as a flood (project-wide rules such as "no rate
# limit anywhere" fire once whatever the size), see docs/scoring.md
MIN_LINES = 3000

MODEL_TEXT = (
    "Each score is judged on the density of its findings. Every finding of a rule that weighs "
    "on it counts its severity's points (critical 3, error 1.5, warning 0.75, info 0.25) times "
    "its confidence (high 1.0, medium 0.6); the points are divided by the thousands of lines of "
    "application code (at least 3,000 lines), and the score is 10 ÷ (1 + points per 1,000 "
    "lines), rounded down to one decimal: no finding gives 10, 0.25 points per 1,000 lines 8, "
    "1 point 5, 3 points 2.5. Application code is the code whose findings are scored: tests, "
    "test settings, fixtures, migrations, scripts, management commands and docs are left out of "
    "both the lines and the findings (production, development and undecided settings count), "
    "unless the `include-tests` setting is on; migration rules still score the latest "
    "migrations. After each score, the points each rule cost, the costliest first. A score "
    "needs something to judge: with no endpoint (API Design), no ORM model, database setting or "
    "engine (Database Performance), or neither endpoints, models nor background tasks (Service "
    "Architecture), the score is not given and says why, rather than a 10 for code the tool did "
    "not recognise."
)


@dataclass(frozen=True)
class Score:
    key: str
    name: str
    value: float | None  # None: not enough evidence to judge
    findings: int
    penalty: float
    explanation: str
    # (rule code, findings, points before they are divided by the lines), the costliest first
    by_rule: tuple[tuple[str, int, float], ...] = ()

    @property
    def shown(self) -> str:
        return "not enough evidence" if self.value is None else f"{self.value}/10"


def breakdown(by_rule, shown: int = 6) -> str:
    """`; points by rule: TASK001 ×6 4.50, CACHE001 ×1 0.75` (the costliest first)."""
    if not by_rule:
        return ""
    parts = [f"{code} ×{n} {points:.2f}" for code, n, points in by_rule[:shown]]
    rest = len(by_rule) - shown
    return (
        "; points by rule: "
        + ", ".join(parts)
        + (f" and {rest} more rule{'s' if rest > 1 else ''}" if rest > 0 else "")
    )


def measure_lines(project) -> tuple[int, int]:
    """(lines, application lines) of the files analysed: every Python file, then
    the files whose findings weigh on the scores (facts.kinds.is_application_code;
    every file when ``include-tests`` is on). Dependency manifests are not code."""
    from ..engine import manifests
    from ..facts.kinds import is_application_code

    total = application = 0
    for path, result in project.results.items():
        rel = project.rel(path)
        if manifests.kind_of(rel) is not None:
            continue
        total += result.lines
        if project.config.include_tests or is_application_code(result.facts, rel, project.index):
            application += result.lines
    return total, application


def density(points: float, lines: int) -> float:
    """Points per 1,000 lines of application code (at least MIN_LINES lines)."""
    return points / (max(lines, MIN_LINES) / 1000)


def value_of(points: float, lines: int) -> float:
    """10 ÷ (1 + density), rounded down to one decimal: a score with a finding is
    below 10."""
    raw = 10.0 / (1.0 + density(points, lines))
    return math.floor(raw * 10 + 1e-9) / 10


def compute(
    findings: list[Finding],
    catalogue: Catalogue,
    lines: int,
    missing: dict[str, str] | None = None,
) -> dict[str, Score]:
    """``lines``: lines of application code; ``missing``: score key -> why there is
    not enough evidence to judge it."""
    missing = missing or {}
    size = max(lines, MIN_LINES)
    out = {}
    for key, name in SCORE_NAMES.items():
        penalty = 0.0
        count = 0
        per_rule: dict[str, list] = {}
        for f in findings:
            rule = catalogue.rules[f.code]
            if rule.score != key:
                continue
            count += 1
            points = WEIGHTS[f.severity.value] * CONFIDENCE.get(rule.confidence, 0.6)
            penalty += points
            entry = per_rule.setdefault(f.code, [0, 0.0])
            entry[0] += 1
            entry[1] += points
        by_rule = tuple(
            sorted(
                ((code, n, round(points, 2)) for code, (n, points) in per_rule.items()),
                key=lambda r: (-r[2], r[0]),
            )
        )
        if key in missing:
            out[key] = Score(
                key,
                name,
                None,
                count,
                round(penalty, 2),
                f"{name}: not enough evidence ({missing[key]})",
                by_rule,
            )
            continue
        value = value_of(penalty, lines)
        per = density(penalty, lines)
        explanation = (
            f"{name}: {penalty:.2f} points from {count} finding{'s' if count != 1 else ''} "
            f"in {size:,} lines{' (the minimum)' if lines < MIN_LINES else ''} = {per:.2f} per 1,000 "
            f"lines; 10 ÷ (1 + {per:.2f}) = {value:.1f}" + breakdown(by_rule)
        )
        out[key] = Score(key, name, value, count, round(penalty, 2), explanation, by_rule)
    return out
