"""Background work, websocket consumers and GraphQL schemas of the inventory:
each system as projects write it, with the exact list a person counts (system,
name, file, line, options as written), and what only looks like one left out."""

from __future__ import annotations

import textwrap

from backend_lens.engine.project import Project
from backend_lens.inventory.model import Consumer, GraphQLSchema, Task
from backend_lens.inventory.work import collect_consumers, collect_graphql, collect_tasks

from .helpers import write_files


def scan(tmp_path, files: dict[str, str]) -> tuple[Project, dict[str, str]]:
    write_files(tmp_path, files)
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    return project, files


def line(files: dict[str, str], path: str, needle: str) -> int:
    """1-based line of the one line of ``path`` holding ``needle``."""
    text = textwrap.dedent(files[path]).lstrip("\n")
    hits = [i for i, t in enumerate(text.split("\n"), 1) if needle in t]
    assert len(hits) == 1, (path, needle, hits)
    return hits[0]


# -- Celery ------------------------------------------------------------------

CELERY = {
    "proj/__init__.py": "from .celery import app as celery_app\n",
    "proj/celery.py": """
        from celery import Celery

        app = Celery("proj")
        app.conf.beat_schedule = {
            "nightly-cleanup": {
                "task": "orders.tasks.cleanup",
                "schedule": 3600.0,
            },
        }
    """,
    "proj/settings.py": """
        from celery.schedules import crontab

        CELERY_BEAT_SCHEDULE = {
            "receipts": {
                "task": "orders.tasks.send_receipt",
                "schedule": crontab(hour=3, minute=0),
            },
            "vendor-sync": {"task": "vendor.sync_all", "schedule": 60},
            "archive": {
                "task": (
                    "orders.tasks"
                    ".archive"
                ),
                "schedule": 86400,
            },
        }
    """,
    "orders/__init__.py": "",
    "orders/tasks.py": """
        from celery import Task, shared_task

        from proj import celery_app
        from proj.celery import app


        @app.task(
            bind=True,
            max_retries=3,
            autoretry_for=(
                IOError,
                TimeoutError,
            ),
            time_limit=30,
            soft_time_limit=20,
        )
        def send_receipt(self, order_id):
            pass


        @app.task
        def cleanup():
            pass


        @shared_task(retry_backoff=True, acks_late=True, rate_limit="10/m")
        def recount(order_id):
            pass


        @celery_app.task(name="orders.archive")
        def archive():
            pass


        class BaseTask(Task):
            def on_failure(self, exc, task_id, args, kwargs, einfo):
                pass


        class SyncInventory(BaseTask):
            max_retries = 5
            soft_time_limit = 60

            def run(self, sku):
                pass
    """,
    "orders/helpers.py": """
        class Runner:
            def task(self, f=None, **kw):
                return f


        app = Runner()


        @app.task(max_retries=1)
        def not_a_celery_task():
            pass
    """,
    "orders/tests/test_tasks.py": """
        from proj.celery import app


        @app.task
        def only_in_tests():
            pass
    """,
}


def test_celery_tasks_as_projects_write_them(tmp_path):
    project, files = scan(tmp_path, CELERY)
    t = "orders/tasks.py"
    assert collect_tasks(project) == [
        Task(
            "celery",
            "send_receipt",
            t,
            line(files, t, "def send_receipt"),
            (
                "bind=True",
                "max_retries=3",
                "autoretry_for=(IOError, TimeoutError,)",  # on one line
                "time_limit=30",
                "soft_time_limit=20",
                'beat="receipts"',
                "schedule=crontab(hour=3, minute=0)",
            ),
        ),
        Task(
            "celery",
            "cleanup",
            t,
            line(files, t, "def cleanup"),
            ('beat="nightly-cleanup"', "schedule=3600.0"),
        ),
        Task(
            "celery",
            "recount",
            t,
            line(files, t, "def recount"),
            ("retry_backoff=True", "acks_late=True", 'rate_limit="10/m"'),
        ),
        Task(
            "celery",
            "archive",
            t,
            line(files, t, "def archive"),
            ('name="orders.archive"', 'beat="archive"', "schedule=86400"),
        ),
        # class-based: a Task subclass with run(); BaseTask (no run) is a base
        Task(
            "celery",
            "SyncInventory",
            t,
            line(files, t, "class SyncInventory"),
            ("max_retries=5", "soft_time_limit=60"),
        ),
        # a beat entry naming no task of the project is listed where it is written
        Task(
            "celery",
            "vendor.sync_all",
            "proj/settings.py",
            line(files, "proj/settings.py", '"vendor-sync"'),
            ('beat="vendor-sync"', "schedule=60"),
        ),
    ]


