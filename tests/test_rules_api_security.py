"""API Security & Documentation: APISEC001-APISEC006 (production settings, CORS,
csrf_exempt, cookies, error details sent to clients)."""

from __future__ import annotations

import textwrap

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

SOLE = """
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = True
ALLOWED_HOSTS = ["shop.example.com", "*"]
INSTALLED_APPS = ["shop"]
"""

BASE = """
DEBUG = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["shop"]
"""


def run(tmp_path, files: dict[str, str], code: str):
    return only(analyze_files(tmp_path, files), code)


# ---------------------------------------------------------------------------
# APISEC001 debug-enabled-in-production


def test_apisec001_the_only_settings_module(tmp_path):
    (f,) = run(tmp_path, {"shop/settings.py": SOLE}, "APISEC001")
    assert f.start == pos_of(SOLE, "True")
    assert f.end == (f.start[0], f.start[1] + 4)
    assert "DEBUG = True" in f.message and "only settings module" in f.message
    assert f.severity == Severity.ERROR


def test_apisec001_test_settings_beside_do_not_count(tmp_path):
    files = {"shop/settings.py": SOLE, "shop/test_settings.py": "from .settings import *\n"}
    files["tests/settings.py"] = "DEBUG = False\nINSTALLED_APPS = []\n"
    assert len(run(tmp_path, files, "APISEC001")) == 1


def test_apisec001_unknown_module_beside_another_is_quiet(tmp_path):
    files = {"shop/settings.py": SOLE, "shop/other_settings.py": "DEBUG = False\n"}
    assert run(tmp_path, files, "APISEC001") == []


def test_apisec001_selected_by_wsgi(tmp_path):
    files = {
        "shop/settings.py": SOLE,
        "shop/other_settings.py": "DEBUG = False\n",
        "shop/wsgi.py": """
            import os
            from django.core.wsgi import get_wsgi_application
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
            application = get_wsgi_application()
        """,
    }
    (f,) = run(tmp_path, files, "APISEC001")
    assert "wsgi" in f.message


def test_apisec001_base_under_production(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": BASE,
        "shop/settings/production.py": "from .base import *\nSECRET_KEY = 'x'\n",
        "shop/settings/dev.py": "from .base import *\nDEBUG = True\n",
    }
    (f,) = run(tmp_path, files, "APISEC001")
    assert f.path.endswith("base.py") and f.start == (1, 8)
    assert "production imports it" in f.message


def test_apisec001_production_overrides_base(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": BASE,
        "shop/settings/production.py": "from .base import *\nDEBUG = False\n",
        "shop/settings/local.py": "from .base import *\nDEBUG = True\n",
    }
    assert run(tmp_path, files, "APISEC001") == []


def test_apisec001_production_module(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": "DEBUG = False\nINSTALLED_APPS = []\n",
        "shop/settings/prod.py": "from .base import *\nDEBUG = True\n",
    }
    (f,) = run(tmp_path, files, "APISEC001")
    assert f.path.endswith("prod.py") and f.start == (2, 8)


@pytest.mark.parametrize(
    "path", ["shop/settings/dev.py", "shop/settings/local.py", "shop/settings/test.py"]
)
def test_apisec001_development_and_test_settings_are_quiet(tmp_path, path):
    assert run(tmp_path, {path: BASE}, "APISEC001") == []


@pytest.mark.parametrize(
    "value",
    [
        'env.bool("DEBUG", default=False)',
        'os.environ.get("DJANGO_DEBUG") == "1"',
        'os.environ.get("DEBUG", "false").lower() == "true"',
        "False",
        "'True'",
        "not PRODUCTION",
    ],
)
def test_apisec001_values_that_are_not_a_literal_true(tmp_path, value):
    src = f"import os\nDEBUG = {value}\nINSTALLED_APPS = []\n"
    assert run(tmp_path, {"shop/settings.py": src}, "APISEC001") == []


@pytest.mark.parametrize(
    "later",
    [
        "if os.environ.get('PRODUCTION'):\n    DEBUG = False\n",
        "try:\n    from .local_settings import *\nexcept ImportError:\n    pass\n",
        "DEBUG = os.environ.get('DEBUG') == '1'\n",
        "globals().update(load_overrides())\n",
    ],
)
def test_apisec001_changed_later_in_the_module(tmp_path, later):
    src = "import os\nDEBUG = True\nINSTALLED_APPS = []\n" + later
    assert run(tmp_path, {"shop/settings.py": src}, "APISEC001") == []


