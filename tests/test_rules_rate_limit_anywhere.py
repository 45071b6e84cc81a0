"""RATE003 no-rate-limit-anywhere: reported once per application, where a limit
would be added, when none of its endpoints is limited."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, only, pos_of

FASTAPI_APP = """
from fastapi import Depends, FastAPI

from app.deps import get_current_user
from app.schemas import Credentials

app = FastAPI(title="shop")


@app.post("/auth/login")
def login(credentials: Credentials):
    return {"token": "..."}


@app.get("/products")
def products():
    return []


@app.delete("/products/{pid}")
def delete_product(pid: int, user=Depends(get_current_user)):
    return None
"""

SLOWAPI = """
from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
"""


def test_rate003_fastapi_app_with_no_limit(tmp_path):
    (f,) = only(analyze_files(tmp_path, {"app/main.py": FASTAPI_APP}), "RATE003")
    assert f.start == pos_of(FASTAPI_APP, "app = FastAPI")
    assert f.end == (f.start[0], f.start[1] + len("app"))
    assert "3 FastAPI endpoints" in f.message
    assert "2 of them answer anonymous callers" in f.message
    assert "`login`, /auth/login" in f.message
    assert "slowapi" in f.message
    assert f.severity == Severity.INFO


def test_rate003_quiet_when_one_route_is_limited(tmp_path):
    src = SLOWAPI + FASTAPI_APP.replace(
        '@app.post("/auth/login")\n', '@app.post("/auth/login")\n@limiter.limit("5/minute")\n'
    )
    assert only(analyze_files(tmp_path, {"app/main.py": src}), "RATE003") == []


def test_rate003_quiet_when_every_endpoint_needs_a_user(tmp_path):
    src = """
from fastapi import Depends, FastAPI

from app.deps import get_current_user

app = FastAPI(dependencies=[Depends(get_current_user)])


@app.get("/reports")
def reports():
    return []


@app.post("/reports")
def create_report():
    return {}
"""
    assert only(analyze_files(tmp_path, {"app/main.py": src}), "RATE003") == []


def test_rate003_quiet_without_endpoints_and_in_tests(tmp_path):
    found = analyze_files(
        tmp_path,
        {
            "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "tests/test_api.py": FASTAPI_APP,
        },
    )
    assert only(found, "RATE003") == []


FLASK_APP = """
from flask import Flask, request

{limiter}

def create_app():
    app = Flask(__name__)
    {init}

    @app.route("/login", methods=["POST"])
    def login():
        return {{"ok": True}}

    @app.route("/notes")
    def notes():
        return []

    return app
"""


def test_rate003_flask_factory(tmp_path):
    src = FLASK_APP.format(limiter="", init="")
    (f,) = only(analyze_files(tmp_path, {"notes/app.py": src}), "RATE003")
    assert f.start == pos_of(src, "app = Flask")
    assert "2 Flask endpoints" in f.message and "Flask-Limiter" in f.message


def test_rate003_flask_limiter_default_limits_silence(tmp_path):
    src = FLASK_APP.format(
        limiter="from flask_limiter import Limiter\n"
        "from flask_limiter.util import get_remote_address\n\n"
        'limiter = Limiter(get_remote_address, default_limits=["200 per day"])\n',
        init="limiter.init_app(app)",
    )
    assert only(analyze_files(tmp_path, {"notes/app.py": src}), "RATE003") == []


DRF_VIEWS = """
from rest_framework import viewsets
from rest_framework.permissions import AllowAny

from shop.models import Coupon
from shop.serializers import CouponSerializer


class CouponViewSet(viewsets.ModelViewSet):
    queryset = Coupon.objects.all()
    serializer_class = CouponSerializer
    permission_classes = [AllowAny]
"""
DRF_URLS = """
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from shop.views import CouponViewSet

router = DefaultRouter()
router.register("coupons", CouponViewSet)

urlpatterns = [path("api/", include(router.urls))]
"""
SETTINGS = """
INSTALLED_APPS = ["rest_framework", "shop"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
REST_FRAMEWORK = {{
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",{extra}
}}
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", 1),
        (
            '\n    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],'
            '\n    "DEFAULT_THROTTLE_RATES": {"anon": "100/hour"},',
            0,
        ),
    ],
)
def test_rate003_drf_reported_at_rest_framework(tmp_path, extra, expected):
    settings = SETTINGS.format(extra=extra)
    found = only(
        analyze_files(
            tmp_path,
            {"shop/views.py": DRF_VIEWS, "shop/urls.py": DRF_URLS, "config/settings.py": settings},
        ),
        "RATE003",
    )
    assert len(found) == expected
    if expected:
        (f,) = found
        assert f.path.endswith("config/settings.py")
        assert f.start == pos_of(settings, "REST_FRAMEWORK")
        assert "Django and DRF endpoints" in f.message and "DEFAULT_THROTTLE_CLASSES" in f.message


def test_rate003_quiet_at_an_app_nothing_is_routed_to(tmp_path):
    gateway = """
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

gateway = FastAPI()
gateway.add_middleware(CORSMiddleware, allow_origins=["https://a.example"])
"""
    found = analyze_files(tmp_path, {"app/main.py": FASTAPI_APP, "app/gateway.py": gateway})
    (f,) = only(found, "RATE003")
    assert f.path.endswith("app/main.py")


def test_rate003_app_serving_through_a_router(tmp_path):
    routes = FASTAPI_APP.replace('app = FastAPI(title="shop")', "router = APIRouter()")
    routes = routes.replace("@app.", "@router.").replace(
        "from fastapi import Depends, FastAPI", "from fastapi import APIRouter, Depends"
    )
    main = (
        "from fastapi import FastAPI\n\nfrom app.routes import router\n\n"
        "app = FastAPI()\napp.include_router(router, prefix='/api')\n"
    )
    (f,) = only(analyze_files(tmp_path, {"app/routes.py": routes, "app/main.py": main}), "RATE003")
    assert f.path.endswith("app/main.py") and f.start == pos_of(main, "app = FastAPI")
    assert "/api/auth/login" in f.message


def test_rate003_health_probes_do_not_count_as_exposure(tmp_path):
    src = """
from fastapi import Depends, FastAPI

from app.deps import require_service_token
from app.routes import stock

app = FastAPI()
app.include_router(stock.router, dependencies=[Depends(require_service_token)])


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}
"""
    routes = """
from fastapi import APIRouter

router = APIRouter()


@router.post("/stock/{sku}")
def adjust(sku: str):
    return {}
"""
    found = analyze_files(tmp_path, {"app/main.py": src, "app/routes/stock.py": routes})
    assert only(found, "RATE003") == []
    public = src.replace('@app.get("/healthz")', '@app.get("/stock/public")')
    (f,) = only(
        analyze_files(tmp_path / "b", {"app/main.py": public, "app/routes/stock.py": routes}),
        "RATE003",
    )
    assert "1 of them answers anonymous callers" in f.message
