"""EXT003 (unpinned dependencies) and EXT004 (pins with known advisories): the
manifests they read, the look-alikes that stay quiet, and the engine path
(discovery, CLI, cache, SARIF, unreadable manifests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from backend_lens.detectors.dependencies import advisories, looseness
from backend_lens.detectors.dependencies.reading import read_requirements
from backend_lens.engine import manifests

from .helpers import analyze_files, apply_fix, only, rel


def found(tmp_path: Path, files: dict[str, str], code: str | None = None):
    hits = analyze_files(tmp_path, files)
    out = [(rel(tmp_path, f), f.code, f.start, f.end) for f in hits if f.code.startswith("EXT00")]
    return [x for x in out if code is None or x[1] == code]


def ext(hits, code):
    return [f for f in only(hits, code)]


# -- requirements files --------------------------------------------------------------
def test_unpinned_and_open_ranges_in_an_application_requirements_file(tmp_path):
    text = (
        "Django>=4.2\n"
        "flask\n"
        "celery[redis] >= 5.3 ; python_version >= '3.10'\n"
        "git+https://github.com/acme/tool.git#egg=tool\n"
        "acme-sdk @ git+https://github.com/acme/sdk.git@main\n"
    )
    hits = analyze_files(tmp_path, {"requirements.txt": text, "manage.py": ""})
    loose = sorted(ext(hits, "EXT003"), key=lambda f: f.start)
    assert [(f.start, f.end) for f in loose] == [
        ((1, 0), (1, 11)),
        ((2, 0), (2, 5)),
        ((3, 0), (3, 47)),
        ((4, 0), (4, 45)),
        ((5, 0), (5, 51)),
    ]
    assert "`Django>=4.2` has no upper bound" in loose[0].message
    assert "`flask` has no version constraint" in loose[1].message
    assert "`celery>=5.3` has no upper bound" in loose[2].message
    assert "default branch" in loose[3].message
    assert "the `main` branch" in loose[4].message


def test_pins_bounds_options_and_paths_stay_quiet(tmp_path):
    text = (
        "# production\n"
        "-r base.txt\n"
        "--index-url https://pypi.example/simple\n"
        "-e .\n"
        "./vendor/pkg\n"
        "https://files.example/acme-1.0-py3-none-any.whl\n"
        "Django==5.2.11  # pinned\n"
        "celery[redis]~=5.4\n"
        "redis>=5,<6\n"
        "psycopg==3.2.*\n"
        "gunicorn === 23.0.0\n"
        "acme @ git+https://github.com/acme/acme.git@v1.4.2\n"
        "tool @ git+https://github.com/acme/tool.git@3f2c1a9e0b7d\n"
        "uvicorn==0.30.1 \\\n"
        "    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
        "whitenoise==6.7.0 ; sys_platform != 'win32'\n"
    )
    assert found(tmp_path, {"requirements.txt": text, "manage.py": ""}) == []


def test_a_lock_or_constraints_file_pins_the_ranges(tmp_path):
    loose = "Django>=4.2\nflask\n"
    assert found(tmp_path / "a", {"requirements.txt": loose, "requirements.lock": ""}) == []
    assert found(tmp_path / "b", {"requirements.txt": loose, "constraints.txt": ""}) == []
    with_c = "-c ../constraints/prod.txt\n" + loose
    assert found(tmp_path / "c", {"requirements.txt": with_c}) == []
    assert len(found(tmp_path / "d", {"requirements.txt": loose})) == 2


def test_development_files_are_quiet_for_ranges_but_not_for_advisories(tmp_path):
    files = {
        "requirements-dev.txt": "pytest>=8\nDjango==4.2.10\n",
        "requirements/test.txt": "factory-boy\n",
        "requirements/local.txt": "django-debug-toolbar\n",
        "docs/requirements.txt": "sphinx\n",
        "manage.py": "",
    }
    hits = found(tmp_path, files)
    assert hits == [("requirements-dev.txt", "EXT004", (2, 0), (2, 14))]


def test_requirements_of_a_library_are_quiet_unless_it_is_an_application(tmp_path):
    pyproject = '[project]\nname = "acme"\nclassifiers = ["Framework :: Django"]\n'
    files = {"pyproject.toml": pyproject, "requirements.txt": "Django>=4.2\n"}
    assert found(tmp_path / "lib", files) == []
    assert found(tmp_path / "setup", {"setup.py": "", "requirements.txt": "Django>=4.2\n"}) == []
    files = {**files, "Dockerfile": "FROM python\n"}
    assert [h[1] for h in found(tmp_path / "app", files)] == ["EXT003"]
    # requirements/base.txt: the package is the folder above
    files = {"pyproject.toml": pyproject, "requirements/base.txt": "Django>=4.2\n"}
    assert found(tmp_path / "nested", files) == []


def test_manifests_in_a_test_suite_are_fixtures(tmp_path):
    files = {"tests/fixtures/requirements.txt": "Django==3.2.1\nflask\n"}
    assert found(tmp_path, files) == []


def test_suppression_comment_silences_a_requirement(tmp_path):
    text = "flask  # backend-lens: ignore[EXT003]\nDjango>=4.2\n"
    hits = analyze_files(tmp_path, {"requirements.txt": text})
    assert [f.start[0] for f in ext(hits, "EXT003")] == [2]
    (f,) = ext(hits, "EXT003")
    assert f.suppress is not None and f.suppress.text == "  # backend-lens: ignore[EXT003]"


def test_continued_requirement_is_placed_on_its_first_line():
    reqs, constraints = read_requirements("Django>=4 \\\n    --hash=sha256:ab\nflask\n")
    assert [(r.name, r.line, r.start, r.end, r.comment_line) for r in reqs] == [
        ("django", 1, 0, 9, 2),
        ("flask", 3, 0, 5, 3),
    ]
    assert constraints == []


# -- pyproject.toml ---------------------------------------------------------------------
APP_PYPROJECT = """\
[project]
name = "shop"
version = "1.0"
dependencies = [
    "Django>=4.2",  # the framework
    "djangorestframework~=3.15",
    'celery[redis]',
    "psycopg[binary]==3.2.3",
]

