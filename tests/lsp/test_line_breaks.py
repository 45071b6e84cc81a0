"""The server's copy of a document counts lines as the editor does (``\\n``,
``\\r\\n``, ``\\r`` only): a form feed, U+0085 or U+2028 in a comment must not
shift where incremental edits land, where diagnostics point, or where the
Suppress edit writes its comment."""

from __future__ import annotations

import re

import pytest
from lsprotocol import types as T

from .conftest import diagnostics, open_doc

pytestmark = pytest.mark.lsp

TEXT = (
    "import requests\n"
    "# a comment{ch}with an odd character\n"
    'NOTE = "and a string{ch}too"\n'
    "\n"
    "\n"
    "def ping():\n"
    '    return requests.get("https://partner.example/ping")\n'
    "\n"
    "\n"
    "def pong():\n"
    '    return requests.post("https://partner.example/pong")\n'
)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def editor_lines(text: str) -> list[str]:
    """Lines as an LSP client counts them (written here independently of the server)."""
    return _LINE.findall(text)


def editor_apply(text: str, edits: list[T.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 columns) the way an editor does."""

    def offset(pos: T.Position) -> int:
        lines = editor_lines(text)
        before = sum(len(x) for x in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character:
                return before + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return before + len(line.rstrip("\r\n"))

    for e in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        a, b = offset(e.range.start), offset(e.range.end)
        text = text[:a] + e.new_text + text[b:]
    return text


def lines_of(diags, code: str) -> list[int]:
    return sorted(d.range.start.line for d in diags if d.code == code)


@pytest.mark.parametrize("ch", ["\x0c", "\x85", "\u2028", "\u2029"], ids=["FF", "NEL", "LS", "PS"])
async def test_incremental_edit_and_suppress_below_an_odd_character(client, ch):
    path = client.root / "shop" / "odd.py"
    text = TEXT.format(ch=ch)
    path.write_text(text, encoding="utf-8")
    uri = open_doc(client, path, text=text)
    assert lines_of(await diagnostics(client, uri, 1), "INT001") == [6, 10]

    # the user types `, timeout=5` before the `)` of line 7 (0-based 6)
    line6 = editor_lines(text)[6]
    col = line6.rindex(")")
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                T.TextDocumentContentChangePartial(
                    range=T.Range(start=T.Position(6, col), end=T.Position(6, col)),
                    text=", timeout=5",
                )
            ],
        )
    )
    text = editor_apply(
        text,
        [T.TextEdit(range=T.Range(T.Position(6, col), T.Position(6, col)), new_text=", timeout=5")],
    )
    after = await diagnostics(client, uri, 2)
    assert lines_of(after, "INT001") == [10]  # the edit landed on line 7, as typed

    diag = next(d for d in after if d.code == "INT001")
    actions = await client.text_document_code_action_async(
        T.CodeActionParams(
            text_document=T.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=T.CodeActionContext(diagnostics=[diag]),
        )
    )
    suppress = next(a for a in actions if a.title.startswith("Suppress"))
    edits = [e for dc in suppress.edit.document_changes for e in dc.edits]
    new_text = editor_apply(text, edits)
    assert (
        editor_lines(new_text)[10]
        .rstrip("\r\n")
        .endswith('/pong")  # backend-lens: ignore[INT001]')
    )
    assert new_text.count(ch) == 2  # the user's characters are all still there
    compile(new_text, "odd.py", "exec")
