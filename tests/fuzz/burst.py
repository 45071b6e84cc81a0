"""Random incremental edits as an editor sends them, with an independent model
of the editor's buffer: offsets in code points, LSP ranges in UTF-16 units,
lines split by the LSP rule."""

from __future__ import annotations

import random

from parso.utils import split_lines

INSERTS = [
    "é",
    "日本",
    "🚀",
    "𝔘",
    "\n",
    "x",
    " ",
    "\t",
    "(",
    ")",
    ":",
    ".",
    '"',
    "# ünï 🚀 note\n",
    "    pass\n",
    "x = 1\n",
    "\n\ndef extra(request):\n    for o in Order.objects.all():\n        o.customer.email\n",
    "\n    for o in Order.objects.filter(status='x'):\n        print(o.customer.name)\n",
    "db_index=True, ",
    "Order.objects.filter(status=1)",
    'requests.get("https://e.example/é")\n',
]

# edits that flip findings, in either file: (find, replace) pairs tried both ways
TOGGLES = [
    (
        "reference = models.CharField(max_length=32)",
        "reference = models.CharField(max_length=32, db_index=True)",
    ),
    (
        "status = models.CharField(max_length=20)",
        "status = models.CharField(max_length=20, db_index=True)",
    ),
    ("for order in orders:", "for order in orders.select_related('customer'):"),
    (
        'requests.get("https://partner.example/ping")',
        'requests.get("https://partner.example/ping", timeout=5)',
    ),
    ("Order.objects.filter(reference=", "Order.objects.filter(status="),
    ("customer = models.ForeignKey(Customer, on_delete=models.PROTECT)", "customer_id = 1"),
    ('@app.get("/a")', '@app.get("/b")'),
]

# a FastAPI route in models.py: its path must not stand in for the file's (issue 8 item 4)
ROUTE = """

from fastapi import FastAPI

app = FastAPI()


@app.get("/a")
def health():
    return {}
"""


def utf16_col(line: str, col: int) -> int:
    return len(line[:col].encode("utf-16-le")) // 2


def to_lsp(text: str, offset: int) -> dict:
    lines = split_lines(text, keepends=True)
    at = 0
    for n, line in enumerate(lines):
        if offset <= at + len(line) and (offset < at + len(line) or n == len(lines) - 1):
            return {"line": n, "character": utf16_col(line, offset - at)}
        at += len(line)
    raise AssertionError(f"offset {offset} beyond the text")


def random_change(rng: random.Random, text: str, crlf: bool = False) -> tuple[str, dict]:
    """One random edit: the new text and the LSP content change that makes it
    (with ``crlf``, line breaks typed are \r\n and no edit splits one)."""
    return _crlf_change(rng, text) if crlf else _random_change(rng, text)


def _crlf_change(rng: random.Random, text: str) -> tuple[str, dict]:
    for _ in range(20):
        new_text, change = _random_change(rng, text)
        new = change["text"].replace("\r\n", "\n").replace("\n", "\r\n")
        start = lsp_offset(text, change["range"]["start"])
        end = lsp_offset(text, change["range"]["end"])
        if not (_splits_crlf(text, start) or _splits_crlf(text, end)):
            return _replace(text, start, end, new)
    return _replace(text, len(text), len(text), "")


def _splits_crlf(text: str, at: int) -> bool:
    return 0 < at < len(text) and text[at - 1] == "\r" and text[at] == "\n"


def lsp_offset(text: str, pos: dict) -> int:
    """The code-point offset of an LSP position (UTF-16 units)."""
    lines = split_lines(text, keepends=True)
    before = sum(len(x) for x in lines[: pos["line"]])
    line, units, col = lines[pos["line"]], 0, 0
    while units < pos["character"]:
        units += len(line[col].encode("utf-16-le")) // 2
        col += 1
    return before + col


def _random_change(rng: random.Random, text: str) -> tuple[str, dict]:
    kind = rng.choice(["insert", "insert", "delete", "replace", "toggle", "toggle", "lines"])
    if kind == "toggle":
        a, b = rng.choice(TOGGLES)
        if rng.random() < 0.5:
            a, b = b, a
        at = text.find(a)
        if at != -1:
            return _replace(text, at, at + len(a), b)
        kind = "insert"
    if kind == "lines":  # delete whole lines, or from the middle of one line to another
        lines = split_lines(text, keepends=True)
        i = rng.randrange(len(lines))
        j = min(len(lines) - 1, i + rng.randint(0, 3))
        start = sum(len(x) for x in lines[:i]) + rng.randint(0, len(lines[i].rstrip("\r\n")))
        end = sum(len(x) for x in lines[:j]) + rng.randint(0, len(lines[j].rstrip("\r\n")))
        start, end = min(start, end), max(start, end)
        return _replace(text, start, end, rng.choice(["", "", "\n", "é\n"]))
    at = rng.randint(0, len(text))
    if kind == "insert":
        return _replace(text, at, at, rng.choice(INSERTS))
    end = min(len(text), at + rng.randint(1, 30))
    return _replace(text, at, end, "" if kind == "delete" else rng.choice(INSERTS))


def _replace(text: str, start: int, end: int, new: str) -> tuple[str, dict]:
    change = {"range": {"start": to_lsp(text, start), "end": to_lsp(text, end)}, "text": new}
    return text[:start] + new + text[end:], change
