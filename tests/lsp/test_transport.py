"""The server's transport under malformed input: raw bytes written to the real server's
stdin, the way a broken or hostile client would write them. After each fault the server
must still answer the next valid request, and never print a traceback."""

from __future__ import annotations

import io
import json
import logging
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from backend_lens.lsp.transport import FrameReader

from ..lspwire import frame, read_message

pytestmark = pytest.mark.lsp

WORKSPACE = Path(__file__).parent / "workspace"
TIMEOUT = 15.0  # bounded waits; a healthy server answers in milliseconds

INVALID_PARAMS = -32602
INVALID_REQUEST = -32600
SERVER_NOT_INITIALIZED = -32002
INTERNAL_ERROR = -32603


class RawClient:
    """The server as a subprocess, written to byte by byte, its replies read by a thread."""

    def __init__(self, root: Path):
        self.root = root
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend_lens", "serve", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.inbox: queue.Queue = queue.Queue()
        self.received: list[dict] = []
        self.stderr: list[bytes] = []
        self.ids = iter(range(1, 1_000_000))
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- the wire -----------------------------------------------------------
    def _read_stdout(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            message = read_message(out)
            if message is None:
                self.inbox.put(None)
                return
            if "method" in message and "id" in message:
                # a request from the server (progress, registration): answer it
                self.send(frame({"jsonrpc": "2.0", "id": message["id"], "result": None}))
            self.inbox.put(message)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def request(self, method: str, params=None) -> int:
        msg_id = next(self.ids)
        self.send(frame({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}))
        return msg_id

    def notify(self, method: str, params=None) -> None:
        self.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def wait(self, predicate, what: str, timeout: float = TIMEOUT) -> dict:
        for message in self.received:
            if predicate(message):
                return message
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; stderr:\n{self.log()}")
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError(
                    f"the server closed its output waiting for {what}:\n{self.log()}"
                )
            self.received.append(message)
            if predicate(message):
                return message

    def response(self, msg_id: int | str) -> dict:
        return self.wait(
            lambda m: m.get("id") == msg_id and "method" not in m, f"the answer to request {msg_id}"
        )

    def answered(self, msg_id: int) -> dict:
        """The answer to a request that must succeed."""
        reply = self.response(msg_id)
        assert "error" not in reply, reply
        return reply

    def logged(self, text: str, since: int = 0, timeout: float = TIMEOUT) -> str:
        """Wait until the server's stderr (from line ``since`` on) contains ``text``."""
        deadline = time.monotonic() + timeout
        while text not in self.log(since):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not logged; stderr:\n{self.log()}")
            time.sleep(0.02)
        return self.log(since)

    def log(self, since: int = 0) -> str:
        """What the server wrote to stderr (from line ``since`` on)."""
        return b"".join(self.stderr[since:]).decode("utf-8", "replace")

    # -- LSP ----------------------------------------------------------------
    def initialize(self) -> dict:
        reply = self.answered(
            self.request(
                "initialize",
                {
                    "processId": None,
                    "rootUri": self.root.as_uri(),
                    "capabilities": {"window": {"workDoneProgress": True}},
                    "workspaceFolders": [{"uri": self.root.as_uri(), "name": "ws"}],
                },
            )
        )
        self.notify("initialized", {})
        # the workspace is indexed (findings across files are known) when its progress ends
        self.wait(
            lambda m: m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end",
            "the end of workspace indexing",
        )
        return reply

    def ping(self) -> dict:
        """A valid request any server state can answer: hover over a file not open."""
        uri = (self.root / "nowhere.py").as_uri()
        return self.answered(
            self.request(
                "textDocument/hover",
                {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
            )
        )

    def open(self, path: Path, version: int = 1, text: str | None = None) -> str:
        uri = path.as_uri()
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": version,
                    "text": path.read_text() if text is None else text,
                }
            },
        )
        return uri

    def diagnostics(self, uri: str, version: int) -> list[dict]:
        message = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            ),
            f"diagnostics of {uri} v{version}",
        )
        return message["params"]["diagnostics"]

    def close(self) -> int:
        """Shut down and exit the way a client does; the exit code."""
        if self.proc.poll() is None:
            try:
                self.send(frame({"jsonrpc": "2.0", "id": 0, "method": "shutdown"}))
                self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
                self.proc.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
        try:
            return self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the server did not exit after shutdown and exit") from None


