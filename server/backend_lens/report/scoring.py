"""The score model. Each of the three scores starts at 10 and loses points for
the findings of the rules that weigh on it; the loss is scaled down for larger
code bases, so a project is not punished for being big."""

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

MODEL_TEXT = (
    "Each score starts at 10. Every finding of a rule that weighs on it subtracts its severity's "
    "points (critical 3, error 1.5, warning 0.75, info 0.25) times its confidence (high 1.0, medium "
    "0.6); the sum is divided by the size factor √(lines ÷ 1,000), at least 1, and the score is "
    "rounded to one decimal, never below 0; after each score, the points each rule cost, the costliest first. A score needs something to judge: with no endpoint "
    "(API Design), no ORM model, database setting or engine (Database Performance), or neither "
    "endpoints, models nor background tasks (Service Architecture), the score is not given and "
    "says why, rather than a 10 for code the tool did not recognise. Findings in tests, test "
    "settings, scripts and (except the migration rules) migrations are listed but not scored "
    "unless the `include-tests` setting is on."
)


@dataclass(frozen=True)
class Score:
    key: str
    name: str
    value: float | None  # None: not enough evidence to judge
    findings: int
    penalty: float
    explanation: str
    # (rule code, findings, points before the size factor), the costliest first
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


def size_factor(lines: int) -> float:
    return max(1.0, math.sqrt(lines / 1000))


def compute(
    findings: list[Finding],
    catalogue: Catalogue,
    lines: int,
    missing: dict[str, str] | None = None,
) -> dict[str, Score]:
    """``missing``: score key -> why there is not enough evidence to judge it."""
    missing = missing or {}
    factor = size_factor(lines)
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
        value = round(max(0.0, 10.0 - penalty / factor), 1)
        explanation = (
            f"{name}: 10 − {penalty:.2f} points from {count} finding{'s' if count != 1 else ''} "
            f"÷ size factor {factor:.2f} = {value:.1f}" + breakdown(by_rule)
        )
        out[key] = Score(key, name, value, count, round(penalty, 2), explanation, by_rule)
    return out
