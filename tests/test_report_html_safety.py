"""A hostile repository cannot put markup into its report: every value that comes
from the analysed project (settings values, file and folder names, route paths,
model relations, code quoted in messages, the lines of code shown around a
finding) is shown as text, in the HTML report and in the Markdown one (which the
VS Code Markdown preview renders)."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from backend_lens.report import mdtext
from backend_lens.report.html import inline
from backend_lens.report.html_report import CSP
from backend_lens.report.html_report import SCRIPT as PAGE_SCRIPT

SCRIPT = "<script>alert(1)</script>"
COMMENT = "<!-- c1 --><img src=x onerror=alert(2)>"
JS_LINK = "[x](javascript:alert(3))"
ATTR = '"><img src=x onerror=alert(4)>'
TICKS = "`</code><script>alert(5)</script>`"
PIPE = "a|b<svg onload=alert(6)>"
NEWLINES = "n\n<!-- c2 --><script>alert(7)</script>\n# heading\n| t |"
IMAGE = "![i](http://evil.example/track.png)"
# a line of code shown in the snippet around a finding
SNIPPET = "</code></pre></li><script>alert(12)</script><pre>"
# shown by the report as written (no dots: lists of settings show the part after the last dot)
PAYLOADS = [SCRIPT, COMMENT, JS_LINK, ATTR, TICKS, PIPE, IMAGE]

SETTINGS = f"""
import os

REST_FRAMEWORK = {{
    "DEFAULT_PAGINATION_CLASS": {SCRIPT!r},
    "DEFAULT_FILTER_BACKENDS": [{JS_LINK!r}, {NEWLINES!r}],
    "EXCEPTION_HANDLER": {ATTR!r},
    "DEFAULT_AUTHENTICATION_CLASSES": [{COMMENT!r}],
    "DEFAULT_PERMISSION_CLASSES": [{TICKS!r}],
    "DEFAULT_THROTTLE_CLASSES": [{IMAGE!r}],
    "DEFAULT_THROTTLE_RATES": {{{SCRIPT!r}: {JS_LINK!r}}},
    "DEFAULT_SCHEMA_CLASS": {PIPE!r},
}}
CACHES = {{
    {COMMENT!r}: {{"BACKEND": {JS_LINK!r}, "TIMEOUT": {TICKS!r}}},
}}
DATABASES = {{
    "default": {{"ENGINE": {ATTR!r}, "CONN_MAX_AGE": {IMAGE!r}, "ATOMIC_REQUESTS": {SCRIPT!r}}},
    {TICKS!r}: {PIPE!r},
}}
SECURE_SSL_REDIRECT = {SCRIPT!r}
SECRET_KEY = os.environ.get({SCRIPT!r})
"""

MODELS = f"""
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=10)


class Order(models.Model):
    customer = models.ForeignKey({PIPE!r}, on_delete=models.CASCADE)
    other = models.ForeignKey({COMMENT!r}, on_delete=models.CASCADE)
"""

ROUTES = f"""
from fastapi import FastAPI
import requests

app = FastAPI()


@app.get({"/health" + SCRIPT!r})
def health():
    return {{}}


@app.post({"/" + JS_LINK!r})
def post():
    requests.get({SCRIPT!r})  # {SNIPPET}
