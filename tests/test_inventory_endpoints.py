"""The endpoint inventory on small projects laid out as real ones are: the list a
person counts by reading the code (framework, methods, full route with every
prefix, handler file and line, auth, throttling)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from backend_lens.engine.project import Project
from backend_lens.inventory.endpoints import collect_endpoints
from backend_lens.inventory.model import Endpoint

from .helpers import write_files


def endpoints(tmp_path: Path, files: dict[str, str]) -> list[Endpoint]:
    write_files(tmp_path, files)
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    return collect_endpoints(project)


def line(files: dict[str, str], rel: str, text: str) -> int:
    """The 1-based line of ``text`` in the file as written (dedented, like write_files)."""
    lines = textwrap.dedent(files[rel]).lstrip("\n").splitlines()
    found = [i for i, x in enumerate(lines, 1) if text in x]
    assert len(found) == 1, (rel, text, found)
    return found[0]


def unique_line(files: dict[str, str], text: str) -> int:
    hits = [line(files, rel, text) for rel in files if text in files[rel]]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def rows(eps: list[Endpoint]) -> list[tuple]:
    return [
        (e.framework, e.methods, e.route, e.path, e.line, e.handler, e.auth, e.throttled)
        for e in eps
    ]


DJANGO = {
    "shop/manage.py": """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    """,
    "shop/config/__init__.py": "",
    "shop/config/settings.py": """
        ROOT_URLCONF = "config.urls"
        INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "orders"]
        REST_FRAMEWORK = {
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
        }
    """,
    "shop/config/urls.py": """
        from django.urls import include, path

        from orders import views as order_views

        urlpatterns = [
            path("api/", include("orders.api_urls")),
            path("orders/", include("orders.urls")),
            path("health/", order_views.health),
        ]
    """,
    "shop/orders/__init__.py": "",
    "shop/orders/urls.py": """
        from django.urls import include, path

        from . import views

        detail_patterns = [
            path("<int:pk>/", views.OrderDetailView.as_view()),
        ]

        urlpatterns = [
            path("", views.order_list),
            path("new/", views.create_order),
            path("detail/", include(detail_patterns)),
        ]
    """,
    "shop/orders/decorators.py": """
        from functools import wraps

        from django.core.exceptions import PermissionDenied


        def staff_only(view):
            @wraps(view)
            def inner(request, *args, **kwargs):
                if not request.user.is_staff:
                    raise PermissionDenied
                return view(request, *args, **kwargs)
            return inner
    """,
    "shop/orders/views.py": """
        from django.contrib.auth.decorators import login_required
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.http import HttpResponse
        from django.views.decorators.http import require_http_methods, require_POST
        from django.views.generic import DetailView

        from .decorators import staff_only


        @login_required
        @require_http_methods(["GET", "HEAD"])
        def order_list(request):
            return HttpResponse("orders")


        @require_POST
        @staff_only
        def create_order(request):
            return HttpResponse("created")


        class OrderDetailView(LoginRequiredMixin, DetailView):
            template_name = "order.html"


        def health(request):
            return HttpResponse("ok")


        def not_routed(request):
            return HttpResponse("nobody links to me")
    """,
    "shop/orders/api_urls.py": """
        from django.urls import path
        from rest_framework.routers import DefaultRouter

        from .api import OrderViewSet, ProductList, ping

        router = DefaultRouter()
        router.register("orders", OrderViewSet)

        urlpatterns = [
            path("products/", ProductList.as_view()),
            path("ping/", ping),
        ] + router.urls
    """,
    "shop/orders/api.py": """
        from rest_framework import generics, viewsets
        from rest_framework.decorators import api_view
        from rest_framework.permissions import AllowAny
        from rest_framework.response import Response
        from rest_framework.throttling import UserRateThrottle


        class OrderViewSet(viewsets.ModelViewSet):
            throttle_classes = [UserRateThrottle]


        class ProductList(generics.ListAPIView):
            permission_classes = [AllowAny]


        class UnusedViewSet(viewsets.ModelViewSet):
            pass


        @api_view(["GET"])
        def ping(request):
            return Response("pong")
    """,
}


def test_django_nested_root_with_include_prefixes_and_a_drf_router(tmp_path):
    eps = endpoints(tmp_path, DJANGO)

    def L(text: str) -> int:  # noqa: N802 - reads as a place in the table
        return unique_line(DJANGO, text)

    assert rows(eps) == [
        ("drf", ("GET", "POST"), "/api/orders/",
         "shop/orders/api.py", L("class OrderViewSet"), "OrderViewSet", "required", True),
        ("drf", ("GET", "PUT", "PATCH", "DELETE"), "/api/orders/{pk}/",
         "shop/orders/api.py", L("class OrderViewSet"), "OrderViewSet", "required", True),
        ("drf", ("GET",), "/api/products/", "shop/orders/api.py", L("class ProductList"), "ProductList", "none", False),
        ("drf", ("GET",), "/api/ping/", "shop/orders/api.py", L("def ping"), "ping", "required", False),
        ("django", ("GET", "HEAD"), "/orders/", "shop/orders/views.py", L("def order_list"), "order_list",
         "required", False),
        ("django", ("POST",), "/orders/new/", "shop/orders/views.py", L("def create_order"), "create_order",
         "required", False),
        ("django", ("GET",), "/orders/detail/<int:pk>/", "shop/orders/views.py", L("class OrderDetailView"),
         "OrderDetailView", "required", False),
        ("django", (), "/health/", "shop/orders/views.py", L("def health"), "health", "none", False),
    ]  # fmt: skip
    by = {(e.handler, e.route): e for e in eps}
    assert (
        by["OrderViewSet", "/api/orders/"].auth_by == "DEFAULT_PERMISSION_CLASSES: IsAuthenticated"
    )
    assert by["OrderViewSet", "/api/orders/"].throttled_by == "throttle_classes: UserRateThrottle"
    assert by["OrderViewSet", "/api/orders/"].paginated is True
    assert by["OrderViewSet", "/api/orders/{pk}/"].paginated is None  # one object: not a list
    by = {e.handler: e for e in eps}
    assert by["ProductList"].auth_by == "permission_classes: AllowAny"
    assert by["ProductList"].paginated is True
    assert by["ping"].paginated is None  # not a list endpoint
    assert by["order_list"].auth_by == "login_required"
    assert by["create_order"].auth_by == "staff_only"  # the project's own decorator
    assert by["OrderDetailView"].auth_by == "LoginRequiredMixin"


def test_drf_without_default_permissions_is_open_and_a_project_base_class_grants_auth(tmp_path):
    eps = endpoints(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/settings.py": 'ROOT_URLCONF = "app.urls"\n',
            "app/base.py": """
                from rest_framework.permissions import IsAuthenticated
                from rest_framework.views import APIView


                class SecureAPIView(APIView):
                    permission_classes = [IsAuthenticated]
            """,
            "app/views.py": """
                from rest_framework.response import Response
                from rest_framework.views import APIView

                from .base import SecureAPIView


                class PublicView(APIView):
                    def get(self, request):
                        return Response({})


                class AccountView(SecureAPIView):
                    def get(self, request):
                        return Response({})

                    def post(self, request):
                        return Response({})
            """,
            "app/urls.py": """
                from django.urls import re_path

                from .views import AccountView, PublicView

                urlpatterns = [
                    re_path(r"^public/$", PublicView.as_view()),
                    re_path(r"^account/$", AccountView.as_view()),
                ]
            """,
        },
    )
    assert [(e.handler, e.methods, e.route, e.auth, e.auth_by, e.throttled) for e in eps] == [
        ("PublicView", ("GET",), "/public/", "none", "DRF default permission (AllowAny)", False),
        (
            "AccountView",
            ("GET", "POST"),
            "/account/",
            "required",
            "permission_classes: IsAuthenticated",
            False,
        ),
    ]


FLASK = {
    "app/__init__.py": """
        from flask import Flask


        def create_app():
            app = Flask(__name__)
            from .auth import bp as auth_bp
            from .shop.views import shop

            app.register_blueprint(auth_bp)
            app.register_blueprint(shop, url_prefix="/shop")

            @app.route("/health")
            def health():
                return "ok"

            return app
    """,
    "app/decorators.py": """
        from functools import wraps

        from flask import abort
        from flask_login import current_user

        from .extensions import cache


        def login_needed(f):
            @wraps(f)
            def wrapper(*args, **kwargs):
                if not current_user.is_authenticated:
                    abort(401)
                return f(*args, **kwargs)
            return wrapper


        def ratelimited(limit=10):
            def decorator(f):
                @wraps(f)
                def inner(*args, **kwargs):
                    count = cache.incr("hits")
                    if count > limit:
                        abort(429)
                    return f(*args, **kwargs)
                return inner
            return decorator
    """,
    "app/extensions.py": """
        from flask_caching import Cache

        cache = Cache()
    """,
    "app/auth.py": """
        from flask import Blueprint

        from .decorators import ratelimited

        bp = Blueprint("auth", __name__, url_prefix="/auth")


        @bp.route("/login", methods=["GET", "POST"])
        @ratelimited(limit=5)
        def login():
            return "login form"
    """,
    "app/shop/__init__.py": "",
    "app/shop/views.py": """
        from flask import Blueprint
        from flask_login import login_required

        from app.decorators import login_needed

        shop = Blueprint("shop", __name__, url_prefix="/replaced")


        @shop.get("/items")
        def items():
            return []


        @shop.post("/items")
        @login_needed
        def add_item():
            return {}


        @shop.route("/cart", methods=["GET", "DELETE"])
        @login_required
        def cart():
            return {}


        class EventBus:
            def route(self, name):
                return lambda f: f


        events = EventBus()


        @events.route("order.created")
        def on_order_created(order):
            return order
    """,
}


def test_flask_app_factory_blueprints_prefixes_and_project_decorators(tmp_path):
    eps = endpoints(tmp_path, FLASK)

    def L(text: str) -> int:  # noqa: N802 - reads as a place in the table
        return unique_line(FLASK, text)

    assert rows(eps) == [
        ("flask", ("GET",), "/health", "app/__init__.py", L("def health"), "health", "none", False),
        ("flask", ("GET", "POST"), "/auth/login", "app/auth.py", L("def login():"), "login", "none", True),
        ("flask", ("GET",), "/shop/items", "app/shop/views.py", L("def items"), "items", "none", False),
        ("flask", ("POST",), "/shop/items", "app/shop/views.py", L("def add_item"), "add_item", "required",
         False),
        ("flask", ("GET", "DELETE"), "/shop/cart", "app/shop/views.py", L("def cart"), "cart", "required",
         False),
    ]  # fmt: skip
    by = {e.handler: e for e in eps}
    assert by["login"].throttled_by == "ratelimited"
    assert by["add_item"].auth_by == "login_needed"
    assert by["cart"].auth_by == "login_required"


FASTAPI = {
    "api/__init__.py": "",
    "api/main.py": """
        from fastapi import Depends, FastAPI

        from api.deps import verify_key
        from api.routers import items, users

        app = FastAPI()
        app.include_router(users.router, prefix="/api/v1")
        app.include_router(items.router, prefix="/api/v1/items", dependencies=[Depends(verify_key)])


        @app.get("/health")
        async def health():
            return {"ok": True}
    """,
    "api/deps.py": """
        from typing import Annotated

        from fastapi import Depends, Header, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


        async def load_user(token: str = Depends(oauth2_scheme)):
            return {"token": token}


        CurrentUser = Annotated[dict, Depends(load_user)]


        def verify_key(x_key: str = Header()):
            if x_key != "secret":
                raise HTTPException(status_code=403)


        def get_db():
            yield None
    """,
    "api/routers/__init__.py": "",
    "api/routers/users.py": """
        from fastapi import APIRouter, Depends

        from api.deps import CurrentUser, get_db, load_user

        router = APIRouter(prefix="/users")
        admin = APIRouter(prefix="/admin")


        @router.get("/me")
        async def me(user: CurrentUser):
            return user


        @router.post("/signup")
        def signup(db=Depends(get_db)):
            return {}


        @admin.delete("/{user_id}")
        def remove(user_id: int, user=Depends(load_user)):
            return {}


        router.include_router(admin)
    """,
    "api/routers/items.py": """
        from fastapi import APIRouter

        router = APIRouter()


        @router.get("/")
        def list_items():
            return []


        @router.get("/{item_id}")
        def get_item(item_id: int):
            return {}
    """,
}


def test_fastapi_routers_in_other_modules_prefixes_and_dependencies(tmp_path):
    eps = endpoints(tmp_path, FASTAPI)

    def L(text: str) -> int:  # noqa: N802 - reads as a place in the table
        return unique_line(FASTAPI, text)

    assert rows(eps) == [
        ("fastapi", ("GET",), "/health", "api/main.py", L("def health"), "health", "none", False),
        ("fastapi", ("GET",), "/api/v1/items/", "api/routers/items.py", L("def list_items"), "list_items",
         "required", False),
        ("fastapi", ("GET",), "/api/v1/items/{item_id}", "api/routers/items.py", L("def get_item"), "get_item",
         "required", False),
        ("fastapi", ("GET",), "/api/v1/users/me", "api/routers/users.py", L("def me"), "me", "required",
         False),
        ("fastapi", ("POST",), "/api/v1/users/signup", "api/routers/users.py", L("def signup"), "signup",
         "none", False),
        ("fastapi", ("DELETE",), "/api/v1/users/admin/{user_id}", "api/routers/users.py", L("def remove"),
         "remove", "required", False),
    ]  # fmt: skip
    by = {e.handler: e for e in eps}
    assert by["me"].auth_by == "load_user -> oauth2_scheme"
    assert by["list_items"].auth_by == "verify_key (denies with 401/403)"


RESTX = {
    "svc/__init__.py": "",
    "svc/app.py": """
        from flask import Blueprint, Flask
        from flask_restx import Api

        from svc.resources import Todo, ns

        bp = Blueprint("api", __name__, url_prefix="/api")
        api = Api(bp)
        api.add_namespace(ns, path="/todos")
        api.add_resource(Todo, "/todo/<int:todo_id>")

        app = Flask(__name__)
        app.register_blueprint(bp)
    """,
    "svc/resources.py": """
        from flask_jwt_extended import jwt_required
        from flask_restx import Namespace, Resource

        ns = Namespace("tasks")


        @ns.route("/")
        class TodoList(Resource):
            def get(self):
                return []

            @jwt_required()
            def post(self):
                return {}


        class Todo(Resource):
            method_decorators = [jwt_required()]

            def get(self, todo_id):
                return {}

            def delete(self, todo_id):
                return None
    """,
}


def test_flask_restx_resources_one_endpoint_per_method(tmp_path):
    eps = endpoints(tmp_path, RESTX)

    def L(text: str) -> int:  # noqa: N802 - reads as a place in the table
        return unique_line(RESTX, text)

    assert rows(eps) == [
        ("flask", ("GET",), "/api/todos/", "svc/resources.py", L("def get(self):"), "TodoList.get", "none", False),
        ("flask", ("POST",), "/api/todos/", "svc/resources.py", L("def post"), "TodoList.post", "required",
         False),
        ("flask", ("GET",), "/api/todo/<int:todo_id>", "svc/resources.py", L("def get(self, todo_id)"), "Todo.get",
         "required", False),
        ("flask", ("DELETE",), "/api/todo/<int:todo_id>", "svc/resources.py", L("def delete"), "Todo.delete",
         "required", False),
    ]  # fmt: skip
    assert {e.auth_by for e in eps if e.auth == "required"} == {"jwt_required"}


def test_a_project_wrapper_of_add_resource_routes_its_resources(tmp_path):
    """redash's `api.add_org_resource(Resource, "/api/...")` on a subclass of
    flask-restful's Api: the wrapper's resources are endpoints as add_resource's are."""
    files = {
        "svc/__init__.py": "",
        "svc/api.py": """
            from flask_restful import Api, Resource

            from svc.auth import login_required


            class ApiExt(Api):
                def add_org_resource(self, resource, *urls, **kwargs):
                    return self.add_resource(resource, *urls, **kwargs)


            class BaseResource(Resource):
                decorators = [login_required]


            class QueryList(BaseResource):
                def get(self):
                    return []


            class Ping(Resource):
                def get(self):
                    return "pong"


            api = ApiExt()
            api.add_org_resource(QueryList, "/api/queries")
            api.add_org_resource(Ping, "/api/ping")
        """,
    }
    eps = endpoints(tmp_path, files)
    assert [(e.methods, e.route, e.handler, e.auth) for e in eps] == [
        (("GET",), "/api/queries", "QueryList.get", "required"),
        (("GET",), "/api/ping", "Ping.get", "none"),
    ]


