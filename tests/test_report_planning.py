"""The report's Implementation Planning: Testing Strategy, Deployment
Considerations and Monitoring & Maintenance say what the project's files hold,
with where, and a next step only where a fact calls for it."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from backend_lens.cli import main

from .helpers import write_files

# two apps with endpoints (FastAPI), one with tests that name it, one without
API = {
    "main.py": """
        from fastapi import FastAPI

        from orders.api import router as orders_router
        from catalog.api import router as catalog_router

        app = FastAPI()
        app.include_router(orders_router)
        app.include_router(catalog_router)


        @app.get("/healthz")
        def healthz():
            return {"ok": True}
    """,
    "orders/__init__.py": "",
    "orders/api.py": """
        from fastapi import APIRouter

        router = APIRouter()


        @router.get("/orders/{order_id}")
        def get_order(order_id: int):
            return {"id": order_id}


        @router.post("/orders")
        def create_order():
            return {}
    """,
    "catalog/__init__.py": "",
    "catalog/api.py": """
        from fastapi import APIRouter

        router = APIRouter()


        @router.get("/products")
        def list_products():
            return []


        @router.get("/products/{sku}")
        def get_product(sku: str):
            return {}


        @router.delete("/products/{sku}")
        def delete_product(sku: str):
            return {}
    """,
    "tests/test_orders.py": """
        def test_get_order(client):
            assert client.get("/orders/1").status_code == 200


        def test_create_order(client):
            assert client.post("/orders").status_code == 200
    """,
}


def planning(tmp_path, capsys, files: dict[str, str]) -> dict[str, list[str]]:
    write_files(tmp_path, files)
    assert main(["report", str(tmp_path), "-q", "--no-cache", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["planning"]


def text(lines: list[str]) -> str:
    return "\n".join(lines)


# ------------------------------------------------------------------ Testing Strategy


def test_tests_are_counted_per_app_and_apps_without_tests_stand_out(tmp_path, capsys):
    p = planning(tmp_path, capsys, API)
    t = text(p["Testing Strategy"])
    assert "1 test file with 2 test functions" in t
    # orders: named by tests/test_orders.py; catalog: nothing covers it
    assert "`orders` 2 / 0 / 1 / 2" in t
    assert "`catalog` 3 / 0 / 0 / 0" in t
    assert "No test file is in, imports, names or requests a route of `catalog` (3 endpoints)" in t
    assert "`orders` (" not in t.split("No test file is in")[1]


def test_a_test_that_requests_an_apps_route_counts_for_it(tmp_path, capsys):
    files = dict(API)
    files["tests/test_api.py"] = """
        def test_products(client):
            assert client.get(f"/products/{'abc'}").status_code == 200
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert "`catalog` 3 / 0 / 1 / 1" in t
    assert "`catalog` (3 endpoints)" not in t


def test_pytest_configuration_and_pytest_django(tmp_path, capsys):
    files = dict(API)
    files["pyproject.toml"] = """
        [project]
        name = "x"

        [tool.pytest.ini_options]
        DJANGO_SETTINGS_MODULE = "conf.settings.test"
        addopts = "-q"
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert "Test runner: pytest, configured in `pyproject.toml:4`" in t
    assert "pytest-django with the settings `conf.settings.test` (`pyproject.toml:5`)" in t


def test_no_runner_configuration_is_said(tmp_path, capsys):
    t = text(planning(tmp_path, capsys, API)["Testing Strategy"])
    assert "Test runner: no pytest configuration" in t
    assert "configured in" not in t


def test_query_count_assertions_found_or_missing(tmp_path, capsys):
    files = dict(API)
    files["tests/test_catalog.py"] = """
        from django.test.utils import CaptureQueriesContext


        def test_list(django_assert_num_queries, client):
            with django_assert_num_queries(2):
                client.get("/products")
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    # the use, not the import
    assert "Query-count assertions: 1 use in 1 file (`tests/test_catalog.py:5`)" in t


