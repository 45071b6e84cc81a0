"""A hostile project for the launch tests: modules named like the ones Backend
Lens, its dependencies and Python's start-up import, each of which leaves a
marker file when it is imported. Backend Lens must analyse such a project with
the normal results and leave no marker, however it is started (the command
line, the language server, the editor plugins), with the project as working
directory.

Used by tests/test_launch_isolation.py and the editor tests in tests/editors.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKSPACE_TEMPLATE = REPO / "tests" / "lsp" / "workspace"

# Names worth planting whatever this machine imports: the ones the issue saw run
# (tomllib, fnmatch), Backend Lens itself (a package: `python -m backend_lens`
# would import it before our own code runs), its dependencies, and the modules
# that Python's start-up looks for on the path.
ALWAYS = (
    "backend_lens",
    "tomllib",
    "fnmatch",
    "logging",
    "json",
    "argparse",
    "asyncio",
    "jedi",
    "parso",
    "pygls",
    "lsprotocol",
    "cattrs",
    "attrs",
    "typing_extensions",
    "sitecustomize",
    "usercustomize",
)

# A base class bound through a call: only jedi can tell that Order is a model, so
# DBP001 in catalog/views.py shows that jedi (and its helper process) ran too.
JEDI_FILES = {
    "catalog/__init__.py": "",
    "catalog/base.py": """\
        from django.db import models


        class TimeStamped(models.Model):
            created = models.DateTimeField(auto_now_add=True)

            class Meta:
                abstract = True


        def _base():  # a binding only jedi follows (through a call)
            return TimeStamped


        BaseModel = _base()
        """,
    "catalog/models.py": """\
        from catalog.base import BaseModel
        from django.db import models


        class Item(BaseModel):
            status = models.CharField(max_length=20)
        """,
    "catalog/views.py": """\
        from catalog.models import Item


        def pending():
            return Item.objects.filter(status="pending").first()
        """,
}

# What Backend Lens finds in that project: (file, line, code)
EXPECTED = {
    ("shop/views.py", 7, "DBP001"),
    ("shop/views.py", 10, "ORM001"),
    ("shop/views.py", 15, "INT001"),
    ("catalog/views.py", 5, "DBP001"),
}

_IMPORTED = """\
import json, sys
import backend_lens.lsp.server, backend_lens.report  # noqa: F401
from backend_lens import cli
cli.main(["check", sys.argv[1]])  # the lazy imports of an analysis, jedi included
names = {name.partition(".")[0] for name, module in list(sys.modules.items())
         if getattr(module, "__file__", None)}
with open(sys.argv[2], "w") as out:
    json.dump(sorted(names), out)
"""


def write_project(root: Path) -> Path:
    """The test workspace of tests/lsp (three findings in shop/views.py) and the
    jedi case above, without planted modules."""
    shutil.copytree(WORKSPACE_TEMPLATE, root)
    for rel, text in JEDI_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@functools.cache
def imported_names() -> tuple[str, ...]:
    """The names to plant: ALWAYS, and every top-level module that the command
    line and the language server import here (found by running an analysis)."""
    with tempfile.TemporaryDirectory(prefix="backend-lens-names-") as scratch:
        project = write_project(Path(scratch) / "project")
        out = Path(scratch) / "names.json"
        proc = subprocess.run(
            [sys.executable, "-P", "-c", _IMPORTED, str(project), str(out)],
            capture_output=True,
            text=True,
            cwd=scratch,
            timeout=120,
        )
        assert out.is_file(), proc.stderr
        names = set(json.loads(out.read_text())) | set(ALWAYS)
    return tuple(sorted(n for n in names if n.isidentifier() and not n.startswith("__")))


@functools.cache
def imported_before_main(pythonpath: str | None = None) -> frozenset[str]:
    """The modules that `python -m <module>` imports before the module's own code
    runs (runpy needs `importlib`, for one; with PYTHONPATH set, whatever the
    start-up imports, including `sitecustomize`): with the working directory on
    the path, no code of ours can keep these from a planted copy."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    with tempfile.TemporaryDirectory(prefix="backend-lens-probe-") as scratch:
        out = Path(scratch) / "names.json"
        (Path(scratch) / "probe.py").write_text(
            "import json, sys\n"
            f"json.dump([n for n, m in sys.modules.items() if getattr(m, '__file__', None)],"
            f" open({str(out)!r}, 'w'))\n"
        )
        subprocess.run(
            [sys.executable, "-m", "probe"], cwd=scratch, env=env, check=True, timeout=60
        )
        names = {n.partition(".")[0] for n in json.loads(out.read_text())}
        return frozenset(names | {"sitecustomize", "usercustomize"})


def _marker_code(marker: Path) -> str:
    # posix/nt, not open(): they work even this early in Python's start-up (encodings)
    return (
        "try:\n    import posix as _os\nexcept ImportError:\n    import nt as _os\n"
        f"_os.close(_os.open({str(marker)!r}, _os.O_CREAT | _os.O_WRONLY, 0o644))\n"
    )


def plant(root: Path, markers: Path, names: tuple[str, ...]) -> None:
    """Plants a module for each name in `root`; importing one creates the file
    `markers/<name>`. `backend_lens` is planted as a package, with `__main__`."""
    markers.mkdir(parents=True, exist_ok=True)
    for name in names:
        code = _marker_code(markers / name)
        if name == "backend_lens":
            (root / name).mkdir(exist_ok=True)
            (root / name / "__init__.py").write_text(code)
            main = _marker_code(markers / f"{name}.__main__")
            (root / name / "__main__.py").write_text(main)
        else:
            (root / f"{name}.py").write_text(code)


def markers_written(markers: Path) -> list[str]:
    return sorted(p.name for p in markers.iterdir()) if markers.is_dir() else []
