"""pytest-lsp fixtures: the real server as a subprocess, on a fresh workspace."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

WORKSPACE = Path(__file__).parent / "workspace"


def make_client():
    """The test client, recording every publishDiagnostics with its version."""
    client = make_test_lsp_client()
    client.published = []
    features = client.protocol.fm._features
    original = features[T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def record(params):
        client.published.append(params)
        return original(params)

    features[T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record

    # the "user" answering a question: the test sets client.answer to a button title
    client.answer = None
    client.questions = []

    @client.feature(T.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(params: T.ShowMessageRequestParams):
        client.questions.append(params)
        for action in params.actions or []:
            if client.answer and action.title.startswith(client.answer):
                return action
        return None

    return client


CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "backend_lens", "serve", "--stdio"],
    client_factory=make_client,
)


def copy_workspace(name: str | None = None) -> Path:
    """A fresh copy of the test workspace in a temporary folder (named ``name``
    inside it when given); remove it with ``shutil.rmtree(root.parent ...)``."""
    base = Path(tempfile.mkdtemp(prefix="backend-lens-lsp-"))
    root = base / name if name else base
    shutil.copytree(WORKSPACE, root, dirs_exist_ok=True)
    return root


async def start_session(lsp_client, root: Path, pull: bool = False, options=None) -> None:
    """Initialize the server on ``root`` as VS Code does and wait for the index."""
    lsp_client.root = root
    caps = client_capabilities("visual-studio-code")
    if pull:  # this recorded VS Code profile predates pull diagnostics
        caps.text_document.diagnostic = T.DiagnosticClientCapabilities(
            related_document_support=True
        )
    lsp_client.init_result = await lsp_client.initialize_session(
        T.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[T.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            initialization_options=options,
        )
    )
    await indexed(lsp_client)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, request):
    """A client that can pull, asking for push and pull ("both")."""
    root = copy_workspace()
    await start_session(lsp_client, root, pull=True, options={"diagnosticMode": "both"})
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


@pytest_lsp.fixture(config=CONFIG)
async def default_client(lsp_client: LanguageClient):
    """A client that can pull diagnostics, with no initialization options."""
    root = copy_workspace()
    await start_session(lsp_client, root, pull=True)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


async def indexed(client) -> None:
    """The workspace index is ready when its progress ends."""
    await wait_for(
        lambda: any(
            isinstance(v, T.WorkDoneProgressEnd)
            for vs in client.progress_reports.values()
            for v in vs
        ),
        what="the end of workspace indexing",
    )


async def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def diagnostics(client, uri: str, version: int, timeout: float = 30.0):
    """The diagnostics the server published for exactly this URI and version."""

    def find():
        for p in reversed(client.published):
            if p.uri == uri and p.version == version:
                return p
        return None

    params = await wait_for(find, timeout, f"diagnostics of {uri} v{version}")
    return params.diagnostics


def open_doc(client, path: Path, version: int = 1, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        T.DidOpenTextDocumentParams(
            text_document=T.TextDocumentItem(
                uri=uri,
                language_id="python",
                version=version,
                text=path.read_text() if text is None else text,
            )
        )
    )
    return uri


def change_doc(client, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def apply_edits(text: str, edits: list[T.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 positions) to ``text`` the way an editor does."""
    from pygls.workspace import TextDocument

    doc = TextDocument("file:///x.py", text)
    for e in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        doc.apply_change(T.TextDocumentContentChangePartial(range=e.range, text=e.new_text))
    return doc.source


@pytest.fixture
def anyio_backend():
    return "asyncio"