def test_no_query_count_assertion_beside_models(tmp_path, capsys):
    files = dict(API)
    files["orders/models.py"] = """
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class Order(Base):
            __tablename__ = "orders"
            id: Mapped[int] = mapped_column(primary_key=True)
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert "No test counts queries" in t
    assert "Query-count assertions:" not in t


def test_factories_and_fixtures(tmp_path, capsys):
    files = dict(API)
    files["tests/conftest.py"] = """
        import pytest


        @pytest.fixture
        def client():
            return None


        @pytest.fixture()
        def order():
            return None
    """
    files["tests/factories.py"] = """
        import factory


        class OrderFactory(factory.Factory):
            class Meta:
                model = dict
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert "factory_boy: 1 factory (first at `tests/factories.py:4`)" in t
    assert "2 pytest fixtures (in 1 conftest.py file, first `tests/conftest.py`)" in t


def test_no_factories_or_fixtures_is_said(tmp_path, capsys):
    t = text(planning(tmp_path, capsys, API)["Testing Strategy"])
    assert "Test data: no factories or fixtures were found" in t


def test_coverage_floor_or_none(tmp_path, capsys):
    files = dict(API)
    files[".coveragerc"] = "[run]\nbranch = True\n\n[report]\nfail_under = 85\n"
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert (
        "Coverage: configured in `.coveragerc:1`; the build fails under `85`% (`.coveragerc:5`)."
        in t
    )
    files[".coveragerc"] = "[run]\nbranch = True\n"
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert "no minimum (`fail_under`) is set" in t


def test_no_coverage_configuration(tmp_path, capsys):
    t = text(planning(tmp_path, capsys, API)["Testing Strategy"])
    assert "Coverage: no configuration was found" in t


def test_ci_workflow_that_runs_the_tests(tmp_path, capsys):
    files = dict(API)
    files[".github/workflows/ci.yml"] = """
        name: ci
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - run: pip install pytest
              - run: python -m pytest -q
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert (
        "CI: 1 CI file; tests run in 1 of them (`.github/workflows/ci.yml`), e.g. `python -m pytest -q` (`.github/workflows/ci.yml:8`)."
        in t
    )


def test_ci_command_continued_on_the_next_lines(tmp_path, capsys):
    files = dict(API)
    files[".gitlab-ci.yml"] = """
        test:
          script:
            - uv run pytest \\
                -m "not e2e" \\
                -n 4
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert 'e.g. `uv run pytest -m "not e2e" -n 4` (`.gitlab-ci.yml:3`)' in t


