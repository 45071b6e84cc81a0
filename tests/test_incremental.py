"""The language server's incremental analysis gives what a fresh whole-file
analysis gives, after every edit of long random edit sequences over real files.

After each edit the same text is analysed twice: by the document's
IncrementalFile (which keeps what the edit did not touch) and by
``analysis.analyze`` from scratch (a new parse). The findings a user sees
(``findings_for`` against the example project's index: positions, messages,
fixes, related locations) and the file's facts must be equal.

BACKEND_LENS_INCREMENTAL_EDITS=N runs N edits per file instead of the quick
default (the long run is a few minutes); BACKEND_LENS_INCREMENTAL_SEED=S
replays a seed; BACKEND_LENS_INCREMENTAL_FILES=a.py:dir/ runs on those files
instead (a folder: its largest .py files, BACKEND_LENS_INCREMENTAL_MAX of them,
default 20), e.g. a checkout of Django or of your own project.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest
from backend_lens.config import load as load_config
from backend_lens.engine.analysis import analyze, findings_for
from backend_lens.engine.incremental import IncrementalFile, Stats
from backend_lens.engine.project import Project
from backend_lens.source import parsing

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shop"
sys.path.insert(0, str(ROOT / "benchmarks"))
import _corpus  # noqa: E402

EDITS = int(os.environ.get("BACKEND_LENS_INCREMENTAL_EDITS", "40"))
SEED = int(os.environ.get("BACKEND_LENS_INCREMENTAL_SEED", "0"))

# what a user types: code, brackets and quotes that break the syntax for a while,
# whole statements (some of which trigger rules), blank lines and indentation
SNIPPETS = [
    "x",
    "_",
    "1",
    " ",
    "\n",
    "\n    ",
    "(",
    ")",
    ":",
    '"',
    "'",
    "#",
    ".",
    ",",
    "é",
    "日",
    "😀",
    "def ",
    "class ",
    "import os\n",
    "from decimal import Decimal\n",
    "    for order in Order.objects.all():\n        print(order.customer.name)\n",
    "    if Order.objects.filter(paid=True):\n        pass\n",
    '    cursor.execute(f"SELECT * FROM t WHERE id = {pk}")\n',
    "    requests.get(url)\n",
    "\n\ndef helper(pk):\n    return Order.objects.get(pk=pk)\n",
    "\nclass Extra(models.Model):\n    name = models.CharField(max_length=10, null=True)\n",
    "    @transaction.atomic\n    def save_all(self):\n        send_mail.delay(1)\n",
    "  # backend-lens: ignore\n",
]


def _edit(text: str, rng: random.Random) -> str:
    """One random edit of ``text``: an insertion at a random place (most often
    at the start or end of a line, as typing does), a deletion of a few
    characters or of whole lines, or a line moved."""
    lines = text.splitlines(keepends=True) or [""]
    op = rng.random()
    n = rng.randrange(len(lines))
    start = sum(len(x) for x in lines[:n])
    if op < 0.2 and text:
        # one character typed or deleted anywhere: mostly inside a name, a string or
        # a comment, which the parser patches in place (source/parsing.py)
        at = rng.randrange(len(text))
        if rng.random() < 0.5:
            return text[:at] + rng.choice("ax_1 '\"#é") + text[at:]
        return text[:at] + text[at + 1 :]
    if op < 0.55:
        line = lines[n]
        col = rng.choice([0, len(line.rstrip("\r\n")), rng.randrange(len(line) + 1)])
        at = start + min(col, len(line))
        return text[:at] + rng.choice(SNIPPETS) + text[at:]
    if op < 0.8:
        at = start + rng.randrange(len(lines[n]) + 1)
        return text[:at] + text[at + rng.randint(1, 12) :]
    if op < 0.9:
        k = rng.randint(1, 4)
        return "".join(lines[:n] + lines[n + k :])
    m = rng.randrange(len(lines))
    moved = lines.pop(n)
    lines.insert(m, moved)
    return "".join(lines)


def _shown(result, index, config) -> list[tuple]:
    return [
        (f.code, f.start, f.end, f.message, f.stmt_lines, f.fix, f.suppress, f.related)
        for f in findings_for(result, index, config)
    ]


@pytest.fixture(scope="module")
def project() -> Project:
    p = Project(EXAMPLE, load_config(EXAMPLE), use_jedi=False)
    p.scan()
    return p


def _files() -> list[tuple[str, str]]:
    """(name, text): the example's largest modules and a generated 600-line module
    of varied Django/DRF/Celery code (benchmarks/_corpus.py)."""
    given = os.environ.get("BACKEND_LENS_INCREMENTAL_FILES")
    if given:
        out = []
        limit = int(os.environ.get("BACKEND_LENS_INCREMENTAL_MAX", "20"))
        for item in given.split(":"):
            p = Path(item)
            found = (
                sorted(p.rglob("*.py"), key=lambda f: -f.stat().st_size)[:limit]
                if p.is_dir()
                else [p]
            )
            out += [(str(f), f.read_text(encoding="utf-8", errors="replace")) for f in found]
        return out
    picked = sorted(EXAMPLE.rglob("*.py"), key=lambda p: -p.stat().st_size)[:6]
    out = [(p.relative_to(EXAMPLE).as_posix(), p.read_text(encoding="utf-8")) for p in picked]
    out.append(("views_generated.py", _corpus.views_module(600)))
    return out


FILES = _files()


@pytest.mark.parametrize("name,text", FILES, ids=[name for name, _ in FILES])
def test_incremental_equals_a_fresh_analysis_after_every_edit(project, name, text):
    config = project.config
    path = name if os.path.isabs(name) else str(EXAMPLE / name)
    rel = Path(name).name if os.path.isabs(name) else name
    key = f"test-incremental:{name}"
    rng = random.Random(f"{SEED}:{name}")
    doc = IncrementalFile(path, rel, key, config)
    kept_units = 0
    wholes = 0  # analyses that fell back to the whole file (half-typed code it could not cut)
    has_functions = "\ndef " in text or "\n    def " in text
    try:
        for step in range(EDITS + 1):
            if step:
                text = _edit(text, rng)
            inc = doc.analyze(text, step)
            full = analyze(text, path, rel, step, None, config)
            where = f"{name}, edit {step} (BACKEND_LENS_INCREMENTAL_SEED={SEED})"
            assert _shown(inc, project.index, config) == _shown(full, project.index, config), where
            assert inc.facts == full.facts, where
            assert inc.syntax_errors == full.syntax_errors, where
            if step and not doc.stats.whole:
                kept_units += doc.stats.units - doc.stats.detected
            wholes += doc.stats.whole
    finally:
        parsing.forget(key)
    # the point of it: edits inside functions re-ran the detectors on few of the units
    # (a settings module is all module-level names: every edit re-runs all of it)
    assert kept_units > 0 or not has_functions
    assert wholes <= EDITS // 4, f"{wholes} of {EDITS} analyses fell back to the whole file"


def test_closing_a_document_frees_its_parse_tree():
    """parso keys its trees by Path(key): dropping the string key would keep every
    closed document's tree for the life of the server."""
    import parso.cache

    key = "file:///tmp/closing-frees.py"
    parsing.parse("x = 1\n", key)
    trees = parso.cache.parser_cache[parsing.GRAMMAR._hashed]
    assert any(str(k).endswith("closing-frees.py") for k in trees)
    parsing.forget(key)
    assert not any(str(k).endswith("closing-frees.py") for k in trees)


