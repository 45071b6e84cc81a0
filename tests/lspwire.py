"""The language server's wire format, for tests that talk to it byte by byte."""

from __future__ import annotations

import json


def frame(payload: dict | bytes) -> bytes:
    """One message with its Content-Length header (``payload`` as given if bytes)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream) -> dict | None:
    """The next message the server wrote on ``stream``; None at the end of it."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if not line.strip():
            break
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    assert length is not None, "the server wrote a frame without Content-Length"
    return json.loads(stream.read(length))
