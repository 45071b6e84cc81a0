"""Source roots the way the running project finds them: namespace packages under
the folder that holds manage.py, imports resolved from the importing file's
folders, a `src` setting, pyproject.toml package folders, and two Django
services with their own settings. The same file gets the same findings from the
repository root and from its project root."""

from __future__ import annotations

from backend_lens import config as config_mod
from backend_lens.engine.project import Project

from .helpers import write_files
from .test_import_roots import MODELS

VIEWS = """
from orders.models import Order


def by_reference(ref):
    return Order.objects.filter(reference=ref).first()
"""


def findings(root, **settings) -> list[tuple[str, str, int]]:
    project = Project(root, config=config_mod.load(root, settings or None), use_jedi=False)
    project.scan()
    return sorted(
        (f.code, project.root.joinpath(project.rel(f.path)).resolve().as_posix(), f.start[0])
        for f in project.all_findings()
    )


def roots(root, **settings) -> list[tuple[str, str]]:
    project = Project(root, config=config_mod.load(root, settings or None), use_jedi=False)
    project.scan()
    return project.source_roots()


def test_namespace_apps_beside_manage_py_resolve_from_the_repository_root(tmp_path):
    # apps without __init__.py (namespace packages): only manage.py's folder says
    # where the project imports from
    write_files(
        tmp_path,
        {
            "shop/manage.py": "import os\n",
            "shop/orders/models.py": MODELS.format(index=""),
            "shop/catalog/views.py": VIEWS,
        },
    )
    from_repo = findings(tmp_path)
    assert [(c, line) for c, _, line in from_repo] == [("DBP001", 5)]
    assert from_repo == findings(tmp_path / "shop")
    assert ("shop", "holds manage.py") in roots(tmp_path)


def test_an_import_is_resolved_from_the_importing_files_folders_nearest_first(tmp_path):
    # no manage.py, no packages: `orders.models` is a sibling folder of catalog/
    write_files(
        tmp_path,
        {
            "service/orders/models.py": MODELS.format(index=""),
            "service/catalog/views.py": VIEWS,
        },
    )
    assert [(c, line) for c, _, line in findings(tmp_path)] == [("DBP001", 5)]
    # indexed: no finding, so the model was really read
    write_files(tmp_path, {"service/orders/models.py": MODELS.format(index=", db_index=True")})
    assert findings(tmp_path) == []


def test_the_src_setting_names_the_import_root(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.backend-lens]\nsrc = ["code/backend"]\n',
            "code/backend/orders/models.py": MODELS.format(index=""),
            "code/backend/catalog/views.py": VIEWS,
        },
    )
    project = Project(tmp_path, config=config_mod.load(tmp_path), use_jedi=False)
    project.scan()
    assert project.source_roots() == [("code/backend", "setting `src`")]
    assert [f.code for f in project.all_findings()] == ["DBP001"]


def test_a_bad_src_setting_is_reported_not_fatal(tmp_path):
    write_files(tmp_path, {"pyproject.toml": '[tool.backend-lens]\nsrc = ["../elsewhere", 3]\n'})
    cfg = config_mod.load(tmp_path)
    assert cfg.src == ()
    assert any("src" in p for p in cfg.problems)


def test_pyproject_package_dir_is_a_source_root(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.setuptools.packages.find]\nwhere = ["lib"]\n',
            "lib/orders/models.py": MODELS.format(index=""),
            "lib/catalog/views.py": VIEWS,
        },
    )
    assert roots(tmp_path) == [("lib", "pyproject.toml")]
    assert [c for c, _, _ in findings(tmp_path)] == ["DBP001"]


SERVICE_VIEWS = """
from rest_framework.generics import ListAPIView
from core.models import Order


class Orders(ListAPIView):
    queryset = Order.objects.all()
"""


def test_two_django_services_each_read_their_own_settings(tmp_path):
    files = {}
    for name, rf in (
        (
            "billing",
            "{'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated'], 'DEFAULT_PAGINATION_CLASS': 'p.P'}",
        ),
        ("shipping", "{}"),
    ):
        files |= {
            f"services/{name}/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n",
            f"services/{name}/conf/__init__.py": "",
            f"services/{name}/conf/settings.py": f"REST_FRAMEWORK = {rf}\n",
            f"services/{name}/core/__init__.py": "",
            f"services/{name}/core/models.py": MODELS.format(index=", db_index=True"),
            f"services/{name}/core/views.py": SERVICE_VIEWS,
        }
    write_files(tmp_path, files)
    found = findings(tmp_path)
    # billing's settings set permissions and pagination; shipping's do not
    assert sorted((c, p.split("/services/")[1]) for c, p, _ in found) == [
        ("API001", "shipping/core/views.py"),
        ("AUTH001", "shipping/core/views.py"),
    ]
    assert found == sorted(
        (c, p, line)
        for service in ("billing", "shipping")
        for c, p, line in findings(tmp_path / "services" / service)
    )


def test_test_settings_do_not_override_production_settings(tmp_path):
    write_files(
        tmp_path,
        {
            "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n",
            "shop/__init__.py": "",
            "shop/settings.py": "REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': ['x.IsAuthenticated']}\n",
            "shop/wsgi.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n",
            "shop/tests/__init__.py": "",
            "shop/tests/settings.py": "from ..settings import *\nREST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': []}\n",
            "shop/views.py": "from rest_framework.views import APIView\n\n\nclass Ping(APIView):\n    pass\n",
        },
    )
    # the test settings sort after shop/settings.py but are read first
    assert [c for c, _, _ in findings(tmp_path)] == []
