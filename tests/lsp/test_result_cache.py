"""The server's workspace scan uses the same result cache as the command line:
a workspace opened again fills its index from the cache, and a damaged cache
is one log message, never a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import pytest_lsp
from backend_lens import cli
from pytest_lsp import LanguageClient

from .conftest import CONFIG, copy_workspace, diagnostics, open_doc, start_session, wait_for

pytestmark = pytest.mark.lsp


def scanned(client) -> str:
    return next(m.message for m in client.log_messages if m.message.startswith("indexed "))


def python_files(root: Path) -> int:
    """The files a scan analyses: Python files and dependency manifests."""
    return sum(1 for p in root.rglob("*") if p.suffix == ".py" or p.name == "pyproject.toml")


@pytest_lsp.fixture(config=CONFIG)
async def warm(lsp_client: LanguageClient):
    """The test workspace, checked once on the command line before the server starts."""
    root = copy_workspace()
    assert cli.main(["check", str(root), "-q", "--output", os.devnull]) == 1
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


@pytest_lsp.fixture(config=CONFIG)
async def corrupt(lsp_client: LanguageClient):
    """The test workspace whose cache file is not a database."""
    root = copy_workspace()
    assert cli.main(["check", str(root), "-q", "--output", os.devnull]) == 1
    [db] = Path(os.environ["BACKEND_LENS_CACHE_DIR"]).rglob("results.sqlite")
    db.write_bytes(b"garbage" * 1000)
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


async def test_a_workspace_opened_again_is_indexed_from_the_cache(warm):
    client = warm
    n = python_files(client.root)
    await wait_for(lambda: any(m.message.startswith("indexed ") for m in client.log_messages))
    assert scanned(client).endswith(f"({n} from the cache)")
    # the cross-file finding (models.py's facts from the cache) is there
    uri = open_doc(client, client.root / "shop" / "views.py")
    assert "ORM001" in [d.code for d in await diagnostics(client, uri, 1)]


async def test_a_corrupt_cache_is_one_log_message(corrupt):
    client = corrupt
    await wait_for(lambda: any(m.message.startswith("indexed ") for m in client.log_messages))
    about = [m.message for m in client.log_messages if "results.sqlite" in m.message]
    assert len(about) == 1 and "starting a new one" in about[0]
    assert scanned(client).endswith("(0 from the cache)")
    uri = open_doc(client, client.root / "shop" / "views.py")
    assert "ORM001" in [d.code for d in await diagnostics(client, uri, 1)]


@pytest_lsp.fixture(config=CONFIG)
async def many(lsp_client: LanguageClient):
    """The test workspace and 45 more modules (enough for worker processes), no cache."""
    root = copy_workspace()
    for i in range(45):
        (root / "shop" / f"extra_{i:02d}.py").write_text(
            "import requests\n\n\ndef ping():\n    return requests.get('http://x')\n"
        )
    await start_session(lsp_client, root, options={"cache": False})
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


async def test_the_first_scan_in_worker_processes_indexes_everything(many):
    client = many
    n = python_files(client.root)
    await wait_for(lambda: any(m.message.startswith("indexed ") for m in client.log_messages))
    assert scanned(client).startswith(f"indexed {n} files") and "(0 from the cache)" in scanned(
        client
    )
    assert list(Path(os.environ["BACKEND_LENS_CACHE_DIR"]).rglob("results.sqlite")) == []
    # progress went up to every file, in order
    reports = [
        v.message
        for vs in client.progress_reports.values()
        for v in vs
        if getattr(v, "kind", "") == "report" and v.message
    ]
    assert reports and reports[-1].startswith(f"{n}/{n} ")
    uri = open_doc(client, client.root / "shop" / "views.py")
    assert "ORM001" in [d.code for d in await diagnostics(client, uri, 1)]
    uri = open_doc(client, client.root / "shop" / "extra_07.py")
    assert "INT001" in [d.code for d in await diagnostics(client, uri, 1)]
