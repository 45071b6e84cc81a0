"""--jobs N: worker processes analyse the files, the output is the same byte for
byte as in one process (engine/parallel.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from backend_lens import cli
from backend_lens.engine import parallel

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop"


@pytest.fixture
def pools(monkeypatch):
    """Counts the worker pools started (a test that forgets to use one fails)."""
    started: list[int] = []
    real = parallel.run

    def counting(root, config, settings, tasks, *args):
        started.append(len(tasks))
        return real(root, config, settings, tasks, *args)

    monkeypatch.setattr(parallel, "run", counting)
    return started


def output(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """The example, in its own folder (outputs name paths from the current folder)."""
    dest = tmp_path_factory.mktemp("p") / "shop"
    shutil.copytree(SHOP, dest)
    return dest


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_check_with_workers_writes_what_one_process_writes(fmt, shop, capsys, pools):
    one = output(capsys, "check", str(shop), "--format", fmt, "--jobs", "1", "--no-cache")
    assert pools == []
    two = output(capsys, "check", str(shop), "--format", fmt, "--jobs", "2", "--no-cache")
    # the Python files and the dependency manifests (requirements.txt, pyproject.toml)
    assert pools == [len(list(shop.rglob("*.py"))) + 2]
    assert one[0] == two[0] == 1
    assert one[1] == two[1] and one[1].count("ORM001") >= 1
    assert one[2] == two[2]


def test_report_and_inventory_with_workers_are_the_same(shop, capsys, pools):
    for command in (["report", str(shop)], ["inventory", str(shop), "--format", "json"]):
        one = output(capsys, *command, "--jobs", "1", "--no-cache")
        two = output(capsys, *command, "--jobs", "2", "--no-cache")
        assert one == two and one[0] == 0 and len(one[1]) > 1000
    assert len(pools) == 2


def test_spawned_workers_give_the_same_findings(shop, capsys, pools, monkeypatch):
    one = output(capsys, "check", str(shop), "--format", "json", "--jobs", "1", "--no-cache")
    monkeypatch.setenv(parallel.START_METHOD_ENV, "spawn")
    two = output(capsys, "check", str(shop), "--format", "json", "--jobs", "2", "--no-cache")
    assert pools and one == two


def test_a_worker_that_dies_leaves_its_files_to_the_parent(
    shop, capsys, caplog, pools, monkeypatch
):
    from backend_lens.engine import analysis

    one = output(capsys, "check", str(shop), "--format", "json", "--jobs", "1", "--no-cache")
    real = analysis.analyze
    parent = os.getpid()

    def dying(text, path, *args):
        if os.getpid() != parent:
            os._exit(3)  # as if the kernel had killed the worker
        return real(text, path, *args)

    # the workers look it up there; the parent's own analysis (project.py) does not
    monkeypatch.setattr(analysis, "analyze", dying)
    two = output(capsys, "check", str(shop), "--format", "json", "--jobs", "2", "--no-cache")
    assert pools and one[:2] == two[:2]
    assert "analysing the rest in this process" in caplog.text


def test_small_projects_stay_in_process(tmp_path, capsys, pools):
    (tmp_path / "app.py").write_text("import requests\nrequests.get('http://x')\n")
    code, out, _ = output(capsys, "check", str(tmp_path), "--jobs", "2")
    assert code == 1 and "INT001" in out and pools == []


def test_jobs_must_be_a_positive_number(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["check", ".", "--jobs", "0"])
    assert exc.value.code == 2
    assert "expected a number of processes" in capsys.readouterr().err


def test_default_jobs_is_the_cores_available():
    assert parallel.default_jobs() == len(os.sched_getaffinity(0))
