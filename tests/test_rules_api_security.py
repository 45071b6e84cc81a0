"""API Security & Documentation: APISEC001-APISEC006 (production settings, CORS,
csrf_exempt, cookies, error details sent to clients)."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

SOLE = """
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = True
ALLOWED_HOSTS = ["shop.example.com", "*"]
INSTALLED_APPS = ["shop"]
"""

BASE = """
DEBUG = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["shop"]
"""


def run(tmp_path, files: dict[str, str], code: str):
    return only(analyze_files(tmp_path, files), code)


# ---------------------------------------------------------------------------
# APISEC001 debug-enabled-in-production


def test_apisec001_the_only_settings_module(tmp_path):
    (f,) = run(tmp_path, {"shop/settings.py": SOLE}, "APISEC001")
    assert f.start == pos_of(SOLE, "True")
    assert f.end == (f.start[0], f.start[1] + 4)
    assert "DEBUG = True" in f.message and "only settings module" in f.message
    assert f.severity == Severity.ERROR


def test_apisec001_test_settings_beside_do_not_count(tmp_path):
    files = {"shop/settings.py": SOLE, "shop/test_settings.py": "from .settings import *\n"}
    files["tests/settings.py"] = "DEBUG = False\nINSTALLED_APPS = []\n"
    assert len(run(tmp_path, files, "APISEC001")) == 1


def test_apisec001_unknown_module_beside_another_is_quiet(tmp_path):
    files = {"shop/settings.py": SOLE, "shop/other_settings.py": "DEBUG = False\n"}
    assert run(tmp_path, files, "APISEC001") == []


def test_apisec001_selected_by_wsgi(tmp_path):
    files = {
        "shop/settings.py": SOLE,
        "shop/other_settings.py": "DEBUG = False\n",
        "shop/wsgi.py": """
            import os
            from django.core.wsgi import get_wsgi_application
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
            application = get_wsgi_application()
        """,
    }
    (f,) = run(tmp_path, files, "APISEC001")
    assert "wsgi" in f.message


def test_apisec001_base_under_production(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": BASE,
        "shop/settings/production.py": "from .base import *\nSECRET_KEY = 'x'\n",
        "shop/settings/dev.py": "from .base import *\nDEBUG = True\n",
    }
    (f,) = run(tmp_path, files, "APISEC001")
    assert f.path.endswith("base.py") and f.start == (1, 8)
    assert "production imports it" in f.message


def test_apisec001_production_overrides_base(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": BASE,
        "shop/settings/production.py": "from .base import *\nDEBUG = False\n",
        "shop/settings/local.py": "from .base import *\nDEBUG = True\n",
    }
    assert run(tmp_path, files, "APISEC001") == []


def test_apisec001_production_module(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": "DEBUG = False\nINSTALLED_APPS = []\n",
        "shop/settings/prod.py": "from .base import *\nDEBUG = True\n",
    }
    (f,) = run(tmp_path, files, "APISEC001")
    assert f.path.endswith("prod.py") and f.start == (2, 8)


@pytest.mark.parametrize(
    "path", ["shop/settings/dev.py", "shop/settings/local.py", "shop/settings/test.py"]
)
def test_apisec001_development_and_test_settings_are_quiet(tmp_path, path):
    assert run(tmp_path, {path: BASE}, "APISEC001") == []


@pytest.mark.parametrize(
    "value",
    [
        'env.bool("DEBUG", default=False)',
        'os.environ.get("DJANGO_DEBUG") == "1"',
        'os.environ.get("DEBUG", "false").lower() == "true"',
        "False",
        "'True'",
        "not PRODUCTION",
    ],
)
def test_apisec001_values_that_are_not_a_literal_true(tmp_path, value):
    src = f"import os\nDEBUG = {value}\nINSTALLED_APPS = []\n"
    assert run(tmp_path, {"shop/settings.py": src}, "APISEC001") == []


@pytest.mark.parametrize(
    "later",
    [
        "if os.environ.get('PRODUCTION'):\n    DEBUG = False\n",
        "try:\n    from .local_settings import *\nexcept ImportError:\n    pass\n",
        "DEBUG = os.environ.get('DEBUG') == '1'\n",
        "globals().update(load_overrides())\n",
    ],
)
def test_apisec001_changed_later_in_the_module(tmp_path, later):
    src = "import os\nDEBUG = True\nINSTALLED_APPS = []\n" + later
    assert run(tmp_path, {"shop/settings.py": src}, "APISEC001") == []


def test_apisec001_inside_a_block_is_not_the_module_value(tmp_path):
    src = "import os\nDEBUG = False\nif os.environ.get('LOCAL'):\n    DEBUG = True\n"
    assert run(tmp_path, {"shop/settings.py": src}, "APISEC001") == []


def test_apisec001_flask_configuration_classes(tmp_path):
    src = """
        import os

        class Config:
            DEBUG = False
            SECRET_KEY = os.environ.get("SECRET_KEY")

        class DevelopmentConfig(Config):
            DEBUG = True

        class TestingConfig(Config):
            DEBUG = True
            TESTING = True

        class ProductionConfig(Config):
            DEBUG = True
    """
    (f,) = run(tmp_path, {"app/config.py": src}, "APISEC001")
    assert f.start == pos_of(src, "True", 4)
    assert "ProductionConfig" in f.message


def test_apisec001_not_a_settings_module(tmp_path):
    src = "DEBUG = True\nINSTALLED_APPS = []\n"
    assert run(tmp_path, {"shop/constants.py": src}, "APISEC001") == []


def test_apisec001_suppression(tmp_path):
    (f,) = run(tmp_path, {"shop/settings.py": SOLE}, "APISEC001")
    assert_suppress_edit_silences(tmp_path, f)


# ---------------------------------------------------------------------------
# APISEC002 allowed-hosts-wildcard


def test_apisec002_wildcard_in_the_only_settings_module(tmp_path):
    (f,) = run(tmp_path, {"shop/settings.py": SOLE}, "APISEC002")
    assert f.start == pos_of(SOLE, '"*"')
    assert f.end == (f.start[0], f.start[1] + 3)
    assert "ALLOWED_HOSTS" in f.message and "Host header" in f.message
    assert f.severity == Severity.WARNING


def test_apisec002_tuple_and_base_module(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": "ALLOWED_HOSTS = ('*',)\nINSTALLED_APPS = []\n",
        "shop/settings/production.py": "from .base import *\nDEBUG = False\n",
    }
    (f,) = run(tmp_path, files, "APISEC002")
    assert f.path.endswith("base.py") and f.start == (1, 17)


@pytest.mark.parametrize(
    "value",
    [
        '["shop.example.com", ".example.com"]',
        '["*.example.com"]',
        "[]",
        'os.environ.get("ALLOWED_HOSTS", "*").split(",")',
        'env.list("ALLOWED_HOSTS", default=["*"])',
        '["*"] if DEBUG else ["shop.example.com"]',
    ],
)
def test_apisec002_look_alikes(tmp_path, value):
    src = f"import os\nDEBUG = False\nALLOWED_HOSTS = {value}\n"
    assert run(tmp_path, {"shop/settings.py": src}, "APISEC002") == []


def test_apisec002_development_settings_and_production_override(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": BASE,
        "shop/settings/local.py": "from .base import *\nALLOWED_HOSTS = ['*']\n",
        "shop/settings/production.py": "from .base import *\nALLOWED_HOSTS = ['shop.example.com']\n",
    }
    assert run(tmp_path, files, "APISEC002") == []
