"""The report as data (built from findings and facts), then rendered by jinja2."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .. import __version__, catalogue
from ..catalogue import SECTIONS, TOOL_SECTIONS
from ..detectors._endpoints import WRITE_METHODS, guessable, open_by_nature
from ..detectors.api_design import creation_routes
from ..detectors.domain import HANDLER_METHODS
from ..engine.project import Project
from ..facts.errors import carries, error_shapes, shape_text
from ..facts.index import ClassRef
from ..facts.routes import callee_name
from ..inventory.endpoints import ROUTE_VERBS
from ..model import Finding
from . import planning, scoring, strengths
from .evidence import Evidence, is_service_module, show
from .groups import (
    Group,
    Locator,
    by_rule,
    places_short,
    rank_key,
    reach_md,
    reach_short,
    where_md,
)
from .mdtext import code as md_code
from .mdtext import message as md_message
from .mdtext import text as md_text
from .recommend import empty_notes, recommend, roadmap


@dataclass
class Item:
    code: str
    name: str
    severity: str
    location: str  # rel/path.py:LINE
    message: str
    why: str
    fix: str
    section: str
    tags: tuple[str, ...]
    fixable: bool
    path: str = ""  # relative to the project root
    line: int = 0
    column: int = 0  # 1-based, in code points
    abs_path: str = ""  # for editor links in the HTML report
    endpoint: str = ""  # the endpoint whose handler holds it ("GET /orders/")
    task: str = ""  # the background task that holds it
    snippet: list[tuple[int, str]] = field(default_factory=list)  # (line, text) around it


@dataclass
class Section:
    heading: str
    items: list[Item] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)  # items by rule (report/groups.py)
    observations: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)  # first row is the header
    # a picture for the HTML report (report/diagram.py), drawn under the heading
    diagram: object = None


@dataclass
class Report:
    title: str
    date: str
    root: str
    files_analyzed: int
    lines: int
    scores: dict
    score_model: str
    critical: list[Item]
    parts: list[tuple[str, list[Section]]]
    critical_groups: list[Group]
    # every rule with findings, the most severe first (the "at a glance" table)
    rule_groups: list[Group]
    recommendations: dict[str, list[str]]  # Markdown lines per list (report/recommend.py)
    recommendation_groups: dict[str, list[Group]]  # the same, as rule groups
    recommendation_notes: dict[str, str]  # what an empty list says
    planning: dict[str, list[str]]
    findings: list[Item]
    skipped: list[str]
    not_scored: list[str] = field(default_factory=list)
    not_scored_count: int = 0
    inventory: str = ""
    # findings about Backend Lens's own comments (LENS001), listed apart: no section
    comments: list[Item] = field(default_factory=list)
    application_lines: int = 0  # the lines the scores are normalised by
    strengths: list[str] = field(default_factory=list)  # report/strengths.py
    version: str = __version__
    # rows of a section's table shown in the section; a longer table is shown whole
    # in the appendix
    table_rows: int = 20
    # `report --compare REF`: what changed since REF (report/changes.py); None without it
    changes: object = None


# a full stop that ends these does not end the sentence
ABBREVIATIONS = frozenset({"e.g.", "i.e.", "cf.", "vs."})


def _first_sentence(text: str) -> str:
    """The first sentence, ignoring full stops inside `code` and ellipses."""
    text = " ".join(text.split())
    in_code = False
    for i, ch in enumerate(text):
        if ch == "`":
            in_code = not in_code
        elif (
            ch in ".!?"
            and not in_code
            and text[i - 1 : i] != "."
            and text[i + 1 : i + 2] in (" ", "")
            and text[: i + 1].rsplit(" ", 1)[-1].lstrip("(").lower() not in ABBREVIATIONS
        ):
            nxt = text[i + 2 : i + 3]
            if not nxt or nxt.isupper() or nxt in "`*(-":
                return text[: i + 1]
    return text


SQLALCHEMY_ROOTS = {"sqlalchemy", "flask_sqlalchemy", "sqlmodel"}


def _advice(text: str, code: str = "") -> str:
    """The first sentence of a rule's advice; when that only says no automatic fix
    exists, the sentence after it too (what to do by hand). A code example or a
    numbered list stays on the rule's page (`backend-lens explain CODE`): the
    sentence stops before it."""
    page = f" (`backend-lens explain {code}` shows how)" if code else ""

    def sentence(part: str) -> str:
        part = " ".join(part.split())
        if part[:2] in ("- ", "* "):  # a list of ways: the first one
            part = re.split(r"\s[-*]\s", part[2:], maxsplit=1)[0]
        fence = part.find("```")
        if fence != -1:
            part = part[:fence]
        first = _first_sentence(part).strip()
        if fence != -1 and first == " ".join(part.split()):
            # the sentence ran into the example: end it there
            return first.rstrip(":, ") + page + "."
        bullets = re.search(r":\s+[-*]\s", first)
        if bullets:  # a list of options follows: they are on the rule's page
            return first[: bullets.start()] + page + "."
        listed = re.match(r"(.*?):\s*1\.$", first)
        if listed:
            rest = " ".join(part.split())[len(first) :].strip()
            step = re.split(r"\s\d+\.(?:\s|$)", _first_sentence(rest))[0]
            return (
                f"{listed.group(1)}: {step[:1].lower()}{step[1:]}"
                if step
                else listed.group(1) + "."
            )
        return first

    first = sentence(text)
    if re.match(r"No (automatic|quick) (fix|edit)", first):
        rest = " ".join(text.split())[len(_first_sentence(text)) :].strip()
        if rest:
            return f"{first} {sentence(rest)}"
    return first


def _fix_text(project: Project, f: Finding, rule) -> str:
    """The fix advice that fits the framework of the finding's file: a rule's
    "Fix with SQLAlchemy" for a file that uses SQLAlchemy and not Django."""
    result = project.results.get(f.path)
    roots = {m.split(".")[0] for m in result.facts.imported_modules} if result else set()
    index = project.index
    sqlalchemy = "django" not in roots and (
        bool(roots & SQLALCHEMY_ROOTS)
        or (not index.uses("django") and any(index.uses(r) for r in SQLALCHEMY_ROOTS))
    )
    if rule.sections.get("Fix with SQLAlchemy") and sqlalchemy:
        return _advice(rule.sections["Fix with SQLAlchemy"], rule.code)
    if f.fix:
        return _advice(rule.sections.get("Fix", ""), rule.code)
    return _advice(
        rule.sections.get("Use instead", "").split("```")[0] or rule.sections.get("Fix", ""),
        rule.code,
    )


def _item(project: Project, f: Finding, cat, locator: Locator) -> Item:
    rule = cat.rules[f.code]
    rel = project.rel(f.path)
    place = locator.place(f.path, rel, f.start[0])
    return Item(
        code=f.code,
        name=rule.name,
        severity=f.severity.value,
        location=f"{rel}:{f.start[0]}",
        message=f.message,
        why=_first_sentence(rule.sections.get("Why is this bad?", "")),
        fix=_fix_text(project, f, rule),
        section=rule.section,
        tags=rule.tags,
        fixable=f.fix is not None,
        path=rel,
        line=f.start[0],
        column=f.start[1] + 1,
        abs_path=str(f.path),
        endpoint=place.endpoint,
        task=place.task,
        snippet=place.snippet,
    )


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _names(items, limit: int = 6) -> str:
    items = list(items)
    shown = ", ".join(md_code(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# -- section writers: observations from facts -------------------------------
FW_NAMES = {
    "django": "Django URL-conf views",
    "drf": "DRF views and viewsets",
    "flask": "Flask routes",
    "fastapi": "FastAPI routes",
}


def _where(endpoints, limit: int = 3) -> str:
    shown = [md_code(f"{e.path}:{e.line}") for e in endpoints[:limit]]
    more = f" and {len(endpoints) - limit} more" if len(endpoints) > limit else ""
    return ", ".join(shown) + more


def _by(endpoints, attr: str) -> str:
    counts: dict[str, int] = {}
    for e in endpoints:
        key = getattr(e, attr) or "?"
        counts[key] = counts.get(key, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{md_text(k)} ×{v}" for k, v in top[:6]) + (
        f" and {len(top) - 6} more" if len(top) > 6 else ""
    )


NO_ENDPOINTS = (
    "No HTTP endpoint was recognised (Django URL confs, DRF views and routers, Flask routes "
    "and blueprints, FastAPI routes). If the project serves HTTP some other way, this report "
    "cannot tell how, and the API sections below rest on no evidence."
)


def api_design(ev: Evidence, s: Section) -> None:
    eps = ev.inv.endpoints
    if not eps:
        s.observations.append(NO_ENDPOINTS)
        return
    by_fw: dict[str, int] = {}
    for e in eps:
        by_fw[e.framework] = by_fw.get(e.framework, 0) + 1
    files = {e.path for e in eps}
    s.observations.append(
        f"{_plural(len(eps), 'endpoint')} in {_plural(len(files), 'file')}: "
        + ", ".join(f"{v} {FW_NAMES.get(k, k)}" for k, v in sorted(by_fw.items()))
        + " (the inventory lists each with its full path)."
    )
    no_route = [e for e in eps if not e.route]
    if no_route:
        s.observations.append(
            f"For {_plural(len(no_route), 'endpoint')} the code does not state the URL in a way this "
            f"tool can read (a project registry, a computed path): first at {_where(no_route)}."
        )
    verbs: dict[str, int] = {}
    for e in eps:
        for m in e.methods or ("any method",):
            verbs[m] = verbs.get(m, 0) + 1
    s.observations.append(
        "By HTTP method: " + ", ".join(f"{md_text(k)} {v}" for k, v in sorted(verbs.items())) + "."
    )
    lists = [e for e in eps if e.paginated is not None]
    if lists:
        paged = [e for e in lists if e.paginated]
        s.observations.append(
            f"{len(paged)} of {_plural(len(lists), 'list endpoint')} paginate"
            + (
                f"; not paginated: {_where([e for e in lists if not e.paginated])}."
                if len(paged) < len(lists)
                else "."
            )
        )
    default_pag = ev.setting("REST_FRAMEWORK", "DEFAULT_PAGINATION_CLASS")
    if default_pag:
        s.observations.append(
            f"DRF list views paginate by default (`DEFAULT_PAGINATION_CLASS` = {md_code(show(default_pag))})."
        )
    serializers = [c.name for ref in ev.drf_views for c in [ref.cls] if c.attr("serializer_class")]
    if serializers:
        s.observations.append(
            f"{len(serializers)} of {_plural(len(ev.drf_views), 'DRF class-based view')} declare a `serializer_class`."
        )
    filt = ev.setting("REST_FRAMEWORK", "DEFAULT_FILTER_BACKENDS")
    if filt:
        s.observations.append(f"Filtering backends configured: {md_text(show(filt))}.")
    _route_naming(eps, s)
    total, created = creation_routes(ev.project.index)
    if total and ev.has("fastapi"):
        s.observations.append(
            f"{created} of {_plural(total, 'FastAPI creation route')} (`create_...`, `add_...`) "
            "answer 201 Created"
            + (
                "; the others answer 200 (API003 reports them against the project's own convention)."
                if 0 < created < total
                else "; the API answers 200 to every creation, consistently, where REST "
                "clients expect 201."
                if not created
                else "."
            )
        )
    _endpoint_table(eps, s)


API_FRAMEWORKS = frozenset({"drf", "fastapi"})
VERSIONED = re.compile(r"/v\d+(\.\d+)?(/|$)|/api/\d")
VERB_SEGMENT = re.compile(
    r"^(get|create|update|delete|remove|add|fetch|insert|modify|set|do|make)(?=[A-Z_-]|$)"
)
ENDPOINT_ROWS = 150


def _api_endpoints(eps):
    """Endpoints that serve an API (DRF, FastAPI, routes under /api/) rather than pages."""
    return [
        e
        for e in eps
        if e.route and (e.framework in API_FRAMEWORKS or e.route.lower().startswith("/api"))
    ]


def _segments(route: str) -> list[str]:
    return [p for p in route.split("/") if p and not p.startswith(("{", "<", "(", "^", ":"))]


def _route_naming(eps, s: Section) -> None:
    """Versioning and naming of the API's routes, said with figures."""
    api = _api_endpoints(eps)
    if not api:
        return
    routes = sorted({e.route for e in api})
    versioned = [r for r in routes if VERSIONED.search(r)]
    if versioned and len(versioned) < len(routes):
        s.observations.append(
            f"{len(versioned)} of {_plural(len(routes), 'API route')} carry a version "
            f"(`/v1/`); unversioned: {_names([r for r in routes if r not in versioned], 4)}."
        )
    elif versioned:
        s.observations.append(
            f"Every API route carries a version ({_plural(len(routes), 'route')})."
        )
    else:
        s.observations.append(
            f"No API route carries a version ({_plural(len(routes), 'route')}): a breaking change "
            "to a response reaches every client at once; a `/v1/` prefix or a version header "
            "lets old clients keep working."
        )
    verbs = sorted({r for r in routes if any(VERB_SEGMENT.match(p) for p in _segments(r))})
    if verbs:
        s.observations.append(
            f"{_plural(len(verbs), 'API route names', 'API routes name')} an action with a verb where REST names the "
            f"resource and lets the HTTP method say what happens: {_names(verbs, 4)}."
        )
    segments = {p for r in routes for p in _segments(r)}
    camel = {p for p in segments if re.search(r"[a-z][A-Z]", p)}
    kebab = {p for p in segments if "-" in p}
    snake = {p for p in segments if "_" in p}
    styles = [
        n
        for n, group in (("camelCase", camel), ("kebab-case", kebab), ("snake_case", snake))
        if group
    ]
    if len(styles) > 1:
        s.observations.append(
            "Route segments mix "
            + " and ".join(styles)
            + " (e.g. "
            + ", ".join(md_code(sorted(g)[0]) for g in (camel, kebab, snake) if g)
            + "): one style makes the API predictable."
        )


