"""Batch throughput of ``backend-lens check`` against parsing alone.

For each corpus:

(a) runs ``backend-lens check --format json -q TREE`` as a subprocess (exit
    codes 0 and 1 are both a successful run) and reports its wall time,
    files/s, lines/s and peak RSS;
(b) parses the same files -- every .py file the check analyses, found with the
    check's own discovery and decoding -- with ``parso.load_grammar().parse(text)``
    in a fresh process, and reports the time of reading + parsing;

then the ratio check / parse. Target: check time <= 2 x parse time (the whole
analysis at least half as fast as parsing alone).

Corpora: by default N copies of examples/shop (40 copies, about 2,500 files),
built once under benchmarks/.data/; ``--tree PATH`` adds any directory, e.g.
the standard library:

    .venv/bin/python benchmarks/throughput.py
    .venv/bin/python benchmarks/throughput.py --copies 0 \\
        --tree "$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')"

Exits 0 whatever the figures; 2 if the check could not run (exit code 2 or a
crash).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHOP = REPO / "examples" / "shop"
TARGET_RATIO = 2.0

# The parse-only measurement, run in a fresh interpreter. It reads and decodes
# each file exactly as the check does (backend_lens.source.parsing imports only
# parso) and times parso's parse of each text.
PARSE_WORKER = r"""
import json, sys, time
from pathlib import Path
t_start = time.perf_counter()
import parso
from backend_lens.source.parsing import SkipFile, read_source
grammar = parso.load_grammar()
t_imported = time.perf_counter()
paths, max_bytes = json.load(open(sys.argv[1])), int(sys.argv[2])
files = lines = skipped = 0
t_read = t_parse = 0.0
for p in paths:
    t0 = time.perf_counter()
    try:
        text = read_source(Path(p), max_bytes)
    except SkipFile:
        skipped += 1
        continue
    t1 = time.perf_counter()
    grammar.parse(text)
    t2 = time.perf_counter()
    t_read += t1 - t0
    t_parse += t2 - t1
    files += 1
    lines += len(text.splitlines())
print(json.dumps({"files": files, "lines": lines, "skipped": skipped, "read": t_read, "parse": t_parse,
                  "import": t_imported - t_start, "inside": time.perf_counter() - t_start}))
