"""LENS001: a `# backend-lens: ignore[...]` comment that silences nothing (or names
no rule) is reported on the comment, once all of its file's findings are final."""

from __future__ import annotations

import json
import subprocess
import sys

import parso
from backend_lens import config
from backend_lens.detectors import base
from backend_lens.engine import analysis
from backend_lens.engine.project import Project
from backend_lens.model import Deferred

from .helpers import analyze_files, apply_fix, only, write_files

MODELS = """
from django.db import models


class Order(models.Model):
    reference = models.CharField(max_length=32)
    status = models.CharField(max_length=20, db_index=True)
"""

# DBP001 is judged late (it reads the model index): `reference` has no index
VIEWS = """
from shop.models import Order


def find(ref):
    return Order.objects.get(reference=ref){comment}
"""


def scan_with_settings(tmp_path, files):
    """Like analyze_files, with the settings of the project's pyproject.toml."""
    write_files(tmp_path, files)
    project = Project(tmp_path, config=config.load(tmp_path), use_jedi=False)
    project.scan()
    return list(project.all_findings())


def lens(found):
    return only(found, "LENS001")


def parses(text: str) -> bool:
    grammar = parso.load_grammar()
    return not list(grammar.iter_errors(grammar.parse(text)))


def test_unused_code_is_reported_on_the_comment(tmp_path):
    line = "    return [order.total for order in orders]  # backend-lens: ignore[ORM001]\n"
    found = analyze_files(tmp_path, {"app.py": "def totals(orders):\n" + line})
    (f,) = lens(found)
    assert f.message == (
        "`# backend-lens: ignore[ORM001]` silences nothing on this statement: remove it"
    )
    assert f.severity.value == "info"
    # the range is the comment itself
    assert f.start == (2, line.index("#")) and f.end == (2, len(line.rstrip("\n")))
    assert f.suppress is None  # not suppressible: see the rule's page
    text = apply_fix(tmp_path, f)["app.py"]
    assert text == "def totals(orders):\n    return [order.total for order in orders]\n"
    assert lens(analyze_files(tmp_path)) == []


def test_unused_bare_ignore_is_reported(tmp_path):
    found = analyze_files(tmp_path, {"app.py": "x = 1  # backend-lens: ignore\ny = 2\n"})
    (f,) = lens(found)
    assert f.message == "`# backend-lens: ignore` silences nothing on this statement: remove it"
    assert apply_fix(tmp_path, f)["app.py"] == "x = 1\ny = 2\n"


def test_one_of_two_codes_unused_removes_only_that_code(tmp_path):
    src = VIEWS.format(comment="  # backend-lens: ignore[ORM001, DBP001]")
    found = analyze_files(tmp_path, {"shop/models.py": MODELS, "shop/views.py": src})
    assert only(found, "DBP001") == []  # still silenced
    (f,) = lens(found)
    assert f.path.endswith("views.py") and f.start[0] == 5
    assert f.message == (
        "`# backend-lens: ignore[ORM001, DBP001]`: `ORM001` silences nothing on this "
        "statement: remove it from the list"
    )
    text = apply_fix(tmp_path, f)["shop/views.py"]
    assert "return Order.objects.get(reference=ref)  # backend-lens: ignore[DBP001]\n" in text
    assert parses(text)
    again = analyze_files(tmp_path)
    assert lens(again) == [] and only(again, "DBP001") == []


def test_unknown_code_is_named(tmp_path):
    src = VIEWS.format(comment="  # backend-lens: ignore[DBP01, DBP001]")
    found = analyze_files(tmp_path, {"shop/models.py": MODELS, "shop/views.py": src})
    (f,) = lens(found)
    assert f.message == (
        "`# backend-lens: ignore[DBP01, DBP001]`: `DBP01` is not a rule code or name: "
        "remove it from the list"
    )
    assert "# backend-lens: ignore[DBP001]" in apply_fix(tmp_path, f)["shop/views.py"]


def test_naming_lens001_is_reported_not_obeyed(tmp_path):
    found = analyze_files(tmp_path, {"app.py": "x = 1  # backend-lens: ignore[LENS001]\n"})
    (f,) = lens(found)
    assert "`LENS001` cannot be silenced with a comment" in f.message
    # a bare ignore on the same line does not silence it either: it is reported itself
    found = analyze_files(tmp_path, {"app.py": "x = 1  # backend-lens: ignore\n"})
    assert len(lens(found)) == 1


