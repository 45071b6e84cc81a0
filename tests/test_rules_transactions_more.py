"""Connection Pooling & Transaction Management: CONN001 conn-max-age-not-set,
CONN002 engine-created-per-call, CONN003 session-never-closed, TXN002
network-call-inside-transaction."""

from __future__ import annotations

import textwrap

import pytest
from backend_lens import catalogue
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_parses,
    assert_suppress_edit_silences,
    fix_and_recheck,
    line_of,
    only,
    pos_of,
)


def page(code: str) -> tuple[str, str, str]:
    rule = catalogue.load().get(code)
    return rule.code_block("Example"), rule.code_block("Use instead"), rule.example_path


def run(tmp_path, code: str, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), code)


# ---------------------------------------------------------------------------
# CONN001 conn-max-age-not-set

PG_SETTINGS = """
import os

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["POSTGRES_DB"],
        "HOST": "db",
    }
}
"""


def conn001(tmp_path, src: str, path: str = "mysite/settings.py", extra=None):
    return run(tmp_path, "CONN001", {path: src, **(extra or {})})


def test_conn001_rule_page_example_and_use_instead(tmp_path):
    bad, good, path = page("CONN001")
    (f,) = conn001(tmp_path / "bad", bad, path)
    assert f.start == pos_of(bad, '"default"')
    assert f.end == (f.start[0], f.start[1] + len('"default"'))
    assert '"default" database sets no CONN_MAX_AGE' in f.message
    assert f.severity == Severity.WARNING
    assert conn001(tmp_path / "good", good, path) == []


def test_conn001_fix_adds_conn_max_age_and_silences(tmp_path):
    (f,) = conn001(tmp_path, PG_SETTINGS)
    edited, after = fix_and_recheck(tmp_path, f)
    text = edited["mysite/settings.py"]
    assert '        "HOST": "db",\n        "CONN_MAX_AGE": 60,\n    }\n' in text
    assert only(after, "CONN001") == []


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "{'ENGINE': 'django.db.backends.mysql', 'NAME': 'x'}",
            "{'ENGINE': 'django.db.backends.mysql', 'NAME': 'x', 'CONN_MAX_AGE': 60}",
        ),
        (
            '{"ENGINE": "django.db.backends.oracle", "NAME": "x",}',
            '{"ENGINE": "django.db.backends.oracle", "NAME": "x", "CONN_MAX_AGE": 60,}',
        ),
    ],
)
def test_conn001_fix_on_one_line_entries(tmp_path, entry, expected):
    src = f"DATABASES = {{'default': {entry}}}\n"
    (f,) = conn001(tmp_path, src)
    edited, after = fix_and_recheck(tmp_path, f)
    assert expected in edited["mysite/settings.py"]
    assert only(after, "CONN001") == []


def test_conn001_multi_line_entry_without_trailing_comma(tmp_path):
    src = """
    DATABASES = {
        "default": {
            "ENGINE": "django.contrib.gis.db.backends.postgis",
            "NAME": "geo"
        }
    }
    """
    (f,) = conn001(tmp_path, src)
    edited, after = fix_and_recheck(tmp_path, f)
    assert '"NAME": "geo",\n        "CONN_MAX_AGE": 60\n' in edited["mysite/settings.py"]
    assert only(after, "CONN001") == []


def test_conn001_explicit_zero_points_at_the_pair_and_fix_sets_60(tmp_path):
    src = """
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3"},
        "orders": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 0},
    }
    """
    (f,) = conn001(tmp_path, src)
    assert f.start == pos_of(src, '"CONN_MAX_AGE": 0')
    assert f.end == (f.start[0], f.start[1] + len('"CONN_MAX_AGE": 0'))
    assert '"orders" database sets CONN_MAX_AGE to 0' in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert '"CONN_MAX_AGE": 60}' in edited["mysite/settings.py"]
    assert only(after, "CONN001") == []


def test_conn001_subscript_assignment_is_an_entry(tmp_path):
    src = """
    DATABASES = {}
    DATABASES["default"] = {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}
    """
    (f,) = conn001(tmp_path, src)
    assert f.start == pos_of(src, 'DATABASES["default"]')
    assert f.end == (f.start[0], f.start[1] + len('DATABASES["default"]'))


