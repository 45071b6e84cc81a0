"""jedi follows imports and reads the modules it finds itself: its reads obey the
same rules as ours (regular files only, bounded, no link out of the project)."""

from __future__ import annotations

import os
import subprocess
import sys

from .test_engine import BASE, MODELS, VIEWS, write


def test_a_fifo_stub_beside_a_module_does_not_hang_the_analysis(tmp_path):
    root = tmp_path / "proj"
    write(
        root,
        {
            "core/__init__.py": "",
            "core/base.py": BASE,
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/views.py": VIEWS,
        },
    )
    os.mkfifo(root / "core" / "base.pyi")  # jedi prefers a stub: it would block on it
    r = subprocess.run(
        [sys.executable, "-P", "-m", "backend_lens", "check", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    assert "skipped core/base.pyi" not in r.stderr  # not a .py file: discovery never listed it


def test_jedis_file_reads_follow_our_rules(tmp_path):
    import parso.file_io
    from backend_lens.source.names import JediResolver

    outside = tmp_path / "outside"
    write(outside, {"secret.py": "TOKEN = 'x'\n"})
    root = tmp_path / "proj"
    write(root, {"app/inside.py": "X = 1\n"})
    (root / "app" / "stuff.py").symlink_to(outside / "secret.py")
    (root / "app" / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(root / "app" / "pipe.pyi")
    resolver = JediResolver(root, lambda path: None)
    resolver._jedi_project()  # what the first resolution does: jedi's reads are guarded

    def read(path):
        return parso.file_io.FileIO(str(path)).read()

    assert read(root / "app" / "inside.py") == b"X = 1\n"
    assert read(root / "app" / "stuff.py") == b""  # a link out of the project: not read
    assert read(outside / "secret.py") == b"TOKEN = 'x'\n"  # (not through the project)
    assert read(root / "app" / "zero.py") == b""  # a device: not read, no endless read
    assert read(root / "app" / "pipe.pyi") == b""  # a FIFO: not opened for good
    try:
        read(root / "app" / "missing.pyi")
    except FileNotFoundError:
        pass  # jedi probes for stubs this way: a missing file still raises
    else:
        raise AssertionError("a missing file must raise FileNotFoundError")
