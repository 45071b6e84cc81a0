"""A raw LSP client over the server's real stdio pipes.

pytest-lsp cannot send a broken frame, so the fault suite talks bytes: it
frames (or misframes) messages itself, reads the server's frames on a thread,
answers the server's own requests, and records every publishDiagnostics."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..lspwire import frame, read_message

TIMEOUT = float(os.environ.get("BACKEND_LENS_FUZZ_LSP_TIMEOUT", "60"))


class RawClient:
    def __init__(self, root: Path, stderr_path: Path):
        self.root = root
        self._stderr = stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend_lens", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=root,
        )
        self.stderr_path = stderr_path
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self.responses: dict[int | str, dict] = {}
        self.published: list[dict] = []  # params of every publishDiagnostics, in order
        self.notifications: list[dict] = []
        self.progress_ended = False
        self.closed = False
        self.sent_versions: dict[str, int] = {}  # uri -> the last version sent
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # ------------------------------------------------------------- sending
    def send_bytes(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict) -> None:
        self.send_bytes(frame(message))

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params=None, raw: bool = False) -> int:
        rid = next(self._ids)
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return rid

    def next_id(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------ receiving
    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                message = read_message(out)
                if message is None:
                    return
                self._dispatch(message)
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    def _dispatch(self, msg: dict) -> None:
        if "method" in msg and "id" in msg:  # a request from the server: answer it
            result = None
            if msg["method"] == "workspace/configuration":
                result = [None for _ in msg.get("params", {}).get("items", [])]
            try:
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            except (BrokenPipeError, ValueError, OSError):
                pass
            return
        with self._cond:
            if "method" in msg:
                if msg["method"] == "textDocument/publishDiagnostics":
                    self.published.append(msg["params"])
                elif msg["method"] == "$/progress":
                    if msg["params"].get("value", {}).get("kind") == "end":
                        self.progress_ended = True
                self.notifications.append(msg)
            else:
                self.responses[msg.get("id")] = msg
            self._cond.notify_all()

    def wait(self, predicate, what: str, timeout: float = TIMEOUT):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
                if self.closed:
                    raise AssertionError(
                        f"the server closed its output while we waited for {what} "
                        f"(exit code {self.proc.poll()}); stderr:\n{self.stderr()[-2000:]}"
                    )
                self._cond.wait(min(left, 0.5))

    def response(self, rid: int, timeout: float = TIMEOUT) -> dict:
        return self.wait(lambda: self.responses.get(rid), f"the response to request {rid}", timeout)

    def call(self, method: str, params=None, timeout: float = TIMEOUT) -> dict:
        return self.response(self.request(method, params), timeout)

    def diagnostics(self, uri: str, version: int, timeout: float = TIMEOUT) -> dict:
        def find():
            for p in reversed(self.published):
                if p["uri"] == uri and p.get("version") == version:
                    return p
            return None

        return self.wait(find, f"diagnostics of {uri.rsplit('/', 1)[-1]} v{version}", timeout)

    def last_published(self, uri: str) -> dict | None:
        with self._cond:
            for p in reversed(self.published):
                if p["uri"] == uri:
                    return p
        return None

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    # ------------------------------------------------------------ lifecycle
    def initialize(self, **options) -> dict:
        uri = self.root.as_uri()
        reply = self.call(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "ws"}],
                "capabilities": {
                    "window": {"workDoneProgress": True},
                    "workspace": {"workspaceEdit": {"documentChanges": True}},
                    "textDocument": {"publishDiagnostics": {"versionSupport": True}},
                },
                "initializationOptions": options,
            },
        )
        self.notify("initialized", {})
        return reply

    def wait_indexed(self) -> None:
        self.wait(lambda: self.progress_ended, "the end of workspace indexing")

    def open(self, path: Path, text: str, version: int | None = None) -> str:
        """didOpen; without a version, one above any version sent for it before."""
        uri = path.as_uri()
        if version is None:
            version = self.sent_versions.get(uri, 0) + 1
        self.sent_versions[uri] = version
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": version,
                    "text": text,
                }
            },
        )
        return uri

    def change(self, uri: str, version: int, changes: list[dict]) -> None:
        self.sent_versions[uri] = version
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def kill(self) -> None:
        """Stop a server that may no longer listen, without asking it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.close()

    def close(self) -> int | None:
        """Shut down politely if it still listens; kill otherwise. Returns the exit code."""
        try:
            if self.proc.poll() is None and not self.closed:
                rid = self.request("shutdown")
                try:
                    self.response(rid, timeout=10)
                    self.notify("exit", None)
                except AssertionError:
                    pass
                try:
                    return self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        except (BrokenPipeError, OSError, ValueError):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except (OSError, ValueError):
                    pass
            self._stderr.close()
        return self.proc.returncode
