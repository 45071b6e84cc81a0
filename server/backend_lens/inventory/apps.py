"""The project's apps and the imports between them (the report's dependency
picture, SVC001's cycles). Built from facts only, once per change of what it
reads (``APP_READS``: ``ProjectIndex.apps``).

An app is a Django app (a package that holds ``models.py``/``models/`` or
``apps.py``, or that ``INSTALLED_APPS`` names), else the top-level package of
the file's import name (``FileFacts.import_module``): netbox's ``dcim``,
saleor's ``saleor.order``, dispatch's ``dispatch.incident``. A package that holds
apps (saleor's ``saleor``) is no app itself: its other sub-packages are
(``saleor.graphql``), and its own modules (``saleor/__init__.py``, the Celery
app) put the apps together, like the root URLconf and the WSGI/ASGI modules:
they belong to no app. Tests, migrations and
settings modules are left out, and so are imports under ``if TYPE_CHECKING:``
(never run). An import inside a function (lazy) is an edge of its own kind:
projects write them on purpose to break a cycle, so cycles are read from
module-level imports only."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

# what the graph reads: a judgement that reads it declares these
APP_READS = ("imports", "settings")


@dataclass(frozen=True)
class ImportEdge:
    source: str  # app
    target: str  # app
    path: str  # the importing file (FileFacts.path)
    start: tuple[int, int]
    end: tuple[int, int]
    lazy: bool


@dataclass(frozen=True)
class Cycle:
    apps: tuple[str, ...]  # the cycle from its first app (sorted) back to it: (a, b, a)
    edges: tuple[ImportEdge, ...]  # one module-level import per step, in order
    group: tuple[str, ...]  # every app of the strongly connected group it belongs to


@dataclass
class AppGraph:
    apps: dict[str, int] = field(default_factory=dict)  # app -> files
    # (source, target) -> its imports, module-level ones first, then by place
    edges: dict[tuple[str, str], list[ImportEdge]] = field(default_factory=dict)
    cycles: list[Cycle] = field(default_factory=list)
    app_of: dict[str, str] = field(default_factory=dict)  # FileFacts.path -> app

    def in_cycle(self) -> set[str]:
        return {a for c in self.cycles for a in c.group}

    def module_level(self, source: str, target: str) -> list[ImportEdge]:
        return [e for e in self.edges.get((source, target), ()) if not e.lazy]


def _installed(index) -> set[str]:
    found: set[str] = set()
    for f in index.files.values():
        if not f.is_settings:
            continue
        value = f.settings.get("INSTALLED_APPS")
        if isinstance(value, (list, tuple)):
            for name in value:
                if isinstance(name, str) and name:
                    if ".apps." in name:  # "orders.apps.OrdersConfig"
                        name = name.split(".apps.")[0]
                    found.add(name)
    return found


def _wiring(index) -> set[str]:
    """The root URLconfs (``ROOT_URLCONF``, else `urls` beside the settings): they
    import every app's URLs by design."""
    found = set()
    for f in index.files.values():
        if not f.is_settings:
            continue
        named = f.settings.get("ROOT_URLCONF")
        if isinstance(named, str):
            found.add(named)
        parts = (f.import_module or f.module).split(".")
        for i in (len(parts) - 1, len(parts) - 2):  # settings.py, or settings/base.py
            if i > 0:
                found.add(".".join([*parts[:i], "urls"]))
    return found


# modules that put the apps together (the servers' entry points): not part of any app
_ENTRY_POINTS = frozenset({"wsgi", "asgi", "manage"})


ORM_ROOTS = ("django", "sqlalchemy", "sqlmodel", "flask_sqlalchemy")


def _imports(f, roots: tuple[str, ...]) -> bool:
    return any(s.base == r or s.base.startswith(r + ".") for s in f.import_sites for r in roots)


def _counted(f, wiring: set[str]) -> bool:
    if f.is_test or f.is_migration or f.is_settings:
        return False
    name = f.import_module or f.module
    return (
        name not in wiring
        and f.module not in wiring
        and not _ENTRY_POINTS.intersection(name.split("."))
    )