"""

HOSTILE_FILE = "<img src=x onerror=alert(8)>[f](javascript:alert(9))`.py"
NEWLINE_FILE = "nl\n<!-- c3 -->\n<img src=x onerror=alert(10)>.py"
ROOT_NAME = "proj`<img src=x onerror=alert(11)>"


def hostile_project(tmp_path: Path) -> Path:
    root = tmp_path / ROOT_NAME
    files = {
        "proj/settings.py": SETTINGS,
        "shop/models.py": MODELS,
        "api/routes.py": ROUTES,
        f"shop/{HOSTILE_FILE}": "import requests\nrequests.get('http://x')\n",
        f"shop/{NEWLINE_FILE}": "import requests\nrequests.get('http://x')\n",
        "shop/services.py": "from django.core.cache import cache\n",
        f"shop/bin{SCRIPT.replace('/', '')}.py": "\x00\x01binary",
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def report(root: Path, fmt: str, out: Path) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "backend_lens", "report", str(root), "--format", fmt]
        + ["-o", str(out), "-q"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    return out.read_text(encoding="utf-8")


class Page(HTMLParser):
    """Everything in an HTML page that could run or load something."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.elements: list[tuple[str, dict]] = []
        self.comments: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.elements.append((tag, dict(attrs)))
        self.attrs.extend((tag, k, v) for k, v in attrs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_data(self, data):
        self.text.append(data)


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "h5", "h6",
    "p", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td",
    "code", "pre", "strong", "em", "a", "span", "div", "nav", "main", "header", "section",
    "article", "details", "summary", "figure", "figcaption",
    # the filters (hidden until the page's one script shows them)
    "fieldset", "legend", "label", "input", "script",
    # the gauges, charts and the apps' dependency picture (inline SVG)
    "svg", "defs", "marker", "path", "line", "g", "rect", "text",
}  # fmt: skip
# the pictures' attributes: numbers, colours and their own arrow markers
SVG_ATTRS = {
    "xmlns", "width", "height", "viewbox", "role", "id", "refx", "refy",
    "markerwidth", "markerheight", "orient", "d", "fill", "x", "y", "x1", "y1", "x2", "y2",
    "rx", "stroke", "stroke-opacity", "stroke-width", "stroke-dasharray", "marker-end",
    "font-size", "font-weight", "text-anchor", "stroke-linecap",
}  # fmt: skip
# attributes of the page whose values the renderer writes itself, never project text
# (anchors, classes, filter keys): kept to a small alphabet
NAMES = re.compile(r"[a-z0-9 -]*")
OWN_ATTRS = {"id", "class", "data-severity", "data-section", "data-score", "value"}


def safe_href(href: str) -> bool:
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", href)
    return scheme is None or scheme.group(1).lower() in ("http", "https", "vscode")


def assert_inert(page_html: str) -> Page:
    page = Page()
    page.feed(page_html)
    page.close()
    assert set(page.tags) <= ALLOWED_TAGS, set(page.tags) - ALLOWED_TAGS
    assert page.tags.count("style") == 1 and page.tags.count("meta") == 3
    # one script: the page's own, which the policy allows by its hash
    assert page.tags.count("script") == 1 and page_html.count("<script>") == 1
    assert f"<script>{PAGE_SCRIPT}</script>" in page_html
    assert not [a for a in page.attrs if a[1].lower().startswith("on")]
    assert not [a for a in page.attrs if a[1] in ("src", "srcdoc", "action", "formaction")]
    assert all(safe_href(v or "") for t, k, v in page.attrs if k == "href")
    for tag, k, v in page.attrs:
        if k in SVG_ATTRS:
            assert tag not in ("html", "head", "meta", "body", "a"), (tag, k, v)
            assert "url(" not in (v or "") or re.fullmatch(r"url\(#bl-arrow(-red)?\)", v), v
            continue
        if k in OWN_ATTRS:
            assert NAMES.fullmatch(v or ""), (tag, k, v)
            continue
        if tag == "input":
            assert (k, v) in (
                ("type", "checkbox"),
                ("name", "severity"),
                ("name", "section"),
                ("checked", None),
            ), (k, v)
            continue
        assert k in (
            "lang",
            "charset",
            "href",
            "http-equiv",
            "content",
            "name",
            "aria-label",
            "hidden",
            "open",
        ), (tag, k, v)
    assert len(page.comments) <= 1
    assert all(c.startswith(" Generated by Backend Lens") for c in page.comments)
    metas = [a for t, a in page.elements if t == "meta"]
    assert [m.get("content") for m in metas if m.get("http-equiv")] == [CSP]
    assert [m.get("name") for m in metas if "name" in m] == ["viewport"]
    return page


