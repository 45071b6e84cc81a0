"""Files that are not plain source, settings that are not plain settings, outputs
that cannot be written: each is skipped or refused with a one-line message, never
a hang, an unbounded read, a file read outside the project, or a traceback.

Every run has a timeout, so a hang fails its test instead of blocking the suite.
"""

from __future__ import annotations

import gc
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from backend_lens import cli
from backend_lens.source import parsing

TIMEOUT = 120  # seconds: generous for a shared machine; a hang still fails

FLAGGED = "import requests\nrequests.get('http://x')\n"  # INT001 on line 2


def run(*args, cwd=None, env=None, stdout=None):
    r = subprocess.run(
        [sys.executable, "-m", "backend_lens", *map(str, args)],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        timeout=TIMEOUT,
    )
    assert "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture
def in_process():
    """``cli.main`` in this process, undoing its tuning of the collector afterwards."""
    threshold = gc.get_threshold()
    yield cli.main
    gc.unfreeze()
    gc.set_threshold(*threshold)


def project(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "p"
    root.mkdir()
    for rel, text in {"ok.py": FLAGGED, **(files or {})}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def flagged_files(stdout: str) -> set[str]:
    return {line.split(":", 1)[0] for line in stdout.splitlines() if " INT001 " in line}


# -- item 7: only regular files are read ----------------------------------------


def test_a_fifo_named_py_is_skipped_not_waited_on(tmp_path):
    root = project(tmp_path)
    os.mkfifo(root / "pipe.py")
    r = run("check", root, cwd=root)
    assert r.returncode == 1
    assert "skipped pipe.py: not a regular file: a FIFO (named pipe)" in r.stderr
    assert flagged_files(r.stdout) == {"ok.py"}
    # named on the command line, too
    r = run("check", root / "pipe.py", cwd=root)
    assert r.returncode == 0
    assert "skipped pipe.py: not a regular file: a FIFO (named pipe)" in r.stderr


def test_a_symlink_to_dev_zero_is_never_read(tmp_path):
    root = project(tmp_path)
    (root / "zero.py").symlink_to("/dev/zero")
    r = run("check", root, cwd=root)
    assert r.returncode == 1 and flagged_files(r.stdout) == {"ok.py"}
    assert "skipped zero.py: symlink to a file outside the project" in r.stderr
    # named on the command line it is followed, and refused as a device
    r = run("check", root / "zero.py", cwd=root)
    assert r.returncode == 0
    assert "not a regular file: a character device" in r.stderr


def test_a_symlink_loop_is_skipped_with_a_message(tmp_path):
    root = project(tmp_path)
    (root / "a.py").symlink_to("b.py")
    (root / "b.py").symlink_to("a.py")
    (root / "sub").mkdir()
    (root / "sub" / "again").symlink_to("..")  # a folder loop
    r = run("check", root, cwd=root)
    assert r.returncode == 1 and flagged_files(r.stdout) == {"ok.py"}
    assert "skipped a.py: a symlink loop" in r.stderr
    assert "skipped b.py: a symlink loop" in r.stderr
    r = run("check", root / "a.py", root / "ok.py", cwd=root)
    assert r.returncode == 1 and "a symlink loop" in r.stderr


def test_symlinks_leaving_the_project_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(FLAGGED)
    root = project(tmp_path)
    (root / "linked.py").symlink_to(outside / "secret.py")
    (root / "vendor").symlink_to(outside, target_is_directory=True)
    r = run("check", root, "--format", "json", cwd=root)
    assert r.returncode == 1
    assert [d["path"] for d in json.loads(r.stdout)] == ["ok.py"]
    assert "skipped linked.py: symlink to a file outside the project" in r.stderr
    assert "skipped vendor: symlink to a folder outside the project" in r.stderr


def test_symlinks_inside_the_project_are_analysed_once_at_their_real_place(tmp_path):
    root = project(tmp_path, {"pkg/mod.py": FLAGGED})
    (root / "alias.py").symlink_to("ok.py")
    (root / "pkg_alias").symlink_to("pkg", target_is_directory=True)
    r = run("check", root, cwd=root)
    assert r.returncode == 1
    assert sorted(flagged_files(r.stdout)) == ["ok.py", "pkg/mod.py"]
    assert r.stdout.count("INT001") == 2
    assert "skipped" not in r.stderr


def test_the_size_limit_applies_while_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.py"
    big.write_bytes(b"x = 1\n" * 500_000)  # 3 MB
    read = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(real_read(fd, n)) or read[-1])
    with pytest.raises(parsing.SkipFile, match="larger than 1 kB"):
        parsing.read_source(big, max_bytes=1000)
    assert sum(map(len, read)) == 1001


