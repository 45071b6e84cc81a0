"""What the project model costs: scanning a tree, then building its inventory
(source roots, models, endpoints, tasks, settings) and the report from it.

Prints figures; never fails on them (exit 2 only if the tree cannot be read).

    .venv/bin/python benchmarks/project_model.py                 # examples/shop x 40
    .venv/bin/python benchmarks/project_model.py --tree PATH     # any project, e.g. a checkout
    .venv/bin/python benchmarks/project_model.py --jedi          # with the jedi fallback, as the CLI

Target: the inventory and the report add little to the scan (under a quarter of
its time), so `backend-lens report` stays dominated by parsing.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import build_shop_tree  # noqa: E402

DATA = Path(__file__).resolve().parent / ".data"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", type=Path, help="the project to measure (default: shop x copies)")
    p.add_argument("--copies", type=int, default=40, help="copies of examples/shop")
    p.add_argument("--jedi", action="store_true", help="use jedi as the CLI does")
    args = p.parse_args()

    from backend_lens.engine.project import Project
    from backend_lens.inventory import build_inventory
    from backend_lens.report.build import build_report, render

    tree = args.tree or build_shop_tree(DATA / f"shop-x{args.copies}", args.copies)
    if not tree.is_dir():
        print(f"project_model: {tree} is not a folder", file=sys.stderr)
        return 2
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    project = Project(tree, use_jedi=args.jedi)
    t0 = time.perf_counter()
    project.scan()
    t_scan = time.perf_counter() - t0
    findings = list(project.all_findings())
    t_judge = time.perf_counter() - t0 - t_scan

    tracemalloc.start()
    t1 = time.perf_counter()
    inv = build_inventory(project)
    t_inv = time.perf_counter() - t1
    _, inv_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    t2 = time.perf_counter()
    text = render(build_report(project))
    t_report = time.perf_counter() - t2

    print(f"tree: {tree} ({len(project.results)} files, jedi {'on' if args.jedi else 'off'})")
    print(
        f"recognised: {len(inv.source_roots)} source roots, {len(inv.models)} models, "
        f"{len(inv.endpoints)} endpoints, {len(inv.tasks)} tasks, {len(inv.settings)} settings "
        f"modules; {len(findings)} findings"
    )
    print(f"scan (parse, facts, local checks):  {t_scan:8.2f} s")
    print(f"judge every finding:                {t_judge:8.2f} s")
    print(
        f"inventory:                          {t_inv:8.2f} s  "
        f"({100 * t_inv / t_scan:.0f}% of the scan; peak {inv_peak / 1e6:.1f} MB allocated)"
    )
    print(
        f"report (inventory, findings, text): {t_report:8.2f} s  "
        f"({100 * t_report / t_scan:.0f}% of the scan; {len(text):,} characters)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
