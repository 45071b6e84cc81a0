"""Dependency manifests in the engine: which files they are, the project facts
their rules are judged with, and their analysis (a text read: no parso).

A manifest (``requirements*.txt``, ``requirements/*.txt``, ``pyproject.toml``,
``Pipfile``) is found by the same walk as Python files, read by the same
function (size limit, binary and link rules), and its result is a ``FileResult``
like a Python file's: findings, suppressions (``# backend-lens: ignore[...]``),
errors. It defines nothing the project index reads (``Project`` keeps it out).

What a manifest's findings depend on besides its text is a project fact: a lock
file beside it (``uv.lock``, ``poetry.lock``...), whether the folder holds an
application (manage.py, a Dockerfile...) and whether the package beside a
requirements file is a library. :func:`surroundings` reads those from the file
system (names only, and at most one small pyproject.toml); its answer is part of
the file's cache key (``Project._identity``) and of the warm check's layout.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib

from ..config import Config
from ..model import FileResult
from ..source import parsing
from ..source.lines import split_lines
from ..source.suppress import parse_suppressions

log = logging.getLogger(__name__)

# files that pin exactly what a pyproject.toml ranges, in its folder
PYPROJECT_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml")
# a lock a workspace keeps at its root, for every member below it
WORKSPACE_LOCKS = ("uv.lock", "pdm.lock")
REQUIREMENTS_LOCK = re.compile(
    r"^(requirements.*\.lock|constraints.*\.txt|pylock\..*\.toml)$", re.I
)
# files that say a folder holds a deployed application, not a library
APP_MARKS = frozenset(
    {
        "manage.py",
        "Procfile",
        "app.yaml",
        "app.json",
        "fly.toml",
        "render.yaml",
        "alembic.ini",
        "wsgi.py",
        "asgi.py",
        "compose.yml",
        "compose.yaml",
        "zappa_settings.json",
        "serverless.yml",
    }
)
PYPROJECT_LIMIT = 512_000  # a pyproject.toml read for its neighbours: at most this


def kind_of(rel: str) -> str | None:
    """ "requirements", "pyproject" or "pipfile" for a manifest's path from the
    project root, else None."""
    name = rel.rsplit("/", 1)[-1]
    if name == "pyproject.toml":
        return "pyproject"
    if name == "Pipfile":
        return "pipfile"
    if name.endswith(".txt"):
        if name.lower().startswith("requirements"):
            return "requirements"
        parts = rel.split("/")
        if (
            len(parts) > 1
            and parts[-2] == "requirements"
            and not name.lower().startswith(("readme", "license", "notes", "changelog"))
        ):
            return "requirements"
    return None


def _names(folder: str) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _is_app(names: set[str]) -> bool:
    return bool(names & APP_MARKS) or any(
        n.startswith(("Dockerfile", "docker-compose")) for n in names
    )


def is_library_pyproject(data: dict) -> bool:
    """Whether a pyproject.toml describes a package published for others to
    install: metadata written for an index (classifiers, keywords, project
    URLs, Poetry's repository or homepage), and not ``package-mode = false``,
    ``[tool.uv] package = false``, ``[tool.pdm] distribution = false`` or a
    ``Private ::`` classifier."""
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    for owner, key in (("poetry", "package-mode"), ("uv", "package"), ("pdm", "distribution")):
        table = tool.get(owner)
        if isinstance(table, dict) and table.get(key) is False:
            return False
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    classifiers = [*(project.get("classifiers") or ()), *(poetry.get("classifiers") or ())]
    if any(isinstance(c, str) and c.startswith("Private ::") for c in classifiers):
        return False
    return bool(
        classifiers
        or project.get("keywords")
        or project.get("urls")
        or poetry.get("keywords")
        or poetry.get("repository")
        or poetry.get("homepage")
    )


def _library_beside(folder: str, names: set[str]) -> bool:
    """Whether the package in ``folder`` is a library (see is_library_pyproject;
    a setup.py or setup.cfg without a pyproject.toml counts as one)."""
    if "pyproject.toml" in names:
        try:
            data = parsing.read_bytes(
                os.path.join(folder, "pyproject.toml"), PYPROJECT_LIMIT, follow=False
            )
            return is_library_pyproject(tomllib.loads(data.decode("utf-8")))
        except (parsing.SkipFile, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            return False
    return "setup.py" in names or "setup.cfg" in names


COMPILED_MARKS = ("pip-compile", "uv pip compile", "uv export", "poetry export", "pdm export")
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[^\s,;*]+\s*(;.*)?$")


def _compiled_beside(folder: str, prefix: str, names: set[str]) -> str:
    """A requirements file beside a pyproject.toml that pins every requirement
    exactly (``pip-compile pyproject.toml``, ``uv export``...): its lock."""
    for name in sorted(names):
        if not (name.startswith("requirements") and name.endswith(".txt")):
            continue
        try:
            data = parsing.read_bytes(os.path.join(folder, name), PYPROJECT_LIMIT, follow=False)
            text = data.decode("utf-8")
        except (parsing.SkipFile, UnicodeDecodeError):
            continue
        if any(mark in text[:2000] for mark in COMPILED_MARKS):
            return prefix + name
        reqs = [
            line.split(" #", 1)[0].strip()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "-"))
        ]
        if reqs and all(_PIN.match(r.rstrip("\\ ")) for r in reqs):
            return prefix + name
    return ""


def surroundings(root: str, rel: str) -> tuple[str, bool, bool]:
    """(the lock or constraints file beside the manifest, from the root, or "";
    whether its folder holds an application; whether the package beside a
    requirements file is a library)."""
    kind = kind_of(rel)
    parts = rel.split("/")[:-1]
    folder = os.path.join(root, *parts)
    names = _names(folder)
    locked = ""
    prefix = "/".join(parts) + "/" if parts else ""
    if kind == "pyproject":
        locked = next((prefix + n for n in PYPROJECT_LOCKS if n in names), "")
        locked = locked or next(
            (prefix + n for n in sorted(names) if n.startswith("pylock.") and n.endswith(".toml")),
            "",
        )
        locked = locked or _compiled_beside(folder, prefix, names)
        for i in range(len(parts) - 1, -1, -1):  # a workspace's lock, up to the root
            if locked:
                break
            above = _names(os.path.join(root, *parts[:i]))
            up = "/".join(parts[:i]) + "/" if i else ""
            locked = next((up + n for n in WORKSPACE_LOCKS if n in above), "")
    elif kind == "pipfile":
        locked = prefix + "Pipfile.lock" if "Pipfile.lock" in names else ""
    else:
        locked = next((prefix + n for n in sorted(names) if REQUIREMENTS_LOCK.match(n)), "")
    app = _is_app(names)
    library = False
    if kind == "requirements":
        home, home_names = folder, names
        if parts and parts[-1] == "requirements":  # requirements/base.txt: the package above
            home = os.path.join(root, *parts[:-1])
            home_names = _names(home)
            app = app or _is_app(home_names)
        library = not app and _library_beside(home, home_names)
    return locked, app, library


def context(root: str, rel: str) -> str:
    """What a manifest's result depends on besides its bytes and path, as text."""
    locked, app, library = surroundings(root, rel)
    return f"manifest:{locked}:{int(app)}:{int(library)}"


def _root_of(path: str, rel: str) -> str:
    given = path.replace(os.sep, "/")
    if given.endswith("/" + rel):
        return path[: len(path) - len(rel) - 1] or os.sep
    return os.path.dirname(path)


def analyze(
    text: str, path: str, rel: str, version: int | None = None, config: Config | None = None
) -> FileResult:
    """The result of one manifest: its findings, or an error saying why it was
    not read (malformed TOML); never an exception for a bad file."""
    from ..catalogue import load as load_catalogue
    from ..detectors.dependencies import Manifest, Unreadable, check
    from .analysis import empty_facts

    config = config or Config()
    kind = kind_of(rel) or "requirements"
    lines = split_lines(text) or [""]
    result = FileResult(path=path, version=version, facts=empty_facts(path, rel), lines=len(lines))
    result.suppressions = parse_suppressions(lines)
    rules = load_catalogue().rules
    codes = {c for c in ("EXT003", "EXT004") if config.rule_enabled(c, rules[c].name)}
    if not codes:
        return result
    locked, _app, library = surroundings(_root_of(path, rel), rel)
    if kind == "pyproject":  # its own metadata says (a library's manage.py runs its tests)
        try:
            library = is_library_pyproject(tomllib.loads(text))
        except (tomllib.TOMLDecodeError, RecursionError):
            pass  # check() says so
    manifest = Manifest(path, rel, text, kind, locked, library)
    try:
        result.local = check(manifest, codes)
    except Unreadable as exc:
        result.errors.append(f"{exc}: its dependencies were not checked")
    except Exception as exc:  # never let one file stop the run
        log.debug("dependency check failed on %s", path, exc_info=True)
        result.errors.append(
            f"EXT003, EXT004 not checked (internal error {type(exc).__name__}); "
            "the other files were checked"
        )
    return result
