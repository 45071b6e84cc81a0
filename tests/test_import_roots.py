"""Import roots, found rather than assumed: a Django project in `backend/` (or
any folder that is not the repository root) imports its apps as `shop.models`,
not `backend.shop.models`. The same file gets the same findings whether the
repository root or the project's own root is analysed."""

from __future__ import annotations

from backend_lens.engine.project import Project

from .helpers import write_files

MODELS = """
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    reference = models.CharField(max_length=32{index})
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
"""
VIEWS = """
from shop.models import Order


def by_reference(ref):
    return Order.objects.filter(reference=ref).first()


def names():
    return [o.customer.name for o in Order.objects.all()]
"""


def findings(root) -> list[tuple[str, str, int]]:
    project = Project(root, use_jedi=False)
    project.scan()
    return sorted(
        (f.code, str(project.root.joinpath(project.rel(f.path)).resolve()), f.start[0])
        for f in project.all_findings()
    )


def test_a_django_project_in_a_subfolder_is_read_from_the_repository_root(tmp_path):
    write_files(
        tmp_path,
        {
            "README.md": "a repository with the Django project in backend/",
            "backend/manage.py": "import os\n",
            "backend/shop/__init__.py": "",
            "backend/shop/models.py": MODELS.format(index=""),
            "backend/shop/views.py": VIEWS,
        },
    )
    from_repo_root = findings(tmp_path)
    from_project_root = findings(tmp_path / "backend")
    assert [(code, line) for code, _, line in from_repo_root] == [("DBP001", 5), ("ORM001", 9)]
    assert from_repo_root == from_project_root


def test_a_src_layout_resolves_its_package(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'shop'\n",
            "src/shop/__init__.py": "",
            "src/shop/models.py": MODELS.format(index=""),
            "src/shop/views.py": VIEWS,
        },
    )
    assert [(code, line) for code, _, line in findings(tmp_path)] == [
        ("DBP001", 5),
        ("ORM001", 9),
    ]


def test_two_services_with_the_same_package_name_are_not_mixed_up(tmp_path):
    # service_a indexes `reference`, service_b does not: neither may be judged by
    # the other's model (the shared name `shop.models` is ambiguous, so neither is)
    write_files(
        tmp_path,
        {
            "service_a/shop/__init__.py": "",
            "service_a/shop/models.py": MODELS.format(index=", db_index=True"),
            "service_a/shop/views.py": VIEWS,
            "service_b/shop/__init__.py": "",
            "service_b/shop/models.py": MODELS.format(index=""),
            "service_b/shop/views.py": VIEWS,
        },
    )
    a_views = str((tmp_path / "service_a" / "shop" / "views.py").resolve())
    assert [f for f in findings(tmp_path) if f[1] == a_views and f[0] == "DBP001"] == []
    # each service on its own is judged against its own model
    assert [c for c, _, _ in findings(tmp_path / "service_a")] == ["ORM001"]
    assert [c for c, _, _ in findings(tmp_path / "service_b")] == ["DBP001", "ORM001"]
