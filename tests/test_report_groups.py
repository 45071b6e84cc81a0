"""The report groups findings by rule: in a section, one entry per rule with its
why and fix once, the count, what it reaches and the most important places; every
finding in the appendix; each rule recommended once, with an effort estimate; the
roadmap in phases with their reasons."""

from __future__ import annotations

import re
from pathlib import Path

from backend_lens.cli import main
from backend_lens.report.groups import effort, enclosing

from .helpers import write_files

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"

# INT001 five times: in two endpoints, a task, a helper and a module-level function
SERVICE = {
    "svc/__init__.py": "",
    "svc/worker.py": """
        from celery import Celery

        celery_app = Celery("svc")
    """,
    "svc/app.py": """
        import requests
        from fastapi import FastAPI

        from .worker import celery_app

        app = FastAPI()


        def helper():
            return requests.get("https://partner.example.com/status")


        @app.get("/orders")
        def list_orders():
            return requests.get("https://partner.example.com/orders")


        @app.post(
            "/orders",
        )
        def create_order():
            return requests.post("https://partner.example.com/orders", json={})


        @celery_app.task
        def sync_orders():
            requests.get("https://partner.example.com/sync")


        def report():
            requests.get("https://partner.example.com/report")
    """,
}


def _report(capsys, path: Path, *args) -> str:
    assert main(["report", str(path), "-q", "--no-cache", *args]) == 0
    return capsys.readouterr().out


def _section(md: str, heading: str) -> str:
    return md.split(f"### {heading}\n")[1].split("\n### ")[0].split("\n## ")[0]


def test_a_rule_is_one_entry_with_its_count_reach_and_top_places(tmp_path, capsys):
    write_files(tmp_path, SERVICE)
    md = _report(capsys, tmp_path)
    section = _section(md, "Integration & Communication Patterns")
    entries = re.findall(r"^- \*\*INT001\*\*.*$", section, re.M)
    assert len(entries) == 1
    assert entries[0].startswith(
        "- **INT001** [warning] Outgoing HTTP call has no timeout: 5 places; "
        "on 2 endpoints (`GET /orders`, `POST /orders`) and in 1 task (`sync_orders`); effort S"
    )
    # why and fix once for the rule, not once per place
    assert section.count("*Why:*") == len(re.findall(r"^- \*\*[A-Z]+\d{3}\*\*", section, re.M))
    # the places on request paths first, then the task, then the rest in the appendix
    places = re.findall(r"^  - `(svc/app\.py:\d+)`(.*?) — ", section, re.M)
    assert places == [
        ("svc/app.py:15", " (in `GET /orders`)"),
        ("svc/app.py:22", " (in `POST /orders`)"),
        ("svc/app.py:27", " (in task `sync_orders`)"),
    ]
    assert "  - and 2 more, listed in the appendix" in section
    appendix = md.split("## Appendix: All Findings")[1]
    listed = re.findall(r"^- \*\*INT001\*\* \[warning\] `svc/app\.py:(\d+)`", appendix, re.M)
    assert sorted(map(int, listed)) == [10, 15, 22, 27, 31]


def test_every_finding_is_in_the_appendix_once(capsys):
    md = _report(capsys, SHOP)
    body, appendix = md.split("## Appendix: All Findings")
    total = int(re.search(r"Python files, [\d,]+ lines? \([^)]*\), (\d+) findings", body).group(1))
    assert len(re.findall(r"^- \*\*[A-Z]+\d{3}\*\* \[\w+\] `", appendix, re.M)) == total
    # the sections count them the same way
    counted = sum(int(n) for n in re.findall(r"^Findings: (\d+)", body, re.M))
    assert counted == total


def _recommended(md: str) -> dict[str, list[str]]:
    part = md.split("## Implementation Recommendations")[1].split("## Implementation Planning")[0]
    out = {}
    for block in part.split("\n### ")[1:]:
        heading, _, rest = block.partition("\n")
        out[heading] = re.findall(r"^- \*\*.*?\*\* \(([A-Z]+\d{3}), ", rest, re.M)
    return out


