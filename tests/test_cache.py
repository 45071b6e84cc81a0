"""The result cache (engine/cache.py): a second run analyses only what changed,
and a cache that is damaged, foreign or unwritable costs one message, never the run."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from backend_lens import cli
from backend_lens.engine import cache as cache_mod
from backend_lens.engine import project as project_mod

FILES = {
    "shop/models.py": (
        "from django.db import models\n\n"
        "class Order(models.Model):\n"
        "    customer = models.ForeignKey('Customer', on_delete=models.CASCADE)\n\n"
        "class Customer(models.Model):\n"
        "    name = models.CharField(max_length=10)\n"
    ),
    "shop/views.py": (
        "from .models import Order\n\n"
        "def names(request):\n"
        "    return [o.customer.name for o in Order.objects.all()]\n"
    ),
    "shop/client.py": "import requests\n\ndef ping():\n    return requests.get('http://x')\n",
}


@pytest.fixture
def proj(tmp_path) -> Path:
    root = tmp_path / "proj"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "shop" / "__init__.py").write_text("")
    return root


@pytest.fixture
def analysed(monkeypatch) -> list[str]:
    """Relative paths of the files analysed (parsed), in order."""
    seen: list[str] = []
    real = project_mod.analyze

    def counting(text, path, rel_path, *args):
        seen.append(rel_path)
        return real(text, path, rel_path, *args)

    monkeypatch.setattr(project_mod, "analyze", counting)
    return seen


def check(capsys, root: Path, *extra: str) -> tuple[int, str, str]:
    code = cli.main(["check", str(root), "--format", "json", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def cache_files(base: Path) -> list[Path]:
    return sorted(base.rglob("results.sqlite"))


def test_second_run_analyses_only_the_changed_file(proj, capsys, analysed):
    first = check(capsys, proj)
    assert first[0] == 1 and "ORM001" in first[1] and "INT001" in first[1]
    assert sorted(analysed) == [
        "shop/__init__.py",
        "shop/client.py",
        "shop/models.py",
        "shop/views.py",
    ]
    analysed.clear()
    assert check(capsys, proj) == first  # nothing changed: nothing analysed
    assert analysed == []
    client = proj / "shop" / "client.py"
    client.write_text(client.read_text().replace("')", "', timeout=5)"))
    second = check(capsys, proj)
    assert analysed == ["shop/client.py"]
    assert "INT001" not in second[1] and "ORM001" in second[1]  # cross-file judgement still made
    analysed.clear()
    assert check(capsys, proj, "--no-cache") == second
    assert len(analysed) == 4


def test_a_models_change_is_judged_in_the_unchanged_views(proj, capsys, analysed):
    assert "ORM001" in check(capsys, proj)[1]
    models = proj / "shop" / "models.py"
    models.write_text(
        models.read_text().replace("models.ForeignKey('Customer'", "models.CharField(max_length=3")
    )
    analysed.clear()
    out = check(capsys, proj)[1]
    assert analysed == ["shop/models.py"] and "ORM001" not in out


def test_the_cache_lives_in_the_user_cache_folder_not_in_the_project(
    proj, capsys, tmp_path, monkeypatch
):
    monkeypatch.delenv(cache_mod.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    before = sorted(p.relative_to(proj) for p in proj.rglob("*"))
    check(capsys, proj)
    assert sorted(p.relative_to(proj) for p in proj.rglob("*")) == before
    [db] = cache_files(tmp_path / "xdg" / "backend-lens")
    assert db.parent.name.startswith("proj-")
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_cache_dir_option_and_no_cache(proj, capsys, tmp_path):
    check(capsys, proj, "--no-cache")
    assert cache_files(Path(os.environ[cache_mod.ENV])) == []
    check(capsys, proj, "--cache-dir", str(tmp_path / "mine"))
    assert len(cache_files(tmp_path / "mine")) == 1
    assert cache_files(Path(os.environ[cache_mod.ENV])) == []


def test_cache_false_in_pyproject_turns_it_off(proj, capsys, analysed):
    (proj / "pyproject.toml").write_text("[tool.backend-lens]\ncache = false\n")
    check(capsys, proj)
    analysed.clear()
    code, _, err = check(capsys, proj)
    # the four Python files and pyproject.toml (a dependency manifest: engine/manifests.py)
    assert len(analysed) == 5 and "warning" not in err
    assert cache_files(Path(os.environ[cache_mod.ENV])) == []


def test_a_corrupt_cache_is_one_message_and_is_rebuilt(proj, capsys, analysed):
    first = check(capsys, proj)
    [db] = cache_files(Path(os.environ[cache_mod.ENV]))
    db.write_bytes(b"this is not a database" * 100)
    code, out, err = check(capsys, proj)
    assert (code, out) == first[:2]
    assert err.count("backend-lens: warning:") == 1 and str(db) in err
    analysed.clear()
    assert check(capsys, proj) == first  # rebuilt: quiet and complete
    assert analysed == []


def test_a_cache_in_use_by_another_run_is_left_alone(proj, capsys, analysed, monkeypatch):
    """A check while another run holds the cache (the language server, a second
    check) goes on without it and keeps it: "locked" is not "damaged"."""
    first = check(capsys, proj)
    [db] = cache_files(Path(os.environ[cache_mod.ENV]))
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real(*a, **{**k, "timeout": 0.1}))
    other = real(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        code, out, err = check(capsys, proj)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert (code, out) == first[:2]
    assert err.count("backend-lens: warning:") == 1 and "in use by another run" in err
    assert "starting a new one" not in err
    # the other run's cache is still there, whole: the next check reads it quietly
    analysed.clear()
    assert check(capsys, proj) == first
    assert analysed == []


def test_a_damaged_row_is_analysed_again_quietly(proj, capsys, analysed):
    first = check(capsys, proj)
    [db] = cache_files(Path(os.environ[cache_mod.ENV]))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE files SET data = x'00ff' WHERE CAST(path AS TEXT) LIKE '%client.py'")
        conn.execute("DELETE FROM snapshot")  # else the judged findings answer, no row is read
    analysed.clear()
    assert check(capsys, proj) == first
    assert analysed == ["shop/client.py"]


def test_a_cache_of_another_version_is_one_message(proj, capsys, analysed):
    first = check(capsys, proj)
    [db] = cache_files(Path(os.environ[cache_mod.ENV]))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET v = '0 9.9.9 cpython-99' WHERE k = 'format'")
    analysed.clear()
    code, out, err = check(capsys, proj)
    assert (code, out) == first[:2] and len(analysed) == 4
    assert err.count("backend-lens: warning:") == 1 and "another version" in err


def test_an_unwritable_cache_folder_is_one_message(proj, capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, out, err = check(capsys, proj, "--cache-dir", str(blocker / "cache"))
    assert code == 1 and "ORM001" in out
    assert err.count("backend-lens: warning:") == 1 and "--no-cache" in err


def test_changed_analysis_code_never_reads_old_results(proj, capsys, analysed, monkeypatch):
    check(capsys, proj)
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", "a detector was edited")
    analysed.clear()
    check(capsys, proj)
    assert len(analysed) == 4


def test_a_changed_rule_selection_is_a_different_result(proj, capsys, analysed):
    check(capsys, proj)
    (proj / "pyproject.toml").write_text('[tool.backend-lens]\nignore = ["INT001"]\n')
    analysed.clear()
    out = check(capsys, proj)[1]
    # the four Python files and pyproject.toml (a dependency manifest: engine/manifests.py)
    assert len(analysed) == 5 and "INT001" not in out and "ORM001" in out


JEDI_FILES = {
    "core/__init__.py": "",
    "core/base.py": (
        "from django.db import models\n\n\n"
        "class TimeStamped(models.Model):\n"
        "    created = models.DateTimeField(auto_now_add=True)\n\n"
        "    class Meta:\n        abstract = True\n\n\n"
        "def _base():\n    return TimeStamped\n\n\n"  # a binding only jedi follows
        "BaseModel = _base()\n"
    ),
    "shop/__init__.py": "",
    "shop/models.py": (
        "from core.base import BaseModel\nfrom django.db import models\n\n\n"
        "class Order(BaseModel):\n    status = models.CharField(max_length=20)\n"
    ),
    "shop/views.py": (
        "from shop.models import Order\n\n\n"
        "def pending():\n"
        '    return Order.objects.filter(status="pending").first()\n'
    ),
}


def test_jedi_answers_are_kept_until_a_file_jedi_read_changes(tmp_path, capsys, monkeypatch):
    from backend_lens.source import names

    asked: list[str] = []
    real = names.JediResolver.__call__

    def counting(self, path, pos):
        asked.append(Path(path).name)
        return real(self, path, pos)

    monkeypatch.setattr(names.JediResolver, "__call__", counting)
    for rel, text in JEDI_FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    first = check(capsys, tmp_path)
    assert '"DBP001"' in first[1] and asked == ["models.py"]
    asked.clear()
    assert check(capsys, tmp_path) == first and asked == []  # the kept answer
    base = tmp_path / "core" / "base.py"
    base.write_text(base.read_text().replace("return TimeStamped", "return object"))
    second = check(capsys, tmp_path)
    assert asked == ["models.py"] and '"DBP001"' not in second[1]
    asked.clear()
    (tmp_path / "shop" / "extra.py").write_text("x = 1\n")  # another set of files: asked again
    assert check(capsys, tmp_path)[1] == second[1] and asked == ["models.py"]


# -- the judged findings kept between runs (engine/snapshot.py) -----------------------
@pytest.fixture
def rows_read(monkeypatch) -> list[str]:
    """Paths whose per-file result was read from the cache, in order."""
    seen: list[str] = []
    real = cache_mod.ResultCache.get

    def counting(self, path, key):
        seen.append(Path(path).name)
        return real(self, path, key)

    monkeypatch.setattr(cache_mod.ResultCache, "get", counting)
    return seen


def same_as_cold(capsys, root: Path) -> tuple[int, str, str]:
    """A warm check, asserted to print exactly what a check without the cache prints."""
    warm = check(capsys, root)
    assert warm == check(capsys, root, "--no-cache")
    return warm


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_nothing_changed_reads_no_result_and_judges_nothing(proj, capsys, analysed, rows_read):
    first = check(capsys, proj)
    analysed.clear()
    rows_read.clear()
    assert same_as_cold(capsys, proj) == first
    # the --no-cache run analysed all four; the warm one nothing, and read no row
    assert len(analysed) == 4 and rows_read == []


def test_a_comment_added_analyses_that_file_only_and_reads_no_other(
    proj, capsys, analysed, rows_read
):
    first = check(capsys, proj)
    views = proj / "shop" / "views.py"
    views.write_text(views.read_text() + "# a note\n")
    analysed.clear()
    rows_read.clear()
    warm = check(capsys, proj)
    assert analysed == ["shop/views.py"] and rows_read == []
    assert warm == first and warm == check(capsys, proj, "--no-cache")


def test_a_suppression_added_to_a_judged_finding_is_applied(proj, capsys):
    assert '"ORM001"' in check(capsys, proj)[1]
    edit(
        proj / "shop" / "views.py",
        "Order.objects.all()]\n",
        "Order.objects.all()]  # backend-lens: ignore[ORM001]\n",
    )
    assert '"ORM001"' not in same_as_cold(capsys, proj)[1]


def test_a_changed_cross_file_check_in_the_changed_file_is_judged_again(proj, capsys):
    first = check(capsys, proj)
    assert '"ORM001"' in first[1]
    # the same lines and definitions, another relation followed in the loop
    edit(proj / "shop" / "views.py", "o.customer.name for o", "o.pk for o          ")
    assert '"ORM001"' not in same_as_cold(capsys, proj)[1]


def test_a_models_change_makes_a_finding_appear_in_the_unchanged_views(proj, capsys, analysed):
    models = proj / "shop" / "models.py"
    edit(models, "models.ForeignKey('Customer'", "models.CharField(max_length=3")
    assert '"ORM001"' not in check(capsys, proj)[1]
    edit(models, "models.CharField(max_length=3", "models.ForeignKey('Customer'")
    analysed.clear()
    assert '"ORM001"' in same_as_cold(capsys, proj)[1]
    assert analysed[0] == "shop/models.py"  # the warm run analysed models.py only
    assert analysed.count("shop/views.py") == 1  # (the cold run all of them)


def test_a_deleted_and_an_added_file(proj, capsys):
    check(capsys, proj)
    (proj / "shop" / "views.py").unlink()
    assert '"ORM001"' not in same_as_cold(capsys, proj)[1]
    (proj / "shop" / "views.py").write_text(FILES["shop/views.py"])
    assert '"ORM001"' in same_as_cold(capsys, proj)[1]


def test_changed_severities_and_rule_selection(proj, capsys):
    check(capsys, proj)
    (proj / "pyproject.toml").write_text('[tool.backend-lens.severity]\nORM001 = "critical"\n')
    assert '"critical"' in same_as_cold(capsys, proj)[1]
    (proj / "pyproject.toml").write_text('[tool.backend-lens]\nignore = ["ORM001"]\n')
    assert '"ORM001"' not in same_as_cold(capsys, proj)[1]


def test_a_file_that_became_unreadable_and_readable_again(proj, capsys):
    first = check(capsys, proj)
    client = proj / "shop" / "client.py"
    client.write_bytes(b"x = 1\0\n")
    code, out, err = same_as_cold(capsys, proj)
    assert "skipped shop/client.py" in err and '"INT001"' not in out
    client.write_text(FILES["shop/client.py"])
    assert same_as_cold(capsys, proj) == first


def test_an_unchanged_stat_is_trusted_a_changed_one_is_not(proj, capsys, monkeypatch):
    from backend_lens.engine import snapshot

    monkeypatch.setattr(snapshot, "RACY_NS", 0)  # the files here were written just now
    for p in proj.rglob("*.py"):
        os.utime(p, ns=(10**18, 10**18))
    first = check(capsys, proj)
    reads: list[str] = []
    real = project_mod.Project.read_bytes

    def counting(self, path):
        reads.append(Path(path).name)
        return real(self, path)

    monkeypatch.setattr(project_mod.Project, "read_bytes", counting)
    assert check(capsys, proj) == first and reads == []
    # the same size, a later modification time: read, and judged as changed
    client = proj / "shop" / "client.py"
    client.write_text(FILES["shop/client.py"].replace("'http://x'", "'http://y'"))
    os.utime(client, ns=(10**18 + 1, 10**18 + 1))
    warm = check(capsys, proj)
    assert reads == ["client.py"]
    assert warm == check(capsys, proj, "--no-cache")


def test_a_snapshot_of_another_root_layout_is_not_used(proj, capsys):
    check(capsys, proj)
    (proj / "shop" / "__init__.py").unlink()  # shop/ is no longer a package
    same_as_cold(capsys, proj)
    (proj / "pkg").mkdir()
    (proj / "pkg" / "manage.py").write_text("")
    same_as_cold(capsys, proj)


def test_a_change_only_jedi_sees_is_judged_again(tmp_path, capsys, monkeypatch):
    """base.py's change moves no definition and no cross-file check (its facts are
    the same), but jedi read it to place models.py's base class."""
    from backend_lens.engine import snapshot

    monkeypatch.setattr(snapshot, "RACY_NS", 0)  # trust the stats of files written just now
    files = dict(JEDI_FILES)
    files["core/base.py"] = files["core/base.py"].replace(
        "    return TimeStamped\n", "    return [TimeStamped, object][0]\n"
    )
    assert "[TimeStamped, object][0]" in files["core/base.py"]
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
        os.utime(tmp_path / rel, ns=(10**18, 10**18))
    assert '"DBP001"' in check(capsys, tmp_path)[1]
    base = tmp_path / "core" / "base.py"
    edit(base, "[TimeStamped, object]", "[object, TimeStamped]")  # same size, same places
    os.utime(base, ns=(10**18 + 10**9, 10**18 + 10**9))  # (parso's cache reads it in seconds)
    assert '"DBP001"' not in same_as_cold(capsys, tmp_path)[1]


