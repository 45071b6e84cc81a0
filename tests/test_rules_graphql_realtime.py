"""GraphQL & Real-time Services: GQL001 graphql-query-without-depth-limit, GQL002
graphql-ide-enabled-unconditionally, WS001 consumer-accepts-anonymous-connection,
WS002 websocket-without-origin-validation."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    apply_suppression,
    find_one,
    only,
    pos_of,
    reanalyze,
)


def run(tmp_path, code: str, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), code)


# -- GQL001 ------------------------------------------------------------------

STRAWBERRY = """
import strawberry
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter


@strawberry.type
class Query:
    name: str = "shop"


{schema}
"""


def strawberry_schema(line: str) -> str:
    return STRAWBERRY.format(schema=line)


@pytest.mark.parametrize(
    "line",
    [
        "schema = strawberry.Schema(query=Query)",
        "schema = strawberry.Schema(Query, extensions=[ParserCache()])",
        "schema = strawberry.Schema(query=Query, extensions=[])",
        "schema = strawberry.Schema(query=Query, extensions=(ParserCache, ))",
        "EXT = [ParserCache()]\nschema = strawberry.Schema(query=Query, extensions=EXT)",
    ],
)
def test_gql001_strawberry_schema_without_limiter(tmp_path, line):
    src = strawberry_schema(line)
    f = find_one(run(tmp_path, "GQL001", {"shop/schema.py": src}), "GQL001")
    assert f.start == pos_of(src, "strawberry.Schema(")
    assert f.end == (f.start[0], f.start[1] + len("strawberry.Schema"))
    assert "QueryDepthLimiter" in f.message
    assert f.severity == Severity.WARNING


def test_gql001_strawberry_imported_names(tmp_path):
    src = """
    from strawberry import Schema, type as gql_type


    @gql_type
    class Query:
        name: str = "shop"


    schema = Schema(query=Query)
    """
    (f,) = run(tmp_path, "GQL001", {"shop/schema.py": src})
    assert f.start == pos_of(src, "Schema(query")


@pytest.mark.parametrize(
    "line",
    [
        "schema = strawberry.Schema(query=Query, extensions=[QueryDepthLimiter(max_depth=10)])",
        "schema = strawberry.Schema(query=Query, extensions=[ParserCache(), MaxAliasesLimiter(max_alias_count=20)])",
        "schema = strawberry.Schema(query=Query, extensions=[lambda: QueryDepthLimiter(max_depth=5)])",
        # built elsewhere, or a project extension: it may limit queries
        "schema = strawberry.Schema(query=Query, extensions=get_extensions())",
        "schema = strawberry.Schema(query=Query, extensions=[CostLimit(1000)])",
        "schema = strawberry.Schema(query=Query, extensions=[*BASE])",
        "schema = strawberry.Schema(query=Query, extensions=settings.GRAPHQL_EXTENSIONS)",
        "schema = strawberry.Schema(query=Query, **options)",
    ],
)
def test_gql001_strawberry_quiet_when_limited_or_unsure(tmp_path, line):
    assert run(tmp_path, "GQL001", {"shop/schema.py": strawberry_schema(line)}) == []


def test_gql001_look_alike_schema_classes_stay_quiet(tmp_path):
    src = """
    import strawberry
    from marshmallow import Schema
    from pydantic import BaseModel


    class OrderSchema(Schema):
        pass


    order_schema = OrderSchema()
    plain = Schema()
    """
    assert run(tmp_path, "GQL001", {"shop/schemas.py": src}) == []


def test_gql001_not_in_test_files(tmp_path):
    src = strawberry_schema("schema = strawberry.Schema(query=Query)")
    assert run(tmp_path, "GQL001", {"tests/test_schema.py": src}) == []


GRAPHENE_URLS = """
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView

from shop.schema import schema

