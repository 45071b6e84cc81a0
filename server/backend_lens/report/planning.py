"""The report's Implementation Planning: Testing Strategy, Deployment
Considerations and Monitoring & Maintenance, written from what the project
holds (test files and their configuration, CI workflows, Dockerfiles, compose
files, Procfiles, server settings, Kubernetes manifests, logging and
monitoring set-up, dependency pins), each with where it was found.

Non-Python files (``Project.other_files``) are read here, at report time, as
text: at most ``READ_LIMIT`` bytes, never through a symlink that leaves the
project, binary files skipped, YAML read line by line (no YAML library: the
package does not depend on one). Nothing of the project is run."""

from __future__ import annotations

import os
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field

from ..engine import manifests
from ..engine.project import fixture_owner
from ..source import parsing
from .evidence import Evidence, show
from .mdtext import code as md_code

READ_LIMIT = 256_000
MAX_FILES = 400  # non-Python files read for one report, at most
MAX_SOURCES = 4000  # Python test files read (query-count assertions), at most


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _at(rel: str, line: int | None = None) -> str:
    return md_code(f"{rel}:{line}" if line else rel)


def _list(parts: list[str], limit: int = 6) -> str:
    shown = ", ".join(parts[:limit])
    return shown + (f" and {len(parts) - limit} more" if len(parts) > limit else "")


def _cmd(text: str, limit: int = 90) -> str:
    """A command or value from the project, on one line, shortened, as code."""
    one = " ".join(text.split())
    return md_code(one if len(one) <= limit else one[: limit - 3] + "...")


class Reader:
    """The project's small text files, read once per report."""

    def __init__(self, ev: Evidence):
        self.project = ev.project
        self._texts: dict[str, str | None] = {}
        self._read = 0

    def text(self, rel: str) -> str | None:
        if rel in self._texts:
            return self._texts[rel]
        found = None
        if self._read < MAX_FILES:
            self._read += 1
            found = self._load(rel)
        self._texts[rel] = found
        return found

    def _load(self, rel: str) -> str | None:
        root = self.project.root
        path = os.path.join(root, rel)
        try:
            real = os.path.realpath(path, strict=True)
        except OSError:
            return None
        if not self.project.inside(real):
            return None  # a link out of the project
        try:
            data = parsing.read_bytes(real, READ_LIMIT, follow=False)
        except parsing.SkipFile:
            return None
        if len(data) > READ_LIMIT or b"\0" in data[:8192]:
            return None
        return data.decode("utf-8", errors="replace")

    def lines(self, rel: str) -> list[str]:
        text = self.text(rel)
        return text.splitlines() if text else []

    def source(self, facts) -> str:
        """A Python file's text (an open document's as edited)."""
        return self.project.source_for(facts.path) or ""


# ---------------------------------------------------------------- shared facts


_DOCKERFILE = re.compile(r"^(Dockerfile(\.[\w.-]+)?|Containerfile|[\w.-]+\.[Dd]ockerfile)$")
_COMPOSE = re.compile(r"^(docker-)?compose(\.[\w.-]+)?\.ya?ml$")
_PROCFILE = re.compile(r"^Procfile(\.[\w.-]+)?$")
_CI_FILES = (
    ".gitlab-ci.yml",
    "Jenkinsfile",
    ".travis.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
)
_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock")
_UPDATE_BOTS = (
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    ".github/renovate.json",
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
)


def _name(rel: str) -> str:
    return rel.rsplit("/", 1)[-1]


@dataclass
class Deploy:
    """What the deployment files say, gathered once for the three sections."""

    dockerfiles: list[str] = field(default_factory=list)
    compose: list[str] = field(default_factory=list)
    procfiles: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    k8s: list[str] = field(default_factory=list)
    ci: list[str] = field(default_factory=list)
    # (rel, line, what): Docker HEALTHCHECK, compose healthcheck, k8s probes
    checks: list[tuple[str, int, str]] = field(default_factory=list)


def _deploy_files(ev: Evidence) -> Deploy:
    d = Deploy()
    for rel in ev.project.other_files:
        name = _name(rel)
        if _DOCKERFILE.match(name):
            d.dockerfiles.append(rel)
        elif _COMPOSE.match(name):
            d.compose.append(rel)
        elif _PROCFILE.match(name):
            d.procfiles.append(rel)
        elif rel.startswith((".github/workflows/", ".circleci/")) or name in _CI_FILES:
            d.ci.append(rel)
        elif name.endswith(".sh") or ("." not in name and "entrypoint" in name.lower()):
            d.scripts.append(rel)
        elif name.endswith((".yaml", ".yml")) and fixture_owner(rel) is None:
            d.k8s.append(rel)
    return d


def _logical_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(first line number, text) of a Dockerfile's instructions, continuations joined."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for no, raw in enumerate(lines, 1):
        s = raw.strip()
        if not buf and (not s or s.startswith("#")):
            continue
        if not buf:
            start = no
        if s.startswith("#"):
            continue
        if s.endswith("\\"):
            buf.append(s[:-1].strip())
            continue
        buf.append(s)
        out.append((start, " ".join(b for b in buf if b)))
        buf = []
    if buf:
        out.append((start, " ".join(buf)))
    return out


def _exec_form(args: str) -> str:
    """CMD ["a", "b"] -> a b (the shell form as is)."""
    s = args.strip()
    if s.startswith("[") and s.endswith("]"):
        return " ".join(x.strip().strip("\"'") for x in s[1:-1].split(",") if x.strip())
    return s


@dataclass
class Dockerfile:
    rel: str
    stages: list[tuple[int, str]] = field(default_factory=list)  # (line, image)
    user: tuple[int, str] | None = None  # the final stage's last USER
    commands: list[tuple[int, str]] = field(default_factory=list)  # CMD/ENTRYPOINT/RUN
    healthcheck: int = 0


def _dockerfile(rel: str, lines: list[str]) -> Dockerfile:
    d = Dockerfile(rel)
    for no, text in _logical_lines(lines):
        word, _, rest = text.partition(" ")
        word = word.upper()
        if word == "FROM":
            image = [p for p in rest.split() if not p.startswith("--")]
            d.stages.append((no, image[0] if image else rest))
            d.user = None
            d.healthcheck = 0  # the final stage's counts
        elif word == "USER":
            d.user = (no, rest.strip())
        elif word in ("CMD", "ENTRYPOINT", "RUN"):
            d.commands.append((no, _exec_form(rest)))
        elif word == "HEALTHCHECK" and not rest.strip().upper().startswith("NONE"):
            d.healthcheck = no
    return d


@dataclass
class Service:
    name: str
    line: int
    image: str = ""
    build: bool = False
    command: tuple[int, str] | None = None
    healthcheck: int = 0


def _yaml_value(s: str) -> str:
    v = s.split(" #", 1)[0].strip()
    return v.strip("\"'")


def _block(lines: list[str], no: int, depth: int) -> list[str]:
    """The items or text lines under the key at line ``no`` (1-based) indented
    ``depth``, comments left out."""
    out = []
    for raw in lines[no : no + 40]:
        s = raw.strip()
        if not s:
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if indent < depth or (indent == depth and not s.startswith("- ")):
            break
        if s.startswith("#"):
            continue
        out.append(s[2:].strip().strip("\"'") if s.startswith("- ") else s)
    return out


