"""PERF001 for the database, files and subprocesses: synchronous Django queries,
synchronous SQLAlchemy sessions, file I/O and waited-for ``Popen`` in coroutines."""

from __future__ import annotations

import pytest

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

MODELS = """
from django.db import models


class Order(models.Model):
    status = models.CharField(max_length=10)
"""

DJANGO_VIEWS = """
import asyncio

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from .models import Order


async def detail(request, pk):
    order = Order.objects.get(pk=pk)
    waiting = Order.objects.filter(status="new").count()
    fetched = await Order.objects.aget(pk=pk)
    fetched.save()
    for row in Order.objects.filter(status="new"):
        print(row)
    recent = Order.objects.filter(status="old")
    ids = [o.pk for o in recent]
    everything = list(recent)
    return JsonResponse({"ids": ids, "n": waiting, "o": order.pk, "e": len(everything)})


async def quiet(request, pk):
    order = await Order.objects.aget(pk=pk)
    await order.asave()
    count = await Order.objects.filter(status="new").acount()
    ids = [o.pk async for o in Order.objects.filter(status="new")]
    async for row in Order.objects.all():
        print(row)
    got = await sync_to_async(Order.objects.get)(pk=pk)
    listed = await sync_to_async(lambda: list(Order.objects.all()))()
    threaded = await asyncio.to_thread(list, Order.objects.all())
    lazy = Order.objects.filter(status="new")
    return JsonResponse({"n": count, "ids": ids, "g": got.pk, "l": len(listed) + len(threaded)})


def sync_view(request, pk):
    order = Order.objects.get(pk=pk)
    order.save()
    return JsonResponse({"o": order.pk})
"""


def perf001(tmp_path, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), "PERF001")


def test_perf001_django_queries(tmp_path):
    found = perf001(tmp_path, {"shop/models.py": MODELS, "shop/views.py": DJANGO_VIEWS})
    expected = {
        pos_of(DJANGO_VIEWS, "Order.objects.get(pk=pk)"): "Order.objects.get(pk=pk)",
        pos_of(DJANGO_VIEWS, 'Order.objects.filter(status="new").count()'): (
            'Order.objects.filter(status="new").count()'
        ),
        pos_of(DJANGO_VIEWS, "fetched.save()"): "fetched.save()",
        pos_of(DJANGO_VIEWS, 'Order.objects.filter(status="new"):'): (
            'Order.objects.filter(status="new")'
        ),
        pos_of(DJANGO_VIEWS, "recent]"): "recent",
        pos_of(DJANGO_VIEWS, "recent)"): "recent",
    }
    assert sorted(f.start for f in found) == sorted(expected)
    for f in found:
        text = expected[f.start]
        assert f.end == (f.start[0], f.start[1] + len(text)), (f.message, text)
    by_start = {f.start: f for f in found}
    get = by_start[pos_of(DJANGO_VIEWS, "Order.objects.get(pk=pk)")]
    assert "`Order.objects...get()`" in get.message and "`await ...aget()`" in get.message
    save = by_start[pos_of(DJANGO_VIEWS, "fetched.save()")]
    assert "`await fetched.asave()`" in save.message
    assert "`list(recent)`" in by_start[pos_of(DJANGO_VIEWS, "recent)")].message
    assert "`async for`" in by_start[pos_of(DJANGO_VIEWS, "recent]")].message


def test_perf001_quiet_in_channels_consumer(tmp_path):
    src = """
    from channels.generic.websocket import AsyncWebsocketConsumer

    from .models import Order


    class OrdersConsumer(AsyncWebsocketConsumer):
        async def connect(self):
            self.order = Order.objects.get(pk=1)
    """
    assert perf001(tmp_path, {"shop/models.py": MODELS, "shop/consumers.py": src}) == []


SQLALCHEMY_ROUTES = """
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://db/app")
SessionLocal = sessionmaker(bind=engine)
AsyncSessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://db/app"))
app = FastAPI()


def get_db():
    with SessionLocal() as session:
        yield session


@app.get("/a")
async def by_parameter(db: Session = Depends(get_db)):
    return db.execute(select(1)).all()


@app.post("/b")
async def by_annotated(db: Annotated[Session, Depends(get_db)]):
    db.commit()


@app.get("/c")
async def by_maker():
    with SessionLocal() as session:
        session.scalars(select(1))


@app.get("/d")
async def quiet_async(db: AsyncSession = Depends(get_db)):
    await db.execute(select(1))
    async with AsyncSessionLocal() as session:
        await session.commit()


@app.get("/e")
def quiet_plain_def(db: Session = Depends(get_db)):
    return db.execute(select(1)).all()
"""