urlpatterns = [
    path("graphql/", csrf_exempt({view})),
]
"""


def test_gql001_graphene_view_without_validation_rules(tmp_path):
    src = GRAPHENE_URLS.format(view="GraphQLView.as_view(schema=schema)")
    (f,) = run(tmp_path, "GQL001", {"shop/urls.py": src})
    assert f.start == pos_of(src, "GraphQLView.as_view(")
    assert f.end == (f.start[0], f.start[1] + len("GraphQLView.as_view"))
    assert "validation_rules" in f.message and "view" in f.message


@pytest.mark.parametrize(
    "view",
    [
        "GraphQLView.as_view(schema=schema, validation_rules=(depth_limit_validator(10),))",
        "GraphQLView.as_view(schema=schema, validation_rules=RULES)",
        "GraphQLView.as_view(schema=schema, backend=CostBackend())",
        "GraphQLView.as_view(**VIEW_OPTIONS)",
        "LimitedGraphQLView.as_view(schema=schema)",  # a project subclass: not judged
    ],
)
def test_gql001_graphene_view_quiet(tmp_path, view):
    src = GRAPHENE_URLS.format(view=view)
    assert run(tmp_path, "GQL001", {"shop/urls.py": src}) == []


def test_gql001_graphene_limit_in_settings_is_respected(tmp_path):
    urls = GRAPHENE_URLS.format(view="GraphQLView.as_view(schema=schema)")
    settings = """
    SECRET_KEY = "x"
    INSTALLED_APPS = ["graphene_django"]
    GRAPHENE = {"SCHEMA": "shop.schema.schema", "MIDDLEWARE": ["shop.graphql.DepthLimitMiddleware"]}
    """
    files = {"shop/urls.py": urls, "shop/settings.py": settings}
    assert run(tmp_path, "GQL001", files) == []
    settings_plain = settings.replace("shop.graphql.DepthLimitMiddleware", "shop.graphql.Timing")
    (f,) = run(tmp_path / "b", "GQL001", {**files, "shop/settings.py": settings_plain})
    assert f.start == pos_of(urls, "GraphQLView.as_view(")


ARIADNE = """
from ariadne import graphql_sync, make_executable_schema
from ariadne.asgi import GraphQL
from ariadne.validation import cost_validator

schema = make_executable_schema(type_defs, query)
{line}
"""


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("app = GraphQL(schema)", "GraphQL(schema)"),
        ("app = GraphQL(schema, debug=False)", "GraphQL(schema"),
        ("ok, result = graphql_sync(schema, data, context_value=request)", "graphql_sync("),
    ],
)
def test_gql001_ariadne_server_without_rules(tmp_path, line, needle):
    src = ARIADNE.format(line=line)
    (f,) = run(tmp_path, "GQL001", {"shop/api.py": src})
    assert f.start == pos_of(src, needle)
    assert "server" in f.message


@pytest.mark.parametrize(
    "line",
    [
        "app = GraphQL(schema, validation_rules=[cost_validator(maximum_cost=500)])",
        "ok, result = graphql_sync(schema, data, validation_rules=RULES)",
        "app = GraphQL(schema, **options)",
        "schema2 = make_executable_schema(type_defs, mutation)",  # not served here
    ],
)
def test_gql001_ariadne_quiet(tmp_path, line):
    assert run(tmp_path, "GQL001", {"shop/api.py": ARIADNE.format(line=line)}) == []


# -- GQL002 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "needle", "words"),
    [
        (
            "GraphQLView.as_view(schema=schema, graphiql=True, validation_rules=RULES)",
            "graphiql=True",
            "GraphiQL",
        ),
        ("GraphQLView.as_view(graphiql=True, validation_rules=RULES)", "graphiql=True", "GraphiQL"),
    ],
)
def test_gql002_graphene_graphiql_true(tmp_path, view, needle, words):
    src = GRAPHENE_URLS.format(view=view)
    f = find_one(analyze_files(tmp_path, {"shop/urls.py": src}), "GQL002")
    assert f.start == pos_of(src, needle)
    assert f.end == (f.start[0], f.start[1] + len(needle))
    assert words in f.message and "settings.DEBUG" in f.message
    assert only(analyze_files(tmp_path), "GQL001") == []  # validation_rules given


def test_gql002_strawberry_and_ariadne(tmp_path):
    src = """
    from ariadne.asgi import GraphQL
    from django.urls import path
    from strawberry.django.views import GraphQLView as StrawberryView

    from shop.schema import schema, ariadne_schema

    urlpatterns = [
        path("graphql/", StrawberryView.as_view(schema=schema, graphql_ide="graphiql")),
        path("old/", StrawberryView.as_view(schema=schema, graphiql=True)),
    ]
    app = GraphQL(ariadne_schema, debug=True, validation_rules=RULES)
    """
    found = run(tmp_path, "GQL002", {"shop/urls.py": src})
    assert [f.start for f in found] == [
        pos_of(src, 'graphql_ide="graphiql"'),
        pos_of(src, "graphiql=True"),
        pos_of(src, "debug=True"),
    ]
    assert "tracebacks" in found[2].message


@pytest.mark.parametrize(
    "body",
    [
        # tied to the environment
        'path("graphql/", GraphQLView.as_view(graphiql=settings.DEBUG, validation_rules=R))',
        'path("graphql/", GraphQLView.as_view(graphiql=False, validation_rules=R))',
        'path("graphql/", StrawberryView.as_view(schema=schema, graphql_ide=None))',
        'path("graphql/", StrawberryView.as_view(schema=schema))',  # the library default
        'path("graphql/", GraphQLView.as_view(graphiql=True if settings.DEBUG else False))',
        # look-alikes: a project view, an unrelated keyword
        'path("graphql/", MyView.as_view(graphiql=True))',
        'path("graphql/", render_page(graphiql=True))',
    ],
)
def test_gql002_quiet(tmp_path, body):
    src = f"""
    from django.conf import settings
    from django.urls import path
    from graphene_django.views import GraphQLView
    from strawberry.django.views import GraphQLView as StrawberryView

    from shop.schema import schema
    from shop.views import MyView, render_page

    urlpatterns = [
        {body},
    ]
    """
    assert run(tmp_path, "GQL002", {"shop/urls.py": src}) == []


def test_gql002_quiet_under_a_debug_condition(tmp_path):
    src = """
    from django.conf import settings
    from django.urls import path
    from graphene_django.views import GraphQLView

    urlpatterns = []
    if settings.DEBUG:
        urlpatterns += [path("graphiql/", GraphQLView.as_view(graphiql=True))]
    elif settings.STAGING:
        urlpatterns += [path("graphiql/", GraphQLView.as_view(graphiql=True))]
    """
    (f,) = run(tmp_path, "GQL002", {"shop/urls.py": src})  # the elif branch runs without DEBUG
    assert f.start == pos_of(src, "graphiql=True", 2)


@pytest.mark.parametrize("path", ["tests/test_urls.py", "shop/urls_dev.py", "shop/local_urls.py"])
def test_gql002_quiet_in_tests_and_development_files(tmp_path, path):
    src = GRAPHENE_URLS.format(view="GraphQLView.as_view(graphiql=True)")
    assert run(tmp_path, "GQL002", {path: src}) == []


# -- WS001 -------------------------------------------------------------------

OPEN_CONSUMER = """
import json