def _compose_services(lines: list[str]) -> list[Service]:
    """The services of a compose file, read by indentation (no YAML library)."""
    services: list[Service] = []
    inside = False
    indent = None
    cur: Service | None = None
    for no, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        depth = len(raw) - len(raw.lstrip(" "))
        s = raw.strip()
        if depth == 0:
            inside = s.startswith("services:")
            cur = None
            continue
        if not inside:
            continue
        if indent is None:
            indent = depth
        if depth == indent and s.endswith(":") and not s.startswith("-"):
            cur = Service(s[:-1].strip("\"'"), no)
            services.append(cur)
            continue
        if cur is None or depth <= indent:
            continue
        key, sep, value = s.partition(":")
        if not sep:
            continue
        key = key.strip()
        if key == "image":
            cur.image = _yaml_value(value)
        elif key == "build":
            cur.build = True
        elif key in ("command", "entrypoint") and cur.command is None:
            v = value.strip()
            if v in ("", ">", "|", ">-", "|-"):
                v = " ".join(_block(lines, no, depth))
            cur.command = (no, _exec_form(v.strip("\"'")))
        elif key == "healthcheck":
            cur.healthcheck = no
    return services


# an application server at a command's position (not in an echo or a comment)
_SERVERS = re.compile(
    r"(?:^|[;&|]\s*|\bexec\s+|\brun\s+|-m\s+)(?:[\w./-]*/)?"
    r"(gunicorn|uvicorn|hypercorn|daphne|uwsgi|granian|fastapi\s+run|fastapi\s+dev)(?![\w-])"
)
_FLAG = re.compile(
    r"(?:^|\s)(--workers|-w|--timeout|-t|--threads|--worker-class|-k|--max-requests"
    r"|--processes|--harakiri|--reload)(?![\w-])(?:(?<=--reload)|[ =]?([^\s\"',\]-][^\s\"',\]]*))"
)
_MIGRATE = re.compile(
    r"(manage\.py\s+migrate|django-admin\s+migrate|alembic\s+upgrade|\bdb\s+upgrade"
    r"|\bmigrate\s+--no-?input)"
)


def _commands(ev: Evidence, rd: Reader, d: Deploy) -> list[tuple[str, int, str]]:
    """Every command line of the deployment files: (rel, line, command)."""
    out: list[tuple[str, int, str]] = []
    for rel in d.dockerfiles:
        for no, cmd in _dockerfile(rel, rd.lines(rel)).commands:
            out.append((rel, no, cmd))
    for rel in d.compose:
        for svc in _compose_services(rd.lines(rel)):
            if svc.command:
                out.append((rel, svc.command[0], svc.command[1]))
    for rel in d.procfiles:
        for no, line in enumerate(rd.lines(rel), 1):
            if ":" in line and not line.lstrip().startswith("#"):
                out.append((rel, no, line.split(":", 1)[1].strip()))
    for rel in [*d.scripts, *d.k8s, *[r for r in ev.project.other_files if _name(r) == "Makefile"]]:
        for no, line in enumerate(rd.lines(rel), 1):
            s = line.strip()
            if s and not s.startswith("#"):
                out.append((rel, no, s))
    return out


# ---------------------------------------------------------------- Testing Strategy


_TEST_BASES = {
    "django": ("django.test.", "rest_framework.test.", "django.contrib.staticfiles.testing."),
    "unittest": ("unittest.", "unittest.mock."),
}
# a call (not a fixture parameter or an import) or a listener on the statement event
_QUERY_COUNT = re.compile(
    r"\b(django_assert_num_queries|django_assert_max_num_queries|assertNumQueries"
    r"|assertMaxNumQueries|CaptureQueriesContext)\s*\(|[\"']before_cursor_execute[\"']"
    r"|@pytest\.mark\.count_queries\b"
)
_ON_COMMIT = re.compile(r"\b(captureOnCommitCallbacks|django_capture_on_commit_callbacks)\b")
_TEST_COMMAND = re.compile(
    r"(\bpytest\b|manage\.py\s+test\b|\btox\b|\bnox\b|\bunittest\b|coverage\s+run"
    r"|\bmake\s+[\w-]*test|\b[\w./-]*test[\w.-]*\.sh\b|\bdjango-admin\s+test\b"
    r"|--cov[=\s]|--junitxml)"
)


@dataclass
class TestFile:
    rel: str
    facts: object
    functions: int  # test functions and test methods
    django_classes: int
    unittest_classes: int


def _test_files(ev: Evidence) -> list[TestFile]:
    out = []
    project = ev.project
    for path in sorted(project.results):
        f = project.results[path].facts
        if not f.is_test or _name(path) == "conftest.py":
            continue
        n = sum(1 for fn in f.functions if fn.name.startswith("test"))
        dj = ut = 0
        for c in f.classes:
            methods = sum(1 for m in c.methods if m.startswith("test"))
            n += methods
            if any(b.startswith(_TEST_BASES["django"]) for b in c.bases):
                dj += 1
            elif any(b.startswith(_TEST_BASES["unittest"]) for b in c.bases):
                ut += 1
        if n:
            out.append(TestFile(project.rel(path), f, n, dj, ut))
    return out


def _ini_sections(lines: list[str]) -> dict[str, tuple[int, list[tuple[int, str]]]]:
    """[section] -> (its line, [(line, text)]) of an INI or TOML file."""
    out: dict[str, tuple[int, list[tuple[int, str]]]] = {}
    cur = None
    for no, raw in enumerate(lines, 1):
        s = raw.strip()
        if s.startswith("[") and s.endswith("]") and not s.startswith("[["):
            cur = s[1:-1].strip()
            out.setdefault(cur, (no, []))
        elif cur is not None and s and not s.startswith(("#", ";")):
            out[cur][1].append((no, s))
    return out


_PYTEST_SECTIONS = {
    "pytest.ini": ("pytest",),
    "pytest.toml": ("pytest",),
    ".pytest.toml": ("pytest",),
    "tox.ini": ("pytest",),
    "setup.cfg": ("tool:pytest",),
    "pyproject.toml": ("tool.pytest.ini_options", "tool.pytest"),
}


def _runner(
    ev: Evidence, rd: Reader, tests: list[TestFile], ci_runs
) -> tuple[list[str], tuple | None]:
    """The runner lines, and the pytest option that turns coverage on (rel, line, text)."""
    out = []
    config = None
    django_settings = None
    cov_opts = None
    for rel in ev.project.other_files:
        names = _PYTEST_SECTIONS.get(_name(rel))
        if not names:
            continue
        found = next((x for n in names if (x := _ini_sections(rd.lines(rel)).get(n))), None)
        if found is None:
            continue
        config = config or (rel, found[0])
        for no, s in found[1]:
            found = re.search(r"(?:DJANGO_SETTINGS_MODULE\s*=\s*|--ds[= ])[\"']?([\w.]+)", s)
            if found:
                django_settings = django_settings or (rel, no, found.group(1))
            if "--cov" in s:
                cov_opts = cov_opts or (rel, no, s)
    uses_django_db = any("pytest_django" in t.facts.imported_modules for t in tests)
    if config:
        text = f"Test runner: pytest, configured in {_at(*config)}"
        if django_settings:
            text += (
                f"; pytest-django with the settings {md_code(django_settings[2])} "
                f"({_at(django_settings[0], django_settings[1])})"
            )
        elif uses_django_db:
            text += "; pytest-django (imported by the tests)"
        out.append(text + ".")
    else:
        runners = sorted({_runner_name(m.group(1)) for _, _, m in ci_runs})
        if ci_runs:
            rel, no, m = ci_runs[0]
            out.append(
                f"Test runner: no pytest configuration was found (pytest.ini, pytest.toml, `[tool.pytest]` in pyproject.toml, "
                f"setup.cfg `[tool:pytest]`, tox.ini `[pytest]`); CI runs the tests with "
                f"{', '.join(runners)} ({_at(rel, no)})."
            )
        elif tests:
            out.append(
                "Test runner: no pytest configuration (pytest.ini, pytest.toml, `[tool.pytest]` in pyproject.toml, "
                "setup.cfg `[tool:pytest]`, tox.ini `[pytest]`) and no CI step running tests were found."
            )
    if tests:
        pytest_style = sum(1 for t in tests if "pytest" in t.facts.imported_modules)
        dj = sum(t.django_classes for t in tests)
        ut = sum(t.unittest_classes for t in tests)
        styles = []
        if dj:
            styles.append(
                f"{_plural(dj, 'Django/DRF test class', 'Django/DRF test classes')} (`django.test`, `rest_framework.test`)"
            )
        if ut:
            styles.append(
                f"{_plural(ut, '`unittest.TestCase` class', '`unittest.TestCase` classes')}"
            )
        if pytest_style:
            styles.append(f"{_plural(pytest_style, 'file')} importing `pytest`")
        if styles:
            out.append("The tests are written as: " + "; ".join(styles) + ".")
    return out, cov_opts


