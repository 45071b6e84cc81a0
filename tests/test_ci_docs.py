"""What the CI documents promise: docs/ci/github-actions.yml is a workflow whose
check command is one the CLI accepts and that behaves as its comments say when
run as GitHub runs a `run:` step, whose SARIF reaches the upload step, and whose
job may write security events; the README's pre-commit snippet names the hook
.pre-commit-hooks.yaml defines, whose entry is the console script pyproject.toml
declares."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from backend_lens import cli

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps() -> tuple[dict, list[dict]]:
    jobs = _workflow()["jobs"]
    assert len(jobs) == 1
    (job,) = jobs.values()
    return job, job["steps"]


def _step(steps: list[dict], *, uses: str = "", run: str = "") -> tuple[int, dict]:
    found = [
        (i, s)
        for i, s in enumerate(steps)
        if (uses and s.get("uses", "").startswith(uses + "@")) or (run and run in s.get("run", ""))
    ]
    assert len(found) == 1, f"one step {uses or run!r} expected in {WORKFLOW.name}, got {found}"
    return found[0]


def _check_command() -> tuple[list[str], list[str]]:
    """The check step's command, split as a shell would: (the command, what follows it)."""
    _, steps = _steps()
    _, step = _step(steps, run="backend-lens check")
    lexer = shlex.shlex(step["run"].strip(), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    cut = tokens.index("||") if "||" in tokens else len(tokens)
    return tokens[:cut], tokens[cut:]


def test_workflow_triggers_and_setup():
    data = _workflow()
    on = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(on) == {"push", "pull_request"}
    _, steps = _steps()
    checkout, _ = _step(steps, uses="actions/checkout")
    python, setup = _step(steps, uses="actions/setup-python")
    install, step = _step(steps, run="pip install")
    assert checkout < python < install
    assert "backend-lens" in step["run"]
    wanted = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(x) for x in re.fullmatch(r">=(\d+)\.(\d+)", wanted).groups())
    version = tuple(int(x) for x in str(setup["with"]["python-version"]).split("."))
    assert version >= minimum


def test_check_command_is_one_the_cli_accepts(monkeypatch):
    command, rest = _check_command()
    assert command[:2] == ["backend-lens", "check"]
    assert rest == ["||", "[", "$?", "-eq", "1", "]"]
    seen = []
    monkeypatch.setattr(cli, "cmd_check", lambda args: seen.append(args) or 0)
    assert cli.main(command[1:]) == 0  # the real parser: an unknown flag exits 2
    (args,) = seen
    assert args.paths == ["."] and args.format == "sarif"
    assert args.output == "backend-lens.sarif"


def _run_step(project: Path) -> subprocess.CompletedProcess:
    """The check step as GitHub runs it (bash -eo pipefail), `backend-lens` being
    this interpreter's package."""
    _, steps = _steps()
    _, step = _step(steps, run="backend-lens check")
    script = f'backend-lens() {{ {shlex.quote(sys.executable)} -m backend_lens "$@"; }}\n'
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script + step["run"]],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_step_passes_with_findings_and_fails_on_an_error(tmp_path):
    dirty = tmp_path / "dirty"
    dirty.mkdir()
    (dirty / "app.py").write_text("import requests\nrequests.get('http://x')\n")
    r = _run_step(dirty)
    assert r.returncode == 0, r.stderr  # findings: the upload still runs
    sarif = json.loads((dirty / "backend-lens.sarif").read_text())
    assert [x["ruleId"] for x in sarif["runs"][0]["results"]] == ["INT001"]

    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "app.py").write_text("x = 1\n")
    r = _run_step(clean)
    assert r.returncode == 0, r.stderr
    assert json.loads((clean / "backend-lens.sarif").read_text())["runs"][0]["results"] == []

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "app.py").write_text("x = 1\n")
    (broken / "backend-lens.sarif").mkdir()  # the output cannot be written: exit 2
    r = _run_step(broken)
    assert r.returncode != 0
    assert "backend-lens.sarif" in r.stderr


def test_upload_step_gets_the_sarif_and_the_permission():
    job, steps = _steps()
    check, _ = _step(steps, run="backend-lens check")
    upload, step = _step(steps, uses="github/codeql-action/upload-sarif")
    assert check < upload
    command, _ = _check_command()
    assert step["with"]["sarif_file"] == command[command.index("--output") + 1]
    assert "if" not in step  # after an error (exit 2) there is no SARIF to upload
    permissions = {**_workflow().get("permissions", {}), **job.get("permissions", {})}
    assert permissions["security-events"] == "write"
    assert permissions["contents"] == "read"


def test_readme_points_to_the_workflow_and_its_precommit_snippet_names_the_hook():
    assert "`docs/ci/github-actions.yml`" in README
    snippet = re.search(r"### pre-commit\n\n```yaml\n(.*?)```", README, re.S)
    assert snippet, "README.md has no pre-commit snippet"
    config = yaml.safe_load(snippet.group(1))
    (repo,) = config["repos"]
    assert repo["rev"] and repo["repo"]
    ids = [h["id"] for h in repo["hooks"]]

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] in ids]
    assert hook["language"] == "python" and hook["types"] == ["python"]
    # the whole project, not the staged files (the analysis is cross-file)
    assert hook["pass_filenames"] is False and hook["args"] == ["."]
    script, command = hook["entry"].split()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[script] == "backend_lens.cli:run" and command == "check"