from channels.generic.websocket import AsyncWebsocketConsumer


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(self.room, {"type": "chat.message", "text": text_data})

    async def chat_message(self, event):
        await self.send(text_data=json.dumps(event))
"""


def test_ws001_open_consumer_reported_at_accept(tmp_path):
    (f,) = run(tmp_path, "WS001", {"chat/consumers.py": OPEN_CONSUMER})
    assert f.start == pos_of(OPEN_CONSUMER, "self.accept()")
    assert f.end == (f.start[0], f.start[1] + len("self.accept()"))
    assert "RoomConsumer.connect()" in f.message and "scope['user']" in f.message
    assert f.severity == Severity.WARNING


def test_ws001_suppression_silences(tmp_path):
    (f,) = run(tmp_path, "WS001", {"chat/consumers.py": OPEN_CONSUMER})
    edited = apply_suppression(tmp_path, f)
    assert "backend-lens: ignore[WS001]" in edited["chat/consumers.py"]
    assert only(reanalyze(tmp_path), "WS001") == []


def test_ws001_sync_and_json_consumers(tmp_path):
    src = """
    from channels.generic import websocket


    class Feed(websocket.JsonWebsocketConsumer):
        def connect(self):
            self.accept()


    class Ticker(websocket.WebsocketConsumer):
        def receive(self, text_data=None, bytes_data=None):
            self.send(text_data=text_data)
    """
    found = run(tmp_path, "WS001", {"live/consumers.py": src})
    assert [f.start for f in found] == [pos_of(src, "self.accept()"), pos_of(src, "Ticker")]
    assert "keeps Channels' connect()" in found[1].message


def test_ws001_base_class_in_the_same_file(tmp_path):
    src = """
    from channels.generic.websocket import AsyncJsonWebsocketConsumer


    class Base(AsyncJsonWebsocketConsumer):
        async def connect(self):
            await self.accept()


    class Prices(Base):
        groups = ["prices"]


    class Private(Base):
        async def receive_json(self, content):
            if not self.scope["user"].is_staff:
                return
            await self.send_json(content)
    """
    found = run(tmp_path, "WS001", {"live/consumers.py": src})
    # once, where connect() accepts; Private checks the user in receive_json
    assert [f.start for f in found] == [pos_of(src, "self.accept()")]
    assert "Base.connect()" in found[0].message


@pytest.mark.parametrize(
    "connect",
    [
        'if not self.scope["user"].is_authenticated:\n            await self.close()\n            return\n        await self.accept()',
        'user = self.scope.get("user")\n        await self.accept()',
        "if await self.authorised():\n            await self.accept()",
        'token = parse_qs(self.scope["query_string"])\n        await self.accept()',
        'if self.scope["url_route"]["kwargs"]["room"] not in ROOMS:\n            await self.close()\n        await self.accept()',
        'if self.room == "closed":\n            raise DenyConnection()\n        await self.accept()',
        "await super().connect()",  # cannot tell what the parent does
    ],
)
def test_ws001_quiet_when_the_consumer_checks(tmp_path, connect):
    src = f"""
    from channels.exceptions import DenyConnection
    from channels.generic.websocket import AsyncWebsocketConsumer


    class RoomConsumer(AsyncWebsocketConsumer):
        room = "lobby"

        async def connect(self):
            {connect}
    """
    assert run(tmp_path, "WS001", {"chat/consumers.py": src}) == []


def test_ws001_quiet_for_look_alikes(tmp_path):
    src = """
    from channels.generic.websocket import AsyncWebsocketConsumer
    from starlette.endpoints import WebSocketEndpoint

    from chat.base import SecureConsumer
    from chat.mixins import LoginRequiredMixin


    class FromElsewhere(SecureConsumer):
        async def connect(self):
            await self.accept()


    class WithMixin(LoginRequiredMixin, AsyncWebsocketConsumer):
        async def connect(self):
            await self.accept()


    class Starlette(WebSocketEndpoint):
        async def on_connect(self, websocket):
            await websocket.accept()


    class NotAConsumer:
        def connect(self):
            self.accept()
    """
    assert run(tmp_path, "WS001", {"chat/consumers.py": src}) == []
    assert run(tmp_path / "t", "WS001", {"tests/test_consumers.py": OPEN_CONSUMER}) == []


# -- WS002 -------------------------------------------------------------------

ASGI = """
import os

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator, OriginValidator
from django.core.asgi import get_asgi_application