def test_text_after_the_comment_stays_a_comment(tmp_path):
    found = analyze_files(
        tmp_path, {"app.py": "x = 1  # backend-lens: ignore[ORM001] kept for the export\n"}
    )
    (f,) = lens(found)
    assert apply_fix(tmp_path, f)["app.py"] == "x = 1  # kept for the export\n"


def test_used_suppressions_are_quiet(tmp_path):
    files = {
        "app.py": (
            "import requests\n"
            "requests.get('http://x')  # backend-lens: ignore[INT001]\n"
            "requests.get('http://y')  # backend-lens: ignore[http-call-without-timeout]\n"
            "requests.get(  # backend-lens: ignore\n    'http://z'\n)\n"
        )
    }
    found = analyze_files(tmp_path, files)
    assert found == []


def test_deferred_finding_suppressed_counts_as_used(tmp_path):
    src = VIEWS.format(comment="  # backend-lens: ignore[DBP001]")
    found = analyze_files(tmp_path, {"shop/models.py": MODELS, "shop/views.py": src})
    assert only(found, "DBP001") == [] and lens(found) == []
    # once the index is there, DBP001 is gone and the comment silences nothing
    indexed = MODELS.replace("max_length=32)", "max_length=32, db_index=True)")
    found = analyze_files(tmp_path, {"shop/models.py": indexed})
    (f,) = lens(found)
    assert f.path.endswith("views.py") and "silences nothing" in f.message


def test_codes_of_rules_turned_off_are_not_judged(tmp_path):
    files = {
        "pyproject.toml": '[tool.backend-lens]\nignore = ["ORM001"]\n',
        "app.py": "x = 1  # backend-lens: ignore[ORM001]\n"
        "y = 2  # backend-lens: ignore[n-plus-one-relation-in-loop]\n",
    }
    assert lens(scan_with_settings(tmp_path, files)) == []


def test_lens001_turned_off_reports_nothing(tmp_path):
    files = {
        "pyproject.toml": '[tool.backend-lens]\nignore = ["unused-suppression"]\n',
        "app.py": "x = 1  # backend-lens: ignore[ORM001]\n",
    }
    assert scan_with_settings(tmp_path, files) == []


def test_look_alikes_in_strings_are_not_comments(tmp_path):
    files = {
        "app.py": (
            "import requests\n"
            "\n"
            "\n"
            "def helper():\n"
            '    """Silence a finding like this:\n'
            "\n"
            "        requests.get(url)  # backend-lens: ignore[INT001]\n"
            '    """\n'
            '    note = "# backend-lens: ignore"\n'
            "    return note\n"
            "\n"
            "\n"
            'HELP = f"{1} # backend-lens: ignore[ORM001]"\n'
            # the look-alike in the string does not silence the call on its statement
            'requests.get("http://x", headers={"h": "# backend-lens: ignore"})\n'
        )
    }
    found = analyze_files(tmp_path, files)
    assert lens(found) == []
    assert [f.start[0] for f in only(found, "INT001")] == [14]


def test_a_comment_after_a_look_alike_on_the_same_line_counts(tmp_path):
    files = {
        "app.py": "import requests\n"
        'requests.get("# backend-lens: ignore[ORM001]")  # backend-lens: ignore[INT001]\n'
    }
    assert analyze_files(tmp_path, files) == []


def test_not_judged_in_a_file_with_syntax_errors(tmp_path):
    files = {"app.py": "x = 1  # backend-lens: ignore[ORM001]\ndef broken(:\n    pass\n"}
    assert lens(analyze_files(tmp_path, files)) == []


def test_the_editor_run_agrees(tmp_path):
    """The language server's incremental analysis: the finding appears when the
    statement stops doing what the comment silenced, and goes when it does again."""
    unused = (
        "import requests\n"
        "from shop.models import Order\n"
        "\n"
        "\n"
        "def find(ref):\n"
        "    return Order.objects.get(reference=ref)  # backend-lens: ignore[DBP001, INT001]\n"
    )
    used = unused.replace("reference=ref)", "reference=requests.get(ref).text)")
    write_files(tmp_path, {"shop/models.py": MODELS, "shop/views.py": unused})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    views = str(tmp_path / "shop" / "views.py")
    assert [f.message for f in lens(project.findings(views))] == [
        "`# backend-lens: ignore[DBP001, INT001]`: `INT001` silences nothing on this "
        "statement: remove it from the list"
    ]
    for version, text, expected in ((1, unused, 1), (2, used, 0), (3, unused, 1)):
        project.analyze_open(views, text, version, cache_key="views")
        found = project.findings(views)
        assert len(lens(found)) == expected, version
        assert only(found, "INT001") == [] and only(found, "DBP001") == []