def test_a_failed_cross_file_check_keeps_no_snapshot(proj, capsys, monkeypatch, caplog):
    """Its warning is said by every run, as without the cache."""
    from backend_lens.engine import analysis

    check(capsys, proj)
    real = analysis.judge

    def failing(result, index):
        for d in result.deferred:
            object.__setattr__(d, "judge", lambda index: 1 / 0)
        return real(result, index)

    monkeypatch.setattr(analysis, "judge", failing)
    (proj / "shop" / "views.py").write_text(FILES["shop/views.py"] + "x = 1\n")
    monkeypatch.setattr(analysis, "_TOLD", set())
    code, out, err = check(capsys, proj)
    assert "cross-file check failed" in caplog.text and '"ORM001"' not in out
    [db] = cache_files(Path(os.environ[cache_mod.ENV]))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM snapshot").fetchone() == (0,)


def test_the_command_leaves_without_tear_down_and_keeps_its_output_and_cache(proj, capsys):
    """``backend-lens check`` ends with os._exit once its output is written (Python's
    tear-down of a large project's results is skipped): what it printed, its exit
    code and what it stored in the cache are all there, as after ``cli.main``."""
    import subprocess
    import sys

    env = dict(os.environ)
    cmd = [sys.executable, "-P", "-m", "backend_lens", "check", str(proj), "--format", "json"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 1 and '"ORM001"' in first.stdout, first.stderr
    [db] = cache_files(Path(os.environ[cache_mod.ENV]))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM snapshot").fetchone()[0] == 1
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert (second.returncode, second.stdout, second.stderr) == (
        first.returncode,
        first.stdout,
        first.stderr,
    )
    assert (second.returncode, second.stdout) == check(capsys, proj, "--no-cache")[:2]
