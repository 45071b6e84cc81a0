"""Each score says which rules cost how many points."""

from __future__ import annotations

from backend_lens import catalogue
from backend_lens.model import Finding, Severity
from backend_lens.report.scoring import compute


def _finding(code: str, severity: Severity, line: int) -> Finding:
    return Finding(
        code=code, message="m", path="/p/a.py", start=(line, 0), end=(line, 1), severity=severity
    )


def test_points_by_rule_add_up_to_the_penalty_and_are_named():
    cat = catalogue.load()
    findings = [
        _finding("TASK001", Severity.WARNING, 1),
        _finding("TASK001", Severity.WARNING, 2),
        _finding("DOM001", Severity.INFO, 3),
        _finding("ORM001", Severity.WARNING, 4),
    ]
    scores = compute(findings, cat, lines=500)
    service = scores["service"]
    codes = [code for code, _, _ in service.by_rule]
    assert codes == ["TASK001", "DOM001"]  # the costliest first; ORM001 weighs on database
    assert service.by_rule[0][1] == 2
    assert round(sum(p for _, _, p in service.by_rule), 2) == service.penalty
    assert service.explanation.endswith(
        f"; points by rule: TASK001 ×2 {service.by_rule[0][2]:.2f}, DOM001 ×1 {service.by_rule[1][2]:.2f}"
    )
    assert scores["api"].by_rule == () and "points by rule" not in scores["api"].explanation


def test_more_than_six_rules_are_summed_up():
    cat = catalogue.load()
    codes = [r.code for r in cat if r.score == "database"][:8]
    scores = compute([_finding(c, Severity.WARNING, i) for i, c in enumerate(codes, 1)], cat, 500)
    assert scores["database"].explanation.endswith(" and 2 more rules")
    assert len(scores["database"].by_rule) == 8