def test_check_lists_it_and_exits_non_zero(tmp_path):
    (tmp_path / "app.py").write_text("x = 1  # backend-lens: ignore[ORM001]\n")
    r = subprocess.run(
        [sys.executable, "-m", "backend_lens", "check", str(tmp_path), "--no-cache"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1
    assert (
        "app.py:1:8: LENS001 [info] `# backend-lens: ignore[ORM001]` silences nothing on this "
        "statement: remove it (unused-suppression, fix available)"
    ) in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "backend_lens", "check", str(tmp_path), "--format", "sarif"],
        capture_output=True,
        text=True,
    )
    sarif = json.loads(r.stdout)
    rules = {x["id"]: x for x in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["LENS001"]["properties"]["section"] == "Suppression Comments"


def test_report_lists_it_apart_and_scores_nothing(tmp_path):
    (tmp_path / "app.py").write_text("x = 1  # backend-lens: ignore[ORM001]\n")
    out = tmp_path / "r.md"
    subprocess.run(
        [sys.executable, "-m", "backend_lens", "report", str(tmp_path), "-o", str(out), "-q"],
        check=True,
    )
    md = out.read_text()
    block = md.split("Suppression comments that silence nothing", 1)[1].split("\n## ", 1)[0]
    assert "- **LENS001** [info] `app.py:1` — `# backend-lens: ignore[ORM001]` silences" in block
    # in no section, recommendation, roadmap phase or appendix list: it is not about the code
    assert "LENS001" not in md.split("\n## ", 2)[2]
    assert "points by rule: LENS001" not in md


def test_codes_written_in_the_comment_stay_data(tmp_path):
    (tmp_path / "app.py").write_text("x = 1  # backend-lens: ignore[<b>bold</b>, a`b]\n")
    (f,) = lens(analyze_files(tmp_path))
    # each quoted whole, a backtick inside included
    assert f.message == (
        "`` # backend-lens: ignore[<b>bold</b>, a`b] ``: `<b>bold</b>`, `` a`b `` are not "
        "rule codes or names: remove them"
    )
    out = tmp_path / "r.html"
    subprocess.run(
        [sys.executable, "-m", "backend_lens", "report", str(tmp_path), "-o", str(out)]
        + ["--format", "html", "-q"],
        check=True,
    )
    html = out.read_text()
    assert "<b>bold</b>" not in html and "<code>&lt;b&gt;bold&lt;/b&gt;</code>" in html
    # listed under the Executive Summary, as in the Markdown report
    block = html.split("Suppression comments that silence nothing")[1].split("</ul>")[0]
    assert '<span class="rule">LENS001</span> <a class="loc" href="app.py#L1">app.py:1</a>' in block


def _patched(monkeypatch, code: str, wrap) -> None:
    """The detector of ``code`` replaced by ``wrap(real_func)`` in the engine's registry."""
    index = next(i for i, d in enumerate(base.REGISTRY) if code in d.codes)
    real = base.REGISTRY[index]
    patched = list(base.REGISTRY)
    patched[index] = base.Detector(real.name, real.codes, wrap(real.func), real.section)
    monkeypatch.setattr(analysis, "REGISTRY", patched)


def test_not_judged_when_a_check_failed_on_the_file(tmp_path, monkeypatch):
    def failing(func):
        def run(ctx):
            raise AttributeError("half-typed code this check did not expect")

        return run

    files = {"app.py": "import requests\nx = 1  # backend-lens: ignore[INT001]\n"}
    assert len(lens(analyze_files(tmp_path / "ok", files))) == 1
    _patched(monkeypatch, "INT001", failing)
    # INT001 did not run: whether the comment silences something is not known
    assert lens(analyze_files(tmp_path / "failed", files)) == []


def test_not_judged_when_a_cross_file_check_failed(tmp_path, monkeypatch):
    def failing_judgement(func):
        def run(ctx):
            for item in func(ctx):
                if isinstance(item, Deferred):

                    def judge(index):
                        raise KeyError("a fact this judgement did not expect")

                    item = Deferred(item.reads, judge, item.lines)
                yield item

        return run

    src = VIEWS.format(comment="  # backend-lens: ignore[DBP001]")
    files = {"shop/models.py": MODELS, "shop/views.py": src}
    _patched(monkeypatch, "DBP001", failing_judgement)
    found = analyze_files(tmp_path, files)
    assert only(found, "DBP001") == [] and lens(found) == []