def test_apisec001_inside_a_block_is_not_the_module_value(tmp_path):
    src = "import os\nDEBUG = False\nif os.environ.get('LOCAL'):\n    DEBUG = True\n"
    assert run(tmp_path, {"shop/settings.py": src}, "APISEC001") == []


def test_apisec001_flask_configuration_classes(tmp_path):
    src = """
        import os

        class Config:
            DEBUG = False
            SECRET_KEY = os.environ.get("SECRET_KEY")

        class DevelopmentConfig(Config):
            DEBUG = True

        class TestingConfig(Config):
            DEBUG = True
            TESTING = True

        class ProductionConfig(Config):
            DEBUG = True
    """
    (f,) = run(tmp_path, {"app/config.py": src}, "APISEC001")
    assert f.start == pos_of(src, "True", 4)
    assert "ProductionConfig" in f.message


def test_apisec001_not_a_settings_module(tmp_path):
    src = "DEBUG = True\nINSTALLED_APPS = []\n"
    assert run(tmp_path, {"shop/constants.py": src}, "APISEC001") == []


def test_apisec001_suppression(tmp_path):
    (f,) = run(tmp_path, {"shop/settings.py": SOLE}, "APISEC001")
    assert_suppress_edit_silences(tmp_path, f)


# ---------------------------------------------------------------------------
# APISEC002 allowed-hosts-wildcard


def test_apisec002_wildcard_in_the_only_settings_module(tmp_path):
    (f,) = run(tmp_path, {"shop/settings.py": SOLE}, "APISEC002")
    assert f.start == pos_of(SOLE, '"*"')
    assert f.end == (f.start[0], f.start[1] + 3)
    assert "ALLOWED_HOSTS" in f.message and "Host header" in f.message
    assert f.severity == Severity.WARNING


def test_apisec002_tuple_and_base_module(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": "ALLOWED_HOSTS = ('*',)\nINSTALLED_APPS = []\n",
        "shop/settings/production.py": "from .base import *\nDEBUG = False\n",
    }
    (f,) = run(tmp_path, files, "APISEC002")
    assert f.path.endswith("base.py") and f.start == (1, 17)


@pytest.mark.parametrize(
    "value",
    [
        '["shop.example.com", ".example.com"]',
        '["*.example.com"]',
        "[]",
        'os.environ.get("ALLOWED_HOSTS", "*").split(",")',
        'env.list("ALLOWED_HOSTS", default=["*"])',
        '["*"] if DEBUG else ["shop.example.com"]',
    ],
)
def test_apisec002_look_alikes(tmp_path, value):
    src = f"import os\nDEBUG = False\nALLOWED_HOSTS = {value}\n"
    assert run(tmp_path, {"shop/settings.py": src}, "APISEC002") == []


def test_apisec002_development_settings_and_production_override(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": BASE,
        "shop/settings/local.py": "from .base import *\nALLOWED_HOSTS = ['*']\n",
        "shop/settings/production.py": "from .base import *\nALLOWED_HOSTS = ['shop.example.com']\n",
    }
    assert run(tmp_path, files, "APISEC002") == []


# ---------------------------------------------------------------------------
# APISEC003 cors-any-origin-with-credentials

FASTAPI_CORS = """
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
)
"""


def test_apisec003_fastapi_middleware(tmp_path):
    (f,) = run(tmp_path, {"app/main.py": FASTAPI_CORS}, "APISEC003")
    assert f.start == pos_of(FASTAPI_CORS, "allow_origins")
    assert f.end == (f.start[0], f.start[1] + len('allow_origins=["*"]'))
    assert "allow_credentials=True" in f.message and f.severity == Severity.ERROR


@pytest.mark.parametrize(
    "src",
    [
        # a module-level list, Starlette's Middleware() and an any-origin regex
        """
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.cors import CORSMiddleware

        origins = ["*"]
        middleware = [Middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True)]
        app = Starlette(middleware=middleware)
        """,
        """
        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware as Cors

        app = FastAPI()
        app.add_middleware(Cors, allow_origin_regex=".*", allow_credentials=True)
        """,
    ],
)
def test_apisec003_starlette_forms(tmp_path, src):
    assert len(run(tmp_path, {"app/main.py": src}, "APISEC003")) == 1


