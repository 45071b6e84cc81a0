"""The engine: one parse per file, facts across files, jedi as a fallback,
bad input, and the analysis thread's coalescing."""

from __future__ import annotations

import threading
from pathlib import Path

from backend_lens.engine.project import Project
from backend_lens.engine.worker import AnalysisWorker

from .helpers import analyze_files

BASE = """\
from django.db import models


class TimeStamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
"""
# a binding only jedi follows (through a call): the index itself follows plain
# aliases (`BaseModel = TimeStamped`), see the tests of _as_jedi_would below
JEDI_ONLY = """

def _base():
    return TimeStamped


BaseModel = _base()
"""
BASE += JEDI_ONLY
MODELS = """\
from core.base import BaseModel
from django.db import models


class Order(BaseModel):
    status = models.CharField(max_length=20)
"""
VIEWS = """\
from shop.models import Order


def pending():
    return Order.objects.filter(status="pending").first()
"""


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def codes(project: Project) -> list[tuple[str, str, int]]:
    return [(f.code, project.rel(f.path), f.start[0]) for f in project.all_findings()]


def test_jedi_resolves_a_base_class_bound_by_assignment(tmp_path):
    write(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/base.py": BASE,
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/views.py": VIEWS,
        },
    )
    without = Project(tmp_path, use_jedi=False)
    without.scan()
    assert codes(without) == []  # the imports alone cannot tell that BaseModel is a model
    with_jedi = Project(tmp_path, use_jedi=True)
    with_jedi.scan()
    assert codes(with_jedi) == [("DBP001", "shop/views.py", 5)]


def test_star_imports_and_package_reexports_resolve_without_jedi(tmp_path):
    write(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/base.py": BASE.replace(JEDI_ONLY, ""),
            "shop/__init__.py": "from .models import *\n",
            "shop/models.py": MODELS.replace(
                "from core.base import BaseModel", "from core.base import *"
            ).replace("(BaseModel)", "(TimeStamped)"),
            "shop/views.py": VIEWS.replace(
                "from shop.models import Order", "from shop import Order"
            ),
        },
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert codes(project) == [("DBP001", "shop/views.py", 5)]


def test_files_are_parsed_once_and_trees_are_not_kept(tmp_path, monkeypatch):
    from backend_lens.source import parsing

    calls = []
    real = parsing.parse
    monkeypatch.setattr(
        parsing, "parse", lambda text, key=None: calls.append(key) or real(text, key)
    )
    write(tmp_path, {"a.py": "import requests\nrequests.get('x')\n", "b.py": "x = 1\n"})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert len(calls) == 2
    assert codes(project) == [("INT001", "a.py", 2)]
    assert len(calls) == 2  # judging the findings parses nothing again


