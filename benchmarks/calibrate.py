"""The score model's calibration table (docs/scoring.md): the three scores of
``backend-lens report`` on a list of local project trees, side by side.

For each PATH (a repository root already on disk; nothing is downloaded) it runs
``backend-lens report PATH --format json`` in a subprocess, keeps the JSON under
``benchmarks/.data/calibrate/NAME.json`` and prints one Markdown row: project,
commit (``git rev-parse HEAD`` when PATH is a git work tree), the frameworks
recognised, all lines and lines of application code (the size the scores are
normalised by), the three scores, the findings that weigh on them, the points
per 1,000 application lines of each score, and the three costliest rules over
all scores.

    .venv/bin/python benchmarks/calibrate.py /tmp/real/netbox /tmp/real/saleor ...
    .venv/bin/python benchmarks/calibrate.py --reuse /tmp/real/*   # the kept JSON, no new runs

It prints figures and never asserts: exit 0 whatever the scores, 2 if a report
could not be made.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data" / "calibrate"
SERVER = HERE.parent / "server"
KEYS = ("api", "database", "service")


def commit_of(path: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return "–"
    return out.stdout.strip()[:12] if out.returncode == 0 else "–"


def run_report(path: Path, out: Path) -> float:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SERVER) + os.pathsep + env.get("PYTHONPATH", "")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "backend_lens", "report", str(path)]
        + ["--format", "json", "-q", "-o", str(out)],
        check=True,
        env=env,
    )
    return time.monotonic() - started


def frameworks(data: dict) -> str:
    m = re.search(r"frameworks: ([^;]*);", data.get("inventory", ""))
    return m.group(1) if m else "–"


def density(score: dict, app_lines: int) -> float:
    """Points per 1,000 application lines, at least scoring.MIN_LINES lines."""
    sys.path.insert(0, str(SERVER))
    from backend_lens.report.scoring import MIN_LINES

    return score["penalty"] / max(app_lines, MIN_LINES) * 1000


def top_rules(data: dict, n: int = 3) -> str:
    points: dict[str, tuple[int, float]] = {}
    for score in data["scores"].values():
        for r in score["by_rule"]:
            count, p = points.get(r["code"], (0, 0.0))
            points[r["code"]] = (count + r["findings"], p + r["points"])
    ranked = sorted(points.items(), key=lambda kv: (-kv[1][1], kv[0]))[:n]
    return ", ".join(f"{code} ×{count} {p:.1f}" for code, (count, p) in ranked) or "–"


def shown(score: dict) -> str:
    return "–" if score["value"] is None else f"{score['value']:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--reuse", action="store_true", help="read the kept JSON when there is one")
    args = ap.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in args.paths:
        out = DATA / f"{path.resolve().name}.json"
        took = None
        if not (args.reuse and out.exists()):
            try:
                took = run_report(path, out)
            except (subprocess.CalledProcessError, OSError) as exc:
                print(f"{path}: the report failed ({exc})", file=sys.stderr)
                return 2
        data = json.loads(out.read_text(encoding="utf-8"))
        rows.append((path, data, took))

    print(
        "| project | commit | frameworks | lines | application lines | API | Database | Service "
        "| findings (api/db/svc) | points per 1,000 lines (api/db/svc) | costliest rules |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for path, data, _ in rows:
        app = data.get("application_lines", data["lines"])
        s = data["scores"]
        print(
            f"| {path.resolve().name} | {commit_of(path)} | {frameworks(data)} "
            f"| {data['lines']:,} | {app:,} | "
            + " | ".join(shown(s[k]) for k in KEYS)
            + " | "
            + "/".join(str(s[k]["findings"]) for k in KEYS)
            + " | "
            + "/".join(f"{density(s[k], app):.2f}" for k in KEYS)
            + f" | {top_rules(data)} |"
        )
    print()
    for key in KEYS:
        values = [d["scores"][key]["value"] for _, d, _ in rows]
        values = [v for v in values if v is not None]
        if values:
            print(
                f"{key}: {len(values)} scored, min {min(values):.1f}, "
                f"median {statistics.median(values):.1f}, max {max(values):.1f}"
            )
    took = [t for _, _, t in rows if t is not None]
    if took:
        print(f"{len(took)} report(s) made in {sum(took):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
