"""A dependency manifest opened in the editor gets EXT003/EXT004 diagnostics
(read as text by the server: engine/manifests.py), updated as it is edited."""

from __future__ import annotations

import pytest
from lsprotocol import types as T

from .conftest import apply_edits, change_doc, diagnostics

pytestmark = pytest.mark.lsp


def open_text(client, path, text: str, language: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        T.DidOpenTextDocumentParams(
            text_document=T.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    return uri


async def test_requirements_file_diagnostics_on_open_and_change(client):
    path = client.root / "requirements.txt"
    text = "# app\nflask>=2\nrequests==2.25.0\n"
    path.write_text(text)
    uri = open_text(client, path, text, "pip-requirements")
    diags = sorted(await diagnostics(client, uri, 1), key=lambda d: d.range.start.line)
    assert [
        (d.code, d.range.start.line, d.range.start.character, d.range.end.character) for d in diags
    ] == [("EXT003", 1, 0, 8), ("EXT004", 2, 0, 16)]
    assert "no upper bound" in diags[0].message and "CVE-" in diags[1].message
    # the quick fix bumps the pin
    actions = await client.text_document_code_action_async(
        T.CodeActionParams(
            text_document=T.TextDocumentIdentifier(uri=uri),
            range=diags[1].range,
            context=T.CodeActionContext(diagnostics=[diags[1]]),
        )
    )
    fix = next(a for a in actions if a.title.startswith("Upgrade"))
    changes = fix.edit.document_changes or []
    edits = [e for dc in changes for e in dc.edits] or fix.edit.changes[uri]
    fixed = apply_edits(text, edits)
    assert "requests==2.32.4\n" in fixed
    change_doc(client, uri, 2, fixed.replace("flask>=2", "flask==3.0.3"))
    assert list(await diagnostics(client, uri, 2)) == []


async def test_pyproject_diagnostics_are_placed_inside_the_string(client):
    path = client.root / "svc" / "pyproject.toml"
    path.parent.mkdir()
    text = '[project]\nname = "svc"\ndependencies = [\n    "Django>=4.2",\n]\n'
    path.write_text(text)
    uri = open_text(client, path, text, "toml")
    (diag,) = await diagnostics(client, uri, 1)
    assert diag.code == "EXT003"
    assert (diag.range.start.line, diag.range.start.character) == (3, 5)
    assert diag.range.end.character == 16
    hover = await client.text_document_hover_async(
        T.HoverParams(
            text_document=T.TextDocumentIdentifier(uri=uri),
            position=T.Position(line=3, character=8),
        )
    )
    assert hover is not None and "EXT003 · unpinned-dependency" in hover.contents.value
