"""Caching Strategies: CACHE002 cache-entry-never-expires, CACHE003
per-user-response-cached-for-everyone, CACHE004 local-memory-cache-in-production."""

from __future__ import annotations

from backend_lens import catalogue
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of, rel

RULES = catalogue.load()


def run(tmp_path, code: str, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), code)


# ---------------------------------------------------------------------------
# CACHE002


def test_cache002_page_example_and_use_instead(tmp_path):
    rule = RULES.get("CACHE002")
    example = rule.code_block("Example")
    (f,) = run(tmp_path / "a", "CACHE002", {rule.example_path: example})
    assert f.start == pos_of(example, "None)")
    assert "`cache.set(...)` with timeout None" in f.message
    assert 'keyed `key` (`f"stock:{product.pk}"`)' in f.message
    assert f.severity == Severity.WARNING and f.fix is None
    assert rule.section == "Caching Strategies" and rule.score == "service"
    assert (
        run(tmp_path / "b", "CACHE002", {rule.example_path: rule.code_block("Use instead")}) == []
    )


def test_cache002_django_forms(tmp_path):
    src = """
    from django.core.cache import cache, caches
    from django.core.cache import cache as default_cache

    reports = caches["reports"]
    FOREVER = None


    def remember(order, user, rows):
        cache.set(f"order:{order.pk}", order.total, None)
        default_cache.add("seen:%s" % user.pk, True, timeout=None)
        caches["long"].set_many({f"row:{r.pk}": r for r in rows}, None)
        reports.get_or_set(order.pk, lambda: 1, None)
        cache.touch(f"order:{order.pk}", timeout=None)
        cache.set(f"user:{user.pk}", user, FOREVER)
    """
    found = run(tmp_path, "CACHE002", {"shop/store.py": src})

    def none_at(n):
        line, col = pos_of(src, ", None)", n)
        return line, col + 2

    assert [f.start for f in found] == [
        none_at(1),
        pos_of(src, "timeout=None"),
        none_at(2),
        none_at(3),
        pos_of(src, "timeout=None", 2),
        pos_of(src, "FOREVER)"),
    ]
    assert found[1].end == (found[1].start[0], found[1].start[1] + len("timeout=None"))
    assert "`default_cache.add(...)`" in found[1].message
    assert '`caches["long"].set_many(...)`' in found[2].message
    assert 'keyed `f"row:{r.pk}"`' in found[2].message
    assert "`reports.get_or_set(...)`" in found[3].message


def test_cache002_flask_caching_zero_means_forever(tmp_path):
    src = """
    from flask import Flask
    from flask_caching import Cache

    app = Flask(__name__)
    cache = Cache(app)


    def remember(user_id, profile):
        cache.set(f"profile:{user_id}", profile, timeout=0)
        cache.set(f"profile:{user_id}", profile, timeout=300)
        cache.set(f"profile:{user_id}", profile)
        cache.set("site-config", profile, timeout=0)


    @cache.memoize(timeout=0)
    def score_of(user_id):
        return user_id


    @cache.memoize(timeout=60)
    def place_of(user_id):
        return user_id


    @cache.memoize(0)
    def site_name():
        return "x"
    """
    other = """
    from flask import current_app

    from app.extensions import cache


    def remember(token, data):
        cache.set("token:" + token, data, 0)
    """
    found = run(
        tmp_path, "CACHE002", {"app/__init__.py": "", "app/views.py": src, "app/auth.py": other}
    )
    assert [(rel(tmp_path, f), f.start) for f in found] == [
        ("app/auth.py", pos_of(other, "0)")),
        ("app/views.py", pos_of(src, "timeout=0")),
        ("app/views.py", pos_of(src, "timeout=0", 3)),
    ]
    assert "0 means no expiry in Flask-Caching" in found[1].message
    assert (
        "`@cache.memoize` with timeout 0" in found[2].message and "`score_of`" in found[2].message
    )