def test_ci_workflow_without_tests(tmp_path, capsys):
    files = dict(API)
    files[".github/workflows/lint.yml"] = """
        jobs:
          lint:
            steps:
              - run: pip install ruff pytest
              - run: ruff check .
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert "none of which runs the tests" in t


def test_no_ci(tmp_path, capsys):
    t = text(planning(tmp_path, capsys, API)["Testing Strategy"])
    assert "CI: no CI configuration was found" in t


# ------------------------------------------------------------------ Deployment


def test_dockerfile_without_user_runs_as_root(tmp_path, capsys):
    files = dict(API)
    files["Dockerfile"] = """
        FROM python:3.12-slim
        COPY . /app
        CMD ["uvicorn", "main:app", "--workers", "4"]
    """
    d = text(planning(tmp_path, capsys, files)["Deployment Considerations"])
    assert "`Dockerfile`: base image `python:3.12-slim` (line 1)" in d
    assert "no USER instruction in the final stage, so the container runs as root" in d
    assert "starts `uvicorn main:app --workers 4` (line 3) with `--workers 4`" in d
    assert "The health endpoint `/healthz` (`main.py:12`) is not checked by the containers" in d


def test_fastapi_cli_is_an_application_server(tmp_path, capsys):
    files = dict(API)
    files["Dockerfile"] = 'FROM python:3.13\nUSER 1000\nCMD ["fastapi", "run", "--workers", "4"]\n'
    d = text(planning(tmp_path, capsys, files)["Deployment Considerations"])
    assert (
        "runs as `1000` (USER at line 2); starts `fastapi run --workers 4` (line 3) with `--workers 4`."
        in d
    )


def test_dockerfile_with_user_and_stages(tmp_path, capsys):
    files = dict(API)
    files["Dockerfile"] = """
        FROM python:3.12 AS build
        USER root
        HEALTHCHECK CMD true

        FROM python:3.12-slim
        RUN useradd app \\
            && mkdir /app
        USER app
        CMD gunicorn main:app -k uvicorn.workers.UvicornWorker --timeout 60
    """
    d = text(planning(tmp_path, capsys, files)["Deployment Considerations"])
    assert (
        "base image `python:3.12-slim` (line 5); 2 stages (multi-stage build); runs as `app` (USER at line 8)"
        in d
    )
    assert "runs as root" not in d
    assert "HEALTHCHECK at line" not in d  # the build stage's, not the image's
    assert "`-k uvicorn.workers.UvicornWorker`, `--timeout 60`" in d


def test_compose_services_and_development_server(tmp_path, capsys):
    files = dict(API)
    files["compose.yaml"] = """
        services:
          db:
            image: postgres:16
            healthcheck:
              test: ["CMD", "pg_isready"]
          web:
            build: .
            command: uvicorn main:app --reload
          worker:
            build: .
            command:
              # the queue
              - celery
              - -A
              - main
              - worker
    """
    p = planning(tmp_path, capsys, files)
    d = text(p["Deployment Considerations"])
    assert "`compose.yaml`: 3 services (a database, a worker):" in d
    assert "`db` (`postgres:16`, healthcheck at line 4)" in d
    assert "`web` (built here, `uvicorn main:app --reload`, `--reload`, a development server)" in d
    assert "`worker` (built here, `celery -A main worker`)" in d
    assert "is not checked by the containers" not in d
    assert "healthcheck of `db` (`compose.yaml:4`)" in text(p["Monitoring & Maintenance"])


def test_procfile_release_runs_migrations(tmp_path, capsys):
    files = dict(API)
    files["alembic/versions/0001_init.py"] = """
        revision = "0001"
        down_revision = None


        def upgrade():
            pass


        def downgrade():
            pass
    """
    files["alembic.ini"] = "[alembic]\nscript_location = alembic\n"
    files["Procfile"] = "web: gunicorn main:app -w 3\nrelease: alembic upgrade head\n"
    d = text(planning(tmp_path, capsys, files)["Deployment Considerations"])
    assert (
        "`Procfile` process types: `web` `gunicorn main:app -w 3` (line 1), `release` `alembic upgrade head` (line 2)."
        in d
    )
    assert "Migrations are applied by `alembic upgrade head` at `Procfile:2`." in d
    assert "Application server started: `gunicorn` at `Procfile:1` (`-w 3`)." in d


def test_migrations_nobody_runs(tmp_path, capsys):
    files = dict(API)
    files["alembic/versions/0001_init.py"] = """
        revision = "0001"
        down_revision = None


        def upgrade():
            pass
    """
    files["alembic.ini"] = "[alembic]\nscript_location = alembic\n"
    files["Procfile"] = "web: gunicorn main:app\n"
    d = text(planning(tmp_path, capsys, files)["Deployment Considerations"])
    assert (
        "1 migration file; no Dockerfile, compose file, Procfile, start script or manifest read runs them"
        in d
    )
    assert "Migrations are applied" not in d


def test_gunicorn_config_and_scripts(tmp_path, capsys):
    files = dict(API)
    files["gunicorn.conf.py"] = "bind = '0.0.0.0:8000'\nworkers = 4\ntimeout = 120\n"
    files["docker/entrypoint.sh"] = (
        "#!/bin/sh\necho 'starting gunicorn now'\nexec gunicorn main:app --timeout 90\n"
    )
    d = text(planning(tmp_path, capsys, files)["Deployment Considerations"])
    assert (
        "gunicorn settings in `gunicorn.conf.py`: `bind = '0.0.0.0:8000'` (line 1), `workers = 4` (line 2), `timeout = 120` (line 3)."
        in d
    )
    # the echo on line 2 is not where it starts
    assert (
        "Application server started: `gunicorn` at `docker/entrypoint.sh:3` (`--timeout 90`)." in d
    )


def test_kubernetes_probes(tmp_path, capsys):
    files = dict(API)
    files["k8s/web.yaml"] = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
                - name: web
                  readinessProbe:
                    httpGet: {path: /healthz, port: 8000}
                  resources:
                    limits: {memory: 512Mi}
    """
    files["k8s/worker.yaml"] = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: worker
    """
    d = text(planning(tmp_path, capsys, files)["Deployment Considerations"])
    assert "`k8s/web.yaml`: Deployment (line 2); readinessProbe (line 10)." in d
    assert "`k8s/worker.yaml`: Deployment (line 2); no readiness or liveness probe" in d
    assert (
        "no resource limits" in d
        and "web.yaml`: Deployment (line 2); readinessProbe (line 10); no resource" not in d
    )


def test_nothing_to_deploy_with(tmp_path, capsys):
    d = text(planning(tmp_path, capsys, API)["Deployment Considerations"])
    assert "No Dockerfile, compose file, Procfile or Kubernetes manifest was found" in d


DJANGO_SETTINGS = {
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n",
    "conf/__init__.py": "",
    "conf/wsgi.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n",
    "conf/settings.py": """
        import os

        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration

        SECRET_KEY = os.environ["SECRET_KEY"]
        DEBUG = False
        ALLOWED_HOSTS = ["shop.example.com"]
        INSTALLED_APPS = ["django.contrib.auth"]
        if os.environ.get("HTTPS"):
            SECURE_SSL_REDIRECT = True
        LOGGING = {"version": 1}

        sentry_sdk.init(dsn=os.environ.get("SENTRY_DSN"), integrations=[DjangoIntegration()])
    """,
}


def test_production_settings_with_lines(tmp_path, capsys):
    p = planning(tmp_path, capsys, DJANGO_SETTINGS)
    d = text(p["Deployment Considerations"])
    assert "Production settings `conf/settings.py`: `DEBUG = False` (line 7)" in d
    assert "`ALLOWED_HOSTS = ['shop.example.com']` (line 8)" in d
    # assigned under an if: shown as written, not called missing
    assert "`SECURE_SSL_REDIRECT = True` (line 11, inside a block)" in d
    assert (
        "not assigned in any settings module: `SECURE_HSTS_SECONDS`, `SESSION_COOKIE_SECURE`" in d
    )
    assert "`SECURE_SSL_REDIRECT`," not in d.split("not assigned")[1]


def test_django_deployment_settings_only_for_django(tmp_path, capsys):
    files = dict(API)
    files["settings.py"] = "SESSION_COOKIE_SECURE = True\nDEBUG = False\n"
    d = text(planning(tmp_path, capsys, files)["Deployment Considerations"])
    assert "settings `settings.py`" not in d and "not assigned" not in d


def test_fixtures_outside_conftest(tmp_path, capsys):
    files = dict(API)
    files["tests/test_orders.py"] = """
        import pytest


        @pytest.fixture
        def client():
            return None


        def test_get_order(client):
            assert client.get("/orders/1").status_code == 200
    """
    t = text(planning(tmp_path, capsys, files)["Testing Strategy"])
    assert "Test data: 1 pytest fixture (no conftest.py; first at `tests/test_orders.py:5`)." in t


# ------------------------------------------------------------------ Monitoring


def test_logging_and_sentry_with_their_lines(tmp_path, capsys):
    m = text(planning(tmp_path, capsys, DJANGO_SETTINGS)["Monitoring & Maintenance"])
    assert "Logging: a `LOGGING` setting in `conf/settings.py:12`" in m
    assert "no structured (JSON) logging library" in m
    assert "Sentry (set up at `conf/settings.py:14` with `Django` integrations)" in m
    assert "No error tracker" not in m


def test_structured_logging_and_metrics(tmp_path, capsys):
    files = dict(API)
    files["observability.py"] = """
        import logging.config

        import structlog
        from prometheus_client import start_http_server

        logging.config.dictConfig({"version": 1})
        structlog.configure(processors=[])
        start_http_server(9100)
    """
    m = text(planning(tmp_path, capsys, files)["Monitoring & Maintenance"])
    assert "configured in code at `observability.py:6`" in m
    assert "structured logging with `structlog` (`observability.py`)" in m
    assert "Prometheus client (set up at `observability.py:8`)" in m
    assert "No error tracker (Sentry, Rollbar, Bugsnag, an APM agent) is imported" in m


def test_no_monitoring_is_said(tmp_path, capsys):
    m = text(planning(tmp_path, capsys, API)["Monitoring & Maintenance"])
    assert "Logging: no `LOGGING` setting and no set-up in code" in m
    assert "Error tracking, metrics and tracing: none was found" in m
    assert "Health checks: endpoints `/healthz` (`main.py:12`)" in m


def test_health_check_outside_the_routes(tmp_path, capsys):
    files = {k: v for k, v in API.items() if k != "main.py"}
    files["main.py"] = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    files["asgi_health.py"] = """
        def health_check(app, url):
            async def wrapper(scope, receive, send):
                return await app(scope, receive, send)

            return wrapper
    """
    m = text(planning(tmp_path, capsys, files)["Monitoring & Maintenance"])
    assert "health-check code outside the routes: `health_check` (`asgi_health.py:1`)" in m
    assert "no health endpoint" not in m


def test_no_health_check_is_said(tmp_path, capsys):
    files = {k: v for k, v in API.items() if k != "main.py"}
    files["main.py"] = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    m = text(planning(tmp_path, capsys, files)["Monitoring & Maintenance"])
    assert "Health checks: no health endpoint" in m


def test_requirements_pins_and_update_bots(tmp_path, capsys):
    files = dict(API)
    files["requirements.txt"] = (
        "# app\nfastapi==0.115.0\nuvicorn>=0.30\nhttpx==0.27.0 \\\n    --hash=sha256:abc\n"
    )
    files[".github/dependabot.yml"] = """
        version: 2
        updates:
          - package-ecosystem: "github-actions"
            directory: "/"
    """
    m = text(planning(tmp_path, capsys, files)["Monitoring & Maintenance"])
    assert (
        "`requirements.txt`: 2 of 3 requirements pinned with `==` (not pinned: `uvicorn`), 1 with `--hash`"
        in m
    )
    assert (
        "Dependabot (`.github/dependabot.yml`) updates `github-actions`, not the Python dependencies"
        in m
    )


def test_pyproject_with_and_without_lock(tmp_path, capsys):
    files = dict(API)
    files["pyproject.toml"] = '[project]\nname = "x"\ndependencies = ["fastapi>=0.100", "httpx"]\n'
    m = text(planning(tmp_path, capsys, files)["Monitoring & Maintenance"])
    assert "`pyproject.toml`: 2 dependencies and no lock file beside it" in m
    assert "Dependency updates: no Dependabot" in m
    files["uv.lock"] = "version = 1\n"
    m = text(planning(tmp_path, capsys, files)["Monitoring & Maintenance"])
    assert "`pyproject.toml`: 2 dependencies, locked by `uv.lock`" in m


# ------------------------------------------------------------------ untrusted files


def test_hostile_file_content_is_escaped_in_html(tmp_path, capsys):
    files = dict(API)
    files["Dockerfile"] = "FROM <img src=x onerror=alert(1)>`evil`\nUSER <b>x</b>\n"
    files["compose.yml"] = "services:\n  <script>x:\n    healthcheck:\n      test: [x]\n"
    write_files(tmp_path, files)
    out = tmp_path.parent / "report.html"
    assert (
        main(["report", str(tmp_path), "-q", "--no-cache", "--format", "html", "-o", str(out)]) == 0
    )
    html = out.read_text()
    assert "<img" not in html and "<b>x</b>" not in html and "<script>x" not in html
    assert "healthcheck of <code>&lt;script&gt;x</code>" in html
    assert "base image <code>&lt;img</code>" in html
    assert "runs as <code>&lt;b&gt;x&lt;/b&gt;</code>" in html


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_links_out_of_the_project_and_binary_files_are_not_read(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM secret-image:1\n")
    root = tmp_path / "proj"
    write_files(root, API)
    (root / "Dockerfile").symlink_to(outside / "Dockerfile")
    (root / "Procfile").write_bytes(b"web: gunicorn\x00\xff\xfe main:app\n")
    p = planning(root, capsys, {})
    d = text(p["Deployment Considerations"])
    assert "secret-image" not in d
    assert "Procfile" not in d


SHOP = os.path.join(os.path.dirname(__file__), "..", "examples", "shop")


def test_n_plus_one_findings_beside_the_apps_query_count_tests(tmp_path, capsys):
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    t = text(planning(root, capsys, {})["Testing Strategy"])
    assert (
        "N+1 queries were found (ORM001: `orders/views.py:89`, `payments/tasks.py:50`); "
        "no test of `orders`, `payments` counts queries" in t
    )
    with open(root / "tests" / "test_orders.py", "a", encoding="utf-8") as f:
        f.write(
            "\n\ndef test_export_queries(django_assert_num_queries, client):\n"
            "    with django_assert_num_queries(3):\n"
            '        client.get("/api/reports/orders.csv")\n'
        )
    t = text(planning(root, capsys, {})["Testing Strategy"])
    assert "the tests of `orders` count queries; no test of `payments` counts queries" in t