@pytest.fixture
def raw(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root)
    client = RawClient(root)
    try:
        yield client
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
            client.proc.wait()


@pytest.fixture
def ready(raw):
    raw.initialize()
    return raw


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One initialized server for many faults in a row (each test leaves it answering)."""
    root = tmp_path_factory.mktemp("shared") / "ws"
    shutil.copytree(WORKSPACE, root)
    client = RawClient(root)
    try:
        client.initialize()
        yield client
        assert client.close() == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
            client.proc.wait()


def copy_of_views(client: RawClient, name: str) -> Path:
    """A file of its own with the findings of shop/views.py (tests on the shared server
    each open a different file, so no test sees another's diagnostics)."""
    path = client.root / "shop" / name
    path.write_text((client.root / "shop" / "views.py").read_text())
    return path


def codes(diags: list[dict]) -> list[str]:
    return sorted(d["code"] for d in diags)


def no_traceback(client: RawClient) -> None:
    log = client.log()
    assert "Traceback" not in log and " ERROR " not in log, log


HOVER = {
    "jsonrpc": "2.0",
    "id": 999,
    "method": "textDocument/hover",
    "params": {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}},
}
BODY = json.dumps(HOVER).encode()

MALFORMED = {
    "non-numeric length": b"Content-Length: abc\r\n\r\n" + BODY,
    "zero length": b"Content-Length: 0\r\n\r\n" + BODY,
    "negative length": b"Content-Length: -5\r\n\r\n" + BODY,
    "length of 5,000 digits": b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n" + BODY,
    "no length at all": b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + BODY,
    "length too short": b"Content-Length: 20\r\n\r\n" + BODY,
    "length too long": b"Content-Length: %d\r\n\r\n" % (len(BODY) + 7) + BODY,
    "garbage line": b"hello, server\r\n",
    "garbage without newline": b"\x00\xff{{{{",
    "header without blank line": b"Content-Length: 5\r\nhello",
    "body is not JSON": frame(b"{not json at all"),
    "body is a JSON array (a batch)": frame(b"[" + BODY + b"]"),
    "body is a JSON number": frame(b"42"),
    "body without jsonrpc": frame(b'{"id": 999, "method": "textDocument/hover"}'),
    "body nested 100k deep": frame(b"[" * 100_000 + b"]" * 100_000),
    "request with a list for an id": frame(
        {"jsonrpc": "2.0", "id": [1], "method": "textDocument/hover", "params": {}}
    ),
    "request with a number for a method": frame({"jsonrpc": "2.0", "id": 998, "method": 5}),
    "response to nothing": frame({"jsonrpc": "2.0", "id": "no-such-request", "result": 1}),
    "over-long header line": b"X-Padding: " + b"x" * 200_000 + b"\r\n",
}


@pytest.mark.parametrize("fault", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_frame_is_skipped_and_the_next_request_answered(shared, fault):
    shared.send(MALFORMED[fault])
    first = shared.request("textDocument/hover", HOVER["params"])
    shared.ping()  # and the one after it: the stream is back in step
    if fault != "length too long":  # that one has eaten the start of the next frame
        shared.answered(first)
    no_traceback(shared)


def test_lower_case_header_names_and_lf_line_ends_are_accepted(shared):
    uri = (shared.root / "nowhere.py").as_uri()
    for header in (
        b"content-length: %d\r\n\r\n",
        b"Content-Length: %d\n\n",
        b"CONTENT-LENGTH:%d\n\r\n",
    ):
        msg_id = next(shared.ids)
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": msg_id,
                "method": "textDocument/hover",
                "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
            }
        ).encode()
        shared.send(header % len(body) + body)
        shared.answered(msg_id)


def test_a_huge_content_length_is_refused_and_the_server_keeps_serving(shared):
    mark = len(shared.stderr)
    shared.send(b"Content-Length: 99999999999999\r\n\r\n" + BODY)
    shared.ping()
    uri = shared.open(copy_of_views(shared, "huge.py"))
    assert codes(shared.diagnostics(uri, 1)) == ["DBP001", "INT001", "ORM001"]
    shared.logged("larger than the 67108864-byte limit", since=mark)
    no_traceback(shared)


