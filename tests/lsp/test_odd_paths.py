"""A workspace whose folder name needs percent-encoding in a URI: a space or an
accent (VS Code writes them as %20, %C3%A9), or bytes that are not valid UTF-8 (a
Latin-1 name made on an older system). Documents are found, diagnostics published, and related
locations and cross-file fixes point at the right files."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
import pytest_lsp
from backend_lens.lsp.documents import path_of, uri_of
from pytest_lsp import LanguageClient

from .conftest import CONFIG, copy_workspace, diagnostics, open_doc, start_session

pytestmark = pytest.mark.lsp

LATIN1 = os.fsdecode(b"caf\xe9")  # held as a surrogate escape: not valid UTF-8


def test_uri_and_path_round_trip_bytes_that_are_not_utf8():
    path = f"/srv/{LATIN1}/shop/models.py"
    uri = uri_of(path)
    assert uri == "file:///srv/caf%E9/shop/models.py"
    assert path_of(uri) == path
    # ordinary and non-ASCII UTF-8 names are unchanged
    assert path_of(uri_of("/srv/café/x.py")) == "/srv/café/x.py"
    assert uri_of("/srv/a b.py") == "file:///srv/a%20b.py"


@pytest_lsp.fixture(config=CONFIG, params=[LATIN1, "my shop é"], ids=["latin1", "space-utf8"])
async def odd_client(lsp_client: LanguageClient, request):
    root = copy_workspace(request.param)
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root.parent, ignore_errors=True)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
async def test_a_workspace_folder_with_an_odd_name_is_analysed(odd_client):
    """Latin-1 bytes, or a space and an accent: both are percent-encoded in URIs."""
    client = odd_client
    uri = open_doc(client, client.root / "shop" / "views.py")
    assert "%" in uri
    diags = await diagnostics(client, uri, 1)
    assert sorted(str(d.code) for d in diags) == ["DBP001", "INT001", "ORM001"]
    n1 = next(d for d in diags if d.code == "ORM001")
    models_uri = (client.root / "shop" / "models.py").as_uri()
    assert models_uri in {r.location.uri for r in n1.related_information}
