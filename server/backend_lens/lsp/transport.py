"""The language server's transport: framing that survives malformed input, and a
protocol that answers every request.

pygls 2.x reads stdio with a loop that accepts only ``Content-Length: N\\r\\n``, byte
for byte: one header it does not match (a lower-case name, LF line ends, a
non-numeric or zero length) leaves its state wrong for good, so the server goes deaf;
a huge length makes it try to read that much. It drops a request whose params do not
deserialise without answering it, treats a second ``initialize`` as a fresh start
(forgetting the open documents) and leaves requests after ``shutdown`` unanswered.

Here the stdio loop is ours: :class:`FrameReader` parses headers leniently, bounds
the size of a message and resynchronises on the next header after any fault, and
:class:`GuardedProtocol` answers every request it cannot run with a JSON-RPC error.
Nothing here prints a traceback: a fault in the input is the client's, and is
logged as one line."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import threading
from typing import Any, BinaryIO
from urllib.parse import unquote

import cattrs
from lsprotocol import types as T
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    RPCRequest,
)

log = logging.getLogger("backend_lens.lsp")

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""The largest message body read; a larger one is skipped (a 5 MB file is ~6 MB of JSON)."""

LINE_CHUNK = 64 * 1024
"""Header lines are read at most this much at a time; no real header comes close."""

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002

# `Name: value`, name as HTTP spells a token (RFC 7230), any case
HEADER = re.compile(rb"([A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*?)[ \t]*")
# a Content-Length header at the end of a line: where the next message starts after
# the body of one whose length was wrong (bodies have no line end of their own)
NEXT_HEADER = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*$", re.IGNORECASE)


class FrameReader:
    """Message bodies from a byte stream framed with LSP base-protocol headers.

    Lenient in what it accepts (any case of header names, CRLF or LF line ends,
    blank lines between messages) and never stuck: after a header it cannot use it
    skips bytes until a line that ends with a ``Content-Length`` header, and a body
    over ``max_bytes`` is not read but skipped the same way. Bodies that are not valid
    UTF-8 are repaired: an editor sends a buffer's bytes as they are, and a buffer with
    a Latin-1 byte or a character cut in half would otherwise lose that didChange and
    leave the server's copy of the document out of step with the editor for good; each
    undecodable byte becomes U+FFFD instead, so positions stay aligned."""

    def __init__(self, raw: BinaryIO, max_bytes: int = MAX_MESSAGE_BYTES):
        self.raw = raw
        self.max_bytes = max_bytes
        self.skipped = 0  # bytes skipped since the last good message
        self.problem: str | None = None  # the first reason for skipping them
        self.warned_utf8 = False

    def read(self) -> bytes | None:
        """The next message body, or None at the end of the input."""
        while True:
            length = self._headers()
            if length is None:
                self._report_skipped()
                return None
            if length < 0:
                continue  # a bad header block: resynchronise on the next one
            body = self.raw.read(length)
            if len(body) < length:
                self.skipped += len(body)
                self.problem = self.problem or "the input ended inside a message"
                self._report_skipped()
                return None
            self._report_skipped()
            return self._utf8(body)

    # -- headers ------------------------------------------------------------
    def _headers(self) -> int | None:
        """Read one header block: its Content-Length, -1 if it is unusable (and
        skipped, with a warning), None at the end of the input."""
        length: int | None = None
        problem: str | None = None
        seen = False
        while True:
            got = self._line()
            if got is None:
                return None
            line, whole = got
            text = line.rstrip(b"\r\n")
            if whole and not text.strip(b" \t"):
                if not seen:
                    continue  # blank lines between messages are harmless
                break
            found = NEXT_HEADER.search(text)
            if found is not None and found.start() > 0:
                # the rest of something else, then a header: start over at the header
                self.skipped += found.start()
                text = text[found.start() :]
                length, problem, seen = None, None, False
            m = HEADER.fullmatch(text) if whole or found is not None else None
            if m is None:
                self.skipped += len(line)  # not a header: noise, or a body read as one
                length, problem, seen = None, None, False
                continue
            seen = True
            if m.group(1).lower() == b"content-length":
                value = m.group(2)
                if value.isdigit() and len(value) <= 15:
                    length, problem = int(value), None
                elif value.isdigit():  # beyond any limit (and int() refuses 4,300 digits)
                    problem = f"a Content-Length of {len(value)} digits, beyond the limit"
                else:
                    shown = value[:40].decode("ascii", "replace")
                    problem = f"a Content-Length that is not a number: {shown!r}"
        if problem is None and length is None:
            problem = "a header without Content-Length"
        elif problem is None and length == 0:
            problem = "a Content-Length of 0"
        elif problem is None and length is not None and length > self.max_bytes:
            problem = f"a message of {length} bytes, larger than the {self.max_bytes}-byte limit"
        if problem is not None:
            self.problem = self.problem or problem
            return -1
        assert length is not None
        return length

    def _line(self) -> tuple[bytes, bool] | None:
        """The next line and whether it is whole, or None at the end of the input. A
        line longer than LINE_CHUNK is no header: only its last bytes are returned
        (a header may be glued to its end), the rest counts as skipped."""
        line = self.raw.readline(LINE_CHUNK)
        if not line:
            return None
        if line.endswith(b"\n") or len(line) < LINE_CHUNK:
            return line, True
        total, tail = len(line), line[-200:]
        while not tail.endswith(b"\n"):
            more = self.raw.readline(LINE_CHUNK)
            if not more:
                break
            total, tail = total + len(more), (tail + more)[-200:]
        self.skipped += total - len(tail)
        return tail, False

    def _report_skipped(self) -> None:
        """One warning for everything skipped since the last good message."""
        if self.skipped or self.problem:
            log.warning(
                "skipped %d bytes of malformed input (%s); read on from the next header",
                self.skipped,
                self.problem or "not a message header",
            )
            self.skipped, self.problem = 0, None

    # -- bodies -------------------------------------------------------------
    def _utf8(self, body: bytes) -> bytes:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            if not self.warned_utf8:
                self.warned_utf8 = True
                log.warning(
                    "the editor sent text that is not valid UTF-8; "
                    "undecodable bytes are read as U+FFFD"
                )
            body = body.decode("utf-8", "replace").encode("utf-8")
        return body


