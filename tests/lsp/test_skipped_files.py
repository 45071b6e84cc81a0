"""The server on a workspace with files it must not read and settings it cannot use:
indexing ends, the defaults apply with a message, open documents are published,
and binary content is skipped by the same rule as the command line's."""

from __future__ import annotations

import os
import shutil

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from .conftest import (
    CONFIG,
    copy_workspace,
    diagnostics,
    open_doc,
    start_session,
    wait_for,
)

pytestmark = pytest.mark.lsp


@pytest_lsp.fixture(config=CONFIG)
async def hostile(lsp_client: LanguageClient):
    """The test workspace plus a FIFO, a link to /dev/zero, a link loop, a link
    outside, and a pyproject.toml whose `tool` is not a table."""
    root = copy_workspace()
    shop = root / "shop"
    os.mkfifo(shop / "pipe.py")
    (shop / "zero.py").symlink_to("/dev/zero")
    (shop / "loop.py").symlink_to("loop.py")
    (root / "pyproject.toml").write_text("tool = 5\n")
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


async def test_special_files_and_bad_settings_do_not_stop_the_server(hostile):
    client = hostile
    await wait_for(
        lambda: any("`tool` should be a table" in m.message for m in client.messages),
        what="the settings warning",
    )
    # indexing ended (the fixture waited for it), saying what it skipped, as `check` does
    expected = {
        "skipped shop/pipe.py: not a regular file: a FIFO (named pipe)",
        "skipped shop/zero.py: symlink to a file outside the project",
        "skipped shop/loop.py: a symlink loop",
    }
    await wait_for(
        lambda: expected <= {m.message for m in client.log_messages}, what="the skipped files"
    )
    # and the analysis thread still runs
    uri = open_doc(client, client.root / "shop" / "views.py")
    assert "ORM001" in [d.code for d in await diagnostics(client, uri, 1)]


async def test_a_nul_after_8_kb_is_binary_in_the_editor_as_on_the_command_line(hostile):
    client = hostile
    text = "import requests\nrequests.get('http://x')\n" + "#" * 9000 + "\n\x00\n"
    uri = open_doc(client, client.root / "shop" / "blob.py", text=text)
    assert list(await diagnostics(client, uri, 1)) == []
    await wait_for(
        lambda: any(
            m.message.endswith("blob.py: binary file (contains NUL bytes)")
            for m in client.log_messages
        ),
        what="the skip message",
    )