"""


def check_command() -> list[str]:
    script = Path(sys.executable).parent / "backend-lens"
    if script.exists():
        return [str(script), "check"]
    return [sys.executable, "-m", "backend_lens", "check"]


def findings_in(code: int, out: Path) -> int | None:
    """How many findings `check --format json` wrote to ``out`` (None if it failed)."""
    if code not in (0, 1):
        return None
    try:
        return len(json.loads(out.read_text(encoding="utf-8")))
    except ValueError:
        return None


def run_measured(cmd: list[str], stdout_path: Path, stderr_path: Path, cwd: Path | None = None):
    """Run ``cmd``; returns (exit code, wall seconds, peak RSS in kB of that child).

    os.wait4 gives the child's own rusage (ru_maxrss, as RUSAGE_CHILDREN would,
    but for this child only)."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()  # our own child, by its handle
            proc.wait()
            raise
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def build_shop_tree(dest: Path, copies: int) -> Path:
    """``copies`` copies of examples/shop as pkg_000 .. pkg_NNN; rebuilt only when
    the count or the example changed."""
    stamp = dest / ".built"
    sources = sorted(p for p in SHOP.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    signature = json.dumps(
        [
            copies,
            [(str(p.relative_to(SHOP)), p.stat().st_size, int(p.stat().st_mtime)) for p in sources],
        ]
    )
    if stamp.exists() and stamp.read_text() == signature:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for i in range(copies):
        shutil.copytree(
            SHOP, dest / f"pkg_{i:03d}", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    stamp.write_text(signature)
    return dest


def analysed_files(tree: Path) -> tuple[list[str], int]:
    """The .py files ``backend-lens check TREE`` analyses (its own discovery), and its size limit."""
    from backend_lens.config import load as load_config
    from backend_lens.engine.project import Project

    root = tree.resolve()
    config = load_config(root)
    project = Project(root, config, use_jedi=False)
    return [str(p) for p in project.discover()], config.max_file_size


def measure(name: str, tree: Path, data: Path) -> dict:
    tree = tree.resolve()
    print(f"[{name}] discovering files under {tree} ...", file=sys.stderr, flush=True)
    files, max_bytes = analysed_files(tree)
    list_path = data / f"throughput-{name}-files.json"
    list_path.write_text(json.dumps(files))

    print(f"[{name}] backend-lens check on {len(files)} files ...", file=sys.stderr, flush=True)
    out, err = data / f"throughput-{name}-check.json", data / f"throughput-{name}-check.stderr"
    code, wall, rss, cpu = run_measured(
        [*check_command(), "--format", "json", "-q", str(tree)], out, err, cwd=data
    )
    findings = findings_in(code, out)
    skipped_lines = [ln for ln in err.read_text(errors="replace").splitlines() if "skipped" in ln]

    print(f"[{name}] parso alone on the same files ...", file=sys.stderr, flush=True)
    pout, perr = data / f"throughput-{name}-parse.json", data / f"throughput-{name}-parse.stderr"
    pcode, pwall, prss, _ = run_measured(
        [sys.executable, "-c", PARSE_WORKER, str(list_path), str(max_bytes)], pout, perr, cwd=data
    )
    parse = json.loads(pout.read_text()) if pcode == 0 else None
    return dict(
        name=name,
        tree=str(tree),
        discovered=len(files),
        code=code,
        wall=wall,
        rss=rss,
        cpu=cpu,
        findings=findings,
        check_skipped=len(skipped_lines),
        stderr=str(err),
        parse=parse,
        parse_wall=pwall,
        parse_rss=prss,
        parse_code=pcode,
        parse_stderr=str(perr),
    )


def report(results: list[dict]) -> None:
    print(
        f"Backend Lens throughput benchmark  ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]})"
    )
    for r in results:
        p = r["parse"]
        print()
        print(f"corpus {r['name']}: {r['tree']}")
        if r["code"] not in (0, 1):
            print(f"  backend-lens check FAILED with exit code {r['code']} (see {r['stderr']})")
            continue
        if p is None:
            print(
                f"  the parse-only run FAILED with exit code {r['parse_code']} (see {r['parse_stderr']})"
            )
            continue
        files, lines = p["files"], p["lines"]
        parse_rw = p["read"] + p["parse"]
        print(
            f"  files analysed: {files} ({lines:,} lines; {p['skipped']} skipped as too large/binary/undecodable)"
        )
        print(f"  {'':34}{'seconds':>9}{'files/s':>10}{'lines/s':>11}{'peak RSS':>11}")
        print(
            f"  {'backend-lens check (wall)':34}{r['wall']:9.2f}{files / r['wall']:10.0f}{lines / r['wall']:11,.0f}"
            f"{r['rss'] / 1024:8.0f} MB"
        )
        print(
            f"  {'parso: read + parse (in process)':34}{parse_rw:9.2f}{files / parse_rw:10.0f}"
            f"{lines / parse_rw:11,.0f}"
        )
        print(
            f"  {'parso: parse only':34}{p['parse']:9.2f}{files / p['parse']:10.0f}{lines / p['parse']:11,.0f}"
        )
        print(
            f"  {'parso: whole fresh process (wall)':34}{r['parse_wall']:9.2f}{files / r['parse_wall']:10.0f}"
            f"{lines / r['parse_wall']:11,.0f}{r['parse_rss'] / 1024:8.0f} MB"
        )
        ratio = r["wall"] / parse_rw
        verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
        print(
            f"  ratio check / (read + parse): {ratio:.2f}  (check / parse only: {r['wall'] / p['parse']:.2f}; "
            f"check / parse process wall: {r['wall'] / r['parse_wall']:.2f})"
        )
        print(f"  target check <= {TARGET_RATIO:.0f} x parse: {verdict}")
        print(
            f"  check: exit {r['code']}, {r['findings']} findings, CPU {r['cpu']:.2f} s, "
            f"{r['check_skipped']} 'skipped' lines on stderr"
        )


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    p.add_argument(
        "--copies",
        type=int,
        default=40,
        help="copies of examples/shop in the generated corpus (default 40, ~2,500 files; 0 = none)",
    )
    p.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="PATH",
        help="another directory to measure (repeatable), e.g. the standard library",
    )
    p.add_argument(
        "--data", default=str(HERE / ".data"), help="where to build the corpus and keep outputs"
    )
    args = p.parse_args()
    data = Path(args.data).resolve()
    data.mkdir(parents=True, exist_ok=True)
    corpora: list[tuple[str, Path]] = []
    if args.copies > 0:
        t0 = time.perf_counter()
        tree = build_shop_tree(data / f"shop-x{args.copies}", args.copies)
        print(
            f"[shop-x{args.copies}] corpus ready in {time.perf_counter() - t0:.1f}s",
            file=sys.stderr,
        )
        corpora.append((f"shop-x{args.copies}", tree))
    for t in args.tree:
        path = Path(t)
        if not path.is_dir():
            p.error(f"--tree {t}: not a directory")
        corpora.append((path.resolve().name or "tree", path))
    if not corpora:
        p.error("nothing to measure: --copies 0 and no --tree")
    results = [measure(name, tree, data) for name, tree in corpora]
    report(results)
    return 0 if all(r["code"] in (0, 1) for r in results) else 2


if __name__ == "__main__":
    sys.exit(main())
