"""Project text inside the report's Markdown.

Values from the analysed project (settings values, file and folder names, route
paths, model names, code quoted in finding messages) are data: a hostile
repository must not be able to turn them into HTML, links, images, headings or
table cells of the report, neither in our HTML rendering nor in any Markdown
renderer (the VS Code preview). So every such value goes through one of these:

- `code(v)`: shown as a code span, whatever backticks it holds;
- `text(v)`: plain text, every character Markdown or HTML would act on
  backslash-escaped (CommonMark shows `\\<` as `<`);
- `message(m)`: a finding message, Markdown whose code spans are kept (as
  `code`) and whose other text is escaped (as `text`).

All three show line breaks and other invisible characters as escapes (`\\n`), so
a value never starts a new Markdown line."""

from __future__ import annotations

import re

# what Markdown (CommonMark, GFM tables and strikethrough) or HTML act on inline;
# `_` only where it could open or close emphasis (not inside AUTH_USER_MODEL)
_SPECIAL = re.compile(r"([\\`*\[\]<>|~&]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_BACKTICKS = re.compile(r"`+")


def oneline(value: object) -> str:
    """`value` as one line of printable text: control characters and Unicode
    line or paragraph separators are written as Python escapes (`\\n`, `\\u2028`)."""
    s = str(value)
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in s)


def text(value: object) -> str:
    """Project text as plain Markdown text."""
    return _SPECIAL.sub(r"\\\1", oneline(value))


def code(value: object) -> str:
    """Project text as a Markdown code span: fenced by one backtick more than the
    longest run inside, padded with a space when it starts or ends with one."""
    s = oneline(value)
    if not s.strip(" "):
        return text(s) if s else ""
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s[0] == "`" or s[-1] == "`" or (s[0] == " " and s[-1] == " ") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def split_code_spans(md: str) -> list[tuple[bool, str]]:
    """(is_code, text) parts of one line of Markdown, by the CommonMark rule: a
    run of n backticks opens a code span closed by the next run of exactly n;
    a backslash outside code escapes the next character."""
    parts: list[tuple[bool, str]] = []
    buf: list[str] = []
    i = 0
    while i < len(md):
        ch = md[i]
        if ch == "\\" and i + 1 < len(md):
            buf.append(md[i : i + 2])
            i += 2
            continue
        if ch == "`":
            run = _BACKTICKS.match(md, i).group()
            start = i + len(run)
            close = next(
                (m for m in _BACKTICKS.finditer(md, start) if len(m.group()) == len(run)), None
            )
            if close is not None:
                if buf:
                    parts.append((False, "".join(buf)))
                    buf.clear()
                content = md[start : close.start()]
                if len(content) > 2 and content[0] == content[-1] == " " and content.strip(" "):
                    content = content[1:-1]
                parts.append((True, content))
                i = close.end()
                continue
            buf.append(run)
            i = start
            continue
        buf.append(ch)
        i += 1
    if buf:
        parts.append((False, "".join(buf)))
    return parts


def message(value: object) -> str:
    """A finding message (which quotes project code in backticks) as safe
    Markdown: its code spans stay code spans, the rest is plain text."""
    out = []
    for is_code, part in split_code_spans(oneline(value)):
        if is_code:
            out.append(code(part))
        else:
            out.append(text(part))
    return "".join(out)