@pytest.mark.parametrize(
    "args",
    [
        'allow_origins=["*"]',
        'allow_origins=["*"], allow_credentials=False',
        'allow_origins=["https://shop.example.com"], allow_credentials=True',
        "allow_origins=settings.CORS_ORIGINS, allow_credentials=True",
        'allow_origin_regex=r"https://.*\\.example\\.com", allow_credentials=True',
    ],
)
def test_apisec003_starlette_look_alikes(tmp_path, args):
    src = (
        "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n"
        f"app = FastAPI()\napp.add_middleware(CORSMiddleware, {args})\n"
    )
    assert run(tmp_path, {"app/main.py": src}, "APISEC003") == []


def test_apisec003_other_middleware_and_tests_are_quiet(tmp_path):
    other = (
        "from app.cors import CORSMiddleware\n"
        'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n'
    )
    files = {"app/main.py": other, "tests/test_cors.py": FASTAPI_CORS}
    assert run(tmp_path, files, "APISEC003") == []


@pytest.mark.parametrize(
    ("src", "hits"),
    [
        ("CORS(app, supports_credentials=True)", 1),
        ('CORS(app, origins="*", supports_credentials=True)', 1),
        ('CORS(app, resources={r"/api/*": {"origins": "*"}}, supports_credentials=True)', 1),
        ('CORS(app, resources=r"/api/*", supports_credentials=True)', 1),
        ('CORS(app, origins=["https://shop.example.com"], supports_credentials=True)', 0),
        (
            'CORS(app, resources={r"/api/*": {"origins": ["https://a.example"]}}, '
            "supports_credentials=True)",
            0,
        ),
        ("CORS(app)", 0),
        ("CORS(app, origins=app.config['ORIGINS'], supports_credentials=True)", 0),
    ],
)
def test_apisec003_flask_cors(tmp_path, src, hits):
    text = f"from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\n{src}\n"
    found = run(tmp_path, {"app/__init__.py": text}, "APISEC003")
    assert len(found) == hits
    if hits:
        assert found[0].start == (4, src.index("supports_credentials"))


def test_apisec003_flask_cross_origin_decorator(tmp_path):
    src = """
        from flask import Flask
        from flask_cors import cross_origin

        app = Flask(__name__)

        @app.route("/api/me")
        @cross_origin(supports_credentials=True)
        def me():
            return {}
    """
    (f,) = run(tmp_path, {"app/views.py": src}, "APISEC003")
    assert f.start == pos_of(src, "supports_credentials")


DJANGO_CORS = """
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
INSTALLED_APPS = ["corsheaders"]
"""


def test_apisec003_django_settings(tmp_path):
    (f,) = run(tmp_path, {"shop/settings.py": DJANGO_CORS}, "APISEC003")
    assert f.start == (1, 25) and "CORS_ALLOW_ALL_ORIGINS" in f.message


def test_apisec003_django_credentials_in_the_base_module(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": "CORS_ALLOW_CREDENTIALS = True\nINSTALLED_APPS = []\n",
        "shop/settings/production.py": "from .base import *\nCORS_ORIGIN_ALLOW_ALL = True\n",
    }
    (f,) = run(tmp_path, files, "APISEC003")
    assert f.path.endswith("production.py") and "CORS_ORIGIN_ALLOW_ALL" in f.message


@pytest.mark.parametrize(
    "files",
    [
        {"shop/settings.py": DJANGO_CORS.replace("CREDENTIALS = True", "CREDENTIALS = False")},
        {"shop/settings.py": "CORS_ALLOW_ALL_ORIGINS = True\nINSTALLED_APPS = []\n"},
        {"shop/settings/dev.py": DJANGO_CORS},
        {
            "shop/settings.py": "import os\nCORS_ALLOW_ALL_ORIGINS = os.environ.get('X') == '1'\n"
            "CORS_ALLOW_CREDENTIALS = True\n"
        },
    ],
)
def test_apisec003_django_look_alikes(tmp_path, files):
    assert run(tmp_path, files, "APISEC003") == []


