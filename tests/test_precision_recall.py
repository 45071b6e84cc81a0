"""Precision and recall of every rule on a labelled project (tests/labelled)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from backend_lens import catalogue
from backend_lens.config import Config
from backend_lens.engine.project import Project

ROOT = Path(__file__).parent / "labelled"
LABEL = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")
MIN_PRECISION, MIN_RECALL = 0.9, 0.8


def labels(project: Project, root: Path = ROOT) -> set[tuple[str, str, int]]:
    out = set()
    # Python files, and the dependency manifests EXT003/EXT004 read (engine/manifests.py)
    manifests = [*root.rglob("requirements*.txt"), *root.rglob("requirements/*.txt")]
    for path in [*root.rglob("*.py"), *sorted(set(manifests))]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = LABEL.search(line)
            if m:
                for code in m.group(1).replace(" ", "").split(","):
                    out.add((code, project.rel(str(path)), n))
    return out


def projects() -> list[Path]:
    """Each folder of tests/labelled is a project of its own: what one imports (gqlchat's
    Channels) must not change how the rules judge another (shopfront's settings)."""
    return sorted(p for p in ROOT.iterdir() if p.is_dir() and any(p.rglob("*.py")))


@pytest.fixture(scope="module")
def measured() -> tuple[set, set]:
    """(found, expected): every labelled project's findings and labels."""
    found: set[tuple[str, str, int]] = set()
    expected: set[tuple[str, str, int]] = set()
    folders = projects()
    for folder in folders:
        # analysed from tests/labelled (shopfront imports itself as `shopfront`)
        others = tuple(f.name for f in folders if f != folder)
        project = Project(ROOT, config=Config(exclude=others))
        project.scan()
        found |= {(f.code, project.rel(f.path), f.start[0]) for f in project.all_findings()}
        expected |= labels(project, folder)
    return found, expected


def _rates(s: dict[str, int]) -> tuple[float, float]:
    precision = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
    recall = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
    return precision, recall


def _stats(found, expected, key) -> dict[str, dict[str, int]]:
    stats: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    for item in found:
        stats[key(item[0])]["tp" if item in expected else "fp"] += 1
    for item in expected - found:
        stats[key(item[0])]["fn"] += 1
    return stats


def test_precision_and_recall_per_section(measured, capsys):
    """Each section of the report, all its rules together (the Service Architecture
    sections are labelled mostly in orderhub/): what a reader of one section meets."""
    found, expected = measured
    cat = catalogue.load()
    stats = _stats(found, expected, lambda code: cat.get(code).section)
    rows, failures = [], []
    for section in (*catalogue.SECTION_NAMES, *catalogue.TOOL_SECTIONS):
        if section not in stats:
            continue
        precision, recall = _rates(stats[section])
        s = stats[section]
        rows.append(
            f"{section:45} tp={s['tp']:3} fp={s['fp']:2} fn={s['fn']:2} precision={precision:.2f} recall={recall:.2f}"
        )
        if precision < MIN_PRECISION or recall < MIN_RECALL:
            failures.append(section)
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    assert not failures, "\n".join(rows)
    # every section of the report that has rules is measured
    with_rules = {r.section for r in cat}
    assert with_rules - set(stats) == set(), sorted(with_rules - set(stats))


def test_precision_and_recall_per_rule(measured, capsys):
    found, expected = measured
    assert len(expected) >= 15
    stats = _stats(found, expected, lambda code: code)
    rows, failures = [], []
    for code in sorted(stats):
        s = stats[code]
        precision, recall = _rates(s)
        rows.append(
            f"{code:8} tp={s['tp']:2} fp={s['fp']:2} fn={s['fn']:2} precision={precision:.2f} recall={recall:.2f}"
        )
        if precision < MIN_PRECISION or recall < MIN_RECALL:
            failures.append(code)
    tp = sum(s["tp"] for s in stats.values())
    precision = tp / len(found) if found else 1.0
    recall = tp / len(expected)
    rows.append(
        f"overall  precision={precision:.2f} recall={recall:.2f} ({len(found)} findings, {len(expected)} labels)"
    )
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    detail = (
        "\n".join(rows)
        + f"\nfalse alarms: {sorted(found - expected)}\nmissed: {sorted(expected - found)}"
    )
    assert not failures, detail
    # every rule of the catalogue is measured here
    assert {r.code for r in catalogue.load()} - set(stats) == set(), detail