def test_a_request_with_invalid_params_gets_an_invalid_params_error(shared):
    msg_id = shared.request("textDocument/hover", {"textDocument": 5})
    reply = shared.response(msg_id)
    assert reply["error"]["code"] == INVALID_PARAMS
    assert "textDocument/hover" in reply["error"]["message"]
    assert "textDocument" in reply["error"]["message"]  # says what is wrong
    # a string id is echoed as it came
    shared.send(frame({"jsonrpc": "2.0", "id": "abc", "method": "textDocument/codeAction"}))
    assert shared.response("abc")["error"]["code"] == INVALID_PARAMS
    shared.ping()
    no_traceback(shared)


def test_a_notification_with_invalid_params_is_dropped_and_the_server_goes_on(shared):
    views = copy_of_views(shared, "notification.py")
    shared.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": views.as_uri(), "languageId": "python", "version": "one"}},
    )
    shared.notify("textDocument/didChange", {"contentChanges": 7})
    shared.ping()
    uri = shared.open(views, version=3)
    assert codes(shared.diagnostics(uri, 3)) == ["DBP001", "INT001", "ORM001"]
    no_traceback(shared)


def test_a_second_initialize_is_refused_and_open_documents_still_publish(ready):
    views = ready.root / "shop" / "views.py"
    uri = ready.open(views)
    assert codes(ready.diagnostics(uri, 1)) == ["DBP001", "INT001", "ORM001"]
    msg_id = ready.request(
        "initialize", {"processId": None, "rootUri": ready.root.as_uri(), "capabilities": {}}
    )
    reply = ready.response(msg_id)
    assert reply["error"]["code"] == INVALID_REQUEST
    assert "initialize" in reply["error"]["message"]
    # the document opened before is still known: a change to it is analysed and published
    text = views.read_text().replace("import requests\n", "import requests\n\n\n")
    ready.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": text}],
        },
    )
    assert codes(ready.diagnostics(uri, 2)) == ["DBP001", "INT001", "ORM001"]
    # and a document opened afterwards is published too
    other = ready.root / "shop" / "other.py"
    other.write_text(views.read_text())
    other_uri = ready.open(other, version=5)
    assert codes(ready.diagnostics(other_uri, 5)) == ["DBP001", "INT001", "ORM001"]
    no_traceback(ready)
    assert ready.close() == 0


def test_a_request_whose_handler_raises_is_answered_with_an_error(shared):
    mark = len(shared.stderr)
    # a diagnostic of ours whose data is not what the server wrote: the handler fails
    diag = {
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
        "message": "x",
        "source": "backend-lens",
        "data": {"version": None, "code": "ORM001", "fix": 5},
    }
    msg_id = shared.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": (shared.root / "nowhere.py").as_uri()},
            "range": diag["range"],
            "context": {"diagnostics": [diag]},
        },
    )
    reply = shared.response(msg_id)
    assert reply["error"]["code"] == INTERNAL_ERROR
    shared.ping()
    # the user sees one line saying what failed, not a traceback
    shared.logged("TypeError", since=mark)
    assert "Traceback" not in shared.log()


def test_requests_before_initialize_are_refused_and_initialize_still_works(raw):
    msg_id = raw.request(
        "textDocument/hover",
        {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}},
    )
    assert raw.response(msg_id)["error"]["code"] == SERVER_NOT_INITIALIZED
    raw.open(raw.root / "shop" / "views.py")  # a notification before initialize: dropped
    # an initialize with bad params is refused, and does not count as the one initialize
    msg_id = raw.request("initialize", {"processId": None, "capabilities": 5})
    assert raw.response(msg_id)["error"]["code"] == INVALID_PARAMS
    raw.initialize()
    uri = raw.open(raw.root / "shop" / "views.py", version=2)
    assert codes(raw.diagnostics(uri, 2)) == ["DBP001", "INT001", "ORM001"]
    no_traceback(raw)
    assert raw.close() == 0


def test_out_of_order_and_duplicate_document_messages_do_not_break_it(ready):
    views = ready.root / "shop" / "views.py"
    uri = views.as_uri()
    text = views.read_text()
    change = {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]}
    ready.notify("textDocument/didChange", change)  # before didOpen
    ready.notify("textDocument/didClose", {"textDocument": {"uri": uri}})  # not open
    ready.open(views, version=3)
    ready.open(views, version=4)  # opened twice
    assert codes(ready.diagnostics(uri, 4)) == ["DBP001", "INT001", "ORM001"]
    ready.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    ready.notify("textDocument/didClose", {"textDocument": {"uri": uri}})  # closed twice
    ready.open(views, version=6)
    assert codes(ready.diagnostics(uri, 6)) == ["DBP001", "INT001", "ORM001"]
    ready.notify("initialized", {})  # again
    ready.ping()
    no_traceback(ready)
    assert ready.close() == 0