def test_tasks_in_test_files_only_when_asked(tmp_path):
    project, files = scan(tmp_path, CELERY)
    names = [t.name for t in collect_tasks(project, include_tests=True)]
    assert "only_in_tests" in names
    assert "not_a_celery_task" not in names  # `.task()` of a project Runner, not Celery


def test_celery_app_from_a_factory_function(tmp_path):
    files = {
        "app/__init__.py": """
            from celery import Celery
            from flask import Flask


            def make_celery(flask_app):
                celery = Celery(flask_app.import_name)
                return celery


            flask_app = Flask(__name__)
            celery = make_celery(flask_app)
        """,
        "app/jobs.py": """
            from app import celery, flask_app


            @celery.task(max_retries=2)
            def resize(image_id):
                pass


            @flask_app.route("/")
            def index():
                pass
        """,
    }
    project, files = scan(tmp_path, files)
    assert collect_tasks(project) == [
        Task(
            "celery",
            "resize",
            "app/jobs.py",
            line(files, "app/jobs.py", "def resize"),
            ("max_retries=2",),
        )
    ]


def test_celery_current_app_and_stacked_decorators(tmp_path):
    files = {
        "billing/__init__.py": "",
        "billing/tasks.py": """
            from celery import current_app

            from billing.locks import single_instance


            @current_app.task(ignore_result=True)
            @single_instance
            def invoice_all():
                pass
        """,
        "billing/locks.py": """
            def single_instance(f):
                return f
        """,
    }
    project, files = scan(tmp_path, files)
    t = "billing/tasks.py"
    assert collect_tasks(project) == [
        Task("celery", "invoice_all", t, line(files, t, "def invoice_all"), ("ignore_result=True",))
    ]


# -- RQ ----------------------------------------------------------------------


def test_rq_jobs_and_enqueued_functions(tmp_path):
    files = {
        "mail/__init__.py": "",
        "mail/send.py": """
            def send_mail(to):
                pass


            def cleanup():
                pass
        """,
        "mail/webhooks.py": """
            from django_rq import job


            @job("default", timeout=60)
            def deliver(hook_id):
                pass
        """,
        "mail/views.py": """
            from datetime import timedelta

            import django_rq
            import requests
            from redis import Redis
            from rq import Queue

            from mail.send import send_mail

            q = Queue(connection=Redis())


            def remind(user_id):
                pass


            def signup(user):
                q.enqueue(send_mail, user.email, job_timeout=30)
                q.enqueue_in(timedelta(minutes=5), remind, user.id)


            def resend(user):
                q.enqueue(send_mail, user.email)


            def nightly():
                django_rq.get_queue("low").enqueue("mail.send.cleanup")
                queue = django_rq.get_queue("default")
                queue.enqueue("mail.webhooks.deliver", 1)
                queue.enqueue(requests.get, "https://example.com")


            def run_later(func):
                q.enqueue(func)


            class Job:
                @classmethod
                def enqueue(cls, func, **kw):
                    pass


            def archive_all():
                pass


            def schedule_report():
                Job.enqueue(archive_all, name="report")
        """,
    }
    project, files = scan(tmp_path, files)
    v = "mail/views.py"
    assert collect_tasks(project) == [
        # queued from two places: one task, where it is defined
        Task(
            "rq",
            "send_mail",
            "mail/send.py",
            line(files, "mail/send.py", "def send_mail"),
            ("user.email", "job_timeout=30"),
        ),
        Task("rq", "cleanup", "mail/send.py", line(files, "mail/send.py", "def cleanup")),
        Task("rq", "remind", v, line(files, v, "def remind"), ("timedelta(minutes=5)", "user.id")),
        # a library function: named as written, where it is queued
        Task(
            "rq",
            "requests.get",
            v,
            line(files, v, "queue.enqueue(requests.get"),
            ('"https://example.com"',),
        ),
        # the decorated job; queuing it by its dotted name adds no second entry
        Task(
            "rq",
            "deliver",
            "mail/webhooks.py",
            line(files, "mail/webhooks.py", "def deliver"),
            ('"default"', "timeout=60"),
        ),
    ]


