"""Data Protection & Encryption: SEC001 hardcoded-secret-in-settings."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

RULE_PAGE_EXAMPLE = """
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "k3#v9!q2w@x7z^m1p0r8t6y4u5i-shop-prod"
DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]

EMAIL_HOST = "smtp.example.com"
EMAIL_HOST_USER = "orders@example.com"
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "orders-mail-2024")
"""

USE_INSTEAD = """
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]

EMAIL_HOST = "smtp.example.com"
EMAIL_HOST_USER = "orders@example.com"
EMAIL_HOST_PASSWORD = os.environ["EMAIL_HOST_PASSWORD"]
"""


def sec001(tmp_path, path: str, src: str):
    return only(analyze_files(tmp_path, {path: src}), "SEC001")


def test_sec001_rule_page_example(tmp_path):
    found = sec001(tmp_path, "shop/settings.py", RULE_PAGE_EXAMPLE)
    secret = '"k3#v9!q2w@x7z^m1p0r8t6y4u5i-shop-prod"'
    default = '"orders-mail-2024"'
    assert [f.start for f in found] == [
        pos_of(RULE_PAGE_EXAMPLE, secret),
        pos_of(RULE_PAGE_EXAMPLE, default),
    ]
    assert found[0].end == (found[0].start[0], found[0].start[1] + len(secret))
    assert "SECRET_KEY" in found[0].message
    assert "EMAIL_HOST_PASSWORD" in found[1].message
    assert all(f.severity == Severity.ERROR and f.fix is None for f in found)


def test_sec001_rule_page_use_instead_is_quiet(tmp_path):
    assert sec001(tmp_path, "shop/settings.py", USE_INSTEAD) == []


@pytest.mark.parametrize(
    "path",
    [
        "config/settings.py",
        "config/settings/base.py",
        "config/settings/production.py",
        "config/settings/__init__.py",
        "shop/payment_settings.py",
        "shop/config.py",
    ],
)
def test_sec001_settings_like_modules(tmp_path, path):
    src = 'SECRET_KEY = "django-insecure-abc123"\n'
    (f,) = sec001(tmp_path, path, src)
    assert f.start == (1, 13)


@pytest.mark.parametrize(
    "path",
    [
        "config/settings/dev.py",
        "config/settings/local.py",
        "config/settings/test.py",
        "config/settings/tests.py",
        "config/settings/testing.py",
        "config/settings/development.py",
        "config/settings/ci.py",
        # a tests folder (saleor/tests/settings.py, django's tests/*/integration_settings.py)
        "saleor/tests/settings.py",
        "tests/postgres_tests/integration_settings.py",
        "shop/test_settings.py",
        "config/settings/dev_docker.py",
        "shop/views.py",  # not a settings module
        "shop/constants.py",
    ],
)
def test_sec001_development_and_non_settings_files_are_quiet(tmp_path, path):
    assert sec001(tmp_path, path, 'SECRET_KEY = "django-insecure-abc123"\n') == []


@pytest.mark.parametrize(
    "name",
    [
        "SECRET_KEY",
        "STRIPE_SECRET",
        "AWS_SECRET_KEY",
        "SENDGRID_API_KEY",
        "DB_PASSWORD",
        "SLACK_TOKEN",
    ],
)
def test_sec001_secret_names(tmp_path, name):
    src = f'{name} = "s3cr3t-value"\n'
    (f,) = sec001(tmp_path, "config/settings.py", src)
    assert f.start == (1, len(name) + 3)
    assert name in f.message


@pytest.mark.parametrize(
    "line",
    [
        'DEBUG_LABEL = "x"',  # not a secret name
        'PASSWORD_HINT = "ask the admin"',  # secret word first, not as a suffix
        'TOKEN_URL = "https://auth.example.com/token"',
        'SECRET_KEY = ""',  # empty literal
        'SECRET_KEY = os.environ["SECRET_KEY"]',
        'SLACK_TOKEN = os.environ.get("SLACK_TOKEN")',
        'SLACK_TOKEN = os.environ.get("SLACK_TOKEN", "")',
        'SLACK_TOKEN = os.getenv("SLACK_TOKEN", default="")',
    ],
)
def test_sec001_no_literal_secret_is_quiet(tmp_path, line):
    assert sec001(tmp_path, "config/settings.py", f"import os\n{line}\n") == []


@pytest.mark.parametrize(
    ("line", "literal"),
    [
        ('DB_PASSWORD = os.environ.get("DB_PASSWORD", "postgres")', '"postgres"'),
        ('DB_PASSWORD = os.getenv("DB_PASSWORD", "postgres")', '"postgres"'),
        ('DB_PASSWORD = os.getenv("DB_PASSWORD", default="postgres")', '"postgres"'),
    ],
)
def test_sec001_environment_lookup_with_a_literal_default(tmp_path, line, literal):
    src = f"import os\n{line}\n"
    (f,) = sec001(tmp_path, "config/settings.py", src)
    assert f.start == pos_of(src, literal)


def test_sec001_only_module_level_assignments(tmp_path):
    src = """
    def make_settings():
        SECRET_KEY = "inside-a-function"
        return SECRET_KEY


    class Config:
        API_TOKEN = "class-attribute"
    """
    assert sec001(tmp_path, "config/settings.py", src) == []


def test_sec001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/settings.py": RULE_PAGE_EXAMPLE}), "SEC001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[SEC001]") and "SECRET_KEY = " in ln
        for ln in text.splitlines()
    )