def test_conn001_dj_database_url_without_conn_max_age(tmp_path):
    src = """
    import dj_database_url

    DATABASES = {"default": dj_database_url.config(default="postgres://localhost/shop")}
    """
    (f,) = conn001(tmp_path, src)
    assert f.start == pos_of(src, "dj_database_url.config")
    assert "`dj_database_url.config()` has no conn_max_age" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        'config(default="postgres://localhost/shop", conn_max_age=60)'
        in edited["mysite/settings.py"]
    )
    assert only(after, "CONN001") == []


def test_conn001_dj_database_url_parse_with_zero(tmp_path):
    src = """
    import os

    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
    """
    (f,) = conn001(tmp_path, src)
    assert f.start == pos_of(src, "conn_max_age=0")
    edited, after = fix_and_recheck(tmp_path, f)
    assert "conn_max_age=60)" in edited["mysite/settings.py"]
    assert only(after, "CONN001") == []


@pytest.mark.parametrize(
    "entry",
    [
        '{"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}',
        '{"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60}',
        '{"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": None}',
        '{"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": int(os.environ["AGE"])}',
        '{"ENGINE": "django.db.backends.postgresql", "CONN_HEALTH_CHECKS": True}',
        '{"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"pool": True}}',
        '{"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"pool": {"max_size": 4}}}',
        '{"ENGINE": "django.db.backends.postgresql", "OPTIONS": OPTS}',
        '{"ENGINE": "dj_db_conn_pool.backends.postgresql", "NAME": "x"}',
        '{"ENGINE": os.environ["DB_ENGINE"], "NAME": "x"}',
        '{"NAME": "x"}',
        '{**BASE_DB, "ENGINE": "django.db.backends.postgresql"}',
        '{"ENGINE": "django.db.backends.postgresql", "DISABLE_SERVER_SIDE_CURSORS": True}',
        '{"ENGINE": "django.db.backends.postgresql", "PORT": "6432"}',
        "env.db()",
    ],
)
def test_conn001_quiet_entries(tmp_path, entry):
    src = f"import os\n\nDATABASES = {{'default': {entry}}}\n"
    assert conn001(tmp_path, src) == []


def test_conn001_later_assignment_of_conn_max_age_silences(tmp_path):
    src = PG_SETTINGS + '\nDATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("AGE", 60))\n'
    assert conn001(tmp_path, src) == []


def test_conn001_later_update_of_databases_silences(tmp_path):
    src = PG_SETTINGS + "\nDATABASES['default'].update(db_from_env)\n"
    assert conn001(tmp_path, src) == []


def test_conn001_a_sibling_entry_with_conn_max_age_does_not_silence(tmp_path):
    src = """
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.postgresql"},
        "replica": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60},
    }
    """
    (f,) = conn001(tmp_path, src)
    assert f.start == pos_of(src, '"default"')


@pytest.mark.parametrize(
    "path",
    [
        "mysite/settings/dev.py",
        "mysite/settings/local.py",
        "mysite/settings/test.py",
        "mysite/local_settings.py",
        "mysite/tests/settings.py",
        "mysite/base.py",  # not in a settings package
        "mysite/config.py",
    ],
)
def test_conn001_other_settings_files_are_not_examined(tmp_path, path):
    assert conn001(tmp_path, PG_SETTINGS, path) == []


@pytest.mark.parametrize(
    "path", ["mysite/settings/production.py", "mysite/settings/prod.py", "config/settings.py"]
)
def test_conn001_production_files_are_examined(tmp_path, path):
    assert len(conn001(tmp_path, PG_SETTINGS, path)) == 1


@pytest.mark.parametrize(
    "marker",
    [
        "# connections go through PgBouncer",
        'ASGI_APPLICATION = "mysite.asgi.application"',
        'INSTALLED_APPS = ["daphne", "django.contrib.admin"]',
    ],
)
def test_conn001_pgbouncer_or_asgi_signs_silence(tmp_path, marker):
    assert conn001(tmp_path, marker + "\n" + textwrap.dedent(PG_SETTINGS)) == []