def _runner_name(found: str) -> str:
    word = found.split()[0]
    if word == "manage.py" or word == "django-admin":
        return "Django's test runner (`manage.py test`)"
    if word == "coverage":
        return "`coverage run`"
    if word.startswith("--"):
        return "pytest options (`--cov`, `--junitxml`)"
    return md_code(word)


def _app_matcher(apps: list[str]):
    ordered = sorted(apps, key=len, reverse=True)

    def app_of(module: str) -> str | None:
        for a in ordered:
            if module == a or module.startswith(a + "."):
                return a
        return None

    return app_of


_LITERAL_PATH = re.compile(r"""[rfbu]*["'](/[^"'\s]*)["']""")


def _route_index(ev: Evidence, app_by_rel: dict[str, str]):
    """first route segment -> [(route pattern, app)] of the endpoints."""
    index: dict[str, list] = {}
    for e in ev.inv.endpoints:
        app = app_by_rel.get(e.path)
        parts = [p for p in e.route.split("/") if p]
        if not app or not parts or parts[0].startswith("{"):
            continue
        rx = "/".join(
            "[^/]+" if p.startswith("{") else re.escape(p) for p in e.route.strip("/").split("/")
        )
        index.setdefault(parts[0], []).append((re.compile(f"/?{rx}/?$"), app))
    return index


def _routes_called(text: str, index) -> set[str]:
    """The apps whose endpoints a test file's string literals name ("/api/orders/")."""
    found = set()
    for m in _LITERAL_PATH.finditer(text):
        path = m.group(1).split("?", 1)[0]
        first = next((p for p in path.split("/") if p), "")
        for rx, app in index.get(first, ()):
            if app not in found and rx.match(path):
                found.add(app)
    return found


def _named(rel: str, last: dict[str, list[str]]) -> set[str]:
    """The apps a test file's folders or name name: tests/test_orders.py, tests/orders/."""
    parts = rel.split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    stem = stem.removeprefix("test_").removesuffix("_test").removesuffix("_tests")
    found = set()
    for word in [*parts[:-1], stem]:
        found.update(last.get(word, ()))
    return found


class Apps:
    """The project's apps (inventory/apps.py) and which apps a test file tests:
    the app it is in; for a test file outside the apps, the apps it imports,
    names (tests/test_orders.py, tests/orders/) or requests a route of."""

    def __init__(self, ev: Evidence, rd: Reader):
        project = ev.project
        self.rd = rd
        self.graph = graph = project.index.apps()
        self.by_rel = {project.rel(p): a for p, a in graph.app_of.items()}
        self.app_of = _app_matcher(list(graph.apps))
        self.last: dict[str, list[str]] = {}
        for a in graph.apps:
            self.last.setdefault(a.rsplit(".", 1)[-1], []).append(a)
        self.routes = _route_index(ev, self.by_rel)

    def inside(self, facts) -> str | None:
        return self.app_of(facts.import_module or facts.module)

    def tested(self, rel: str, facts) -> set[str]:
        own = self.inside(facts)
        if own:
            return {own}
        found = {a for m in facts.imported_modules if (a := self.app_of(m))}
        found |= _named(rel, self.last)
        found |= _routes_called(self.rd.source(facts), self.routes)
        return found


def _per_app(ev: Evidence, apps: Apps, tests: list[TestFile]) -> list[str]:
    graph = apps.graph
    if not graph.apps:
        return []
    app_by_rel = apps.by_rel
    endpoints = Counter(app_by_rel.get(e.path) for e in ev.inv.endpoints)
    models = Counter(app_by_rel.get(m.path) for m in ev.inv.models)
    with_eps = [a for a in graph.apps if endpoints.get(a)]
    if not with_eps:
        return []
    files: Counter = Counter()
    functions: Counter = Counter()
    outside = 0
    for t in tests[:MAX_SOURCES]:
        if not apps.inside(t.facts):
            outside += 1
        for a in apps.tested(t.rel, t.facts):
            files[a] += 1
            functions[a] += t.functions
    # least tested per endpoint first
    with_eps.sort(key=lambda a: (functions[a] / endpoints[a], -endpoints[a], a))
    rows = [
        f"{md_code(a)} {endpoints[a]} / {models.get(a, 0)} / {files[a]} / {functions[a]}"
        for a in with_eps
    ]
    how = "test files in the app's folder"
    if outside:
        how += (
            f"; the {_plural(outside, 'test file')} outside the apps count for each app they "
            "import, name (`tests/test_orders.py`, `tests/orders/`) or request a route of"
        )
    out = [
        "Endpoints / models / test files / test functions per app, fewest test functions per "
        f"endpoint first ({how}): " + _list(rows, 10) + "."
    ]
    bare = [a for a in with_eps if not files[a]]
    if bare:
        out.append(
            "No test file is in, imports, names or requests a route of "
            + _list([f"{md_code(a)} ({_plural(endpoints[a], 'endpoint')})" for a in bare], 6)
            + ": tests of these endpoints come first."
        )
    return out


def _fixtures(ev: Evidence, rd: Reader, tests: list[TestFile]) -> list[str]:
    project = ev.project
    factories: list[tuple[str, int]] = []
    baker: list[str] = []
    fixtures = 0
    conftests: list[str] = []
    first_fixture = None
    for path in sorted(project.results):
        f = project.results[path].facts
        rel = project.rel(path)
        for c in f.classes:
            if any(
                b.startswith(("factory.", "factory_boy.")) and b.endswith("Factory")
                for b in c.bases
            ):
                factories.append((rel, c.start[0]))
        if any(m.split(".")[0] in ("model_bakery", "model_mommy") for m in f.imported_modules):
            baker.append(rel)
        if f.is_test:
            found = [
                fn
                for fn in f.functions
                if any(d in ("pytest.fixture", "pytest.yield_fixture") for d in fn.decorators)
            ]
            fixtures += len(found)
            if found and _name(rel) == "conftest.py":
                conftests.append(rel)
            if found and first_fixture is None:
                first_fixture = (rel, found[0].start[0])
    data = [r for r in project.other_files if fixture_owner(r) is not None]
    parts = []
    if factories:
        parts.append(
            f"factory_boy: {_plural(len(factories), 'factory', 'factories')} "
            f"(first at {_at(*factories[0])})"
        )
    if baker:
        parts.append(f"model_bakery in {_plural(len(baker), 'file')} (first {_at(baker[0])})")
    if fixtures:
        where = (
            f" (in {_plural(len(conftests), 'conftest.py file')}, first {_at(conftests[0])})"
            if conftests
            else f" (no conftest.py; first at {_at(*first_fixture)})"
        )
        parts.append(f"{_plural(fixtures, 'pytest fixture')}{where}")
    if data:
        parts.append(f"{_plural(len(data), 'Django fixture file')} (first {_at(data[0])})")
    if parts:
        return ["Test data: " + "; ".join(parts) + "."]
    if tests:
        return [
            "Test data: no factories or fixtures were found (factory_boy, model_bakery, "
            "pytest fixtures, `fixtures/` data files)."
        ]
    return []