def test_each_rule_is_recommended_once_in_the_most_fitting_list(capsys):
    md = _report(capsys, SHOP)
    rec = _recommended(md)
    codes = [c for listed in rec.values() for c in listed]
    appendix = md.split("## Appendix: All Findings")[1]
    with_findings = set(re.findall(r"^- \*\*([A-Z]+\d{3})\*\*", appendix, re.M))
    assert sorted(codes) == sorted(with_findings)  # each once, none missing
    assert "VAL001" in rec["High Priority Implementations"]  # critical
    assert "AUTH001" in rec["Security Enhancements"]  # a security rule
    assert "ORM001" in rec["Performance Optimizations"]
    assert "INT001" in rec["Scalability Improvements"]  # CWE-400, but not a security rule
    assert "MIG001" in rec["Medium Priority Implementations"]
    # ranked by severity × reach: ORM001 reaches an endpoint and a task, DBP001 nothing
    perf = rec["Performance Optimizations"]
    assert perf.index("ORM001") < perf.index("DBP001")
    line = next(x for x in md.splitlines() if "(ORM001, warning" in x)
    assert "2 places in 2 files, reaching 1 endpoint and 1 task; effort S" in line
    assert "Resolves `orders/views.py:89`, `payments/tasks.py:50`." in line


def test_fix_advice_stops_before_examples_and_numbered_steps(capsys):
    md = _report(capsys, SHOP)
    body = md.split("## Appendix")[0]
    assert "```" not in body
    sec001 = next(x for x in body.splitlines() if "(SEC001, error" in x)
    assert "By hand: read the value from the environment" in sec001
    assert " 2." not in sec001
    auth = next(x for x in body.splitlines() if "(AUTH001, error" in x)
    assert "(`backend-lens explain AUTH001` shows how)." in auth


def test_the_roadmap_puts_rules_in_phases_and_says_why(capsys):
    md = _report(capsys, SHOP)
    road = _section(md, "Development Roadmap")
    phases = re.findall(r"^- \*\*(Phase \d)[^*]*\*\* (.*)$", road, re.M)
    assert [p for p, _ in phases] == ["Phase 1", "Phase 2", "Phase 3", "Phase 4"]
    text = dict(phases)
    assert "VAL001" in text["Phase 1"] and "SEC001" in text["Phase 1"]
    assert "Why first: critical findings" in text["Phase 1"]
    assert "high-severity security findings" in text["Phase 1"]
    assert "TXN001" in text["Phase 2"]  # high severity, not a security rule
    assert "ORM002" in text["Phase 4"]  # info
    for code in ("VAL001", "TXN001", "ORM002", "MIG001"):
        assert sum(code in t for t in text.values()) == 1


def test_long_tables_are_cut_in_the_section_and_whole_in_the_appendix(tmp_path, capsys):
    models = "from django.db import models\n\n" + "".join(
        f"\nclass Thing{n}(models.Model):\n    name = models.CharField(max_length=10)\n"
        for n in range(25)
    )
    write_files(tmp_path, {"manage.py": "", "things/__init__.py": "", "things/models.py": models})
    md = _report(capsys, tmp_path)
    section = _section(md, "Schema Design & Modeling")
    assert len(re.findall(r"^\| Thing\d+ ", section, re.M)) == 20
    assert "The first 20 of 25 rows; the whole table is in the appendix." in section
    whole = md.split("#### Schema Design & Modeling: the whole table")[1]
    assert len(re.findall(r"^\| Thing\d+ ", whole, re.M)) == 25


def test_a_short_table_stays_whole_without_an_appendix(tmp_path, capsys):
    write_files(
        tmp_path,
        {
            "manage.py": "",
            "things/__init__.py": "",
            "things/models.py": "from django.db import models\n\n\nclass Thing(models.Model):\n"
            "    name = models.CharField(max_length=10)\n",
        },
    )
    md = _report(capsys, tmp_path)
    assert "| Thing |" in _section(md, "Schema Design & Modeling")
    assert "the whole table" not in md


def test_effort_grows_with_places_and_manual_work():
    assert effort("always", 1, 1)[0] == "S"
    assert effort("always", 40, 40)[0] == "M"
    assert effort("sometimes", 2, 1) == ("S", "2 places, 1 with a quick fix, the others by hand")
    assert effort("sometimes", 30, 3)[0] == "L"
    assert effort("none", 1, 0) == ("S", "a change by hand in 1 place")
    assert effort("none", 5, 0)[0] == "M"
    assert effort("none", 9, 0)[0] == "L"
    # a rule whose fix is sometimes automatic, with no automatic fix for these places
    assert effort("sometimes", 2, 0) == ("M", "a change by hand in 2 places")


def test_enclosing_definitions_by_indentation():
    lines = [
        "import x\n",  # 1
        "@app.get(\n",  # 2
        "    '/a',\n",  # 3
        ")\n",  # 4
        "def a():\n",  # 5
        "    def inner():\n",  # 6
        "        pass\n",  # 7
        "    x.call()\n",  # 8
        "class V:\n",  # 9
        "    async def get(self):\n",  # 10
        "        if y:\n",  # 11
        "            x.call()\n",  # 12
        "\n",  # 13
        "x.call()\n",  # 14
    ]
    assert enclosing(lines, 8) == [5]  # not the sibling `inner`
    assert enclosing(lines, 7) == [6, 5]
    assert enclosing(lines, 12) == [10, 9]
    assert enclosing(lines, 9) == [9]  # a finding on the class line itself
    assert enclosing(lines, 14) == []
    assert enclosing(lines, 99) == []


