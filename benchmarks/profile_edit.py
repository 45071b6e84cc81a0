"""Where the time of one edit goes, in process (no LSP transport).

Repeats what the server's analysis thread does for each didChange, on the
generated 3,000-line module of latency.py: Project.analyze_open (the incremental analysis) with the
document's cache key (parso's diff parser), Project.findings, then the
server's conversion of findings to LSP diagnostics. Prints a per-step timing
table and the top of a cProfile of the whole loop.

    .venv/bin/python benchmarks/profile_edit.py [--edits 40] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _corpus  # noqa: E402
from latency import plan_edits  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--edits", type=int, default=40)
    p.add_argument("--lines", type=int, default=3000)
    p.add_argument("--top", type=int, default=25, help="rows of the profile to print")
    p.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    p.add_argument(
        "--server-gc",
        action="store_true",
        help="use the server's gc settings (threshold 50000,20,50 and gc.freeze after the scan)",
    )
    p.add_argument(
        "--no-profile", action="store_true", help="time the steps without cProfile's overhead"
    )
    p.add_argument(
        "--per-edit",
        action="store_true",
        help="print each edit: its time, where it was, and what the update re-did",
    )
    p.add_argument("--data", default=str(HERE / ".data"))
    p.add_argument("--callers", help="also print the callers of functions matching this pattern")
    p.add_argument(
        "--workspace", help="an existing tree to scan instead of the generated one (never written)"
    )
    p.add_argument("--file", help="the document to edit, relative to --workspace")
    p.add_argument(
        "--sites", choices=("text", "code", "enter"), default="text", help="as latency.py's"
    )
    args = p.parse_args()
    if bool(args.workspace) != bool(args.file):
        p.error("--workspace and --file go together")

    from backend_lens import catalogue
    from backend_lens.config import load as load_config
    from backend_lens.engine.cache import ResultCache
    from backend_lens.engine.parallel import default_jobs
    from backend_lens.engine.project import Project
    from backend_lens.engine.worker import Published
    from backend_lens.lsp.server import BackendLensServer
    from lsprotocol import types as T
    from pygls.uris import from_fs_path
    from pygls.workspace import PositionCodec

    if args.workspace:
        ws = Path(args.workspace).resolve()
        views = ws / args.file
    else:
        ws = Path(args.data).resolve() / "profile-workspace"
        shutil.rmtree(ws, ignore_errors=True)
        views = _corpus.write_workspace(ws, args.lines)
    text = views.read_text(encoding="utf-8")
    path, uri = str(views), from_fs_path(str(views))

    if args.server_gc:
        gc.set_threshold(50_000, 20, 50)
    project = Project(ws, load_config(ws, {}))
    # as the server's workspace scan: worker processes, and the result cache
    project.jobs = default_jobs()
    project.cache = ResultCache.for_project(project.root, project.config)
    t_scan = time.perf_counter()
    project.scan()
    print(f"workspace scan: {time.perf_counter() - t_scan:.1f} s", file=sys.stderr)
    if args.server_gc:
        gc.collect()
        gc.freeze()
    ls = BackendLensServer()  # only its to_diagnostic is used
    ls.project = project
    codec = PositionCodec(T.PositionEncodingKind.Utf16)
    cat = catalogue.load()

    steps: dict[str, list[float]] = {
        "analyze_open": [],
        "findings": [],
        "to_diagnostic": [],
        "total": [],
    }

    sites: list[str] = []

    def one(version: int, doc: str) -> None:
        t0 = time.perf_counter()
        project.overlay[path] = doc
        lines = doc.splitlines(keepends=True)
        project.analyze_open(path, doc, version, uri)
        t1 = time.perf_counter()
        findings = project.findings(path)
        t2 = time.perf_counter()
        pub = Published(uri, path, version, findings, lines)
        [ls.to_diagnostic(codec, pub, f, cat) for f in findings]
        t3 = time.perf_counter()
        if args.per_edit and version > 1:
            st = project._incremental[path].stats
            where = sites[version - 2] if version - 2 < len(sites) else None
            print(
                f"  edit {version:3}: {(t3 - t0) * 1000:7.1f} ms  at {where}  units {st.units}"
                f" indexed {st.indexed} facts {st.facts} detected {st.detected}"
                f"{' WHOLE' if st.whole else ''}  deferred {len(project.results[path].deferred)}"
            )
        for k, v in (
            ("analyze_open", t1 - t0),
            ("findings", t2 - t1),
            ("to_diagnostic", t3 - t2),
            ("total", t3 - t0),
        ):
            steps[k].append(v * 1000)

    t0 = time.perf_counter()
    one(1, text)
    project.warm(path)  # what the server's analysis thread does before the first edit
    first = (time.perf_counter() - t0) * 1000
    for v in steps.values():
        v.clear()

    docs = []
    lines = text.splitlines(keepends=True)
    for line, col, _kind, ch in plan_edits(text, args.edits, 0, args.sites):
        cur = lines[line]
        docs.append("".join(lines[:line] + [cur[:col] + ch + cur[col:]] + lines[line + 1 :]))
        docs.append(text)
        sites += [f"{line + 1}:{col} {ch!r} {cur.strip()[:40]!r}", f"{line + 1}:{col} undo"]
    docs = docs[: args.edits]

    gc_time = {0: 0.0, 1: 0.0, 2: 0.0}
    gc_count = {0: 0, 1: 0, 2: 0}
    gc_started = [0.0]

    def gc_watch(phase, info):
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_time[info["generation"]] += time.perf_counter() - gc_started[0]
            gc_count[info["generation"]] += 1

    gc.callbacks.append(gc_watch)
    prof = cProfile.Profile()
    if not args.no_profile:
        prof.enable()
    for i, doc in enumerate(docs, start=2):
        one(i, doc)
    prof.disable()
    gc.callbacks.remove(gc_watch)

    print(
        f"profile of {len(docs)} edits of {views} ({len(text.splitlines())} lines); first analysis {first:.0f} ms"
    )
    if not args.no_profile:
        print("(times include cProfile's overhead, roughly x2-3; --no-profile for plain timings)")
    print(f"  {'step':16}{'median':>9}{'p95':>9}{'max':>9}  ms")
    for k, vals in steps.items():
        s = sorted(vals)
        print(f"  {k:16}{statistics.median(s):9.1f}{s[int(0.95 * (len(s) - 1))]:9.1f}{s[-1]:9.1f}")
    print(
        "  garbage collections during the edits: "
        + ", ".join(f"gen{g} {gc_count[g]}x {gc_time[g] * 1000:.0f} ms" for g in (0, 1, 2))
    )
    if not args.no_profile:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).strip_dirs().sort_stats(args.sort)
        stats.print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
