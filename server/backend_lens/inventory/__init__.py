"""The project model as users see it: ``backend-lens inventory`` and the server's
``backendLens.inventory`` command print it, and the report's API, database and
service sections are written from it. Built from facts only (never imports the
project)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from ..facts.index import ClassRef
from ..facts.kinds import is_settings_module, settings_profile
from .model import (
    Consumer,
    Endpoint,
    GraphQLSchema,
    Model,
    SettingsModule,
    SourceRoot,
    Task,
)

FRAMEWORKS = {
    "django": "Django",
    "rest_framework": "Django REST Framework",
    "fastapi": "FastAPI",
    "flask": "Flask",
    "flask_sqlalchemy": "Flask-SQLAlchemy",
    "sqlalchemy": "SQLAlchemy",
    "sqlmodel": "SQLModel",
    "alembic": "Alembic",
    "celery": "Celery",
    "dramatiq": "Dramatiq",
    "rq": "RQ",
    "django_rq": "django-rq",
    "huey": "Huey",
    "arq": "arq",
    "apscheduler": "APScheduler",
    "graphene": "Graphene",
    "graphene_django": "Graphene-Django",
    "strawberry": "Strawberry",
    "ariadne": "Ariadne",
    "channels": "Django Channels",
    "flask_restx": "flask-restx",
    "flask_smorest": "flask-smorest",
    "pydantic": "Pydantic",
    "marshmallow": "marshmallow",
}


@dataclass
class Inventory:
    source_roots: list[SourceRoot] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    consumers: list[Consumer] = field(default_factory=list)
    graphql_schemas: list[GraphQLSchema] = field(default_factory=list)
    settings: list[SettingsModule] = field(default_factory=list)
    # the model records' classes, for the report's tables (not part of the JSON)
    model_refs: list[ClassRef] = field(default_factory=list, repr=False)

    def to_json(self) -> dict:
        data = {
            k: [asdict(x) if not isinstance(x, str) else x for x in getattr(self, k)]
            for k in (
                "source_roots",
                "frameworks",
                "models",
                "endpoints",
                "tasks",
                "consumers",
                "graphql_schemas",
                "settings",
            )
        }
        for e in data["endpoints"]:
            e["methods"] = list(e["methods"])
        for t in data["tasks"]:
            t["options"] = list(t["options"])
        return data


def _production_files(project):
    """(rel, facts) of the files that are neither tests nor migrations."""
    for path in sorted(project.results):
        facts = project.results[path].facts
        if facts.is_test or facts.is_migration:
            continue
        yield project.rel(path), facts


def frameworks(project) -> list[str]:
    roots = {m.split(".")[0] for _, f in _production_files(project) for m in f.imported_modules}
    return [name for key, name in FRAMEWORKS.items() if key in roots]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def model_orm(index, ref: ClassRef) -> str | None:
    """django | sqlalchemy | flask-sqlalchemy | sqlmodel, or None for a class that
    is no (concrete) model."""
    if ref.cls.name == "Meta":
        return None
    if index.is_django_model(ref):
        return None if ref.cls.abstract else "django"
    if index.is_sqlmodel_table(ref):
        return "sqlmodel"
    if index.is_sqlalchemy_model(ref):
        libs, _ = index.ancestors(ref)
        if index.uses("flask_sqlalchemy") and any(b.rsplit(".", 1)[-1] == "Model" for b in libs):
            return "flask-sqlalchemy"
        return "sqlalchemy"
    return None


def _literal(code: str | None) -> str | None:
    if code and len(code) >= 2 and code[0] == code[-1] and code[0] in "'\"":
        return code[1:-1]
    return None


def _table(index, ref: ClassRef, orm: str) -> str | None:
    cls = ref.cls
    if orm == "django":
        stated = _literal(cls.meta_attr("db_table"))
        if stated or cls.meta_attr("db_table"):
            return stated  # computed: None
        if cls.meta_attr("proxy") == "True":
            return None
        # Django's default: <app label>_<model name>, the app being the package
        # that holds models.py (or the models/ package)
        parts = (ref.facts.import_module or ref.facts.module).split(".")
        if "models" in parts:
            parts = parts[: parts.index("models")]
        else:
            parts = parts[:-1]
        return f"{parts[-1]}_{cls.name.lower()}" if parts else None
    found = index.inherited_attr(ref, "__tablename__")
    if found is not None:
        return _literal(found[1])
    if orm == "sqlmodel":
        return cls.name.lower()
    if orm == "flask-sqlalchemy":
        return _snake(cls.name)
    return None


def _field_count(index, ref: ClassRef, orm: str) -> int:
    names = []
    for r in (ref, *index.ancestors(ref)[1]):
        for f in r.cls.fields:
            if orm != "django" and f.kind.startswith(("relationship", "Relationship")):
                continue
            names.append(f.name)
    return len(dict.fromkeys(names))


def models(project) -> tuple[list[Model], list[ClassRef]]:
    index = project.index
    out: list[Model] = []
    refs: list[ClassRef] = []
    for rel, facts in _production_files(project):
        for cls in facts.classes:
            ref = ClassRef(facts, cls)
            orm = model_orm(index, ref)
            if orm is None:
                continue
            out.append(
                Model(
                    cls.name,
                    orm,
                    rel,
                    cls.start[0],
                    _table(index, ref, orm),
                    _field_count(index, ref, orm),
                )
            )
            refs.append(ref)
    return out, refs


def settings_modules(project) -> list[SettingsModule]:
    out = []
    for path in sorted(project.results):
        facts = project.results[path].facts
        if not is_settings_module(facts, project.index):
            continue
        profile, why = settings_profile(facts, project.index)
        out.append(
            SettingsModule(project.rel(path), facts.import_module or facts.module, profile, why)
        )
    return out


def build_inventory(project) -> Inventory:
    from .endpoints import collect_endpoints
    from .work import collect_consumers, collect_graphql, collect_tasks

    inv = Inventory()
    inv.source_roots = [SourceRoot(path, how) for path, how in project.source_roots()]
    inv.frameworks = frameworks(project)
    inv.models, inv.model_refs = models(project)
    inv.endpoints = collect_endpoints(project)
    inv.tasks = collect_tasks(project)
    inv.consumers = collect_consumers(project)
    inv.graphql_schemas = collect_graphql(project)
    inv.settings = settings_modules(project)
    return inv


def to_json_text(inv: Inventory) -> str:
    return json.dumps(inv.to_json(), indent=2, ensure_ascii=False) + "\n"


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def to_text(inv: Inventory) -> str:
    lines: list[str] = []

    def head(title: str, n: int | None = None) -> None:
        lines.append("")
        lines.append(title if n is None else f"{title} ({n})")

    head("Source roots", len(inv.source_roots))
    for r in inv.source_roots:
        lines.append(f"  {r.path}  ({r.how})")
    head("Frameworks")
    lines.append("  " + (", ".join(inv.frameworks) or "none recognised"))
    head("Models", len(inv.models))
    for m in inv.models:
        table = m.table or "?"
        lines.append(
            f"  {m.name:<32} {m.orm:<16} {m.path}:{m.line}  table {table}, {m.fields} fields"
        )
    head("Endpoints", len(inv.endpoints))
    for e in inv.endpoints:
        methods = ",".join(e.methods) or "ANY"
        auth = e.auth + (f" ({e.auth_by})" if e.auth_by else "")
        throttled = _yes_no(e.throttled) + (f" ({e.throttled_by})" if e.throttled_by else "")
        extra = "" if e.paginated is None else f", paginated {_yes_no(e.paginated)}"
        lines.append(
            f"  {methods:<14} {e.route or '?'}  [{e.framework}] {e.handler} {e.path}:{e.line}"
            f"  auth {auth}, throttled {throttled}{extra}"
        )
    head("Background tasks", len(inv.tasks))
    for t in inv.tasks:
        opts = f"  ({', '.join(t.options)})" if t.options else ""
        lines.append(f"  {t.system:<12} {t.name}  {t.path}:{t.line}{opts}")
    head("WebSocket consumers", len(inv.consumers))
    for c in inv.consumers:
        lines.append(f"  {c.kind:<18} {c.name}  {c.path}:{c.line}")
    head("GraphQL schemas", len(inv.graphql_schemas))
    for g in inv.graphql_schemas:
        lines.append(f"  {g.library:<12} {g.name}  {g.path}:{g.line}")
    head("Settings modules", len(inv.settings))
    for s in inv.settings:
        lines.append(f"  {s.profile:<12} {s.path}  ({s.why})")
    return "\n".join(lines).lstrip("\n") + "\n"