def _yes_no_unknown(value: bool | None, by: str) -> str:
    if value is None:
        return "cannot tell" + (f" ({by})" if by else "")
    return ("yes" if value else "no") + (f" ({by})" if by and value else "")


def _endpoint_table(eps, s: Section) -> None:
    s.table.append(["Method", "Route", "Handler", "Auth", "Throttled", "Paginated"])
    for e in eps[:ENDPOINT_ROWS]:
        auth = {"required": "required", "none": "open", "unknown": "cannot tell"}[e.auth]
        s.table.append(
            [
                ",".join(e.methods) or "any",
                e.route or "?",
                f"{e.handler} ({e.path}:{e.line})",
                auth + (f" ({e.auth_by})" if e.auth_by else ""),
                _yes_no_unknown(e.throttled, e.throttled_by),
                "–" if e.paginated is None else ("yes" if e.paginated else "no"),
            ]
        )
    if len(eps) > ENDPOINT_ROWS:
        s.observations.append(
            f"The endpoint table holds the first {ENDPOINT_ROWS} of {len(eps):,} endpoints; "
            "`backend-lens inventory` lists them all."
        )
    else:
        s.observations.append("Every endpoint is in the endpoint table.")


def graphql(ev: Evidence, s: Section) -> None:
    schemas = ev.inv.graphql_schemas
    consumers = ev.inv.consumers
    if schemas:
        s.observations.append(
            f"{_plural(len(schemas), 'GraphQL schema')}: "
            + ", ".join(
                f"{md_code(g.name)} ({md_text(g.library)}, {md_code(f'{g.path}:{g.line}')})"
                for g in schemas[:4]
            )
            + "."
        )
        _introspection(ev, s)
        _graphql_layer(ev, s)
    if consumers:
        s.observations.append(
            f"{_plural(len(consumers), 'WebSocket consumer')}: {_by(consumers, 'kind')}; first at {_where(consumers)}."
        )
    if not schemas and not consumers:
        gql = [n for n in ("graphene", "strawberry", "ariadne") if n in ev.roots]
        if gql:
            s.observations.append(
                f"{', '.join(gql)} is imported, but no schema object was recognised; the tool cannot tell what it serves."
            )
        else:
            s.observations.append(
                f"Not applicable: no GraphQL schema and no WebSocket consumer was found; the API is "
                f"served by the {_plural(len(ev.inv.endpoints), 'HTTP endpoint')} of the inventory."
            )


# what turns GraphQL introspection off: strawberry's extension, graphene's and
# graphql-core's validation rules
INTROSPECTION_OFF = frozenset({"DisableIntrospection", "NoSchemaIntrospectionCustomRule"})


# what batches per-item queries, and what checks callers at the GraphQL layer
GRAPHQL_GUARDS = (
    "graphql_jwt.decorators",
    "strawberry.permission",
    "strawberry_django.permissions",
)


def _files_importing(ev: Evidence, wanted) -> list[str]:
    """The non-test files that import a name ``wanted(qualified name)`` accepts."""
    return sorted(
        ev.project.rel(f.path)
        for f in ev.project.index.files.values()
        if not f.is_test and any(wanted(str(q)) for q in f.imports.values())
    )


def _graphql_layer(ev: Evidence, s: Section) -> None:
    """Whether per-item queries are batched (DataLoaders) and callers are checked at
    the GraphQL layer, with the rules that report what is missing."""
    # the library's DataLoader, or a project base class named for it (saleor's)
    loaders = _files_importing(ev, lambda q: q.endswith("DataLoader"))
    if loaders:
        s.observations.append(
            f"DataLoaders, which batch per-item queries, are imported in "
            f"{_plural(len(loaders), 'file')} ({_names(loaders, 3)}); GQL004 lists resolvers "
            "that still query once per item."
        )
    else:
        s.observations.append(
            "No DataLoader is used: a field resolved for every item of a list runs its own "
            "query per item (GQL004 lists those that query keyed on their parent)."
        )
    guards = _files_importing(ev, lambda q: q.startswith(GRAPHQL_GUARDS))
    if guards:
        s.observations.append(
            f"Callers are checked at the GraphQL layer with permission classes or decorators "
            f"({_names(guards, 3)}); GQL003 lists mutations that check no one."
        )


def _introspection(ev: Evidence, s: Section) -> None:
    where = sorted(
        ev.project.rel(f.path)
        for f in ev.project.index.files.values()
        if not f.is_test
        and any(str(q).rsplit(".", 1)[-1] in INTROSPECTION_OFF for q in f.imports.values())
    )
    if where:
        s.observations.append(
            f"Introspection can be turned off: `DisableIntrospection` or graphql-core's "
            f"`NoSchemaIntrospectionCustomRule` is used in {_names(where, 3)}."
        )
    elif not any(g.library == "ariadne" for g in ev.inv.graphql_schemas):
        # ariadne turns it off with a keyword (`introspection=False`) this section does not read
        s.observations.append(
            "Introspection is on (the libraries' default, nothing in the code turns it off): "
            "anyone can download the whole schema, internal fields and mutations included. "
            "Unless the API is public on purpose, turn it off in production (strawberry's "
            "`DisableIntrospection` extension, graphene's `DisableIntrospection` validation rule)."
        )