# ---------------------------------------------------------------------------
# APISEC004 csrf-exempt-session-view

CHANGE_EMAIL = """
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
@login_required
def change_email(request):
    if request.method == "POST":
        request.user.email = request.POST["email"]
        request.user.save()
    return JsonResponse({"email": request.user.email})
"""


def test_apisec004_function_view(tmp_path):
    (f,) = run(tmp_path, {"accounts/views.py": CHANGE_EMAIL}, "APISEC004")
    assert f.start == (pos_of(CHANGE_EMAIL, "@csrf_exempt")[0], 1)
    assert f.end == (f.start[0], f.start[1] + len("csrf_exempt"))
    assert "change_email" in f.message and "session" in f.message
    assert f.severity == Severity.ERROR


def test_apisec004_class_view_through_method_decorator(tmp_path):
    src = """
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.utils.decorators import method_decorator
        from django.views import View
        from django.views.decorators import csrf


        @method_decorator(csrf.csrf_exempt, name="dispatch")
        class DeleteAddress(LoginRequiredMixin, View):
            def post(self, request, pk):
                request.user.addresses.filter(pk=pk).delete()
                return redirect("addresses")
    """
    (f,) = run(tmp_path, {"accounts/views.py": src}, "APISEC004")
    assert f.start == pos_of(src, "csrf.csrf_exempt")
    assert "class `DeleteAddress`" in f.message


def test_apisec004_login_view(tmp_path):
    src = """
        from django.contrib.auth import authenticate, login
        from django.views.decorators.csrf import csrf_exempt as no_csrf


        @no_csrf
        def sign_in(request):
            user = authenticate(request, username=request.POST["u"], password=request.POST["p"])
            if user is not None:
                login(request, user)
            return redirect("/")
    """
    assert len(run(tmp_path, {"accounts/views.py": src}, "APISEC004")) == 1


@pytest.mark.parametrize(
    "view",
    [
        # a Stripe webhook that verifies the signature
        """
        @csrf_exempt
        def stripe_webhook(request):
            event = stripe.Webhook.construct_event(
                request.body, request.headers["Stripe-Signature"], SECRET
            )
            Order.objects.filter(pk=event.data.object.metadata["order"], user=request.user)
            Order.objects.create(ref=event.id)
            return HttpResponse()
        """,
        # a token in the Authorization header
        """
        @csrf_exempt
        def ping(request):
            token = request.META.get("HTTP_AUTHORIZATION", "")
            check = Check.objects.get(token=token)
            request.session["x"] = 1
            check.save()
            return HttpResponse()
        """,
        # no session: a public endpoint for other services
        """
        @csrf_exempt
        def report(request):
            if request.method == "POST":
                Report.objects.create(body=request.body)
            return HttpResponse()
        """,
        # reads only
        """
        @csrf_exempt
        def search(request):
            results = Product.objects.filter(owner=request.user, name=request.GET["q"])
            return render(request, "search.html", {"results": results})
        """,
        # DRF applies CSRF to session authentication itself
        """
        @csrf_exempt
        @api_view(["POST"])
        def rate(request):
            Rating.objects.create(user=request.user, stars=request.data["stars"])
            return Response()
        """,
    ],
)
def test_apisec004_look_alikes(tmp_path, view):
    src = "from django.views.decorators.csrf import csrf_exempt\n" + textwrap.dedent(view)
    assert run(tmp_path, {"shop/views.py": src}, "APISEC004") == []


def test_apisec004_other_decorators_and_tests(tmp_path):
    other = CHANGE_EMAIL.replace(
        "from django.views.decorators.csrf import csrf_exempt", "from .utils import csrf_exempt"
    )
    files = {"shop/views.py": other, "tests/test_views.py": CHANGE_EMAIL}
    assert run(tmp_path, files, "APISEC004") == []


# ---------------------------------------------------------------------------
# APISEC005 insecure-session-cookie

ISSUE_TOKEN = """
from django.http import JsonResponse


def issue_token(request, user):
    response = JsonResponse({"ok": True})
    response.set_cookie("auth_token", user.make_token(), max_age=3600)
    return response
"""