def test_cache002_redis_cache_keys(tmp_path):
    src = """
    import redis
    from django_redis import get_redis_connection

    client = redis.Redis.from_url("redis://localhost")


    def remember(product, data):
        client.set(f"cache:product:{product.pk}", data)
        get_redis_connection("default").set(f"product-cache:{product.pk}", data)
        client.set(f"cache:product:{product.pk}", data, ex=60)
        client.set(f"cache:product:{product.pk}", data, 60)
        client.set(f"lock:product:{product.pk}", data)
        client.set("cache:site", data)
        key = f"cache:price:{product.pk}"
        client.set(key, data)
        client.expire(key, 300)
        client.setex(f"cache:x:{product.pk}", 60, data)
    """
    found = run(tmp_path, "CACHE002", {"shop/store.py": src})
    assert [f.start for f in found] == [
        pos_of(src, 'client.set(f"cache:product'),
        pos_of(src, "get_redis_connection("),
    ]
    assert 'keyed `f"cache:product:{product.pk}"` with no expiry' in found[0].message
    assert "pass ex=<seconds>" in found[0].message


def test_cache002_look_alikes_stay_quiet(tmp_path):
    src = """
    from django.core.cache import cache

    CONFIG_KEY = "config"


    class Local:
        def set(self, key, value, timeout=None):
            pass


    local = Local()


    def remember(order, data, ttl, timeout=None):
        cache.set(f"order:{order.pk}", data)
        cache.set(f"order:{order.pk}", data, 300)
        cache.set(f"order:{order.pk}", data, ttl)
        cache.set(f"order:{order.pk}", data, timeout=timeout)
        cache.set("config", data, None)
        cache.set(CONFIG_KEY, data, None)
        cache.set_many({"a": 1, "b": 2}, None)
        cache.set(f"order:{order.pk}", data, 0)
        local.set(f"order:{order.pk}", data, None)
        data.set(f"order:{order.pk}", data, None)
    """
    assert run(tmp_path, "CACHE002", {"shop/store.py": src}) == []


def test_cache002_caches_timeout_none_in_production_settings(tmp_path):
    prod = """
    from .base import *

    DEBUG = False
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "TIMEOUT": None,
        }
    }
    """
    dev = prod.replace("False", "True")
    files = {
        "proj/__init__.py": "",
        "proj/settings/__init__.py": "",
        "proj/settings/base.py": "SECRET_KEY = 'x'\nINSTALLED_APPS = []\n",
        "proj/settings/production.py": prod,
        "proj/settings/development.py": dev,
    }
    (f,) = run(tmp_path, "CACHE002", files)
    assert rel(tmp_path, f) == "proj/settings/production.py"
    assert f.start == pos_of(prod, '"TIMEOUT"')
    assert f.end == (f.start[0], f.start[1] + len('"TIMEOUT": None'))
    assert '"default" cache sets "TIMEOUT": None' in f.message


def test_cache002_tests_are_skipped_and_suppression(tmp_path):
    rule = RULES.get("CACHE002")
    example = rule.code_block("Example")
    files = {"tests/test_stock.py": example, rule.example_path: example}
    (f,) = run(tmp_path, "CACHE002", files)
    assert rel(tmp_path, f) == rule.example_path
    text = assert_suppress_edit_silences(tmp_path, f)
    assert "# backend-lens: ignore[CACHE002]" in text


# ---------------------------------------------------------------------------
# CACHE003


def test_cache003_page_example_and_use_instead(tmp_path):
    rule = RULES.get("CACHE003")
    example = rule.code_block("Example")
    (f,) = run(tmp_path / "a", "CACHE003", {rule.example_path: example})
    assert f.start == pos_of(example, "@cache_page")
    assert f.end == (f.start[0], f.start[1] + len("@cache_page(60 * 10)"))
    assert "`catalogue_home`" in f.message and "`request.user`" in f.message
    assert f.severity == Severity.ERROR
    assert (
        run(tmp_path / "b", "CACHE003", {rule.example_path: rule.code_block("Use instead")}) == []
    )