[project.optional-dependencies]
s3 = ["boto3>=1.34"]
dev = ["pytest>=8", "ruff"]
"""


def test_pyproject_of_an_application(tmp_path):
    hits = found(tmp_path, {"pyproject.toml": APP_PYPROJECT})
    assert hits == [
        ("pyproject.toml", "EXT003", (5, 5), (5, 16)),
        ("pyproject.toml", "EXT003", (7, 5), (7, 18)),
        ("pyproject.toml", "EXT003", (12, 7), (12, 18)),
    ]


def test_pyproject_of_a_library_or_with_a_lock_is_quiet(tmp_path):
    library = APP_PYPROJECT.replace(
        'version = "1.0"', 'version = "1.0"\nclassifiers = ["Framework :: Django"]'
    )
    assert found(tmp_path / "lib", {"pyproject.toml": library}) == []
    for lock in ("uv.lock", "poetry.lock", "pdm.lock"):
        files = {"pyproject.toml": APP_PYPROJECT, lock: ""}
        assert found(tmp_path / lock, files) == [], lock
    # pip-compile pyproject.toml -o requirements.txt: the requirements file is its lock
    pinned = "django==5.2.11\n    # via shop (pyproject.toml)\ncelery[redis]==5.4.0 \\\n    --hash=sha256:00\n"
    files = {"pyproject.toml": APP_PYPROJECT, "requirements.txt": pinned}
    assert found(tmp_path / "compiled", files) == []
    files["requirements.txt"] = "django>=5\n"  # not a lock: both are judged
    assert len(found(tmp_path / "not-compiled", files)) == 4
    # a uv workspace keeps one lock at its root
    files = {"pyproject.toml": "[tool.uv.workspace]\n", "uv.lock": ""}
    files["backend/pyproject.toml"] = APP_PYPROJECT
    assert found(tmp_path / "ws", files) == []


def test_poetry_dependencies(tmp_path):
    text = """\
[tool.poetry]
name = "shop"
package-mode = false
classifiers = ["Framework :: Django"]