# -- Dramatiq, Huey, arq, APScheduler -----------------------------------------


def test_dramatiq_huey_arq_apscheduler(tmp_path):
    files = {
        "work/__init__.py": "",
        "work/actors.py": """
            import dramatiq
            from dramatiq import actor


            @dramatiq.actor(max_retries=3, time_limit=60000)
            def charge(order_id):
                pass


            @actor
            def notify(user_id):
                pass
        """,
        "work/hueytasks.py": """
            from huey import RedisHuey, crontab
            from huey.contrib.djhuey import db_task

            huey = RedisHuey("app")


            @huey.task(retries=2, retry_delay=10)
            def thumbnail(path):
                pass


            @huey.periodic_task(crontab(minute="0", hour="3"))
            def purge():
                pass


            @db_task()
            def reindex():
                pass
        """,
        "work/jobs.py": """
            async def download(ctx, url):
                pass


            async def report(ctx):
                pass
        """,
        "work/worker.py": """
            from arq import cron
            from arq.worker import func

            from work.jobs import download, report


            async def cleanup(ctx):
                pass


            class WorkerSettings:
                functions = [download, func(report, max_tries=3)]
                cron_jobs = [cron(cleanup, hour={3}, minute=0)]
        """,
        "work/sched.py": """
            from apscheduler.schedulers.background import BackgroundScheduler

            scheduler = BackgroundScheduler()


            @scheduler.scheduled_job("interval", minutes=5)
            def poll():
                pass


            def rotate_logs():
                pass


            scheduler.add_job(rotate_logs, "cron", hour=2, id="rotate")
        """,
    }
    project, files = scan(tmp_path, files)
    a, h, j, w, s = (
        "work/actors.py",
        "work/hueytasks.py",
        "work/jobs.py",
        "work/worker.py",
        "work/sched.py",
    )
    assert collect_tasks(project) == [
        Task(
            "dramatiq",
            "charge",
            a,
            line(files, a, "def charge"),
            ("max_retries=3", "time_limit=60000"),
        ),
        Task("dramatiq", "notify", a, line(files, a, "def notify")),
        Task(
            "huey", "thumbnail", h, line(files, h, "def thumbnail"), ("retries=2", "retry_delay=10")
        ),
        Task("huey", "purge", h, line(files, h, "def purge"), ('crontab(minute="0", hour="3")',)),
        Task("huey", "reindex", h, line(files, h, "def reindex")),
        Task("arq", "download", j, line(files, j, "def download")),
        Task("arq", "report", j, line(files, j, "def report"), ("max_tries=3",)),
        Task("apscheduler", "poll", s, line(files, s, "def poll"), ('"interval"', "minutes=5")),
        Task(
            "apscheduler",
            "rotate_logs",
            s,
            line(files, s, "def rotate_logs"),
            ('"cron"', "hour=2", 'id="rotate"'),
        ),
        Task("arq", "cleanup", w, line(files, w, "def cleanup"), ("hour={3}", "minute=0")),
    ]


# -- a project scheduler (Netflix/dispatch), netbox-style job runners -----------


