"""What kind of file it is: production code, tests, test or development settings,
migrations, scripts. The report's scores and priorities are about the running
system, so findings in tests, test settings, scripts, and non-migration findings
in migrations are kept out of them by default (``include-tests`` brings them in);
``check`` and the editor still show every finding."""

from __future__ import annotations

import re

from .model import FileFacts

TEST_WORDS = {"test", "tests", "testing", "ci", "pytest", "e2e", "unittest", "unittests"}
DEV_WORDS = {"dev", "development", "local", "debug", "devel"}
PROD_WORDS = {"prod", "production", "live", "staging", "deploy", "deployment"}
SCRIPT_FOLDERS = {"scripts", "script", "bin", "tools", "devtools", "docs", "doc"}
SCRIPT_FILES = {"setup.py", "noxfile.py", "fabfile.py", "conftest.py"}
PROFILES = ("production", "development", "test", "unknown")


def _words(name: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", name.lower())) - {""}


def named_profile(module: str) -> tuple[str, str] | None:
    """(profile, why) of a settings module when its dotted name tells (a tests
    folder, a name that says test, development or production), else None."""
    parts = module.split(".")
    stem_words = _words(parts[-1])
    if stem_words & TEST_WORDS:
        return "test", f"its name ({parts[-1]}) says test"
    folders = {w for p in parts[:-1] for w in _words(p)}
    if {"tests", "test", "testing"} & folders:
        return "test", "it is in a tests folder"
    if stem_words & DEV_WORDS:
        return "development", f"its name ({parts[-1]}) says development"
    if stem_words & PROD_WORDS:
        return "production", f"its name ({parts[-1]}) says production"
    return None


def settings_profile(facts: FileFacts, index) -> tuple[str, str]:
    """(profile, why) of a settings module: production, development, test or unknown."""
    named = named_profile(facts.module)
    if named is not None:
        return named
    selected = selected_by(index).get(facts.path, ())
    served = [s for s in selected if s.rsplit(".", 1)[-1] in ("wsgi", "asgi")]
    if served:
        return "production", f"{served[0]} selects it"
    for other in index.files.values():
        if other is facts or not other.is_settings:
            continue
        other_words = _words(other.module.rsplit(".", 1)[-1])
        if other_words & PROD_WORDS and _star_imports(other, facts, index):
            return "production", f"{other.module} imports it"
    if selected:
        return "unknown", f"{selected[0]} selects it"
    return "unknown", "nothing says which environment uses it"


def _star_imports(importer: FileFacts, target: FileFacts, index) -> bool:
    names = {target.module, target.import_module} - {""}
    if any(s in names or index.module(s) is target for s in importer.star_imports):
        return True
    return any(
        q.rsplit(".", 1)[0] in names for q in importer.imports.values() if isinstance(q, str)
    )


def selected_by(index) -> dict[str, tuple[str, ...]]:
    """Settings file path -> the files (manage.py, wsgi.py, asgi.py) that select it
    through DJANGO_SETTINGS_MODULE."""
    out: dict[str, list[str]] = {}
    for f in index.files.values():
        for name in f.selects_settings:
            target = index.module(name)
            if target is None:
                # a settings package: netbox.settings may be netbox/settings/__init__.py
                target = index.module(name + ".__init__")
            if target is not None:
                out.setdefault(target.path, []).append(f.import_module or f.module)
    return {k: tuple(v) for k, v in out.items()}


def is_settings_module(facts: FileFacts, index) -> bool:
    """A module that configures the application: named like settings, not a
    migration or a test module, and assigning settings (UPPER_CASE names) or
    selected through DJANGO_SETTINGS_MODULE."""
    if not facts.is_settings or facts.is_migration:
        return False
    stem = facts.module.rsplit(".", 1)[-1]
    if facts.is_test and (stem.startswith("test_") or stem.endswith("_test")):
        return False
    if facts.settings or facts.path in selected_by(index):
        return True
    # Flask-style configuration classes: class Config: SECRET_KEY = ...
    from .extract import SETTINGS_NAMES

    return any(SETTINGS_NAMES.match(k) for c in facts.classes for k, _ in c.attrs)


def file_kind(facts: FileFacts, rel: str, index) -> str:
    """source | test | test-settings | migration | script"""
    if is_settings_module(facts, index) and settings_profile(facts, index)[0] == "test":
        return "test-settings"
    if facts.is_test:
        return "test"
    if facts.is_migration:
        return "migration" if is_latest_migration(facts, index) else "applied-migration"
    parts = rel.replace("\\", "/").split("/")
    if "fixtures" in parts[:-1]:
        return "test"
    if parts[-1] in SCRIPT_FILES and len(parts) == 1:
        return "script"
    if any(p in SCRIPT_FOLDERS for p in parts[:-1]):
        return "script"
    if len(parts) == 1 and facts.main_guard and not facts.routes and not _imported(facts, index):
        return "script"  # populate.py, export.py beside the package: run by hand
    if "/management/commands/" in "/" + "/".join(parts[:-1]) + "/":
        return "script"  # Django management commands: operators' one-off runs
    return "source"


def is_latest_migration(facts: FileFacts, index) -> bool:
    """Whether no other migration of the same folder builds on this one: the
    migration a deploy may still have to run. The others are applied wherever a
    later one is (a Django migration with a higher number in its app, an Alembic
    revision some other names as its down_revision)."""
    folder = facts.path.replace("\\", "/").rsplit("/", 1)[0]
    siblings = [
        f
        for f in index.files.values()
        if f.is_migration
        and f is not facts
        and f.path.replace("\\", "/").rsplit("/", 1)[0] == folder
    ]
    if facts.revision:
        return not any(facts.revision in f.down_revisions for f in siblings)
    number = _number(facts.path)
    if number is None:
        return True
    return not any((_number(f.path) or -1) > number for f in siblings)


def _number(path: str) -> int | None:
    m = re.match(r"(\d+)_", path.replace("\\", "/").rsplit("/", 1)[-1])
    return int(m.group(1)) if m else None


def _imported(facts: FileFacts, index) -> bool:
    name = facts.module
    return any(
        name in other.imported_modules for other in index.files.values() if other is not facts
    )


KIND_NAMES = {
    "test": "tests",
    "test-settings": "test settings",
    "migration": "the latest migrations (rules other than the migration rules)",
    "applied-migration": "migrations that later migrations build on (applied wherever those run)",
    "script": "scripts, management commands and docs",
}


def is_application_code(facts: FileFacts | None, rel: str, index) -> bool:
    """Whether a file's lines count as application code, the size the scores are
    normalised by: the files whose findings weigh on the scores by default
    (production, development and undecided settings included), not tests, test
    settings, fixtures, migrations, scripts or docs. A file that did not parse
    has no facts and counts unless its path says test, script or migration."""
    if facts is None:
        parts = rel.replace("\\", "/").split("/")
        folders = {w for p in parts[:-1] for w in _words(p)}
        return not (
            folders & (TEST_WORDS | SCRIPT_FOLDERS | {"migrations", "fixtures"})
            or parts[-1].startswith("test_")
            or parts[-1] in SCRIPT_FILES
        )
    if facts.is_migration:  # applied or not: a schema change, not application code
        return False
    return file_kind(facts, rel, index) == "source"


def counts_in_report(kind: str, rule) -> bool:
    """Whether a finding of ``rule`` in a file of ``kind`` drives the report's
    scores and priorities (by default)."""
    if kind == "source":
        return True
    if kind == "migration":
        return rule.path.parent.name == "migrations"
    return False