def _scan_tests(ev: Evidence, rd: Reader, tests: list[TestFile]):
    """(query-count assertion places, on-commit capture places), from the test files'
    text (and conftest.py files')."""
    counts: list[tuple[str, int]] = []
    commits: list[tuple[str, int]] = []
    project = ev.project
    files = [
        project.results[p].facts
        for p in sorted(project.results)
        if project.results[p].facts.is_test
    ][:MAX_SOURCES]
    for f in files:
        text = rd.source(f)
        if not text or (
            "queries" not in text.lower()
            and "before_cursor_execute" not in text
            and "on_commit" not in text.lower()
            and "OnCommit" not in text
        ):
            continue
        rel = project.rel(f.path)
        for no, line in enumerate(text.splitlines(), 1):
            if _QUERY_COUNT.search(line) and not line.lstrip().startswith(
                ("#", "def ", "from ", "import ")
            ):
                counts.append((rel, no))
            if _ON_COMMIT.search(line) and not line.lstrip().startswith("#"):
                commits.append((rel, no))
    return counts, commits


def _coverage(ev: Evidence, rd: Reader, cov_opts, ci_runs) -> list[str]:
    where = None
    floor = None
    for rel in ev.project.other_files:
        name = _name(rel)
        sections = None
        if name == ".coveragerc":
            sections = {
                k: v
                for k, v in _ini_sections(rd.lines(rel)).items()
                if k in ("run", "report", "paths", "html", "xml")
            }
        elif name in ("setup.cfg", "tox.ini"):
            sections = {
                k: v for k, v in _ini_sections(rd.lines(rel)).items() if k.startswith("coverage:")
            }
        elif name == "pyproject.toml":
            sections = {
                k: v
                for k, v in _ini_sections(rd.lines(rel)).items()
                if k.startswith("tool.coverage")
            }
        if not sections:
            continue
        first = min(v[0] for v in sections.values())
        where = where or (rel, first)
        for _, body in sections.values():
            for no, s in body:
                key, _, value = s.partition("=")
                if key.strip() == "fail_under" and floor is None:
                    floor = (rel, no, value.strip())
    if cov_opts:
        m = re.search(r"--cov-fail-under[= ](\d+)", cov_opts[2])
        if m and floor is None:
            floor = (cov_opts[0], cov_opts[1], m.group(1))
    if where is None and cov_opts is None:
        runs = [r for r in ci_runs if "cov" in r[2].group(0) or "--cov" in r[3]]
        if runs:
            rel, no, _, line = runs[0]
            return [f"Coverage: measured in CI ({_at(rel, no)}); no coverage configuration file."]
        return [
            "Coverage: no configuration was found (.coveragerc, `[tool.coverage]` in pyproject.toml, "
            "`[coverage:*]` in setup.cfg/tox.ini, pytest `--cov`)."
        ]
    text = "Coverage: configured in " + (
        _at(*where) if where else f"pytest options ({_at(cov_opts[0], cov_opts[1])})"
    )
    if floor:
        text += f"; the build fails under {md_code(floor[2])}% ({_at(floor[0], floor[1])})."
    else:
        text += "; no minimum (`fail_under`) is set, so a drop in coverage does not fail a build."
    return [text]


def _ci_runs(rd: Reader, d: Deploy):
    """(rel, line, match, text) of CI lines that run tests."""
    out = []
    for rel in d.ci:
        for no, line in enumerate(rd.lines(rel), 1):
            s = line.strip()
            if s.startswith("#") or s.startswith(("name:", "- name:")):
                continue
            m = _TEST_COMMAND.search(s)
            if m and not re.search(r"\b(install|add|sync)\b", s):
                # a command continued on the next lines (`\`)
                lines = rd.lines(rel)
                at = no
                while s.endswith("\\") and at < len(lines) and at < no + 12:
                    s = s[:-1].rstrip() + " " + lines[at].strip()
                    at += 1
                out.append((rel, no, m, s))
    per_file = Counter(r for r, *_ in out)
    out.sort(key=lambda r: (-per_file[r[0]], r[0], r[1]))
    return out


def _n1_apps(ev: Evidence, apps: Apps, n1, counts, codes: str, where: str) -> str:
    """N+1 findings beside the query-count assertions, by app."""
    project = ev.project
    facts = {project.rel(p): r.facts for p, r in project.results.items()}
    counted = set()
    for rel in {r for r, _ in counts}:
        if rel in facts:
            counted |= apps.tested(rel, facts[rel])
    found = sorted({a for i in n1 if (a := apps.by_rel.get(i.location.rsplit(":", 1)[0]))})
    text = f"N+1 queries were found ({codes}: {where})"
    with_ = [a for a in found if a in counted]
    without = [a for a in found if a not in counted]
    if with_:
        text += f"; the tests of {_list([md_code(a) for a in with_], 4)} count queries"
    if without:
        text += (
            f"; no test of {_list([md_code(a) for a in without], 4)} counts queries: a "
            "query-count assertion on those code paths keeps them fixed"
        )
    elif not with_:
        text += ": add query-count assertions to the tests of those code paths"
    return text + "."