class _InvalidRequest(Exception):
    """A message that is not a valid JSON-RPC request (as opposed to one with bad params)."""


_REJECTED = object()  # a message already answered or logged; nothing more to do


def _valid_id(msg_id: Any) -> bool:
    return isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)


def _camel(path: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), path)


def describe(exc: Exception) -> str:
    """What is wrong with a message, in one line a client can show."""
    if isinstance(exc, _InvalidRequest):
        return str(exc)
    if isinstance(exc, (cattrs.ClassValidationError, cattrs.IterableValidationError)):
        problems = []
        for line in cattrs.transform_error(exc):
            what, _, where = line.rpartition(" @ ")
            where = _camel(where.removeprefix("$").removeprefix("."))
            problems.append(f"{where}: {what}" if where else what)
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return "; ".join(problems[:3]) + more
    return f"{type(exc).__name__}: {exc}"[:300]


class GuardedProtocol(LanguageServerProtocol):
    """pygls' language server protocol, answering every request it is given.

    A request whose params do not deserialise gets InvalidParams (pygls drops it); one
    that is not a valid JSON-RPC request gets InvalidRequest when it has an id to answer;
    a notification with bad params is logged and dropped. As the specification says, a
    request before ``initialize`` gets ServerNotInitialized, a second ``initialize`` and
    any request after ``shutdown`` get InvalidRequest, and the server's state is kept."""

    def __init__(self, server, converter):
        super().__init__(server, converter)
        self.initialize_received = False
        self.initialized_received = False

    # -- from bytes to a message -------------------------------------------
    def handle_body(self, body: bytes) -> None:
        """Parse and handle one message body read by :class:`FrameReader`."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            log.warning("skipped a message that is not valid JSON (%s)", str(exc)[:200])
            return
        if isinstance(data, dict):
            self.handle_message(self.structure_message(data))
        else:
            self.handle_message(data)

    def structure_message(self, data: dict[str, Any]):
        if "jsonrpc" not in data:
            return data  # a nested object (pygls' loop calls this for each); see handle_message
        try:
            return self._structure(data)
        except Exception as exc:
            self._reject(data, exc)
            return _REJECTED

    def _structure(self, data: dict[str, Any]):
        if data.get("jsonrpc") != self.VERSION:
            raise _InvalidRequest('"jsonrpc" must be "2.0"')
        if "method" in data and not isinstance(data["method"], str):
            raise _InvalidRequest('"method" must be a string')
        method = data.get("method")
        if "id" not in data:
            cls = self.get_message_type(method or "") or JsonRPCNotification
        elif "error" in data and method is None:
            cls = T.ResponseErrorMessage
        elif not _valid_id(data["id"]):
            raise _InvalidRequest('"id" must be a number or a string')
        elif method is not None:
            cls = self.get_message_type(method) or JsonRPCRequestMessage
        else:
            cls = self._result_types.pop(data["id"], None) or JsonRPCResponseMessage
        return self._converter.structure(data, cls)

    def _reject(self, data: dict[str, Any], exc: Exception) -> None:
        """Answer (a request) or log (anything else) a message that cannot be handled."""
        method, msg_id = data.get("method"), data.get("id")
        reason = describe(exc)
        if "method" in data and "id" in data:
            if not _valid_id(msg_id):
                log.warning("skipped a request that cannot be answered: %s", reason)
            elif isinstance(exc, _InvalidRequest):
                self._send_error(msg_id, INVALID_REQUEST, f"invalid request: {reason}")
            else:
                self._send_error(msg_id, INVALID_PARAMS, f"invalid params for {method}: {reason}")
        elif "method" in data:
            log.warning("ignored a %s notification: invalid params: %s", method, reason)
        else:
            # a malformed answer to one of our requests: whoever waits for it must go on
            future = self._request_futures.pop(msg_id, None) if _valid_id(msg_id) else None
            if future is not None and not future.done():
                future.set_exception(
                    JsonRpcException(f"the client's answer is malformed: {reason}")
                )
            log.warning("ignored a malformed message from the client: %s", reason)

    def _send_error(self, msg_id, code: int, message: str) -> None:
        log.warning("answered request %r with an error: %s", msg_id, message)
        self._send_response(msg_id, error=T.ResponseError(code=code, message=message))

    # -- lifecycle ------------------------------------------------------------
    def handle_message(self, message) -> None:
        if message is _REJECTED:
            return
        if isinstance(message, dict):  # an object without "jsonrpc"
            self._reject(message, _InvalidRequest('"jsonrpc" must be "2.0"'))
            return
        if not hasattr(message, "jsonrpc"):
            what = "a batch (not part of LSP)" if isinstance(message, list) else "not an object"
            log.warning("skipped a message that is %s", what)
            return
        method = getattr(message, "method", None)
        refusal = self._refusal(method)
        if refusal is not None:
            code, text = refusal
            if isinstance(message, RPCRequest):
                self._send_error(message.id, code, text)
            else:
                log.warning("ignored the %s notification: %s", method, text)
            return
        if method == T.INITIALIZE:
            self.initialize_received = True
        elif method == T.INITIALIZED:
            self.initialized_received = True
        elif method == T.TEXT_DOCUMENT_DID_CHANGE and not self._is_open(message.params):
            log.warning(
                "ignored a change to %s, which is not open", message.params.text_document.uri
            )
            return
        super().handle_message(message)

    def _refusal(self, method: str | None) -> tuple[int, str] | None:
        """Why a message may not be handled now, or None when it may."""
        if method is None or method == T.EXIT:
            return None  # answers to our requests, and exit, are always welcome
        if method == T.INITIALIZE and self.initialize_received:
            return INVALID_REQUEST, "the server is already initialized: initialize may be sent once"
        if method != T.INITIALIZE and not self.initialize_received:
            return (
                SERVER_NOT_INITIALIZED,
                f"the server is not initialized: {method} before initialize",
            )
        if self._shutdown:
            return INVALID_REQUEST, f"the server is shutting down: {method} after shutdown"
        if method == T.INITIALIZED and self.initialized_received:
            return INVALID_REQUEST, "initialized was sent already"
        return None

    def _is_open(self, params) -> bool:
        try:
            return self.workspace.text_documents.get(unquote(params.text_document.uri)) is not None
        except Exception:
            return False


def serve_stdio(protocol: GuardedProtocol, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve over stdio until the input ends or the client sends exit; the exit code
    (0, or 1 for exit without shutdown, as the specification says)."""
    try:
        # a reader of our own on the same file: the thread reading it may still be
        # blocked in a read when the process exits, and must not hold sys.stdin's lock
        raw: BinaryIO = open(stdin.fileno(), "rb", closefd=False)  # noqa: SIM115
    except (AttributeError, OSError, ValueError):
        raw = stdin
    protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(_serve(FrameReader(raw), protocol))
    except SystemExit as exc:  # the exit notification
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:
        log.error("the connection to the client is lost; stopping")
        return 1
    except KeyboardInterrupt:
        return 1
    return 0


