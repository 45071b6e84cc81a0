"""The analysed project's code never runs when Backend Lens starts.

Each test starts Backend Lens the way a user or an editor does, with the
working directory inside a project that plants modules named like everything
Backend Lens imports (tests/planted.py): `tomllib.py`, `logging.py`,
`jedi.py`, a `backend_lens/` package, ... each of which leaves a marker file
when imported. The results must be the normal ones, and no marker written.

`python -m backend_lens` without `-P` puts the working directory first on the
import path before any of our code runs, so a planted `backend_lens/` package
would run whatever we do (so would an `importlib.py`, which runpy imports
first): the editor plugins start `python -P -m backend_lens` (or the
`backend-lens` script), and `__main__` drops the working directory from the
path, so that the other planted names do not run even then.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .lspwire import frame, read_message
from .planted import (
    EXPECTED,
    imported_before_main,
    imported_names,
    markers_written,
    plant,
    write_project,
)

PYTHON = sys.executable
SCRIPT = Path(sys.executable).with_name("backend-lens")
# a hung server is given up on after this long (a run takes a second or two)
TIMEOUT = 60

LAUNCHERS = {
    # the console script (the default of the Neovim plugin, Emacs, Helix, ...)
    "script": [str(SCRIPT)],
    # the editor plugins with an interpreter: the working directory is never on the path
    "python -P -m": [PYTHON, "-P", "-m", "backend_lens"],
    # by hand, without -P: __main__ drops the working directory, but what Python
    # imports before it runs (backend_lens/ itself, importlib for runpy) is not planted
    "python -m": [PYTHON, "-m", "backend_lens"],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    return tmp_path / "markers"


def launcher(name: str) -> tuple[list[str], tuple[str, ...]]:
    """The command of a launcher, and the names to plant for it."""
    if name == "script" and not SCRIPT.is_file():
        pytest.skip(f"no backend-lens script beside {PYTHON}: install the package (./dev)")
    names = names_main_can_guard() if name == "python -m" else imported_names()
    return list(LAUNCHERS[name]), names


def names_main_can_guard(pythonpath: str | None = None) -> tuple[str, ...]:
    """The names to plant where only __main__ stands between the working directory
    and the import path: all but those Python imports before __main__ runs (a
    planted backend_lens/ package itself, importlib for runpy, sitecustomize)."""
    skip = imported_before_main(pythonpath) | {"backend_lens"}
    return tuple(n for n in imported_names() if n not in skip)


def findings(stdout: str) -> set[tuple[str, int, str]]:
    return {
        (m["file"], int(m["line"]), m["code"])
        for m in re.finditer(
            r"^(?P<file>\S+\.py):(?P<line>\d+):\d+: (?P<code>[A-Z]+\d+)", stdout, re.M
        )
    }


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=env
    )


@pytest.mark.parametrize("name", list(LAUNCHERS))
def test_check_does_not_import_the_project(project, markers, name):
    command, names = launcher(name)
    plant(project, markers, names)
    result = run([*command, "check", "."], cwd=project)
    assert markers_written(markers) == [], result.stderr
    assert result.returncode == 1, result.stderr
    assert findings(result.stdout) == EXPECTED, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("name", list(LAUNCHERS))
def test_version_does_not_import_the_project(project, markers, name):
    """What the editors run first, to check the installed server."""
    command, names = launcher(name)
    plant(project, markers, names)
    result = run([*command, "--version"], cwd=project)
    assert markers_written(markers) == [], result.stderr
    assert result.returncode == 0 and re.match(r"backend-lens \d", result.stdout), result


@pytest.mark.parametrize("entry", ["", ".", "src"])
def test_a_pythonpath_entry_meaning_the_working_directory_is_dropped(project, markers, entry):
    """An empty or relative PYTHONPATH entry (`PYTHONPATH=$PYTHONPATH:/x` with
    PYTHONPATH unset gives one) puts the working directory, or a folder of the
    project, on the path even with -P; __main__ drops it before importing. What
    Python's start-up imports from there comes before any of our code: the
    editor plugins leave such entries out of the server's PYTHONPATH."""
    pythonpath = f"{entry}{os.pathsep}{project.parent / 'elsewhere'}"
    names = names_main_can_guard(pythonpath)
    plant(project, markers, names)
    (project / "src").mkdir()
    plant(project / "src", markers, names)
    env = {**os.environ, "PYTHONPATH": pythonpath}
    result = run([PYTHON, "-P", "-m", "backend_lens", "check", "."], cwd=project, env=env)
    assert markers_written(markers) == [], result.stderr
    assert result.returncode == 1, result.stderr
    assert EXPECTED <= findings(result.stdout), result.stdout + result.stderr


