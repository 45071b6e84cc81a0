"""Inline Markdown to HTML, for the report's Markdown fragments (observations,
messages, advice) in the HTML report (report/html_report.py): inline code, bold,
italics, links.

The report quotes a project that may be hostile, so nothing gets through as
markup: all text is HTML-escaped, backslash escapes and code spans follow
CommonMark (see mdtext), and a link keeps its target only when it is http(s),
`vscode:` or relative (else it is shown as text)."""

from __future__ import annotations

import html
import re
import string

from .mdtext import split_code_spans

SAFE_SCHEMES = ("http", "https", "vscode")

_PUNCTUATION = set(string.punctuation)
_LINK = re.compile(r"\[([^\]]+)\]\(([^()\s\x00]+)\)")


def safe_href(url: str) -> bool:
    """An http(s), vscode: or relative link target, with nothing a browser would
    strip or reinterpret."""
    if not url or any(c.isspace() or not c.isprintable() or c == "\\" for c in url):
        return False
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


def inline(text: str) -> str:
    """One block's inline Markdown as HTML: everything escaped but the markup
    this converter makes itself."""
    literals: list[str] = []

    def hold(ch: str) -> str:
        literals.append(ch)
        return f"\x00{len(literals) - 1}\x00"

    def unhold(s: str, escape) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda m: escape(literals[int(m.group(1))]), s)

    def link(m: re.Match) -> str:
        label, target = m.group(1), m.group(2)
        url = unhold(html.unescape(target), str)
        if safe_href(url):
            return f'<a href="{html.escape(url, quote=True)}">{label}</a>'
        return m.group(0)  # shown as the text it is

    out = []
    for is_code, part in split_code_spans(text.replace("\x00", "\ufffd")):
        if is_code:
            out.append(f"<code>{html.escape(part)}</code>")
            continue
        # backslash escapes: the character is literal, never markup
        s = re.sub(
            r"\\(.)", lambda m: hold(m.group(1)) if m.group(1) in _PUNCTUATION else m.group(0), part
        )
        s = html.escape(s, quote=False)  # text, not attributes: quotes may stay
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)
        s = re.sub(r"(?<!\*)\*(?!\s)(.+?)(?<!\s)\*", r"<em>\1</em>", s)
        s = _LINK.sub(link, s)
        out.append(unhold(s, lambda ch: html.escape(ch, quote=False)))
    return "".join(out)