def test_cache003_forms(tmp_path):
    src = """
    from django.utils.decorators import method_decorator
    from django.views import View
    from django.views.decorators import cache as cache_decorators
    from django.views.decorators.cache import cache_page
    from django.views.generic import TemplateView
    from rest_framework.views import APIView
    from rest_framework.viewsets import ModelViewSet


    @cache_decorators.cache_page(300)
    def basket(req):
        return req.session.get("basket")


    @method_decorator(cache_page(60), name="dispatch")
    class Dashboard(TemplateView):
        def get_context_data(self, **kwargs):
            return {"orders": self.request.user.orders.all()}


    @method_decorator([cache_page(60)], name="get")
    class Theme(View):
        def get(self, request):
            return request.COOKIES.get("theme")


    class Profile(APIView):
        @method_decorator(cache_page(60))
        def get(self, request):
            return self.render(request)

        def render(self, request):
            return request.user.email


    class Orders(ModelViewSet):
        @method_decorator(cache_page(60))
        def list(self, request, *args, **kwargs):
            return super().list(request, *args, **kwargs)

        def get_queryset(self):
            return Order.objects.filter(owner=self.request.user)
    """
    found = run(tmp_path, "CACHE003", {"shop/views.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "@cache_decorators.cache_page"),
        pos_of(src, "cache_page(60)"),
        pos_of(src, "cache_page(60)", 2),
        pos_of(src, "cache_page(60)", 3),
        pos_of(src, "cache_page(60)", 4),
    ]
    assert "`Orders.list`" in found[4].message and "`self.request.user`" in found[4].message
    assert "`basket`" in found[0].message and "`req.session`" in found[0].message
    assert "`Dashboard`" in found[1].message and "`self.request.user`" in found[1].message
    assert found[1].end == (found[1].start[0], found[1].start[1] + len("cache_page(60)"))
    assert "`request.COOKIES`" in found[2].message
    assert "`Profile.get`" in found[3].message


def test_cache003_look_alikes_stay_quiet(tmp_path):
    src = """
    from django.utils.decorators import method_decorator
    from django.views.decorators.cache import cache_control, cache_page, never_cache
    from django.views.decorators.vary import vary_on_cookie, vary_on_headers
    from django.views.generic import TemplateView
    from rest_framework.decorators import action
    from rest_framework.viewsets import ModelViewSet


    @cache_page(300)
    def prices(request):
        return request.GET.get("q")


    @cache_page(300)
    @vary_on_cookie
    def mine(request):
        return request.user.pk


    @cache_page(300)
    @vary_on_headers("Authorization")
    def api_mine(request):
        return request.user.pk


    @cache_page(300)
    @cache_control(private=True)
    def private(request):
        return request.session["k"]


    @method_decorator([cache_page(60), vary_on_cookie], name="dispatch")
    class Dashboard(TemplateView):
        def get_context_data(self, **kwargs):
            return {"u": self.request.user}


    @method_decorator(cache_page(60), name="dispatch")
    class Other(TemplateView):
        @method_decorator(vary_on_headers("Cookie"))
        def get(self, request):
            return request.user


    def cache_page_like(timeout):
        return lambda f: f


    @cache_page_like(60)
    def not_django(request):
        return request.user


    def uncached(request):
        return request.user


    class Products(ModelViewSet):
        @method_decorator(cache_page(60))
        def list(self, request, *args, **kwargs):
            return super().list(request, *args, **kwargs)

        def perform_create(self, serializer):
            serializer.save(owner=self.request.user)

        def destroy(self, request, *args, **kwargs):
            log(request.user)

        @action(detail=False)
        def mine(self, request):
            return self.get_queryset().filter(owner=request.user)
    """
    assert run(tmp_path, "CACHE003", {"shop/views.py": src}) == []


# ---------------------------------------------------------------------------
# CACHE004


def _settings(prod: str, dev: str | None = None) -> dict[str, str]:
    files = {
        "proj/__init__.py": "",
        "proj/settings/__init__.py": "",
        "proj/settings/base.py": "SECRET_KEY = 'x'\nINSTALLED_APPS = []\n",
        "proj/settings/production.py": prod,
    }
    if dev is not None:
        files["proj/settings/development.py"] = dev
    return files


def test_cache004_page_example_and_use_instead(tmp_path):
    rule = RULES.get("CACHE004")
    example = rule.code_block("Example")
    (f,) = run(tmp_path / "a", "CACHE004", {rule.example_path: example})
    assert f.start == pos_of(example, '"django.core.cache.backends.locmem.LocMemCache"')
    assert '"default" cache uses LocMemCache' in f.message
    assert "(production settings: its name (production) says production)" in f.message
    assert f.severity == Severity.WARNING
    assert (
        run(tmp_path / "b", "CACHE004", {rule.example_path: rule.code_block("Use instead")}) == []
    )


def test_cache004_production_only(tmp_path):
    prod = """
    from .base import *

    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"},
        "throttle": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    """
    dev = """
    from .base import *

    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    """
    (f,) = run(tmp_path, "CACHE004", _settings(prod, dev))
    assert rel(tmp_path, f) == "proj/settings/production.py"
    assert f.start == pos_of(prod, '"django.core.cache.backends.dummy')
    assert '"throttle" cache uses DummyCache, which caches nothing at all' in f.message


def test_cache004_overridden_and_file_based_stay_quiet(tmp_path):
    prod = """
    from .base import *

    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"}}
    """
    assert run(tmp_path, "CACHE004", _settings(prod)) == []


def test_cache004_flask_production_config_class(tmp_path):
    src = """
    class Config:
        CACHE_TYPE = "SimpleCache"


    class ProductionConfig(Config):
        CACHE_TYPE = "SimpleCache"


    class DevelopmentConfig(Config):
        CACHE_TYPE = "NullCache"
    """
    (f,) = run(tmp_path, "CACHE004", {"app/config.py": src})
    assert f.start == pos_of(src, '"SimpleCache"', 2)
    assert "(class ProductionConfig configures production)" in f.message


def test_cache003_low_level_shared_key_for_user_data(tmp_path):
    src = """
    from django.core.cache import cache
    from django.http import JsonResponse
    from rest_framework.views import APIView


    def dashboard(request, page):
        orders = request.user.orders.all()
        data = [o.pk for o in orders]
        cache.set("dashboard", data, 300)
        cache.set(f"dashboard:{page}", data, 300)
        cache.set(f"dashboard:{request.user.pk}", data, 300)
        cache.set(f"dashboard:{page}:{orders}", data, 300)
        cache.set("public", [page], 300)
        return JsonResponse(data, safe=False)


    class Preferences(APIView):
        def get(self, request):
            prefs = cache.get_or_set("prefs", request.session.get("prefs"), 60)
            return JsonResponse(prefs)


    def anonymous(request, page):
        cache.set("page", page)
        return JsonResponse({})
    """
    found = run(tmp_path, "CACHE003", {"shop/views.py": src})
    assert [f.start for f in found] == [
        pos_of(src, '"dashboard",'),
        pos_of(src, 'f"dashboard:{page}",'),
        pos_of(src, '"prefs"'),
    ]
    assert found[0].end == (found[0].start[0], found[0].start[1] + len('"dashboard"'))
    assert "`dashboard` caches `data` (from `request.user`)" in found[0].message
    assert "the next user to call `dashboard`" in found[0].message
    assert "`get` caches `request.session`" in found[2].message
    assert "`Preferences.get`" in found[2].message


def test_cache003_view_wrapped_in_its_module(tmp_path):
    src = """
    from django.conf import settings
    from django.views.decorators.cache import cache_page
    from django.views.decorators.vary import vary_on_cookie


    def account(request):
        return request.user.email


    @vary_on_cookie
    def orders(request):
        return request.user.orders


    def prices(request):
        return request.GET


    if not settings.DEBUG:
        account = cache_page(60)(account)
    orders = cache_page(60)(orders)
    prices = cache_page(60)(prices)
    """
    (f,) = run(tmp_path, "CACHE003", {"shop/views.py": src})
    assert f.start == pos_of(src, "cache_page(60)(account)")
    assert f.end == (f.start[0], f.start[1] + len("cache_page(60)"))
    assert "`account`" in f.message and "`request.user`" in f.message


def test_cache003_vary_decorator_outside_cache_page(tmp_path):
    src = """
    from django.utils.decorators import method_decorator
    from django.views.decorators.cache import cache_page
    from django.views.decorators.vary import vary_on_cookie, vary_on_headers
    from django.views.generic import TemplateView


    @vary_on_headers("Authorization")
    @cache_page(300)
    def api_mine(request):
        return request.user.pk


    class Home(TemplateView):
        @method_decorator(vary_on_cookie)
        @method_decorator(cache_page(30))
        def dispatch(self, request, *args, **kwargs):
            return super().dispatch(request, *args, **kwargs)


    @method_decorator([vary_on_cookie, cache_page(60)], name="dispatch")
    class Listing(TemplateView):
        pass


    @method_decorator(vary_on_cookie, name="dispatch")
    class Other(TemplateView):
        @method_decorator(cache_page(60))
        def get(self, request):
            return request.user
    """
    found = run(tmp_path, "CACHE003", {"shop/views.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "@cache_page(300)"),
        pos_of(src, "cache_page(30)"),
        pos_of(src, "cache_page(60)"),
        pos_of(src, "cache_page(60)", 2),
    ]
    assert '`vary_on_headers("Authorization")` wraps `cache_page` on the view `api_mine`' in (
        found[0].message
    )
    assert "`vary_on_cookie` wraps `cache_page` on the view `Home.dispatch`" in found[1].message
    assert "`Listing`" in found[2].message and "`Other.get`" in found[3].message


def test_cache004_base_settings_production_inherits(tmp_path):
    base = """
    SECRET_KEY = "x"
    INSTALLED_APPS = []
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    """
    files = {
        "proj/__init__.py": "",
        "proj/settings/__init__.py": "",
        "proj/settings/base.py": base,
        "proj/settings/production.py": "from .base import *\n\nDEBUG = False\n",
        "proj/settings/development.py": "from .base import *\n\nDEBUG = True\n",
    }
    (f,) = run(tmp_path / "a", "CACHE004", files)
    assert rel(tmp_path / "a", f) == "proj/settings/base.py"
    assert "proj.settings.production imports it" in f.message
    files["proj/settings/production.py"] = (
        "from .base import *\n\n"
        'CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"\n'
    )
    assert run(tmp_path / "b", "CACHE004", files) == []


def test_cache003_flask_caching_cached_views(tmp_path):
    src = """
    from flask import Flask, g, request, session
    from flask_caching import Cache
    from flask_login import current_user

    app = Flask(__name__)
    cache = Cache(app)


    @app.route("/me")
    @cache.cached(timeout=60)
    def me():
        return {"name": current_user.name}


    @app.route("/basket")
    @cache.cached()
    def basket():
        return {"items": session.get("basket", [])}


    @app.route("/theme")
    @cache.cached(timeout=60)
    def theme():
        return {"theme": request.cookies.get("theme"), "user": g.user}


    @app.route("/orders")
    @cache.cached(300)
    def orders():
        return {"orders": g.user.orders}


    @app.route("/orders-by-user")
    @cache.cached(300, "orders-by-user")
    def orders_by_user():
        return {"orders": g.user.orders}


    @app.route("/prices")
    @cache.cached(timeout=60)
    def prices():
        return {"currency": request.args.get("currency")}


    @app.route("/mine")
    @cache.cached(timeout=60, key_prefix=lambda: f"mine:{current_user.id}")
    def mine():
        return {"name": current_user.name}


    @app.route("/home")
    @cache.cached(timeout=60, unless=lambda: current_user.is_authenticated)
    def home():
        return {"name": current_user.name if current_user.is_authenticated else None}
    """
    found = run(tmp_path, "CACHE003", {"app/views.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "@cache.cached(timeout=60)"),
        pos_of(src, "@cache.cached()"),
        pos_of(src, "@cache.cached(timeout=60)", 2),
        pos_of(src, "@cache.cached(300)"),
    ]
    assert "`g.user`" in found[3].message
    assert found[0].end == (found[0].start[0], found[0].start[1] + len("@cache.cached(timeout=60)"))
    assert "`@cache.cached` on the view `me`" in found[0].message
    assert "`current_user`" in found[0].message
    assert "`session`" in found[1].message
    assert "`request.cookies`" in found[2].message