def testing(ev: Evidence, items, rd: Reader, d: Deploy) -> list[str]:
    tests = _test_files(ev)
    runs = _ci_runs(rd, d)
    out: list[str] = []
    if tests:
        n = sum(t.functions for t in tests)
        out.append(
            f"{_plural(len(tests), 'test file')} with {_plural(n, 'test function')} "
            "(functions and methods named `test*`)."
        )
    else:
        out.append(
            "No test was found (files under tests/, test_*.py, *_test.py, tests.py with `test*` functions)."
        )
    lines, cov_opts = _runner(ev, rd, tests, [(r, n, m) for r, n, m, _ in runs])
    out.extend(lines)
    apps = Apps(ev, rd)
    out.extend(_per_app(ev, apps, tests))
    out.extend(_fixtures(ev, rd, tests))
    counts, commits = _scan_tests(ev, rd, tests)
    n1 = [i for i in items if "n-plus-one" in i.tags or "n-plus-one" in i.name]
    if counts:
        files = sorted({r for r, _ in counts})
        out.append(
            f"Query-count assertions: {_plural(len(counts), 'use')} in {_plural(len(files), 'file')} "
            f"({_list([_at(r, n) for r, n in counts], 3)})."
        )
    if n1:
        where = _list([md_code(i.location) for i in n1], 3)
        codes = ", ".join(sorted({i.code for i in n1}))
        if not counts:
            how = []
            if ev.has("django"):
                how.append(
                    "pytest-django's `django_assert_num_queries` or Django's `assertNumQueries`"
                )
            if ev.has("sqlalchemy", "sqlmodel", "flask_sqlalchemy"):
                how.append("a SQLAlchemy `before_cursor_execute` listener in a fixture")
            out.append(
                f"N+1 queries were found ({codes}: {where}) and no test counts queries: "
                f"a query-count assertion ({' or '.join(how) or 'counting statements'}) on those code paths keeps them fixed."
            )
        else:
            out.append(_n1_apps(ev, apps, n1, counts, codes, where))
    elif tests and not counts and ev.inv.models:
        out.append(
            "No test counts queries (`django_assert_num_queries`, `assertNumQueries`, "
            "`CaptureQueriesContext`, a `before_cursor_execute` listener)."
        )
    after_commit = [i for i in items if i.code in ("TASK001",)]
    if commits:
        out.append(
            f"On-commit callbacks are captured in tests: {_list([_at(r, n) for r, n in commits], 3)}."
        )
    elif after_commit and ev.has("django"):
        out.append(
            f"Tasks are queued inside transactions ({_list([md_code(i.location) for i in after_commit], 3)}) "
            "and no test captures on-commit callbacks: Django's `captureOnCommitCallbacks` "
            "(pytest-django's `django_capture_on_commit_callbacks`) proves they are queued only after the commit."
        )
    out.extend(_coverage(ev, rd, cov_opts, runs))
    if d.ci:
        if runs:
            files = sorted({r for r, *_ in runs})
            rel, no, _, s = runs[0]
            s = re.sub(r"^-?\s*((run|script|command)\s*:\s*[|>]?-?\s*)?", "", s)
            out.append(
                f"CI: {_plural(len(d.ci), 'CI file')}; tests run in {_plural(len(files), 'of them', 'of them')} "
                f"({_list([md_code(f) for f in files], 4)}), e.g. {_cmd(s)} ({_at(rel, no)})."
            )
        else:
            out.append(
                f"CI: {_plural(len(d.ci), 'CI file')} ({_list([md_code(f) for f in d.ci], 4)}), "
                "none of which runs the tests (pytest, `manage.py test`, tox, nox, `coverage run`, a test script)."
            )
    else:
        out.append(
            "CI: no CI configuration was found (.github/workflows, .gitlab-ci.yml, .circleci, "
            "Jenkinsfile, .travis.yml, azure-pipelines.yml, bitbucket-pipelines.yml)."
        )
    return out


# ---------------------------------------------------------------- Deployment


_DB_IMAGES = re.compile(r"(postgres|postgis|mysql|mariadb|mongo|cockroach|timescale)", re.I)
_CACHE_IMAGES = re.compile(
    r"(redis|valkey|memcached|rabbitmq|kafka|nats|elasticsearch|opensearch)", re.I
)
_DEV_SERVER = re.compile(r"(manage\.py\s+runserver|--reload\b|flask\s+run\b|fastapi\s+dev\b)")


def _server_flags(cmd: str) -> str:
    m = _SERVERS.search(cmd)
    if not m:
        return ""
    flags = []
    for f in _FLAG.finditer(cmd[m.end() :]):
        flags.append(f.group(0).strip())
    return ", ".join(md_code(f) for f in flags)


def _dockerfile_lines(rd: Reader, d: Deploy) -> list[str]:
    out = []
    for rel in d.dockerfiles[:6]:
        lines = rd.lines(rel)
        if not lines:
            continue
        df = _dockerfile(rel, lines)
        if not df.stages:
            continue
        no, image = df.stages[-1]
        parts = [f"base image {md_code(image)} (line {no})"]
        if len(df.stages) > 1:
            parts.append(f"{len(df.stages)} stages (multi-stage build)")
        if df.user and df.user[1].split(":")[0] not in ("root", "0"):
            parts.append(f"runs as {md_code(df.user[1])} (USER at line {df.user[0]})")
        elif df.user:
            parts.append(
                f"runs as root (USER {md_code(df.user[1])} at line {df.user[0]}): a non-root USER limits what a compromised process can do"
            )
        else:
            parts.append(
                "no USER instruction in the final stage, so the container runs as root: a non-root USER limits what a compromised process can do"
            )
        started = [(n, c) for n, c in df.commands if _SERVERS.search(c)]
        for n, c in started[:1]:
            flags = _server_flags(c)
            parts.append(f"starts {_cmd(c)} (line {n})" + (f" with {flags}" if flags else ""))
        if df.healthcheck:
            parts.append(f"HEALTHCHECK at line {df.healthcheck}")
        out.append(f"{md_code(rel)}: " + "; ".join(parts) + ".")
    if len(d.dockerfiles) > 6:
        out.append(
            f"{len(d.dockerfiles) - 6} more Dockerfiles: {_list([md_code(r) for r in d.dockerfiles[6:]], 6)}."
        )
    return out


def _compose_lines(rd: Reader, d: Deploy) -> list[str]:
    out = []
    for rel in d.compose[:4]:
        services = _compose_services(rd.lines(rel))
        if not services:
            continue
        shown = []
        for s in services:
            what = []
            if s.image:
                what.append(md_code(s.image))
            elif s.build:
                what.append("built here")
            if s.command:
                what.append(_cmd(s.command[1], 60))
                flags = _server_flags(s.command[1])
                if flags:
                    what.append(flags)
                if _DEV_SERVER.search(s.command[1]):
                    what.append("a development server")
            if s.healthcheck:
                what.append(f"healthcheck at line {s.healthcheck}")
            shown.append(f"{md_code(s.name)} ({', '.join(what)})" if what else md_code(s.name))
        kinds = []
        if any(_DB_IMAGES.search(s.image) for s in services):
            kinds.append("a database")
        if any(_CACHE_IMAGES.search(s.image) for s in services):
            kinds.append("a cache/broker")
        if any(
            s.command and re.search(r"celery\b.*\bworker|\bworker\b", s.command[1])
            for s in services
        ):
            kinds.append("a worker")
        kind = f" ({', '.join(kinds)})" if kinds else ""
        out.append(
            f"{md_code(rel)}: {_plural(len(services), 'service')}{kind}: " + _list(shown, 8) + "."
        )
    if len(d.compose) > 4:
        out.append(
            f"{len(d.compose) - 4} more compose files: {_list([md_code(r) for r in d.compose[4:]])}."
        )
    return out


def _procfile_lines(rd: Reader, d: Deploy) -> list[str]:
    out = []
    for rel in d.procfiles:
        kinds = []
        for no, line in enumerate(rd.lines(rel), 1):
            if ":" in line and not line.lstrip().startswith("#"):
                name, cmd = line.split(":", 1)
                kinds.append(f"{md_code(name.strip())} {_cmd(cmd.strip(), 60)} (line {no})")
        if kinds:
            out.append(f"{md_code(rel)} process types: " + _list(kinds, 6) + ".")
    return out


_GUNICORN_KEYS = re.compile(
    r"^(workers|threads|timeout|worker_class|graceful_timeout|max_requests|keepalive|bind)\s*=\s*(.+)$"
)
_UWSGI_KEYS = re.compile(
    r"^(processes|workers|threads|harakiri|http-timeout|socket-timeout)\s*=\s*(.+)$"
)


