"""`check --write-baseline FILE` and `check --baseline FILE`: a legacy code base
sees only the findings a change brings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLIENT = "import requests\n\n\ndef ping():\n    return requests.get('http://a')\n"
JOBS = "import requests\n\nrequests.get('http://b')\nrequests.post('http://c', json={})\n"
LINE = "backend-lens: baseline baseline.json: {} known finding{} left out; {}"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "backend_lens", *args], capture_output=True, text=True, cwd=cwd
    )


def legacy(tmp_path: Path) -> tuple[Path, Path]:
    """A project with three findings (INT001 in two files, one in a subfolder), and
    its baseline recorded beside it."""
    proj = tmp_path / "proj"
    (proj / "app").mkdir(parents=True)
    (proj / "app" / "client.py").write_text(CLIENT)
    (proj / "jobs.py").write_text(JOBS)
    base = tmp_path / "baseline.json"
    r = run("check", "proj", "--write-baseline", "baseline.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert r.stderr == "backend-lens: recorded 3 findings in baseline.json\n"
    return proj, base


def check(proj: Path, base: Path, *more: str):
    """A check of ``proj`` from the folder that holds it, as CI runs it."""
    cwd = proj.parent
    return run("check", proj.name, "--baseline", str(base.relative_to(cwd)), *more, cwd=cwd)


def test_the_baseline_file_is_versioned_sorted_relative_and_matches_sarif(tmp_path):
    proj, base = legacy(tmp_path)
    text = base.read_text()
    doc = json.loads(text)
    assert doc["version"] == 1 and doc["tool"] == "backend-lens"
    rows = [(f["code"], f["path"]) for f in doc["findings"]]
    assert rows == [("INT001", "app/client.py"), ("INT001", "jobs.py"), ("INT001", "jobs.py")]
    assert all("timeout" in f["message"] for f in doc["findings"])
    assert '\n  "findings": [\n    {\n      "code": "INT001",\n' in text  # one field a line
    # the fingerprints are SARIF's partialFingerprints
    sarif = json.loads(run("check", str(proj), "--format", "sarif").stdout)
    prints = {r["partialFingerprints"]["backendLens/v1"] for r in sarif["runs"][0]["results"]}
    assert {f["fingerprint"] for f in doc["findings"]} == prints
    # recording again gives the same bytes, in place, with no temporary file left
    again = run("check", "proj", "--write-baseline", "baseline.json", cwd=tmp_path)
    assert again.returncode == 0 and base.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json", "proj"]


def test_the_same_project_reports_nothing_new(tmp_path):
    proj, base = legacy(tmp_path)
    r = check(proj, base)
    assert r.returncode == 0
    assert r.stdout == "No problems found.\n"
    assert r.stderr == LINE.format(3, "s", "no stale entries") + "\n"


def test_lines_inserted_above_and_unrelated_edits_keep_known_findings_quiet(tmp_path):
    proj, base = legacy(tmp_path)
    (proj / "app" / "client.py").write_text(
        '"""The client."""\nimport logging\n\nlog = logging.getLogger(__name__)\n' + CLIENT
    )
    # an unrelated line edited, one added below
    (proj / "jobs.py").write_text(
        JOBS.replace("import requests\n", "import requests  # the HTTP client\n") + "X = 1\n"
    )
    r = check(proj, base, "--format", "json")
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout) == []
    assert r.stderr == LINE.format(3, "s", "no stale entries") + "\n"


def test_a_new_finding_of_the_same_rule_is_reported(tmp_path):
    proj, base = legacy(tmp_path)
    (proj / "app" / "other.py").write_text("import requests\nrequests.get('http://new')\n")
    # a second copy of a known line, added after it, is new as well
    (proj / "jobs.py").write_text(JOBS + "requests.get('http://b')\n")
    r = check(proj, base)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert [line.split(" INT001 ")[0] for line in lines[:-1]] == [
        "proj/app/other.py:2:1:",
        "proj/jobs.py:5:1:",
    ]
    assert lines[-1] == "Found 2 problems (2 warning)."
    assert r.stderr == LINE.format(3, "s", "no stale entries") + "\n"
    # every format gets only the new findings
    sarif = json.loads(check(proj, base, "--format", "sarif").stdout)
    found = [
        (x["ruleId"], x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for x in sarif["runs"][0]["results"]
    ]
    assert found == [("INT001", "app/other.py"), ("INT001", "jobs.py")]
    gitlab = json.loads(check(proj, base, "--format", "gitlab").stdout)
    assert [x["location"]["path"] for x in gitlab] == ["proj/app/other.py", "proj/jobs.py"]
    github = check(proj, base, "--format", "github")
    assert [line.split(",")[0] for line in github.stdout.splitlines()] == [
        "::warning file=proj/app/other.py",
        "::warning file=proj/jobs.py",
    ]
    assert github.returncode == 1
    assert check(proj, base, "--exit-zero").returncode == 0


def test_a_fixed_finding_leaves_a_stale_entry_and_the_summary_says_so(tmp_path):
    proj, base = legacy(tmp_path)
    (proj / "app" / "client.py").write_text(CLIENT.replace("'http://a'", "'http://a', timeout=5"))
    r = check(proj, base)
    assert r.returncode == 0
    assert r.stdout == "No problems found.\n"
    stale = "1 stale entry: re-run with --write-baseline to drop them"
    assert r.stderr == LINE.format(2, "s", stale) + "\n"
    # re-recording drops it
    assert run("check", "proj", "--write-baseline", "baseline.json", cwd=tmp_path).returncode == 0
    assert [f["path"] for f in json.loads(base.read_text())["findings"]] == ["jobs.py"] * 2


@pytest.mark.parametrize(
    "content, says",
    [
        ('{"version": 1, "tool": "backend-lens", "findings": [', "is not valid JSON (line 1"),
        ("[]", "is not a backend-lens baseline"),
        ('{"version": 2, "tool": "backend-lens", "findings": []}', "has version 2"),
        ('{"version": 1, "tool": "backend-lens", "findings": {}}', '"findings" must be a list'),
        (
            '{"version": 1, "tool": "backend-lens", "findings": [{"code": "INT001"}]}',
            'finding 1 needs the strings "code", "path" and "fingerprint"',
        ),
        (b"\xff\xfe", "is not UTF-8 text"),
    ],
)
def test_a_malformed_baseline_is_one_line_and_exit_2(tmp_path, content, says):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "app.py").write_text("import requests\nrequests.get('http://x')\n")
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    r = check(proj, bad)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith("backend-lens: baseline bad.json")
    assert says in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_a_missing_baseline_or_wrong_options_are_refused_before_analysis(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "app.py").write_text("import requests\nrequests.get('http://x')\n")
    missing = tmp_path / "nope.json"
    r = check(proj, missing)
    assert r.returncode == 2
    assert (
        r.stderr == "backend-lens: baseline nope.json: cannot be read: No such file or directory\n"
    )
    r = check(proj, tmp_path)
    assert (
        r.returncode == 2 and r.stderr == "backend-lens: baseline .: not a regular file: a folder\n"
    )
    both = run("check", str(proj), "--baseline", "a.json", "--write-baseline", "b.json")
    assert both.returncode == 2
    assert "--baseline and --write-baseline cannot be used together" in both.stderr
    into = tmp_path / "no" / "folder.json"
    r = run("check", str(proj), "--write-baseline", str(into))
    assert r.returncode == 2
    assert (
        r.stderr == f"backend-lens: cannot write {into}: the folder {into.parent} does not exist\n"
    )
    assert not (tmp_path / "no").exists()
    r = run("check", str(proj), "--write-baseline", str(tmp_path))
    assert r.returncode == 2 and "it is a folder" in r.stderr
    r = run("check", str(proj), "--write-baseline", "b.json", "--output", "out.txt", cwd=tmp_path)
    assert r.returncode == 2 and "--output has nothing to write" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]


def test_a_check_of_some_files_does_not_call_the_others_entries_stale(tmp_path):
    proj, base = legacy(tmp_path)
    r = run("check", "proj/jobs.py", "--baseline", "baseline.json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert r.stderr == LINE.format(2, "s", "no stale entries") + "\n"
    (proj / "jobs.py").write_text("import requests\n")
    r = run("check", "proj/jobs.py", "--baseline", "baseline.json", cwd=tmp_path)
    stale = "2 stale entries: re-run with --write-baseline to drop them"
    assert r.stderr == LINE.format(0, "s", stale) + "\n"


def test_quiet_leaves_out_the_summary_lines(tmp_path):
    """`-q` silences the recording and the summary lines as it silences the others;
    what is reported and the exit code stay the same."""
    proj, base = legacy(tmp_path)
    r = run("check", "proj", "--write-baseline", "again.json", "-q", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == ""
    assert (tmp_path / "again.json").read_bytes() == base.read_bytes()
    r = check(proj, base, "-q")
    assert r.returncode == 0 and r.stderr == "" and r.stdout == "No problems found.\n"
    r = check(proj, base)
    assert r.returncode == 0 and "3 known findings left out" in r.stderr


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_a_new_repeat_of_a_known_finding_gets_its_own_fingerprint(tmp_path, fmt):
    """The same flagged line twice in a file: the known first one is left out, and
    the new second one keeps the fingerprint it has in a check without the
    baseline, so code scanning and GitLab do not take it for the known one."""
    proj, base = legacy(tmp_path)
    (proj / "jobs.py").write_text(JOBS + "requests.get('http://b')\n")

    def prints(result) -> dict[tuple[str, int], str]:
        doc = json.loads(result.stdout)
        if fmt == "sarif":
            return {
                (
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                    r["locations"][0]["physicalLocation"]["region"]["startLine"],
                ): r["partialFingerprints"]["backendLens/v1"]
                for r in doc["runs"][0]["results"]
            }
        return {
            (i["location"]["path"].rsplit("/", 1)[-1], i["location"]["lines"]["begin"]): i[
                "fingerprint"
            ]
            for i in doc
        }

    everything = prints(run("check", "proj", "--format", fmt, cwd=tmp_path))
    assert len(set(everything.values())) == 4
    new = check(proj, base, "--format", fmt)
    assert new.returncode == 1, new.stderr
    ((place, fingerprint),) = prints(new).items()
    assert place[1] == 5  # the new repeat, not the known line 3
    assert fingerprint == everything[place]
    assert fingerprint != everything[(place[0], 3)]