def api_security(ev: Evidence, s: Section) -> None:
    schema = ev.setting("REST_FRAMEWORK", "DEFAULT_SCHEMA_CLASS")
    if schema or ev.has("drf_spectacular", "drf_yasg"):
        s.observations.append(
            f"An OpenAPI schema is generated ({md_text(show(schema)) if schema else 'drf-spectacular/drf-yasg imported'})."
        )
    elif ev.has("fastapi"):
        s.observations.append(
            "FastAPI generates an OpenAPI schema from the route signatures and Pydantic models."
        )
    elif ev.inv.graphql_schemas:
        s.observations.append(
            "The API is served through GraphQL: its schema documents the types and operations "
            "(introspection, SDL); no OpenAPI generator is needed for it."
        )
    else:
        s.observations.append(
            "No OpenAPI schema generator was found (drf-spectacular, drf-yasg, FastAPI): API documentation is not generated from the code."
        )
    _fastapi_docs(ev, s)
    _drf_docs(ev, s)
    secure = {
        k: v
        for k, v in ev.settings.items()
        if k.startswith(("SECURE_", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"))
    }
    if secure:
        s.observations.append(
            "Transport security settings: "
            + ", ".join(f"{md_code(k)} = {md_code(show(v))}" for k, v in sorted(secure.items()))
            + "."
        )
    if ev.has("corsheaders"):
        s.observations.append("CORS is handled by django-cors-headers.")
    if ev.setting("DEBUG") is True:
        s.observations.append(
            "`DEBUG = True` is set in a settings module; make sure it is not the production one."
        )


def _route_keywords(ev: Evidence) -> dict[tuple[str, int], set[str]]:
    """(file, line of the def) -> keywords its route decorators give (FastAPI's
    ``responses=``, ``include_in_schema=``, ``response_model=`` ...)."""
    out: dict[tuple[str, int], set[str]] = {}
    for f in ev.project.index.files.values():
        if f.is_test:
            continue
        for info in f.route_facts.functions:
            for dec in info.decorators:
                name = callee_name(dec)
                if name and name.rsplit(".", 1)[-1] in ROUTE_VERBS:
                    key = (ev.project.rel(f.path), info.line)
                    out.setdefault(key, set()).update(k for k, _ in dec[3])
    return out


def _shared_responses(ev: Evidence) -> list[str]:
    """Where ``responses=`` is given to a FastAPI application, an ``APIRouter`` or an
    ``include_router()`` call ("file:line")."""
    out = []
    for f in ev.project.index.files.values():
        if f.is_test:
            continue
        rel = ev.project.rel(f.path)
        for _, value, line in f.route_facts.assigns:
            name = callee_name(value)
            if name and name.rsplit(".", 1)[-1] in ("APIRouter", "FastAPI"):
                if any(k == "responses" for k, _ in value[3]):
                    out.append(f"{rel}:{line}")
        for call in f.route_facts.calls:
            if call.method == "include_router" and any(k == "responses" for k, _ in call.kwargs):
                out.append(f"{rel}:{call.line}")
    return sorted(set(out))


def _fastapi_docs(ev: Evidence, s: Section) -> None:
    """How much of the FastAPI routes' schema the code states: error responses,
    response models, routes left out of the schema."""
    routes = [e for e in ev.inv.endpoints if e.framework == "fastapi"]
    if not routes:
        return
    kw = _route_keywords(ev)
    given = [kw.get((e.path, e.line), set()) for e in routes]
    with_errors = sum(1 for k in given if "responses" in k)
    hidden = [e for e, k in zip(routes, given, strict=True) if "include_in_schema" in k]
    shared = _shared_responses(ev)
    if shared:
        s.observations.append(
            f"Error responses are declared for whole routers or applications at "
            f"{_names(shared, 3)}: the routes under them document those; "
            f"{with_errors} of {_plural(len(routes), 'FastAPI route')} declare more on the route itself."
        )
    else:
        s.observations.append(
            f"{with_errors} of {_plural(len(routes), 'FastAPI route')} declare their error responses "
            "(`responses=`)"
            + (
                "; the others document only their success, so clients learn the error shapes by trial."
                if with_errors < len(routes)
                else "."
            )
        )
    described = sum(1 for k in given if "response_model" in k)
    s.observations.append(
        f"{described} of {_plural(len(routes), 'FastAPI route')} declare a `response_model=`"
        + (
            " (routes may also describe their answer with a return annotation; API005 reports "
            "those that do neither)."
            if described
            else "; none does, so only return annotations (where written) shape and filter what "
            "the routes answer."
        )
    )
    if hidden:
        s.observations.append(
            f"{_plural(len(hidden), 'route sets', 'routes set')} `include_in_schema=` (usually to "
            f"hide them from the documentation): {_where(hidden)}."
        )


SCHEMA_DECORATORS = frozenset({"extend_schema", "extend_schema_view", "swagger_auto_schema"})


def _decorator_name(dec) -> str:
    name = callee_name(dec) or (dec[1] if isinstance(dec, tuple) and dec[:1] == ("n",) else "")
    return name.rsplit(".", 1)[-1]


def _schema_annotated(ev: Evidence) -> set[tuple[str, int]]:
    """(file, line) of the classes and functions that carry a drf-spectacular or
    drf-yasg schema decorator, on themselves or on one of their methods."""
    out: set[tuple[str, int]] = set()
    for f in ev.project.index.files.values():
        if f.is_test:
            continue
        rel = ev.project.rel(f.path)
        routes = f.route_facts
        for info in routes.functions:
            if any(_decorator_name(d) in SCHEMA_DECORATORS for d in info.decorators):
                out.add((rel, info.line))
        for cls in routes.classes:
            decorated = [*cls.decorators, *(d for m in cls.methods for d in m.decorators)]
            if any(_decorator_name(d) in SCHEMA_DECORATORS for d in decorated):
                out.add((rel, cls.line))
    return out


def _drf_docs(ev: Evidence, s: Section) -> None:
    """How many DRF endpoints say more to the schema generator than their
    serializers do (``@extend_schema``, ``@swagger_auto_schema``)."""
    views = {(e.path, e.line) for e in ev.inv.endpoints if e.framework == "drf"}
    if not views or not ev.has("drf_spectacular", "drf_yasg"):
        return
    annotated = views & _schema_annotated(ev)
    s.observations.append(
        f"{len(annotated)} of {_plural(len(views), 'DRF view')} annotate their schema "
        "(`@extend_schema`, `@extend_schema_view`, `@swagger_auto_schema`)"
        + (
            "; the others are documented from their serializers alone, which says nothing "
            "of their error responses or of parameters read from `request.query_params`."
            if len(annotated) < len(views)
            else "."
        )
    )


def _error_shapes(ev: Evidence, s: Section) -> None:
    """The shapes the project's handlers answer errors with, per service and framework
    (what API006 judges each body against)."""
    for g in error_shapes(ev.project.index)[:4]:
        where = f" in {md_code(g.service + '/')}" if g.service else ""
        what = f"{_plural(g.total, f'{g.framework} error response')}{where}"
        dominant = g.dominant
        if dominant is not None and dominant[1] == g.total:
            s.observations.append(
                f"{what}: every one answers {md_text(shape_text(dominant[0]))}, one shape for clients to parse."
            )
        elif dominant is not None:
            s.observations.append(
                f"{what}: {dominant[1]} answer {md_text(shape_text(dominant[0]))}, the others "
                + ", ".join(
                    f"{md_text(shape_text(shape))} ({n})"
                    for shape, n in g.counts
                    if not carries(shape, dominant[0])
                )
                + " (API006, under API Design & Implementation, lists them)."
            )
        elif g.total > 1:
            s.observations.append(
                f"{what} in {_plural(len(g.counts), 'shape')}, none the rule: "
                + ", ".join(f"{md_text(shape_text(shape))} ({n})" for shape, n in g.counts[:5])
                + "; clients need a case for each."
            )


def integration_errors(ev: Evidence, s: Section) -> None:
    _error_shapes(ev, s)
    handler = ev.setting("REST_FRAMEWORK", "EXCEPTION_HANDLER")
    if handler:
        s.observations.append(
            f"Errors are shaped centrally by a DRF exception handler ({md_code(show(handler))})."
        )
    if ev.calls.get("HTTPException"):
        s.observations.append(
            f"`HTTPException` is raised for client errors ({_plural(ev.calls['HTTPException'], 'place')})."
        )
    if ev.calls.get("raise_for_status"):
        s.observations.append(
            f"Outbound HTTP responses are checked with `raise_for_status()` in {_plural(ev.calls['raise_for_status'], 'place')}."
        )
    logged = ev.calls.get("exception", 0) + ev.calls.get("error", 0)
    if logged:
        s.observations.append(
            f"Failures are logged (`logger.exception`/`logger.error`) in {_plural(logged, 'place')}."
        )
    handlers = sum(
        ev.calls.get(k, 0)
        for k in (
            "errorhandler",
            "register_error_handler",
            "exception_handler",
            "add_exception_handler",
        )
    )
    if handlers:
        s.observations.append(
            f"{_plural(handlers, 'error handler')} registered with the application "
            "(`errorhandler`, `register_error_handler`, `exception_handler`)."
        )
    if not s.observations:
        s.observations.append(
            "No central error handling was recognised: no DRF `EXCEPTION_HANDLER`, registered error "
            "handlers, `HTTPException` use, or logging of failures."
        )


def auth(ev: Evidence, s: Section) -> None:
    eps = ev.inv.endpoints
    if eps:
        req = [e for e in eps if e.auth == "required"]
        open_ = [e for e in eps if e.auth == "none"]
        unknown = [e for e in eps if e.auth == "unknown"]
        s.observations.append(
            f"{len(req)} of {_plural(len(eps), 'endpoint')} "
            f"{'requires' if len(req) == 1 else 'require'} authentication"
            + (f" ({_by(req, 'auth_by')})" if req else "")
            + "."
        )
        for fw in sorted({e.framework for e in eps}):
            mine = [e for e in eps if e.framework == fw]
            got = [e for e in mine if e.auth == "required"]
            if len(mine) > 1 and len(got) == len(mine):
                s.observations.append(
                    f"All {len(mine)} {FW_NAMES.get(fw, fw)} require authentication ({_by(got, 'auth_by')})."
                )
        writes = [e for e in eps if WRITE_METHODS.intersection(e.methods)]
        if writes:
            open_writes = [e for e in writes if e.auth == "none"]
            by_nature = [e for e in open_writes if open_by_nature(e)]
            others = [e for e in open_writes if not open_by_nature(e)]
            guarded = [e for e in writes if e.auth == "required"]
            s.observations.append(
                f"{len(guarded)} of {_plural(len(writes), 'endpoint')} that change data (POST, PUT, "
                f"PATCH, DELETE) require authentication"
                + (f"; open to anyone: {_where(others)}" if others else "")
                + (
                    f"; open by nature (sign-in, sign-up, reset, webhooks): {_where(by_nature)}"
                    if by_nature
                    else ""
                )
                + "."
            )
        if open_:
            s.observations.append(
                f"{_plural(len(open_), 'endpoint is', 'endpoints are')} open to anonymous callers: {_where(open_)}."
            )
        if unknown:
            s.observations.append(
                f"For {_plural(len(unknown), 'endpoint')} the code does not show whether authentication is required: {_where(unknown)}."
            )
    else:
        s.observations.append(
            "No endpoint was found, so no endpoint's authentication can be judged."
        )
    auth_classes = ev.setting("REST_FRAMEWORK", "DEFAULT_AUTHENTICATION_CLASSES")
    perms = ev.setting("REST_FRAMEWORK", "DEFAULT_PERMISSION_CLASSES")
    if auth_classes:
        s.observations.append(
            f"DRF authentication: `DEFAULT_AUTHENTICATION_CLASSES` = {md_text(show(auth_classes))}."
        )
    if perms:
        s.observations.append(
            f"DRF authorization default: `DEFAULT_PERMISSION_CLASSES` = {md_text(show(perms))}."
        )
    custom = sorted(
        {
            c.name
            for f in ev.project.index.files.values()
            if not f.is_test
            for c in f.classes
            if any(b.endswith("BasePermission") for b in c.bases)
        }
    )
    if custom:
        s.observations.append(f"Custom permission classes: {_names(custom)}.")
    libs = ev.named(
        {
            "rest_framework_simplejwt": "Simple JWT",
            "jwt": "PyJWT",
            "flask_login": "Flask-Login",
            "flask_jwt_extended": "Flask-JWT-Extended",
            "allauth": "django-allauth",
            "authlib": "Authlib",
            "django_otp": "django-otp",
            "passlib": "passlib",
            "pwdlib": "pwdlib",
            "bcrypt": "bcrypt",
            "argon2": "argon2",
        }
    )
    if libs:
        s.observations.append(f"Auth and password-hashing libraries imported: {', '.join(libs)}.")


def rate_limit(ev: Evidence, s: Section) -> None:
    eps = ev.inv.endpoints
    if eps:
        yes = [e for e in eps if e.throttled is True]
        no = [e for e in eps if e.throttled is False]
        unknown = [e for e in eps if e.throttled is None]
        s.observations.append(
            f"{len(yes)} of {_plural(len(eps), 'endpoint')} {'is' if len(yes) == 1 else 'are'} rate limited"
            + (f" ({_by(yes, 'throttled_by')}; {_where(yes)})" if yes else "")
            + "."
        )
        creds = [e for e in eps if guessable(e)]
        if creds:
            limited = [e for e in creds if e.throttled]
            s.observations.append(
                f"{len(limited)} of {_plural(len(creds), 'sign-in, sign-up, reset or one-time-code endpoint')} "
                f"{'is' if len(limited) == 1 else 'are'} rate limited"
                + (
                    f"; not limited: {_where([e for e in creds if e.throttled is False])}."
                    if any(e.throttled is False for e in creds)
                    else "."
                )
            )
        if unknown:
            s.observations.append(
                f"For {_plural(len(unknown), 'endpoint')} the code does not show whether a limit applies: {_where(unknown)}."
            )
        if no and not yes and not unknown:
            s.observations.append(
                "No rate limit reaches any endpoint in the code (no DRF throttle classes, django-ratelimit, "
                "slowapi, Flask-Limiter or project decorator); it may live in a gateway or proxy outside this repository."
            )
    else:
        s.observations.append("No endpoint was found, so no rate limit can be judged.")
    rates = ev.setting("REST_FRAMEWORK", "DEFAULT_THROTTLE_RATES")
    if isinstance(rates, dict) and rates:
        s.observations.append(
            "DRF throttle rates: "
            + ", ".join(f"{md_text(k)}: {md_text(v)}" for k, v in sorted(rates.items()))
            + "."
        )


def schema(ev: Evidence, s: Section) -> None:
    index = ev.project.index
    if not ev.models and not ev.sa_models:
        s.observations.append(
            "No ORM model was recognised (Django, SQLAlchemy declarative, Flask-SQLAlchemy "
            "`db.Model`, SQLModel `table=True`). If the project maps its tables another way, this "
            "report cannot tell, and the database sections rest on no evidence."
        )
        return
    labels = {
        "django": "Django",
        "sqlalchemy": "SQLAlchemy",
        "flask-sqlalchemy": "Flask-SQLAlchemy",
        "sqlmodel": "SQLModel",
    }
    by_orm: dict[str, int] = {}
    for m in ev.inv.models:
        by_orm[labels[m.orm]] = by_orm.get(labels[m.orm], 0) + 1
    files = {m.path for m in ev.inv.models}
    s.observations.append(
        f"{_plural(len(ev.inv.models), 'ORM model')} in {_plural(len(files), 'file')} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(by_orm.items()))
        + "); the entity table is below."
    )
    s.table.append(["Model", "ORM", "File", "Fields", "Relations", "Indexed or unique"])
    rows = [(m, labels[ev.orm_of[id(m.cls)]]) for m in (*ev.models, *ev.sa_models)]
    for m, orm in sorted(rows, key=lambda r: (ev.rel(r[0]), r[0].cls.name)):
        # each field once: the class's own declaration wins over a base class's
        fields = list(
            {
                f.name: f for ref in reversed((m, *index.ancestors(m)[1])) for f in ref.cls.fields
            }.values()
        )
        rels = [
            f"{f.name} → {f.target or '?'} ({f.kind})"
            for f in fields
            if f.kind in ("ForeignKey", "OneToOneField", "ManyToManyField", "relationship")
        ]
        flagged = {
            f.name for f in fields if {"primary_key", "unique", "db_index", "index"} & set(f.flags)
        }
        indexed = sorted(flagged | set(m.cls.meta_indexed))
        columns = [f for f in fields if f.kind != "relationship"]
        s.table.append(
            [
                m.cls.name,
                orm,
                f"{ev.rel(m)}:{m.cls.start[0]}",
                str(len(columns)),
                "; ".join(rels) or "–",
                ", ".join(indexed) or "–",
            ]
        )
    decimals = sum(1 for m in ev.models for f in m.cls.fields if f.kind == "DecimalField")
    if decimals:
        s.observations.append(
            f"{_plural(decimals, 'DecimalField')} hold exact numbers (money, quantities)."
        )
    constrained = sum(1 for m in ev.models if m.cls.meta_indexed)
    if constrained:
        s.observations.append(
            f"{_plural(constrained, 'model')} declare indexes or unique constraints in `Meta`."
        )


def queries(ev: Evidence, s: Section) -> None:
    good = [
        (k, ev.calls.get(k, 0))
        for k in (
            "select_related",
            "prefetch_related",
            "only",
            "defer",
            "exists",
            "bulk_create",
            "bulk_update",
            "iterator",
            "annotate",
            "aggregate",
            "values",
            "values_list",
            "joinedload",
            "selectinload",
        )
    ]
    used = [f"`{k}` ×{n}" for k, n in good if n]
    if used:
        s.observations.append("Query-shaping calls in use: " + ", ".join(used) + ".")
    else:
        s.observations.append(
            "No query-shaping call was recognised (select_related, prefetch_related, only, exists, bulk_create, joinedload, selectinload...)."
        )


def integrity(ev: Evidence, s: Section) -> None:
    if ev.migration_files:
        s.observations.append(
            f"{_plural(ev.migration_files, 'migration file')} (Django migrations, Alembic revisions) under version control."
        )
    else:
        s.observations.append(
            "No migration file was recognised (Django `migrations/`, Alembic `versions/`)."
        )
    ops: dict[str, int] = {}
    irreversible = 0
    for f in ev.project.index.files.values():
        for name, reverse in f.migration_ops:
            ops[name] = ops.get(name, 0) + 1
            irreversible += not reverse
    if ops:
        common = sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        s.observations.append(
            "Schema evolution by operation: "
            + ", ".join(f"{md_code(k)} ×{v}" for k, v in common)
            + (
                f"; {irreversible} data operations cannot be reversed."
                if irreversible
                else "; every data operation has a reverse."
            )
        )
    uniques = sum(1 for m in ev.models for f in m.cls.fields if "unique" in f.flags)
    if uniques:
        s.observations.append(f"{_plural(uniques, 'field')} carry `unique=True`.")
    if ev.calls.get("atomic"):
        s.observations.append(
            f"`transaction.atomic` blocks or decorators: {_plural(ev.calls['atomic'], 'place')}."
        )


def connections(ev: Evidence, s: Section) -> None:
    dbs = ev.setting("DATABASES")
    if dbs is not None and not isinstance(dbs, dict):
        s.observations.append(
            f"`DATABASES` is computed when the settings load ({md_code(show(dbs))}), so this "
            "report cannot tell the database engine or whether connections are reused."
        )
    if isinstance(dbs, dict):
        for alias, conf in sorted(dbs.items()):
            if isinstance(conf, dict):
                s.observations.append(
                    f"Database {md_code(alias)}: engine {md_text(show(conf.get('ENGINE', '?')))}, `CONN_MAX_AGE` {md_text(show(conf['CONN_MAX_AGE'])) if 'CONN_MAX_AGE' in conf else 'not set (a new connection per request)'}"
                    f", `ATOMIC_REQUESTS` {md_text(show(conf.get('ATOMIC_REQUESTS', False)))}."
                )
            else:
                s.observations.append(
                    f"Database {md_code(alias)} is configured as {md_code(show(conf))}."
                )
    for f in sorted(ev.project.index.files.values(), key=lambda f: f.path):
        for pos, kwargs in f.engines:
            pool = [k for k in kwargs if k.startswith(("pool", "max_overflow"))]
            spread = [k for k in kwargs if k.startswith("**")]
            where = md_code(f"{ev.project.rel(f.path)}:{pos[0]}")
            if pool:
                told = "pool settings " + ", ".join(md_code(k) for k in pool)
                if spread:
                    told += f", and more arguments through {_names(spread)}"
            elif spread:
                told = (
                    f"its arguments come through {_names(spread)}, so this report cannot tell "
                    "its pool size or pre-ping"
                )
            else:
                told = "the default pool (5 connections, 10 overflow, no pre-ping)"
            s.observations.append(f"SQLAlchemy engine at {where}: {told}.")
    if ev.calls.get("sessionmaker"):
        s.observations.append(
            f"Sessions come from `sessionmaker` ({_plural(ev.calls['sessionmaker'], 'place')})."
        )
    if ev.calls.get("on_commit"):
        s.observations.append(
            f"`transaction.on_commit` defers side effects until commit in {_plural(ev.calls['on_commit'], 'place')}."
        )
    if ev.calls.get("select_for_update"):
        s.observations.append(
            f"Row locks (`select_for_update`) are taken in {_plural(ev.calls['select_for_update'], 'place')}."
        )
    if not s.observations:
        s.observations.append(
            "No database connection setting was recognised (Django `DATABASES`, SQLAlchemy `create_engine`)."
        )


def db_performance(ev: Evidence, s: Section) -> None:
    indexed = sum(1 for m in ev.models for f in m.cls.fields if "db_index" in f.flags) + sum(
        len(m.cls.meta_indexed) for m in ev.models
    )
    if ev.models:
        s.observations.append(
            f"{_plural(indexed, 'explicit index', 'explicit indexes')} (db_index and Meta indexes/constraints) across {_plural(len(ev.models), 'model')}; foreign keys are indexed by Django automatically."
        )
    elif ev.sa_models:
        index = ev.project.index
        columns = len(
            {  # each declaration once, in the class that declares it (a base's too)
                (ref.cls.qualname, f.name)
                for m in ev.sa_models
                for ref in (m, *index.ancestors(m)[1])
                for f in ref.cls.fields
                if {"index", "unique"} & set(f.flags) and "primary_key" not in f.flags
            }
        )
        s.observations.append(
            f"{_plural(columns, 'column')} declared with index=True or unique=True across "
            f"{_plural(len(ev.sa_models), 'SQLAlchemy mapped class', 'SQLAlchemy mapped classes')} "
            "(indexes declared in __table_args__ or migrations are not counted here)."
        )
    else:
        s.observations.append("No ORM models were found, so there are no index facts to judge.")


# the layer a function that writes belongs to, in the order the report lists them
LAYERS = (
    ("handlers", "request handlers"),
    ("views", "view classes and view helpers"),
    ("forms", "serializers and forms"),
    ("graphql", "GraphQL mutations"),
    ("models", "model methods"),
    ("tasks", "background tasks"),
    ("commands", "management commands and admin"),
    ("modules", "other modules (services, domain, utilities, signals)"),
)
FORM_BASES = ("Serializer", "Form", "FormSet", "Schema")
# modules that fill a database with made-up rows (saleor's core/utils/random_data.py):
# many writes, no business rule
SAMPLE_DATA = re.compile(r"random_data|sample_data|fake_data|fixtures?|populate|seed|demo", re.I)


def _layer(index, facts, rel: str, fact, handlers: set[int], tasks: set[int], classes) -> str:
    cls = classes.get(fact.owner) if fact.owner else None
    if fact.line in handlers or (
        cls is not None and cls.start[0] in handlers and fact.function in HANDLER_METHODS
    ):
        return "handlers"
    if fact.line in tasks:
        return "tasks"
    parts = rel.split("/")
    if "management" in parts or parts[-1] == "admin.py" or "admin" in parts:
        return "commands"
    if cls is not None:
        last = {b.rsplit(".", 1)[-1] for b in cls.bases}
        if any(b.endswith(FORM_BASES) for b in last):
            return "forms"
        if any(b.endswith("Mutation") for b in last):
            return "graphql"
        ref = ClassRef(facts, cls)
        if index.is_django_model(ref) or index.is_sqlalchemy_model(ref):
            return "models"
        if index.is_drf_view(ref) or any(b.endswith(("View", "ViewSet")) for b in last):
            return "views"
    if parts[-1] == "views.py" or "views" in parts[:-1]:
        return "views"
    return "modules"


def where_logic_lives(ev: Evidence) -> dict[str, list]:
    """Layer -> [(rel, LogicFact)] of the application's functions that write to the
    database (tests, migrations and settings apart): measured from the facts."""
    index = ev.project.index
    task_lines: dict[str, set[int]] = {}
    for t in ev.inv.tasks:
        task_lines.setdefault(t.path, set()).add(t.line)
    out: dict[str, list] = {key: [] for key, _ in LAYERS}
    for path, facts in index.files.items():
        if facts.is_test or facts.is_migration or facts.is_settings or not facts.logic:
            continue
        rel = ev.project.rel(path)
        handlers = {ep.line for ep in index.endpoints_in(facts)}
        classes = {c.name: c for c in facts.classes}
        tasks = task_lines.get(rel, set())
        for fact in facts.logic:
            out[_layer(index, facts, rel, fact, handlers, tasks, classes)].append((rel, fact))
    return out


WIDE_MODEL = 30


MIN_CHECK, MIN_SHARED = 15, 3
# a test about the request, a form or the view's own set-up is HTTP plumbing that generic
# views repeat (netbox's bulk views: `request.POST.get('_all')`), not a business rule
HTTP_PLUMBING = re.compile(
    r"\b(request|form|formset|\w+_form)\b|\bself\.(filterset|queryset|model)\b"
)


def _repeated_checks(layers: dict[str, list], s: Section) -> None:
    """Functions that write and share three or more identical `if` tests: a business
    rule written twice, which drifts when one copy changes."""

    def checks(fact) -> frozenset[str]:
        return frozenset(
            t for t in fact.tests if len(t) >= MIN_CHECK and not HTTP_PLUMBING.search(t)
        )

    writers = [(rel, f, checks(f)) for group in layers.values() for rel, f in group]
    writers = [w for w in writers if len(w[2]) >= MIN_SHARED]
    by_check: dict[str, list[int]] = {}
    for i, (_, _, tests) in enumerate(writers):
        for t in tests:
            by_check.setdefault(t, []).append(i)
    shared: dict[tuple[int, int], int] = {}
    for holders in by_check.values():
        if len(holders) > 20:
            continue  # a check every module makes (`obj is None`-like): not a business rule
        for x, i in enumerate(holders):
            for j in holders[x + 1 :]:
                shared[(i, j)] = shared.get((i, j), 0) + 1
    pairs = sorted(
        ((n, i, j) for (i, j), n in shared.items() if n >= MIN_SHARED),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    if not pairs:
        return

    def where(i: int) -> str:
        rel, f, _ = writers[i]
        return f"{rel}:{f.line} {f.owner + '.' if f.owner else ''}{f.function}"

    shown = [
        f"{md_code(min(where(i), where(j)))} and {md_code(max(where(i), where(j)))} share {n} checks, such as "
        f"{md_code(max(sorted(writers[i][2] & writers[j][2]), key=len))}"
        for n, i, j in pairs[:5]
    ]
    s.observations.append(
        f"The same business checks are written in more than one place ({_plural(len(pairs), 'pair')} "
        "of functions that write share three or more identical `if` tests): "
        + "; ".join(shown)
        + (f"; and {len(pairs) - 5} more" if len(pairs) > 5 else "")
        + ". When one copy changes the other drifts; one function both call keeps them equal."
    )


def business_logic(ev: Evidence, s: Section) -> None:
    layers = where_logic_lives(ev)
    writes = {k: sum(f.writes for _, f in v) for k, v in layers.items()}
    total = sum(writes.values())
    if total:
        parts = [
            f"{label} {writes[key]} ({round(100 * writes[key] / total)}%)"
            for key, label in LAYERS
            if writes[key]
        ]
        s.observations.append(
            f"Where the database is written, measured: {_plural(total, 'write')} in "
            f"{_plural(sum(len(v) for v in layers.values()), 'function')}, by layer: "
            + ", ".join(parts)
            + "."
        )
        handler_writes = writes["handlers"] + writes["views"]
        if not handler_writes and ev.inv.endpoints and writes["modules"]:
            s.observations.append(
                "No request handler writes to the database itself (the handlers of "
                f"{_plural(len(ev.inv.endpoints), 'endpoint')} were measured): the writes are in "
                "service and domain modules, where tasks, commands and tests can run them "
                "without a request."
            )
        if handler_writes and handler_writes * 2 >= total:
            s.observations.append(
                "Most writes are made by the views themselves: business operations run only "
                "through HTTP. Moving them into service functions lets tasks, commands and "
                "tests run them without a request."
            )
        outside = {}
        for key in ("modules", "tasks", "models"):
            for rel, f in layers[key]:
                if not SAMPLE_DATA.search(rel):
                    outside[rel] = outside.get(rel, 0) + f.writes + f.decisions
        if outside:
            top = sorted(outside.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            s.observations.append(
                "The modules outside the views that hold the most decisions and writes "
                "(where the domain logic lives): " + _names([rel for rel, _ in top]) + "."
            )
    _repeated_checks(layers, s)
    service_files = sorted(
        {
            ev.project.rel(p)
            for p in ev.project.results
            if is_service_module(ev.project.rel(p)) and not ev.project.results[p].facts.is_test
        }
    )
    if service_files:
        s.observations.append(
            f"{_plural(len(service_files), 'module')} named as a service layer "
            f"({'services.py, domain.py, selectors.py and the like'}): {_names(service_files)}."
        )
    methods = sum(len([x for x in m.cls.methods if not x.startswith("__")]) for m in ev.models)
    if ev.models:
        writing = len(layers["models"]) if total else 0
        s.observations.append(
            f"{_plural(len(ev.models), 'Django model')} {'carries' if len(ev.models) == 1 else 'carry'} {_plural(methods, 'method')} of "
            f"behaviour, {writing} of which {'writes' if writing == 1 else 'write'}"
            + (
                "; with the views writing most, the models are mostly data holders."
                if total
                and (writes["handlers"] + writes["views"]) * 2 >= total
                and methods < len(ev.models)
                else "."
            )
        )
    wide = sorted(
        (m for m in ev.inv.models if m.fields >= WIDE_MODEL), key=lambda m: (-m.fields, m.name)
    )
    if wide:
        s.observations.append(
            f"{_plural(len(wide), 'model')} with {WIDE_MODEL} fields or more, often several "
            "responsibilities in one table: "
            + _names([f"{m.name} ({m.fields} fields, {m.path}:{m.line})" for m in wide], 5)
            + "."
        )
    if not s.observations:
        s.observations.append(
            "No function that writes to the database was found, and no service or domain "
            "module: this code base holds no business operations the analyser can see."
        )


def communication(ev: Evidence, s: Section) -> None:
    clients = ev.named(
        {
            "requests": "requests",
            "httpx": "httpx",
            "aiohttp": "aiohttp",
            "grpc": "gRPC",
            "kafka": "Kafka",
            "confluent_kafka": "Kafka",
            "pika": "RabbitMQ",
            "boto3": "AWS SDK",
            "stripe": "Stripe",
        }
    )
    if clients:
        s.observations.append(f"Outbound integrations: {', '.join(clients)}.")
    if ev.inv.tasks:
        s.observations.append(
            f"{_plural(len(ev.inv.tasks), 'background task')} take work out of the request "
            f"({_by(ev.inv.tasks, 'system')})."
        )
    _retries(ev, s)
    _circuit_breakers(ev, s, bool(clients))
    if not s.observations:
        s.observations.append(
            "No outbound service integration (HTTP clients, message brokers, cloud SDKs) is imported."
        )


BREAKERS = {
    "pybreaker": "pybreaker",
    "circuitbreaker": "circuitbreaker",
    "aiobreaker": "aiobreaker",
    "purgatory": "purgatory",
}


def _circuit_breakers(ev: Evidence, s: Section, outbound: bool) -> None:
    """Whether a failing dependency is cut off rather than called on every request."""
    found = ev.named(BREAKERS)
    if found:
        s.observations.append(
            f"Circuit breaking is available through {', '.join(found)}; which calls use it is "
            "not followed."
        )
    elif outbound:
        s.observations.append(
            "No circuit breaker was found (pybreaker, circuitbreaker, aiobreaker, purgatory): "
            "when a service this code calls is down, every request still waits for its "
            "timeout. Where a dependency is called on the request path, open a breaker after "
            "a few failures and answer from a fallback until it recovers."
        )


def _retries(ev: Evidence, s: Section) -> None:
    """Whether outbound HTTP calls are retried, by any of the common means."""
    ways = []
    if ev.calls.get("Retry"):
        ways.append(
            f"urllib3 `Retry` ({_plural(ev.calls['Retry'], 'place')}"
            + (
                f", mounted through `HTTPAdapter` in {ev.calls['HTTPAdapter']}"
                if ev.calls.get("HTTPAdapter")
                else ""
            )
            + ")"
        )
    transports = ev.calls.get("HTTPTransport", 0) + ev.calls.get("AsyncHTTPTransport", 0)
    if transports:
        ways.append(f"httpx transports ({_plural(transports, 'place')}, which can set `retries=`)")
    if ev.has("tenacity"):
        ways.append("tenacity (imported)")
    if ev.has("backoff"):
        ways.append(f"backoff ({_plural(ev.calls.get('on_exception', 0), 'decorated function')})")
    if ways:
        s.observations.append(
            "Retries with back-off are available through "
            + ", ".join(ways)
            + "; which calls use them is not followed."
        )
    elif ev.has("requests", "httpx", "aiohttp", "urllib3"):
        s.observations.append(
            "No retry of outbound HTTP calls was found (urllib3 `Retry` mounted through an "
            "`HTTPAdapter`, httpx transport `retries=`, tenacity, backoff): an idempotent call "
            "(a GET, a PUT of the same body) that meets one dropped connection fails the whole "
            "request or task. Retry those a few times with back-off; retry a POST only with an "
            "idempotency key."
        )


def performance(ev: Evidence, s: Section) -> None:
    asyncs = sum(1 for f in ev.project.index.files.values() for fn in f.functions if fn.is_async)
    if asyncs:
        s.observations.append(
            f"{_plural(asyncs, 'async function')} (nothing that blocks may run in "
            f"{'it' if asyncs == 1 else 'them'}: it would stall the event loop)."
        )
    if ev.has("httpx", "aiohttp"):
        s.observations.append(
            "An async-capable HTTP client (httpx/aiohttp) is available for non-blocking calls."
        )
    if ev.calls.get("iterator"):
        s.observations.append(
            f"Large querysets are streamed with `.iterator()` in {_plural(ev.calls['iterator'], 'place')}."
        )
    if not s.observations:
        s.observations.append(
            "No async function and no `.iterator()` streaming was found in the code."
        )


def caching(ev: Evidence, s: Section) -> None:
    def described(conf) -> str:
        text = f"backend {md_text(show(conf.get('BACKEND', '?')))}"
        if "TIMEOUT" in conf and conf["TIMEOUT"] is None:
            return text + ", no default timeout (entries are kept until deleted)"
        if "TIMEOUT" in conf:
            return text + f", default timeout {md_text(show(conf['TIMEOUT']))}s"
        return text

    # the caches of each settings module, with the environment it configures
    profiles = {m.path: m for m in ev.inv.settings}
    per_module = []
    for path in sorted(ev.project.results):
        module = profiles.get(ev.project.rel(path))
        facts = ev.project.results[path].facts
        caches = facts.settings.get("CACHES") if module is not None else None
        if not isinstance(caches, dict):
            continue
        for alias, conf in sorted(caches.items()):
            where = f"Cache {md_code(alias)} in {md_code(module.path)} ({module.profile} settings)"
            if isinstance(conf, dict) and "BACKEND" in conf:
                per_module.append(f"{where}: {described(conf)}.")
            elif conf is not None and not isinstance(conf, dict):
                per_module.append(f"{where}: set when the settings load, by {md_code(show(conf))}.")
    caches = ev.setting("CACHES")
    if per_module:
        s.observations.extend(per_module)
    elif isinstance(caches, dict):
        for alias, conf in sorted(caches.items()):
            if isinstance(conf, dict):
                s.observations.append(f"Cache {md_code(alias)}: {described(conf)}.")
    elif "django" in ev.roots and any(m.profile == "production" for m in ev.inv.settings):
        s.observations.append(
            "No settings module sets CACHES: Django then uses a local-memory cache, one per "
            "worker process, so nothing cached (throttle counts included) is shared."
        )
    used = [
        f"`{k}` ×{ev.calls[k]}"
        for k in (
            "cache_page",
            "cached_property",
            "lru_cache",
            "cached",
            "get_many",
            "set_many",
            "vary_on_headers",
        )
        if ev.calls.get(k)
    ]
    if used:
        s.observations.append("Caching in code: " + ", ".join(used) + ".")
    if "django" in ev.roots and any(
        "django.core.cache" in m
        for f in ev.project.index.files.values()
        for m in f.imported_modules
    ):
        files = sorted(
            {
                ev.project.rel(f.path)
                for f in ev.project.index.files.values()
                if not f.is_test
                and not f.is_migration
                and any(m.startswith("django.core.cache") for m in f.imported_modules)
            }
        )
        s.observations.append(
            f"The low-level cache API (`django.core.cache`) is used in {_names(files)}."
        )
    if not s.observations:
        s.observations.append(
            "No caching was recognised: no CACHES setting, cache decorators or cache API calls."
        )


def background(ev: Evidence, s: Section) -> None:
    tasks = ev.inv.tasks
    if not tasks:
        if ev.has("celery", "dramatiq", "rq", "huey", "arq", "apscheduler"):
            s.observations.append(
                "A task queue or scheduler library is imported, but no task definition was recognised; "
                "this report cannot tell what runs in the background."
            )
        else:
            s.observations.append(
                "No background work was recognised (Celery, RQ, Dramatiq, Huey, arq, APScheduler or a "
                "project scheduler); as far as the code shows, all work happens inside requests."
            )
        return
    s.observations.append(
        f"{_plural(len(tasks), 'background task')} ({_by(tasks, 'system')}): "
        f"{_names(sorted({t.name for t in tasks}))}."
    )
    systems = {t.system for t in tasks}
    # where work is queued: Celery's .delay()/.apply_async() (the facts' call counts)
    # and RQ's enqueue calls (the work facts); test files and migrations left out
    sites = []
    if "celery" in systems:
        n = ev.calls.get("delay", 0) + ev.calls.get("apply_async", 0)
        if n:
            sites.append(f"Celery `.delay()`/`.apply_async()` ×{n}")
    if "rq" in systems:
        from ..inventory.work import rq_enqueue_sites

        n = rq_enqueue_sites(ev.project)
        if n:
            sites.append(f"RQ `enqueue` ×{n}")
    if sites:
        s.observations.append(f"Work is queued at: {'; '.join(sites)}.")
    # periodic work: beat entries, APScheduler jobs, project schedulers
    beat = [t for t in tasks if any(o.startswith("beat=") for o in t.options)]
    periodic = []
    if beat:
        n = sum(1 for t in beat for o in t.options if o.startswith("beat="))
        periodic.append(f"{_plural(n, 'Celery beat entry', 'Celery beat entries')}")
    for system, what in (("apscheduler", "APScheduler job"), ("scheduler", "scheduled job")):
        n = sum(1 for t in tasks if t.system == system)
        if n:
            periodic.append(_plural(n, what))
    if periodic:
        named = sorted(
            {t.name for t in tasks if t in beat or t.system in ("apscheduler", "scheduler")}
        )
        which = "every task" if len(named) == len({t.name for t in tasks}) else _names(named, 5)
        s.observations.append(f"Periodic work: {', '.join(periodic)} ({which}).")
    retry_words = ("retry", "retries", "autoretry", "max_retries", "retry_backoff")
    retry = [
        t
        for t in tasks
        if any(
            o.split("=")[0].lower().startswith(retry_words) or "retr" in o.lower()
            for o in t.options
        )
    ]
    limited = [t for t in tasks if any("time_limit" in o or "timeout" in o for o in t.options)]
    s.observations.append(
        f"{len(retry)} of {_plural(len(tasks), 'task')} declare a retry policy"
        + (f"; {len(limited)} a time limit." if limited else "; none declares a time limit.")
    )
    no_retry = sorted({t.name for t in tasks if t not in retry})
    if retry and no_retry:
        s.observations.append(f"Without a retry policy: {_names(no_retry, 5)}.")
    project_limit = next(
        (
            (k, ev.setting(k))
            for k in ("CELERY_TASK_TIME_LIMIT", "CELERY_TASK_SOFT_TIME_LIMIT")
            if ev.setting(k) is not None
        ),
        None,
    )
    if project_limit is not None:
        s.observations.append(
            f"`{project_limit[0]}` = {md_text(show(project_limit[1]))} limits every Celery task."
        )
    else:
        unlimited = sorted({t.name for t in tasks if t.system == "celery" and t not in limited})
        if unlimited and limited:
            s.observations.append(f"Celery tasks without a time limit: {_names(unlimited, 5)}.")
    if ev.setting("CELERY_TASK_ACKS_LATE") is True:
        s.observations.append(
            "`CELERY_TASK_ACKS_LATE` is on: a task is acknowledged only after it finishes."
        )


def boundaries(ev: Evidence, s: Section) -> None:
    if ev.packages:
        s.observations.append(f"Top-level folders with code: {_names(ev.packages, 12)}.")
    roots = ev.inv.source_roots
    if roots:
        s.observations.append(
            f"The code is imported from {_plural(len(roots), 'source root')}: "
            + ", ".join(f"{md_code(r.path)} ({md_text(r.how)})" for r in roots[:8])
            + "."
        )
    # a service: a source root that serves endpoints or has its own settings
    served: dict[str, set[str]] = {}
    for e in ev.inv.endpoints:
        root = ev.root_of(e.path)
        served.setdefault(root, set()).add(e.framework)
    for st in ev.inv.settings:
        if st.profile != "test":
            served.setdefault(ev.root_of(st.path), set())
    if len(served) > 1:
        s.observations.append(
            f"{_plural(len(served), 'deployable service')} share the repository: "
            + ", ".join(
                f"{md_code(root or '.')}" + (f" ({md_text(', '.join(sorted(fws)))})" if fws else "")
                for root, fws in sorted(served.items())
            )
            + "."
        )
    elif served:
        s.observations.append(
            "One deployable application: the endpoints and settings sit under one source root."
        )
    _app_dependencies(ev, s)


def _class_writes(facts) -> dict[str, int]:
    """Class name as written -> how many writes of the file's functions go to it
    (`Order.objects.create()`, `Order(...).save()`; facts/logic.py)."""
    out: dict[str, int] = {}
    for fact in facts.logic:
        for target in fact.targets:
            if target[:1].isupper() and "." not in target:
                out[target] = out.get(target, 0) + 1
    return out


def _writes_across_apps(ev: Evidence, graph) -> str:
    """How many model writes (`Model.objects.create()`, `Model(...).save()`) change
    another app's models, by pair of apps. An observation, not a rule: on saleor
    and netbox a third to two fifths of the writes cross apps by design (the
    GraphQL layer, signals, management commands)."""
    index = ev.project.index
    own = 0
    pairs: dict[tuple[str, str], int] = {}
    for f in index.files.values():
        source = graph.app_of.get(f.path)
        if source is None or not f.logic:
            continue
        for name, n in _class_writes(f).items():
            ref = index.find_model(f, name)
            target = graph.app_of.get(ref.facts.path) if ref is not None else None
            if target is None:
                continue
            if target == source:
                own += n
            else:
                pairs[(source, target)] = pairs.get((source, target), 0) + n
    across = sum(pairs.values())
    if not across:
        if not own:
            return ""
        return (
            "The one model write recognised stays inside its app."
            if own == 1
            else f"All {own} model writes recognised stay inside their apps."
        )
    top = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    return (
        f"{across} of {_plural(across + own, 'model write')} (`Model.objects.create/update/delete`, "
        f"`Model(...).save()`) change{'s' if across == 1 else ''} another app's models: "
        + ", ".join(f"{md_code(a)} → {md_code(b)} ×{n}" for (a, b), n in top[:8])
        + (f" and {len(top) - 8} more pairs" if len(top) > 8 else "")
        + ". Such writes tie the apps' data together: splitting them into services means "
        "an API or events in place of each of these writes."
    )


def _app_dependencies(ev: Evidence, s: Section) -> None:
    """The apps and the imports between them (inventory/apps.py): an observation,
    a table, and the picture the HTML report draws."""
    from .diagram import MAX_APPS, AppDiagram, prefix_of

    graph = ev.project.index.apps()
    apps = sorted(graph.apps)
    if len(apps) < 2:
        return
    out: dict[str, set[str]] = {a: set() for a in apps}
    into: dict[str, set[str]] = {a: set() for a in apps}
    count: dict[str, int] = dict.fromkeys(apps, 0)
    lazy_only: set[tuple[str, str]] = set()
    for (a, b), edges in graph.edges.items():
        out[a].add(b)
        into[b].add(a)
        count[a] += len(edges)
        count[b] += len(edges)
        if all(e.lazy for e in edges):
            lazy_only.add((a, b))
    in_cycle = graph.in_cycle()
    lazy = sum(1 for edges in graph.edges.values() for e in edges if e.lazy)
    total = sum(len(edges) for edges in graph.edges.values())
    said = (
        f"{_plural(len(apps), 'app')} (Django apps, else top-level packages) import each other "
        f"through {_plural(total, 'import statement')}"
        + (f", {lazy} of them inside functions" if lazy else "")
        + "."
    )
    if graph.cycles:
        said += (
            f" {_plural(len(in_cycle), 'app')} depend on each other in import cycles "
            f"({', '.join(md_code(' -> '.join(c.apps)) for c in graph.cycles[:3])}"
            + (f" and {len(graph.cycles) - 3} more" if len(graph.cycles) > 3 else "")
            + "): they cannot be split into services as they are."
        )
    elif total:
        said += " No import cycle between apps: each could be lifted out with the apps it imports."
    s.observations.append(said)
    writes = _writes_across_apps(ev, graph)
    if writes:
        s.observations.append(writes)
    order = sorted(apps, key=lambda a: (-count[a], a))
    prefix = prefix_of([a for a in apps if count[a]])
    if prefix:
        s.observations.append(
            f"In the table and the picture, app names leave out {md_code(prefix)}."
        )

    def listed(names: list[str], limit: int = 12) -> str:
        shown = [n[len(prefix) :] for n in names[:limit]]
        more = f" and {len(names) - limit} more" if len(names) > limit else ""
        return (", ".join(shown) + more) or "none"

    s.table = [["App", "Imports these apps", "Imported by", "Import edges", "In a cycle"]]
    for a in order:
        if not count[a]:
            continue
        s.table.append(
            [
                a[len(prefix) :],
                listed([b + (" (lazy)" if (a, b) in lazy_only else "") for b in sorted(out[a])]),
                listed(sorted(into[a])),
                str(count[a]),
                "yes" if a in in_cycle else "no",
            ]
        )
    if len(s.table) == 1:
        s.table = []
        return
    drawn = [a for a in order if count[a]]
    if len(drawn) > MAX_APPS:
        s.table = s.table[: MAX_APPS + 1]
        s.observations.append(
            f"The table and the picture show the {MAX_APPS} most connected of "
            f"{len(drawn)} apps that import or are imported by another."
        )
    # the steps of the cycles SVC001 reports (a knot's other imports stay grey)
    cycle_edges = {step for c in graph.cycles for step in zip(c.apps, c.apps[1:], strict=False)}
    s.diagram = AppDiagram(
        apps=drawn[:MAX_APPS],
        edges=[(a, b, (a, b) in lazy_only, (a, b) in cycle_edges) for (a, b) in graph.edges],
        in_cycle=in_cycle,
        left_out=max(0, len(drawn) - MAX_APPS),
    )


def input_validation(ev: Evidence, s: Section) -> None:
    v = []
    if ev.calls.get("is_valid"):
        v.append(f"serializer/form `is_valid()` ×{ev.calls['is_valid']}")
    if ev.has("pydantic"):
        v.append("Pydantic models (pydantic is imported)")
    if ev.calls.get("full_clean"):
        v.append(f"`full_clean()` ×{ev.calls['full_clean']}")
    if ev.has("bleach"):
        v.append("bleach sanitises HTML")
    if v:
        s.observations.append("Input validation in the code: " + "; ".join(v) + ".")
    else:
        s.observations.append(
            "No input validation layer was recognised (serializer or form `is_valid()`, Pydantic, `full_clean()`)."
        )


def data_protection(ev: Evidence, s: Section) -> None:
    if ev.has("cryptography"):
        s.observations.append("The cryptography library is imported.")
    if any(k.startswith("SECURE_") for k in ev.settings):
        s.observations.append("HTTPS hardening settings (`SECURE_*`) are present.")
    validators = ev.setting("AUTH_PASSWORD_VALIDATORS")
    if validators:
        s.observations.append(
            f"{_plural(len(validators) if isinstance(validators, (list, tuple)) else 1, 'password validator')} configured."
        )
    secret = ev.setting("SECRET_KEY")
    if secret is not None and not isinstance(secret, str):
        s.observations.append(
            f"`SECRET_KEY` is read at run time ({md_code(show(secret))}) in at least one settings module."
        )
    if not s.observations:
        s.observations.append(
            "No encryption or secret-handling configuration was recognised (cryptography, `SECURE_*`, password validators, a `SECRET_KEY` read at run time)."
        )


def audit(ev: Evidence, s: Section) -> None:
    audit_models = sorted(
        m.cls.name
        for m in (*ev.models, *ev.sa_models)
        if re.search(r"audit|history|event|log", m.cls.name, re.I)
    )
    if audit_models:
        s.observations.append(f"Audit trail models: {_names(audit_models)}.")
    if ev.has("auditlog", "simple_history"):
        s.observations.append("Model changes are recorded by django-auditlog/simple-history.")
    if ev.setting("LOGGING"):
        s.observations.append("Logging is configured in settings (`LOGGING`).")
    if ev.has("structlog"):
        s.observations.append("Structured logging with structlog.")
    if not s.observations:
        s.observations.append(
            "No audit trail was recognised (models named audit/history/event/log, django-auditlog, "
            "simple-history, a `LOGGING` setting, structlog)."
        )


def third_party(ev: Evidence, s: Section) -> None:
    third = ev.named(
        {
            "sentry_sdk": "Sentry (error tracking)",
            "stripe": "Stripe (payments)",
            "boto3": "AWS",
            "hvac": "HashiCorp Vault",
            "rest_framework_simplejwt": "Simple JWT",
            "allauth": "django-allauth",
            "authlib": "Authlib",
            "corsheaders": "django-cors-headers",
        }
    )
    if third:
        s.observations.append(
            f"Security-relevant third-party services and libraries: {', '.join(third)}."
        )
    else:
        s.observations.append(
            "No third-party security integration is imported (error tracking, secrets manager, identity provider)."
        )


WRITERS = {
    "API Design & Implementation": api_design,
    "GraphQL & Real-time Services": graphql,
    "API Security & Documentation": api_security,
    "Integration & Error Handling": integration_errors,
    "Authentication & Authorization Systems": auth,
    "Rate Limiting & Throttling": rate_limit,
    "Schema Design & Modeling": schema,
    "Query Optimization & ORM Usage": queries,
    "Data Integrity & Migration Strategies": integrity,
    "Connection Pooling & Transaction Management": connections,
    "Database Performance Issues": db_performance,
    "Business Logic & Domain Modeling": business_logic,
    "Integration & Communication Patterns": communication,
    "Performance & Scalability Evaluation": performance,
    "Caching Strategies": caching,
    "Background Job Processing": background,
    "Service Boundaries & Microservice Design": boundaries,
    "Input Validation & Sanitization": input_validation,
    "Data Protection & Encryption": data_protection,
    "Audit Logging & Compliance": audit,
    "Third-Party Security Integration": third_party,
}


def _planning(ev: Evidence, items: list[Item], rec: dict[str, list[str]]) -> dict[str, list[str]]:
    p: dict[str, list[str]] = {}
    crit = [i for i in items if i.severity == "critical"]
    high = [i for i in items if i.severity == "error"]
    medium = [i for i in items if i.severity == "warning"]
    road = []
    if crit:
        road.append(
            f"**Now (this sprint):** fix the {_plural(len(crit), 'critical finding')} ({', '.join(sorted({i.code for i in crit}))}) before the next release."
        )
    if high:
        road.append(
            f"**Next:** the {_plural(len(high), 'high-severity finding')} ({', '.join(sorted({i.code for i in high}))})."
        )
    if medium:
        fixable = sum(1 for i in medium if i.fixable)
        road.append(
            f"**Then:** the {_plural(len(medium), 'medium finding')}; {fixable} of them have quick fixes in the editor."
        )
    road.append(
        "**Keep it there:** run `backend-lens check --format sarif` in CI so new findings show up in review."
    )
    p["Development Roadmap"] = road
    # the other three are written from the project's files (report/planning.py)
    p.update(planning.sections(ev, items))
    return p


def _missing_evidence(ev: Evidence) -> dict[str, str]:
    """Scores that have nothing to judge, with the reason (see scoring.MODEL_TEXT)."""
    missing: dict[str, str] = {}
    if not ev.inv.endpoints:
        missing["api"] = "no endpoint found"
    has_db = bool(
        ev.inv.models
        or ev.setting("DATABASES")
        or ev.setting("SQLALCHEMY_DATABASE_URI")  # Flask-SQLAlchemy's
        or any(f.engines for f in ev.project.index.files.values())
    )
    if not has_db:
        missing["database"] = "no ORM model, database setting or engine found"
    if not ev.inv.endpoints and not ev.inv.models and not ev.inv.tasks:
        missing["service"] = "no endpoint, model or background task found"
    return missing


def split_scored(
    project: Project, findings: list[Finding]
) -> tuple[list[Finding], dict[str, list[Finding]]]:
    """The findings the report scores, and the others by the kind of their file
    (tests, scripts, applied migrations: see facts/kinds.py), each in order."""
    from ..facts.kinds import counts_in_report, file_kind

    cat = catalogue.load()
    kinds: dict[str, str] = {}
    scored: list[Finding] = []
    unscored: dict[str, list[Finding]] = {}
    for f in findings:
        if f.path not in kinds:
            result = project.results.get(f.path)
            kinds[f.path] = (
                file_kind(result.facts, project.rel(f.path), project.index)
                if result is not None
                else "source"
            )
        kind = kinds[f.path]
        if project.config.include_tests or counts_in_report(kind, cat.rules[f.code]):
            scored.append(f)
        else:
            unscored.setdefault(kind, []).append(f)
    return scored, unscored


def build_report(project: Project, now: dt.datetime | None = None) -> Report:
    from ..facts.kinds import KIND_NAMES

    cat = catalogue.load()
    ev = Evidence.collect(project)
    scored, unscored = split_scored(project, list(project.all_findings()))
    locator = Locator(project, ev.inv)
    items = sorted((_item(project, f, cat, locator) for f in scored), key=rank_key)
    # the scores are normalised by the lines of application code (not tests, migrations, scripts)
    lines, application_lines = scoring.measure_lines(project)
    scores = scoring.compute(scored, cat, application_lines, _missing_evidence(ev))
    parts: dict[str, list[Section]] = {}
    for heading, part in SECTIONS:
        s = Section(heading, [i for i in items if i.section == heading])
        s.groups = by_rule(s.items, cat)
        WRITERS[heading](ev, s)
        parts.setdefault(part, []).append(s)
    # findings about Backend Lens's own comments (LENS001) are listed apart, under the
    # Executive Summary: they are no recommendation or roadmap item for the code
    comments = [i for i in items if i.section in TOOL_SECTIONS]
    code_items = [i for i in items if i.section not in TOOL_SECTIONS]
    all_groups = by_rule(code_items, cat)
    rec, placed = recommend(all_groups)
    planning = _planning(ev, code_items, rec)
    now = now or dt.datetime.now(dt.UTC)
    not_scored = []
    for kind, group in sorted(unscored.items()):
        codes: dict[str, int] = {}
        for f in group:
            codes[f.code] = codes.get(f.code, 0) + 1
        where = [md_code(f"{project.rel(f.path)}:{f.start[0]}") for f in group[:6]]
        not_scored.append(
            f"{_plural(len(group), 'finding')} in {KIND_NAMES[kind]}: "
            + ", ".join(f"{c} ×{n}" for c, n in sorted(codes.items()))
            + f" ({', '.join(where)}{f' and {len(group) - 6} more' if len(group) > 6 else ''})"
        )
    return Report(
        title="Backend Development Report",
        date=now.strftime("%Y-%m-%d %H:%M UTC"),
        root=project.root.name,
        files_analyzed=len(project.results),
        lines=lines,
        application_lines=application_lines,
        scores=scores,
        score_model=scoring.MODEL_TEXT,
        critical=[i for i in code_items if i.severity == "critical"],
        parts=list(parts.items()),
        critical_groups=by_rule([i for i in code_items if i.severity == "critical"], cat),
        rule_groups=all_groups,
        recommendations=rec,
        recommendation_groups=placed,
        recommendation_notes=empty_notes(placed),
        planning={**planning, "Development Roadmap": roadmap(all_groups)},
        findings=items,
        skipped=[
            f"{md_code(project.rel(p))}: {md_text(why)}"
            for p, why in sorted(project.skipped.items())
        ],
        not_scored=not_scored,
        not_scored_count=sum(len(g) for g in unscored.values()),
        inventory=_inventory_summary(ev),
        comments=comments,
        strengths=strengths.strengths(ev, {i.code for i in items}),
    )


def _inventory_summary(ev: Evidence) -> str:
    inv = ev.inv
    roots = ", ".join(md_code(r.path) for r in inv.source_roots) or "none"
    return (
        f"Recognised: {_plural(len(inv.endpoints), 'endpoint')}, {_plural(len(inv.models), 'model')}, "
        f"{_plural(len(inv.tasks), 'background task')}, {_plural(len(inv.settings), 'settings module')}; "
        f"frameworks: {md_text(', '.join(inv.frameworks) or 'none')}; source roots: {roots}. "
        "`backend-lens inventory` lists each of them."
    )


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
# project text in the Markdown template: `code` and `text` for values, `message`
# for finding messages (see mdtext); observations and recommendations are built
# with the same functions above
_ENV.filters.update(
    code=md_code,
    text=md_text,
    message=md_message,
    reach=reach_md,
    where=where_md,
    reach_short=reach_short,
    places=places_short,
)
_ENV.globals.update(strengths_none=strengths.NONE, strengths_lead=strengths.LEAD)


def render(report: Report, fmt: str = "markdown", links_from: str | Path | None = None) -> str:
    """The report as Markdown, HTML or JSON. `links_from`: the folder an HTML
    report is written to (its links to the project's files are relative to it;
    None: the project's root)."""
    if fmt == "json":
        from .json_out import to_json

        return to_json(report)
    if fmt == "html":
        from .html_report import render_html

        return render_html(report, links_from)
    md = _ENV.get_template("report.md.j2").render(r=report)
    return re.sub(r"\n{3,}", "\n\n", md)