def test_apisec005_set_cookie_without_flags(tmp_path):
    (f,) = run(tmp_path, {"accounts/views.py": ISSUE_TOKEN}, "APISEC005")
    assert f.start == pos_of(ISSUE_TOKEN, "set_cookie")
    line = ISSUE_TOKEN.strip("\n").splitlines()[f.start[0] - 1]
    assert f.end == (f.start[0], len(line))
    assert "Secure and HttpOnly" in f.message and "secure=True, httponly=True" in f.message
    assert f.severity == Severity.WARNING


@pytest.mark.parametrize(
    ("call", "missing"),
    [
        ('set_cookie("sessionid", sid, httponly=True)', "without Secure:"),
        ('set_cookie(key="jwt", value=t, secure=True)', "without HttpOnly:"),
        ('set_cookie("refresh_token", t, secure=False, httponly=True)', "without Secure:"),
    ],
)
def test_apisec005_one_flag_missing(tmp_path, call, missing):
    src = f"def view(request, response, sid, t):\n    response.{call}\n"
    (f,) = run(tmp_path, {"shop/views.py": src}, "APISEC005")
    assert missing in f.message


@pytest.mark.parametrize(
    "call",
    [
        'set_cookie("auth_token", t, secure=True, httponly=True)',
        'set_cookie("csrftoken", t)',
        'set_cookie("XSRF-TOKEN", t)',
        'set_cookie("theme", "dark")',
        'set_cookie("author_filter", t)',
        'set_cookie("vulpy_session", "", expires=0)',
        'set_cookie("sessionid", t, max_age=0)',
        "set_cookie(name, t)",
        'set_cookie("sessionid", t, **COOKIE_FLAGS)',
        'set_cookie("sessionid", t, secure=settings.SESSION_COOKIE_SECURE, httponly=True)',
    ],
)
def test_apisec005_set_cookie_look_alikes(tmp_path, call):
    src = f"def view(request, response, t, name):\n    response.{call}\n"
    assert run(tmp_path, {"shop/views.py": src}, "APISEC005") == []


def test_apisec005_tests_are_quiet(tmp_path):
    assert run(tmp_path, {"tests/test_views.py": ISSUE_TOKEN}, "APISEC005") == []


def test_apisec005_settings(tmp_path):
    src = (
        "SESSION_COOKIE_SECURE = False\nCSRF_COOKIE_SECURE = True\n"
        "SESSION_COOKIE_HTTPONLY = False\nINSTALLED_APPS = []\n"
    )
    found = run(tmp_path, {"shop/settings.py": src}, "APISEC005")
    assert [f.start for f in found] == [(1, 24), (3, 26)]
    assert "Secure" in found[0].message and "HttpOnly" in found[1].message


@pytest.mark.parametrize(
    "files",
    [
        {"shop/settings/dev.py": "SESSION_COOKIE_SECURE = False\n"},
        {"shop/settings.py": "SESSION_COOKIE_SECURE = True\nINSTALLED_APPS = []\n"},
        {"shop/settings.py": "import os\nSESSION_COOKIE_SECURE = not os.environ.get('HTTP')\n"},
        {
            "shop/__init__.py": "",
            "shop/settings/__init__.py": "",
            "shop/settings/base.py": "SESSION_COOKIE_SECURE = False\nINSTALLED_APPS = []\n",
            "shop/settings/production.py": "from .base import *\nSESSION_COOKIE_SECURE = True\n",
        },
    ],
)
def test_apisec005_settings_look_alikes(tmp_path, files):
    assert run(tmp_path, files, "APISEC005") == []


def test_apisec005_flask_production_class(tmp_path):
    src = """
        class Config:
            SESSION_COOKIE_SECURE = False

        class ProdConfig(Config):
            REMEMBER_COOKIE_SECURE = False
    """
    (f,) = run(tmp_path, {"app/config.py": src}, "APISEC005")
    assert "REMEMBER_COOKIE_SECURE" in f.message and "ProdConfig" in f.message


# ---------------------------------------------------------------------------
# APISEC006 exception-details-in-response

CANCEL = """
from django.db import DatabaseError
from django.http import JsonResponse

from .models import Order


def cancel_order(request, pk):
    try:
        Order.objects.filter(pk=pk, user=request.user).update(state="cancelled")
    except DatabaseError as exc:
        return JsonResponse({"error": str(exc)}, status=500)
    return JsonResponse({"ok": True})
"""


