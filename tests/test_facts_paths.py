"""Facts are filed under the file they come from, whatever the file declares:
a route's URL path must never take the place of the file's path in the index."""

from __future__ import annotations

from backend_lens.engine.project import Project

from .helpers import analyze_files, only, write_files

MODELS = """
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
"""
VIEWS = """
from shop.models import Order


def names():
    return [o.customer.name for o in Order.objects.all()]
"""
ROUTES = """
from fastapi import FastAPI

app = FastAPI()


@app.get("{route}")
def home():
    return {{}}
"""


def test_a_route_whose_path_names_another_file_does_not_hide_its_findings(tmp_path):
    models = tmp_path / "shop" / "models.py"
    files = {"shop/models.py": MODELS, "shop/views.py": VIEWS}
    assert len(only(analyze_files(tmp_path, files), "ORM001")) == 1
    # an unrelated file declares a route whose URL happens to be models.py's path
    write_files(tmp_path, {"shop/zz_routes.py": ROUTES.format(route=str(models.resolve()))})
    assert len(only(analyze_files(tmp_path), "ORM001")) == 1


def test_facts_of_files_with_routes_are_filed_under_their_own_path(tmp_path):
    write_files(
        tmp_path,
        {
            "a/routes.py": ROUTES.format(route="/"),
            "b/routes.py": ROUTES.format(route="/"),
            "shop/models.py": MODELS,
        },
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert set(project.index.files) == set(project.results)
    assert {f.path for f in project.index.files.values()} == set(project.results)
    # both files' routes are known, not one overwriting the other
    routes = [r for f in project.index.files.values() for r in f.routes]
    assert len(routes) == 2


def test_editing_a_route_leaves_no_stale_entry(tmp_path):
    write_files(tmp_path, {"api/routes.py": ROUTES.format(route="/a")})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    path = str((tmp_path / "api" / "routes.py").resolve())
    for route in ("/b", "/c", "/d"):
        project.analyze_file(path, ROUTES.format(route=route).lstrip("\n"), cache_key="doc")
    assert list(project.index.files) == [path]


def test_a_meta_with_malformed_unique_together_still_yields_the_model(tmp_path):
    """Django's own tests hold ``unique_together = [("a", "b"), 42]`` and ``= 42``:
    the model and its well-formed groups are read, the rest is ignored (the file's
    facts used to be lost to a TypeError, with a warning)."""
    from backend_lens.config import load as load_config
    from backend_lens.engine.analysis import analyze

    text = (
        "from django.db import models\n\n\n"
        "class A(models.Model):\n"
        "    a = models.IntegerField()\n"
        "    b = models.IntegerField()\n\n"
        "    class Meta:\n"
        '        unique_together = [("a", "b"), 42]\n\n\n'
        "class B(models.Model):\n"
        "    class Meta:\n"
        "        unique_together = 42\n"
        '        index_together = [["a"], None, "x"]\n'
    )
    result = analyze(text, str(tmp_path / "m.py"), "m.py", None, None, load_config(tmp_path))
    assert result.errors == []
    classes = {c.name: c for c in result.facts.classes if c.name in ("A", "B")}
    assert set(classes) == {"A", "B"}
    assert classes["A"].meta_indexes == (("a", "b"),)
    assert classes["B"].meta_indexes == (("a",),)