def test_a_router_mounted_only_in_development_is_not_an_endpoint(tmp_path):
    main = """
        from fastapi import APIRouter, FastAPI

        from app.config import settings
        from app.routes import admin, private, public

        api = APIRouter()
        api.include_router(public.router)
        if settings.ENVIRONMENT == "local":
            api.include_router(private.router)
        else:
            api.include_router(admin.router)

        app = FastAPI()
        app.include_router(api, prefix="/api")
    """
    route = """
        from fastapi import APIRouter

        router = APIRouter(prefix="/{name}")


        @router.post("/users")
        def create_{name}_user():
            return {{}}
    """
    files = {"app/main.py": main}
    for name in ("public", "private", "admin"):
        files[f"app/routes/{name}.py"] = route.format(name=name)
    routes = sorted(e.route for e in endpoints(tmp_path, files))
    assert routes == ["/api/admin/users", "/api/public/users"]


def test_a_router_splits_a_viewset_into_its_collection_object_and_action_routes(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/api.py": """
            from rest_framework import viewsets
            from rest_framework.decorators import action
            from rest_framework.routers import DefaultRouter


            class ProductViewSet(viewsets.ModelViewSet):
                lookup_field = "slug"
                http_method_names = ["get", "post", "patch"]

                @action(detail=False, url_path="best-sellers")
                def best_sellers(self, request):
                    return None

                @action(detail=True, methods=["post"])
                def archive(self, request, slug=None):
                    return None


            router = DefaultRouter(trailing_slash=False)
            router.register("products", ProductViewSet)
            urlpatterns = router.urls
        """,
    }
    eps = endpoints(tmp_path, files)
    assert [(e.methods, e.route, e.handler, e.paginated) for e in eps] == [
        (("GET", "POST"), "/products", "ProductViewSet", False),
        (("GET",), "/products/best-sellers", "ProductViewSet.best_sellers", None),
        (("GET", "PATCH"), "/products/{slug}", "ProductViewSet", None),
        (("POST",), "/products/{slug}/archive", "ProductViewSet.archive", None),
    ]


def test_nothing_that_only_looks_like_a_route_is_an_endpoint(tmp_path):
    eps = endpoints(
        tmp_path,
        {
            "tools/__init__.py": "",
            "tools/bus.py": """
                class Bus:
                    def get(self, name):
                        return lambda f: f

                    def route(self, name):
                        return lambda f: f


                bus = Bus()


                @bus.get("/orders")
                def on_get(event):
                    return event


                @bus.route("/x")
                def on_x(event):
                    return event


                def path(a, b):
                    return a + b


                patterns = [path("x/", on_x)]
            """,
            "tools/tests/test_urls.py": """
                from django.urls import path

                urlpatterns = [path("only-in-tests/", lambda r: r)]
            """,
        },
    )
    assert eps == []


def test_django_include_of_a_module_object_a_router_and_an_inline_list(tmp_path):
    files = {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            REST_FRAMEWORK = {
                "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
            }
        """,
        "proj/__init__.py": "",
        "proj/urls.py": """
            from django.conf.urls import url
            from django.urls import include, path

            from catalog import urls as catalog_urls
            from catalog.api import router
            from catalog.views import search
            from django.views.generic import TemplateView

            urlpatterns = [
                path("about/", TemplateView.as_view(template_name="about.html")),
                path("catalog/", include(catalog_urls)),
                path("api/v2/", include(router.urls)),
                url(r"^search/$", include([path("go/", search)])),
            ]
        """,
        "catalog/__init__.py": "",
        "catalog/urls.py": """
            from django.urls import path
            from django_ratelimit.decorators import ratelimit

            from . import views

            urlpatterns = [path("<slug:slug>/", ratelimit(key="ip")(views.item))]
        """,
        "catalog/views.py": """
            from django.http import HttpResponse


            def item(request, slug):
                return HttpResponse(slug)


            def search(request):
                return HttpResponse("results")
        """,
        "catalog/api.py": """
            from rest_framework import mixins, viewsets
            from rest_framework.decorators import action
            from rest_framework.routers import SimpleRouter


            class ReviewViewSet(mixins.ListModelMixin, mixins.CreateModelMixin,
                                viewsets.GenericViewSet):
                pagination_class = None

                @action(detail=True, methods=["post"])
                def flag(self, request, pk=None):
                    pass


            router = SimpleRouter()
            router.register(r"reviews", ReviewViewSet, basename="review")
        """,
    }
    eps = endpoints(tmp_path, files)
    assert [
        (e.framework, e.methods, e.route, e.path, e.handler, e.auth, e.throttled, e.paginated)
        for e in eps
    ] == [
        ("drf", ("GET", "POST"), "/api/v2/reviews/", "catalog/api.py", "ReviewViewSet", "none",
         True, False),
        # an @action on one object: its own route under the object's
        ("drf", ("POST",), "/api/v2/reviews/{pk}/flag/", "catalog/api.py", "ReviewViewSet.flag",
         "none", True, None),
        ("django", (), "/catalog/<slug:slug>/", "catalog/views.py", "item", "none", True, None),
        ("django", (), "/search/go/", "catalog/views.py", "search", "none", False, None),
        ("django", ("GET",), "/about/", "proj/urls.py", "django.views.generic.TemplateView",
         "unknown", False, None),
    ]  # fmt: skip
    by = {e.handler: e for e in eps}
    assert by["ReviewViewSet"].throttled_by == "DEFAULT_THROTTLE_CLASSES"
    assert by["item"].throttled_by == "ratelimit"


