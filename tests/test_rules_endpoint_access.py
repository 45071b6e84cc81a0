"""Rules judged from the endpoint inventory: AUTH002 write-endpoint-without-
authentication, RATE001 credential-endpoint-without-throttle, RATE002
throttle-scope-without-rate."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, only, pos_of

DRF_URLS = """
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from shop.views import CouponViewSet

router = DefaultRouter()
router.register("coupons", CouponViewSet)

urlpatterns = [path("api/", include(router.urls))]
"""

COUPONS = """
from rest_framework import viewsets
from rest_framework.permissions import {perm}

from shop.models import Coupon
from shop.serializers import CouponSerializer


class CouponViewSet(viewsets.{base}):
    queryset = Coupon.objects.all()
    serializer_class = CouponSerializer
    permission_classes = [{perm}]
"""

SETTINGS = """
REST_FRAMEWORK = {{
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    {extra}
}}
"""


def drf(tmp_path, perm="AllowAny", base="ModelViewSet", extra=""):
    src = COUPONS.format(perm=perm, base=base)
    files = {
        "shop/views.py": src,
        "shop/urls.py": DRF_URLS,
        "config/settings.py": SETTINGS.format(extra=extra),
    }
    return src, analyze_files(tmp_path, files)


def test_auth002_allow_any_on_a_model_viewset(tmp_path):
    src, found = drf(tmp_path)
    (f,) = only(found, "AUTH002")
    assert f.start == pos_of(src, "CouponViewSet(")
    assert f.end == (f.start[0], f.start[1] + len("CouponViewSet"))
    assert "DELETE, PATCH, POST, PUT" in f.message and "/api/coupons/" in f.message
    assert "AllowAny" in f.message
    assert f.severity == Severity.ERROR


@pytest.mark.parametrize(
    ("perm", "base"),
    [
        ("IsAuthenticated", "ModelViewSet"),
        ("IsAdminUser", "ModelViewSet"),
        ("AllowAny", "ReadOnlyModelViewSet"),  # reads only: public catalogues are fine
    ],
)
def test_auth002_quiet_when_writes_need_a_user_or_nothing_writes(tmp_path, perm, base):
    _, found = drf(tmp_path, perm, base)
    assert only(found, "AUTH002") == []


def test_auth002_leaves_a_view_without_any_permission_to_auth001(tmp_path):
    src = COUPONS.format(perm="AllowAny", base="ModelViewSet").replace(
        "    permission_classes = [AllowAny]\n", ""
    )
    found = analyze_files(
        tmp_path,
        {"shop/views.py": src, "shop/urls.py": DRF_URLS, "config/settings.py": "DEBUG = False\n"},
    )
    assert only(found, "AUTH002") == []
    assert len(only(found, "AUTH001")) == 1


FASTAPI_APP = """
from fastapi import APIRouter, Depends, FastAPI

from app.deps import get_current_user
from app.schemas import Credentials, ItemIn

router = APIRouter(prefix="/items")
app = FastAPI()


@router.post("/")
def create_item(item: ItemIn):
    return item


@router.get("/")
def list_items():
    return []


@router.delete("/{item_id}")
def delete_item(item_id: int, user=Depends(get_current_user)):
    return None


@router.post("/webhooks/stripe")
def stripe_webhook(payload: dict):
    return {}


@app.post("/auth/login")
def login(credentials: Credentials):
    return {}


app.include_router(router)
"""


def test_auth002_fastapi_route_that_writes_with_no_dependency(tmp_path):
    found = only(analyze_files(tmp_path, {"app/main.py": FASTAPI_APP}), "AUTH002")
    assert [(f.start, f.message.split("`")[1]) for f in found] == [
        (pos_of(FASTAPI_APP, "create_item"), "create_item")
    ]
    assert "POST on /items/" in found[0].message


def test_auth002_router_dependency_grants_every_route(tmp_path):
    src = FASTAPI_APP.replace(
        'APIRouter(prefix="/items")',
        'APIRouter(prefix="/items", dependencies=[Depends(get_current_user)])',
    )
    assert only(analyze_files(tmp_path, {"app/main.py": src}), "AUTH002") == []


FLASK_APP = """
from flask import Blueprint, request
from flask_login import login_required

from notes.models import Note, db

bp = Blueprint("notes", __name__, url_prefix="/notes")