def _server_lines(ev: Evidence, rd: Reader, commands) -> list[str]:
    out = []
    project = ev.project
    for path in sorted(project.results):
        rel = project.rel(path)
        name = _name(rel)
        if (
            not (name.startswith("gunicorn") and name.endswith(".py"))
            and name != "gunicorn_config.py"
        ):
            continue
        found = []
        for no, line in enumerate((rd.source(project.results[path].facts) or "").splitlines(), 1):
            m = _GUNICORN_KEYS.match(line.strip())
            if m and not line.startswith((" ", "\t")):
                found.append(f"{md_code(m.group(1) + ' = ' + m.group(2).strip())} (line {no})")
        text = f"gunicorn settings in {md_code(rel)}: " + (
            _list(found, 6) if found else "none of workers, threads, timeout, worker_class set"
        )
        out.append(text + ".")
    for rel in project.other_files:
        if _name(rel) != "uwsgi.ini":
            continue
        found = []
        for no, line in enumerate(rd.lines(rel), 1):
            m = _UWSGI_KEYS.match(line.strip())
            if m:
                found.append(f"{md_code(m.group(1) + ' = ' + m.group(2).strip())} (line {no})")
        if found:
            out.append(f"uWSGI settings in {md_code(rel)}: {_list(found, 6)}.")
    started = []
    seen = set()
    for rel, no, cmd in commands:
        m = _SERVERS.search(cmd)
        if not m or _DOCKERFILE.match(_name(rel)) or _COMPOSE.match(_name(rel)):
            continue  # the Dockerfiles' and compose files' are shown with them
        key = (rel, m.group(1))
        if key in seen:
            continue
        seen.add(key)
        flags = _server_flags(cmd)
        started.append(
            f"{md_code(m.group(1))} at {_at(rel, no)}" + (f" ({flags})" if flags else "")
        )
    if started:
        out.append("Application server started: " + _list(started, 6) + ".")
    return out


_K8S_KIND = re.compile(r"^kind:\s*(Deployment|StatefulSet|DaemonSet|Job|CronJob)\s*$")
_PROBE = re.compile(r"^\s*-?\s*(readinessProbe|livenessProbe|startupProbe):")


def _k8s_lines(rd: Reader, d: Deploy) -> tuple[list[str], list[tuple[str, int, str]]]:
    out = []
    probes_all = []
    workloads = 0
    for rel in d.k8s[:200]:
        lines = rd.lines(rel)
        kinds = [
            (no, m.group(1)) for no, ln in enumerate(lines, 1) if (m := _K8S_KIND.match(ln.strip()))
        ]
        if not kinds or not any("apiVersion:" in ln for ln in lines):
            continue
        probes = [(no, m.group(1)) for no, ln in enumerate(lines, 1) if (m := _PROBE.match(ln))]
        limits = any(ln.strip().startswith("limits:") for ln in lines)
        workloads += 1
        if workloads > 6:
            continue
        text = f"{md_code(rel)}: " + ", ".join(f"{k} (line {n})" for n, k in kinds[:3])
        if probes:
            text += "; " + ", ".join(f"{p} (line {n})" for n, p in probes[:3])
            probes_all.extend((rel, n, p) for n, p in probes)
        elif any(k in ("Deployment", "StatefulSet") for _, k in kinds):
            text += "; no readiness or liveness probe: traffic reaches a pod before it can serve"
        if not limits:
            text += "; no resource limits"
        out.append(text + ".")
    if workloads > 6:
        out.append(f"{workloads - 6} more Kubernetes manifests.")
    return out, probes_all


_HEALTH_CODE = re.compile(
    r"(health_?check|healthz|readyz|livez|liveness|readiness|heartbeat)", re.I
)
_HEALTH = re.compile(r"(health|healthz|readyz|livez|readiness|liveness|heartbeat|\bping\b)", re.I)


def health_endpoints(ev: Evidence) -> list:
    return [e for e in ev.inv.endpoints if _HEALTH.search(f"{e.route} {e.handler}")]


_PROD_KEYS = (
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
)


def _setting_line(text: str, key: str) -> int:
    pat = re.compile(rf"^\s*{key}\s*(:[^=]*)?=")
    for no, line in enumerate(text.splitlines(), 1):
        if pat.match(line):
            return no
    return 0


def _value(v) -> str:
    if isinstance(v, (list, tuple, dict)):
        text = repr(v)
        return text if len(text) <= 80 else text[:77] + "..."
    return show(v)


def _settings_lines(ev: Evidence, rd: Reader) -> list[str]:
    """The Django deployment settings of the production settings modules (the
    inventory's profiles), with their lines."""
    if not (ev.has("django") or ev.setting("INSTALLED_APPS") is not None):
        return []
    project = ev.project
    mods = [s for s in ev.inv.settings if s.profile == "production"]
    label = "production settings"
    if not mods:
        mods = [s for s in ev.inv.settings if s.profile == "unknown"]
        label = "settings"
    out = []
    by_rel = {project.rel(p): r.facts for p, r in project.results.items()}
    every = [by_rel[m.path] for m in ev.inv.settings if m.path in by_rel]
    cache: list[str] = []

    def texts() -> list[str]:
        if not cache:
            cache.extend(rd.source(f) for f in every)
        return cache

    for s in mods[:2]:
        f = by_rel.get(s.path)
        if f is None:
            continue
        text = rd.source(f)
        shown, missing = [], []
        for key in _PROD_KEYS:
            no = _setting_line(text, key)
            if key in f.settings:
                shown.append(
                    f"{md_code(key + ' = ' + _value(f.settings[key]))}"
                    + (f" (line {no})" if no else "")
                )
            elif no:  # assigned inside an if/try block: its value depends on the run
                code = text.splitlines()[no - 1].strip()
                shown.append(f"{_cmd(code, 80)} (line {no}, inside a block)")
            else:
                missing.append(key)
        if not shown:
            continue
        line = f"{label.capitalize()} {md_code(s.path)}: " + ", ".join(shown)
        unset = [k for k in missing if not any(_setting_line(t, k) for t in texts())]
        if unset:
            line += "; not assigned in any settings module: " + ", ".join(md_code(k) for k in unset)
        out.append(line + ".")
    return out


