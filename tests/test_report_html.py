"""The structure of the HTML report (report/html_report.py): the Markdown
report's headings, each with an anchor and an entry in the contents, the three
score gauges, the charts' counts, a card per rule with a snippet of each place
and links to it, the collapsed appendix, and a policy that lets only the page's
own style and script run. What Chromium shows of it is in
test_report_html_browser.py."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from backend_lens.engine.project import Project
from backend_lens.report import html_report
from backend_lens.report.build import Item, build_report, render

from .helpers import write_files

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"
VOID = {"meta", "input", "br", "img", "link", "hr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if (tag is None or c.tag == tag) and (
                    cls is None or cls in (c.attrs.get("class") or "").split()
                ):
                    out.append(c)
                out.extend(c.all(tag, cls))
        return out

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class Tree(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def shop():
    project = Project(SHOP)
    project.scan()
    report = build_report(project)
    return report, Tree(render(report, "html")).root, render(report)


def test_the_headings_are_the_markdown_report_s_each_with_an_anchor_in_the_contents(shop):
    report, doc, md = shop
    headings = [ln.split(" ", 1) for ln in md.splitlines() if re.match(r"#{1,3} ", ln)]
    shown = [
        (n.tag, squash(n.text).removesuffix("#").strip())
        for n in doc.all()
        if n.tag in ("h1", "h2", "h3")
    ]
    assert shown == [(f"h{len(h)}", t) for h, t in headings]
    (toc,) = doc.all("nav")
    toc_targets = [a.attrs["href"] for a in toc.all("a")]
    ids = [n.attrs["id"] for n in doc.all() if "id" in n.attrs]
    assert len(ids) == len(set(ids))  # every anchor leads to one place
    for h in doc.all():
        if h.tag in ("h2", "h3"):
            assert h.attrs.get("id") and f"#{h.attrs['id']}" in toc_targets, h.text
    assert all(t.removeprefix("#") in ids for t in toc_targets)
    # every link inside the page leads somewhere: the appendix to the places, the
    # recommendations and the charts to the cards and sections
    inner = [a.attrs["href"] for a in doc.all("a") if a.attrs.get("href", "").startswith("#")]
    assert inner and all(h.removeprefix("#") in ids for h in inner)
    to_cards = doc.all("a", "to-card")
    assert len(to_cards) == sum(len(lines) for lines in report.recommendations.values()) > 0
    # the appendix: a collapsed part per section with findings, each finding once
    appendix = [
        d
        for d in doc.all("details")
        if d.attrs.get("id", "").startswith("appendix-")
        and not d.attrs["id"].startswith("appendix-table-")
    ]
    assert len(appendix) == sum(1 for _, ss in report.parts for s in ss if s.items)
    assert not [d for d in appendix if "open" in d.attrs]
    rows = [r for d in appendix for r in d.all("tr", "arow")]
    assert sorted(squash(r.all("td")[2].text) for r in rows) == sorted(
        i.location for i in report.findings
    )


def test_the_gauges_show_the_three_scores(shop):
    report, doc, _ = shop
    gauges = {g.attrs["data-score"]: g for g in doc.all("figure", "gauge")}
    assert list(gauges) == ["api", "database", "service"]
    for key, g in gauges.items():
        score = report.scores[key]
        assert score.value is not None
        numbers = [t.text for t in g.all("text")]
        assert numbers == [f"{score.value:g}", "out of 10"]
        assert f"{score.name} Score" in g.text
        (svg,) = g.all("svg")
        assert svg.attrs["aria-label"] == f"{score.name}: {score.value}/10"


def test_a_score_without_evidence_is_shown_as_such(tmp_path):
    write_files(tmp_path, {"tool.py": "import requests\n\nrequests.get('http://x')\n"})
    project = Project(tmp_path)
    project.scan()
    report = build_report(project)
    doc = Tree(render(report, "html")).root
    api = next(g for g in doc.all("figure", "gauge") if g.attrs["data-score"] == "api")
    assert report.scores["api"].value is None
    assert [t.text for t in api.all("text")] == ["n/a"]
    assert "not enough evidence" in api.text
    # a value's arc is drawn only for a value
    assert len(api.all("path")) == 1


def test_the_charts_count_the_findings_per_severity_and_section(shop):
    report, doc, _ = shop
    (sev,) = [f for f in doc.all("figure") if f.attrs.get("id") == "chart-severity"]
    bars = [[t.text for t in b.all("text")] for b in sev.all("g", "bar")]
    expected = {s: 0 for s in ("critical", "error", "warning", "info")}
    for i in report.findings:
        expected[i.severity] += 1
    assert [(label, int(n)) for label, n in bars] == list(expected.items())
    assert sum(expected.values()) == len(report.findings) > 0
    (sec,) = [f for f in doc.all("figure") if f.attrs.get("id") == "chart-sections"]
    bars = [[t.text for t in b.all("text")] for b in sec.all("g", "bar")]
    sections = [s for _, ss in report.parts for s in ss if s.items]
    assert [(b[0], int(b[-1])) for b in bars] == [(s.heading, len(s.items)) for s in sections]


def test_findings_at_a_glance_links_each_rule_to_its_card(shop):
    report, doc, md = shop
    (table,) = doc.all("table", "glance")
    rows = table.all("tbody")[0].all("tr")
    assert [r.all("td")[0].text for r in rows] == [g.code for g in report.rule_groups]
    cards = {a.attrs.get("id") for a in doc.all("article", "card")}
    for row, g in zip(rows, report.rule_groups, strict=True):
        cells = [squash(c.text) for c in row.all("td")]
        (link,) = row.all("td")[0].all("a")
        assert link.attrs["href"].removeprefix("#") in cards
        assert cells[1:4] == [
            g.severity,
            g.title,
            str(g.count) if g.files == 1 else f"{g.count} in {g.files} files",
        ]
        # the row is the Markdown table's row
        assert f"| {g.code} | {g.severity} |" in md
        assert row.attrs["data-severity"] == g.severity  # the severity filter hides it too


RULE_FILE = """import requests