def test_requests_after_shutdown_are_refused_and_exit_ends_the_process(ready):
    assert "error" not in ready.response(ready.request("shutdown"))
    msg_id = ready.request(
        "textDocument/hover",
        {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}},
    )
    assert ready.response(msg_id)["error"]["code"] == INVALID_REQUEST
    ready.notify("exit")  # stdin stays open: exit alone must end the process
    assert ready.proc.wait(timeout=TIMEOUT) == 0


def test_exit_without_shutdown_ends_the_process_with_code_1(ready):
    ready.notify("exit")
    assert ready.proc.wait(timeout=TIMEOUT) == 1


def test_a_body_that_is_not_utf8_is_repaired_not_dropped(shared):
    views = copy_of_views(shared, "latin1.py")
    text = views.read_text().replace("import requests\n", "import requests\nX = 'SENTINEL'\n")
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {
                    "uri": views.as_uri(),
                    "languageId": "python",
                    "version": 1,
                    "text": text,
                }
            },
        }
    ).encode()
    body = body.replace(b"SENTINEL", b"caf\xe9")  # a Latin-1 byte in a UTF-8 stream
    shared.send(frame(body))
    diags = shared.diagnostics(views.as_uri(), 1)
    assert codes(diags) == ["DBP001", "INT001", "ORM001"]
    shared.logged("not valid UTF-8")


def test_the_tcp_transport_resynchronises_too(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend_lens", "serve", "--tcp", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True).start()
        port = None
        while port is None:  # the server says where it listens before it accepts
            line = lines.get(timeout=TIMEOUT).decode()
            if "listening on" in line:
                port = int(line.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as conn:
            init = {"processId": None, "rootUri": None, "capabilities": {}}
            conn.sendall(
                frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init})
                + MALFORMED["non-numeric length"]
                + frame({**HOVER, "id": 2})
            )
            replies = conn.makefile("rb")
            seen = set()
            while 2 not in seen:
                length = None
                while (line := replies.readline()).strip():
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                assert length is not None, "the server closed the connection"
                message = json.loads(replies.read(length))
                seen.add(message.get("id"))
    finally:
        proc.kill()
        proc.wait()


def test_a_bad_tcp_address_is_a_message_not_a_traceback():
    r = subprocess.run(
        [sys.executable, "-m", "backend_lens", "serve", "--tcp", "localhost:http"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert r.returncode == 2
    assert "HOST:PORT" in r.stderr
    assert "Traceback" not in r.stderr


# -- the frame reader on its own, with a small limit -------------------------------


def read_all(data: bytes, max_bytes: int = 1000) -> list[bytes]:
    reader = FrameReader(io.BufferedReader(io.BytesIO(data)), max_bytes=max_bytes)
    bodies = []
    while (body := reader.read()) is not None:
        bodies.append(body)
    return bodies


def test_reader_skips_an_over_large_frame_and_reads_the_next(caplog):
    big = b'{"x": "' + b"a" * 5000 + b'"}'
    with caplog.at_level(logging.WARNING):
        assert read_all(frame(big) + frame(b'{"n": 1}') + frame(b'{"n": 2}')) == [
            b'{"n": 1}',
            b'{"n": 2}',
        ]
    assert "larger than the 1000-byte limit" in caplog.text


def test_reader_resynchronises_after_each_kind_of_fault():
    good = frame(b'{"ok": 1}')
    for name, fault in MALFORMED.items():
        if name.startswith(("body", "request", "response")):
            continue  # well framed: the protocol layer deals with those
        bodies = read_all(fault + good + good, max_bytes=10_000_000)
        if name == "length too long":  # it ate the start of the first good frame
            assert bodies[-1:] == [b'{"ok": 1}'], name
        else:
            assert bodies[-2:] == [b'{"ok": 1}', b'{"ok": 1}'], name


def test_reader_stops_at_the_end_of_input_mid_frame():
    assert read_all(frame(b'{"ok": 1}') + b"Content-Length: 50\r\n\r\n{") == [b'{"ok": 1}']