def deployment(ev: Evidence, items, rd: Reader, d: Deploy) -> list[str]:
    out: list[str] = []
    out.extend(_dockerfile_lines(rd, d))
    out.extend(_compose_lines(rd, d))
    out.extend(_procfile_lines(rd, d))
    commands = _commands(ev, rd, d)
    out.extend(_server_lines(ev, rd, commands))
    k8s, probes = _k8s_lines(rd, d)
    out.extend(k8s)
    d.checks.extend((r, n, p) for r, n, p in probes)
    for rel in d.dockerfiles:
        df = _dockerfile(rel, rd.lines(rel))
        if df.healthcheck:
            d.checks.append((rel, df.healthcheck, "HEALTHCHECK"))
    for rel in d.compose:
        for s in _compose_services(rd.lines(rel)):
            if s.healthcheck:
                d.checks.append((rel, s.healthcheck, f"healthcheck of {md_code(s.name)}"))
    if not (d.dockerfiles or d.compose or d.procfiles or k8s):
        out.append(
            "No Dockerfile, compose file, Procfile or Kubernetes manifest was found in the analysed folder."
        )
    eps = health_endpoints(ev)
    if eps and not d.checks and (d.dockerfiles or d.compose or k8s):
        e = eps[0]
        out.append(
            f"The health endpoint {md_code(e.route or e.handler)} ({_at(e.path, e.line)}) is not "
            "checked by the containers: no Docker HEALTHCHECK, compose healthcheck or Kubernetes "
            "probe was found to call it."
        )
    out.extend(_settings_lines(ev, rd))
    # migrations at deploy
    has_migrations = ev.migration_files > 0
    migrate = [(rel, no, cmd) for rel, no, cmd in commands if _MIGRATE.search(cmd)]
    in_ci = [(r, n, line) for r, n, _, line in _ci_lines(rd, d, _MIGRATE)]
    if migrate:
        rel, no, cmd = migrate[0]
        more = f" (and {_plural(len(migrate) - 1, 'other place')})" if len(migrate) > 1 else ""
        out.append(f"Migrations are applied by {_cmd(cmd)} at {_at(rel, no)}{more}.")
    elif has_migrations:
        ci = ""
        if in_ci:
            ci = f" (CI runs {_cmd(in_ci[0][2])} at {_at(in_ci[0][0], in_ci[0][1])}, a check, not a deploy)"
        out.append(
            f"{_plural(ev.migration_files, 'migration file')}; no Dockerfile, compose file, Procfile, "
            f"start script or manifest read runs them (`manage.py migrate`, `alembic upgrade`, `db upgrade`){ci}: "
            "the deploy process must apply them before the new code serves."
        )
    if any(i.code == "MIG001" for i in items):
        out.append(
            "Irreversible migrations exist: a failed deploy cannot be rolled back by `migrate`; add reverse operations before relying on rollbacks."
        )
    if any(i.code == "SEC001" for i in items):
        out.append(
            "Secrets are committed in settings: rotate them and inject them through the environment at deploy time."
        )
    return out


def _ci_lines(rd: Reader, d: Deploy, pattern):
    out = []
    for rel in d.ci:
        for no, line in enumerate(rd.lines(rel), 1):
            m = pattern.search(line)
            if m and not line.lstrip().startswith("#"):
                out.append((rel, no, m, line.strip()))
    return out


# ---------------------------------------------------------------- Monitoring


# module root -> (name, calls that set it up)
_MONITORS = {
    "sentry_sdk": ("Sentry", r"\b(sentry_sdk\.)?init\("),
    "opentelemetry": (
        "OpenTelemetry",
        r"(set_tracer_provider|set_meter_provider|Instrumentor\(\)|\.instrument(_app)?\()",
    ),
    "prometheus_client": (
        "Prometheus client",
        r"(start_http_server|make_wsgi_app|make_asgi_app|generate_latest)\(",
    ),
    "django_prometheus": ("django-prometheus", r"django_prometheus\.\w+\.\w+\("),
    "prometheus_fastapi_instrumentator": ("prometheus-fastapi-instrumentator", r"Instrumentator\("),
    "prometheus_flask_exporter": ("prometheus-flask-exporter", r"PrometheusMetrics\("),
    "starlette_exporter": ("starlette-exporter", r"PrometheusMiddleware"),
    "ddtrace": ("Datadog (ddtrace)", r"(patch_all|patch)\("),
    "datadog": ("Datadog", r"initialize\("),
    "statsd": ("StatsD", r"StatsClient\("),
    "newrelic": ("New Relic", r"initialize\("),
    "elasticapm": ("Elastic APM", r"(ElasticAPM|Client)\("),
    "rollbar": ("Rollbar", r"rollbar\.init\("),
    "bugsnag": ("Bugsnag", r"configure\("),
}
_LOG_SETUP = re.compile(
    r"\b(dictConfig|fileConfig|structlog\.configure|basicConfig)\(|getLogger\(\)\.addHandler\("
)
_JSON_LOG = ("structlog", "pythonjsonlogger", "json_log_formatter", "loguru")


def _first_match(text: str, pattern: str) -> int:
    rx = re.compile(pattern)
    for no, line in enumerate(text.splitlines(), 1):
        if rx.search(line) and not line.lstrip().startswith("#"):
            return no
    return 0


def _importers(ev: Evidence, roots) -> dict[str, list]:
    """root module -> [(rel, facts)] of the production files that import it."""
    found: dict[str, list] = {}
    project = ev.project
    for path in sorted(project.results):
        f = project.results[path].facts
        if f.is_test or f.is_migration:
            continue
        for m in f.imported_modules:
            r = m.split(".")[0]
            if r in roots and (not found.get(r) or found[r][-1][1] is not f):
                found.setdefault(r, []).append((project.rel(path), f))
    return found


def _logging_lines(ev: Evidence, rd: Reader, importers) -> list[str]:
    project = ev.project
    parts = []
    for path in sorted(project.results):
        f = project.results[path].facts
        if f.is_settings and "LOGGING" in f.settings and not f.is_test:
            rel = project.rel(path)
            no = _setting_line(rd.source(f), "LOGGING")
            parts.append(f"a `LOGGING` setting in {_at(rel, no)}")
            break
    setups = []
    for rel, f in [*importers.get("logging", []), *importers.get("structlog", [])]:
        text = rd.source(f)
        if not any(k in text for k in ("Config(", "configure(", "addHandler(")):
            continue
        no = _first_match(text, _LOG_SETUP.pattern)
        if no and _at(rel, no) not in setups:
            setups.append(_at(rel, no))
    if setups:
        parts.append(f"configured in code at {_list(setups, 3)}")
    structured = [importers[r][0] for r in _JSON_LOG if importers.get(r)]
    names = [r for r in _JSON_LOG if importers.get(r)]
    if structured:
        parts.append(
            "structured logging with "
            + ", ".join(
                f"{md_code(n)} ({_at(rel)})" for n, (rel, _) in zip(names, structured, strict=True)
            )
        )
    if not parts:
        return [
            "Logging: no `LOGGING` setting and no set-up in code (`dictConfig`, `fileConfig`, "
            "`basicConfig`, a handler on the root logger, `structlog.configure`) was found."
        ]
    text = "Logging: " + "; ".join(parts)
    if not structured:
        text += "; no structured (JSON) logging library (structlog, python-json-logger) is imported"
    return [text + "."]


def _monitor_lines(ev: Evidence, rd: Reader, importers) -> list[str]:
    found = []
    for root, (name, pattern) in _MONITORS.items():
        files = importers.get(root)
        if not files:
            continue
        where = None
        for rel, f in files:
            no = _first_match(rd.source(f), pattern)
            if no:
                where = _at(rel, no)
                break
        if where is None:
            where = f"imported in {_at(files[0][0])}"
        else:
            where = f"set up at {where}"
        extra = ""
        if root == "sentry_sdk":
            integrations = set()
            for _rel, f in files:
                integrations |= set(re.findall(r"\b(\w+)Integration\(", rd.source(f)))
            if integrations:
                extra = f" with {', '.join(md_code(i) for i in sorted(integrations))} integrations"
        found.append(f"{name} ({where}{extra})")
    installed = ev.setting("INSTALLED_APPS")
    if (
        isinstance(installed, (list, tuple))
        and any(isinstance(a, str) and a.startswith("django_prometheus") for a in installed)
        and not importers.get("django_prometheus")
    ):
        found.append("django-prometheus (in `INSTALLED_APPS`)")
    if found:
        out = ["Error tracking, metrics and tracing: " + "; ".join(found) + "."]
        if not any(
            r in importers
            for r in ("sentry_sdk", "rollbar", "bugsnag", "elasticapm", "newrelic", "ddtrace")
        ):
            out.append(
                "No error tracker (Sentry, Rollbar, Bugsnag, an APM agent) is imported: unhandled exceptions reach only the logs."
            )
        return out
    if ev.inv.endpoints or ev.inv.tasks:
        return [
            "Error tracking, metrics and tracing: none was found (imports of sentry_sdk, opentelemetry, "
            "prometheus_client, django_prometheus, ddtrace, newrelic, elasticapm, statsd, rollbar); "
            "exceptions of the endpoints and tasks reach only the logs."
        ]
    return []


