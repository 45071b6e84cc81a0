"""`backend-lens report --format json`: the report's data for dashboards, the same
figures the Markdown report shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from backend_lens.catalogue import SECTION_NAMES
from backend_lens.cli import main

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"


def _report(capsys, *args) -> str:
    assert main(["report", str(SHOP), "-q", "--no-cache", *args]) == 0
    return capsys.readouterr().out


def test_json_report_holds_what_the_markdown_report_says(capsys):
    data = json.loads(_report(capsys, "--format", "json"))
    md = _report(capsys)
    assert data["format"] == "backend-lens-report" and data["version"] == 1
    # the three scores, as the Executive Summary gives them
    for key, name in (
        ("api", "API Design"),
        ("database", "Database Performance"),
        ("service", "Service Architecture"),
    ):
        score = data["scores"][key]
        assert score["name"] == name
        assert f"- **{name} Score**: {score['value']}/10" in md
        assert score["explanation"] in md
        # the points each rule cost, which the explanation names too
        assert round(sum(r["points"] for r in score["by_rule"]), 2) == score["penalty"]
        assert sum(r["findings"] for r in score["by_rule"]) == score["findings"]
        for r in score["by_rule"][:6]:
            assert f"{r['code']} ×{r['findings']} {r['points']:.2f}" in score["explanation"]
    assert f"- **Files Analyzed**: {data['files_analyzed']}" in md
    # every finding section of the template, in its order
    headings = [s["heading"] for part in data["parts"] for s in part["sections"]]
    assert [h for h in headings if h in SECTION_NAMES] == list(SECTION_NAMES)
    # each finding once in the flat list, and under its section with its place
    by_section = {s["heading"]: s for part in data["parts"] for s in part["sections"]}
    listed = set(re.findall(r"^- \*\*([A-Z]+\d{3})\*\* \[\w+\] `([^`]+):(\d+)`", md, re.M))
    assert listed == {(f["code"], f["path"], str(f["line"])) for f in data["findings"]}
    task = next(f for f in data["findings"] if f["code"] == "TASK001")
    assert task["path"] == "orders/services.py" and task["line"] == 91
    assert task["severity"] == "warning" and task["section"] == "Background Job Processing"
    assert task in by_section["Background Job Processing"]["findings"]
    assert f"`{task['path']}:{task['line']}`" in md
    # observations are the report's sentences (Markdown)
    for obs in by_section["Background Job Processing"]["observations"]:
        assert obs in md


def test_json_report_tables_are_records(capsys):
    data = json.loads(_report(capsys, "--format", "json"))
    api = next(
        s
        for part in data["parts"]
        for s in part["sections"]
        if s["heading"] == "API Design & Implementation"
    )
    assert api["table"], "the endpoint table"
    first = api["table"][0]
    assert set(first) >= {"Method", "Route", "Handler", "Auth"}


def test_json_report_written_to_a_file(tmp_path, capsys):
    out = tmp_path / "reports" / "report.json"
    assert main(["report", str(SHOP), "--format", "json", "-o", str(out), "-q", "--no-cache"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["root"] and data["scores"]["service"]["value"] is not None


def test_json_report_groups_findings_by_rule_as_the_markdown_does(capsys):
    data = json.loads(_report(capsys, "--format", "json"))
    md = _report(capsys)
    sections = [s for part in data["parts"] for s in part["sections"]]
    for s in sections:
        places = [p for r in s["rules"] for p in r["places"]]
        assert sorted(places) == sorted(f"{f['path']}:{f['line']}" for f in s["findings"])
    orm = next(r for s in sections for r in s["rules"] if r["code"] == "ORM001")
    assert orm["count"] == 2 and orm["effort"] == "S"
    assert orm["endpoints"] == ["GET /api/reports/orders.csv"]
    assert orm["tasks"] == ["reconcile_settlements"]
    assert f"- **ORM001** [{orm['severity']}] {orm['title']}: 2 places" in md
    # each recommendation as a rule, in the list and order of the Markdown lines
    for key, lines in data["recommendations"].items():
        rules = data["recommended_rules"][key]
        assert all(f"({r['code']}, " in line for r, line in zip(rules, lines, strict=True))
    task = next(f for f in data["findings"] if f["code"] == "ORM001" and f["task"])
    assert task["task"] == "reconcile_settlements" and task["endpoint"] is None
