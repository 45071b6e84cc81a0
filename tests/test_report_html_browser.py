"""The HTML report as a person sees it, in headless Chromium (driven by
tests/report_html_driver.mjs with playwright-core): the report of the bundled
example opened from a file, its headings, gauges, charts, a finding card with
its snippet, the sidebar on screen and in print, the severity filter, and the
page with JavaScript off. Screenshots of the top of the page and of the card
are kept under test-artifacts/<test name>/.

Needs what `editors/install/code-server.sh` installs (chromium, playwright-core,
Node 24); when it is missing the test is skipped saying so (see
tests/editors/conftest.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from backend_lens.engine.project import Project
from backend_lens.report.build import build_report, render

from .editors.conftest import ARTIFACTS, EDITOR_CACHE, find_tool, missing
from .helpers import write_files

INSTALL = "editors/install/code-server.sh"
DRIVER = Path(__file__).with_name("report_html_driver.mjs")
PLAYWRIGHT = EDITOR_CACHE / "code-server" / "node_modules"
SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"


def _tools() -> dict[str, str]:
    tools = {
        "chromium": find_tool("chromium", Path("/usr/bin/chromium"), install=INSTALL),
        "node": find_tool("node", EDITOR_CACHE / "node24-bin" / "node", install=INSTALL),
    }
    if not (PLAYWRIGHT / "playwright-core" / "package.json").is_file():
        missing(f"playwright-core is not installed in {PLAYWRIGHT}: run `{INSTALL}`")
    return tools


@pytest.fixture(scope="module")
def shop_report():
    project = Project(SHOP)
    project.scan()
    return build_report(project)


def _drive(tools, page: Path, artifacts: Path, card: str, severity: str, **extra) -> dict:
    config = {
        **extra,
        "url": page.as_uri(),
        "chromium": tools["chromium"],
        "playwrightModules": str(PLAYWRIGHT),
        "artifacts": str(artifacts),
        "card": card,
        "filterSeverity": severity,
        "timeoutMs": 20000,
    }
    proc = subprocess.run(
        [tools["node"], str(DRIVER), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    (artifacts / "driver.log").write_text(proc.stderr)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_what_a_person_sees_in_the_html_report(shop_report, tmp_path, request):
    tools = _tools()
    artifacts = ARTIFACTS / request.node.name
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    report = shop_report
    page = tmp_path / "report.html"
    page.write_text(render(report, "html", tmp_path), encoding="utf-8")
    sections = [s for _, ss in report.parts for s in ss]
    # the card shown: the first rule in the sections whose first place has a snippet
    section, group = next((s, g) for s in sections for g in s.groups if g.items[0].snippet)
    item = group.items[0]
    card = f"#{re.sub(r'[^a-z0-9]+', '-', section.heading.lower()).strip('-')}-{group.code.lower()}"
    seen = _drive(tools, page, artifacts, card, "warning")

    # nothing refused by the Content-Security-Policy, no error, nothing loaded
    assert seen["problems"] == []
    # the headings of the Markdown report, in its order
    md = render(report)
    headings = [ln.split(" ", 1) for ln in md.splitlines() if re.match(r"#{1,3} ", ln)]
    assert seen["h1"] == [t for h, t in headings if h == "#"] == ["Backend Development Report"]
    assert seen["h2"] == [t for h, t in headings if h == "##"]
    assert seen["h3"] == [t for h, t in headings if h == "###"]
    assert "shop" in seen["title"]

    # three gauges with the scores' numbers
    assert len(seen["gauges"]) == 3 and all(g["visible"] for g in seen["gauges"])
    for gauge, key in zip(seen["gauges"], ("api", "database", "service"), strict=True):
        score = report.scores[key]
        assert score.name in gauge["caption"]
        if score.value is None:
            assert gauge["numbers"] == ["n/a"] and "not enough evidence" in gauge["caption"]
        else:
            assert gauge["numbers"] == [f"{score.value:g}", "out of 10"]

    # the charts: a bar per severity with its count, a bar per section with findings
    sev = seen["severityChart"]
    assert sev["visible"]
    assert [(b["label"], int(b["count"])) for b in sev["bars"]] == [
        (s, sum(1 for i in report.findings if i.severity == s))
        for s in ("critical", "error", "warning", "info")
    ]
    by_section = seen["sectionChart"]
    assert [(b["label"], int(b["count"])) for b in by_section["bars"]] == [
        (s.heading, len(s.items)) for s in sections if s.items
    ]

    # the sidebar: on the left at desktop width, every entry leads to its heading
    side = seen["sidebar"]
    assert side["visible"] and side["x"] == 0 and 150 < side["width"] < 400
    assert len(side["links"]) >= len(sections) + 10 and all(
        link["target"] for link in side["links"]
    )

    # the card: the rule, the place with links, the snippet with the finding's line marked
    shown = seen["card"]
    assert shown["visible"] and group.code in shown["heading"]
    assert shown["location"] == item.location
    assert shown["links"][0].endswith(f"{item.path}#L{item.line}")
    assert shown["links"][1] == f"vscode://file{item.abs_path}:{item.line}:{item.column}"
    assert len(shown["snippetLines"]) == len(item.snippet) >= 3
    squash = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    assert [squash(t) for t in shown["highlighted"]] == [
        squash(f"{item.line}{dict(item.snippet)[item.line]}")
    ]
    assert shown["highlightColor"] not in (None, "rgba(0, 0, 0, 0)")
    assert (artifacts / "top.png").stat().st_size > 10_000
    assert (artifacts / "finding.png").stat().st_size > 5_000

    # the severity filter hides the cards that only have warnings
    cards = [g for s in sections for g in s.groups]
    keep = [g for g in cards if any(i.severity != "warning" for i in g.items)]
    warnings = sum(1 for i in report.findings if i.severity == "warning")
    f = seen["filters"]
    assert f["visible"] and f["before"] == len(cards) == f["restored"]
    assert f["after"] == len(keep) < len(cards) and f["visiblePlacesOfSeverity"] == 0
    total = len(report.findings)
    assert f["shownBefore"] == f"Showing {total} of {total} findings"
    assert f["shownAfter"] == f"Showing {total - warnings} of {total} findings"

    # print: no sidebar, no filters, every collapsed part open
    p = seen["print"]
    assert not p["sidebar"] and not p["filters"]
    assert p["appendixTables"] == p["appendixSections"] > 0
    assert p["morePlaces"] == p["morePlacesTotal"]

    # JavaScript off: everything is there, the filters (which need it) are not
    off = seen["noScript"]
    assert off["h2"] == len(seen["h2"]) and not off["filters"]
    assert off["cards"] == off["cardsTotal"] == len(cards)
    assert off["snippets"] >= len(cards)

    # a narrow screen: contents above the report, nothing wider than the screen
    assert seen["narrow"]["tocAboveMain"] and seen["narrow"]["horizontalOverflow"] <= 0


def test_a_link_to_a_place_in_a_collapsed_part_opens_it(tmp_path, request):
    tools = _tools()
    artifacts = ARTIFACTS / request.node.name
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    calls = "".join(f"    requests.{m}(url)\n" for m in ("get", "post", "put", "delete", "patch"))
    write_files(tmp_path / "p", {"client.py": f"import requests\n\n\ndef sync(url):\n{calls}"})
    project = Project(tmp_path / "p")
    project.scan()
    report = build_report(project)
    (group,) = [g for _, ss in report.parts for s in ss for g in s.groups]
    assert group.count == 5 and group.more == 2
    last = report.findings.index(group.items[-1]) + 1  # the places' anchors: f1, f2, ...
    page = tmp_path / "report.html"
    page.write_text(render(report, "html", tmp_path), encoding="utf-8")
    seen = _drive(tools, page, artifacts, ".card", "warning", reveal=f"f{last}")
    assert seen["problems"] == []
    assert seen["reveal"] == {"before": False, "after": True, "inView": True}
    # in print, the two places that are one click away on screen are shown
    assert seen["print"]["morePlaces"] == seen["print"]["morePlacesTotal"] == 2