def _health_code(ev: Evidence) -> list[tuple[str, int, str]]:
    """Module-level functions and classes named like a health check, outside tests."""
    project = ev.project
    found = []
    for path in sorted(project.results):
        f = project.results[path].facts
        if f.is_test or f.is_migration:
            continue
        for x in (*f.functions, *f.classes):
            if _HEALTH_CODE.search(x.name) and not x.name.startswith("_"):
                found.append((project.rel(path), x.start[0], x.name))
    return found


def _health_lines(ev: Evidence, d: Deploy) -> list[str]:
    eps = health_endpoints(ev)
    parts = []
    if eps:
        parts.append(
            "endpoints "
            + _list([f"{md_code(e.route or e.handler)} ({_at(e.path, e.line)})" for e in eps], 4)
        )
    installed = ev.setting("INSTALLED_APPS")
    if isinstance(installed, (list, tuple)) and any(
        isinstance(a, str) and a.startswith("health_check") for a in installed
    ):
        parts.append("django-health-check (in `INSTALLED_APPS`)")
    if d.checks:
        parts.append("container checks " + _list([f"{p} ({_at(r, n)})" for r, n, p in d.checks], 4))
    if not eps:
        # a check outside the routing (an ASGI/WSGI wrapper, a middleware)
        code = _health_code(ev)
        if code:
            parts.append(
                "health-check code outside the routes: "
                + _list([f"{md_code(n)} ({_at(r, line)})" for r, line, n in code], 3)
            )
    if parts:
        return ["Health checks: " + "; ".join(parts) + "."]
    if ev.inv.endpoints:
        return [
            "Health checks: no health endpoint (a route or view named health, healthz, readyz, "
            "ping...), Docker HEALTHCHECK, compose healthcheck or Kubernetes probe was found."
        ]
    return []


_REQ_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?")


def _requirements(text: str) -> tuple[int, int, int, list[str]]:
    """(requirements, pinned with ==, with --hash, unpinned names)"""
    total = pinned = hashed = 0
    loose = []
    joined = re.sub(r"\\\s*\n", " ", text)
    for raw in joined.splitlines():
        s = raw.split(" #", 1)[0].strip()
        if not s or s.startswith(("#", "-")):
            continue
        m = _REQ_NAME.match(s)
        if not m:
            continue
        total += 1
        spec = s.split(";", 1)[0]
        if "==" in spec or "@" in spec:
            pinned += 1
        else:
            loose.append(m.group(0))
        if "--hash" in s:
            hashed += 1
    return total, pinned, hashed, loose


def _pyproject_deps(text: str) -> int:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return 0
    project = data.get("project")
    n = 0
    if isinstance(project, dict) and isinstance(project.get("dependencies"), list):
        n += len(project["dependencies"])
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict):
        n += len([k for k in poetry["dependencies"] if k != "python"])
    return n


def _pinning_lines(ev: Evidence, rd: Reader, items) -> list[str]:
    project = ev.project
    out = []
    reqs = []
    for path in sorted(project.results):
        rel = project.rel(path)
        if manifests.kind_of(rel) != "requirements":
            continue
        text = project.source_for(path) or ""
        total, pinned, hashed, loose = _requirements(text)
        if total:
            reqs.append((rel, total, pinned, hashed, loose))
    for rel, total, pinned, hashed, loose in reqs[:4]:
        text = f"{md_code(rel)}: {pinned} of {total} requirements pinned with `==`"
        if loose and pinned < total:
            text += f" (not pinned: {_list([md_code(x) for x in loose], 4)})"
        if hashed:
            text += f", {hashed} with `--hash`"
        out.append(text)
    if len(reqs) > 4:
        out.append(f"{len(reqs) - 4} more requirements files")
    locks = [r for r in project.other_files if _name(r) in _LOCKS]
    for rel in project.other_files:
        if _name(rel) != "pyproject.toml":
            continue
        n = _pyproject_deps(rd.text(rel) or "")
        if not n:
            continue
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        beside = [
            r
            for r in locks
            if (r.rsplit("/", 1)[0] if "/" in r else "") == folder
            or (_name(r) in manifests.WORKSPACE_LOCKS and "/" not in r)
        ]
        if beside:
            out.append(
                f"{md_code(rel)}: {_plural(n, 'dependency', 'dependencies')}, locked by {md_code(beside[0])}"
            )
        else:
            out.append(
                f"{md_code(rel)}: {_plural(n, 'dependency', 'dependencies')} and no lock file beside it (uv.lock, poetry.lock, pdm.lock)"
            )
    other_locks = [r for r in locks if _name(r) == "Pipfile.lock"]
    if other_locks:
        out.append(f"{md_code(other_locks[0])}")
    if not out:
        return []
    text = "Dependency pinning: " + "; ".join(out) + "."
    unpinned = [i for i in items if i.code == "EXT003"]
    if unpinned:
        text += f" EXT003 reports {_plural(len(unpinned), 'unpinned dependency', 'unpinned dependencies')} (first {md_code(unpinned[0].location)})."
    return [text]


_ECOSYSTEM = re.compile(r"package-ecosystem:\s*[\"']?([\w-]+)")


def _bot_lines(ev: Evidence, rd: Reader) -> list[str]:
    bots = [r for r in ev.project.other_files if r in _UPDATE_BOTS]
    if not bots:
        return [
            "Dependency updates: no Dependabot (`.github/dependabot.yml`) or Renovate (`renovate.json`, "
            "`.renovaterc`) configuration was found; updates and security releases are picked up by hand."
        ]
    out = []
    for rel in bots:
        if "dependabot" in rel:
            eco = [
                (no, m.group(1))
                for no, ln in enumerate(rd.lines(rel), 1)
                if (m := _ECOSYSTEM.search(ln))
            ]
            names = sorted({e for _, e in eco})
            text = f"Dependabot ({md_code(rel)})"
            if names:
                text += f" updates {', '.join(md_code(n) for n in names)}"
                if not {"pip", "uv", "poetry", "pipenv"} & set(names):
                    text += ", not the Python dependencies"
            out.append(text)
        else:
            out.append(f"Renovate ({md_code(rel)})")
    return ["Dependency updates: " + "; ".join(out) + "."]


def monitoring(ev: Evidence, items, rd: Reader, d: Deploy) -> list[str]:
    importers = _importers(ev, {"logging", *_JSON_LOG, *_MONITORS})
    out: list[str] = []
    out.extend(_logging_lines(ev, rd, importers))
    out.extend(_monitor_lines(ev, rd, importers))
    out.extend(_health_lines(ev, d))
    out.extend(_pinning_lines(ev, rd, items))
    out.extend(_bot_lines(ev, rd))
    return out


def sections(ev: Evidence, items) -> dict[str, list[str]]:
    """Testing Strategy, Deployment Considerations and Monitoring & Maintenance."""
    rd = Reader(ev)
    d = _deploy_files(ev)
    return {
        "Testing Strategy": testing(ev, items, rd, d),
        "Deployment Considerations": deployment(ev, items, rd, d),
        "Monitoring & Maintenance": monitoring(ev, items, rd, d),
    }
