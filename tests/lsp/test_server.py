"""End to end: the real server over stdio, driven the way an editor drives it."""

from __future__ import annotations

import asyncio

import parso
import pytest
from lsprotocol import types as T

from .conftest import apply_edits, change_doc, diagnostics, open_doc, wait_for

pytestmark = pytest.mark.lsp


def codes(diags) -> list[tuple[str, int]]:
    return sorted((str(d.code), d.range.start.line + 1) for d in diags)


def parses(text: str) -> bool:
    grammar = parso.load_grammar()
    return not list(grammar.iter_errors(grammar.parse(text)))


async def code_actions(client, uri, diag):
    return await client.text_document_code_action_async(
        T.CodeActionParams(
            text_document=T.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=T.CodeActionContext(diagnostics=[diag]),
        )
    )


def edits_for(action: T.CodeAction, uri: str) -> list[T.TextEdit]:
    if action.edit.document_changes:
        return [
            e
            for dc in action.edit.document_changes
            if dc.text_document.uri == uri
            for e in dc.edits
        ]
    return list(action.edit.changes.get(uri, []))


async def test_diagnostics_on_open_with_code_source_link_and_related(client):
    uri = open_doc(client, client.root / "shop" / "views.py")
    diags = await diagnostics(client, uri, 1)
    assert codes(diags) == [("DBP001", 7), ("INT001", 15), ("ORM001", 10)]
    n1 = next(d for d in diags if d.code == "ORM001")
    assert n1.source == "backend-lens"
    assert n1.code_description.href.endswith("ORM001-n-plus-one-relation-in-loop.md")
    # the range covers `order.customer` on line 10
    line = (client.root / "shop" / "views.py").read_text().splitlines()[9]
    assert line[n1.range.start.character : n1.range.end.character] == "order.customer"
    related = {
        (r.location.uri.rsplit("/", 1)[-1], r.location.range.start.line + 1)
        for r in n1.related_information
    }
    assert ("views.py", 9) in related  # the loop
    assert ("models.py", 10) in related  # the ForeignKey


async def test_edit_without_save_updates_diagnostics(client):
    path = client.root / "shop" / "views.py"
    uri = open_doc(client, path)
    await diagnostics(client, uri, 1)
    text = path.read_text().replace(
        'requests.get("https://partner.example/ping")',
        'requests.get("https://partner.example/ping", timeout=5)',
    )
    change_doc(client, uri, 2, text)
    diags = await diagnostics(client, uri, 2)
    assert "INT001" not in [d.code for d in diags]
    # and back: the warning returns, on the same version numbering
    change_doc(client, uri, 3, path.read_text())
    assert "INT001" in [d.code for d in await diagnostics(client, uri, 3)]


async def test_adding_the_index_in_models_clears_the_warning_in_views(client):
    views = open_doc(client, client.root / "shop" / "views.py")
    assert "DBP001" in [d.code for d in await diagnostics(client, views, 1)]
    models_path = client.root / "shop" / "models.py"
    models = open_doc(client, models_path)
    await diagnostics(client, models, 1)
    before = len(client.published)
    change_doc(
        client,
        models,
        2,
        models_path.read_text().replace(
            "reference = models.CharField(max_length=32)",
            "reference = models.CharField(max_length=32, db_index=True)",
        ),
    )
    await diagnostics(client, models, 2)

    def views_after_edit():
        for p in client.published[before:]:
            if p.uri == views:
                return p
        return None

    republished = await wait_for(
        views_after_edit, what="views.py re-published after the models edit"
    )
    assert "DBP001" not in [d.code for d in republished.diagnostics]
    assert "ORM001" in [d.code for d in republished.diagnostics]  # unrelated findings stay


async def test_quick_fix_removes_its_diagnostic_and_keeps_the_file_parsing(client):
    path = client.root / "shop" / "views.py"
    text = path.read_text()
    uri = open_doc(client, path, text=text)
    diag = next(d for d in await diagnostics(client, uri, 1) if d.code == "ORM001")
    actions = await code_actions(client, uri, diag)
    fix = next(a for a in actions if a.is_preferred)
    assert "select_related" in fix.title
    new_text = apply_edits(text, edits_for(fix, uri))
    assert 'Order.objects.select_related("customer").filter(' in new_text
    assert parses(new_text)
    change_doc(client, uri, 2, new_text)
    assert "ORM001" not in [d.code for d in await diagnostics(client, uri, 2)]


async def test_cross_file_fix_edits_the_model(client):
    views_path = client.root / "shop" / "views.py"
    models_path = client.root / "shop" / "models.py"
    uri = open_doc(client, views_path)
    diag = next(d for d in await diagnostics(client, uri, 1) if d.code == "DBP001")
    fix = next(a for a in await code_actions(client, uri, diag) if a.is_preferred)
    models_uri = models_path.as_uri()
    new_models = apply_edits(models_path.read_text(), edits_for(fix, models_uri))
    assert "reference = models.CharField(max_length=32, db_index=True)" in new_models
    assert parses(new_models)


