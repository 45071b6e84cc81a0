"""`check --format github|gitlab`, `--fail-on` and `--exit-zero`: what a CI service reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from backend_lens.ci_formats import escape_data, escape_property, format_github, format_gitlab
from backend_lens.model import Finding, Severity

from .helpers import write_files

APP = """\
import requests

SECRET_KEY = "abc123abc123abc123"


def fetch():
    return requests.get('http://x')
"""
SEC006 = (
    "`SECRET_KEY` is written into the code: everyone with the repository (and its history) "
    "has it; read it from the environment or a secrets manager and replace it"
)
INT001 = (
    "`requests.get()` has no timeout: if the other service stops answering, this worker "
    "waits forever"
)


def run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "backend_lens", "check", *args, "--no-cache"],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


@pytest.fixture
def project(tmp_path):
    """A folder whose name needs escaping in a property, with an error and a warning."""
    write_files(tmp_path / "we,ird:50%", {"app.py": APP})
    return tmp_path


def test_github_annotations_exact_lines(project):
    r = run("we,ird:50%", "--format", "github", cwd=project)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [
        "::error file=we%2Cird%3A50%25/app.py,line=3,col=14,endLine=3,endColumn=34,"
        f"title=SEC006 hardcoded-credential::{SEC006}",
        "::warning file=we%2Cird%3A50%25/app.py,line=7,col=12,endLine=7,endColumn=36,"
        f"title=INT001 http-call-without-timeout::{INT001}",
    ]


def test_github_info_is_a_notice_and_critical_an_error(project):
    (project / "we,ird:50%" / "pyproject.toml").write_text(
        '[tool.backend-lens.severity]\nINT001 = "info"\nSEC006 = "critical"\n'
    )
    r = run("we,ird:50%", "--format", "github", cwd=project)
    assert [line.split(" ", 1)[0] for line in r.stdout.splitlines()] == ["::error", "::notice"]


def test_github_escapes_message_and_properties(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = Finding(
        code="INT001",
        message="100% sure: a, b\r\nnext line",
        path=str(tmp_path / "a:b,c%d.py"),
        start=(2, 4),
        end=(2, 9),
        severity=Severity.WARNING,
    )
    text = format_github([f], lambda p: Path(p).relative_to(tmp_path).as_posix())
    assert text == (
        "::warning file=a%3Ab%2Cc%25d.py,line=2,col=5,endLine=2,endColumn=10,"
        "title=INT001 http-call-without-timeout::100%25 sure: a, b%0D%0Anext line\n"
    )
    assert escape_data("%0A") == "%250A"  # % first: an escape in the text stays text
    assert escape_property("x:y,z%") == "x%3Ay%2Cz%25"


def test_github_multiline_range_has_no_columns():
    f = Finding("SEC006", "m", "app.py", (3, 0), (5, 2), severity=Severity.INFO)
    assert format_github([f], str) == (
        "::notice file=app.py,line=3,endLine=5,title=SEC006 hardcoded-credential::m\n"
    )


def test_github_nothing_found_prints_nothing(tmp_path):
    write_files(tmp_path, {"app.py": "x = 1\n"})
    r = run(".", "--format", "github", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, "")


def test_gitlab_code_quality_report(project):
    r = run("we,ird:50%", "--format", "gitlab", cwd=project)
    assert r.returncode == 1, r.stderr
    issues = json.loads(r.stdout)
    assert [(i["check_name"], i["severity"], i["description"], i["location"]) for i in issues] == [
        ("SEC006", "major", SEC006, {"path": "we,ird:50%/app.py", "lines": {"begin": 3, "end": 3}}),
        ("INT001", "minor", INT001, {"path": "we,ird:50%/app.py", "lines": {"begin": 7, "end": 7}}),
    ]
    assert all(len(i["fingerprint"]) == 32 for i in issues)
    assert len({i["fingerprint"] for i in issues}) == 2
    # the same fingerprints as SARIF's backendLens/v1
    sarif = json.loads(run("we,ird:50%", "--format", "sarif", cwd=project).stdout)
    assert [i["fingerprint"] for i in issues] == [
        x["partialFingerprints"]["backendLens/v1"] for x in sarif["runs"][0]["results"]
    ]


def test_gitlab_severities(project):
    (project / "we,ird:50%" / "pyproject.toml").write_text(
        '[tool.backend-lens.severity]\nINT001 = "info"\nSEC006 = "critical"\n'
    )
    issues = json.loads(run("we,ird:50%", "--format", "gitlab", cwd=project).stdout)
    assert [i["severity"] for i in issues] == ["critical", "info"]


def test_gitlab_fingerprints_survive_lines_inserted_above(project):
    app = project / "we,ird:50%" / "app.py"
    before = json.loads(run(".", "--format", "gitlab", cwd=project).stdout)
    app.write_text('"""A docstring."""\n\nimport os\n\n' + APP)
    after = json.loads(run(".", "--format", "gitlab", cwd=project).stdout)
    assert [i["location"]["lines"]["begin"] for i in after] == [7, 11]
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]


def test_gitlab_fingerprints_unique_for_same_line_in_same_named_files(tmp_path):
    line = "import requests\nrequests.get('http://x')\n"
    write_files(tmp_path, {"a/views.py": line, "b/views.py": line})
    issues = json.loads(run(".", "--format", "gitlab", cwd=tmp_path).stdout)
    assert [i["location"]["path"] for i in issues] == ["a/views.py", "b/views.py"]
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


def test_gitlab_empty_report_is_an_empty_list(tmp_path):
    write_files(tmp_path, {"app.py": "x = 1\n"})
    assert format_gitlab([], str) == "[]\n"
    r = run(".", "--format", "gitlab", cwd=tmp_path)
    assert (r.returncode, json.loads(r.stdout)) == (0, [])


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        ((), 1),
        (("--fail-on", "info"), 1),
        (("--fail-on", "warning"), 1),
        (("--fail-on", "error"), 1),
        (("--fail-on", "critical"), 0),
        (("--exit-zero",), 0),
        (("--exit-zero", "--fail-on", "info"), 0),
    ],
)
def test_exit_codes_error_and_warning(project, flags, code):
    r = run("we,ird:50%", *flags, cwd=project)
    assert r.returncode == code, r.stderr
    assert "Found 2 problems (1 error, 1 warning)." in r.stdout  # the output is the same


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        ((), 1),
        (("--fail-on", "info"), 1),
        (("--fail-on", "warning"), 0),
        (("--exit-zero",), 0),
    ],
)
def test_exit_codes_info_only(tmp_path, flags, code):
    write_files(
        tmp_path,
        {
            "app.py": "import requests\nrequests.get('http://x')\n",
            "pyproject.toml": '[tool.backend-lens.severity]\nINT001 = "info"\n',
        },
    )
    assert run(".", *flags, cwd=tmp_path).returncode == code


@pytest.mark.parametrize("flags", [(), ("--fail-on", "info"), ("--exit-zero",)])
def test_exit_codes_clean(tmp_path, flags):
    write_files(tmp_path, {"app.py": "x = 1\n"})
    assert run(".", *flags, cwd=tmp_path).returncode == 0


def test_exit_zero_keeps_2_for_errors(tmp_path):
    r = run("nope", "--exit-zero", "--format", "gitlab", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == "backend-lens: no such file or directory: nope"
    assert r.stdout == ""


def test_fail_on_unknown_severity_is_an_error(tmp_path):
    r = run(".", "--fail-on", "major", cwd=tmp_path)
    assert r.returncode == 2
    assert "--fail-on" in r.stderr and "critical" in r.stderr


def test_fail_on_with_output_file(project):
    out = project / "gl-code-quality-report.json"
    r = run(
        "we,ird:50%", "--format", "gitlab", "--fail-on", "critical", "-o", str(out), cwd=project
    )
    assert r.returncode == 0
    assert len(json.loads(out.read_text())) == 2


def test_help_states_exit_codes():
    r = subprocess.run(
        [sys.executable, "-m", "backend_lens", "check", "--help"], capture_output=True, text=True
    )
    assert "exit codes:" in r.stdout
    assert "1  findings at or above --fail-on (default: any finding)" in r.stdout
    assert "--exit-zero" in r.stdout and "github" in r.stdout and "gitlab" in r.stdout
