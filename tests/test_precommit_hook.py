"""The pre-commit hook as a user gets it: `.pre-commit-hooks.yaml` of this
repository, named by `repo:` and `rev:` in a project's `.pre-commit-config.yaml`.

pre-commit clones the hook repository at `rev`, so it only sees commits. To test
this working tree rather than its last commit, the repository is cloned into
tmp_path and its uncommitted changes (modified, new but not ignored, deleted
files) are copied over and committed there, as `pre-commit try-repo` does; the
configuration names that commit. Everything else is real: pre-commit builds the
hook's environment with `pip install .` of that clone (the console script
`backend-lens` from pyproject.toml) and `git commit` runs the hook.

The environment install takes a minute or more (pip fetches the package's
dependencies), so the test runs only when BACKEND_LENS_PRECOMMIT=1, which
`./dev test` (CI) sets; `./dev quick` skips it with a message saying so.
pre-commit's cache (PRE_COMMIT_HOME) and virtualenv's are folders in tmp_path
(pip keeps its usual download cache).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV_VAR = "BACKEND_LENS_PRECOMMIT"

pytestmark = [
    pytest.mark.precommit,
    pytest.mark.skipif(
        os.environ.get(ENV_VAR) != "1",
        reason=(
            "pre-commit hook test: it installs the hook's environment with pip (a minute or "
            f"more); set {ENV_VAR}=1 or run `./dev test`"
        ),
    ),
]

MODELS = """\
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
"""

# ORM001 on line 7: `order.customer` is a foreign key, which only models.py says
VIEWS = """\
from .models import Order


def export_orders(request):
    rows = []
    for order in Order.objects.all():
        rows.append((order.pk, order.customer.email))
    return rows
"""


def _env(tmp_path: Path) -> dict[str, str]:
    """Git with no user or system settings (no hooksPath, no signing), pre-commit
    with its own home, and pre-commit importable by the git hook."""
    try:
        import pre_commit
    except ImportError:
        pytest.fail(f"pre-commit is not installed in {sys.executable}: pip install -e '.[dev]'")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        VIRTUALENV_OVERRIDE_APP_DATA=str(tmp_path / "virtualenv-app-data"),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
    )
    # the hook's environment must run the backend-lens it installed, not this checkout
    env.pop("PYTHONPATH", None)
    where = str(Path(pre_commit.__file__).resolve().parents[1])
    if where not in {str(Path(p).resolve()) for p in site.getsitepackages()}:
        env["PYTHONPATH"] = where  # pre-commit installed with pip --target
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def _hook_repository(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str]:
    """A clone of this repository holding the working tree as its last commit."""
    clone = tmp_path / "backend-lens"
    _git(tmp_path, env, "clone", "--quiet", str(ROOT), str(clone))
    _git(
        clone, env, "checkout", "--quiet", "--detach", _git(ROOT, env, "rev-parse", "HEAD").strip()
    )
    changed = _git(ROOT, env, "ls-files", "-z", "--modified", "--others", "--exclude-standard")
    deleted = set(_git(ROOT, env, "ls-files", "-z", "--deleted").split("\0")) - {""}
    for rel in set(changed.split("\0")) - {""} - deleted:
        target = clone / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    for rel in deleted:
        (clone / rel).unlink(missing_ok=True)
    _git(clone, env, "add", "--all")
    if _git(clone, env, "status", "--porcelain"):
        _git(clone, env, "commit", "--quiet", "-m", "the working tree under test")
    assert (clone / ".pre-commit-hooks.yaml").is_file()
    return clone, _git(clone, env, "rev-parse", "HEAD").strip()


def _commit(project: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # the first commit builds the hook's environment
    )


def test_hook_checks_the_whole_project_and_blocks_a_commit_with_a_finding(tmp_path):
    env = _env(tmp_path)
    hook_repo, rev = _hook_repository(tmp_path, env)

    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    _git(project, env, "init", "--quiet")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: backend-lens\n"
    )
    (project / "shop" / "__init__.py").write_text("")
    (project / "shop" / "models.py").write_text(MODELS)
    install = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    # 1. the models alone: nothing to report, the commit is made
    _git(project, env, "add", ".")
    first = _commit(project, env, "models")
    out = first.stdout + first.stderr
    assert first.returncode == 0, out
    assert "Backend Lens" in out and "Passed" in out

    # 2. only views.py is staged; its finding needs models.py (Order.customer is a
    # foreign key), which the hook sees because it checks the whole project
    (project / "shop" / "views.py").write_text(VIEWS)
    _git(project, env, "add", "shop/views.py")
    second = _commit(project, env, "views")
    out = second.stdout + second.stderr
    assert second.returncode != 0, out
    assert "Backend Lens" in out and "Failed" in out
    assert "shop/views.py:7:32: ORM001 [warning] `order.customer` runs one query per row" in out
    assert "Found 1 problem" in out
    assert _git(project, env, "log", "--format=%s").split() == ["models"]  # refused

    # 3. fixed as the finding says: the commit is made
    (project / "shop" / "views.py").write_text(
        VIEWS.replace("Order.objects.all()", 'Order.objects.select_related("customer")')
    )
    _git(project, env, "add", "shop/views.py")
    third = _commit(project, env, "views, one query")
    out = third.stdout + third.stderr
    assert third.returncode == 0, out
    assert "Backend Lens" in out and "Passed" in out and "ORM001" not in out
    assert _git(project, env, "log", "--format=%s").splitlines() == ["views, one query", "models"]