@bp.route("/", methods=["POST"])
def add_note():
    db.session.add(Note(text=request.form["text"]))
    db.session.commit()
    return "", 201


@bp.route("/<int:note_id>", methods=["DELETE"])
@login_required
def delete_note(note_id):
    return "", 204


@bp.route("/")
def show_notes():
    return "notes"
"""


def test_auth002_flask_blueprint_route(tmp_path):
    found = only(analyze_files(tmp_path, {"notes/views.py": FLASK_APP}), "AUTH002")
    assert [f.start for f in found] == [pos_of(FLASK_APP, "add_note")]


def test_auth002_flask_before_request_hook_that_requires_a_user(tmp_path):
    src = (
        FLASK_APP
        + """

@bp.before_request
def require_login():
    from flask_login import current_user
    if not current_user.is_authenticated:
        return "", 401
"""
    )
    assert only(analyze_files(tmp_path, {"notes/views.py": src}), "AUTH002") == []


@pytest.mark.parametrize(
    ("rule", "name", "expected"),
    [
        ('"/invite/<token>"', "invite", 0),  # the token mailed to someone is the credential
        ('org_scoped_rule("/reset/<token>")', "reset", 0),  # read through a project wrapper
        ('"/accounts/confirm"', "confirm_email", 0),
        ('"/notes/<int:note_id>/pin"', "pin_note", 1),
    ],
)
def test_auth002_links_mailed_to_people_are_open_by_nature(tmp_path, rule, name, expected):
    src = f"""
from flask import Blueprint

bp = Blueprint("auth", __name__)


def org_scoped_rule(rule):
    return "/<org_slug>" + rule


@bp.route({rule}, methods=["GET", "POST"])
def {name}(**kwargs):
    return "", 204
"""
    found = only(analyze_files(tmp_path, {"notes/auth.py": src}), "AUTH002")
    assert len(found) == expected


def test_endpoint_rules_are_quiet_in_tests(tmp_path):
    found = analyze_files(tmp_path, {"tests/test_app.py": FASTAPI_APP})
    assert only(found, "AUTH002") == [] and only(found, "RATE001") == []


# -- RATE001 ----------------------------------------------------------------
def test_rate001_fastapi_login_without_limit(tmp_path):
    (f,) = only(analyze_files(tmp_path, {"app/main.py": FASTAPI_APP}), "RATE001")
    assert f.start == pos_of(FASTAPI_APP, "login(")
    assert "/auth/login" in f.message
    assert f.severity == Severity.WARNING


def test_rate001_slowapi_limit_silences(tmp_path):
    src = FASTAPI_APP.replace(
        '@app.post("/auth/login")\n', '@app.post("/auth/login")\n@limiter.limit("5/minute")\n'
    ).replace(
        "app = FastAPI()\n",
        "app = FastAPI()\nfrom slowapi import Limiter\nfrom slowapi.util import get_remote_address\n"
        "limiter = Limiter(key_func=get_remote_address)\n",
    )
    assert only(analyze_files(tmp_path, {"app/main.py": src}), "RATE001") == []


@pytest.mark.parametrize(
    ("decorator", "name", "deps", "expected"),
    [
        ('@app.get("/auth/login")', "login_page", "", 0),  # shows the form
        ('@app.post("/auth/logout")', "logout", "", 0),
        ('@app.post("/users/me/password")', "change_password", "user=Depends(get_current_user)", 0),
        ('@app.post("/auth/mfa")', "mfa_check", "user=Depends(get_current_user)", 1),
        ('@app.post("/password-recovery/{email}")', "recover_password", "", 1),
        ('@app.post("/users/signup")', "register_user", "", 1),
        ('@app.post("/items/search")', "search", "", 0),
    ],
)
def test_rate001_which_endpoints_are_guessed_at(tmp_path, decorator, name, deps, expected):
    src = f"""
from fastapi import Depends, FastAPI

from app.deps import get_current_user

app = FastAPI()


{decorator}
def {name}(payload: dict, {deps}):
    return {{}}
"""
    assert len(only(analyze_files(tmp_path, {"app/main.py": src}), "RATE001")) == expected


DRF_LOGIN = """
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView
{imports}


class LoginView(APIView):
    permission_classes = [AllowAny]
    {throttles}

    def post(self, request):
        return None