def test_csp_forbids_loads_and_any_script_but_the_page_s_own():
    assert CSP.startswith("default-src 'none';")
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", directives["script-src"])
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", directives["style-src"])
    assert "unsafe" not in CSP and "*" not in CSP


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    root = hostile_project(tmp)
    return {
        "html": report(root, "html", tmp / "r.html"),
        "markdown": report(root, "markdown", tmp / "r.md"),
    }


def test_hostile_values_are_text_in_the_html_report(rendered):
    page = assert_inert(rendered["html"])
    text = "".join(page.text)
    # the values are still shown, as text
    for value in PAYLOADS:
        assert value in text, value
    assert HOSTILE_FILE in text
    assert ROOT_NAME in text
    # the line around a finding, in its snippet
    assert f"requests.get({SCRIPT!r})  # {SNIPPET}" in text
    assert "/health" + SCRIPT in text
    # line breaks in a value are shown, not obeyed
    assert "n\\n<!-- c2 --><script>alert(7)</script>\\n# heading" in text


def test_the_structure_of_the_html_report_is_the_template_s(rendered):
    page = Page()
    page.feed(rendered["html"])
    # one h1, and the headings a clean report has (nothing injected made a heading)
    assert page.tags.count("h1") == 1
    assert "heading" not in re.findall(r"<h\d>(.*?)</h\d>", rendered["html"])


def code_spans_and_text(line: str) -> tuple[list[str], str]:
    """Split a Markdown line as CommonMark does: code spans (a run of n backticks
    up to the next run of exactly n) and the text outside them."""
    spans, outside, i = [], [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            outside.append(line[i : i + 2])
            i += 2
            continue
        if line[i] == "`":
            run = re.match(r"`+", line[i:]).group()
            close = re.search(rf"(?<!`){run}(?!`)", line[i + len(run) :])
            if close:
                end = i + len(run) + close.start()
                spans.append(line[i + len(run) : end])
                i = end + len(run)
                continue
            outside.append(run)
            i += len(run)
            continue
        outside.append(line[i])
        i += 1
    return spans, "".join(outside)


def test_hostile_values_are_text_in_the_markdown_report(rendered):
    md = rendered["markdown"]
    lines = md.splitlines()
    assert lines[0].startswith("<!-- Generated by Backend Lens")
    for line in lines[1:]:
        _, outside = code_spans_and_text(line)
        bare = re.sub(r"\\.", "", outside)  # backslash escapes are literal characters
        bare = re.sub(
            r"^- \*\*\w+\*\* \[(critical|error|warning|info)\]", "", bare
        )  # the template's
        # no raw HTML, no link, image or unbalanced code span outside code spans
        assert not re.search(r"[<>\[\]`]", bare), line
    # no line made by a value: every heading is one the template writes
    headings = [ln for ln in lines if ln.startswith("#")]
    assert "# heading" not in headings
    assert not [ln for ln in lines if ln.startswith("| t |")]


def test_markdown_renderers_show_the_values_as_text(rendered):
    """What a CommonMark renderer (the VS Code preview uses markdown-it) makes of
    the Markdown report: no HTML, no link other than http(s), all values shown."""
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is not installed")
    page_html = markdown_it.MarkdownIt("commonmark", {"html": True, "linkify": False}).render(
        rendered["markdown"]
    )
    page = Page()
    page.feed(page_html)
    assert not {"script", "img", "svg", "iframe"} & set(page.tags)
    assert not [a for a in page.attrs if a[1].lower().startswith("on")]
    assert all(safe_href(v or "") for t, k, v in page.attrs if k == "href")
    text = "".join(page.text)
    for value in PAYLOADS:
        assert value in text, value


# -- inline Markdown in the HTML report (report/html.py) ----------------------
@pytest.mark.parametrize(
    ("md", "href"),
    [
        ("[a](https://example.com/x)", "https://example.com/x"),
        ("[a](http://example.com)", "http://example.com"),
        ("[a](docs/x.md#part)", "docs/x.md#part"),
        ("[a](vscode://file/x.py:3)", "vscode://file/x.py:3"),
        ("[a](javascript:alert(1))", None),
        ("[a](JavaScript:alert(1))", None),
        ("[a](data:text/html,x)", None),
        ("[a](vbscript:x)", None),
        ("[a](java\tscript:x)", None),
        ('[a](x"onmouseover="alert(1))', None),
        ('[a](x"onmouseover="alert)', 'x"onmouseover="alert'),
    ],
)
def test_links_keep_only_safe_targets(md, href):
    out = inline(md)
    page = Page()
    page.feed(out)
    hrefs = [v for t, k, v in page.attrs if k == "href"]
    assert hrefs == ([href] if href else [])
    assert [k for t, k, v in page.attrs] == (["href"] if href else [])
    if href is None:
        assert "a" in "".join(page.text)


def test_code_spans_with_longer_fences_and_escapes():
    assert inline("`` a`b ``") == "<code>a`b</code>"
    assert inline(r"\[x\]\(y\) \<b\> \`") == "[x](y) &lt;b&gt; `"
    assert inline("`<b>`") == "<code>&lt;b&gt;</code>"
    assert inline(r"[\<b\>](https://x.example)") == '<a href="https://x.example">&lt;b&gt;</a>'
    assert inline("**bold** and *em*") == "<strong>bold</strong> and <em>em</em>"


# -- project text in Markdown ------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("shop/views.py:3", "`shop/views.py:3`"),
        ("a`b", "``a`b``"),
        ("`x`", "`` `x` ``"),
        ("a\nb\u2028c", "`a\\nb\\u2028c`"),
    ],
)
def test_code_spans_hold_any_value(value, expected):
    assert mdtext.code(value) == expected
    assert "".join(p for is_code, p in mdtext.split_code_spans(expected) if is_code) == (
        mdtext.oneline(value)
    )


