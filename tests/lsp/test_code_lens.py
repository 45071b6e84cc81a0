"""The code lens above each HTTP endpoint handler: what the project model reads
of it (routes and methods, authentication, throttling, pagination), on the
handler's line; clicking it opens the report at the section that covers it.
Driven through the real server, as VS Code and Neovim ask for lenses."""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from ..helpers import write_files
from .conftest import CONFIG, change_doc, diagnostics, indexed, make_client, open_doc, wait_for

pytestmark = pytest.mark.lsp

FILES = {
    "manage.py": """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    """,
    "config/__init__.py": "",
    "config/settings.py": """
        ROOT_URLCONF = "config.urls"
        INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "orders"]
        REST_FRAMEWORK = {
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
        }
    """,
    "config/urls.py": """
        from django.urls import include, path
        from rest_framework.routers import DefaultRouter

        from orders import views

        router = DefaultRouter()
        router.register("orders", views.OrderViewSet)

        urlpatterns = [
            path("api/", include(router.urls)),
            path("api/ping/", views.ping),
            path("api/quote/", views.QuoteView.as_view()),
        ]
    """,
    "orders/__init__.py": "",
    "orders/models.py": """
        from django.db import models


        class Order(models.Model):
            total = models.IntegerField()
    """,
    "orders/views.py": """
        # Vue d’ensemble — les « commandes » 🧾 (non-ASCII before the handlers)
        from rest_framework import viewsets
        from rest_framework.decorators import api_view, permission_classes
        from rest_framework.permissions import AllowAny
        from rest_framework.response import Response
        from rest_framework.throttling import UserRateThrottle
        from rest_framework.views import APIView

        from .models import Order


        class OrderViewSet(viewsets.ModelViewSet):
            queryset = Order.objects.all()


        @api_view(["GET"])
        @permission_classes([AllowAny])
        def ping(request):
            return Response("pong")


        class QuoteView(APIView):
            throttle_classes = [UserRateThrottle]

            def get(self, request):
                return Response({})


        def helper(request):
            return Response({})
    """,
    "orders/util.py": """
        def total(order):
            return order.total
    """,
    "api/__init__.py": "",
    "api/deps.py": """
        def get_current_user():
            return None
    """,
    "api/main.py": """
        from fastapi import APIRouter, Depends, FastAPI

        from .deps import get_current_user

        router = APIRouter(prefix="/items", dependencies=[Depends(get_current_user)])


        @router.get("/{item_id}")
        async def read_item(item_id: int):
            return {}


        app = FastAPI()
        app.include_router(router, prefix="/v1")
    """,
    "web/__init__.py": "",
    "web/app.py": """
        from flask import Blueprint, Flask

        bp = Blueprint("shop", __name__, url_prefix="/shop")


        @bp.route("/cart", methods=["GET", "POST"])
        def cart():
            return "cart"


        app = Flask(__name__)
        app.register_blueprint(bp)
    """,
}


def text_of(rel: str) -> str:
    return textwrap.dedent(FILES[rel]).lstrip("\n")


def line_of(text: str, needle: str) -> int:
    """0-based line of the one line containing ``needle``."""
    found = [i for i, s in enumerate(text.splitlines()) if needle in s]
    assert len(found) == 1, (needle, found)
    return found[0]


def lens_client():
    """The test client, also recording each workspace/codeLens/refresh."""
    client = make_client()
    client.refreshes = 0

    @client.feature(T.WORKSPACE_CODE_LENS_REFRESH)
    def refresh(params):
        client.refreshes += 1
        return None

    return client


LENS_CONFIG = ClientServerConfig(server_command=CONFIG.server_command, client_factory=lens_client)


async def start(lsp_client, root: Path, options=None, wait: bool = True) -> None:
    lsp_client.root = root
    await lsp_client.initialize_session(
        T.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[T.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            initialization_options=options,
        )
    )
    if wait:
        await indexed(lsp_client)


def workspace() -> Path:
    root = Path(tempfile.mkdtemp(prefix="backend-lens-lens-"))
    write_files(root, FILES)
    return root