def test_an_analysed_file_leaves_no_tree_for_the_garbage_collector():
    """A scan's parse trees are freed as soon as each file is done (their
    parent/child cycles broken), not left for the cycle collector: that
    collector ran through every tree of a scan several times (a fifth of
    the CPU time of a check of Django) and kept them in memory until then."""
    import gc

    from backend_lens.engine.analysis import analyze

    text = (Path(__file__).parent.parent / "examples/shop/orders/views.py").read_text()
    analyze(text, "/p/views.py", "views.py")  # first use: imports, catalogue
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage
    try:
        result = analyze(text, "/p/views.py", "views.py")
        gc.collect()
        tree_garbage = [o for o in gc.garbage if type(o).__module__.startswith("parso")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert result.local or result.deferred  # the file was analysed
    assert tree_garbage == []


def test_syntax_errors_keep_the_rest_of_the_file(tmp_path):
    found = analyze_files(
        tmp_path, {"app.py": "import requests\ndef broken(:\n    pass\nrequests.get('x')\n"}
    )
    assert [(f.code, f.start[0]) for f in found] == [("INT001", 4)]


def test_deep_nesting_and_huge_files_do_not_stop_the_run(tmp_path):
    write(
        tmp_path,
        {
            "deep.py": "x = " + "[" * 3000 + "]" * 3000 + "\n",
            "huge.py": "x = 1\n" * 400_000,
            "ok.py": "import requests\nrequests.get('x')\n",
        },
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert codes(project) == [("INT001", "ok.py", 2)]
    assert "larger than" in project.skipped[str(tmp_path / "huge.py")]


def test_worker_coalesces_edits_and_ends_on_the_newest(tmp_path):
    write(tmp_path, {"app.py": "import requests\n"})
    project = Project(tmp_path, use_jedi=False)
    results = []
    done = threading.Event()

    def on_result(pub):
        results.append(pub.version)
        if pub.version == 50:
            done.set()

    worker = AnalysisWorker(project, on_result)
    gate = threading.Event()
    worker.call(gate.wait)  # keep the thread busy while the edits arrive
    worker.start()
    path = str(tmp_path / "app.py")
    for v in range(1, 51):
        worker.submit("file:///app.py", path, v, f"import requests\nrequests.get('x')  # {v}\n")
    gate.set()
    assert done.wait(10)
    worker.stop()
    assert results == [50]  # 49 stale versions were never analysed
    assert [f.code for f in project.findings(path)] == ["INT001"]


def test_settings_on_a_last_line_without_newline_are_read(tmp_path):
    write(
        tmp_path,
        {
            "config/settings.py": 'SECRET_KEY = "abcdefgh-production"',
            "app/views.py": "from rest_framework.views import APIView\n\n\nclass Ping(APIView):\n    pass\n",
        },
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert ("SEC001", "config/settings.py", 1) in codes(project)
    (tmp_path / "config/settings.py").write_text(
        'REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["x.IsAuthenticated"]}'
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert "AUTH001" not in [c for c, _, _ in codes(project)]


def test_facts_of_many_files_share_their_names_and_empty_sets():
    """What a scan keeps per file is small: the method names its facts record are
    one string per name for the whole project, and the empty sets of
    ``int_arguments``/``function_calls`` one object, not one per file and name."""
    from backend_lens.engine.analysis import analyze

    a = analyze("def f():\n    x.filter(y)\n    g(1)\n", "/p/a.py", "a.py").facts
    b = analyze("def h():\n    z.filter(w)\n    q.filter()\n", "/p/b.py", "b.py").facts
    name_a = next(n for n in a.function_calls["f"] if n == "filter")
    name_b = next(n for n in b.function_calls["h"] if n == "filter")
    assert name_a is name_b
    assert a.int_arguments["g"] == {"#0"}
    assert a.int_arguments["filter"] is b.int_arguments["filter"]  # both empty


def test_a_nested_meta_naming_a_project_class_does_not_start_jedi(tmp_path, monkeypatch):
    """`class Meta(TimeStamped.Meta)`: the index knows `TimeStamped` (this file's class,
    or an imported project class), so no jedi run (its import, helper process and
    parse of the modules it follows: most of a cold scan's judging on netbox)."""
    from backend_lens.source import names

    asked = []
    monkeypatch.setattr(names.JediResolver, "__call__", lambda self, path, pos: asked.append(pos))
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/base.py": BASE.replace(JEDI_ONLY, ""),
            "shop/models.py": (
                "from django.db import models\n"
                "from shop.base import TimeStamped\n\n\n"
                "class Order(TimeStamped):\n"
                "    status = models.CharField(max_length=20)\n\n"
                "    class Meta(TimeStamped.Meta):\n"
                "        ordering = ['status']\n\n\n"
                "class Line(Order):\n"
                "    class Meta(Order.Meta):\n"
                "        pass\n"
            ),
            "shop/views.py": VIEWS,
            "shop/api.py": (
                "from rest_framework import generics, serializers\n"
                "from shop.models import Order\n\n\n"
                "class OrderSerializer(serializers.ModelSerializer):\n"
                "    class Meta:\n"
                "        model = Order\n"
                "        fields = ['status']\n\n\n"
                "class BriefSerializer(OrderSerializer):\n"
                "    class Meta(OrderSerializer.Meta):\n"
                "        fields = ['id']\n\n\n"
                "class Orders(generics.ListAPIView):\n"
                "    serializer_class = BriefSerializer\n"
            ),
        },
    )
    project = Project(tmp_path, use_jedi=True)
    project.scan()
    assert codes(project) == [
        ("API001", "shop/api.py", 16),
        ("AUTH001", "shop/api.py", 16),
        ("DBP001", "shop/views.py", 5),
    ]
    assert asked == []


def test_a_base_class_held_by_a_function_parameter_or_variable_does_not_start_jedi(
    tmp_path, monkeypatch
):
    """`def factory(base): class View(base)`: which class `base` holds is known when
    the code runs; jedi would guess it from the calls it searches the project for
    (seconds on netbox) with its own environment's libraries. Not resolved, and no
    jedi run; a module-level base next to it still is."""
    from backend_lens.source import names

    asked = []
    monkeypatch.setattr(names.JediResolver, "__call__", lambda self, path, pos: asked.append(pos))
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/api.py": (
                "from rest_framework import generics\n\n\n"
                "def factory(base, *mixins):\n"
                "    class View(base):\n"
                "        pass\n\n"
                "    meta = getattr(base, 'Meta')\n"
                "    for (mixin, _) in mixins:\n"
                "        class Mixed(mixin, meta):\n"
                "            pass\n"
                "    return View\n\n\n"
                "class Orders(generics.ListAPIView):\n"
                "    pass\n"
            ),
        },
    )
    project = Project(tmp_path, use_jedi=True)
    project.scan()
    assert codes(project) == [("API001", "shop/api.py", 15), ("AUTH001", "shop/api.py", 15)]
    assert asked == []