def test_perf001_sync_sqlalchemy_session(tmp_path):
    found = perf001(tmp_path, {"api/routes.py": SQLALCHEMY_ROUTES})
    assert sorted(f.start for f in found) == sorted(
        [
            pos_of(SQLALCHEMY_ROUTES, "db.execute(select(1)).all()"),
            pos_of(SQLALCHEMY_ROUTES, "db.commit()"),
            pos_of(SQLALCHEMY_ROUTES, "session.scalars(select(1))"),
        ]
    )
    first = min(found, key=lambda f: f.start)
    assert first.end == (first.start[0], first.start[1] + len("db.execute(select(1))"))
    assert "synchronous SQLAlchemy `Session`" in first.message
    assert "AsyncSession" in first.message and "plain `def`" in first.message


FILES_AND_PROCESSES = """
import asyncio
import subprocess
from pathlib import Path

import aiofiles
from fastapi import FastAPI

app = FastAPI()
TEMPLATE = Path("templates/invoice.txt")


@app.get("/invoice")
async def invoice():
    with open("templates/invoice.txt") as fh:
        text = fh.read()
    more = TEMPLATE.read_text()
    async with aiofiles.open("templates/invoice.txt") as fh:
        quiet = await fh.read()
    threaded = await asyncio.to_thread(TEMPLATE.read_text)
    return {"text": text + more + quiet + threaded}


@app.post("/render")
async def render():
    with subprocess.Popen(["wkhtmltopdf", "a.html", "a.pdf"]) as proc:
        pass
    job = subprocess.Popen(["lpr", "a.pdf"])
    job.communicate()
    background = subprocess.Popen(["cleanup"])
    return {"code": proc.returncode, "bg": background.pid}


async def lifespan(app):
    with open("config.toml") as fh:
        app.state.config = fh.read()
    yield
"""


def test_perf001_files_and_processes(tmp_path):
    found = perf001(tmp_path, {"api/routes.py": FILES_AND_PROCESSES})
    src = FILES_AND_PROCESSES
    assert sorted(f.start for f in found) == sorted(
        [
            pos_of(src, 'open("templates/invoice.txt")'),
            pos_of(src, "TEMPLATE.read_text()"),
            pos_of(src, "subprocess.Popen", 1),
            pos_of(src, "subprocess.Popen", 2),
        ]
    )
    by_start = {f.start: f for f in found}
    assert "`open()` reads or writes a file" in by_start[pos_of(src, "open(")].message
    assert "`TEMPLATE.read_text()`" in by_start[pos_of(src, "TEMPLATE.read_text()")].message
    assert "create_subprocess_exec" in by_start[pos_of(src, "subprocess.Popen")].message


@pytest.mark.parametrize("path", ["tests/test_routes.py", "app/migrations/0002_data.py"])
def test_perf001_io_quiet_in_tests_and_migrations(tmp_path, path):
    assert perf001(tmp_path, {path: FILES_AND_PROCESSES}) == []


def test_perf001_io_suppression(tmp_path):
    found = perf001(tmp_path, {"api/routes.py": SQLALCHEMY_ROUTES})
    assert_suppress_edit_silences(tmp_path, min(found, key=lambda f: f.start))


INSPECTOR = """
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import inspect

from .database import engine


async def schema_middleware(request: Request, call_next):
    names = inspect(engine).get_schema_names()
    columns = await run_in_threadpool(lambda: inspect(engine).get_columns("orders"))
    request.state.schemas = (names, columns)
    return await call_next(request)


def tables():
    return inspect(engine).get_table_names()
"""


def test_perf001_sqlalchemy_inspector(tmp_path):
    (f,) = perf001(tmp_path, {"api/middleware.py": INSPECTOR})
    assert f.start == pos_of(INSPECTOR, "inspect(engine).get_schema_names()")
    assert f.end == (f.start[0], f.start[1] + len("inspect(engine).get_schema_names()"))
    assert "`inspect(...).get_schema_names()` queries the database" in f.message