def test_conn001_project_importing_channels_is_quiet(tmp_path):
    extra = {"mysite/routing.py": "from channels.routing import ProtocolTypeRouter\n"}
    assert conn001(tmp_path, PG_SETTINGS, extra=extra) == []


def test_conn001_dj_database_url_with_sqlite_default_or_kwargs_is_quiet(tmp_path):
    src = """
    import dj_database_url

    DATABASES = {
        "default": dj_database_url.config(default="sqlite:///db.sqlite3"),
        "b": dj_database_url.config(conn_max_age=600),
        "c": dj_database_url.config(conn_max_age=AGE),
        "d": dj_database_url.config(conn_health_checks=True),
        "e": dj_database_url.config(**DB_KWARGS),
    }
    """
    assert conn001(tmp_path, src) == []


def test_conn001_base_settings_flagged_without_a_production_module(tmp_path):
    extra = {"mysite/settings/dev.py": "from .base import *\nDEBUG = True\n"}
    (f,) = conn001(tmp_path, PG_SETTINGS, "mysite/settings/base.py", extra)
    assert f.path.endswith("base.py")


def test_conn001_base_settings_flagged_when_production_inherits_them(tmp_path):
    extra = {"mysite/settings/production.py": "from .base import *\nDEBUG = False\n"}
    assert len(conn001(tmp_path, PG_SETTINGS, "mysite/settings/base.py", extra)) == 1


@pytest.mark.parametrize(
    "production",
    [
        'from .base import *\n\nDATABASES["default"]["CONN_MAX_AGE"] = 60\n',
        "from .base import *\n\nDATABASES = {'default': env.db()}\n",
        "from .common import *\n\nDATABASES['default'].update(env.db())\n",
        "DEBUG = False\n",  # stands alone: base.py is not what production runs
    ],
)
def test_conn001_base_settings_overridden_by_production_are_quiet(tmp_path, production):
    extra = {
        "mysite/settings/production.py": production,
        "mysite/settings/common.py": "from .base import *\n",
    }
    assert conn001(tmp_path, PG_SETTINGS, "mysite/settings/base.py", extra) == []


def test_conn001_settings_py_overridden_by_a_prod_module_is_quiet(tmp_path):
    extra = {"mysite/settings_prod.py": "from mysite.settings import *\n\nDATABASES = PROD_DBS\n"}
    assert conn001(tmp_path, PG_SETTINGS, extra=extra) == []


def test_conn001_inside_a_function_is_not_examined(tmp_path):
    src = """
    def databases():
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
        return DATABASES
    """
    assert conn001(tmp_path, src) == []


def test_conn001_suppress_edit_silences(tmp_path):
    (f,) = conn001(tmp_path, PG_SETTINGS)
    assert_suppress_edit_silences(tmp_path, f)


# ---------------------------------------------------------------------------
# CONN002 engine-created-per-call


def conn002(tmp_path, src: str, path: str = "app/db_utils.py"):
    return run(tmp_path, "CONN002", {path: src})


def test_conn002_rule_page_example_and_use_instead(tmp_path):
    bad, good, path = page("CONN002")
    (f,) = conn002(tmp_path / "bad", bad, path)
    assert f.start == pos_of(bad, "create_engine(os.environ")
    assert f.end == (f.start[0], f.start[1] + len('create_engine(os.environ["DATABASE_URL"])'))
    assert "`create_engine()` runs on every call of `read_product()`" in f.message
    assert f.fix is None
    assert conn002(tmp_path / "good", good, path) == []


@pytest.mark.parametrize(
    ("imports", "call", "prefix"),
    [
        ("from sqlalchemy import create_engine", "create_engine(URL)", ""),
        ("import sqlalchemy as sa", "sa.create_engine(URL)", ""),
        ("from sqlmodel import create_engine", "create_engine(URL)", ""),
        (
            "from sqlalchemy.ext.asyncio import create_async_engine",
            "create_async_engine(URL)",
            "async ",
        ),
    ],
)
def test_conn002_engine_per_call(tmp_path, imports, call, prefix):
    src = f"""
{imports}

URL = "postgresql://shop@db/shop"


{prefix}def count_rows(table):
    engine = {call}
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {{table}}").scalar()
"""
    (f,) = conn002(tmp_path, src)
    assert f.start == pos_of(src, call)


