"""The progress line of check and report: on a terminal only, with files done,
files per second and the time left; nothing on a pipe or with -q."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from backend_lens.cli import ProgressLine

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"


def test_the_line_shows_count_rate_and_time_left():
    t = [0.0]
    out = io.StringIO()
    line = ProgressLine(clock=lambda: t[0], stream=out)
    t[0] = 2.0
    line(9, 40, "a.py")  # 10 files in 2 s: 5 files/s, 30 left: 6 s
    assert "[######..................] 10/40 files  5 files/s  0:06 left" in out.getvalue()
    t[0] = 2.05
    line(10, 40, "b.py")  # within a tenth of a second: not redrawn
    assert out.getvalue().count("files/s") == 1
    t[0] = 8.0
    line(39, 40, "z.py")  # the last file is always shown
    line.finish()
    assert out.getvalue().endswith("\ranalysed 40 files in 8.0 s\x1b[K\n")


@pytest.mark.skipif(sys.platform == "win32", reason="pty is POSIX")
def test_check_draws_it_on_a_terminal_and_not_on_a_pipe(tmp_path):
    master, slave = pty.openpty()
    cmd = [
        sys.executable,
        "-m",
        "backend_lens",
        "check",
        str(SHOP),
        "--output",
        str(tmp_path / "f.txt"),
    ]
    proc = subprocess.run(cmd, stderr=slave, stdout=subprocess.DEVNULL, timeout=300)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 1
    text = seen.decode()
    # 63 Python files and two dependency manifests (requirements.txt, pyproject.toml)
    assert "files/s" in text and "/65 files" in text
    assert "analysed 65 files in" in text
    piped = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert "files/s" not in piped.stderr and "analysed" not in piped.stderr
