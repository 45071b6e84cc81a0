"""An edit inside one name, string or comment, or of the spaces between two
tokens, is applied to the open document's tree in place (source/parsing.py
``_edit_in_place``) instead of going through parso's diff parser. The tree must then be the one a fresh parse of the new text
gives: same node types, leaf values, prefixes and positions.

Random one-character edits (typing and deleting, mostly inside tokens, with
quotes, backslashes, spaces and non-ASCII characters among them so that the
edits the fast path must refuse are tried too) over real modules; after every
edit the tree is compared with a fresh parse. BACKEND_LENS_IN_PLACE_EDITS=N
makes N edits per file (default 150).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest
from backend_lens.source import parsing

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shop"
sys.path.insert(0, str(ROOT / "benchmarks"))
import _corpus  # noqa: E402

# BACKEND_LENS_IN_PLACE_EDITS=N: a longer run (edits per file)
EDITS = int(os.environ.get("BACKEND_LENS_IN_PLACE_EDITS", "150"))
TYPED = list("abz_1xQ") + [" ", "'", '"', "\\", "#", "(", ".", "é", "日", "😀", "\t"]


def _dump(node) -> list[tuple]:
    """The tree as a flat list: every node's type and span, every leaf's value and prefix."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if hasattr(n, "children"):
            out.append((n.type, n.start_pos, n.end_pos))
            stack.extend(reversed(n.children))
        else:
            out.append((n.type, n.start_pos, n.end_pos, n.value, n.prefix))
    return out


def _texts() -> list[tuple[str, str]]:
    files = sorted(EXAMPLE.rglob("*.py"), key=lambda p: -p.stat().st_size)[:4]
    out = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in files]
    out.append(("generated", _corpus.views_module(400)))
    return out


def _kind_at(text: str, at: int) -> str:
    """Roughly what the character before ``at`` is part of (for choosing edits)."""
    line_start = text.rfind("\n", 0, at) + 1
    line = text[line_start:at]
    if "#" in line:
        return "comment"
    if line.count('"') % 2 or line.count("'") % 2:
        return "string"
    return "code"


def _edit(text: str, rng: random.Random) -> str:
    # most edits inside a token: where a comment, a string or a name is being typed
    for _ in range(20):
        at = rng.randrange(len(text))
        if text[at] not in "\n" and (text[at - 1].isalnum() or _kind_at(text, at) != "code"):
            break
    if rng.random() < 0.5:
        return text[:at] + rng.choice(TYPED) + text[at:]
    return text[:at] + text[at + 1 :]


@pytest.mark.parametrize("name,text", _texts(), ids=[n for n, _ in _texts()])
def test_an_edit_in_place_gives_the_tree_of_a_fresh_parse(name, text):
    rng = random.Random(f"in-place:{name}")
    key = f"untitled:in-place/{name}"
    parsing.forget(key)
    parsing.parse(text, key)
    in_place = 0
    try:
        for step in range(EDITS):
            text = _edit(text, rng)
            tree = parsing.parse(text, key)
            in_place += parsing.patched_in_place()
            fresh = parsing.GRAMMAR.parse(text)
            assert tree.get_code() == text, f"edit {step}"
            assert _dump(tree) == _dump(fresh), f"edit {step} of {name}"
    finally:
        parsing.forget(key)
    # the fast path was taken (most edits here are inside a token), and refused
    # for the rest: the comparison above covered both
    assert EDITS // 10 <= in_place < EDITS


def test_typing_in_a_name_a_string_a_comment_or_spaces_patches_the_tree_in_place():
    key = "untitled:in-place/typing.py"
    text = 'def view(request):\n    name = request.GET["q"]  # the query\n    return name\n'
    parsing.forget(key)
    try:
        first = parsing.parse(text, key)
        for old, new in (
            ("name =", "names ="),
            ('"q"', '"qx"'),
            ("the query", "the queries"),
            ("names =", "names  ="),
            ("names  =", "names \t="),
        ):
            text = text.replace(old, new, 1)
            tree = parsing.parse(text, key)
            assert tree is first and parsing.patched_in_place()  # the same tree, patched
            assert parsing.reparsed() == [(2, 2)]
            assert _dump(tree) == _dump(parsing.GRAMMAR.parse(text))
        # a keyword, a quote, a line break, the last space between two tokens, an
        # indentation: not in place (the diff parser's job)
        for old, new in (
            ("names \t=", "if \t="),
            ('"qx"', '"q"x"'),
            ("return", "\nreturn"),
            ("if \t=", "if="),
            ("    return", "     return"),
        ):
            changed = text.replace(old, new, 1)
            tree = parsing.parse(changed, key)
            assert not parsing.patched_in_place()
            assert _dump(tree) == _dump(parsing.GRAMMAR.parse(changed))
            text = changed
    finally:
        parsing.forget(key)
