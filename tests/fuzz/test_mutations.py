"""A mutation fuzzer over the bundled example (examples/shop) and the labelled
project (tests/labelled/shopfront), through the real ``check`` command.

Each input is a copy of the project with one file mutated (lines and tokens
deleted, duplicated, swapped, the file cut short, a stray character). The CLI
must exit 0 or 1 (2 is for errors such as a missing path, never for a crash),
print no traceback, and with ``--format json`` print a JSON list."""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from backend_lens import cli

from .budget import LONG, count, seeds, stats
from .mutate import STRUCTURAL, TYPOS, mutate

REPO = Path(__file__).resolve().parents[2]
CORPORA = {
    "mutation_examples": REPO / "examples" / "shop",
    "mutation_labelled": REPO / "tests" / "labelled" / "shopfront",
}


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def run_check(
    target: Path, args: tuple[str, ...] = ("check", "--format", "json")
) -> tuple[int, str, str, list[logging.LogRecord]]:
    """``backend-lens check TARGET --format json -q`` (or other ``args``) in this
    process: exit code, stdout, stderr, and the log records (pytest holds the
    root logger, so a traceback the CLI would print to stderr shows up as a
    record with exc_info)."""
    out, err, handler = io.StringIO(), io.StringIO(), _Records()
    root = logging.getLogger()
    root.addHandler(handler)
    threshold = gc.get_threshold()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main([args[0], str(target), *args[1:], "-q"])
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException as exc:
                import traceback

                code = -1
                err.write("".join(traceback.format_exception(exc)))
    finally:
        root.removeHandler(handler)
        # the CLI freezes the heap and raises the thresholds for its one run
        gc.unfreeze()
        gc.set_threshold(*threshold)
    return code, out.getvalue(), err.getvalue(), handler.records


def broken_promises(
    code: int, stdout: str, stderr: str, records, fmt: str = "json", report: bool = False
) -> list[str]:
    found = []
    if code not in (0, 1):
        found.append(f"exit code {code}")
    if "Traceback" in stderr:
        found.append("traceback on stderr:\n" + stderr[-1500:])
    for r in records:
        if r.exc_info:
            found.append(f"logged a traceback: {r.levelname} {r.getMessage()}")
    if report:
        if code != 0:
            found.append(f"report exit code {code}")
        if not stdout.strip():
            found.append("an empty report")
        return found
    if fmt != "json":
        if fmt == "sarif":
            try:
                runs = json.loads(stdout)["runs"]
                assert isinstance(runs, list)
            except (ValueError, KeyError, TypeError, AssertionError) as exc:
                found.append(f"stdout is not SARIF: {exc!r}: {stdout[:300]!r}")
        return found
    try:
        items = json.loads(stdout)
    except ValueError as exc:
        found.append(f"stdout is not JSON: {exc}: {stdout[:300]!r}")
    else:
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and {"code", "path", "start", "end"} <= set(i) for i in items
        ):
            found.append(f"unexpected JSON shape: {stdout[:300]!r}")
        elif (code == 1) != bool(items):
            found.append(f"exit code {code} with {len(items)} findings")
    return found


def fuzz_project(name: str, quick_seeds: list[int], operators, tmp_path: Path) -> list[str]:
    """Mutate one file per seed in a copy of the project and run ``check``; returns
    the failures, each with its seed and mutation."""
    src = CORPORA.get(name, CORPORA["mutation_examples"])
    root = tmp_path / src.name
    shutil.copytree(src, root)
    files = sorted(p for p in root.rglob("*.py") if p.is_file())
    originals = {p: p.read_bytes() for p in files}
    failures = []
    started = time.monotonic()
    for seed in seeds(name, quick_seeds):
        rng = random.Random(seed)
        victim = rng.choice(files)
        text = originals[victim].decode("utf-8")
        mutated, what = mutate(rng, text, operators)
        victim.write_text(mutated, encoding="utf-8", newline="")
        # the file's own folder (a quick, realistic run) or, in the long run now
        # and then, the whole project (cross-file facts from every app)
        target = root if LONG and rng.random() < 0.3 else victim.parent
        # the quick slice checks with --format json; the long run also tries the
        # other formats and the report
        fmt = rng.choice(["json", "json", "json", "sarif", "text", "report"]) if LONG else "json"
        if fmt == "report":
            args: tuple[str, ...] = ("report", "--format", rng.choice(["markdown", "html"]))
        else:
            args = ("check", "--format", fmt)
        try:
            problems = broken_promises(*run_check(target, args), fmt=fmt, report=fmt == "report")
        finally:
            victim.write_bytes(originals[victim])
        count(name)
        if problems:
            rel = victim.relative_to(root).as_posix()
            failure = f"seed {seed}: {rel}: {'; '.join(what)} -> " + " | ".join(problems)
            failures.append(failure)
            stats(name).failures.append(f"seed {seed}: {rel}: {'; '.join(what)}")
            print(
                f"\nfuzz: {name} failed, replay with BACKEND_LENS_FUZZ_SEED={seed}", file=sys.stderr
            )
    stats(name).seconds += time.monotonic() - started
    return failures


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_mutated_projects_never_crash_check(name, tmp_path):
    base = 1000 if name == "mutation_examples" else 2000
    failures = fuzz_project(name, list(range(base, base + 60)), STRUCTURAL, tmp_path)
    assert not failures, "\n\n".join(failures[:5])


def test_typos_met_while_typing_never_crash_check(tmp_path):
    failures = fuzz_project("mutation_typos", list(range(3000, 3008)), TYPOS, tmp_path)
    assert not failures, "\n\n".join(failures[:5])


# ------------------------------------------------ a few runs as a real process


@pytest.mark.parametrize("seed", [11, 12])
def test_mutated_project_through_the_console_script(seed, tmp_path):
    """The same promise through ``python -m backend_lens check`` in a subprocess:
    what a CI job sees, stderr included."""
    rng = random.Random(seed)
    root = tmp_path / "shop"
    shutil.copytree(CORPORA["mutation_examples"], root)
    victim = rng.choice(sorted(root.rglob("*.py")))
    mutated, what = mutate(rng, victim.read_text(encoding="utf-8"), STRUCTURAL, rounds=3)
    victim.write_text(mutated, encoding="utf-8", newline="")
    proc = subprocess.run(
        [sys.executable, "-m", "backend_lens", "check", str(victim.parent), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    count("mutation_subprocess")
    problems = broken_promises(proc.returncode, proc.stdout, proc.stderr, [])
    assert not problems, f"{victim.relative_to(root)}: {what}: {problems}"


def test_invalid_escape_in_analysed_code_prints_no_warning(tmp_path):
    """Found by the mutation fuzzer (a deleted r prefix). ``-W default`` shows on
    3.11 what Python 3.12 and later show without it."""
    (tmp_path / "settings.py").write_text('import re\n\nDIGITS = re.compile("\\d+")\n')
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-m", "backend_lens", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "invalid escape sequence" not in proc.stderr, proc.stderr