urlpatterns = [path("api/login/", LoginView.as_view())]
"""


@pytest.mark.parametrize(
    ("imports", "throttles", "extra", "expected"),
    [
        ("", "", "", 1),
        (
            "from rest_framework.throttling import AnonRateThrottle",
            "throttle_classes = [AnonRateThrottle]",
            "",
            0,
        ),
        (
            "",
            "",
            '"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"], '
            '"DEFAULT_THROTTLE_RATES": {"anon": "20/minute"},',
            0,
        ),
    ],
)
def test_rate001_drf_login_view_and_throttles(tmp_path, imports, throttles, extra, expected):
    src = DRF_LOGIN.format(imports=imports, throttles=throttles)
    files = {"accounts/views.py": src, "config/settings.py": SETTINGS.format(extra=extra)}
    found = only(analyze_files(tmp_path, files), "RATE001")
    assert len(found) == expected
    if expected:
        assert found[0].start == pos_of(src, "LoginView(")
    # a sign-in endpoint is anonymous by nature: AUTH002 leaves it to RATE001
    assert only(analyze_files(tmp_path, files), "AUTH002") == []


# -- RATE002 ----------------------------------------------------------------
UPLOAD_VIEW = """
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class AvatarUploadView(APIView):
    throttle_classes = [{throttle}]
    throttle_scope = "uploads"
"""

RATES = '"DEFAULT_THROTTLE_RATES": {{"anon": "100/hour", "user": "1000/hour"{more}}},'


def rate002(tmp_path, view: str, more: str = "", settings: str | None = None):
    if settings is None:
        settings = SETTINGS.format(extra=RATES.format(more=more))
    return only(
        analyze_files(tmp_path, {"media/views.py": view, "config/settings.py": settings}),
        "RATE002",
    )


def test_rate002_scope_with_no_rate(tmp_path):
    view = UPLOAD_VIEW.format(throttle="ScopedRateThrottle")
    (f,) = rate002(tmp_path, view)
    assert f.start == pos_of(view, '"uploads"')
    assert f.end == (f.start[0], f.start[1] + len('"uploads"'))
    assert "'uploads'" in f.message and "'anon', 'user'" in f.message
    assert "ImproperlyConfigured" in f.message
    assert f.severity == Severity.ERROR


def test_rate002_quiet_when_the_rate_is_set(tmp_path):
    view = UPLOAD_VIEW.format(throttle="ScopedRateThrottle")
    assert rate002(tmp_path, view, more=', "uploads": "20/hour"') == []


def test_rate002_quiet_when_scoped_throttle_does_not_apply(tmp_path):
    view = UPLOAD_VIEW.format(throttle="ScopedRateThrottle").replace(
        "throttle_classes = [ScopedRateThrottle]", "throttle_classes = []"
    )
    assert rate002(tmp_path, view) == []


def test_rate002_scoped_throttle_from_the_project_default(tmp_path):
    view = UPLOAD_VIEW.format(throttle="ScopedRateThrottle").replace(
        "    throttle_classes = [ScopedRateThrottle]\n", ""
    )
    settings = SETTINGS.format(
        extra='"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"], '
        + RATES.format(more="")
    )
    assert len(rate002(tmp_path, view, settings=settings)) == 1


THROTTLE_CLASS = """
from rest_framework.throttling import UserRateThrottle


class BurstRateThrottle(UserRateThrottle):
    scope = "burst"
    {rate}
"""


def test_rate002_throttle_subclass_scope(tmp_path):
    src = THROTTLE_CLASS.format(rate="")
    (f,) = rate002(tmp_path, src)
    assert f.start == pos_of(src, '"burst"')


def test_rate002_throttle_subclass_with_its_own_rate(tmp_path):
    assert rate002(tmp_path, THROTTLE_CLASS.format(rate='rate = "60/min"')) == []


def test_rate002_scope_of_something_else_is_quiet(tmp_path):
    src = """
from rest_framework.views import APIView


class TokenScopes:
    scope = "read"
"""
    assert rate002(tmp_path, src) == []


def test_rate002_quiet_without_readable_settings(tmp_path):
    view = UPLOAD_VIEW.format(throttle="ScopedRateThrottle")
    assert rate002(tmp_path, view, settings="DEBUG = False\n") == []