async def test_suppress_action_writes_the_comment_and_silences(client):
    path = client.root / "shop" / "views.py"
    text = path.read_text()
    uri = open_doc(client, path, text=text)
    diag = next(d for d in await diagnostics(client, uri, 1) if d.code == "INT001")
    action = next(
        a for a in await code_actions(client, uri, diag) if a.title.startswith("Suppress")
    )
    new_text = apply_edits(text, edits_for(action, uri))
    assert "# backend-lens: ignore[INT001]" in new_text.splitlines()[14]
    change_doc(client, uri, 2, new_text)
    after = await diagnostics(client, uri, 2)
    assert "INT001" not in [d.code for d in after]
    assert "ORM001" in [d.code for d in after]


async def test_fix_is_refused_when_the_document_moved_on(client):
    path = client.root / "shop" / "views.py"
    uri = open_doc(client, path)
    diag = next(d for d in await diagnostics(client, uri, 1) if d.code == "INT001")
    change_doc(client, uri, 2, "\n" + path.read_text())  # every line moved down
    await diagnostics(client, uri, 2)
    assert list(await code_actions(client, uri, diag)) == []


async def test_hover_on_a_flagged_range_explains_the_rule(client):
    uri = open_doc(client, client.root / "shop" / "views.py")
    diag = next(d for d in await diagnostics(client, uri, 1) if d.code == "ORM001")
    hover = await client.text_document_hover_async(
        T.HoverParams(text_document=T.TextDocumentIdentifier(uri=uri), position=diag.range.start)
    )
    assert hover is not None
    assert "ORM001" in hover.contents.value and "Why is this bad?" in hover.contents.value
    nothing = await client.text_document_hover_async(
        T.HoverParams(
            text_document=T.TextDocumentIdentifier(uri=uri),
            position=T.Position(line=0, character=0),
        )
    )
    assert nothing is None


async def test_positions_are_utf16_on_non_ascii_lines(client):
    path = client.root / "shop" / "emoji.py"
    text = 'import requests\n\nr = ("naïve 🎉", requests.get("https://x.example"))\n'
    path.write_text(text, encoding="utf-8")
    uri = open_doc(client, path, text=text)
    diag = next(d for d in await diagnostics(client, uri, 1) if d.code == "INT001")
    line = text.splitlines()[2]
    # 🎉 is one code point but two UTF-16 units
    assert diag.range.start.character == line.index("requests.get") + 1
    assert diag.range.start.line == 2


async def test_pull_diagnostics_match_the_pushed_ones(client):
    uri = open_doc(client, client.root / "shop" / "views.py")
    pushed = await diagnostics(client, uri, 1)
    report = await client.text_document_diagnostic_async(
        T.DocumentDiagnosticParams(text_document=T.TextDocumentIdentifier(uri=uri))
    )
    assert codes(report.items) == codes(pushed)


async def test_pull_is_advertised_only_when_asked_for(client, default_client):
    # both clients can pull; only the one that asked for "both" is offered it, so a
    # client that takes push and pull does not show every finding twice
    assert client.init_result.capabilities.diagnostic_provider is not None
    assert default_client.init_result.capabilities.diagnostic_provider is None
    uri = open_doc(default_client, default_client.root / "shop" / "views.py")
    assert "ORM001" in [d.code for d in await diagnostics(default_client, uri, 1)]


async def test_generate_report_writes_file_shows_it_and_reports_progress(client):
    result = await client.workspace_execute_command_async(
        T.ExecuteCommandParams(command="backendLens.generateReport", arguments=[])
    )
    report = client.root / "backend-lens-report.md"
    assert result == report.as_uri()
    text = report.read_text()
    assert text.startswith("<!-- Generated by Backend Lens")
    assert "## Executive Summary" in text and "ORM001" in text
    assert [d.uri for d in client.shown_documents] == [report.as_uri()]
    kinds = [type(v).__name__ for values in client.progress_reports.values() for v in values]
    assert "WorkDoneProgressBegin" in kinds and "WorkDoneProgressEnd" in kinds
    # a second run replaces its own file without asking
    again = await client.workspace_execute_command_async(
        T.ExecuteCommandParams(command="backendLens.generateReport", arguments=[])
    )
    assert again == report.as_uri()


async def test_report_left_to_the_client_when_it_asks_to_open_it_itself(client):
    # editor plugins that open the report in their own way (a split in Neovim, the
    # Markdown preview in VS Code) pass "show": false and get the URI back
    result = await client.workspace_execute_command_async(
        T.ExecuteCommandParams(
            command="backendLens.generateReport", arguments=[{"show": False, "output": "r.md"}]
        )
    )
    assert result == (client.root / "r.md").as_uri()
    assert "Backend Development Report" in (client.root / "r.md").read_text()
    assert client.shown_documents == []


