"""The Neovim plugin (editors/neovim) end to end: a real headless Neovim runs a
Lua script from tests/editors/nvim/ that calls the plugin's setup() with the
real server, does what a user would do, and writes what the user saw as JSON,
which these tests read and check."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from ..planted import imported_names, markers_written, plant
from .conftest import PYTHON, REPO, SERVER_COMMAND, find_tool, old_python

PLUGIN = REPO / "editors" / "neovim"
SCRIPTS = Path(__file__).parent / "nvim"
# a hung Neovim is killed after this long; a run takes about a second
RUN_TIMEOUT = 60


@pytest.fixture
def nvim() -> str:
    return find_tool("nvim", REPO / ".venv" / "bin" / "nvim", install="editors/install/nvim.sh")


@pytest.fixture
def run_nvim(nvim, workspace, editor_home, artifacts, tmp_path):
    """Runs tests/editors/nvim/<script>.lua in headless Neovim; returns its JSON result."""

    def run(script: str, **extra_env: str) -> dict:
        result_file = tmp_path / f"{script}.json"
        env = dict(editor_home)
        env.update(
            BL_PLUGIN=str(PLUGIN),
            BL_WORKSPACE=str(workspace),
            BL_RESULT=str(result_file),
            BL_SERVER_CMD=json.dumps(SERVER_COMMAND),
        )
        env.update(extra_env)
        cmd = [
            nvim,
            "--headless",
            "--clean",
            "-n",
            "-i",
            "NONE",
            "--cmd",
            "let g:loaded_python3_provider=0",
            "-c",
            f"luafile {SCRIPTS / (script + '.lua')}",
            # reached only when the script itself failed to load
            "-c",
            "cquit 2",
        ]
        started = time.monotonic()
        try:
            proc = subprocess.run(
                cmd,
                env=env,
                cwd=workspace,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"nvim ({script}.lua) hung for {RUN_TIMEOUT}s; stderr: {exc.stderr!r}")
        seconds = time.monotonic() - started
        lsp_log = Path(env["XDG_STATE_HOME"]) / "nvim" / "lsp.log"
        if lsp_log.exists():
            (artifacts / "lsp.log").write_text(lsp_log.read_text(errors="replace"))
        (artifacts / "nvim-stderr.txt").write_text(proc.stderr)
        result = json.loads(result_file.read_text()) if result_file.exists() else None
        if result is not None:
            (artifacts / "result.json").write_text(json.dumps(result, indent=2))
        assert proc.returncode == 0 and result is not None and "error" not in result, (
            f"nvim ({script}.lua) exited with {proc.returncode}\n"
            f"error: {(result or {}).get('error')}\n"
            f"result: {json.dumps(result, indent=2)}\nstderr: {proc.stderr}"
        )
        result["seconds"] = round(seconds, 2)
        print(f"{script}.lua: {seconds:.2f}s")
        return result

    return run


def by_code(diagnostics: list[dict]) -> dict[str, dict]:
    return {d["code"]: d for d in diagnostics}


@pytest.mark.parametrize("path", ["default", "legacy"])
def test_setup_attaches_and_shows_diagnostics(run_nvim, workspace, path):
    """legacy: the code path of Neovim < 0.11 (vim.lsp.start from a FileType autocommand)."""
    result = run_nvim("attach", **({"BL_LEGACY": "1"} if path == "legacy" else {}))
    assert result["filetype"] == "python"
    assert [(c["name"], c["root_dir"]) for c in result["clients"]] == [
        ("backend_lens", str(workspace))
    ]
    found = by_code(result["diagnostics"])
    assert set(found) >= {"INT001", "ORM001", "DBP001"}, result["diagnostics"]
    int001 = found["INT001"]
    assert (int001["lnum"], int001["col"]) == (14, 11)
    assert int001["source"] == "backend-lens"
    assert "timeout" in int001["message"]
    assert found["ORM001"]["lnum"] == 9
    assert found["DBP001"]["lnum"] == 6
    # Neovim 0.11+ goes through vim.lsp.config / vim.lsp.enable, older ones vim.lsp.start
    if path == "legacy" or not result["has_0_11"]:
        assert result["uses_lsp_config"] is False
        assert result["lsp_config_enabled"] is False
        assert result["own_filetype_autocmds"] == 1
    else:
        assert result["uses_lsp_config"] is True
        assert result["lsp_config_enabled"] is True
        assert result["own_filetype_autocmds"] == 0
    assert result["notifications"] == []


def test_quick_fix_adds_timeout_and_int001_goes_away(run_nvim, workspace):
    result = run_nvim("quickfix")
    assert "timeout" in result["applied"].lower()
    assert "timeout=" in result["line_15"], result["line_15"]
    assert result["republished"], result["publishes"]
    after = by_code(result["diagnostics_after"])
    assert "INT001" not in after, result["diagnostics_after"]
    assert set(after) >= {"ORM001", "DBP001"}, result["diagnostics_after"]
    # the buffer was changed, not the file on disk
    assert result["modified"] is True
    assert "timeout=" not in (workspace / "shop" / "views.py").read_text()


def test_report_command_writes_and_opens_the_report(run_nvim, workspace):
    result = run_nvim("report")
    report = workspace / "backend-lens-report.md"
    assert report.is_file(), result
    assert "Backend Development Report" in report.read_text(encoding="utf-8")
    assert result["opened"], result["windows_after"]
    assert len(result["windows_after"]) == len(result["windows_before"]) + 1
    assert str(report) in result["windows_after"]
    assert result["current"] == str(report)
    messages = [n["message"] for n in result["notifications"]]
    assert any("report written" in m for m in messages), messages


def test_inventory_command_shows_the_project_model_as_json(run_nvim, workspace):
    result = run_nvim("inventory")
    assert result["opened"], result["windows_after"]
    assert len(result["windows_after"]) == len(result["windows_before"]) + 1
    assert result["current"] == "backend-lens://inventory/workspace.json"
    assert (result["buftype"], result["filetype"]) == ("nofile", "json")
    assert result["modifiable"] is False and result["modified"] is False
    shown = "\n".join(result["lines"])
    assert shown.startswith('{\n  "source_roots": '), shown[:200]
    inventory = json.loads(shown)
    assert list(inventory)[:8] == [
        "source_roots",
        "frameworks",
        "models",
        "endpoints",
        "tasks",
        "consumers",
        "graphql_schemas",
        "settings",
    ]
    # the two models of shop/models.py, with the path relative to the workspace
    models = {(m["name"], m["orm"], m["path"]) for m in inventory["models"]}
    assert models == {
        ("Customer", "django", "shop/models.py"),
        ("Order", "django", "shop/models.py"),
    }, inventory["models"]
    assert [f.lower() for f in inventory["frameworks"]] == ["django"], inventory["frameworks"]
    # run again: the same buffer is refreshed, no new split
    assert result["refreshed"] and result["second_buf_same"], result
    assert result["windows_after_second"] == result["windows_after"]
    assert [n for n in result["notifications"] if n["level"] and n["level"] >= 3] == []


def test_checkhealth_reports_the_working_server(run_nvim):
    result = run_nvim("health")
    text = "\n".join(result["health"])
    version = subprocess.run(
        [PYTHON, "-P", "-m", "backend_lens", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    assert "backend_lens" in text
    assert f"OK server version: backend-lens {version}" in text, text
    assert "OK server command found" in text, text
    assert "is at least the minimum" in text, text
    assert "OK client" in text and "is attached to" in text, text
    assert "ERROR" not in text, text


def test_checkhealth_reports_a_missing_server_with_advice(run_nvim, tmp_path):
    missing = tmp_path / "no-such-dir" / "backend-lens"
    result = run_nvim("health", BL_MISSING_CMD=json.dumps([str(missing), "serve"]))
    text = "\n".join(result["health"])
    assert f"ERROR server command not found: `{missing}`" in text, text
    assert "ADVICE" in text and "pip install backend-lens" in text, text
    assert "cmd =" in text, text
    assert result["clients"] == []
    # setup() already said so
    messages = [n["message"] for n in result["notifications"]]
    assert any("not found" in m and "checkhealth backend_lens" in m for m in messages), messages


@pytest.mark.parametrize("path", ["default", "legacy"])
def test_restart_gives_a_new_client_that_publishes(run_nvim, path):
    result = run_nvim("restart", **({"BL_LEGACY": "1"} if path == "legacy" else {}))
    assert result["restarted"], result["publishes"]
    assert result["new_id"] != result["old_id"]
    assert result["old_stopped"] is True
    assert result["all_clients"] == 1
    assert [c["id"] for c in result["clients_after"]] == [result["new_id"]]
    assert "INT001" in {d["code"] for d in result["diagnostics_after"]}


def test_installer_is_a_quick_no_op_when_nvim_is_there(nvim):
    if Path(nvim) != REPO / ".venv" / "bin" / "nvim":
        pytest.skip(f"nvim comes from {nvim}; the installer might install one into .venv")
    started = time.monotonic()
    proc = subprocess.run(
        [str(REPO / "editors" / "install" / "nvim.sh")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    assert "already" in proc.stderr, proc.stderr
    assert time.monotonic() - started < 5


def test_settings_reach_the_server_and_can_change(run_nvim):
    result = run_nvim("settings")
    first = by_code(result["first"])
    assert "DBP001" not in first, result["first"]
    assert first["INT001"]["severity"] == 1  # "error" -> vim.diagnostic.severity.ERROR
    assert result["init_options"] == {
        "backendLens": {"ignore": ["DBP"], "severity": {"INT001": "error"}}
    }
    second = by_code(result["second"])
    assert "INT001" not in second and {"DBP001", "ORM001"} <= set(second), result["second"]
    assert result["same_client"] is True
    if "stored_init_options" in result:
        assert result["stored_init_options"] == {"backendLens": {"ignore": ["INT001"]}}
    # no warnings from the server about the settings
    assert [n["message"] for n in result["notifications"]] == []


def test_commands_explain_when_there_is_no_server(run_nvim, workspace):
    result = run_nvim("noclient")
    assert result["commands"] == {"report": True, "inventory": True, "restart": True}
    before = " | ".join(result["before_setup"])
    assert before.count("setup() first") == 3, result["before_setup"]
    assert result["clients"] == 0
    assert result["report_called_back"] and result.get("report_path") is None
    assert "no Backend Lens server is running" in result["report_error"]
    assert result["inventory_called_back"] and result.get("inventory") is None
    assert "no Backend Lens server is running" in result["inventory_error"]
    # one error for the report, one for the inventory (vim.log.levels.ERROR)
    assert [n["level"] for n in result["after_setup"]] == [4, 4]
    assert len(result["windows"]) == 1
    assert not (workspace / "backend-lens-report.md").exists()


def test_a_server_that_cannot_start_is_explained(run_nvim, tmp_path):
    # an interpreter without backend-lens: Neovim alone would only say "quit with
    # exit code 1"; the plugin says what ran and how to install the server
    bare = tmp_path / "bare-venv"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(bare)], check=True)
    python = str(bare / "bin" / "python")
    command = [python, "-P", "-m", "backend_lens", "serve"]
    result = run_nvim("broken", BL_SERVER_CMD=json.dumps(command))
    assert result["advised"], result["notifications"]
    (advice,) = [n for n in result["notifications"] if "pip install backend-lens" in n["message"]]
    assert advice["level"] == 4  # vim.log.levels.ERROR
    assert f"`{python} -P -m backend_lens serve`" in advice["message"]
    assert f"`{python} -m pip install backend-lens`" in advice["message"]
    assert result["clients"] == 0


def _path_without_backend_lens() -> str:
    return os.pathsep.join(
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not (Path(d) / "backend-lens").exists()
    )


def test_default_command_never_runs_the_projects_code(run_nvim, workspace, tmp_path):
    """`backend-lens` is not on PATH: the plugin starts `<python> -P -m backend_lens
    serve` in the project, which plants modules named like everything Backend Lens
    imports (tests/planted.py), each leaving a marker when imported. The findings
    show, :checkhealth (which runs `--version` the same way) is happy, and no
    planted module runs, even with an empty PYTHONPATH entry (the working directory)."""
    markers = tmp_path / "markers"
    plant(workspace, markers, imported_names())
    result = run_nvim(
        "health",
        BL_DEFAULT_CMD="1",
        BL_PYTHON=PYTHON,
        PATH=_path_without_backend_lens(),
        BL_PYTHONPATH=os.pathsep + str(tmp_path / "elsewhere"),
    )
    assert markers_written(markers) == [], result
    assert result["backend_lens_on_path"] is False
    assert result["cmd"] == [PYTHON, "-P", "-m", "backend_lens", "serve"]
    assert set(by_code(result["diagnostics"])) >= {"INT001", "ORM001", "DBP001"}
    text = "\n".join(result["health"])
    assert "OK server version: backend-lens" in text, text
    assert "PYTHONPATH for the server, without its empty or relative entries" in text, text
    assert "ERROR" not in text and "WARNING" not in text, text


def test_an_interpreter_too_old_for_dash_p_is_explained(run_nvim, tmp_path):
    """Python before 3.11 does not know -P: :checkhealth says the interpreter is
    too old (not Python's usage message), and so does the advice when it exits."""
    old = old_python(tmp_path)
    env = {"BL_DEFAULT_CMD": "1", "BL_PYTHON": old, "PATH": _path_without_backend_lens()}
    result = run_nvim("health", BL_NO_SERVER="1", **env)
    assert result["cmd"] == [old, "-P", "-m", "backend_lens", "serve"]
    text = "\n".join(result["health"])
    assert f"ERROR `{old}` is too old: backend-lens needs Python 3.11 or newer" in text, text
    assert "python = " in text, text
    result = run_nvim("broken", **env)
    assert result["advised"], result["notifications"]
    (advice,) = [n for n in result["notifications"] if "pip install backend-lens" in n["message"]]
    assert "Python 3.11 or newer" in advice["message"], advice


def test_checkhealth_warns_about_a_cmd_without_dash_p(run_nvim):
    """A `cmd` written by hand as `python -m backend_lens serve` puts the project
    first on the server's import path: :checkhealth says so and how to fix it."""
    command = [PYTHON, "-m", "backend_lens", "serve"]
    result = run_nvim("health", BL_SERVER_CMD=json.dumps(command))
    text = "\n".join(result["health"])
    assert (
        "WARNING the server's working directory (your project) is first on its import path" in text
    ), text
    assert f"{{ '{PYTHON}', '-P', '-m', 'backend_lens', 'serve' }}" in text, text
