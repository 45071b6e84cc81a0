"""The HTML report, rendered from the report model (not from the Markdown): one
self-contained file with a sidebar of contents, score gauges, charts of the
findings, a card per rule with a code snippet for each place, the tables and the
apps' picture, filters, and a print stylesheet.

The analysed project is untrusted input, so everything it wrote (names, paths,
messages, snippet lines) reaches the page escaped: the template autoescapes,
Markdown fragments of the model go through html.inline() (which escapes all but
its own markup), and the pictures are built here from escaped text. Nothing
loads from anywhere: the Content-Security-Policy allows the one style block and
the one script by their hashes (no 'unsafe-inline'), and nothing else. The page
reads fully with JavaScript off; the script only adds the filters and opens the
collapsed parts for printing."""

from __future__ import annotations

import base64
import hashlib
import math
import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from ..model import Severity
from . import strengths
from .diagram import app_diagram_svg
from .html import inline, safe_href
from .mdtext import message as md_message
from .mdtext import text as md_text

TEMPLATES = Path(__file__).parent / "templates"
CSS = (TEMPLATES / "report.css").read_text(encoding="utf-8")
SCRIPT = (TEMPLATES / "report.js").read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


# nothing may load; the one style block and the one script run by their hashes
CSP = (
    f"default-src 'none'; style-src 'sha256-{_sha256(CSS)}'; "
    f"script-src 'sha256-{_sha256(SCRIPT)}'; base-uri 'none'; form-action 'none'"
)
SEVERITIES = [s.value for s in sorted(Severity, key=lambda s: s.rank)]
# white text on them (the severity labels) and they as text on white reach WCAG AA (4.5:1);
# report.css has the same colours
COLORS = {"critical": "#991b1b", "error": "#c2410c", "warning": "#a16207", "info": "#1d4ed8"}
# a score's number and arc: 8 and above, 5 and above, below 5
GAUGE_COLORS = ("#15803d", "#a16207", "#b91c1c")
SCORE_KEYS = ("api", "database", "service")


def slug(text: str) -> str:
    """An anchor for a heading the report writes (never project text)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def md(text: str) -> Markup:
    """A Markdown fragment of the model (report text with code spans) as HTML."""
    return Markup(inline(text))


def message(text: str) -> Markup:
    """A finding's message: code spans kept, everything else text."""
    return Markup(inline(md_message(text)))


def plain(text: str) -> Markup:
    """Project or catalogue text with no markup of its own."""
    return Markup(inline(md_text(text)))


# -- links -------------------------------------------------------------------
def _project_root(item) -> str:
    """The project's folder, from a finding's absolute and relative paths."""
    abs_path = item.abs_path.replace("\\", "/")
    rel = item.path.replace("\\", "/")
    if rel and abs_path.endswith("/" + rel):
        return item.abs_path[: len(abs_path) - len(rel) - 1]
    return ""


class Links:
    """Where a finding's links point: the file relative to the report's folder
    (`links_from`; the project root when it is not known), with `#L<line>`, and
    `vscode://file/<absolute path>:<line>:<column>`, percent-encoded."""

    def __init__(self, links_from: str | os.PathLike | None):
        self.links_from = links_from
        self._prefix: dict[str, str | None] = {}

    def _rel_prefix(self, root: str) -> str | None:
        """The path from the report's folder to the project's, with a trailing
        slash; None when there is none (another drive on Windows)."""
        if root not in self._prefix:
            prefix: str | None = ""
            if self.links_from is not None and root:
                try:
                    rel = os.path.relpath(os.path.realpath(root), self.links_from)
                    prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
                except ValueError:
                    prefix = None
            self._prefix[root] = prefix
        return self._prefix[root]

    def file(self, item) -> str:
        prefix = self._rel_prefix(_project_root(item))
        if prefix is None or not item.path:
            return ""
        url = quote(prefix + item.path.replace("\\", "/"), safe="/")
        url = f"{url}#L{item.line}" if item.line else url
        return url if safe_href(url) else ""

    @staticmethod
    def editor(item) -> str:
        if not item.abs_path:
            return ""
        path = item.abs_path
        posix = (
            PureWindowsPath(path).as_posix()
            if re.match(r"[A-Za-z]:[\\/]", path)
            else PurePosixPath(path).as_posix()
        )
        url = f"vscode://file{'' if posix.startswith('/') else '/'}{quote(posix, safe='/:')}"
        url += f":{item.line}:{item.column}" if item.line else ""
        return url if safe_href(url) else ""