@pytest_lsp.fixture(config=LENS_CONFIG)
async def client(lsp_client: LanguageClient):
    root = workspace()
    await start(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


@pytest_lsp.fixture(config=LENS_CONFIG)
async def off_client(lsp_client: LanguageClient):
    root = workspace()
    await start(lsp_client, root, options={"backendLens": {"codeLens": False}})
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


async def lenses(client, uri: str) -> list[T.CodeLens]:
    return await client.text_document_code_lens_async(
        T.CodeLensParams(text_document=T.TextDocumentIdentifier(uri=uri))
    )


async def opened(client, rel: str, text: str | None = None) -> str:
    uri = open_doc(client, client.root / rel, text=text)
    await diagnostics(client, uri, 1)
    return uri


def shown(found: list[T.CodeLens] | None) -> list[tuple]:
    return [
        (
            lens.range.start.line,
            lens.range.start.character,
            lens.range.end.line,
            lens.range.end.character,
            lens.command.title,
        )
        for lens in found or []
    ]


async def test_django_drf_handlers_get_one_lens_each_on_their_name(client):
    views = text_of("orders/views.py")
    uri = await opened(client, "orders/views.py")
    viewset, ping, quote = (
        line_of(views, "class OrderViewSet"),
        line_of(views, "def ping"),
        line_of(views, "class QuoteView"),
    )
    assert shown(await lenses(client, uri)) == [
        (
            viewset,
            0,
            viewset,
            len("class OrderViewSet"),
            "GET,POST /api/orders/ · GET,PUT,PATCH,DELETE /api/orders/{pk}/ · auth: IsAuthenticated (project default)"
            " · throttled: no · paginated: yes",
        ),
        (ping, 0, ping, len("def ping"), "GET /api/ping/ · auth: none (AllowAny) · throttled: no"),
        (
            quote,
            0,
            quote,
            len("class QuoteView"),
            "GET /api/quote/ · auth: IsAuthenticated (project default)"
            " · throttled: yes (UserRateThrottle)",
        ),
    ]


async def test_fastapi_router_dependency_and_flask_blueprint(client):
    main = text_of("api/main.py")
    uri = await opened(client, "api/main.py")
    at = line_of(main, "async def read_item")
    assert shown(await lenses(client, uri)) == [
        (
            at,
            0,
            at,
            len("async def read_item"),
            "GET /v1/items/{item_id} · auth: get_current_user · throttled: no",
        )
    ]
    app = text_of("web/app.py")
    uri = await opened(client, "web/app.py")
    at = line_of(app, "def cart")
    assert shown(await lenses(client, uri)) == [
        (at, 0, at, len("def cart"), "GET,POST /shop/cart · auth: none · throttled: no")
    ]


async def test_a_file_without_endpoints_has_no_lenses(client):
    uri = await opened(client, "orders/util.py")
    assert shown(await lenses(client, uri)) == []


async def test_non_ascii_text_before_and_on_the_handler_line_keeps_the_columns(client):
    # a U+2028 in a string (not a line break for the protocol), astral characters
    # before the name on its own line: columns are UTF-16 code units
    text = (
        'NOTE = "a\u2028b"  # 🧾🧾\n'
        "from flask import Blueprint\n"
        'bp = Blueprint("x", __name__)\n'
        "\n"
        '@bp.route("/été")\n'
        "def résumé(): return '🧾'  # 🧾\n"
        "\n"
        '@bp.route("/fancy")\n'
        "def 𝔣ancy(): return ''\n"  # an astral letter: two UTF-16 units before the name's end
    )
    (client.root / "web" / "accents.py").write_text(text, encoding="utf-8")
    uri = await opened(client, "web/accents.py", text=text)
    found = await lenses(client, uri)
    assert [
        (r.range.start.line, r.range.start.character, r.range.end.character) for r in found
    ] == [(5, 0, len("def résumé")), (8, 0, len("def 𝔣ancy") + 1)]
    assert found[0].command.title.startswith("GET /été · auth: none")


async def test_lenses_follow_an_edit_that_adds_a_route(client):
    app = text_of("web/app.py")
    uri = await opened(client, "web/app.py")
    assert len(await lenses(client, uri)) == 1
    added = app.replace(
        "\n\napp = Flask",
        '\n\n@bp.route("/pay", methods=["POST"])\ndef pay():\n    return "paid"\n\n\napp = Flask',
    )
    change_doc(client, uri, 2, added)
    await diagnostics(client, uri, 2)
    assert [lens.command.title for lens in await lenses(client, uri)] == [
        "GET,POST /shop/cart · auth: none · throttled: no",
        "POST /shop/pay · auth: none · throttled: no",
    ]
    assert (await lenses(client, uri))[1].range.start.line == line_of(added, "def pay")


async def test_a_route_added_in_another_file_refreshes_the_lenses(client):
    views = await opened(client, "orders/views.py")
    assert "def helper" not in [lens.command.title for lens in await lenses(client, views)]
    before = client.refreshes
    urls_text = text_of("config/urls.py")
    urls = await opened(client, "config/urls.py")
    change_doc(
        client,
        urls,
        2,
        urls_text.replace("]\n", '    path("api/help/", views.helper),\n]\n'),
    )
    await diagnostics(client, urls, 2)
    await wait_for(lambda: client.refreshes > before, what="workspace/codeLens/refresh")
    at = line_of(text_of("orders/views.py"), "def helper")
    found = {lens.range.start.line: lens.command.title for lens in await lenses(client, views)}
    assert found[at] == "ANY /api/help/ · auth: none · throttled: no"


async def test_clicking_opens_the_report_at_the_section(client):
    uri = await opened(client, "orders/views.py")
    ping = next(lens for lens in await lenses(client, uri) if "/api/ping/" in lens.command.title)
    assert ping.command.command == "backendLens.openReportSection"
    assert ping.command.arguments[0]["section"] == "Authentication & Authorization Systems"
    report = await client.workspace_execute_command_async(
        T.ExecuteCommandParams(command=ping.command.command, arguments=ping.command.arguments)
    )
    assert report.endswith("backend-lens-report.md")
    shown_doc = await wait_for(
        lambda: [d for d in client.shown_documents if d.uri == report], what="the report shown"
    )
    line = shown_doc[-1].selection.start.line
    report_lines = (client.root / "backend-lens-report.md").read_text().splitlines()
    heading = report_lines.index("### Authentication & Authorization Systems")
    assert heading <= line
    # the line that names the open endpoint, inside the section
    assert "`orders/views.py:" + str(ping.command.arguments[0]["line"]) + "`" in report_lines[line]
    assert not any(s.startswith("### ") for s in report_lines[heading + 1 : line + 1])


async def test_the_setting_turns_the_lenses_off_and_on(off_client):
    client = off_client
    uri = await opened(client, "orders/views.py")
    assert not await lenses(client, uri)
    before = client.refreshes
    client.workspace_did_change_configuration(
        T.DidChangeConfigurationParams(settings={"backendLens": {"codeLens": True}})
    )
    await wait_for(lambda: client.refreshes > before, what="workspace/codeLens/refresh")
    assert len(await lenses(client, uri)) == 3
    assert not [m for m in client.messages if "codeLens" in m.message]  # no "unknown setting"


@pytest_lsp.fixture(config=LENS_CONFIG)
async def early_client(lsp_client: LanguageClient):
    root = workspace()
    await start(lsp_client, root, wait=False)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


async def test_lenses_asked_for_during_the_scan_come_with_a_refresh(early_client):
    client = early_client
    uri = open_doc(client, client.root / "orders" / "views.py")
    first = await lenses(client, uri)
    await indexed(client)
    if not first:  # asked before the end of the scan: none, then a refresh
        await wait_for(lambda: client.refreshes > 0, what="workspace/codeLens/refresh")
    assert len(await lenses(client, uri)) == 3


def test_a_shared_handler_is_summarised_in_one_short_title():
    from backend_lens.inventory.model import Endpoint
    from backend_lens.lsp.lenses import lenses_for

    def ep(methods, route, auth="required", by="login_required", paginated=None):
        return Endpoint(
            "flask", methods, route, "app.py", 2, "orders", auth, by, False, "", paginated
        )

    long = "/api/v1/{organization}/incidents/{incident_id}/resources/{resource_id}/history"
    found = lenses_for(
        [
            ep(("GET",), "/orders", paginated=True),
            ep(("POST",), "/orders"),
            ep(("GET",), long, auth="none", by=""),
            ep(("DELETE",), "/legacy/orders"),
        ],
        ["@app.get('/orders')", "def orders():"],
    )
    assert [(f.line, f.start, f.end) for f in found] == [(1, 0, len("def orders"))]
    assert found[0].title == (
        "GET,POST /orders · GET /api/v1/…/{incident_id}/resources/{resource_id}/history"
        " · +1 more"
        " · auth: login_required / none · throttled: no · paginated: yes"
    )
    assert found[0].section == "Authentication & Authorization Systems"  # one is open
    assert "DELETE /legacy/orders [flask]" in found[0].tooltip


NVIM_SCRIPT = r"""
local out = { lenses = {} }
local function finish(code)
  vim.fn.writefile({ vim.json.encode(out) }, vim.env.BL_RESULT)
  vim.cmd("cquit " .. code)
end
vim.opt.rtp:prepend(vim.env.BL_PLUGIN)
require("backend_lens").setup({
  cmd = vim.json.decode(vim.env.BL_SERVER_CMD),
  on_attach = function(client, bufnr)
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  end,
})
-- as README.md says: the lenses of a file opened during the indexing
vim.api.nvim_create_autocmd("LspProgress", {
  pattern = "end",
  callback = function(ev)
    local client = vim.lsp.get_client_by_id(ev.data.client_id)
    if client and client.name == "backend_lens" then vim.lsp.codelens.refresh() end
  end,
})
vim.cmd.edit(vim.env.BL_FILE)
local buf = vim.api.nvim_get_current_buf()
if not vim.wait(30000, function() return #vim.lsp.codelens.get(buf) > 0 end, 20) then
  out.error = "no lenses"
  return finish(1)
end
for _, l in ipairs(vim.lsp.codelens.get(buf)) do
  table.insert(out.lenses, { l.range.start.line, l.range.start.character, l.range["end"].character, l.command.title })
end
for _, l in ipairs(vim.lsp.codelens.get(buf)) do
  if l.command.title:find("/api/ping/", 1, true) then
    vim.api.nvim_win_set_cursor(0, { l.range.start.line + 1, 0 })
  end
end
vim.lsp.codelens.run()
if not vim.wait(30000, function() return vim.api.nvim_buf_get_name(0):match("backend%-lens%-report%.md$") ~= nil end, 20) then
  out.error = "the report was not opened"
  return finish(1)
end
out.report = vim.api.nvim_buf_get_name(0)
out.cursor_line = vim.api.nvim_get_current_line()
finish(0)
"""


@pytest.mark.editor
def test_neovim_shows_the_lenses_and_running_one_opens_the_report(tmp_path):
    """In a real headless Neovim, set up as README.md says: the lenses, and running
    the one of an open endpoint shows the report on the line that names it."""
    import json
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    nvim = next(
        (str(p) for p in [repo / ".venv" / "bin" / "nvim"] if p.is_file()), None
    ) or shutil.which("nvim")
    if nvim is None:
        from ..editors.conftest import missing  # a skip, or a failure under ./dev test

        missing("nvim is not installed: run `editors/install/nvim.sh`")
    root = tmp_path / "ws"
    write_files(root, FILES)
    (root / "pyproject.toml").write_text("")
    script = tmp_path / "lens.lua"
    script.write_text(NVIM_SCRIPT)
    env = dict(os.environ)
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / "home" / var.lower())
    env.update(
        BL_PLUGIN=str(repo / "editors" / "neovim"),
        BL_FILE=str(root / "orders" / "views.py"),
        BL_RESULT=str(tmp_path / "result.json"),
        BL_SERVER_CMD=json.dumps([sys.executable, "-P", "-m", "backend_lens", "serve"]),
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-i", "NONE"]
        + ["--cmd", "let g:loaded_python3_provider=0", "-c", f"luafile {script}", "-c", "cquit 2"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )
    result = json.loads((tmp_path / "result.json").read_text())
    assert proc.returncode == 0, (result, proc.stderr)
    views = text_of("orders/views.py")
    ping = line_of(views, "def ping")
    assert [lens[:3] for lens in result["lenses"]] == [
        [line_of(views, "class OrderViewSet"), 0, len("class OrderViewSet")],
        [ping, 0, len("def ping")],
        [line_of(views, "class QuoteView"), 0, len("class QuoteView")],
    ]
    assert result["lenses"][1][3] == "GET /api/ping/ · auth: none (AllowAny) · throttled: no"
    assert result["report"] == str(root / "backend-lens-report.md")
    assert f"`orders/views.py:{ping + 1}`" in result["cursor_line"]


def test_a_long_reason_keeps_its_name_and_leaves_the_rest_to_the_tooltip():
    from backend_lens.inventory.model import Endpoint
    from backend_lens.lsp.lenses import lenses_for

    by = "check_challenge_visibility (checks the user)"
    ep = Endpoint("flask", ("GET",), "/api/v1/challenges", "a.py", 1, "C.get", "unknown", by, None)
    (lens,) = lenses_for([ep], ["    def get(self):"])
    assert (lens.start, lens.end) == (0, len("    def get"))
    assert lens.title == (
        "GET /api/v1/challenges · auth: unknown (check_challenge_visibility)"
        " · throttled: cannot tell"
    )
    assert by in lens.tooltip
