"""The latency floor for benchmarks/latency.py: a bare pygls server that, on every
change, re-parses the whole document with `ast`, walks every node, and publishes
an empty diagnostic list for that version. A per-edit analysis that is not
incremental cannot beat this; `latency.py --server floor` measures it with the
same edits, so the two figures can be compared side by side in one run."""

from __future__ import annotations

import ast

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer

server = LanguageServer("latency-floor", "1")


def publish(ls: LanguageServer, uri: str, version: int | None) -> None:
    text = ls.workspace.get_text_document(uri).source
    try:
        nodes = sum(1 for _ in ast.walk(ast.parse(text)))
    except SyntaxError:
        nodes = 0
    ls.text_document_publish_diagnostics(
        T.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=[])
    )
    ls.nodes_seen = nodes  # keep the walk from being optimised away


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: T.DidOpenTextDocumentParams) -> None:
    publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: T.DidChangeTextDocumentParams) -> None:
    publish(ls, params.text_document.uri, params.text_document.version)


if __name__ == "__main__":
    server.start_io()