def sync(url):
    requests.get(url)
    requests.post(url)
    requests.put(url)
    requests.delete(url)
    requests.patch(url)  # </pre><script>alert(1)</script>
"""


@pytest.fixture
def five(tmp_path):
    proj = tmp_path / "my proj"
    write_files(proj, {"app/client.py": RULE_FILE})
    project = Project(proj)
    project.scan()
    return proj, build_report(project)


def test_a_card_per_rule_with_a_snippet_and_links_for_each_place(five, tmp_path):
    proj, report = five
    page = render(report, "html", tmp_path / "out")
    doc = Tree(page).root
    (card,) = [c for c in doc.all("article", "card") if c.attrs["id"].endswith("-int001")]
    assert card.text.count("Why") == 1 and card.text.count("Fix") == 1
    places = card.all("li", "place")
    assert len(places) == 5
    # the first three are shown, the other two are one click away
    more = card.all("details", "more")
    assert len(more) == 1 and len(more[0].all("li", "place")) == 2
    assert "2 more places" in more[0].all("summary")[0].text
    items = {i.line: i for i in report.findings if i.code == "INT001"}
    lines = RULE_FILE.splitlines()
    for place in places:
        (hit,) = place.all("span", "hit")
        line = int(hit.all("span", "ln")[0].text)
        # the line as written, less the indentation the snippet's lines share
        assert squash(hit.text).removeprefix(str(line)).strip() == squash(lines[line - 1])
        item = items[line]
        numbers = [int(ln.text) for ln in place.all("span", "ln")]
        assert numbers == list(range(max(1, line - 2), min(len(lines), line + 2) + 1))
        hrefs = [a.attrs["href"] for a in place.all("a")]
        # relative to the report's folder, and an editor link to the absolute path
        assert hrefs[0] == f"../my%20proj/app/client.py#L{line}"
        assert hrefs[1] == (
            f"vscode://file{str(proj).replace(' ', '%20')}/app/client.py:{line}:{item.column}"
        )
    # the snippet's code is text, not markup
    assert "<script>alert(1)</script>" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_links_without_a_known_folder_are_relative_to_the_project(five):
    proj, report = five
    doc = Tree(render(report, "html")).root
    hrefs = {a.attrs["href"] for a in doc.all("a", "loc")}
    assert hrefs == {f"app/client.py#L{i.line}" for i in report.findings}


def test_no_editor_link_without_an_absolute_path():
    item = Item(
        code="INT001", name="n", severity="warning", location="a.py:3", message="m",
        why="w", fix="f", section="s", tags=(), fixable=False, path="a.py", line=3,
    )  # fmt: skip
    links = html_report.Links(None)
    assert links.editor(item) == "" and links.file(item) == "a.py#L3"
    item.abs_path = "C:\\work\\a b\\a.py"
    assert links.editor(item) == "vscode://file/C:/work/a%20b/a.py:3:0"


def test_only_the_page_s_own_style_and_script_may_run(shop):
    _, doc, _ = shop
    (style,) = doc.all("style")
    (script,) = doc.all("script")
    csp = next(
        m.attrs["content"]
        for m in doc.all("meta")
        if m.attrs.get("http-equiv") == "Content-Security-Policy"
    )

    def sha(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"style-src 'sha256-{sha(style.text)}'" in csp
    assert f"script-src 'sha256-{sha(script.text)}'" in csp
    assert "default-src 'none'" in csp and "unsafe" not in csp
    # the filters need the script: hidden until it runs
    (filters,) = [d for d in doc.all("div") if d.attrs.get("id") == "filters"]
    assert "hidden" in filters.attrs


def test_optional_parts_of_the_model_are_shown_when_present(five):
    _, report = five
    assert "<strong>Strengths</strong>: none that the facts show" in render(report, "html")
    report.strengths = ["Every request has a `timeout` <b>x</b>"]
    page = render(report, "html")
    assert "<strong>Strengths</strong> (each shown by the code" in page
    assert "none that the facts show" not in page
    assert "Every request has a <code>timeout</code> &lt;b&gt;x&lt;/b&gt;" in page


def _contrast(a: str, b: str) -> float:
    def luminance(color: str) -> float:
        rgb = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_severity_and_score_colours_are_readable():
    css = html_report.CSS
    for severity, color in html_report.COLORS.items():
        assert f"--{severity}:{color}" in css  # the labels and the charts agree
        assert _contrast(color, "#ffffff") >= 4.5, severity
    for color in html_report.GAUGE_COLORS:
        assert _contrast(color, "#ffffff") >= 4.5, color
    assert _contrast("#4b5563", "#f8fafc") >= 4.5  # muted text on the sidebar


def test_a_long_table_shows_its_first_rows_and_is_whole_in_the_appendix(shop):
    report, doc, md = shop
    (api,) = [s for _, ss in report.parts for s in ss if s.heading == "API Design & Implementation"]
    rows = len(api.table) - 1
    assert rows > report.table_rows  # the example has more endpoints than a section shows
    (section,) = [
        n
        for n in doc.all("section", "report-section")
        if n.all("h3")[0].attrs["id"] == "api-design-implementation"
    ]
    (table,) = section.all("table")
    assert len(table.all("tr")) == 1 + report.table_rows
    assert f"The first {report.table_rows} of {rows} rows" in squash(section.text)
    (whole,) = [
        d
        for d in doc.all("details")
        if d.attrs.get("id") == "appendix-table-api-design-implementation"
    ]
    body = whole.all("tr")
    assert len(body) == 1 + rows
    assert [squash(td.text) for td in body[-1].all("td")] == api.table[-1]
    assert "#### API Design & Implementation: the whole table" in md
