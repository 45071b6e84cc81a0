"""The bundled example reports exactly the findings its EXPECTED.md lists."""

from __future__ import annotations

import re
from pathlib import Path

from backend_lens.engine.project import Project

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"


def expected() -> set[tuple[str, str, int]]:
    rows = re.findall(
        r"^\| \d+ \| (\w+) \| `([^`]+)` \| (\d+) \|", (SHOP / "EXPECTED.md").read_text(), re.M
    )
    return {(code, path, int(line)) for code, path, line in rows}


def test_example_findings_match_expected_md():
    project = Project(SHOP)
    project.scan()
    found = {(f.code, project.rel(f.path), f.start[0]) for f in project.all_findings()}
    want = expected()
    assert len(want) >= 20
    assert found == want, f"missing: {sorted(want - found)}; unexpected: {sorted(found - want)}"
    # every rule of the first release is shown by the example
    assert {c for c, _, _ in found} >= {
        "API001",
        "AUTH001",
        "VAL001",
        "SEC001",
        "INT001",
        "PERF001",
        "ORM001",
        "ORM002",
        "DBP001",
        "SCH001",
        "MIG001",
        "TXN001",
        "TASK001",
    }
