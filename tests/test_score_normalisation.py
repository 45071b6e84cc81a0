"""The scores are judged per 1,000 lines of application code: tests, migrations and
scripts add neither lines nor findings, and a larger code base with the same
findings scores higher."""

from __future__ import annotations

import json

from backend_lens import catalogue
from backend_lens.engine.project import Project
from backend_lens.model import Finding, Severity
from backend_lens.report.build import build_report, render
from backend_lens.report.scoring import MIN_LINES, compute

from .helpers import write_files

APP = """
import requests
from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping():
    return requests.get("https://example.com/health").text
"""
# a tests module with an outbound call of its own (INT001 in a test does not count)
TEST = "import requests\n\n\ndef test_ping():\n    requests.get('https://example.com')\n"


def _filler(n: int) -> str:
    return "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(n))


def _report(tmp_path, files):
    write_files(tmp_path, files)
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    return build_report(project)


def test_tests_migrations_and_scripts_change_neither_the_lines_judged_nor_the_score(tmp_path):
    base = _report(tmp_path / "a", {"app/__init__.py": "", "app/views.py": APP})
    service = base.scores["service"]
    assert service.findings == 1 and service.value is not None and service.value < 10
    bigger = _report(
        tmp_path / "b",
        {
            "app/__init__.py": "",
            "app/views.py": APP,
            "tests/test_views.py": TEST + _filler(400),
            "app/migrations/__init__.py": "",
            "app/migrations/0001_initial.py": _filler(300),
            "scripts/load.py": TEST.replace("def test_ping", "def load") + _filler(300),
        },
    )
    assert bigger.lines > base.lines + 3000
    assert bigger.application_lines == base.application_lines
    assert bigger.scores["service"].value == service.value
    assert bigger.scores["service"].findings == 1  # the calls in tests and scripts do not count
    md = render(bigger, "markdown")
    assert f"{bigger.lines} lines ({bigger.application_lines} of them application code" in md
    data = json.loads(render(bigger, "json"))
    assert (data["lines"], data["application_lines"]) == (bigger.lines, bigger.application_lines)


def test_more_application_code_with_the_same_findings_scores_higher(tmp_path):
    small = _report(tmp_path / "a", {"app/__init__.py": "", "app/views.py": APP})
    large = _report(
        tmp_path / "b",
        {"app/__init__.py": "", "app/views.py": APP, "app/helpers.py": _filler(1500)},
    )
    assert large.application_lines > 5000 > small.application_lines
    assert large.scores["service"].findings == small.scores["service"].findings == 1
    assert large.scores["service"].value > small.scores["service"].value


def test_settings_count_as_application_code_and_test_settings_do_not(tmp_path):
    settings = "DEBUG = False\nALLOWED_HOSTS = ['example.com']\n" + "X = 1\n" * 50
    views = _report(tmp_path / "a", {"app/__init__.py": "", "app/views.py": APP})
    report = _report(
        tmp_path / "b",
        {
            "app/__init__.py": "",
            "app/views.py": APP,
            "app/settings.py": settings,
            "app/settings_test.py": settings,
        },
    )
    added = report.application_lines - views.application_lines
    assert added >= 52  # settings.py
    assert report.lines - report.application_lines == added  # settings_test.py


def _finding(code: str, severity: Severity, line: int = 1) -> Finding:
    return Finding(
        code=code, message="m", path="/p/a.py", start=(line, 0), end=(line, 1), severity=severity
    )


def test_the_score_is_ten_over_one_plus_the_points_per_thousand_lines():
    cat = catalogue.load()
    assert cat.rules["INT001"].score == "service"
    points = 0.75 * {"high": 1.0, "medium": 0.6}[cat.rules["INT001"].confidence]
    one = [_finding("INT001", Severity.WARNING)]
    # the same finding in twice the code counts half as much
    s1 = compute(one, cat, lines=4000)["service"]
    s2 = compute(one, cat, lines=8000)["service"]
    assert s1.value == int(100 / (1 + points / 4)) / 10
    assert s2.value == int(100 / (1 + points / 8)) / 10
    assert s1.value < s2.value < 10
    assert "per 1,000 lines" in s1.explanation and f"{points:.2f} points" in s1.explanation
    # no finding: 10; one point per 1,000 lines: 5
    assert compute([], cat, lines=4000)["service"].value == 10.0
    eight_points = [_finding("TASK001", Severity.CRITICAL, i) for i in (1, 2)] + [
        _finding("TASK001", Severity.INFO, i) for i in range(3, 11)
    ]
    assert cat.rules["TASK001"].score == "service"
    factor = {"high": 1.0, "medium": 0.6}[cat.rules["TASK001"].confidence]
    assert compute(eight_points, cat, lines=int(8000 * factor))["service"].value == 5.0


def test_a_small_project_counts_as_the_minimum_and_a_finding_keeps_a_score_below_ten():
    cat = catalogue.load()
    one = [_finding("INT001", Severity.WARNING)]
    tiny = compute(one, cat, lines=40)["service"]
    assert tiny.value == compute(one, cat, lines=MIN_LINES)["service"].value
    assert "(the minimum)" in tiny.explanation
    # a single info finding in a very large code base still shows below 10
    info = [_finding("DOM001", Severity.INFO)]
    assert compute(info, cat, lines=5_000_000)["service"].value == 9.9