def test_apisec006_django_json_response(tmp_path):
    (f,) = run(tmp_path, {"shop/views.py": CANCEL}, "APISEC006")
    assert f.start == pos_of(CANCEL, "str(exc)")
    assert f.end == (f.start[0], f.start[1] + len("str(exc)"))
    assert "DatabaseError" in f.message and "JsonResponse" in f.message
    assert f.severity == Severity.WARNING


@pytest.mark.parametrize(
    ("handler", "leak"),
    [
        ('return Response({"detail": f"failed: {e}"}, status=500)', 'f"failed: {e}"'),
        ("raise HTTPException(status_code=500, detail=str(e))", "str(e)"),
        ('return JsonResponse({"error": e.args[0]})', "e.args[0]"),
        ('return HttpResponse("failed: %s" % e)', '"failed: %s" % e'),
        ('msg = "failed: {}".format(e)\n        return JsonResponse({"error": msg})', "msg}"),
        ("abort(500, description=repr(e))", "repr(e)"),
    ],
)
def test_apisec006_forms(tmp_path, handler, leak):
    src = f"""
def view(request):
    try:
        do_something(request)
    except Exception as e:
        {handler}
"""
    (f,) = run(tmp_path, {"shop/views.py": src}, "APISEC006")
    assert f.start == pos_of(src, leak)


def test_apisec006_route_return_value(tmp_path):
    src = """
        from flask import Flask

        app = Flask(__name__)

        @app.route("/sync", methods=["POST"])
        def sync():
            try:
                push()
            except OSError as err:
                return {"error": str(err)}, 500
            return {"ok": True}
    """
    (f,) = run(tmp_path, {"app/views.py": src}, "APISEC006")
    assert f.start == pos_of(src, "str(err)") and "route's return value" in f.message


def test_apisec006_traceback(tmp_path):
    src = """
        import traceback

        from django.http import HttpResponseServerError


        def export(request):
            try:
                build()
            except Exception:
                return HttpResponseServerError(traceback.format_exc())
    """
    (f,) = run(tmp_path, {"shop/views.py": src}, "APISEC006")
    assert f.start == pos_of(src, "traceback.format_exc()") and "traceback" in f.message


@pytest.mark.parametrize(
    "handler",
    [
        # logged, not returned
        'logger.exception("failed: %s", e)\n        return JsonResponse({"error": "failed"})',
        # a user-facing exception
        None,
        # a helper decides what to send
        "return JsonResponse(error_payload(e))",
        # an attribute meant for clients
        "return JsonResponse({'code': e.status_code})",
        # condition on the text
        'if "timeout" in str(e):\n            return JsonResponse({"error": "timeout"})',
        # not a route: the text goes to the caller
        'return {"error": str(e)}',
        # raised on, chained
        "raise ServiceError('export failed') from e",
    ],
)
def test_apisec006_look_alikes(tmp_path, handler):
    if handler is None:
        src = (
            "def view(request):\n    try:\n        n = int(request.GET['n'])\n"
            "    except (ValueError, ValidationError) as e:\n"
            "        return JsonResponse({'error': str(e)}, status=400)\n"
        )
    else:
        src = (
            "def view(request):\n    try:\n        run()\n    except Exception as e:\n"
            f"        {handler}\n"
        )
    assert run(tmp_path, {"shop/views.py": src}, "APISEC006") == []


def test_apisec006_tests_are_quiet(tmp_path):
    assert run(tmp_path, {"tests/test_views.py": CANCEL}, "APISEC006") == []