from chat.middleware import TokenAuthMiddleware
from chat.routing import websocket_urlpatterns

django_app = get_asgi_application()
{before}
application = ProtocolTypeRouter(
    {{
        "http": django_app,
        "websocket": {websocket},
    }}
)
"""


@pytest.mark.parametrize(
    ("before", "websocket"),
    [
        ("", "AuthMiddlewareStack(URLRouter(websocket_urlpatterns))"),
        ("ws = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))", "ws"),
        ("", "TokenAuthMiddleware(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))"),
    ],
)
def test_ws002_cookie_authenticated_websocket_without_origin_check(tmp_path, before, websocket):
    src = ASGI.format(before=before, websocket=websocket)
    (f,) = run(tmp_path, "WS002", {"proj/asgi.py": src})
    assert f.start == pos_of(src, '"websocket"')
    assert "AllowedHostsOriginValidator" in f.message


def test_ws002_routing_module_with_channels_imports(tmp_path):
    src = """
    from channels import auth, routing

    from chat.routing import websocket_urlpatterns

    application = routing.ProtocolTypeRouter({
        "websocket": auth.AuthMiddlewareStack(routing.URLRouter(websocket_urlpatterns)),
    })
    """
    (f,) = run(tmp_path, "WS002", {"proj/routing.py": src})
    assert f.start == pos_of(src, '"websocket"')


@pytest.mark.parametrize(
    ("before", "websocket"),
    [
        ("", "AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))"),
        ("", 'OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)), ["*.x.com"])'),
        (
            "ws = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))",
            "ws",
        ),
        # a token in the query string: another site cannot make the browser send it
        ("", "TokenAuthMiddleware(URLRouter(websocket_urlpatterns))"),
        ("", "URLRouter(websocket_urlpatterns)"),
        # built in another module: cannot tell
        ("from chat.asgi_app import ws", "ws"),
    ],
)
def test_ws002_quiet(tmp_path, before, websocket):
    src = ASGI.format(before=before, websocket=websocket)
    assert run(tmp_path, "WS002", {"proj/asgi.py": src}) == []


def test_ws002_quiet_in_tests(tmp_path):
    src = ASGI.format(before="", websocket="AuthMiddlewareStack(URLRouter(websocket_urlpatterns))")
    assert run(tmp_path, "WS002", {"tests/test_asgi.py": src}) == []


VIEWS = """
from django.contrib.auth.mixins import LoginRequiredMixin
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView


class PrivateGraphQLView(LoginRequiredMixin, GraphQLView):
    raise_exception = True


class LimitedGraphQLView(GraphQLView):
    validation_rules = (depth_limit_validator(10),)


class LimitedPrivateView(LoginRequiredMixin, LimitedGraphQLView):
    pass


class CheckingView(GraphQLView):
    def execute_graphql_request(self, *args, **kwargs):
        return super().execute_graphql_request(*args, **kwargs)
"""

SUBCLASS_URLS = """
from django.urls import path

from shop.views import CheckingView, LimitedGraphQLView, LimitedPrivateView, PrivateGraphQLView

urlpatterns = [
    path("a/", PrivateGraphQLView.as_view(graphiql=True)),
    path("b/", LimitedGraphQLView.as_view()),
    path("c/", LimitedPrivateView.as_view()),
    path("d/", CheckingView.as_view()),
    path("e/", PrivateGraphQLView.as_view(validation_rules=RULES)),
]
"""


def test_gql001_project_subclass_of_the_graphene_view(tmp_path):
    found = analyze_files(tmp_path, {"shop/views.py": VIEWS, "shop/urls.py": SUBCLASS_URLS})
    (f,) = only(found, "GQL001")
    assert f.path.endswith("urls.py")
    assert f.start == pos_of(SUBCLASS_URLS, "PrivateGraphQLView.as_view(graphiql")
    assert "PrivateGraphQLView" in f.message and "validation_rules" in f.message
    # a subclass may put the IDE behind a login: GQL002 judges the library view only
    assert only(found, "GQL002") == []


def test_gql001_project_view_of_another_kind_is_quiet(tmp_path):
    views = """
    from django.views import View


    class GraphQLView(View):
        schema = None
    """
    urls = """
    from django.urls import path

    from shop.views import GraphQLView

    urlpatterns = [path("graphql/", GraphQLView.as_view(schema=schema))]
    """
    assert run(tmp_path, "GQL001", {"shop/views.py": views, "shop/urls.py": urls}) == []


def test_ws001_user_models_are_not_a_check(tmp_path):
    """Naming users is not checking them: the author comes from the client here."""
    src = """
    import json

    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncWebsocketConsumer
    from django.contrib.auth.models import User

    from chat.models import Message, RoomUser
    from chat.serializers import UserSerializer


    class ChatConsumer(AsyncWebsocketConsumer):
        async def connect(self):
            self.room = self.scope["url_route"]["kwargs"]["room_id"]
            await self.channel_layer.group_add(self.room, self.channel_name)
            await self.accept()

        async def receive(self, text_data=None, bytes_data=None):
            data = json.loads(text_data)
            await self.save(data["text"], data["author"])

        @database_sync_to_async
        def save(self, text, username):
            author = User.objects.get(username=username)
            RoomUser.objects.get_or_create(user=author, room=self.room)
            return UserSerializer(Message.objects.create(author=author, text=text)).data
    """
    (f,) = run(tmp_path, "WS001", {"chat/consumers.py": src})
    assert f.start == pos_of(src, "self.accept()")


@pytest.mark.parametrize(
    "line",
    [
        'if not await has_room_access(self.scope["user"], self.room):\n            return',
        "await self.check_ticket()",
        "self.who = get_user_from_scope(self.scope)",
        'self.socket_id = self.scope["web_socket_id"]',  # a middleware's own key
        'if self.scope["session"].get("banned"):\n            return',
    ],
)
def test_ws001_checks_in_other_forms(tmp_path, line):
    src = f"""
    from channels.generic.websocket import AsyncWebsocketConsumer

    from chat.access import get_user_from_scope, has_room_access


    class RoomConsumer(AsyncWebsocketConsumer):
        room = "lobby"

        async def connect(self):
            {line}
            await self.accept()
    """
    assert run(tmp_path, "WS001", {"chat/consumers.py": src}) == []


def test_gql001_gql002_graphene_file_upload_view(tmp_path):
    src = """
    from django.urls import path
    from graphene_file_upload.django import FileUploadGraphQLView

    from shop.schema import schema

    urlpatterns = [path("graphql", FileUploadGraphQLView.as_view(graphiql=True, schema=schema))]
    """
    found = analyze_files(tmp_path, {"shop/urls.py": src})
    assert find_one(found, "GQL001").start == pos_of(src, "FileUploadGraphQLView.as_view(")
    assert find_one(found, "GQL002").start == pos_of(src, "graphiql=True")


def test_ws001_a_deep_chain_of_consumers_in_one_file(tmp_path):
    lines = [
        "from channels.generic.websocket import WebsocketConsumer",
        "class C0(WebsocketConsumer):",
        "    def connect(self):",
        "        self.accept()",
    ]
    lines += [f"class C{i}(C{i - 1}):\n    pass" for i in range(1, 400)]
    src = "\n".join(lines) + "\n"
    found = run(tmp_path, "WS001", {"live/consumers.py": src})
    assert [f.start for f in found] in ([], [(4, 8)])  # judged or not, quickly and once


# -- WS003 -------------------------------------------------------------------

ASYNC_CONSUMER = """
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, WebsocketConsumer