def test_fastapi_app_dependencies_security_schemes_and_a_limiter(tmp_path):
    files = {
        "svc/__init__.py": "",
        "svc/main.py": """
            from fastapi import Depends, FastAPI, Request, Security
            from fastapi.security import APIKeyHeader, HTTPBearer
            from slowapi import Limiter
            from slowapi.util import get_remote_address

            api_key = APIKeyHeader(name="X-Key")
            bearer = HTTPBearer()
            limiter = Limiter(key_func=get_remote_address)

            internal = FastAPI(dependencies=[Depends(api_key)])
            public = FastAPI()


            @internal.get("/stats")
            def stats():
                return {}


            @public.get("/feed")
            @limiter.limit("5/minute")
            def feed(request: Request):
                return []


            @public.post("/token")
            def token(credentials=Security(bearer)):
                return {}
        """,
    }
    eps = endpoints(tmp_path, files)
    assert [(e.route, e.auth, e.auth_by, e.throttled, e.throttled_by) for e in eps] == [
        ("/stats", "required", "api_key", False, ""),
        ("/feed", "none", "", True, "limiter.limit"),
        ("/token", "required", "Security(bearer)", False, ""),
    ]


def test_project_decorators_and_hooks_that_wrap_or_check_the_user(tmp_path):
    files = {
        "site/__init__.py": "",
        "site/guards.py": """
            from functools import wraps

            from django.contrib.auth.decorators import login_required
            from django.http import HttpResponseForbidden


            def members_area(view):
                return login_required(view)


            def gate(view):
                @wraps(view)
                def inner(request, *args, **kwargs):
                    if request.user.is_authenticated and request.GET.get("closed"):
                        return HttpResponseForbidden()
                    return view(request, *args, **kwargs)
                return inner
        """,
        "site/views.py": """
            from django.http import HttpResponse

            from .guards import gate, members_area


            @members_area
            def lounge(request):
                return HttpResponse("welcome")


            @gate
            def door(request):
                return HttpResponse("door")
        """,
        "site/urls.py": """
            from django.urls import path

            from . import views

            urlpatterns = [path("lounge/", views.lounge), path("door/", views.door)]
        """,
        "admin_app/__init__.py": "",
        "admin_app/views.py": """
            from flask import Blueprint, abort
            from flask_login import current_user

            admin = Blueprint("admin", __name__, url_prefix="/admin")


            @admin.before_request
            def check_admin():
                if not current_user.is_admin:
                    abort(403)


            @admin.route("/users")
            def users():
                return []


            public = Blueprint("public", __name__)


            @public.before_request
            def turn_banned_away():
                if current_user.is_authenticated and current_user.banned:
                    abort(403)


            @public.route("/news")
            def news():
                return []


            api = Blueprint("api", __name__, url_prefix="/api")


            @api.before_request
            def require_login():
                if not verify_token(request.headers.get("Authorization")):
                    abort(401)


            @api.post("/notes")
            def add_note():
                return {}
        """,
    }
    eps = endpoints(tmp_path, files)
    assert [(e.route, e.handler, e.auth, e.auth_by) for e in eps] == [
        ("/admin/users", "users", "required", "before_request check_admin"),
        ("/news", "news", "none", ""),  # its hook turns banned users away: not a login
        # a hook named for it that turns an unverified credential away with 401
        ("/api/notes", "add_note", "required", "before_request require_login"),
        ("/lounge/", "lounge", "required", "members_area (login_required)"),
        ("/door/", "door", "unknown", "gate (checks the user)"),
    ]