@pytest.mark.parametrize(
    ("src", "hits"),
    [
        ("from fastapi import FastAPI\napp = FastAPI(title='shop', debug=True)\n", 1),
        ("from starlette.applications import Starlette\napp = Starlette(debug=True)\n", 1),
        ("from fastapi import FastAPI\napp = FastAPI(debug=settings.DEBUG)\n", 0),
        ("from fastapi import FastAPI\napp = FastAPI(debug=False)\n", 0),
        (
            "from flask import Flask\napp = Flask(__name__)\n"
            "if __name__ == '__main__':\n    app.run(host='0.0.0.0', port=5000, debug=True)\n",
            1,
        ),
        (
            "from flask import Flask\napp = Flask(__name__)\n"
            "if __name__ == '__main__':\n    app.run(debug=True)\n",
            0,
        ),
        (
            "from flask import Flask\napp = Flask(__name__)\n"
            "if __name__ == '__main__':\n    app.run(host='0.0.0.0', debug=False)\n",
            0,
        ),
        ("server = make_server()\nserver.run(host='0.0.0.0', debug=True)\n", 0),
    ],
)
def test_apisec001_debug_application_objects(tmp_path, src, hits):
    found = run(tmp_path, {"app/main.py": src}, "APISEC001")
    assert len(found) == hits
    if hits:
        line = src.splitlines()[found[0].start[0] - 1]
        assert line[found[0].start[1] : found[0].end[1]] == "debug=True"


def test_apisec001_debug_application_in_tests_is_quiet(tmp_path):
    src = "from fastapi import FastAPI\napp = FastAPI(debug=True)\n"
    assert run(tmp_path, {"tests/test_app.py": src}, "APISEC001") == []


# ---------------------------------------------------------------------------
# APISEC007 https-enforcement-disabled


def test_apisec007_production_settings(tmp_path):
    src = (
        "from .base import *\nDEBUG = False\nSECURE_SSL_REDIRECT = False\n"
        "SECURE_HSTS_SECONDS = 0\nSECURE_HSTS_PRELOAD = False\n"
    )
    found = run(tmp_path, {"shop/settings/production.py": src}, "APISEC007")
    assert [(f.start, f.end) for f in found] == [((3, 22), (3, 27)), ((4, 22), (4, 23))]
    assert "SECURE_SSL_REDIRECT = False" in found[0].message
    assert "SECURE_HSTS_SECONDS = 0" in found[1].message


@pytest.mark.parametrize(
    "files",
    [
        {"shop/settings/test.py": "SECURE_SSL_REDIRECT = False\nSECURE_HSTS_SECONDS = 0\n"},
        {"shop/settings/local.py": "SECURE_SSL_REDIRECT = False\n"},
        {"shop/settings/production.py": "SECURE_SSL_REDIRECT = True\nSECURE_HSTS_SECONDS = 3600\n"},
        {
            "shop/settings/production.py": "import os\n"
            "SECURE_SSL_REDIRECT = os.environ.get('SSL_REDIRECT', 'true') == 'true'\n"
            "SECURE_HSTS_SECONDS = int(os.environ.get('HSTS', 0))\n"
        },
        {
            "shop/__init__.py": "",
            "shop/settings/__init__.py": "",
            "shop/settings/base.py": "SECURE_SSL_REDIRECT = False\nINSTALLED_APPS = []\n",
            "shop/settings/production.py": "from .base import *\nSECURE_SSL_REDIRECT = True\n",
        },
    ],
)
def test_apisec007_look_alikes(tmp_path, files):
    assert run(tmp_path, files, "APISEC007") == []


# ---------------------------------------------------------------------------
# APISEC008 clickjacking-protection-removed

MIDDLEWARE = """
INSTALLED_APPS = ["shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
"""
XFRAME = '    "django.middleware.clickjacking.XFrameOptionsMiddleware",\n]'


def test_apisec008_middleware_without_xframe(tmp_path):
    (f,) = run(tmp_path, {"shop/settings.py": MIDDLEWARE}, "APISEC008")
    assert f.start == (2, 0) and f.end == (2, len("MIDDLEWARE"))
    assert "XFrameOptionsMiddleware" in f.message


@pytest.mark.parametrize(
    "files",
    [
        {"shop/settings.py": MIDDLEWARE.replace("]\n", "") + XFRAME + "\n"},
        {"shop/settings/dev.py": MIDDLEWARE},
        {"shop/settings.py": MIDDLEWARE + "CSP_FRAME_ANCESTORS = ('self',)\n"},
        {"shop/settings.py": MIDDLEWARE + "MIDDLEWARE.append('x.FrameMiddleware')\n"},
        {"shop/settings.py": MIDDLEWARE.replace("SessionMiddleware", "Other")},
        {"shop/settings.py": "MIDDLEWARE = BASE_MIDDLEWARE + ['x.Y']\nINSTALLED_APPS = []\n"},
    ],
)
def test_apisec008_middleware_look_alikes(tmp_path, files):
    assert run(tmp_path, files, "APISEC008") == []