def app_graph(index) -> AppGraph:
    wiring = _wiring(index)
    files = [f for f in index.files.values() if _counted(f, wiring)]
    names = {f.path: (f.import_module or f.module) for f in files}
    with_models: set[str] = set()
    sure: set[str] = set()  # an apps.py, or named by INSTALLED_APPS
    for f in files:
        name = names[f.path]
        parts = name.split(".")
        if "models" in parts[1:] and _imports(f, ORM_ROOTS):
            # models.py or a models/ package that declares models (an ORM is imported)
            with_models.add(".".join(parts[: parts.index("models", 1)]))
        elif parts[-1] == "apps" and len(parts) > 1 and _imports(f, ("django.apps",)):
            sure.add(".".join(parts[:-1]))  # an AppConfig (not saleor's dataloaders/apps.py)
    known = set(names.values())
    for name in _installed(index):
        if name in known or any(n.startswith(name + ".") for n in known):
            sure.add(name)
    # a `models` module inside an app's package (a serializers package's models.py)
    # makes no app of its own: only apps.py or INSTALLED_APPS do. A top-level package
    # whose sub-packages declare models of their own (dispatch's `dispatch`, with
    # `dispatch/models.py` for shared mixins) holds apps: they are the apps
    packages = set(sure)
    for name in sorted(with_models, key=lambda n: (n.count("."), n)):
        parts = name.split(".")
        if any(".".join(parts[:i]) in packages for i in range(1, len(parts))):
            continue
        nested = sum(1 for other in with_models if other.startswith(name + "."))
        if nested < 2 or name in sure or "." in name:
            packages.add(name)
    holders = {p.rsplit(".", 1)[0] for p in packages if "." in p}
    # a package that holds apps is no app itself (saleor's `saleor`), unless it is one
    holders = {h for h in holders if h not in packages}
    holder_parts = {h: h.split(".") for h in holders}

    def app_of(name: str) -> str | None:
        if name in holders:
            return None
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            if ".".join(parts[:i]) in packages:
                return ".".join(parts[:i])
        for i in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:i])
            if head in holder_parts:
                # the sub-package under it; its own modules (saleor/__init__.py,
                # celeryconf.py) put the apps together: no app's
                return ".".join(parts[: i + 1]) if len(parts) > i + 1 else None
        return parts[0]

    graph = AppGraph()
    app_by_path: dict[str, str] = {}
    for f in sorted(files, key=lambda f: f.path):
        if not names[f.path]:
            continue
        app = app_of(names[f.path])
        if app is None:
            continue
        app_by_path[f.path] = app
        graph.apps[app] = graph.apps.get(app, 0) + 1

    resolved: dict[str, str | None] = {}

    def target_file(dotted: str):
        if dotted in resolved:
            return resolved[dotted]
        found = None
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            f = index.module(".".join(parts[:i]))
            if f is not None:
                found = f.path
                break
        resolved[dotted] = found
        return found

    for f in files:
        source = app_by_path.get(f.path)
        if source is None:
            continue
        for site in f.import_sites:
            if site.how == "typing":
                continue
            targets = [f"{site.base}.{n}" for n in site.names] or [site.base]
            seen: set[str] = set()
            for dotted in targets:
                path = target_file(dotted)
                target = app_by_path.get(path) if path else None
                if target is None or target == source or target in seen:
                    continue
                seen.add(target)
                graph.edges.setdefault((source, target), []).append(
                    ImportEdge(source, target, f.path, site.start, site.end, site.how == "lazy")
                )
    graph.app_of = app_by_path
    for found in graph.edges.values():
        found.sort(key=lambda e: (e.lazy, e.path, e.start))
    graph.cycles = _cycles(graph)
    return graph


def _groups(nodes: list[str], succ: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on.add(node)
            nexts = succ.get(node, [])
            if i < len(nexts):
                work.append((node, i + 1))
                nxt = nexts[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    top = stack.pop()
                    on.discard(top)
                    group.append(top)
                    if top == node:
                        break
                if len(group) > 1:
                    out.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def _cycles(graph: AppGraph) -> list[Cycle]:
    """One cycle per strongly connected group of apps (module-level imports): the
    shortest one through the group's first app (sorted), so each group is reported
    once and the same way every time."""
    succ: dict[str, list[str]] = {}
    for (a, b), found in sorted(graph.edges.items()):
        if any(not e.lazy for e in found):
            succ.setdefault(a, []).append(b)
    out = []
    for group in _groups(sorted(graph.apps), succ):
        members = set(group)
        start = group[0]
        # breadth first from the first app back to it, inside the group
        back: dict[str, str] = {}
        queue = deque([start])
        end = None
        while queue and end is None:
            node = queue.popleft()
            for nxt in succ.get(node, []):
                if nxt not in members:
                    continue
                if nxt == start:
                    end = node
                    break
                if nxt not in back:
                    back[nxt] = node
                    queue.append(nxt)
        if end is None:
            continue
        path = [end]
        while path[-1] != start:
            path.append(back[path[-1]])
        apps = (*reversed(path), start)
        edges = tuple(graph.module_level(a, b)[0] for a, b in zip(apps, apps[1:], strict=False))
        out.append(Cycle(apps, edges, tuple(group)))
    out.sort(key=lambda c: c.apps)
    return out
