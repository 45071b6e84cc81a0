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

from .conftest import EDITOR_CACHE, PYTHON, REPO, find_tool

INSTALL = "editors/install/code-server.sh"
BUILD = REPO / "editors" / "vscode" / "build.sh"
DRIVER = Path(__file__).with_name("vscode_driver.mjs")
CS_MODULES = EDITOR_CACHE / "code-server" / "node_modules"
NODE24_DIR = EDITOR_CACHE / "node24-bin"

# what the workspace fixture gives (see conftest.workspace)
EXPECTED_FINDINGS = 3
LINE, CODE, CODE_TEXT = 15, "INT001", "timeout"


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


def test_vscode_extension_in_code_server(workspace, artifacts, editor_home, tmp_path):
    code_server = find_tool("code-server", CS_MODULES / ".bin" / "code-server", install=INSTALL)
    chromium = find_tool("chromium", Path("/usr/bin/chromium"), install=INSTALL)
    node = _node24()
    if not (CS_MODULES / "playwright-core" / "package.json").is_file():
        pytest.skip(f"playwright-core is not installed in {CS_MODULES}: run `{INSTALL}`")
    began = time.monotonic()

    vsix = _build_vsix(dict(os.environ))

    # code-server runs on Node 24: only that `node` first on PATH
    env = dict(editor_home)
    env["PATH"] = f"{Path(node).parent}{os.pathsep}{env.get('PATH', '')}"
    user_data, extensions = tmp_path / "cs-user-data", tmp_path / "cs-extensions"
    (user_data / "User").mkdir(parents=True)
    settings = {
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
        "backendLens.interpreter": PYTHON,
    }
    (user_data / "User" / "settings.json").write_text(json.dumps(settings, indent=2))
    common = ["--user-data-dir", str(user_data), "--extensions-dir", str(extensions)]

    installed = subprocess.run(
        [code_server, *common, "--install-extension", str(vsix)],
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
            "expectedFindings": EXPECTED_FINDINGS,
            "line": LINE,
            "code": CODE,
            "codeText": CODE_TEXT,
            "reportFile": str(workspace / "backend-lens-report.md"),
            "reportTitle": "Backend Development Report",
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
        report = (workspace / "backend-lens-report.md").read_text()
        assert "Backend Development Report" in report
        assert "INT001" in report
        assert any(CODE in row and CODE_TEXT in row for row in result["problems"])
        assert LINE in result["squiggleLines"]
        assert f"Backend Lens: {EXPECTED_FINDINGS} findings" in result["status"]
        print(f"VS Code end to end: {time.monotonic() - began:.1f}s (build included)")
    finally:
        _kill_group(driver)
        _kill_group(code_server_proc)
        _kill_leftovers(str(tmp_path))