def test_apisec008_xframe_options_exempt(tmp_path):
    src = """
        from django.contrib.auth.decorators import login_required
        from django.shortcuts import render
        from django.views.decorators.clickjacking import xframe_options_exempt


        @xframe_options_exempt
        @login_required
        def close_account(request):
            if request.method == "POST":
                request.user.delete()
            return render(request, "close.html")


        @xframe_options_exempt
        def widget(request):
            return render(request, "widget.html", {"items": Product.objects.all()[:5]})
    """
    (f,) = run(tmp_path, {"accounts/views.py": src}, "APISEC008")
    line, col = pos_of(src, "@xframe_options_exempt")
    assert f.start == (line, col + 1)
    assert "close_account" in f.message


FLASK_WTF_APP = """\
from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
csrf = CSRFProtect(app)


@app.route("/profile", methods=["POST"])
@csrf.exempt
def update_profile():
    profile = Profile.query.get(request.form["id"])
    profile.bio = request.form["bio"]
    db.session.commit()
    return jsonify(ok=True)


@app.route("/hooks/carrier", methods=["POST"])
@csrf.exempt
def carrier_hook():
    if not hmac.compare_digest(sign(request.data), request.headers["X-Signature"]):
        return "", 403
    db.session.commit()
    return ""


@app.route("/health")
@csrf.exempt
def health():
    return "ok"
"""


def test_apisec004_flask_wtf_exempt_on_a_view_that_writes(tmp_path):
    found = run(tmp_path, {"app.py": FLASK_WTF_APP}, "APISEC004")
    assert [(f.start, f.end) for f in found] == [((9, 1), (9, 12))]
    assert "`csrf.exempt` on the view `update_profile`" in found[0].message


# ---------------------------------------------------------------------------
# a framework's module of defaults is not the project's production settings

GLOBAL_DEFAULTS = (
    "DEBUG = False\nALLOWED_HOSTS = []\nINSTALLED_APPS = []\nSESSION_COOKIE_SECURE = False\n"
    "CSRF_COOKIE_SECURE = False\nSECURE_HSTS_SECONDS = 0\nSECURE_SSL_REDIRECT = False\n"
)


@pytest.mark.parametrize("name", ["django/conf/global_settings.py", "app/default_settings.py"])
def test_defaults_module_is_not_production(tmp_path, name):
    # Django's own django/conf/global_settings.py: the defaults a deployment replaces
    found = analyze_files(tmp_path, {"django/__init__.py": "", name: GLOBAL_DEFAULTS})
    assert [f for f in found if f.code.startswith("APISEC")] == []


def test_defaults_module_selected_for_production_still_counts(tmp_path):
    files = {
        "shop/default_settings.py": GLOBAL_DEFAULTS,
        "shop/wsgi.py": "import os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.default_settings')\n",
    }
    found = run(tmp_path, files, "APISEC005")
    assert [f.start[0] for f in found] == [4, 5]
    assert "wsgi" in found[0].message
    # and the same module as the only settings module, without "defaults" in its name
    found = run(tmp_path / "b", {"shop/settings.py": GLOBAL_DEFAULTS}, "APISEC005")
    assert [f.start[0] for f in found] == [4, 5]


def test_apisec006_details_shown_only_in_debug_mode(tmp_path):
    # Django's ASGI handler: the traceback only when settings.DEBUG is on
    src = """
        import traceback

        from django.conf import settings
        from django.http import HttpResponseServerError, JsonResponse


        def last_chance(request):
            try:
                build()
            except Exception:
                return HttpResponseServerError(
                    traceback.format_exc() if settings.DEBUG else "Internal Server Error"
                )


        def export(request):
            try:
                build()
            except Exception as e:
                if settings.DEBUG:
                    return JsonResponse({"error": str(e)}, status=500)
                return JsonResponse({"error": repr(e) if DEBUG_LABEL else "failed"})
    """
    (f,) = run(tmp_path, {"shop/views.py": src}, "APISEC006")
    assert f.start == pos_of(src, "repr(e)")