def test_fix_advice_reads_as_one_sentence_for_every_rule():
    """The fix the report gives is the rule page's first piece of advice, whole:
    no fenced example, no flattened list, no sentence cut at an abbreviation."""
    from backend_lens import catalogue
    from backend_lens.report.build import _advice

    for rule in catalogue.load():
        for heading in ("Fix", "Fix with SQLAlchemy"):
            text = rule.sections.get(heading)
            if not text:
                continue
            advice = _advice(text, rule.code)
            assert "```" not in advice, rule.code
            assert not re.search(r"(?:^|\s)- [A-Za-z`]", advice), (rule.code, advice)
            assert not re.search(r"\b(e\.g|i\.e)\.$", advice), (rule.code, advice)
            assert advice.endswith((".", ")", "`")), (rule.code, advice)
    rate = catalogue.load().rules["RATE001"]
    assert "(e.g. `AnonRateThrottle`" in _advice(rate.sections["Fix"], "RATE001")
    cache = catalogue.load().rules["CACHE002"]
    assert _advice(cache.sections["Fix"], "CACHE002").endswith(
        "or leave the argument out so the `CACHES` (or `CACHE_DEFAULT_TIMEOUT`) default applies."
    )
    search = catalogue.load().rules["DBP003"]
    assert _advice(search.sections["Fix"], "DBP003") == (
        "No automatic fix; pick what the search needs (`backend-lens explain DBP003` shows how)."
    )


def test_roadmap_phases_are_numbered_among_those_present(tmp_path, capsys):
    # one warning outside requests and tasks: no phase before it
    write_files(
        tmp_path, {"jobs.py": "import requests\n\n\ndef sync():\n    requests.get('https://x')\n"}
    )
    road = _section(_report(capsys, tmp_path), "Development Roadmap")
    assert re.findall(r"^- \*\*(Phase \d, [^:*]+):", road, re.M) == ["Phase 1, planned work"]


def test_a_snippet_keeps_its_lines_shape_without_the_shared_indentation(tmp_path):
    from backend_lens.report.groups import Locator

    class Inventory:
        endpoints = ()
        tasks = ()

    class Project:
        overlay: dict = {}

    (tmp_path / "m.py").write_text(
        "class A:\n    def f(self):\n        for x in y:\n            x.save()\n\n        return 1\n"
    )
    place = Locator(Project(), Inventory()).place(str(tmp_path / "m.py"), "m.py", 4)
    assert place.snippet == [
        (2, "def f(self):"),
        (3, "    for x in y:"),
        (4, "        x.save()"),
        (5, ""),
        (6, "    return 1"),
    ]


def test_findings_at_a_glance_is_one_row_per_rule_the_most_severe_first(capsys):
    md = _report(capsys, SHOP)
    summary = md.split("## Executive Summary")[1].split("\n## ")[0]
    rows = re.findall(
        r"^\| ([A-Z]+\d{3}) \| (\w+) \| (.*?) \| (.*?) \| (.*?) \| ([SML]) \| (.*?) \|$",
        summary,
        re.M,
    )
    appendix = md.split("## Appendix: All Findings")[1]
    codes = re.findall(r"^- \*\*([A-Z]+\d{3})\*\*", appendix, re.M)
    assert sorted(r[0] for r in rows) == sorted(set(codes))  # every rule once
    ranks = ["critical", "error", "warning", "info"]
    assert [ranks.index(r[1]) for r in rows] == sorted(ranks.index(r[1]) for r in rows)
    orm = next(r for r in rows if r[0] == "ORM001")
    assert orm[3:] == ("2 in 2 files", "1 endpoint, 1 task", "S", "Query Optimization & ORM Usage")
    assert orm[2] == "Related object read in a loop without select_related or prefetch_related"
    # the same counts as the rule's entry in its section
    assert codes.count("ORM001") == 2
    sec = next(r for r in rows if r[0] == "SEC001")
    assert sec[3:5] == ("2", "–")
    # within a severity, the rule that reaches more comes first
    warnings = [r[0] for r in rows if r[1] == "warning"]
    assert warnings.index("PERF001") < warnings.index("DBP001")


def test_no_glance_table_without_findings(tmp_path, capsys):
    write_files(tmp_path, {"app.py": "def f():\n    return 1\n"})
    assert "Findings at a glance" not in _report(capsys, tmp_path)