[tool.poetry.dependencies]
python = "^3.11"
django = "*"
celery = { version = ">=5.3", extras = ["redis"] }
redis = "^5.0"
gunicorn = "~22.0"
requests = "2.25.0"
acme = { git = "https://github.com/acme/acme.git", branch = "main" }
tool = { git = "https://github.com/acme/tool.git", rev = "3f2c1a9" }
local = { path = "../local" }

[tool.poetry.group.dev.dependencies]
pytest = "*"
"""
    hits = analyze_files(tmp_path, {"pyproject.toml": text})
    got = sorted((f.code, f.start, f.end) for f in hits)
    assert got == [
        ("EXT003", (8, 0), (8, 12)),
        ("EXT003", (9, 0), (9, 50)),
        ("EXT003", (13, 0), (13, 68)),
        ("EXT004", (12, 0), (12, 19)),
    ]
    (adv,) = ext(hits, "EXT004")
    assert adv.fix is not None and adv.fix.edits[0].text == "2.32.4"
    assert apply_fix(tmp_path, adv)["pyproject.toml"].count('requests = "2.32.4"') == 1


def test_malformed_toml_is_reported_and_the_scan_goes_on(tmp_path):
    files = {"pyproject.toml": "[project\nname = 1\n", "requirements.txt": "flask\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "requirements.txt").write_bytes(b"flask\x00\n")
    result = subprocess.run(
        [sys.executable, "-m", "backend_lens", "check", str(tmp_path), "--no-cache", "-q"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "warning: pyproject.toml: not valid TOML" in result.stderr
    assert "its dependencies were not checked" in result.stderr
    assert "skipped sub/requirements.txt: binary file" in result.stderr
    assert "requirements.txt:1:1: EXT003" in result.stdout


# -- Pipfile ------------------------------------------------------------------------------
PIPFILE = """\
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true

[packages]
django = "*"
requests = "==2.25.0"
celery = {version = ">=5.3", extras = ["redis"]}
redis = "~=5.0"

