"""Whole-project scans side by side: Bandit, a cold check with worker processes,
a cold check in one process, and warm checks from the result cache.

In one session, round after round, each command runs in turn on the same tree
(A, B, C, A, B, C, ...; this machine is shared, so figures are ranges):

* ``bandit -r -q -f json TREE`` (``--bandit PATH``; skipped with a message if absent)
* ``backend-lens check --format json -q --no-cache TREE`` (cold, ``--jobs`` default)
* the same with ``--jobs 1`` (cold, one process: the path before issue 10)
* ``backend-lens check`` with a warm cache, nothing changed
* the same after a change to one file (a comment appended; undone at the end)
* the same after a change that moves what that file defines (a line inserted at
  its top: every position in it changes, so every cross-file check is judged
  again; see engine/snapshot.py)

For each: wall time, CPU time of the whole process tree, the ratio to Bandit's
wall time, and the peak memory of all its processes together: the process tree
is sampled every ~20 ms from /proc, summing RSS (shared pages counted in every
process) and PSS (``/proc/PID/smaps_rollup``: shared pages divided among the
processes that share them), and the peak of each sum is kept.

The tree is copied (its .py files and config files only) under
``benchmarks/.data/scan-tree/`` so that the one-file change never touches the
original (the Django source here is read-only). Default tree: examples/shop x40,
built as throughput.py builds it.

``--open REL`` also times the language server on the same tree with a warm
cache: didOpen of REL -> its first publishDiagnostics, and the end of the
workspace scan.

    .venv/bin/python benchmarks/scan.py                        # shop x40
    .venv/bin/python benchmarks/scan.py --tree /tmp/dj/django-5.2.19 --rounds 2 \\
        --bandit /tmp/bandit-venv/bin/bandit --open django/db/models/query.py

Exits 0 whatever the figures; 2 if a backend-lens run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from throughput import build_shop_tree, check_command  # noqa: E402

DATA = HERE / ".data"
PAGE = os.sysconf("SC_PAGE_SIZE")
KEEP = (".py", ".toml", ".cfg", ".ini", ".txt")


# -- memory of a process tree -------------------------------------------------------
def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree_of(pid: int) -> list[int]:
    kids = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def rss_and_pss(pids: list[int]) -> tuple[int, int]:
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                rss += int(f.read().split()[1]) * PAGE
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            continue
    return rss, pss


class Sampler(threading.Thread):
    """Peak of the summed RSS and PSS of a process and its descendants."""

    def __init__(self, pid: int, every: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_rss = self.peak_pss = 0
        self.most = 1
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            pids = tree_of(self.pid)
            rss, pss = rss_and_pss(pids)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.most = max(self.most, len(pids))
            self.stop.wait(self.every)


def run_measured(cmd: list[str], out: Path, env: dict | None = None) -> dict:
    t0 = time.perf_counter()
    with open(out, "wb") as stdout, open(out.with_suffix(".err"), "wb") as stderr:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env)
        sampler = Sampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
    return {
        "wall": wall,
        "code": os.waitstatus_to_exitcode(status),
        "cpu": usage.ru_utime + usage.ru_stime,  # the workers too (reaped)
        "rss": sampler.peak_rss,
        "pss": sampler.peak_pss,
        "procs": sampler.most,
    }


# -- the tree -------------------------------------------------------------------------
def copy_tree(src: Path, dest: Path) -> Path:
    """The .py and config files of ``src`` under ``dest`` (kept while ``src`` is unchanged)."""
    stamp = dest / ".copied-from"
    if stamp.exists() and stamp.read_text() == str(src):
        return dest / src.name
    shutil.rmtree(dest, ignore_errors=True)

    def ignore(folder, names):
        return [
            n for n in names if not os.path.isdir(os.path.join(folder, n)) and not n.endswith(KEEP)
        ]

    shutil.copytree(src, dest / src.name, ignore=ignore, symlinks=True)
    stamp.write_text(str(src))
    return dest / src.name


def pick_file(tree: Path, rel: str | None) -> Path:
    if rel:
        return tree / rel
    files = sorted(tree.rglob("*.py"), key=lambda p: (-p.stat().st_size, str(p)))
    return files[len(files) // 2]


# -- the server ---------------------------------------------------------------------
async def time_open(tree: Path, rel: str, env: dict, timeout: float) -> dict:
    from latency import BenchClient, server_command
    from lsprotocol import types as T

    path = tree / rel
    uri, root_uri = path.as_uri(), tree.as_uri()
    client = BenchClient(DATA / "scan-server.log")
    got: asyncio.Future = asyncio.get_running_loop().create_future()
    scan_end: asyncio.Future = asyncio.get_running_loop().create_future()
    titles: dict[str, str] = {}
    logs: list[str] = []

    @client.feature(T.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _create(ls, params):
        return None

    @client.feature(T.PROGRESS)
    def _progress(ls, params):
        value = params.value if isinstance(params.value, dict) else {}
        if value.get("kind") == "begin":
            titles[str(params.token)] = value.get("title", "")
        elif value.get("kind") == "end" and "indexing" in titles.get(str(params.token), ""):
            if not scan_end.done():
                scan_end.set_result(time.perf_counter())

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _publish(ls, params):
        if params.uri == uri and not got.done():
            got.set_result((time.perf_counter(), len(params.diagnostics)))

    @client.feature(T.WINDOW_LOG_MESSAGE)
    def _log(ls, params):
        logs.append(params.message)

    cmd = server_command()
    old_env = dict(os.environ)
    os.environ.update(env)
    try:
        t_spawn = time.perf_counter()
        await client.start_io(cmd[0], *cmd[1:], cwd=str(tree))
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    try:
        await asyncio.wait_for(
            client.initialize_async(
                T.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=root_uri,
                    workspace_folders=[T.WorkspaceFolder(uri=root_uri, name=tree.name)],
                    capabilities=T.ClientCapabilities(
                        window=T.WindowClientCapabilities(work_done_progress=True)
                    ),
                )
            ),
            timeout,
        )
        client.initialized(T.InitializedParams())
        t_open = time.perf_counter()
        client.text_document_did_open(
            T.DidOpenTextDocumentParams(
                text_document=T.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=path.read_text()
                )
            )
        )
        t_diag, n = await asyncio.wait_for(got, timeout)
        t_scan = await asyncio.wait_for(scan_end, timeout)
        for _ in range(100):  # the "indexed ..." log line follows the end of the progress
            if any(m.startswith("indexed ") for m in logs):
                break
            await asyncio.sleep(0.02)
        return {
            "open": t_diag - t_open,
            "from_start": t_diag - t_spawn,
            "diagnostics": n,
            "scan": t_scan - t_open,
            "indexed": next((m for m in logs if m.startswith("indexed ")), ""),
        }
    finally:
        try:
            await asyncio.wait_for(client.shutdown_async(None), 10)
            client.exit(None)
            await asyncio.wait_for(client.stop(), 10)
        except Exception:
            pass
        client.close_stderr()


# -- main -------------------------------------------------------------------------------
def fmt_range(values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    vs = [v * scale for v in values]
    if len(vs) == 1:
        return f"{vs[0]:.2f} {unit}"
    return f"{min(vs):.2f}-{max(vs):.2f} {unit} (median {statistics.median(vs):.2f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tree", type=Path, help="the project to scan (default: examples/shop x40)")
    ap.add_argument("--copies", type=int, default=40, help="copies of the example (default 40)")
    ap.add_argument("--bandit", default="bandit", help="the bandit command (default: on PATH)")
    ap.add_argument("--rounds", type=int, default=2, help="alternations (default 2)")
    ap.add_argument("--jobs", type=int, help="--jobs for the cold and warm checks (default: ours)")
    ap.add_argument("--touch", help="the file to change for the one-file warm run (REL path)")
    ap.add_argument("--open", metavar="REL", help="also time the server opening REL, warm cache")
    ap.add_argument("--timeout", type=float, default=600.0)
    args = ap.parse_args()
    # a kill (timeout, Ctrl-C) still undoes the one-file change (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))

    DATA.mkdir(exist_ok=True)
    if args.tree:
        tree = copy_tree(args.tree.resolve(), DATA / "scan-tree")
    else:
        tree = build_shop_tree(DATA / f"shop-x{args.copies}", args.copies)
    cache = DATA / "scan-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, BACKEND_LENS_CACHE_DIR=str(cache))
    check = [*check_command(), "--format", "json", "-q"]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    bandit = shutil.which(args.bandit)
    if bandit is None:
        print(f"bandit not found ({args.bandit}): its runs are skipped", file=sys.stderr)
    if args.open and not (tree / args.open).is_file():
        print(f"--open {args.open}: no such file under {tree}", file=sys.stderr)
        return 2
    touched = pick_file(tree, args.touch)
    original = touched.read_bytes()
    files = sum(1 for _ in tree.rglob("*.py"))
    print(f"tree: {tree} ({files} .py files); one-file change: {touched.relative_to(tree)}")
    print(f"cores available: {len(os.sched_getaffinity(0))}; rounds: {args.rounds}\n")

    runs: dict[str, list[dict]] = {}
    order = [
        "bandit",
        "cold",
        "cold --jobs 1",
        "warm",
        "warm, one file changed",
        "warm, its definitions moved",
    ]
    failed = False
    try:
        subprocess.run([*check, *jobs, str(tree)], env=env, capture_output=True)  # fill the cache
        for r in range(args.rounds):
            for name in order:
                out = DATA / f"scan-{name.replace(' ', '_').replace(',', '')}.json"
                if name == "bandit":
                    if bandit is None:
                        continue
                    cmd = [bandit, "-r", "-q", "-f", "json", "-o", str(out), str(tree)]
                    res = run_measured(cmd, out.with_suffix(".out"))
                elif name.startswith("cold"):
                    extra = ["--jobs", "1"] if "jobs 1" in name else jobs
                    res = run_measured([*check, "--no-cache", *extra, str(tree)], out, env)
                else:
                    if name == "warm":
                        # each round from the original file, the cache in step with it
                        # (the last round ended with the definitions moved)
                        touched.write_bytes(original)
                        subprocess.run([*check, *jobs, str(tree)], env=env, capture_output=True)
                    elif "changed" in name:
                        touched.write_bytes(original + f"\n# scan.py round {r}\n".encode())
                    elif "moved" in name:
                        touched.write_bytes(f"# scan.py round {r}\n".encode() + original)
                    res = run_measured([*check, *jobs, str(tree)], out, env)
                if name != "bandit" and res["code"] not in (0, 1):
                    print(f"{name}: exit {res['code']}, see {out.with_suffix('.err')}")
                    failed = True
                runs.setdefault(name, []).append(res)
                print(
                    f"round {r + 1} {name:<24} {res['wall']:7.2f} s  cpu {res['cpu']:6.2f} s  "
                    f"peak RSS {res['rss'] / 1e6:6.0f} MB  PSS {res['pss'] / 1e6:6.0f} MB  "
                    f"({res['procs']} processes)",
                    flush=True,
                )
    finally:
        touched.write_bytes(original)

    print("\nsummary (ranges over the rounds)")
    base = runs.get("bandit")
    for name in order:
        rs = runs.get(name)
        if not rs:
            continue
        line = f"  {name:<24} wall {fmt_range([x['wall'] for x in rs])}"
        if base and name != "bandit":
            ratios = [x["wall"] / b["wall"] for x, b in zip(rs, base, strict=False)]
            line += f"; x bandit {fmt_range(ratios, '')}"
        line += f"; peak RSS {fmt_range([x['rss'] for x in rs], 'MB', 1e-6)}"
        line += f"; PSS {fmt_range([x['pss'] for x in rs], 'MB', 1e-6)}"
        if base and name != "bandit":
            mem = [x["rss"] / b["rss"] for x, b in zip(rs, base, strict=False)]
            line += f"; RSS x bandit {fmt_range(mem, '')}"
        print(line)
    cold = runs.get("cold")
    for name in ("warm", "warm, one file changed", "warm, its definitions moved"):
        if cold and runs.get(name):
            share = [w["wall"] / c["wall"] for w, c in zip(runs[name], cold, strict=False)]
            print(f"  {name}: {fmt_range(share, '', 100)}% of the cold check")

    if args.open:
        print(f"\nserver, warm cache: open {args.open}")
        res = asyncio.run(
            time_open(tree, args.open, {"BACKEND_LENS_CACHE_DIR": str(cache)}, args.timeout)
        )
        print(
            f"  didOpen -> first diagnostics {res['open']:.3f} s ({res['diagnostics']} diagnostics); "
            f"server start -> diagnostics {res['from_start']:.3f} s; "
            f"workspace scan ended {res['scan']:.2f} s after the open"
        )
        print(f"  {res['indexed']}")
    print(f"\noutputs and the server log: {DATA}")
    json.dump(runs, open(DATA / "scan-results.json", "w"), indent=1)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