def test_project_scheduler_in_a_src_layout(tmp_path):
    files = {
        "src/app/__init__.py": "",
        "src/app/scheduler.py": """
            import schedule


            class Scheduler:
                registered = []

                def add(self, job, *args, **kwargs):
                    def decorator(func):
                        self.registered.append(job.do(func))

                    return decorator


            scheduler = Scheduler()
        """,
        "src/app/reports/__init__.py": "",
        "src/app/reports/scheduled.py": """
            from schedule import every

            from app.scheduler import scheduler


            @scheduler.add(every(1).day.at("18:00"), name="daily-report")
            def daily_report():
                pass


            @scheduler.add(every(5).minutes)
            def refresh():
                pass
        """,
    }
    project, files = scan(tmp_path, files)
    r = "src/app/reports/scheduled.py"
    assert collect_tasks(project) == [
        Task(
            "scheduler",
            "daily_report",
            r,
            line(files, r, "def daily_report"),
            ('every(1).day.at("18:00")', 'name="daily-report"'),
        ),
        Task("scheduler", "refresh", r, line(files, r, "def refresh"), ("every(5).minutes",)),
    ]


def test_job_runner_subclasses(tmp_path):
    files = {
        "netbox/manage.py": "",
        "netbox/netbox/__init__.py": "",
        "netbox/netbox/jobs.py": """
            from abc import ABC, abstractmethod


            def system_job(interval):
                def wrapper(cls):
                    return cls

                return wrapper


            class JobRunner(ABC):
                @abstractmethod
                def run(self, *args, **kwargs):
                    pass
        """,
        "netbox/core/__init__.py": "",
        "netbox/core/jobs.py": """
            from netbox.jobs import JobRunner, system_job


            class SyncJob(JobRunner):
                def run(self, *args, **kwargs):
                    pass


            @system_job(interval=60)
            class Housekeeping(JobRunner):
                def run(self, *args, **kwargs):
                    pass


            class Mixin(JobRunner):
                def helper(self):
                    pass
        """,
    }
    project, files = scan(tmp_path, files)
    c = "netbox/core/jobs.py"
    assert collect_tasks(project) == [
        Task("jobs", "SyncJob", c, line(files, c, "class SyncJob")),
        Task("jobs", "Housekeeping", c, line(files, c, "class Housekeeping"), ("interval=60",)),
    ]


# -- consumers -----------------------------------------------------------------


def test_channels_consumers_through_project_bases(tmp_path):
    files = {
        "chat/__init__.py": "",
        "chat/base.py": """
            from channels.generic.websocket import AsyncJsonWebsocketConsumer


            class BaseConsumer(AsyncJsonWebsocketConsumer):
                async def send_error(self, text):
                    await self.send_json({"error": text})
        """,
        "chat/consumers.py": """
            from channels.generic.websocket import WebsocketConsumer

            from chat.base import BaseConsumer


            class ChatConsumer(BaseConsumer):
                async def receive_json(self, content):
                    pass


            class EchoConsumer(WebsocketConsumer):
                def receive(self, text_data=None, bytes_data=None):
                    self.send(text_data=text_data)


            class Consumer:
                def consume(self):
                    pass


            class QueueConsumer(Consumer):
                pass
        """,
    }
    project, files = scan(tmp_path, files)
    c = "chat/consumers.py"
    assert collect_consumers(project) == [
        Consumer("channels", "ChatConsumer", c, line(files, c, "class ChatConsumer")),
        Consumer("channels", "EchoConsumer", c, line(files, c, "class EchoConsumer")),
    ]