async def test_html_report_from_the_editor_links_to_the_files_from_its_folder(client):
    result = await client.workspace_execute_command_async(
        T.ExecuteCommandParams(
            command="backendLens.generateReport",
            arguments=[{"show": False, "format": "html", "output": "reports/r.html"}],
        )
    )
    page = client.root / "reports" / "r.html"
    assert result == page.as_uri()
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>\n<!-- Generated by Backend Lens")
    assert 'class="gauge"' in text and 'id="executive-summary"' in text
    # INT001 in shop/views.py, line 15: linked from reports/ and for the editor
    assert 'href="../shop/views.py#L15"' in text
    views = (client.root / "shop" / "views.py").resolve().as_posix()
    assert f'href="vscode://file{views}:15:' in text


async def test_report_never_overwrites_a_file_it_did_not_create(client):
    mine = client.root / "backend-lens-report.md"
    mine.write_text("my own notes\n")
    command = T.ExecuteCommandParams(command="backendLens.generateReport", arguments=[])
    # the user dismisses the question: the report goes to a new file
    result = await client.workspace_execute_command_async(command)
    assert "was not written by Backend Lens" in client.questions[-1].message
    assert mine.read_text() == "my own notes\n"
    assert result == (client.root / "backend-lens-report-1.md").as_uri()
    assert "Backend Development Report" in (client.root / "backend-lens-report-1.md").read_text()
    # the user cancels: nothing is written
    client.answer = "Cancel"
    assert await client.workspace_execute_command_async(command) is None
    assert mine.read_text() == "my own notes\n"
    # the user says overwrite: only then is the file replaced
    client.answer = "Overwrite"
    assert await client.workspace_execute_command_async(command) == mine.as_uri()
    assert "Backend Development Report" in mine.read_text()


async def test_bad_files_do_not_break_the_server(client):
    shop = client.root / "shop"
    broken = open_doc(client, shop / "broken.py", text="def f(:\n    Order.objects.filter(\n")
    empty = open_doc(client, shop / "empty.py", text="")
    binary = open_doc(client, shop / "blob.py", text="\x00\x01\x02binary")
    deep = open_doc(client, shop / "deep.py", text="x = " + "(" * 400 + "1" + ")" * 400 + "\n")
    for uri in (broken, empty, binary, deep):
        assert list(await diagnostics(client, uri, 1)) == []
    # still serving: a normal file is analysed afterwards
    views = open_doc(client, shop / "views.py")
    assert "ORM001" in [d.code for d in await diagnostics(client, views, 1)]


async def test_rapid_edits_end_with_the_newest_version(client):
    path = client.root / "shop" / "views.py"
    uri = open_doc(client, path)
    text = path.read_text()
    for v in range(2, 30):
        change_doc(client, uri, v, text + f"\n# edit {v}\n")
    diags = await diagnostics(client, uri, 29)
    assert "ORM001" in [d.code for d in diags]
    # nothing older than a version already published arrives after it
    versions = [p.version for p in client.published if p.uri == uri]
    assert versions == sorted(versions)


async def test_malformed_settings_are_reported_not_fatal(client):
    # unknown keys in the editor settings produce a message, analysis goes on
    client.workspace_did_change_configuration(
        T.DidChangeConfigurationParams(settings={"backendLens": {"select": 42, "bogus": True}})
    )
    await wait_for(
        lambda: any("bogus" in m.message for m in client.messages), what="a settings warning"
    )
    uri = open_doc(client, client.root / "shop" / "views.py")
    assert await diagnostics(client, uri, 1)


async def test_settings_sent_again_unchanged_are_not_reloaded_or_warned_twice(client):
    bad = {"backendLens": {"bogus": True}}
    client.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings=bad))
    client.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings=bad))
    client.workspace_did_change_configuration(
        T.DidChangeConfigurationParams(settings={"backendLens": {"bogus2": True}})
    )
    await wait_for(
        lambda: any("`bogus2`" in m.message for m in client.messages), what="the third warning"
    )
    assert sum("`bogus`" in m.message for m in client.messages) == 1


async def test_ignore_setting_from_initialization_turns_a_rule_off(client):
    client.workspace_did_change_configuration(
        T.DidChangeConfigurationParams(settings={"backendLens": {"ignore": ["INT001"]}})
    )
    await asyncio.sleep(0)  # let the notification go out before the document
    uri = open_doc(client, client.root / "shop" / "views.py")

    def without_int001():
        for p in reversed(client.published):
            if p.uri == uri and p.version == 1 and "INT001" not in [d.code for d in p.diagnostics]:
                return p
        return None

    p = await wait_for(without_int001, what="diagnostics without INT001")
    assert "ORM001" in [d.code for d in p.diagnostics]
