"""What the project's facts say exists, summarised for the report's sections."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..engine.project import Project
from ..facts.extract import Expr
from ..facts.index import ClassRef
from ..inventory import Inventory, build_inventory

FRAMEWORKS = {
    "django": "Django",
    "rest_framework": "Django REST Framework",
    "fastapi": "FastAPI",
    "flask": "Flask",
    "sqlalchemy": "SQLAlchemy",
    "alembic": "Alembic",
    "celery": "Celery",
    "dramatiq": "Dramatiq",
    "rq": "RQ",
    "graphene": "Graphene",
    "graphene_django": "Graphene-Django",
    "strawberry": "Strawberry",
    "ariadne": "Ariadne",
    "channels": "Django Channels",
    "websockets": "websockets",
    "pydantic": "Pydantic",
    "marshmallow": "marshmallow",
}
LIBRARIES = {
    "requests": "requests",
    "httpx": "httpx",
    "aiohttp": "aiohttp",
    "grpc": "gRPC",
    "kafka": "kafka-python",
    "confluent_kafka": "Confluent Kafka",
    "pika": "RabbitMQ (pika)",
    "kombu": "Kombu",
    "boto3": "boto3 (AWS)",
    "redis": "redis",
    "sentry_sdk": "Sentry",
    "prometheus_client": "Prometheus client",
    "opentelemetry": "OpenTelemetry",
    "structlog": "structlog",
    "cryptography": "cryptography",
    "jwt": "PyJWT",
    "rest_framework_simplejwt": "Simple JWT",
    "allauth": "django-allauth",
    "authlib": "Authlib",
    "oauthlib": "oauthlib",
    "drf_spectacular": "drf-spectacular",
    "drf_yasg": "drf-yasg",
    "django_filters": "django-filter",
    "corsheaders": "django-cors-headers",
    "django_ratelimit": "django-ratelimit",
    "slowapi": "slowapi",
    "flask_limiter": "Flask-Limiter",
    "stripe": "Stripe",
    "bleach": "bleach",
    "auditlog": "django-auditlog",
    "simple_history": "django-simple-history",
    "cachetools": "cachetools",
    "django_redis": "django-redis",
    "tenacity": "tenacity",
    "passlib": "passlib",
    "bcrypt": "bcrypt",
    "argon2": "argon2",
    "hvac": "HashiCorp Vault (hvac)",
    "django_otp": "django-otp",
}


SERVICE_FILES = (
    "services.py",
    "service.py",
    "domain.py",
    "use_cases.py",
    "selectors.py",
    "flows.py",
)


# folders whose services.py is about something else (netbox's ipam/models/services.py
# holds the network Service model, not a service layer)
NOT_SERVICE_FOLDERS = {
    "models",
    "tables",
    "filtersets",
    "filters",
    "serializers",
    "serializers_",
    "graphql",
    "views",
    "templates",
    "migrations",
    "tests",
    "admin",
}


def is_service_module(rel: str) -> bool:
    parts = rel.split("/")
    return parts[-1] in SERVICE_FILES and not (set(parts[:-1]) & NOT_SERVICE_FOLDERS)


def _roots(modules) -> set[str]:
    return {m.split(".")[0] for m in modules}


@dataclass
class Evidence:
    project: Project
    frameworks: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    roots: set[str] = field(default_factory=set)
    drf_views: list[ClassRef] = field(default_factory=list)
    models: list[ClassRef] = field(default_factory=list)
    sa_models: list[ClassRef] = field(default_factory=list)  # SQLAlchemy mapped classes
    calls: Counter = field(default_factory=Counter)
    settings: dict = field(default_factory=dict)
    test_files: int = 0
    migration_files: int = 0
    source_files: int = 0
    lines: int = 0
    packages: list[str] = field(default_factory=list)
    user_classes: list = field(default_factory=list)  # (rel, ClassFact) of service/domain classes
    inv: Inventory = field(default_factory=Inventory)  # the project model (inventory)
    orm_of: dict = field(default_factory=dict)  # id(ClassRef.cls) -> orm of each model

    @classmethod
    def collect(cls, project: Project) -> Evidence:
        ev = cls(project)
        index = project.index
        modules: set[str] = set()
        packages: set[str] = set()
        for path in sorted(project.results):
            r = project.results[path]
            f = r.facts
            rel = project.rel(path)
            ev.lines += r.lines
            if f.is_test:
                ev.test_files += 1
                continue
            if f.is_migration:
                ev.migration_files += 1
            ev.source_files += 1
            modules |= set(f.imported_modules)
            if "/" in rel:
                packages.add(rel.split("/")[0])
            if not f.is_migration:
                ev.calls.update(f.calls)
            for c in f.classes:
                ref = ClassRef(f, c)
                if index.is_drf_view(ref):
                    ev.drf_views.append(ref)
                elif is_service_module(rel):
                    ev.user_classes.append((rel, c))
        # the models are the inventory's, so every section counts the same ones
        ev.inv = build_inventory(project)
        for m, ref in zip(ev.inv.models, ev.inv.model_refs, strict=True):
            ev.orm_of[id(ref.cls)] = m.orm
            (ev.models if m.orm == "django" else ev.sa_models).append(ref)
        ev.roots = _roots(modules)
        ev.frameworks = [name for key, name in FRAMEWORKS.items() if key in ev.roots]
        ev.libraries = [name for key, name in LIBRARIES.items() if key in ev.roots]
        ev.settings = index.settings()
        ev.packages = sorted(packages)
        return ev

    def has(self, *roots: str) -> bool:
        return any(r in self.roots for r in roots)

    def named(self, known: dict[str, str]) -> list[str]:
        """The display names of the imported packages among `known` (module -> name),
        in the order given, each name once."""
        return list(dict.fromkeys(name for module, name in known.items() if module in self.roots))

    def setting(self, *keys: str):
        cur = self.settings
        for k in keys:
            if not isinstance(cur, dict) or k not in cur:
                return None
            cur = cur[k]
        return cur

    def rel(self, ref: ClassRef) -> str:
        return self.project.rel(ref.facts.path)

    def root_of(self, rel: str) -> str:
        """The source root (folder, "" for the project root) a file is imported from."""
        return self.project.import_root(rel)

    def model_count(self) -> int:
        return len(self.inv.models)


def show(value) -> str:
    """A settings value as short text for the report."""
    if isinstance(value, Expr):
        code = " ".join(value.code.split())  # one line: the code as written, re-spaced
        return code if len(code) <= 80 else code[:77] + "..."
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v).rsplit(".", 1)[-1] for v in value)
    return str(value)