def test_text_escapes_what_markdown_acts_on_and_keeps_identifiers_readable():
    assert mdtext.text("<b>[x](y)</b> `c` a|b &amp; *s*") == (
        r"\<b\>\[x\](y)\</b\> \`c\` a\|b \&amp; \*s\*"
    )
    assert mdtext.text("AUTH_USER_MODEL _private_") == r"AUTH_USER_MODEL \_private\_"
    assert mdtext.text("line\nnext") == r"line\\nnext"  # shown as line\nnext


def test_messages_keep_their_code_spans_and_escape_the_rest():
    msg = "`Order.customer` points to <svg onload=x()> [l](javascript:x) `a``b`"
    assert mdtext.message(msg) == (
        r"`Order.customer` points to \<svg onload=x()\> \[l\](javascript:x) ```a``b```"
    )
    assert mdtext.message("unbalanced ` tick") == r"unbalanced \` tick"


def test_the_bundled_example_reads_the_same(tmp_path):
    """Escaping changes nothing a reader of the example's report sees: every
    finding's place and message is shown as it was, the entity table keeps its
    six columns, and the Markdown keeps identifiers readable."""
    from backend_lens.engine.project import Project

    shop = Path(__file__).resolve().parents[1] / "examples" / "shop"
    md = report(shop, "markdown", tmp_path / "r.md")
    page = assert_inert(report(shop, "html", tmp_path / "r.html"))
    text = "".join(page.text)
    project = Project(shop)
    project.scan()
    findings = list(project.all_findings())
    assert len(findings) >= 20
    for f in findings:
        assert f"{project.rel(f.path)}:{f.start[0]}" in text
        if "/migrations/" in f.path and not f.code.startswith("MIG"):
            continue  # listed by place among the findings not scored
        plain = f.message.replace("`", "")  # code spans become <code> elements
        assert plain in text, plain
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "Django" in ln]
    assert rows and all(len(re.split(r"(?<!\\)\|", r)) == 8 for r in rows)
    assert "\\_" not in md and "AUTH_USER_MODEL" in md
