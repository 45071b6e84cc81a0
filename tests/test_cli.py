"""The command line as CI uses it: exit codes, formats, SARIF, report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .lspwire import frame, read_message

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop"
HEADINGS = re.findall(
    r"^#{1,3} .+$", (ROOT / "tests" / "report-template-headings.txt").read_text(), re.M
)


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "backend_lens", *args], capture_output=True, text=True, cwd=cwd
    )


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def test_check_exit_codes(tmp_path):
    clean = write(
        tmp_path / "clean", {"app.py": "import requests\nrequests.get('http://x', timeout=3)\n"}
    )
    dirty = write(tmp_path / "dirty", {"app.py": "import requests\nrequests.get('http://x')\n"})
    assert run("check", str(clean)).returncode == 0
    r = run("check", str(dirty))
    assert r.returncode == 1
    assert re.search(r"app\.py:2:1: INT001 \[warning\]", r.stdout)
    missing = run("check", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_check_json_and_output_file(tmp_path):
    proj = write(tmp_path / "p", {"app.py": "import requests\nrequests.get('http://x')\n"})
    out = tmp_path / "out.json"
    r = run("check", str(proj), "--format", "json", "--output", str(out))
    assert r.returncode == 1
    data = json.loads(out.read_text())
    assert [(d["code"], d["start"]["line"]) for d in data] == [("INT001", 2)]
    assert data[0]["fix"]["edits"][0]["text"] == ", timeout=10"


def test_sarif_rules_carry_section_and_cwe(tmp_path):
    r = run("check", str(SHOP), "--format", "sarif")
    assert r.returncode == 1
    sarif = json.loads(r.stdout)
    assert sarif["version"] == "2.1.0"
    rules = {x["id"]: x for x in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ORM001"]["properties"]["section"] == "Query Optimization & ORM Usage"
    assert "CWE-89" in rules["VAL001"]["properties"]["tags"]
    results = sarif["runs"][0]["results"]
    assert results and all(x["ruleId"] in rules for x in results)
    assert all(x["partialFingerprints"]["backendLens/v1"] for x in results)
    assert {x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in results} >= {
        "orders/reports.py"
    }


def test_fingerprint_survives_unrelated_edits(tmp_path):
    proj = write(tmp_path / "p", {"app.py": "import requests\nrequests.get('http://x')\n"})
    first = json.loads(run("check", str(proj), "--format", "sarif").stdout)
    (proj / "app.py").write_text("import requests\n\n\n# a comment\nrequests.get('http://x')\n")
    second = json.loads(run("check", str(proj), "--format", "sarif").stdout)
    fp = lambda s: s["runs"][0]["results"][0]["partialFingerprints"]["backendLens/v1"]  # noqa: E731
    assert fp(first) == fp(second)


def expected_headings(found: list[str], compare: str | None = None) -> list[str]:
    """The template's headings (without Critical Implementation Issues when the
    report has none), with `## Changes since REF` after the title only for a
    report made with --compare REF."""
    expected = (
        HEADINGS
        if "## Critical Implementation Issues" in found
        else [h for h in HEADINGS if h != "## Critical Implementation Issues"]
    )
    if compare is None:
        return expected
    return [expected[0], f"## Changes since `{compare}`", *expected[1:]]


def test_report_on_the_example_has_every_heading_in_order(tmp_path):
    out = tmp_path / "report.md"
    r = run("report", str(SHOP), "--output", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    found = re.findall(r"^#{1,3} .+$", text, re.M)
    # the example has findings: every one of them is listed once more, in the appendix
    assert found == [*expected_headings(found), "## Appendix: All Findings"]
    for name in ("API Design", "Database Performance", "Service Architecture"):
        score = float(re.search(rf"\*\*{name} Score\*\*: ([\d.]+)/10", text).group(1))
        assert 0 <= score <= 10
    assert re.search(r"\*\*Files Analyzed\*\*: [1-9]\d*", text)


def test_report_with_compare_adds_one_heading_after_the_title(tmp_path):
    import shutil

    repo = tmp_path / "shop"
    shutil.copytree(SHOP, repo)
    env = {
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "shop"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env={**os.environ, **env})
    out = tmp_path / "report.md"
    r = run("report", str(repo), "--compare", "HEAD", "--output", str(out))
    assert r.returncode == 0, r.stderr
    found = re.findall(r"^#{1,3} .+$", out.read_text(), re.M)
    assert found == [*expected_headings(found, compare="HEAD"), "## Appendix: All Findings"]


def test_report_is_deterministic_apart_from_the_date(tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    assert run("report", str(SHOP), "-o", str(a), "-q").returncode == 0
    assert run("report", str(SHOP), "-o", str(b), "-q").returncode == 0
    strip = lambda t: re.sub(r"\*\*Analysis Date\*\*: .*", "", t)  # noqa: E731
    assert strip(a.read_text()) == strip(b.read_text())


def test_report_html(tmp_path):
    out = tmp_path / "r.html"
    assert run("report", str(SHOP), "--format", "html", "-o", str(out), "-q").returncode == 0
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert re.search(r'<h2 id="executive-summary">Executive Summary<', html)
    assert "<table>" in html and 'class="gauge"' in html and 'class="card' in html
    # a finding's file, linked relative to the folder the report was written to
    services = os.path.relpath(SHOP.resolve() / "orders" / "services.py", tmp_path.resolve())
    assert f'href="{services}#L91"' in html


def test_rules_and_explain():
    r = run("rules")
    assert r.returncode == 0 and "ORM001" in r.stdout and "n-plus-one-relation-in-loop" in r.stdout
    e = run("explain", "n-plus-one-relation-in-loop")
    assert e.returncode == 0 and "## Why is this bad?" in e.stdout and "select_related" in e.stdout
    assert run("explain", "XYZ999").returncode == 2


def test_bad_input_files_are_skipped_with_a_reason(tmp_path):
    proj = write(
        tmp_path / "p", {"ok.py": "import requests\nrequests.get('x')\n", "broken.py": "def f(:\n"}
    )
    (proj / "blob.py").write_bytes(b"\x00\x01\x02")
    (proj / "latin.py").write_bytes(b"s = '\xe9t\xe9'\n")
    r = run("check", str(proj))
    assert r.returncode == 1
    assert "skipped blob.py: binary file" in r.stderr
    assert "skipped latin.py: not valid utf-8-sig text" in r.stderr
    assert "INT001" in r.stdout


def test_malformed_settings_warn_and_defaults_apply(tmp_path):
    proj = write(
        tmp_path / "p",
        {
            "pyproject.toml": "[tool.backend-lens]\nignore = 5\nbogus = 1\n",
            "app.py": "import requests\nrequests.get('x')\n",
        },
    )
    r = run("check", str(proj))
    assert "unknown setting `bogus`" in r.stderr and "ignore` should be a list" in r.stderr
    assert r.returncode == 1
    (proj / "pyproject.toml").write_text("[tool.backend-lens\n")
    r = run("check", str(proj))
    assert "cannot be read" in r.stderr and r.returncode == 1


def test_settings_select_ignore_severity_exclude(tmp_path):
    proj = write(
        tmp_path / "p",
        {
            "pyproject.toml": '[tool.backend-lens]\nignore = ["INT001"]\nexclude = ["legacy"]\n[tool.backend-lens.severity]\nPERF001 = "error"\n',
            "app.py": "import requests, time\nrequests.get('x')\nasync def f():\n    time.sleep(1)\n",
            "legacy/old.py": "import requests\nrequests.get('x')\n",
        },
    )
    data = json.loads(run("check", str(proj), "--format", "json").stdout)
    assert [(d["code"], d["severity"], d["path"].rsplit("/", 1)[-1]) for d in data] == [
        ("PERF001", "error", "app.py")
    ]


@pytest.mark.parametrize("flag", ["--stdio", None])
def test_serve_accepts_stdio_flag(flag):
    args = [sys.executable, "-m", "backend_lens", "serve"] + ([flag] if flag else [])
    p = subprocess.run(args, input=b"", capture_output=True, timeout=30)
    assert p.returncode == 0


def _lsp_frames(*messages: dict) -> bytes:
    return b"".join(frame(m) for m in messages)


def test_serve_over_stdio_keeps_routine_log_lines_off_stderr(tmp_path):
    # editors show the server's stderr (VS Code as errors); routine lines go to the
    # client as window/logMessage and to --log-file, not to stderr
    root = write(tmp_path, {"app/views.py": "import requests\nrequests.get('u')\n"})
    log_file = tmp_path / "server.log"
    session = _lsp_frames(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "rootUri": root.as_uri(),
                "capabilities": {},
                "initializationOptions": {"bogus": 1},  # a message logged at start-up
            },
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    )
    r = subprocess.run(
        [sys.executable, "-m", "backend_lens", "serve", "--stdio", "--log-file", str(log_file)],
        input=session,
        capture_output=True,
        timeout=60,
    )
    assert b'"id": 2' in r.stdout.replace(b'"id":2', b'"id": 2')  # shut down cleanly
    assert b" INFO " not in r.stderr, r.stderr.decode()[-2000:]
    assert b"unknown setting" in r.stdout  # sent to the client
    assert "INFO editor settings: unknown setting `bogus`" in log_file.read_text()


def test_report_summary_counts_findings_by_severity(tmp_path):
    # the summary line lists only the severities present, without stray separators
    root = write(
        tmp_path,
        {"app/client.py": "import requests\n\n\ndef ping():\n    return requests.get('u')\n"},
    )
    out = tmp_path / "report.md"
    assert run("report", str(root), "--output", str(out)).returncode == 0
    assert (
        "1 Python file, 5 lines (all of them application code), 1 finding (1 warning)."
        in out.read_text()
    )


def _read_frames(stream):
    """Yield the JSON messages the server writes, one by one."""
    while (message := read_message(stream)) is not None:
        yield message


def test_serve_keeps_in_step_when_the_editor_sends_bytes_that_are_not_utf8(tmp_path):
    # a buffer with a character cut in half: the editor sends its raw bytes; the
    # change must still apply, or every later edit lands on stale text
    import threading

    root = write(tmp_path, {"pyproject.toml": ""})
    uri = (root / "a.py").as_uri()
    text = 'import requests\nprefix = "AB"\n\n\ndef ping():\n    return requests.get("u")\n'

    def change(version, line, char, new_text):
        return {
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": char},
                            "end": {"line": line, "character": char},
                        },
                        "text": new_text,
                    }
                ],
            },
        }

    frames = _lsp_frames(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}
            },
        },
    )
    # version 2 inserts a lone lead byte of a 4-byte character (not valid UTF-8) and
    # a line break
    bad = json.dumps(change(2, 1, 10, "@@\n")).encode().replace(b"@@", b"\xf0x")
    frames += b"Content-Length: %d\r\n\r\n" % len(bad) + bad
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend_lens", "serve", "--stdio"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        proc.stdin.write(frames)
        proc.stdin.flush()
        published, sent_3 = {}, False
        for message in _read_frames(proc.stdout):
            if message.get("method") == "textDocument/publishDiagnostics":
                published[message["params"]["version"]] = message["params"]["diagnostics"]
                if 2 in published and not sent_3:
                    # version 3 only now: sent at once, it could make version 2 stale,
                    # and the server rightly publishes no stale result
                    proc.stdin.write(_lsp_frames(change(3, 4, 0, "# a comment\n")))
                    proc.stdin.flush()
                    sent_3 = True
                if 3 in published:
                    break
    finally:
        watchdog.cancel()
        proc.kill()
        stderr = proc.stderr.read().decode()
    assert 2 in published and 3 in published, stderr[-2000:]
    # version 3 was applied to the text with version 2 in it: the call moved down two lines
    (finding,) = [d for d in published[3] if d["code"] == "INT001"]
    assert finding["range"]["start"] == {"line": 7, "character": 11}
    assert "not valid UTF-8" in stderr