def test_flask_smorest_blueprints_and_method_views(tmp_path):
    files = {
        "pets/__init__.py": "",
        "pets/app.py": """
            from flask import Flask
            from flask_smorest import Api

            from pets.resources import blp

            app = Flask(__name__)
            api = Api(app)
            api.register_blueprint(blp, url_prefix="/v1/pets")
        """,
        "pets/resources.py": """
            from flask.views import MethodView
            from flask_login import login_required
            from flask_smorest import Blueprint

            blp = Blueprint("pets", __name__, url_prefix="/pets")


            @blp.route("/<int:pet_id>")
            class Pet(MethodView):
                decorators = [login_required]

                def get(self, pet_id):
                    return {}

                def put(self, pet_id):
                    return {}
        """,
    }
    eps = endpoints(tmp_path, files)
    assert [(e.methods, e.route, e.handler, e.auth, e.auth_by) for e in eps] == [
        (("GET",), "/v1/pets/<int:pet_id>", "Pet.get", "required", "login_required"),
        (("PUT",), "/v1/pets/<int:pet_id>", "Pet.put", "required", "login_required"),
    ]


def test_a_view_registered_through_a_project_registry_is_listed_without_a_route(tmp_path):
    files = {
        "inv/__init__.py": "",
        "inv/registry.py": """
            VIEWS = []


            def register_model_view(model, name):
                def decorator(cls):
                    VIEWS.append((model, name, cls))
                    return cls
                return decorator


            def get_model_urls(model):
                return [v for v in VIEWS if v[0] == model]
        """,
        "inv/views.py": """
            from django.contrib.auth.mixins import LoginRequiredMixin
            from django.views import View

            from .registry import register_model_view


            @register_model_view("site", "edit")
            class SiteEditView(LoginRequiredMixin, View):
                def get(self, request):
                    pass

                def post(self, request):
                    pass


            class HomeView(View):
                def get(self, request):
                    pass
        """,
        "inv/urls.py": """
            from django.urls import include, path

            from .registry import get_model_urls
            from .views import HomeView

            urlpatterns = [
                path("", HomeView.as_view()),
                path("sites/", include(get_model_urls("site"))),
            ]
        """,
    }
    eps = endpoints(tmp_path, files)
    assert [(e.methods, e.route, e.handler, e.auth, e.auth_by) for e in eps] == [
        (("GET", "POST"), "", "SiteEditView", "required", "LoginRequiredMixin"),
        (("GET",), "/", "HomeView", "none", ""),
    ]


def test_the_report_says_which_routes_it_cannot_read(tmp_path, capsys):
    from backend_lens.cli import main

    test_a_view_registered_through_a_project_registry_is_listed_without_a_route(tmp_path)
    assert main(["report", str(tmp_path), "-q"]) == 0
    report = capsys.readouterr().out
    assert "2 endpoints in 1 file: 2 Django URL-conf views" in report
    assert (
        "For 1 endpoint the code does not state the URL in a way this tool can read "
        "(a project registry, a computed path): first at `inv/views.py:8`." in report
    )
