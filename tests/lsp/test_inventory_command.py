"""backendLens.inventory: the same project model as `backend-lens inventory
--format json`, from the server, with the open documents' unsaved text."""

from __future__ import annotations

import pytest
from lsprotocol import types as T

from .conftest import change_doc, diagnostics, open_doc

pytestmark = pytest.mark.lsp


async def inventory(client) -> dict:
    return await client.workspace_execute_command_async(
        T.ExecuteCommandParams(command="backendLens.inventory", arguments=[])
    )


async def test_the_inventory_command_follows_unsaved_edits(client):
    inv = await inventory(client)
    assert [(m["name"], m["orm"], m["path"]) for m in inv["models"]] == [
        ("Customer", "django", "shop/models.py"),
        ("Order", "django", "shop/models.py"),
    ]
    assert "Django" in inv["frameworks"]
    models = client.root / "shop" / "models.py"
    uri = open_doc(client, models)
    await diagnostics(client, uri, 1)
    text = (
        models.read_text() + "\n\nclass Refund(models.Model):\n    amount = models.IntegerField()\n"
    )
    change_doc(client, uri, 2, text)
    await diagnostics(client, uri, 2)
    inv = await inventory(client)
    assert ("Refund", "django", "shop/models.py") in [
        (m["name"], m["orm"], m["path"]) for m in inv["models"]
    ]
    assert models.read_text().count("Refund") == 0  # nothing was written
