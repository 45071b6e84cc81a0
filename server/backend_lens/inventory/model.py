"""The project model as users see it (``backend-lens inventory``): plain records,
each with a path relative to the project root and a 1-based line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceRoot:
    path: str  # folder relative to the project root ("." for the root itself)
    how: str  # how it was found: "manage.py", "src/ layout", "pyproject.toml", "setting", ...


@dataclass(frozen=True)
class Model:
    name: str
    orm: str  # django | sqlalchemy | flask-sqlalchemy | sqlmodel
    path: str
    line: int
    table: str | None  # the table name when the code states it (__tablename__, Meta.db_table)
    fields: int  # fields/columns declared on the class itself and inherited from project bases


@dataclass(frozen=True)
class Endpoint:
    framework: str  # django (URL-conf views) | drf | flask | fastapi
    methods: tuple[str, ...]  # upper case; () when the code does not restrict them
    route: str  # the full path with every prefix ("/api/v1/users/{id}")
    path: str  # the handler's file
    line: int  # the handler's line
    handler: str  # function or class name
    auth: str  # required | none | unknown
    auth_by: str = ""  # what grants (or removes) it: "login_required", "DEFAULT_PERMISSION_CLASSES"
    throttled: bool | None = None  # None: cannot tell
    throttled_by: str = ""
    paginated: bool | None = None  # list endpoints only; None for the others


@dataclass(frozen=True)
class Task:
    system: str  # celery | rq | dramatiq | apscheduler | arq | huey | scheduler | jobs
    name: str
    path: str
    line: int
    options: tuple[str, ...] = ()  # retry / time-limit options as written: "max_retries=3"


@dataclass(frozen=True)
class Consumer:
    kind: str  # channels | fastapi-websocket | flask-sock | ...
    name: str
    path: str
    line: int


@dataclass(frozen=True)
class GraphQLSchema:
    library: str  # graphene | strawberry | ariadne
    name: str
    path: str
    line: int


@dataclass(frozen=True)
class SettingsModule:
    path: str
    module: str
    profile: str  # production | development | test | unknown
    why: str  # how the profile was decided