def test_fastapi_and_flask_websocket_handlers(tmp_path):
    files = {
        "api/__init__.py": "",
        "api/ws.py": """
            from fastapi import APIRouter, WebSocket

            router = APIRouter()


            @router.websocket("/ws/{room}")
            async def room(websocket: WebSocket, room: str):
                pass


            @router.get("/rooms")
            async def rooms():
                pass
        """,
        "api/main.py": """
            from fastapi import FastAPI

            from api.ws import router

            app = FastAPI()
            app.include_router(router)


            @app.websocket("/ws")
            async def feed(websocket):
                pass


            async def live(websocket):
                pass


            app.add_api_websocket_route("/live", live)
        """,
        "web/__init__.py": "",
        "web/app.py": """
            from flask import Flask
            from flask_sock import Sock
            from flask_socketio import SocketIO

            app = Flask(__name__)
            sock = Sock(app)
            socketio = SocketIO(app)


            @sock.route("/echo")
            def echo(ws):
                pass


            @socketio.on("message")
            def on_message(data):
                pass


            @socketio.event
            def connect():
                pass


            @app.route("/")
            def index():
                pass
        """,
    }
    project, files = scan(tmp_path, files)
    m, w, f = "api/main.py", "api/ws.py", "web/app.py"
    assert collect_consumers(project) == [
        Consumer("fastapi-websocket", "feed", m, line(files, m, "async def feed")),
        Consumer("fastapi-websocket", "live", m, line(files, m, "async def live")),
        Consumer("fastapi-websocket", "room", w, line(files, w, "async def room(")),
        Consumer("flask-sock", "echo", f, line(files, f, "def echo")),
        Consumer("flask-socketio", "on_message", f, line(files, f, "def on_message")),
        Consumer("flask-socketio", "connect", f, line(files, f, "def connect")),
    ]
    assert collect_tasks(project) == []


# -- GraphQL ---------------------------------------------------------------------


def test_graphql_schemas(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/schema.py": """
            import graphene


            class Query(graphene.ObjectType):
                hello = graphene.String()


            schema = graphene.Schema(query=Query)
        """,
        "catalog/__init__.py": "",
        "catalog/schema.py": """
            import strawberry


            @strawberry.type
            class Query:
                name: str = "x"


            schema = strawberry.federation.Schema(query=Query)
        """,
        "blog/__init__.py": "",
        "blog/api.py": """
            from ariadne import QueryType, make_executable_schema

            type_defs = "type Query { hello: String }"
            query = QueryType()
            executable = make_executable_schema(type_defs, query)
        """,
        "shop/forms.py": """
            from marshmallow import Schema, fields


            class UserSchema(Schema):
                name = fields.Str()


            user_schema = UserSchema()
            schema = dict(type="object", properties={})
        """,
        "shop/tests/test_schema.py": """
            import graphene

            test_schema = graphene.Schema(query=graphene.ObjectType)
        """,
    }
    project, files = scan(tmp_path, files)
    assert collect_graphql(project) == [
        GraphQLSchema(
            "ariadne", "executable", "blog/api.py", line(files, "blog/api.py", "executable =")
        ),
        GraphQLSchema(
            "strawberry",
            "schema",
            "catalog/schema.py",
            line(files, "catalog/schema.py", "schema ="),
        ),
        GraphQLSchema(
            "graphene", "schema", "shop/schema.py", line(files, "shop/schema.py", "schema =")
        ),
    ]


def test_graphql_schema_made_by_a_project_function(tmp_path):
    files = {
        "app/__init__.py": "",
        "app/federation.py": """
            import graphene


            def build_federated_schema(query, types=()):
                schema = graphene.Schema(query=query, types=list(types))
                return schema


            def sdl(schema):
                copy = graphene.Schema(query=schema.query)
                return str(copy)
        """,
        "app/api.py": """
            import graphene

            from .federation import build_federated_schema


            class Query(graphene.ObjectType):
                ping = graphene.String()


            schema = build_federated_schema(
                Query,
                types=[],
            )
        """,
    }
    project, files = scan(tmp_path, files)
    # the assignment, not the constructor calls inside the factory and its helper
    assert collect_graphql(project) == [
        GraphQLSchema("graphene", "schema", "app/api.py", line(files, "app/api.py", "schema ="))
    ]


def test_graphql_schema_inside_an_app_factory(tmp_path):
    files = {
        "app/__init__.py": """
            import graphene
            from flask import Flask


            class Query(graphene.ObjectType):
                ping = graphene.String()


            def create_app():
                app = Flask(__name__)
                schema = graphene.Schema(query=Query)
                app.config["SCHEMA"] = schema
                return app
        """,
    }
    project, files = scan(tmp_path, files)
    p = "app/__init__.py"
    assert collect_graphql(project) == [
        GraphQLSchema("graphene", "schema", p, line(files, p, "schema = graphene.Schema"))
    ]