def serve_tcp(protocol: GuardedProtocol, host: str, port: int) -> int:
    """Serve one client on a TCP socket, with the same framing as stdio; the exit code."""
    with socket.create_server((host, port)) as listener:
        bound = listener.getsockname()
        log.info("listening on %s:%d", bound[0], bound[1])
        conn, peer = listener.accept()
    log.info("client connected from %s:%d", peer[0], peer[1])
    with conn, conn.makefile("rb") as rfile, conn.makefile("wb") as wfile:
        return serve_stdio(protocol, rfile, wfile)


async def _serve(reader: FrameReader, protocol: GuardedProtocol) -> None:
    loop = asyncio.get_running_loop()
    bodies: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=2)

    def hand_over(body: bytes | None) -> bool:
        """Give a body to the loop and wait until it is queued; False once the loop is gone."""
        put = bodies.put(body)
        try:
            asyncio.run_coroutine_threadsafe(put, loop).result()
            return True
        except BaseException:  # the loop closed or cancelled the put: the server is exiting
            put.close()
            return False

    def pump() -> None:
        """On a daemon thread: blocking reads, handed to the loop (at most two ahead)."""
        while True:
            try:
                body = reader.read()
            except Exception as exc:
                log.error("reading from the client failed: %s", exc)
                body = None
            if not hand_over(body) or body is None:
                return

    threading.Thread(target=pump, name="backend-lens-stdin", daemon=True).start()
    while (body := await bodies.get()) is not None:
        try:
            protocol.handle_body(body)
        except Exception:  # a bug of ours: say so, and keep serving the other messages
            log.exception("a message from the client could not be handled")