def test_an_unreadable_folder_is_reported(tmp_path, monkeypatch, capsys, in_process):
    root = project(tmp_path, {"locked/hidden.py": FLAGGED})
    locked = root / "locked"
    if os.geteuid() != 0:
        locked.chmod(0)
    else:
        # root reads any folder: make the walk meet the PermissionError it would get
        real_scandir = os.scandir

        def scandir(path="."):
            if os.fspath(path) == str(locked):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        code = in_process(["check", str(root)])
    finally:
        locked.chmod(0o755)
    err = capsys.readouterr().err
    assert code == 1
    assert "skipped locked: folder cannot be read: Permission denied" in err


# -- item 11: one binary rule ---------------------------------------------------


def test_a_nul_byte_after_the_first_8_kb_makes_a_file_binary(tmp_path):
    late_nul = FLAGGED + "#" * 9000 + "\n\x00\n"
    root = project(tmp_path, {"blob.py": late_nul})
    r = run("check", root, cwd=root)
    assert r.returncode == 1 and flagged_files(r.stdout) == {"ok.py"}
    assert "skipped blob.py: binary file (contains NUL bytes)" in r.stderr


def test_the_editor_and_the_disk_share_one_binary_rule():
    late_nul = FLAGGED + "#" * 9000 + "\n\x00\n"
    for check in (lambda: parsing.decode(late_nul.encode()), lambda: parsing.check_text(late_nul)):
        with pytest.raises(parsing.SkipFile) as exc:
            check()
        assert str(exc.value) == parsing.BINARY


# -- item 8 and 11: settings ----------------------------------------------------


@pytest.mark.parametrize(
    "pyproject, message",
    [
        ("tool = 5\n", "pyproject.toml: `tool` should be a table, not int; using default settings"),
        (
            "a = " + "[" * 10_000 + "]" * 10_000 + "\n",
            "pyproject.toml: cannot be read (nested too deeply); using default settings",
        ),
        (
            "[tool]\nbackend-lens = 3\n",
            "pyproject.toml [tool.backend-lens]: settings must be a table; ignored",
        ),
        (
            '[tool.backend-lens]\nignore = [""]\n',
            "pyproject.toml [tool.backend-lens]: empty rule code in `ignore` ignored",
        ),
        (
            '[tool.backend-lens]\nignore = ["SCH001", " "]\n',
            "pyproject.toml [tool.backend-lens]: empty rule code in `ignore` ignored",
        ),
        (
            '[tool.backend-lens]\nselect = ["", "INT"]\n',
            "pyproject.toml [tool.backend-lens]: empty rule code in `select` ignored",
        ),
        (
            '[tool.backend-lens]\nselect = [""]\n',
            "pyproject.toml [tool.backend-lens]: empty rule code in `select` ignored",
        ),
    ],
    ids=[
        "tool-5",
        "nested-10000",
        "backend-lens-3",
        "ignore-empty",
        "ignore-blank",
        "select-empty",
        "select-only-empty",
    ],
)
def test_bad_settings_are_reported_and_analysis_goes_on(tmp_path, pyproject, message):
    root = project(tmp_path, {"pyproject.toml": pyproject})
    r = run("check", root, cwd=root)
    assert message in r.stderr
    assert r.returncode == 1 and flagged_files(r.stdout) == {"ok.py"}


# -- item 8: outputs ------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "report"])
def test_output_to_a_folder_is_refused_before_analysis(tmp_path, command):
    root = project(tmp_path)
    r = run(command, root, "--output", tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"backend-lens: cannot write {tmp_path}: it is a folder; give a file name"
    ]