def test_plain_aliases_and_builtins_after_star_imports_are_resolved_without_jedi(
    tmp_path, monkeypatch
):
    """What jedi would answer, when the facts alone tell it: `BaseModel = TimeStamped`
    (bound once, to a project class) here or in the module it is imported from, and
    `Exception` after star imports of project modules that do not bind it."""
    from backend_lens.source import names

    asked = []
    monkeypatch.setattr(names.JediResolver, "__call__", lambda self, path, pos: asked.append(pos))
    write(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/base.py": BASE.replace(JEDI_ONLY, "\n\nBaseModel = TimeStamped\n"),
            "shop/__init__.py": "",
            "shop/models.py": MODELS
            + "\n\nLocal = BaseModel\n\n\nclass Line(Local):\n"
            + "    sku = models.CharField(max_length=20)\n",
            "shop/views.py": VIEWS
            + "\n\ndef lines():\n"
            + "    from shop.models import Line\n\n"
            + '    return Line.objects.filter(sku="x").first()\n',
            "shop/api.py": (
                "from rest_framework import generics\n"
                "from shop.models import *\n\n\n"
                "class Refused(Exception):\n"
                "    pass\n\n\n"
                "class Orders(generics.ListAPIView):\n"
                "    pass\n"
            ),
        },
    )
    project = Project(tmp_path, use_jedi=True)
    project.scan()
    assert codes(project) == [
        ("API001", "shop/api.py", 9),
        ("AUTH001", "shop/api.py", 9),
        ("DBP001", "shop/views.py", 5),
        ("DBP001", "shop/views.py", 11),
    ]
    assert asked == []
    # a star-imported module that binds the name: jedi is asked
    (tmp_path / "shop" / "models.py").write_text(MODELS + "\n\nException = ValueError\n")
    again = Project(tmp_path, use_jedi=True)
    again.scan()
    list(again.all_findings())
    assert asked == [(5, 14)]


def test_classes_that_cannot_be_drf_views_leave_no_judgement_to_keep(tmp_path):
    """A scan keeps every file's deferred judgements in memory: test cases, models
    and exceptions (bases from Django, the standard library, builtins) cannot be
    DRF views, so API001/AUTH001 leave none for them; a class on a project base
    (which may be a DRF view) still gets them, and is still reported."""
    write(
        tmp_path,
        {
            "app/tests.py": (
                "from django.test import TestCase\nfrom django.db import models\n\n\n"
                "class T(TestCase):\n    pass\n\n\n"
                "class M(models.Model):\n    pass\n\n\n"
                "class E(Exception):\n    pass\n"
            ),
            "app/base.py": "from rest_framework import generics\n\n\nclass Base(generics.ListAPIView):\n    pass\n",
            "app/views.py": "from app.base import Base\n\n\nclass Orders(Base):\n    pass\n",
        },
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert project.results[str(tmp_path / "app/tests.py")].deferred == []
    assert ("AUTH001", "app/views.py", 4) in codes(project)
    assert ("API001", "app/views.py", 4) in codes(project)


def test_a_document_closed_and_opened_again_stays_open(tmp_path):
    """didClose then didOpen of the same file: the close waits behind the open's
    analysis on the thread (edits go first), and must not then drop the open
    document and put the text on disk back in the index."""
    write(tmp_path, {"app.py": "import requests\n"})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    results = []
    worker = AnalysisWorker(project, results.append)
    gate = threading.Event()
    worker.call(gate.wait)  # keep the thread busy while the messages arrive
    worker.start()
    path, uri = str(tmp_path / "app.py"), "file:///app.py"
    worker.submit(uri, path, 1, "import requests\n")
    closed = worker.close(uri)
    worker.submit(uri, path, 2, "import requests\nrequests.get('x')\n")
    gate.set()
    closed.result(10)
    assert worker.call(lambda: None).result(10) is None  # everything before it has run
    worker.stop()
    assert [p.version for p in results] == [2]
    assert [f.code for f in project.findings(path)] == ["INT001"]  # the open text, not the disk's
    assert project.overlay[path].endswith("requests.get('x')\n")