class LspSession:
    """A minimal LSP client over a subprocess's stdio (the server's own requests
    are answered with null)."""

    def __init__(self, command: list[str], cwd: Path):
        self.proc = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: queue.Queue[dict | None] = queue.Queue()
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self._next_id = 0

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            message = read_message(out)
            self.messages.put(message)
            if message is None:
                return

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def send(self, message: dict) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame({"jsonrpc": "2.0", **message}))
        self.proc.stdin.flush()

    def request(self, method: str, params) -> dict:
        self._next_id += 1
        self.send({"id": self._next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self._next_id and "method" not in m)

    def wait(self, condition, what=lambda: "an answer") -> dict:
        """The first message (from now) that meets `condition`."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {what()} from the server in {TIMEOUT}s; stderr: {self.stderr!r}")
            if message is None:
                pytest.fail(
                    f"the server exited ({self.proc.wait()}) before {what()}: {self.stderr!r}"
                )
            if "method" in message and "id" in message:  # a request from the server
                self.send({"id": message["id"], "result": None})
            if condition(message):
                return message

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.send({"method": "exit"})
            self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@pytest.mark.parametrize("name", list(LAUNCHERS))
def test_server_does_not_import_the_project(project, markers, name):
    command, names = launcher(name)
    plant(project, markers, names)
    session = LspSession([*command, "serve"], cwd=project)
    try:
        root = project.as_uri()
        session.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root,
                "capabilities": {},
                "workspaceFolders": [{"uri": root, "name": "project"}],
            },
        )
        session.send({"method": "initialized", "params": {}})
        files = {(project / rel).as_uri(): rel for rel in ("shop/views.py", "catalog/views.py")}
        for uri, rel in files.items():
            document = {"uri": uri, "languageId": "python", "version": 1}
            document["text"] = (project / rel).read_text()
            session.send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
        # the latest diagnostics of each file (the first ones may come before the index)
        published: dict[str, set] = {}

        def all_published(message: dict) -> bool:
            if message.get("method") == "textDocument/publishDiagnostics":
                rel = files.get(message["params"]["uri"])
                if rel is not None:
                    published[rel] = {
                        (rel, d["range"]["start"]["line"] + 1, d["code"])
                        for d in message["params"]["diagnostics"]
                    }
            return set().union(*published.values()) == EXPECTED

        session.wait(all_published, lambda: f"the expected diagnostics; published: {published}")
    finally:
        session.close()
    assert markers_written(markers) == [], session.stderr.decode(errors="replace")
    assert b"Traceback" not in session.stderr, session.stderr


def test_the_planted_modules_do_run_when_imported(project, markers):
    """The test's own check: a planted module run from the project leaves its marker."""
    plant(project, markers, ("backend_lens", "tomllib"))
    subprocess.run([PYTHON, "-c", "import backend_lens, tomllib"], cwd=project, check=True)
    assert markers_written(markers) == ["backend_lens", "tomllib"]


_JEDI_DRIVER = """\
import os, sys
from pathlib import Path
from backend_lens.source.names import JediResolver

project = Path(sys.argv[1])
os.chdir(project)  # as the server runs in an editor; our own path stays as it was
resolver = JediResolver(project, lambda path: Path(path).read_text())
print(resolver(str(project / "catalog" / "models.py"), (5, 11)))
"""


@pytest.mark.parametrize("venv", [False, True], ids=["our-python", "VIRTUAL_ENV"])
def test_jedis_helper_process_does_not_import_the_project(project, markers, tmp_path, venv):
    """jedi's helper process runs in the working directory with our environment:
    an empty PYTHONPATH entry there means the project (the server itself is
    started without it by the editor plugins, or drops it in __main__). With a
    virtualenv active that is not ours, jedi runs the helper with its python."""
    plant(project, markers, imported_names())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep + str(elsewhere)}
    env.pop("VIRTUAL_ENV", None)
    if venv:
        other = tmp_path / "other-venv"
        subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(other)], check=True)
        env["VIRTUAL_ENV"] = str(other)
    result = run([PYTHON, "-P", "-c", _JEDI_DRIVER, str(project)], cwd=elsewhere, env=env)
    assert markers_written(markers) == [], result.stderr
    assert result.stdout.strip() == "catalog.base.TimeStamped", result.stdout + result.stderr