@pytest.mark.parametrize("command", ["check", "report"])
def test_output_under_a_regular_file_is_refused(tmp_path, command):
    root = project(tmp_path)
    target = root / "ok.py" / "out" / "x.txt"
    r = run(command, root, "--output", target)
    assert r.returncode == 2
    assert (
        r.stderr.strip() == f"backend-lens: cannot write {target}: {root / 'ok.py'} is not a folder"
    )
    assert (root / "ok.py").read_text() == FLAGGED


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["check", "report"])
def test_a_full_disk_is_an_error_with_a_message(tmp_path, command):
    root = project(tmp_path)
    r = run(command, root, "--output", "/dev/full")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "backend-lens: cannot write /dev/full: No space left on device"
    )
    # written into, never replaced: as root a rename would put a file in its place
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    with open("/dev/full", "w") as full:
        r = run(command, root, stdout=full)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "backend-lens: cannot write the output: No space left on device"
    )


def test_output_in_a_missing_folder(tmp_path):
    root = project(tmp_path)
    target = tmp_path / "new" / "x.txt"
    r = run("check", root, "--output", target)
    assert r.returncode == 2
    assert (
        r.stderr.strip()
        == f"backend-lens: cannot write {target}: the folder {target.parent} does not exist"
    )
    # the report makes the folders it needs
    assert run("report", root, "--output", target, "-q").returncode == 0
    assert "Backend Development Report" in target.read_text()


def test_output_dash_is_the_standard_output_and_empty_names_are_refused(tmp_path):
    root = project(tmp_path)
    r = run("check", root, "--output", "-", cwd=root)
    assert r.returncode == 1 and flagged_files(r.stdout) == {"ok.py"}
    assert not (root / "-").exists()
    r = run("check", root, "--output", "", cwd=root)
    assert r.returncode == 2 and "--output needs a file name" in r.stderr
    r = run("check", "", cwd=root)
    assert r.returncode == 2 and "an empty path was given" in r.stderr
    closed = subprocess.run(
        f"{sys.executable} -m backend_lens check . >&-",
        shell=True,
        cwd=root,
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        timeout=TIMEOUT,
    )
    assert closed.returncode == 2
    assert closed.stderr.strip() == "backend-lens: the standard output is closed; use --output FILE"


# -- item 8: file names that are not UTF-8 --------------------------------------


@pytest.fixture
def bad_name(tmp_path):
    root = project(tmp_path)
    name = os.fsdecode(b"bad\xff.py")
    try:
        (root / name).write_text(FLAGGED)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system does not take file names that are not UTF-8")
    return root


def test_sarif_percent_encodes_a_name_that_is_not_utf8(bad_name):
    r = run("check", bad_name, "--format", "sarif", cwd=bad_name)
    assert r.returncode == 1
    results = json.loads(r.stdout)["runs"][0]["results"]
    uris = {x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in results}
    assert uris == {"bad%FF.py", "ok.py"}
    assert all(x["partialFingerprints"]["backendLens/v1"] for x in results)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_text_and_json_survive_a_name_that_is_not_utf8(bad_name, fmt, tmp_path):
    # a strict UTF-8 stdout, as under an en_US.UTF-8 locale
    env = {"PYTHONIOENCODING": "utf-8:strict"}
    r = run("check", bad_name, "--format", fmt, cwd=bad_name, env=env)
    assert r.returncode == 1
    out = tmp_path / f"out.{fmt}"
    assert run("check", bad_name, "--format", fmt, "-o", out, cwd=bad_name).returncode == 1
    if fmt == "text":
        assert "bad\\xff.py:2:1: INT001" in r.stdout
        assert "bad\\xff.py:2:1: INT001" in out.read_text(encoding="utf-8")
    else:
        assert {d["path"] for d in json.loads(r.stdout)} == {"ok.py", "bad\udcff.py"}
    report = run("report", bad_name, cwd=bad_name, env=env)
    assert report.returncode == 0 and "Backend Development Report" in report.stdout


# -- item 8: the rest of the command line ---------------------------------------


def test_serve_arguments_are_checked(tmp_path):
    r = run("serve", "--tcp", "nonsense")
    assert r.returncode == 2 and "--tcp nonsense: expected HOST:PORT" in r.stderr
    r = run("serve", "--log-file", tmp_path)
    assert r.returncode == 2 and f"cannot write the log file {tmp_path}" in r.stderr


def test_an_unexpected_error_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, in_process):
    root = project(tmp_path)

    def boom(findings):
        raise ValueError("something nobody foresaw")

    monkeypatch.setattr(cli, "format_text", boom)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    assert in_process(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "backend-lens: internal error: ValueError: something nobody foresaw "
        "(set BACKEND_LENS_DEBUG=1 to see where)"
    ]
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    assert in_process(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "in boom" in err
