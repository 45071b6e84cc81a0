"""The report's API sections say what is done well and what is missing, with the
inventory's figures: authentication of the endpoints that change data, rate
limits on sign-in endpoints, versioning and naming of routes, documented error
responses, and the endpoint table."""

from __future__ import annotations

from backend_lens.cli import main

from .helpers import write_files

API = {
    "svc/app/main.py": """
        from fastapi import APIRouter, Depends, FastAPI

        from app.deps import current_user

        router = APIRouter(prefix="/api/v1")
        legacy = APIRouter(prefix="/api")
        app = FastAPI()


        @router.get("/orders", responses={404: {"description": "no such order"}})
        def list_orders(user=Depends(current_user)):
            return []


        @router.post("/orders")
        def create_order(payload: dict, user=Depends(current_user)):
            return payload


        @router.post("/coupons")
        def create_coupon(payload: dict):
            return payload


        @router.post("/auth/login")
        def login(payload: dict):
            return {}


        @legacy.get("/getAllOrders")
        def get_all_orders(user=Depends(current_user)):
            return []


        @legacy.get("/internal/ping", include_in_schema=False)
        def ping():
            return "pong"


        app.include_router(router)
        app.include_router(legacy)
    """,
}


def report_of(tmp_path, capsys, files) -> str:
    write_files(tmp_path, files)
    assert main(["report", str(tmp_path), "-q", "--no-cache"]) in (0, 1)
    return capsys.readouterr().out


def section(report: str, heading: str) -> str:
    return report.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]


def test_api_sections_say_what_the_inventory_shows(tmp_path, capsys):
    report = report_of(tmp_path, capsys, API)
    design = section(report, "API Design & Implementation")
    assert (
        "3 of 5 API routes carry a version (`/v1/`); unversioned: `/api/getAllOrders`, "
        "`/api/internal/ping`." in design
    )
    assert "1 API route names an action with a verb" in design and "`/api/getAllOrders`." in design
    # the table: one row per endpoint, with what the project model read
    assert (
        "| POST | /api/v1/coupons | create_coupon (svc/app/main.py:21) | open | no | – |" in design
    )
    assert (
        "| GET | /api/v1/orders | list_orders (svc/app/main.py:11) | required (current_user) | no | – |"
        in design
    )

    auth = section(report, "Authentication & Authorization Systems")
    assert (
        "1 of 3 endpoints that change data (POST, PUT, PATCH, DELETE) require authentication; "
        "open to anyone: `svc/app/main.py:21`; open by nature (sign-in, sign-up, reset, "
        "webhooks): `svc/app/main.py:26`." in auth
    )
    assert "**AUTH002**" in auth and "create_coupon" in auth

    rate = section(report, "Rate Limiting & Throttling")
    assert "0 of 1 sign-in, sign-up, reset or one-time-code endpoint are rate limited" in rate
    assert "**RATE001**" in rate and "`login`" in rate
    # no limit anywhere: a finding where one would be added (the application)
    assert "**RATE003**" in rate and "`svc/app/main.py:7`" in rate

    docs = section(report, "API Security & Documentation")
    assert "1 of 6 FastAPI routes declare their error responses (`responses=`)" in docs
    assert "0 of 6 FastAPI routes declare a `response_model=`; none does" in docs
    assert "1 route sets `include_in_schema=`" in docs and "`svc/app/main.py:36`" in docs


def test_router_wide_error_responses_are_credited(tmp_path, capsys):
    files = {
        "svc/app/main.py": API["svc/app/main.py"].replace(
            'router = APIRouter(prefix="/api/v1")',
            'router = APIRouter(prefix="/api/v1", responses={401: {"description": "sign in"}})',
        )
    }
    docs = section(report_of(tmp_path, capsys, files), "API Security & Documentation")
    assert (
        "Error responses are declared for whole routers or applications at `svc/app/main.py:5`"
        in docs
    )
    assert "1 of 6 FastAPI routes declare more on the route itself" in docs


def test_every_api_route_versioned_is_said(tmp_path, capsys):
    src = API["svc/app/main.py"].replace('APIRouter(prefix="/api")', 'APIRouter(prefix="/api/v2")')
    design = section(
        report_of(tmp_path, capsys, {"svc/app/main.py": src}), "API Design & Implementation"
    )
    assert "Every API route carries a version (5 routes)." in design


def test_a_graphql_api_is_not_told_it_lacks_openapi(tmp_path, capsys):
    files = {
        "svc/app/schema.py": """
            import strawberry


            @strawberry.type
            class Query:
                @strawberry.field
                def hello(self) -> str:
                    return "hi"


            schema = strawberry.Schema(query=Query)
        """,
    }
    docs = section(report_of(tmp_path, capsys, files), "API Security & Documentation")
    assert "The API is served through GraphQL" in docs
    assert "No OpenAPI schema generator was found" not in docs


