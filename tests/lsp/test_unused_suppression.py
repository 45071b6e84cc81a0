"""LENS001 in the editor: the comment that silences nothing is flagged after the
cross-file re-judgement, and the flag goes when the finding it silenced returns."""

from __future__ import annotations

import pytest

from .conftest import apply_edits, change_doc, diagnostics, open_doc, wait_for
from .test_server import code_actions, edits_for, parses

pytestmark = pytest.mark.lsp

COMMENT = "  # backend-lens: ignore[DBP001]"
FILTER = 'orders = Order.objects.filter(reference=request.GET["ref"])'
PLAIN = "reference = models.CharField(max_length=32)"
INDEXED = "reference = models.CharField(max_length=32, db_index=True)"


async def test_unused_suppression_follows_the_finding_it_silenced(client):
    views_path = client.root / "shop" / "views.py"
    original = views_path.read_text()
    text = original.replace(FILTER, FILTER + COMMENT)
    views = open_doc(client, views_path, text=text)
    first = await diagnostics(client, views, 1)
    codes = [d.code for d in first]
    assert "DBP001" not in codes and "LENS001" not in codes  # the comment silences DBP001
    assert "ORM001" in codes

    models_path = client.root / "shop" / "models.py"
    models = open_doc(client, models_path)
    await diagnostics(client, models, 1)

    def views_published_after(start: int, has_lens: bool):
        def find():
            for p in client.published[start:]:
                if p.uri == views and ("LENS001" in [d.code for d in p.diagnostics]) == has_lens:
                    return p
            return None

        return find

    # the index makes DBP001 go: the comment now silences nothing
    before = len(client.published)
    change_doc(client, models, 2, models_path.read_text().replace(PLAIN, INDEXED))
    p = await wait_for(views_published_after(before, True), what="views.py with LENS001")
    assert p.version == 1  # re-judged, not re-opened
    (lens,) = [d for d in p.diagnostics if d.code == "LENS001"]
    assert "DBP001" not in [d.code for d in p.diagnostics]
    line = text.splitlines()[6]
    assert lens.range.start.line == 6
    assert line[lens.range.start.character : lens.range.end.character] == COMMENT.strip()
    assert lens.message == (
        "`# backend-lens: ignore[DBP001]` silences nothing on this statement: remove it"
    )
    assert lens.code_description.href.endswith("LENS001-unused-suppression.md")

    # its quick fix removes the comment, and nothing offers to suppress LENS001
    actions = await code_actions(client, views, lens)
    assert [a.title for a in actions] == ["Remove the suppression comment (LENS001)"]
    fixed = apply_edits(text, edits_for(actions[0], views))
    assert fixed == original and parses(fixed)

    # the index goes again: DBP001 is back, silenced, and LENS001 is gone
    before = len(client.published)
    change_doc(client, models, 3, models_path.read_text())
    p = await wait_for(views_published_after(before, False), what="views.py without LENS001")
    assert "DBP001" not in [d.code for d in p.diagnostics]
    assert "ORM001" in [d.code for d in p.diagnostics]
