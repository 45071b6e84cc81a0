"""One rule for splitting text into lines, used everywhere positions are counted.

Python's tokenizer (and parso), the Language Server Protocol and editors end a
line at ``\\n``, ``\\r\\n`` or ``\\r`` and nowhere else. ``str.splitlines`` also
breaks at form feed, vertical tab, U+001C..U+001E, U+0085, U+2028 and U+2029: a
file holding one of those would have its later lines numbered differently by
``splitlines`` than by the parser and the editor (suppressions ignored, edits
landing on the wrong line). Never use ``str.splitlines`` on source text."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# the characters str.splitlines breaks at that the protocol and Python do not
_EXTRA_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def split_lines(text: str, keepends: bool = True) -> list[str]:
    """The lines of ``text`` as the parser and the editor count them. Like
    ``str.splitlines``: no empty last item after a final line break."""
    lines = text.splitlines(keepends)
    # as many lines as line breaks (and a last line without one): str.splitlines
    # broke nowhere else, and its answer is ours (counting is faster than a search)
    # (an extra break as the last character changes no count: looked at apart)
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    unended = text != "" and not text.endswith(("\n", "\r"))
    if len(lines) == breaks + unended and not (unended and _EXTRA_BREAKS.match(text[-1])):
        return lines
    lines = _LINE.findall(text)
    if not keepends:
        lines = [line.rstrip("\r\n") for line in lines]
    return lines


def line_count(text: str) -> int:
    """How many lines ``text`` spans (a text without a break is one line)."""
    return len(split_lines(text)) or 1
