"""backendLens.inventory: the same project model as `backend-lens inventory
--format json`, from the server, with the open documents' unsaved text."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import LanguageClient

from ..helpers import write_files
from ..test_import_roots import MODELS
from ..test_source_roots import VIEWS
from .conftest import CONFIG, change_doc, diagnostics, open_doc, start_session

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


@pytest_lsp.fixture(config=CONFIG)
async def split_client(lsp_client: LanguageClient):
    """A workspace whose models live in code/backend and whose views in code/web
    import them as `orders.models`: only a `src` setting can say so."""
    base = Path(tempfile.mkdtemp(prefix="backend-lens-lsp-"))
    write_files(
        base,
        {
            "code/backend/orders/models.py": MODELS.format(index=""),
            "code/web/catalog/views.py": VIEWS,
        },
    )
    await start_session(lsp_client, base)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(base, ignore_errors=True)


async def test_the_src_setting_changes_how_imports_resolve(split_client):
    client = split_client
    views = client.root / "code" / "web" / "catalog" / "views.py"
    uri = open_doc(client, views)
    assert [d.code for d in await diagnostics(client, uri, 1)] == []
    inv = await inventory(client)
    assert [r["path"] for r in inv["source_roots"]] == ["."]
    client.workspace_did_change_configuration(
        T.DidChangeConfigurationParams(
            settings={"backendLens": {"src": ["code/backend", "code/web"]}}
        )
    )
    change_doc(client, uri, 2, views.read_text())
    assert [d.code for d in await diagnostics(client, uri, 2)] == ["DBP001"]
    inv = await inventory(client)
    assert inv["source_roots"] == [
        {"path": "code/backend", "how": "setting `src`"},
        {"path": "code/web", "how": "setting `src`"},
    ]