# -- pictures ----------------------------------------------------------------
def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def gauge_svg(score) -> Markup:
    """A half-circle gauge for a score out of 10: the arc filled to the value, the
    value in the middle; a grey empty arc and "n/a" when there is not enough
    evidence."""
    cx, cy, r = 80, 78, 60
    track = f"M{cx - r} {cy} A{r} {r} 0 0 1 {cx + r} {cy}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 96" width="160" height="96" '
        f'role="img" aria-label="{escape(score.name)}: {escape(score.shown)}">',
        f'<path d="{track}" fill="none" stroke="#e5e7eb" stroke-width="14" stroke-linecap="round"/>',
    ]
    if score.value is None:
        parts.append(
            f'<text x="{cx}" y="{cy - 8}" text-anchor="middle" font-size="26" font-weight="700" '
            f'fill="#6b7280">n/a</text>'
        )
    else:
        value = max(0.0, min(10.0, float(score.value)))
        color = GAUGE_COLORS[0 if value >= 8 else 1 if value >= 5 else 2]
        if value > 0:
            angle = math.pi * (1 - value / 10)
            x, y = cx + r * math.cos(angle), cy - r * math.sin(angle)
            parts.append(
                f'<path d="M{cx - r} {cy} A{r} {r} 0 0 1 {x:.2f} {y:.2f}" fill="none" '
                f'stroke="{color}" stroke-width="14" stroke-linecap="round"/>'
            )
        parts.append(
            f'<text x="{cx}" y="{cy - 8}" text-anchor="middle" font-size="30" font-weight="700" '
            f'fill="{color}">{_num(value)}</text>'
            f'<text x="{cx}" y="{cy + 14}" text-anchor="middle" font-size="12" fill="#4b5563">'
            "out of 10</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def severity_counts(items) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for i in items:
        counts[i.severity] = counts.get(i.severity, 0) + 1
    return counts


def severity_chart_svg(items) -> Markup:
    """One bar per severity with its count (zero included)."""
    counts = severity_counts(items)
    top = max(counts.values(), default=0) or 1
    label_w, bar_w, row_h = 78, 190, 30
    width, height = label_w + bar_w + 50, row_h * len(counts) + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Findings by severity">'
    ]
    for n, sev in enumerate(counts):
        y = 4 + n * row_h
        w = round(bar_w * counts[sev] / top) if counts[sev] else 0
        out.append(
            f'<g class="bar"><title>{sev}: {counts[sev]}</title>'
            f'<text x="0" y="{y + 17}" font-size="13" fill="#1f2937">{sev}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="18" rx="3" fill="#f1f5f9"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="18" rx="3" fill="{COLORS[sev]}"/>'
            f'<text class="count" x="{label_w + bar_w + 8}" y="{y + 17}" font-size="13" '
            f'font-weight="700" fill="#1f2937">{counts[sev]}</text></g>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def section_chart_svg(sections) -> Markup:
    """One bar per section with findings, split by severity, linked to the
    section; its total at the end."""
    rows = [s for s in sections if s.items]
    if not rows:
        return Markup("")
    top = max(len(s.items) for s in rows)
    label_w, bar_w, row_h = 300, 300, 26
    width, height = label_w + bar_w + 50, row_h * len(rows) + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Findings by section and severity">'
    ]
    for n, s in enumerate(rows):
        y = 4 + n * row_h
        counts = severity_counts(s.items)
        said = ", ".join(f"{c} {sev}" for sev, c in counts.items() if c)
        out.append(
            f'<a href="#{slug(s.heading)}"><g class="bar"><title>{escape(s.heading)}: '
            f"{len(s.items)} ({said})</title>"
            f'<text x="0" y="{y + 16}" font-size="12.5" fill="#1f2937">{escape(s.heading)}</text>'
        )
        x = float(label_w)
        for sev, c in counts.items():
            if not c:
                continue
            w = max(2.0, bar_w * c / top)
            out.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="16" fill="{COLORS[sev]}"/>'
            )
            x += w
        out.append(
            f'<text class="count" x="{x + 6:.1f}" y="{y + 16}" font-size="12.5" font-weight="700" '
            f'fill="#1f2937">{len(s.items)}</text></g></a>'
        )
    out.append("</svg>")
    return Markup("".join(out))


# -- the page ----------------------------------------------------------------
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_ENV.filters.update(md=md, message=message, plain=plain, slug=slug)
_ENV.globals.update(strengths_none=strengths.NONE, strengths_lead=strengths.LEAD)


def render_html(report, links_from: str | os.PathLike | None = None) -> str:
    """The report as one HTML page. `links_from`: the folder the page will be
    written to, so that links to the project's files are relative to it (None:
    the project's root)."""
    from .groups import places_short, reach_md, reach_short

    links = Links(links_from)
    sections = [s for _, ss in report.parts for s in ss]
    finding_ids = {id(i): n for n, i in enumerate(report.findings, 1)}
    return _ENV.get_template("report.html.j2").render(
        r=report,
        css=Markup(CSS),
        script=Markup(SCRIPT),
        csp=CSP,
        sections=sections,
        severities=SEVERITIES,
        counts=severity_counts(report.findings),
        score_keys=SCORE_KEYS,
        gauge=gauge_svg,
        severity_chart=severity_chart_svg(report.findings),
        section_chart=section_chart_svg(sections),
        diagram=lambda d: Markup(app_diagram_svg(d)),
        links=links,
        fid=lambda i: finding_ids.get(id(i), 0),
        reach=lambda g: md(reach_md(g).removeprefix("; ")),
        reach_short=reach_short,
        places=places_short,
        strengths=getattr(report, "strengths", None) or [],
        long_tables=[s for s in sections if len(s.table) - 1 > report.table_rows],
        worst=lambda items: min((Severity(i.severity) for i in items), key=lambda s: s.rank).value,
    )