DRF = {
    "shop/settings.py": """
        INSTALLED_APPS = ["rest_framework", "drf_spectacular", "shop"]
        REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
    """,
    "shop/urls.py": """
        from django.urls import include, path
        from rest_framework.routers import DefaultRouter

        from shop.views import CouponViewSet, OrderViewSet

        router = DefaultRouter()
        router.register("orders", OrderViewSet)
        router.register("coupons", CouponViewSet)
        urlpatterns = [path("api/", include(router.urls))]
    """,
    "shop/views.py": """
        from drf_spectacular.utils import extend_schema, extend_schema_view
        from rest_framework import viewsets

        from shop.models import Coupon, Order
        from shop.serializers import CouponSerializer, OrderSerializer


        @extend_schema_view(list=extend_schema(description="The signed-in user's orders."))
        class OrderViewSet(viewsets.ModelViewSet):
            queryset = Order.objects.all()
            serializer_class = OrderSerializer


        class CouponViewSet(viewsets.ReadOnlyModelViewSet):
            queryset = Coupon.objects.all()
            serializer_class = CouponSerializer
    """,
}


def test_drf_views_annotated_for_the_schema_are_counted(tmp_path, capsys):
    docs = section(report_of(tmp_path, capsys, DRF), "API Security & Documentation")
    assert "An OpenAPI schema is generated (drf_spectacular.openapi.AutoSchema)." in docs
    assert (
        "1 of 2 DRF views annotate their schema (`@extend_schema`, `@extend_schema_view`, "
        "`@swagger_auto_schema`); the others are documented from their serializers alone"
    ) in docs


CLIENT = """
    import requests
    {adapter}

    def fetch_rates():
        session = requests.Session()
        {mount}
        return session.get("https://rates.example/today", timeout=5).json()
"""


def test_retries_of_outbound_calls_are_said(tmp_path, capsys):
    plain = CLIENT.format(adapter="", mount="")
    comm = section(
        report_of(tmp_path, capsys, {"svc/rates.py": plain}), "Integration & Communication Patterns"
    )
    assert "No retry of outbound HTTP calls was found" in comm

    retried = CLIENT.format(
        adapter="from requests.adapters import HTTPAdapter\n    from urllib3.util import Retry\n",
        mount='session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))',
    )
    comm = section(
        report_of(tmp_path / "b", capsys, {"svc/rates.py": retried}),
        "Integration & Communication Patterns",
    )
    assert (
        "Retries with back-off are available through urllib3 `Retry` (1 place, mounted through "
        "`HTTPAdapter` in 1); which calls use them is not followed." in comm
    )
    assert "No retry of outbound HTTP calls was found" not in comm


STRAWBERRY = """
    import strawberry
    {imports}

    @strawberry.type
    class Query:
        @strawberry.field
        def hello(self) -> str:
            return "hi"


    schema = strawberry.Schema(query=Query{extensions})
"""


def test_graphql_introspection_is_said_on_or_off(tmp_path, capsys):
    on = STRAWBERRY.format(imports="", extensions="")
    gql = section(
        report_of(tmp_path, capsys, {"svc/schema.py": on}), "GraphQL & Real-time Services"
    )
    assert "Introspection is on (the libraries' default, nothing in the code turns it off)" in gql
    assert "No DataLoader is used" in gql
    assert "Callers are checked at the GraphQL layer" not in gql

    off = STRAWBERRY.format(
        imports="from strawberry.extensions import DisableIntrospection\n"
        "    from strawberry.dataloader import DataLoader\n"
        "    from strawberry.permission import BasePermission\n",
        extensions=", extensions=[DisableIntrospection()]",
    )
    gql = section(
        report_of(tmp_path / "b", capsys, {"svc/schema.py": off}), "GraphQL & Real-time Services"
    )
    assert "Introspection can be turned off: `DisableIntrospection`" in gql
    assert "`svc/schema.py`" in gql
    assert "Introspection is on" not in gql
    assert (
        "DataLoaders, which batch per-item queries, are imported in 1 file (`svc/schema.py`)" in gql
    )
    assert (
        "Callers are checked at the GraphQL layer with permission classes or decorators "
        "(`svc/schema.py`)" in gql
    )


ERRORS = """
    from fastapi import APIRouter, HTTPException
    from fastapi.responses import JSONResponse

    router = APIRouter()


    @router.get("/a/{{n}}")
    def a(n: int):
        if n == 1:
            raise HTTPException(status_code=404, detail="no such a")
        if n == 2:
            raise HTTPException(status_code=409, detail="a is taken")
        if n == 3:
            raise HTTPException(status_code=400, detail="bad a")
        if n == 4:
            raise HTTPException(status_code=403, detail="not yours")
        if n == 5:
            raise HTTPException(status_code=422, detail="a is odd")
        if n == 6:
            {odd}
        return {{"n": n}}
"""


def test_the_error_shapes_of_the_project_are_counted(tmp_path, capsys):
    same = ERRORS.format(odd='raise HTTPException(status_code=410, detail="gone")')
    section_text = section(
        report_of(tmp_path, capsys, {"svc/app/routes.py": same}), "Integration & Error Handling"
    )
    assert (
        "6 FastAPI error responses: every one answers {'detail'}, one shape for "
        "clients to parse." in section_text
    )
    odd = ERRORS.format(odd='return JSONResponse({"error": "gone"}, status_code=410)')
    report = report_of(tmp_path / "b", capsys, {"svc/app/routes.py": odd})
    assert (
        "6 FastAPI error responses: 5 answer {'detail'}, the others {'error'} (1) "
        "(API006, under API Design & Implementation, lists them)."
        in section(report, "Integration & Error Handling")
    )
    assert "**API006**" in section(report, "API Design & Implementation")