from chat.models import Message, Room


class Base(AsyncJsonWebsocketConsumer):
    async def connect(self):
        if self.scope["user"].is_anonymous:
            await self.close()
            return
        await self.accept()


class ChatConsumer(Base):
    async def receive_json(self, content):
        room = Room.objects.get(name=content["room"])
        total = Message.objects.filter(room=room).count()
        await self.save(room, content["text"])
        fresh = await Message.objects.filter(room=room).afirst()
        lazy = Message.objects.filter(room=room)
        await self.send_json({"total": total, "fresh": fresh.pk, "q": str(lazy.query)})

    @database_sync_to_async
    def save(self, room, text):
        return Message.objects.create(room=room, text=text)

    async def helper(self):
        def inner():
            return Room.objects.count()

        return await database_sync_to_async(inner)()

    async def wrapped(self):
        return await database_sync_to_async(Room.objects.get)(pk=1)


class SyncConsumer(WebsocketConsumer):
    def receive(self, text_data=None, bytes_data=None):
        if self.scope["user"].is_authenticated:
            Message.objects.create(text=text_data)
"""


def test_ws003_sync_queries_in_async_methods(tmp_path):
    found = run(tmp_path, "WS003", {"chat/consumers.py": ASYNC_CONSUMER})
    first = 'Room.objects.get(name=content["room"])'
    second = "Message.objects.filter(room=room).count()"
    expected = []
    for text in (first, second):
        line, col = pos_of(ASYNC_CONSUMER, text)
        expected.append(((line, col), (line, col + len(text))))
    assert [(f.start, f.end) for f in found] == expected
    assert "SynchronousOnlyOperation" in found[0].message and "aget()" in found[0].message
    assert "async def receive_json" in found[0].message
    assert found[0].severity == Severity.ERROR


def test_ws003_quiet_outside_async_consumers(tmp_path):
    src = """
    from django.http import JsonResponse

    from chat.models import Message


    async def count_view(request):
        return JsonResponse({"n": await Message.objects.acount()})


    class Helper:
        async def load(self):
            return Message.objects.count()  # not a consumer: PERF rules' business
    """
    assert run(tmp_path, "WS003", {"chat/views.py": src}) == []
    assert run(tmp_path / "t", "WS003", {"tests/test_consumers.py": ASYNC_CONSUMER}) == []


def test_ws001_quiet_for_a_base_that_other_modules_build_on(tmp_path):
    base = """
    from channels.generic.websocket import AsyncJsonWebsocketConsumer


    class BaseConsumer(AsyncJsonWebsocketConsumer):
        groups = ["chat"]
    """
    sub = """
    from chat.base import BaseConsumer


    class ChatConsumer(BaseConsumer):
        async def connect(self):
            if await self.authenticate():
                await self.accept()
    """
    assert run(tmp_path, "WS001", {"chat/base.py": base, "chat/consumers.py": sub}) == []
    (f,) = run(tmp_path / "alone", "WS001", {"chat/base.py": base})
    assert f.start == pos_of(base, "BaseConsumer(")