def test_conn002_engine_inline_in_an_argument(tmp_path):
    src = """
    import pandas as pd
    from sqlalchemy import create_engine


    def load(query):
        return pd.read_sql(query, create_engine("postgresql://db/shop"))
    """
    (f,) = conn002(tmp_path, src)
    assert f.start == pos_of(src, "create_engine(")
    src2 = """
    import pandas as pd
    from sqlalchemy import create_engine


    def load(query):
        frame = pd.read_sql(query, create_engine("postgresql://db/shop"))
        return frame
    """
    (f,) = conn002(tmp_path / "2", src2)
    assert f.start[0] == line_of(src2, "create_engine(")


@pytest.mark.parametrize(
    "src",
    [
        # module level
        'from sqlalchemy import create_engine\nengine = create_engine("sqlite://")\n',
        # cached factory
        "import functools\nfrom sqlalchemy import create_engine\n\n\n@functools.lru_cache\n"
        'def get_engine():\n    return create_engine("sqlite://")\n',
        # module-level cache through global
        "from sqlalchemy import create_engine\n_engine = None\n\n\ndef get_engine():\n"
        "    global _engine\n    if _engine is None:\n"
        '        _engine = create_engine("sqlite://")\n    return _engine\n',
        # a cache dict
        "from sqlalchemy import create_engine\n_engines = {}\n\n\ndef engine_for(url):\n"
        "    if url not in _engines:\n        _engines[url] = create_engine(url)\n"
        "    return _engines[url]\n",
        # stored on the object
        "from sqlalchemy import create_engine\n\n\nclass Repo:\n    def __init__(self, url):\n"
        "        self.engine = create_engine(url)\n\n    def connect(self, url):\n"
        "        self.other = create_engine(url)\n",
        # a factory returning it (or something built from it)
        "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n\n"
        "def make_sessionmaker(url):\n    engine = create_engine(url)\n"
        "    return sessionmaker(bind=engine)\n",
        # one-shot functions
        'from sqlalchemy import create_engine\n\n\ndef main():\n    engine = create_engine("x")\n'
        "    engine.dispose()\n",
        "from contextlib import asynccontextmanager\n"
        "from sqlalchemy.ext.asyncio import create_async_engine\n\n\n@asynccontextmanager\n"
        'async def lifespan(app):\n    app.state.engine = create_async_engine("x")\n    yield\n',
        'from sqlalchemy import create_engine\n\n\ndef init_db():\n    engine = create_engine("x")\n'
        "    Base.metadata.create_all(engine)\n",
        "import click\nfrom sqlalchemy import create_engine\n\n\n@click.command()\n"
        'def load():\n    engine = create_engine("x")\n    run(engine)\n',
        # a generator handing it out
        'from sqlalchemy import create_engine\n\n\ndef engines():\n    engine = create_engine("x")\n'
        "    yield engine\n    engine.dispose()\n",
        # not sqlalchemy
        'from mylib import create_engine\n\n\ndef f():\n    engine = create_engine("x")\n'
        "    engine.run()\n",
    ],
)
def test_conn002_quiet(tmp_path, src):
    assert conn002(tmp_path, src) == []


@pytest.mark.parametrize("path", ["tests/test_db.py", "alembic/env.py", "app/conftest.py"])
def test_conn002_tests_and_alembic_env_are_quiet(tmp_path, path):
    src = 'from sqlalchemy import create_engine\n\n\ndef f():\n    e = create_engine("x")\n    e.connect()\n'
    assert conn002(tmp_path, src, path) == []


def test_conn002_suppress_edit_silences(tmp_path):
    bad, _, path = page("CONN002")
    (f,) = conn002(tmp_path, bad, path)
    assert_suppress_edit_silences(tmp_path, f)


# ---------------------------------------------------------------------------
# CONN003 session-never-closed

