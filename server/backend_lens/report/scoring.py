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
    "rounded to one decimal, never below 0. A score needs something to judge: with no endpoint "
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

    @property
    def shown(self) -> str:
        return "not enough evidence" if self.value is None else f"{self.value}/10"


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
        for f in findings:
            rule = catalogue.rules[f.code]
            if rule.score != key:
                continue
            count += 1
            penalty += WEIGHTS[f.severity.value] * CONFIDENCE.get(rule.confidence, 0.6)
        if key in missing:
            out[key] = Score(
                key,
                name,
                None,
                count,
                round(penalty, 2),
                f"{name}: not enough evidence ({missing[key]})",
            )
            continue
        value = round(max(0.0, 10.0 - penalty / factor), 1)
        explanation = (
            f"{name}: 10 − {penalty:.2f} points from {count} finding{'s' if count != 1 else ''} "
            f"÷ size factor {factor:.2f} = {value:.1f}"
        )
        out[key] = Score(key, name, value, count, round(penalty, 2), explanation)
    return out
