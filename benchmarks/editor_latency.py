"""Edit-to-diagnostics latency in a real editor: headless Neovim with the
plugin from editors/neovim, on the same generated 3,000-line module as
benchmarks/latency.py.

Each one-character edit is made in the buffer (nvim_buf_set_text, at the end of
a comment or inside a string, then deleted again); the figure is the time from
the edit to the publishDiagnostics for the buffer's new version reaching
Neovim's handler, which is when the user sees them. Two runs: with Neovim's
default client flags (its LSP client debounces didChange) and with
`debounce_text_changes = 0` (what the server and the transport add). "Open" is
from :edit to the first diagnostics, starting the server and indexing the
workspace included.

    .venv/bin/python benchmarks/editor_latency.py [--edits 30]

Needs nvim (editors/install/nvim.sh). Prints figures; asserts nothing. Exits 2
if Neovim is missing or could not be driven.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import _corpus  # noqa: E402


def find_nvim() -> str | None:
    local = Path(sys.executable).parent / "nvim"
    return str(local) if local.exists() else shutil.which("nvim")


def run(nvim: str, debounce: int | None, edits: int, lines: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bl-editor-latency-") as tmp:
        root = Path(tmp) / "workspace"
        views = _corpus.write_workspace(root, lines)
        (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
        text = views.read_text(encoding="utf-8")
        lines_of = text.splitlines()
        sites = [s for s in _corpus.edit_sites(text) if s[2] in ("comment", "string")]
        rng = random.Random(7)
        chosen = sorted(rng.sample(sites, min(edits, len(sites))))
        result = Path(tmp) / "result.json"
        home = Path(tmp) / "home"
        env = dict(os.environ)
        for var, sub in (
            ("XDG_CONFIG_HOME", "c"),
            ("XDG_DATA_HOME", "d"),
            ("XDG_STATE_HOME", "s"),
            ("XDG_CACHE_HOME", "k"),
        ):
            (home / sub).mkdir(parents=True)
            env[var] = str(home / sub)
        env.update(
            BL_PLUGIN=str(REPO / "editors" / "neovim"),
            BL_FILE=str(views),
            BL_RESULT=str(result),
            BL_SERVER_CMD=json.dumps([sys.executable, "-m", "backend_lens", "serve"]),
            # Neovim's buffer columns are bytes; the corpus counts code points
            BL_SITES=json.dumps(
                [[line, len(lines_of[line][:col].encode()), "x"] for line, col, _ in chosen]
            ),
            BL_DEBOUNCE="" if debounce is None else str(debounce),
        )
        cmd = [
            nvim,
            "--headless",
            "--clean",
            "-n",
            "-i",
            "NONE",
            "--cmd",
            "let g:loaded_python3_provider=0",
            "-c",
            f"luafile {HERE / 'editor_latency.lua'}",
        ]
        proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, timeout=600)
        if not result.exists():
            raise RuntimeError(
                f"Neovim wrote no result (exit {proc.returncode}): {proc.stderr[-2000:]}"
            )
        data = json.loads(result.read_text())
        if data.get("error"):
            raise RuntimeError(data["error"])
        return data


def describe(label: str, data: dict) -> None:
    times = sorted(data["edits"])
    p50 = statistics.median(times)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"{label}: open {data['first_ms']:.0f} ms; {len(times)} edits: "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms "
        f"({data['diagnostics']} diagnostics shown)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=30, help="edit sites (each typed and deleted)")
    parser.add_argument("--lines", type=int, default=3000)
    args = parser.parse_args()
    nvim = find_nvim()
    if nvim is None:
        print("nvim is not installed: run editors/install/nvim.sh", file=sys.stderr)
        return 2
    version = subprocess.run([nvim, "--version"], capture_output=True, text=True).stdout.split(
        "\n"
    )[0]
    print(f"{version}, {args.lines}-line module, {os.cpu_count()} CPUs")
    try:
        describe("Neovim default flags", run(nvim, None, args.edits, args.lines))
        describe("Neovim debounce 0", run(nvim, 0, args.edits, args.lines))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"editor_latency: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
