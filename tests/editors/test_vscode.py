"""VS Code, end to end: the extension in editors/vscode, built into a .vsix and
installed into code-server (the real VS Code workbench and extension host),
driven in headless Chromium by tests/editors/vscode_driver.mjs.

Needs what `editors/install/code-server.sh` installs (code-server 4.139 under
.cache/editors, Node 24, chromium) and Node 20+ with npm to build the extension.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from ..planted import imported_names, markers_written, plant
from .conftest import EDITOR_CACHE, PYTHON, REPO, find_tool, old_python

INSTALL = "editors/install/code-server.sh"
BUILD = REPO / "editors" / "vscode" / "build.sh"
DRIVER = Path(__file__).with_name("vscode_driver.mjs")
STANDIN = Path(__file__).with_name("python-ext-standin")
CS_MODULES = EDITOR_CACHE / "code-server" / "node_modules"
NODE24_DIR = EDITOR_CACHE / "node24-bin"

# what the workspace fixture gives (see conftest.workspace)
EXPECTED_FINDINGS = 3
LINE, CODE, CODE_TEXT = 15, "INT001", "timeout"
# the server's quick fix for that finding (its title, as the code action menu shows it)
QUICK_FIX = f"Add timeout=10 ({CODE})"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_group(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


def _kill_leftovers(marker: str) -> None:
    """End processes this test started that outlived their parents: those whose
    command line or working directory is under this test's own tmp folder
    (Chromium's profile, code-server's dirs, the language server's cwd)."""
    me = os.getpid()
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit() or int(proc_dir.name) == me:
            continue
        try:
            cmdline = (
                (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
            cwd = os.readlink(proc_dir / "cwd")
        except OSError:
            continue
        if marker in cmdline or cwd.startswith(marker):
            try:
                os.kill(int(proc_dir.name), signal.SIGKILL)
            except OSError:
                pass


def _node24() -> str:
    node = find_tool("node (Node 24)", NODE24_DIR / "node", install=INSTALL)
    if node == shutil.which("node"):  # find_tool fell back to PATH: make sure it is 24
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
        if not version.startswith("v24."):
            pytest.skip(f"Node 24 is not installed (PATH has {version.strip()}): run `{INSTALL}`")
    return node


def _build_vsix(env: dict[str, str]) -> Path:
    """Runs editors/vscode/build.sh (npm ci when needed, lint, typecheck, bundle, package)."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node/npm are not installed: Node 20+ with npm builds the extension")
    started = time.monotonic()
    proc = subprocess.run(
        [str(BUILD)], capture_output=True, text=True, timeout=600, env=env, cwd=BUILD.parent
    )
    if proc.returncode != 0:
        pytest.fail(f"{BUILD} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    vsix = Path(proc.stdout.strip().splitlines()[-1])
    assert vsix.is_file(), proc.stdout
    print(f"built {vsix} in {time.monotonic() - started:.1f}s")
    return vsix


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"code-server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"code-server did not answer {url} within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def vsix() -> Path:
    """The extension, built once for this module's tests."""
    return _build_vsix(dict(os.environ))


@pytest.fixture(scope="module")
def python_ext_standin(vsix: Path, tmp_path_factory) -> Path:
    """The stand-in for the Python extension (tests/editors/python-ext-standin, id
    ms-python.python), packaged with the vsce that building the extension installed."""
    vsce = BUILD.parent / "node_modules" / ".bin" / "vsce"
    out = tmp_path_factory.mktemp("standin") / "python-ext-standin.vsix"
    proc = subprocess.run(
        [str(vsce), "package", "--allow-missing-repository", "--skip-license", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=STANDIN,
    )
    assert proc.returncode == 0 and out.is_file(), proc.stdout + proc.stderr
    return out


@pytest.fixture
def tools() -> dict[str, str]:
    tools = {
        "code_server": find_tool(
            "code-server", CS_MODULES / ".bin" / "code-server", install=INSTALL
        ),
        "chromium": find_tool("chromium", Path("/usr/bin/chromium"), install=INSTALL),
        "node": _node24(),
    }
    if not (CS_MODULES / "playwright-core" / "package.json").is_file():
        pytest.skip(f"playwright-core is not installed in {CS_MODULES}: run `{INSTALL}`")
    return tools


@pytest.fixture
def run_vscode(tools, vsix, workspace, artifacts, editor_home, tmp_path):
    """`_run_vscode` with this test's tools, .vsix, workspace, artifacts and home."""

    def run(**kwargs) -> tuple[dict, Path]:
        return _run_vscode(tools, vsix, workspace, artifacts, editor_home, tmp_path, **kwargs)

    return run


def _run_vscode(
    tools,
    vsix: Path,
    workspace: Path,
    artifacts: Path,
    editor_home,
    tmp_path: Path,
    *,
    settings: dict | None = None,
    also_install: tuple[Path, ...] = (),
    env_extra: dict[str, str] | None = None,
    **config,
) -> tuple[dict, Path]:
    """Install the .vsix (and `also_install`) into a fresh code-server, start it on the
    workspace with the user `settings` added, run the driver with `config`, and return
    its result (and the user-data folder, for logs). `env_extra` is added to the
    environment of code-server (and so of the extension). Fails the test with the
    driver's message when a check fails."""
    code_server, chromium, node = tools["code_server"], tools["chromium"], tools["node"]
    # code-server runs on Node 24: only that `node` first on PATH
    env = {**editor_home, **(env_extra or {})}
    env["PATH"] = f"{Path(node).parent}{os.pathsep}{env.get('PATH', '')}"
    user_data, extensions = tmp_path / "cs-user-data", tmp_path / "cs-extensions"
    (user_data / "User").mkdir(parents=True)
    settings = {
        "backendLens.interpreter": PYTHON,
        **(settings or {}),
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.welcomePage.walkthroughs.openOnInstall": False,
        "workbench.enableExperiments": False,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "security.workspace.trust.enabled": False,
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "telemetry.telemetryLevel": "off",
        "chat.disableAIFeatures": True,
        "git.enabled": False,
        "editor.hover.delay": 200,
        # desktop VS Code's default; in the browser it is "afterDelay" (saves after 1 s),
        # which would hide whether an edit (the quick fix) saves the file by itself
        "files.autoSave": "off",
    }
    (user_data / "User" / "settings.json").write_text(json.dumps(settings, indent=2))
    common = ["--user-data-dir", str(user_data), "--extensions-dir", str(extensions)]

    installs = [arg for ext in (vsix, *also_install) for arg in ("--install-extension", str(ext))]
    installed = subprocess.run(
        [code_server, *common, *installs],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert any(p.name.startswith("backend-lens.backend-lens-") for p in extensions.iterdir()), (
        installed.stdout + installed.stderr
    )

    port = _free_port()
    cs_log = artifacts / "code-server.log"
    screenshot = artifacts / "vscode.png"
    code_server_proc = driver = None
    try:
        with cs_log.open("w") as log:
            code_server_proc = subprocess.Popen(
                [
                    code_server,
                    *common,
                    "--bind-addr",
                    f"127.0.0.1:{port}",
                    "--auth",
                    "none",
                    "--disable-telemetry",
                    "--disable-update-check",
                    "--disable-workspace-trust",
                    "--disable-getting-started-override",
                    str(workspace),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=tmp_path,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/healthz", code_server_proc, cs_log)

        config = {
            "url": url,
            "workspace": str(workspace),
            "chromium": chromium,
            "playwrightModules": str(CS_MODULES),
            "profile": str(tmp_path / "chromium-profile"),
            "screenshot": str(screenshot),
            "timeoutMs": 30000,
            **config,
        }
        driver = subprocess.Popen(
            [node, str(DRIVER), json.dumps(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        try:
            out, err = driver.communicate(timeout=150)
        except subprocess.TimeoutExpired:
            _kill_group(driver)
            out, err = driver.communicate()
            pytest.fail(f"the driver did not finish in 150s:\n{err[-4000:]}")
        (artifacts / "driver.log").write_text(err)
        print(err)
        print(f"screenshot: {screenshot}")
        result = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        assert driver.returncode == 0, (
            f"{result.get('error', 'the driver failed')}\n(screenshot: {screenshot}, "
            f"code-server log: {cs_log})\n{err[-3000:]}"
        )
        return result, user_data
    finally:
        _kill_group(driver)
        _kill_group(code_server_proc)
        _kill_leftovers(str(tmp_path))
        _keep_extension_log(user_data, artifacts)


def _extension_log(user_data: Path) -> str:
    """The "Backend Lens" output channel as VS Code logged it."""
    logs = sorted((user_data / "logs").glob("**/backend-lens.backend-lens/*.log"))
    return "\n".join(p.read_text(errors="replace") for p in logs)


def _keep_extension_log(user_data: Path, artifacts: Path) -> None:
    text = _extension_log(user_data) if (user_data / "logs").is_dir() else ""
    if text:
        (artifacts / "backend-lens-output.log").write_text(text)


def test_vscode_extension_in_code_server(run_vscode, workspace, artifacts):
    began = time.monotonic()
    (artifacts / "vscode-quickfix.png").unlink(missing_ok=True)  # not a previous run's
    result, user_data = run_vscode(
        mode="full",
        expectedFindings=EXPECTED_FINDINGS,
        line=LINE,
        code=CODE,
        codeText=CODE_TEXT,
        reportFile=str(workspace / "backend-lens-report.md"),
        reportTitle="Backend Development Report",
        quickFixTitle=QUICK_FIX,
        fixedFile=str(workspace / "shop" / "views.py"),
    )
    # the report came from the button in views.py's editor title bar
    assert "Generate Report" in result["editorTitleActions"], result["editorTitleActions"]
    report = (workspace / "backend-lens-report.md").read_text()
    assert "Backend Development Report" in report
    assert "INT001" in report
    assert any(CODE in row and CODE_TEXT in row for row in result["problems"])
    assert LINE in result["squiggleLines"]
    assert f"Backend Lens: {EXPECTED_FINDINGS} findings" in result["status"]
    assert f"Backend Lens: {EXPECTED_FINDINGS - 1} findings" in result["statusAfterIgnore"]
    # the output channel has the extension's and the server's log, and the server
    # was sent no setting it does not know
    output = _extension_log(user_data)
    assert "backend-lens 0.1.0" in output, output[-2000:]
    assert "unknown setting" not in output, output[-2000:]
    # Restart Server started a second server
    assert output.count("backend-lens 0.1.0") == 2, output[-2000:]
    assert f"Backend Lens: {EXPECTED_FINDINGS - 1} findings" in result["statusAfterRestart"]
    # the quick fix, picked by its title from the Ctrl+. menu, which also offers to
    # suppress the finding; it edits the buffer and leaves saving to the user
    assert QUICK_FIX in result["quickFixMenu"], result["quickFixMenu"]
    assert f"Suppress {CODE} on this line" in result["quickFixMenu"], result["quickFixMenu"]
    assert f"Backend Lens: {EXPECTED_FINDINGS} findings" in result["statusAfterUnignore"]
    assert "timeout=" in result["fixedLine"], result["fixedLine"]
    assert f"Backend Lens: {EXPECTED_FINDINGS - 1} findings" in result["statusAfterFix"]
    assert LINE not in result["squiggleLinesAfterFix"]
    assert sorted(result["squiggleLinesAfterFix"]) == [7, 10], result["squiggleLinesAfterFix"]
    assert not any(CODE in row for row in result["problemsAfterFix"])
    assert result["tabDirty"] and not result["diskHasTimeout"]
    assert "timeout=" not in (workspace / "shop" / "views.py").read_text()
    assert (artifacts / "vscode-quickfix.png").is_file()
    print(f"VS Code end to end: {time.monotonic() - began:.1f}s")


def _bare_venv(tmp_path: Path) -> str:
    """The python of a new venv that has no backend-lens."""
    bare = tmp_path / "bare-venv"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(bare)], check=True)
    return str(bare / "bin" / "python")


def test_vscode_extension_says_how_to_install_the_server(run_vscode, tmp_path):
    """An interpreter without backend-lens: an error with the install command and
    buttons, and the status bar says error."""
    python = _bare_venv(tmp_path)
    result, _ = run_vscode(
        mode="missing-server",
        settings={"backendLens.interpreter": python},
        installCommand=f"{python} -m pip install backend-lens",
    )
    assert "Backend Lens is not installed in" in result["notification"]
    assert "Backend Lens: error" in result["status"]
    # Show Project Inventory then says there is no server, and offers to restart it
    assert (
        "Backend Lens: the server is not running, so there is no inventory."
        in result["inventoryNotification"]
    ), result["inventoryNotification"]
    assert "Restart Server" in result["inventoryButtons"], result["inventoryButtons"]


def test_vscode_show_project_inventory(run_vscode, workspace):
    """Backend Lens: Show Project Inventory, from the command palette: the project
    model as pretty-printed JSON in a read-only document whose language is JSON,
    with the two models of shop/models.py."""
    searches = [
        '"source_roots": [',
        '"models": [',
        '"name": "Customer"',
        '"name": "Order"',
        '"orm": "django"',
        '"path": "shop/models.py"',
        '"endpoints": [',
        '"settings": [',
    ]
    result, user_data = run_vscode(
        mode="inventory",
        expectedFindings=EXPECTED_FINDINGS,
        inventoryTab="workspace inventory.json",
        inventorySearches=searches,
    )
    assert result["language"] == "JSON", result["language"]
    counts = result["matches"]
    assert all(" of " in counts[text] for text in searches), counts
    # one entry per model of shop/models.py, each with its path and ORM
    assert counts['"name": "Customer"'].endswith("of 1"), counts
    assert counts['"name": "Order"'].endswith("of 1"), counts
    assert counts['"orm": "django"'].endswith("of 2"), counts
    assert result["inventoryFirstLines"].startswith('{ "source_roots": ['), result
    # typing into it is refused: the document is read-only
    assert "Cannot edit in read-only editor" in (result["readOnlyMessage"] or ""), result
    assert result["inventoryDirty"] is False
    assert "the inventory failed" not in _extension_log(user_data)


def test_vscode_extension_uses_the_python_extensions_interpreter(
    run_vscode, python_ext_standin, tmp_path
):
    """With neither backendLens.interpreter nor backendLens.serverPath set, the server
    runs with the interpreter selected in the Python extension, and selecting another
    one there restarts it.

    The "Python extension" here is a STAND-IN (tests/editors/python-ext-standin): an
    extension with the id ms-python.python that exports the same shape of
    environments API (getActiveEnvironmentPath, resolveEnvironment,
    onDidChangeActiveEnvironmentPath) and registers python.setInterpreter as an input
    box. The real Python extension cannot be installed here (no marketplace), so this
    checks Backend Lens's side of the contract, not the real extension's behaviour.
    """
    began = time.monotonic()
    bare = _bare_venv(tmp_path)
    result, user_data = run_vscode(
        also_install=(python_ext_standin,),
        settings={
            "backendLens.interpreter": "",
            "backendLens.serverPath": "",
            # what the stand-in reports as selected until one is picked
            "python.defaultInterpreterPath": PYTHON,
        },
        mode="python-extension",
        expectedFindings=EXPECTED_FINDINGS,
        python=PYTHON,
        otherPython=bare,
        pickerPrompt="Path of the Python interpreter to select",
        installCommand=f"{bare} -m pip install backend-lens",
    )
    assert f"Backend Lens: {EXPECTED_FINDINGS} findings" in result["status"]
    assert f"Backend Lens is not installed in {bare}" in result["notification"]
    assert "Backend Lens: error" in result["statusAfterSelect"]
    assert "Choose interpreter" in result["buttons"], result["buttons"]
    assert f"Backend Lens: {EXPECTED_FINDINGS} findings" in result["statusAfterChoose"]
    # the output says where each server came from, and why it restarted
    output = _extension_log(user_data)
    origin = "(from the interpreter selected in the Python extension)"
    first = output.find(f"server: {PYTHON} -P -m backend_lens serve {origin}")
    other = output.find(f"server: {bare} -P -m backend_lens serve {origin}")
    again = output.find(f"server: {PYTHON} -P -m backend_lens serve {origin}", max(other, 0))
    assert 0 <= first < other < again, output[-3000:]
    assert output.count("the Python extension's interpreter changed: restarting") == 2, output
    assert output.count("backend-lens 0.1.0") == 2, output[-3000:]
    print(f"VS Code with the Python extension stand-in: {time.monotonic() - began:.1f}s")


def test_vscode_extension_says_the_server_is_too_old(run_vscode, tmp_path):
    """backendLens.serverPath is a backend-lens older than the extension needs: a
    message with the version, the minimum and the upgrade command; the status says
    error; the old server is only asked its version, never started."""
    calls = tmp_path / "old-server-calls.txt"
    old = tmp_path / "old-backend-lens"
    old.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{calls}"\n'
        'if [ "$1" = --version ]; then echo "backend-lens 0.0.1"; exit 0; fi\n'
        'echo "this stand-in of an old backend-lens only answers --version" >&2\n'
        "exit 1\n"
    )
    old.chmod(0o755)
    result, user_data = run_vscode(
        settings={"backendLens.interpreter": "", "backendLens.serverPath": str(old)},
        mode="old-server",
        minVersion="0.1.0",
        upgradeCommand="pip install --upgrade backend-lens",
    )
    assert f"Backend Lens 0.0.1 in {old} is older than 0.1.0" in result["notification"]
    assert "Backend Lens: error" in result["status"]
    # serverPath decides, so choosing an interpreter cannot help: no such button
    assert "Open settings" in result["buttons"], result["buttons"]
    assert "Choose interpreter" not in result["buttons"], result["buttons"]
    assert calls.read_text().split("\n") == ["--version", ""], calls.read_text()
    assert f"server: {old} serve (from backendLens.serverPath)" in _extension_log(user_data)


def test_vscode_extension_never_runs_the_workspaces_code(run_vscode, workspace, tmp_path):
    """The server runs in the workspace folder: a workspace that plants modules
    named like everything Backend Lens imports (a `backend_lens/` package,
    `tomllib.py`, ..., see tests/planted.py), each leaving a marker when imported,
    is analysed as usual and none of them runs, even with an empty entry in
    PYTHONPATH (which means the working directory). Then an interpreter too old
    for `-P` is chosen: the message says so (not a usage error from Python)."""
    markers = tmp_path / "markers"
    plant(workspace, markers, imported_names())
    old = old_python(tmp_path)
    result, user_data = run_vscode(
        mode="findings",
        expectedFindings=EXPECTED_FINDINGS,
        oldPython=old,
        env_extra={"PYTHONPATH": os.pathsep + str(tmp_path / "elsewhere")},
    )
    assert markers_written(markers) == [], _extension_log(user_data)[-3000:]
    assert f"Backend Lens: {EXPECTED_FINDINGS} findings" in result["status"]
    assert result["squiggles"] >= EXPECTED_FINDINGS
    output = _extension_log(user_data)
    assert f"server: {PYTHON} -P -m backend_lens serve (from backendLens.interpreter)" in output
    assert (
        f"Backend Lens: the Python interpreter {old} (backendLens.interpreter) is too old: "
        "backend-lens needs Python 3.11 or newer" in result["notification"]
    ), result["notification"]
    assert "Choose interpreter" in result["buttons"], result["buttons"]
    assert "Copy install command" not in result["buttons"], result["buttons"]
    assert "Backend Lens: error" in result["statusOldPython"]
