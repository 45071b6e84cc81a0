"""Shared pieces of the real-editor tests (Neovim, Emacs, VS Code as code-server).

Each test starts a real editor headless against the real server (`python -m
backend_lens serve`, from the interpreter running the tests) on a fresh copy of
the small workspace in tests/lsp/workspace, and checks what a user would see.
`./dev editors` installs the editors; `./dev test` does that first and sets
BACKEND_LENS_REQUIRE_EDITORS=1. Otherwise (`./dev quick`, plain pytest), when an
editor is missing its tests are skipped with a message naming it and the
command that installs it. Use `missing(...)` rather than `pytest.skip` for that.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKSPACE_TEMPLATE = REPO / "tests" / "lsp" / "workspace"
# where ./dev editors puts what does not go into .venv or the system (code-server, Node 24)
EDITOR_CACHE = REPO / ".cache" / "editors"
# screenshots and logs worth keeping after a run (kept out of git)
ARTIFACTS = REPO / "test-artifacts"
# the server, started the way an editor plugin would: this interpreter's backend-lens
# (-P: the working directory, the workspace, is not on the import path)
SERVER_COMMAND = [sys.executable, "-P", "-m", "backend_lens", "serve"]
PYTHON = sys.executable


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.editor)


def find_tool(name: str, *candidates: Path, install: str) -> str:
    """The path of an editor's executable, or skip the test saying how to install it."""
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    missing(f"{name} is not installed: run `{install}` (or `./dev editors` for every editor)")


def missing(message: str) -> None:
    """Skip a test whose editor is not installed; under `./dev test`, which installs
    every editor first, fail instead, so a broken install cannot pass as a skip."""
    if os.environ.get("BACKEND_LENS_REQUIRE_EDITORS") == "1":
        pytest.fail(message + " (BACKEND_LENS_REQUIRE_EDITORS=1: every editor is required)")
    pytest.skip(message)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh copy of the small workspace: shop/views.py has INT001 on line 15
    (quick fix: add a timeout), ORM001 on line 10 and DBP001 on line 7."""
    root = tmp_path / "workspace"
    shutil.copytree(WORKSPACE_TEMPLATE, root)
    return root


@pytest.fixture
def artifacts(request) -> Path:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def editor_home(tmp_path: Path) -> dict[str, str]:
    """Environment for an isolated editor: its own HOME and XDG folders."""
    home = tmp_path / "home"
    env = dict(os.environ)
    for var, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    return env


def old_python(tmp_path: Path) -> str:
    """A Python older than 3.11, which does not know `-P`: a real one when this
    machine has one, else a stand-in that answers as CPython 3.10 does."""
    candidates = [shutil.which(f"python3.{minor}") for minor in range(10, 5, -1)]
    pyenv = Path.home() / ".pyenv" / "versions"
    if pyenv.is_dir():
        candidates += sorted(str(p) for p in pyenv.glob("3.*/bin/python3") if p.is_file())
    for candidate in filter(None, candidates):
        try:
            proc = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info < (3, 11))"],
                capture_output=True,
                text=True,
                timeout=10,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if proc.stdout.strip() == "True":
            return candidate
    standin = tmp_path / "python3.10"
    standin.write_text(
        "#!/bin/sh\n"
        'echo "Unknown option: -P" >&2\n'
        'echo "usage: $0 [option] ... [-c cmd | -m mod | file | -] [arg] ..." >&2\n'
        'echo "Try \\`python -h\' for more information." >&2\n'
        "exit 2\n"
    )
    standin.chmod(0o755)
    return str(standin)