[dev-packages]
pytest = "*"
"""


def test_pipfile(tmp_path):
    hits = found(tmp_path / "a", {"Pipfile": PIPFILE})
    assert hits == [
        ("Pipfile", "EXT003", (6, 0), (6, 12)),
        ("Pipfile", "EXT004", (7, 0), (7, 21)),
        ("Pipfile", "EXT003", (8, 0), (8, 48)),
    ]
    locked = found(tmp_path / "b", {"Pipfile": PIPFILE, "Pipfile.lock": "{}"})
    assert [h[1] for h in locked] == ["EXT004"]


# -- EXT004 ----------------------------------------------------------------------------------
def test_known_advisory_names_ids_and_the_fixed_version_and_fixes_the_pin(tmp_path):
    text = "Django==4.0.5\nWerkzeug==2.2.3\nrequests==2.32.4\nDjango==5.2.11\n"
    hits = analyze_files(tmp_path, {"requirements.txt": text})
    first, second = sorted(ext(hits, "EXT004"), key=lambda f: f.start)
    assert (first.start, first.end) == ((1, 0), (1, 13))
    # 4.0.5: CVE-2022-28346 was fixed in 4.0.4; the 4.0 line has no release without
    # CVE-2023-31047, fixed in 4.1.9
    assert "CVE-2022-34265" in first.message and "CVE-2023-31047" in first.message
    assert "CVE-2022-28346" not in first.message
    assert "Fixed in 4.1.9" in first.message and "advisory table of" in first.message
    assert first.fix is not None
    assert apply_fix(tmp_path, first)["requirements.txt"].startswith("Django==4.1.9\n")
    # a fix that crosses a major version is left to the user
    assert "Fixed in 3.0.6" in second.message and second.fix is None


def test_advisory_arithmetic():
    assert advisories.version_key("1.0") == advisories.version_key("1.0.0")
    order = ["1.0.dev1", "1.0a1", "1.0rc1", "1.0", "1.0.post1", "1.1"]
    keys = [advisories.version_key(v) for v in order]
    assert keys == sorted(keys)
    hits, fixed = advisories.affecting("Django", "3.2.12")
    assert {a.id for a in hits} >= {"CVE-2022-28346", "CVE-2022-34265"} and fixed == "3.2.25"
    assert advisories.affecting("django", "5.2.11") == ([], None)
    assert advisories.affecting("PyYAML", "5.3")[1] == "5.4"
    assert advisories.affecting("not-in-table", "1.0") == ([], None)
    assert advisories.load().date


@pytest.mark.parametrize(
    "spec, style, expected",
    [
        ("", "pep440", "unpinned"),
        (">=4.2", "pep440", "open"),
        (">= 4.2, != 4.2.1", "pep440", "open"),
        ("!=4.2.1", "pep440", "unpinned"),
        ("==4.2", "pep440", None),
        ("==4.*", "pep440", None),
        ("~=4.2", "pep440", None),
        (">=4.2,<5", "pep440", None),
        ("*", "poetry", "unpinned"),
        ("^4.2", "poetry", None),
        ("~4.2", "poetry", None),
        ("4.2.1", "poetry", None),
        (">=4.2", "poetry", "open"),
    ],
)
def test_looseness(spec, style, expected):
    assert looseness(spec, style) == expected


def test_manifest_names():
    assert manifests.kind_of("requirements.txt") == "requirements"
    assert manifests.kind_of("a/requirements-prod.txt") == "requirements"
    assert manifests.kind_of("requirements/base.txt") == "requirements"
    assert manifests.kind_of("pyproject.toml") == "pyproject"
    assert manifests.kind_of("svc/Pipfile") == "pipfile"
    others = ("notes.txt", "Pipfile.lock", "requirements.in", "setup.py", "a/base.txt")
    for other in (*others, "requirements/README.txt"):
        assert manifests.kind_of(other) is None, other


# -- the engine path: discovery, CLI, SARIF, cache --------------------------------------------
def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend_lens", *args], capture_output=True, text=True
    )


def test_cli_scan_reports_manifest_findings_in_json_and_sarif(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "requirements.txt").write_text("# app\nrequests==2.25.0\n  flask>=2\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "requirements.txt").write_text("flask\n")  # excluded folder
    out = cli("check", str(tmp_path), "--format", "json", "--no-cache")
    assert out.returncode == 1, out.stderr
    got = sorted(
        (f["code"], Path(f["path"]).name, f["start"]["line"], f["start"]["column"])
        for f in json.loads(out.stdout)
        if f["code"].startswith("EXT")
    )
    assert got == [("EXT003", "requirements.txt", 3, 3), ("EXT004", "requirements.txt", 2, 1)]
    sarif = json.loads(cli("check", str(tmp_path), "--format", "sarif", "--no-cache").stdout)
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "CWE-1104" in rules["EXT003"]["properties"]["tags"]
    assert "CWE-1395" in rules["EXT004"]["properties"]["tags"]
    region = next(r for r in run["results"] if r["ruleId"] == "EXT003")["locations"][0]
    region = region["physicalLocation"]
    assert region["artifactLocation"]["uri"].endswith("requirements.txt")
    assert region["region"]["startLine"] == 3 and region["region"]["startColumn"] == 3


def test_excluded_folders_and_the_exclude_setting_apply_to_manifests(tmp_path):
    files = {
        "pyproject.toml": '[tool.backend-lens]\nexclude = ["legacy"]\n',
        "legacy/requirements.txt": "flask\n",
        "node_modules/pkg/requirements.txt": "flask\n",
        "svc/requirements.txt": "flask\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    out = cli("check", str(tmp_path), "--format", "json", "--no-cache")
    assert [rel(tmp_path, f["path"]) for f in json.loads(out.stdout)] == ["svc/requirements.txt"]


def test_cache_sees_a_lock_file_added_beside_the_manifest(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("flask\n")
    cache = str(tmp_path / "cache")
    first = cli("check", str(root), "--cache-dir", cache, "-q")
    assert "EXT003" in first.stdout
    again = cli("check", str(root), "--cache-dir", cache, "-q")
    assert again.stdout == first.stdout
    (root / "requirements.lock").write_text("flask==3.0.3\n")
    locked = cli("check", str(root), "--cache-dir", cache, "-q")
    assert "EXT003" not in locked.stdout, locked.stdout