DATABASE_PY = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://shop@db/shop")
SessionLocal = sessionmaker(bind=engine)
"""


def conn003(tmp_path, src: str, path: str = "app/routes.py", extra=None):
    return run(tmp_path, "CONN003", {path: src, **(extra or {})})


def test_conn003_rule_page_example_and_use_instead(tmp_path):
    bad, good, path = page("CONN003")
    (f,) = conn003(tmp_path / "bad", bad, path)
    assert f.start == pos_of(bad, "db = SessionLocal()")
    assert f.end == (f.start[0], f.start[1] + len("db = SessionLocal()"))
    assert "`db = SessionLocal()` is never closed in `read_product()`" in f.message
    assert "with SessionLocal() as db:" in f.message
    assert f.fix is None
    assert conn003(tmp_path / "good", good, path) == []


@pytest.mark.parametrize(
    ("header", "statement"),
    [
        ("from app.database import SessionLocal", "db = SessionLocal()"),
        (
            "from app.database import engine\nfrom sqlalchemy.orm import Session",
            "db = Session(engine)",
        ),
        ("from app.database import engine\nfrom sqlmodel import Session", "db = Session(engine)"),
        (
            "from app.database import engine\nfrom sqlalchemy.orm import sessionmaker",
            "db = sessionmaker(bind=engine)()",
        ),
        (
            "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
            "from app.database import engine\n\nMaker = async_sessionmaker(engine)",
            "db = Maker()",
        ),
        (
            "from sqlalchemy.ext.asyncio import AsyncSession\nfrom app.database import engine",
            "db: AsyncSession = AsyncSession(engine)",
        ),
    ],
)
def test_conn003_unclosed_sessions(tmp_path, header, statement):
    src = f"""
{header}


def rename(product_id, name):
    {statement}
    product = db.get(Product, product_id)
    product.name = name
    db.commit()
    return product
"""
    (f,) = conn003(tmp_path, src, extra={"app/database.py": DATABASE_PY})
    assert f.start == pos_of(src, statement)
    assert f.end == (f.start[0], f.start[1] + len(statement))


@pytest.mark.parametrize(
    "body",
    [
        "db = SessionLocal()\n    try:\n        return db.get(Product, 1)\n    finally:\n        db.close()",
        "with SessionLocal() as db:\n        return db.get(Product, 1)",
        "db = SessionLocal()\n    with db:\n        return db.get(Product, 1)",
        "db = SessionLocal()\n    with closing(db):\n        return db.get(Product, 1)",
        "db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()",
        "db = SessionLocal()\n    yield db",
        "db = SessionLocal()\n    return db",
        "db = SessionLocal()\n    return ProductRepository(db)",
        "db = SessionLocal()\n    g.db = db\n    return g.db.get(Product, 1)",
        "db = SessionLocal()\n    self.session = db",
        "self.session = SessionLocal()",
        "db = SessionLocal()\n    stack.callback(db.close)",
        "db = SessionLocal()\n    sessions.append(db)",
    ],
)
def test_conn003_released_sessions_are_quiet(tmp_path, body):
    src = f"""
from contextlib import closing

from app.database import SessionLocal


def work(self=None):
    {body}