def test_an_edit_reanalyses_only_the_units_around_it(project):
    """A keystroke in one method of a long module re-runs the detectors on a few
    units, not on the file; a line added above moves (and re-runs) what is below."""
    text = _corpus.views_module(600)
    doc = IncrementalFile(str(EXAMPLE / "v.py"), "v.py", "test-incremental:few", project.config)
    try:
        doc.analyze(text, 1)
        total = doc.stats.units
        lines = text.splitlines(keepends=True)
        n = next(i for i, line in enumerate(lines) if i > len(lines) // 2 and "#" in line)
        lines[n] = lines[n].rstrip("\n") + " typed\n"
        doc.analyze("".join(lines), 2)
        assert not doc.stats.whole
        assert doc.stats.detected <= total // 4, (doc.stats, total)
        assert doc.stats.facts <= 6
    finally:
        parsing.forget("test-incremental:few")


def test_opening_a_scanned_file_shows_the_scan_s_findings_then_edits_stay_exact(tmp_path):
    """didOpen of a file as it is on disk: the workspace scan's findings at once,
    the units analysed afterwards (``warm``); the first edit then re-analyses only
    what it changed, and gives what a fresh analysis gives."""
    import shutil

    root = tmp_path / "shop"
    shutil.copytree(EXAMPLE, root)
    p = Project(root, load_config(root), use_jedi=False)
    p.scan()
    path = str(root / "orders" / "views.py")
    text = Path(path).read_text(encoding="utf-8")
    scanned = p.findings(path)
    assert scanned  # the example's views have findings
    result, changed = p.analyze_open(path, text, 1, "test-incremental:open")
    try:
        assert result is p.results[path] and changed == set()
        assert p.findings(path) == scanned
        assert p.needs_warm(path)
        p.warm(path)
        assert not p.needs_warm(path)
        assert _shown(p.results[path], p.index, p.config) == _shown(result, p.index, p.config)
        edited = text.replace("\n", "\n# typed\n", 1)
        inc, _ = p.analyze_open(path, edited, 2, "test-incremental:open")
        full = analyze(edited, path, p.rel(path), 2, None, p.config)
        assert _shown(inc, p.index, p.config) == _shown(full, p.index, p.config)
    finally:
        parsing.forget("test-incremental:open")


def test_an_edit_inside_a_function_body_re_judges_no_other_file(tmp_path):
    """Typing in a view's body changes no fact another file reads: the index sees
    no change (no open document is re-judged); a new model field does change the
    "models" facts."""
    import shutil

    root = tmp_path / "shop"
    shutil.copytree(EXAMPLE, root)
    p = Project(root, load_config(root), use_jedi=False)
    p.scan()
    views = str(root / "orders" / "views.py")
    models = str(root / "orders" / "models.py")
    try:
        text = Path(views).read_text(encoding="utf-8")
        p.analyze_open(views, text + "\n", 1, "test-incremental:views")
        lines = (text + "\n").splitlines(keepends=True)
        n = next(i for i, line in enumerate(lines) if line.startswith("        return "))
        lines[n] = lines[n].rstrip("\n") + "  # typed in a body\n"
        _, changed = p.analyze_open(views, "".join(lines), 2, "test-incremental:views")
        assert changed == set()
        m = Path(models).read_text(encoding="utf-8")
        p.analyze_open(models, m, 1, "test-incremental:models")
        cls = m.index("class Order(")
        at = m.index("\n", cls) + 1  # the first statement of Order's body
        added = m[:at] + "    note = models.CharField(max_length=20, db_index=True)\n" + m[at:]
        _, changed = p.analyze_open(models, added, 2, "test-incremental:models")
        assert "models" in changed
    finally:
        parsing.forget("test-incremental:views")
        parsing.forget("test-incremental:models")


def test_a_unit_s_facts_read_the_module_s_names_not_only_its_own(project):
    """A decorator-like function whose nested function holds a module-level object's
    context manager (``app`` bound at module level, not in the function's unit):
    the unit's facts must see ``app`` among the module's names, as the whole-file
    facts do (found by the random edits on CTFd's tests)."""
    text = (
        "from flask import Flask\n\n"
        "app = Flask(__name__)\n\n\n"
        "def wrapper():\n"
        "    def inner():\n"
        "        with app.app_context():\n"
        "            run()\n"
        "    return inner\n"
    )
    doc = IncrementalFile(str(EXAMPLE / "w.py"), "w.py", "test-incremental:w", project.config)
    try:
        inc = doc.analyze(text, 1)
        full = analyze(text, str(EXAMPLE / "w.py"), "w.py", 1, None, project.config)
        assert full.facts.transaction_wrappers  # the case is there
        assert inc.facts.transaction_wrappers == full.facts.transaction_wrappers
        assert not doc.stats.whole
    finally:
        parsing.forget("test-incremental:w")


def test_a_name_typed_on_a_line_two_broken_statements_share_is_seen(project):
    """Half-typed code can leave two statements on one line (error recovery starts
    the second in the middle of it). A name typed there, which the parser patches
    in place, must reach the facts of the statement it belongs to."""
    text = (
        "from .models import Order\n"
        "\n"
        "LOGGING = {\n"
        '    "handlers": [#\n'
        "\n"
        "er(pk):\n"
        "    return Order.objects.get(pk=pk)\n"
    )
    key = "test-incremental:shared-line"
    path = str(EXAMPLE / "shared.py")
    doc = IncrementalFile(path, "shared.py", key, project.config)
    try:
        doc.analyze(text, 1)
        typed = text.replace("er(pk)", "erx(pk)")
        inc = doc.analyze(typed, 2)
        assert parsing.patched_in_place()
        full = analyze(typed, path, "shared.py", 2, None, project.config)
        assert "erx" in full.facts.int_arguments
        assert inc.facts == full.facts
    finally:
        parsing.forget(key)


def test_the_packages_a_project_imports_follow_an_edit_that_moves_lines_or_imports():
    """ProjectIndex.uses (does any file import rest_framework? sqlmodel?) keeps its
    answer when an edit only moves lines, and changes when the imports change."""
    from backend_lens.facts.index import ProjectIndex

    config = load_config(EXAMPLE)
    path = str(EXAMPLE / "uses.py")
    index = ProjectIndex()
    text = "from rest_framework import viewsets\n\n\nclass A(viewsets.ModelViewSet):\n    pass\n"
    index.update(analyze(text, path, "uses.py", 1, None, config).facts)
    assert index.uses("rest_framework") and not index.uses("sqlmodel")
    moved = "\n\n" + text
    assert "models" in index.update(analyze(moved, path, "uses.py", 2, None, config).facts)
    assert index.uses("rest_framework") and not index.uses("sqlmodel")
    other = moved.replace("from rest_framework import viewsets", "import sqlmodel as viewsets")
    index.update(analyze(other, path, "uses.py", 3, None, config).facts)
    assert index.uses("sqlmodel") and not index.uses("rest_framework")


def test_a_call_renamed_in_a_function_body_re_checks_only_its_units(project):
    """Renaming a call inside a function changes facts only the project index reads
    (the calls a function makes, the integer arguments of calls): the detectors run
    again on the units around the edit, not on the whole file, and the result is a
    fresh analysis's."""
    text = _corpus.views_module(600)
    key = "test-incremental:call-renamed"
    path = str(EXAMPLE / "v.py")
    doc = IncrementalFile(path, "v.py", key, project.config)
    try:
        doc.analyze(text, 1)
        total = doc.stats.units
        lines = text.splitlines(keepends=True)
        n = next(i for i, line in enumerate(lines) if line.endswith(" = int(quantity)\n"))
        lines[n] = lines[n].replace("int(", "inta(", 1)
        typed = "".join(lines)
        inc = doc.analyze(typed, 2)
        assert parsing.patched_in_place()
        full = analyze(typed, path, "v.py", 2, None, project.config)
        assert inc.facts == full.facts
        assert _shown(inc, project.index, project.config) == _shown(
            full, project.index, project.config
        )
        assert doc.stats.detected <= total // 10, (doc.stats, total)
    finally:
        parsing.forget(key)


def test_a_production_settings_edit_re_judges_the_base_settings(tmp_path):
    """CONN001 on base settings is quiet when a production module that builds on
    them updates DATABASES: typing that ``.update()`` in the open production file
    re-judges the base file at once (the settings facts say it, not only the calls)."""
    files = {
        "mysite/__init__.py": "",
        "mysite/settings/__init__.py": "",
        "mysite/settings/base.py": (
            'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}\n'
        ),
        "mysite/settings/production.py": "from .base import *\n\nDEBUG = False\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    p = Project(tmp_path, load_config(tmp_path), use_jedi=False)
    p.scan()
    base = str(tmp_path / "mysite/settings/base.py")
    prod = str(tmp_path / "mysite/settings/production.py")
    assert [f.code for f in p.findings(base)] == ["CONN001"]
    key = "test-incremental:production"
    try:
        text = files["mysite/settings/production.py"] + "DATABASES['default'].update(env.db())\n"
        p.analyze_open(prod, text, 1, key)
        assert [f.code for f in p.findings(base)] == []
    finally:
        parsing.forget(key)


def _retyped(project, starts: str, old: str, new: str) -> tuple[Stats, int]:
    """The generated 600-line module analysed, then ``old`` replaced by ``new`` in
    its first line that starts with ``starts``, then analysed again: (what the
    second analysis re-did, the (statement, rule detector) pairs the first one
    ran). Asserts the second result is a fresh analysis's."""
    text = _corpus.views_module(600)
    path = str(EXAMPLE / "v.py")
    key = f"test-incremental:retyped:{starts}"
    doc = IncrementalFile(path, "v.py", key, project.config)
    try:
        doc.analyze(text, 1)
        total = doc.stats.rules
        lines = text.splitlines(keepends=True)
        n = next(i for i, x in enumerate(lines) if x.startswith(starts))
        lines[n] = lines[n].replace(old, new, 1)
        typed = "".join(lines)
        assert typed != text
        inc = doc.analyze(typed, 2)
        full = analyze(typed, path, "v.py", 2, None, project.config)
        assert inc.facts == full.facts
        assert _shown(inc, project.index, project.config) == _shown(
            full, project.index, project.config
        )
        assert not doc.stats.whole
        return doc.stats, total
    finally:
        parsing.forget(key)


def test_a_space_typed_after_an_import_s_comma_re_checks_only_that_import(project):
    """`from django.db import connection,  transaction`: the same tokens on the same
    line, so what every other statement's rules read of the module is unchanged;
    only the import's own run of statements is checked again."""
    stats, total = _retyped(project, "from django.db import ", ", ", ",  ")
    # the import's run, and the judgements deferred to the project index (which
    # may point anywhere): a tenth of what the whole file costs
    assert stats.rules <= total // 10, (stats, total)


def test_a_method_renamed_re_checks_the_classes_not_every_statement(project):
    """Renaming a method changes the file's class facts: the rules that read them
    (on the runs of statements holding a class statement) and the judgements
    deferred to the project index are run again, not every rule on every
    statement."""
    stats, total = _retyped(project, "    def get_queryset(self):", "get_queryset", "get_querysets")
    assert 0 < stats.rules <= total // 10, (stats, total)


def test_an_import_renamed_re_checks_every_statement(project):
    """An import's name is read by almost every rule: the whole file is checked
    again (and the result is a fresh analysis's)."""
    stats, total = _retyped(project, "import requests", "requests", "requestsx")
    assert stats.rules == total, (stats, total)


def test_methods_left_by_a_moved_class_statement_belong_to_the_class_above(project):
    """A `class` line moved up the file (cut, pasted above): the methods below where
    it was keep their lines and text but are now the previous class's (found by
    the random edits on dispatch's incident/models.py)."""
    text = (
        "class First:\n"
        "    x = 1\n"
        "\n"
        "    def one(self):\n"
        "        return 1\n"
        "\n"
        "class Second:\n"
        "    y = 2\n"
        "\n"
        "    def two(self):\n"
        "        return 2\n"
    )
    moved = "class Second: pass\n" + text.replace("class Second:\n", "")
    key = "test-incremental:class-moved"
    path = str(EXAMPLE / "moved.py")
    doc = IncrementalFile(path, "moved.py", key, project.config)
    try:
        doc.analyze(text, 1)
        inc = doc.analyze(moved, 2)
        full = analyze(moved, path, "moved.py", 2, None, project.config)
        first = next(c for c in inc.facts.classes if c.name == "First")
        assert "two" in first.methods
        assert inc.facts == full.facts
    finally:
        parsing.forget(key)