"""
    assert conn003(tmp_path, src, extra={"app/database.py": DATABASE_PY}) == []


def test_conn003_async_close_is_a_close(tmp_path):
    src = """
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.database import engine


    async def count():
        session = AsyncSession(engine)
        try:
            return await session.scalar(q)
        finally:
            await session.close()
    """
    assert conn003(tmp_path, src) == []


@pytest.mark.parametrize(
    "src",
    [
        # alembic data migration: the session borrows the migration's connection
        "from alembic import op\nfrom sqlalchemy.orm import Session\n\n\ndef upgrade():\n"
        "    session = Session(bind=op.get_bind())\n    session.execute(q)\n",
        "from sqlalchemy.orm import Session\n\n\ndef copy(connection):\n"
        "    session = Session(connection)\n    session.execute(q)\n",
        # a scoped_session registry: removed at teardown, elsewhere
        "from sqlalchemy.orm import scoped_session, sessionmaker\n\n"
        "db_session = scoped_session(sessionmaker())\n\n\ndef f():\n"
        "    s = db_session()\n    s.execute(q)\n",
        # module level
        "from app.database import SessionLocal\n\nsession = SessionLocal()\n",
        # not a session at all
        "import requests\n\n\ndef f():\n    s = requests.Session()\n    s.get('u', timeout=3)\n",
    ],
)
def test_conn003_quiet(tmp_path, src):
    assert conn003(tmp_path, src, extra={"app/database.py": DATABASE_PY}) == []


def test_conn003_imported_factory_name_needs_sqlalchemy_in_the_project(tmp_path):
    src = """
    from app.factories import SessionFactory


    def f():
        s = SessionFactory()
        s.start()
    """
    assert conn003(tmp_path, src, extra={"app/factories.py": "SessionFactory = object\n"}) == []
    (f,) = conn003(tmp_path / "sa", src, extra={"app/database.py": DATABASE_PY})
    assert f.start == pos_of(src, "s = SessionFactory()")


def test_conn003_test_files_are_quiet(tmp_path):
    src = "from app.database import SessionLocal\n\n\ndef test_x():\n    db = SessionLocal()\n    db.query(1)\n"
    assert conn003(tmp_path, src, "tests/test_x.py", {"app/database.py": DATABASE_PY}) == []


def test_conn003_suppress_edit_silences(tmp_path):
    bad, _, path = page("CONN003")
    (f,) = conn003(tmp_path, bad, path)
    assert_suppress_edit_silences(tmp_path, f)


# ---------------------------------------------------------------------------
# TXN002 network-call-inside-transaction


def txn002(tmp_path, src: str, path: str = "payments/services.py"):
    return run(tmp_path, "TXN002", {path: src})


def test_txn002_rule_page_example_and_use_instead(tmp_path):
    bad, good, path = page("TXN002")
    (f,) = txn002(tmp_path / "bad", bad, path)
    assert f.start == pos_of(bad, "requests.post(")
    assert f.end[0] == line_of(bad, "timeout=5") + 1
    assert "`requests.post()` calls another service inside a transaction" in f.message
    assert f.fix is None
    assert txn002(tmp_path / "good", good, path) == []


@pytest.mark.parametrize(
    ("imports", "statement", "start"),
    [
        ("import requests", 'requests.get("https://x", timeout=3)', "requests.get"),
        ("import httpx", 'httpx.post("https://x", json={})', "httpx.post"),
        ("from requests import post", 'post("https://x", timeout=3)', "post("),
        ("from urllib.request import urlopen", 'urlopen("https://x")', "urlopen"),
        ("import stripe", "stripe.PaymentIntent.create(amount=100)", "stripe.PaymentIntent"),
        ("import stripe", "stripe.checkout.Session.create(mode='payment')", "stripe.checkout"),
        ("import stripe", "stripe.Refund.create(payment_intent=pi)", "stripe.Refund"),
        (
            "from django.core.mail import send_mail",
            'send_mail("s", "b", None, ["a@b.c"])',
            "send_mail",
        ),
        ("from django.core import mail", 'mail.mail_admins("s", "b")', "mail.mail_admins"),
        (
            "from django.core.mail import EmailMessage",
            'EmailMessage("s", "b", to=["a@b.c"]).send()',
            "EmailMessage(",
        ),
    ],
)
def test_txn002_network_calls_in_atomic(tmp_path, imports, statement, start):
    src = f"""
{imports}
from django.db import transaction


def pay(order):
    with transaction.atomic():
        order.save()
        {statement}
"""
    (f,) = txn002(tmp_path, src)
    assert statement.startswith(start)
    assert f.start == pos_of(src, statement)
    assert f.end == (f.start[0], f.start[1] + len(statement))


def test_txn002_clients_and_messages_bound_in_the_function(tmp_path):
    src = """
    import httpx
    import requests
    from django.core.mail import EmailMultiAlternatives
    from django.db import transaction


    @transaction.atomic
    def settle(order):
        with httpx.Client(timeout=5) as client:
            client.post("https://erp/hook", json={})
        session = requests.Session()
        session.get("https://erp/status", timeout=3)
        message = EmailMultiAlternatives("s", "b", to=["a@b.c"])
        message.send()
    """
    found = txn002(tmp_path, src)
    assert [f.start for f in found] == [
        pos_of(src, "client.post"),
        pos_of(src, "session.get"),
        pos_of(src, "message.send"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        # after the commit
        "transaction.on_commit(lambda: send_mail('s', 'b', None, ['a@b.c']))",
        # a nested function is not run by the block
        "def later():\n            requests.get('u', timeout=3)\n        transaction.on_commit(later)",
        # local signature check, not a request
        "stripe.Webhook.construct_event(payload, sig, secret)",
        # .send() on something that is not an e-mail
        "channel.send('x')",
        "signal.send(sender=None)",
        # a client not bound here
        "self.client.post('u')",
    ],
)
def test_txn002_quiet_inside_atomic(tmp_path, body):
    src = f"""
import requests
import stripe
from django.core.mail import send_mail
from django.db import transaction


def pay(self, channel, signal, payload, sig, secret):
    with transaction.atomic():
        {body}
"""
    assert txn002(tmp_path, src) == []


def test_txn002_outside_a_transaction_is_quiet(tmp_path):
    src = """
    import requests
    from django.db import transaction


    def pay(order):
        with transaction.atomic():
            order.save()
        requests.post("https://erp/hook", json={}, timeout=5)
    """
    assert txn002(tmp_path, src) == []


def test_txn002_test_files_are_quiet(tmp_path):
    src = "import requests\nfrom django.db import transaction\n\n\n@transaction.atomic\ndef test_x():\n    requests.get('u', timeout=1)\n"
    assert txn002(tmp_path, src, "tests/test_pay.py") == []


def test_txn002_fix_moves_mail_to_on_commit(tmp_path):
    src = """
    from django.core.mail import send_mail
    from django.db import transaction


    @transaction.atomic
    def confirm(order):
        order.save()
        send_mail("Order confirmed", "Thanks", None, [order.email])
    """
    (f,) = txn002(tmp_path, src)
    assert "sends an e-mail inside a transaction" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    text = edited["payments/services.py"]
    assert (
        '    transaction.on_commit(lambda: send_mail("Order confirmed", "Thanks", None, '
        "[order.email]))\n" in text
    )
    assert_parses(text)
    assert only(after, "TXN002") == []


@pytest.mark.parametrize(
    ("imports", "body"),
    [
        # inside a loop: the lambda would see the last value
        (
            "from django.db import transaction",
            "for o in orders:\n            send_mail('s', 'b', None, [o.email])",
        ),
        # result used
        ("from django.db import transaction", "sent = send_mail('s', 'b', None, ['a@b.c'])"),
        # transaction not importable under that name
        (
            "from django.db.transaction import atomic as transaction",
            "send_mail('s', 'b', None, ['a'])",
        ),
    ],
)
def test_txn002_no_fix_where_the_rewrite_is_unsafe(tmp_path, imports, body):
    src = f"""
from django.core.mail import send_mail
{imports}


def confirm(orders):
    with transaction.atomic():
        {body}
"""
    (f,) = txn002(tmp_path, src)
    assert f.fix is None


def test_txn002_http_calls_get_no_fix(tmp_path):
    bad, _, path = page("TXN002")
    (f,) = txn002(tmp_path, bad, path)
    assert f.fix is None
    assert_suppress_edit_silences(tmp_path, f)


def test_conn003_lessons_from_a_real_project(tmp_path):
    # dispatch: sessionmaker re-exported by the project's database module; an
    # Alembic revision outside a migrations/ folder; click commands
    files = {
        "app/database.py": DATABASE_PY,
        "app/decorators.py": """
from app.database import engine, sessionmaker


def wrapper():
    session_factory = sessionmaker(bind=engine)
    db = session_factory()
    try:
        return db.query(1).all()
    finally:
        db.close()
""",
        "app/revisions/versions/2021_abc.py": """
from alembic import op
from sqlalchemy.orm import Session


def upgrade():
    bind = op.get_bind()
    session = Session(bind=bind)
    session.execute(q)
""",
        "app/cli.py": """
import click

from app.database import SessionLocal


@click.command()
def list_plugins():
    db_session = SessionLocal()
    print(db_session.query(1).all())
""",
    }
    assert only(analyze_files(tmp_path, files), "CONN003") == []


def test_conn003_bind_resolved_through_a_local_name(tmp_path):
    src = """
    from sqlalchemy.orm import Session


    def copy(engine):
        conn = engine.connect()
        bind = conn
        session = Session(bind=bind)
        session.execute(q)
    """
    assert conn003(tmp_path, src) == []
