"""Mutations of real source files, each described so a failure can be replayed.

Token mutations work on a rough lexer (names, numbers, strings, operators); the
point is not to stay valid Python but to make the half-typed, half-deleted code
an editor sends while someone types."""

from __future__ import annotations

import random
import re

TOKEN = re.compile(r"""[^\W\d]\w*|\d+|"[^"\n]*"|'[^'\n]*'|\.\.|[^\w\s]""")
NASTY = ["\f", "\t", "\u2028", "\x85", "\ufeff", "é", "🚀", "\\", '"""', "(", ")", ":", "\x00"]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def delete_line(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    return "".join(lines[:i] + lines[i + 1 :]), f"delete line {i + 1}"


def duplicate_line(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    return "".join(lines[: i + 1] + lines[i:]), f"duplicate line {i + 1}"


def swap_lines(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    if len(lines) < 2:
        return text, "swap (too short)"
    i = rng.randrange(len(lines) - 1)
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "".join(lines), f"swap lines {i + 1} and {i + 2}"


def _tokens(text: str) -> list[re.Match]:
    return list(TOKEN.finditer(text))


def delete_token(rng: random.Random, text: str) -> tuple[str, str]:
    toks = _tokens(text)
    if not toks:
        return text, "delete token (none)"
    t = rng.choice(toks)
    return text[: t.start()] + text[t.end() :], f"delete token {t.group()!r} at {t.start()}"


def duplicate_token(rng: random.Random, text: str) -> tuple[str, str]:
    toks = _tokens(text)
    if not toks:
        return text, "duplicate token (none)"
    t = rng.choice(toks)
    return text[: t.end()] + t.group() + text[t.end() :], f"duplicate {t.group()!r} at {t.start()}"


def swap_tokens(rng: random.Random, text: str) -> tuple[str, str]:
    toks = _tokens(text)
    if len(toks) < 2:
        return text, "swap tokens (too few)"
    i = rng.randrange(len(toks) - 1)
    a, b = toks[i], toks[i + 1]
    out = text[: a.start()] + b.group() + text[a.end() : b.start()] + a.group() + text[b.end() :]
    return out, f"swap {a.group()!r} and {b.group()!r} at {a.start()}"


def truncate(rng: random.Random, text: str) -> tuple[str, str]:
    at = rng.randrange(len(text) + 1)
    return text[:at], f"truncate at {at}"


def insert_char(rng: random.Random, text: str) -> tuple[str, str]:
    at = rng.randrange(len(text) + 1)
    ch = rng.choice(NASTY)
    return text[:at] + ch + text[at:], f"insert {ch!r} at {at}"


STRUCTURAL = [
    delete_line,
    duplicate_line,
    swap_lines,
    delete_token,
    duplicate_token,
    swap_tokens,
    truncate,
    insert_char,
]


# ------------------------------------------------- typos met while typing


def keyword_typo(rng: random.Random, text: str) -> tuple[str, str]:
    """``f(a.b="x", ...)``: a dotted keyword argument (issue 8 item 6)."""
    calls = [m.end() for m in re.finditer(r"\.(?:filter|exclude|get|update|create)\(", text)]
    calls = calls or [m.end() for m in re.finditer(r"\w\(", text)]
    if not calls:
        return text, "keyword typo (no call)"
    at = rng.choice(calls)
    return text[:at] + 'a.b="x", ' + text[at:], f'insert a.b="x" at {at}'


def double_dot(rng: random.Random, text: str) -> tuple[str, str]:
    """``Voucher..select_for_update()`` (issue 8 item 6)."""
    dots = [m.start() for m in re.finditer(r"(?<=\w)\.(?=objects|select_for_update|filter)", text)]
    dots = dots or [m.start() for m in re.finditer(r"(?<=\w)\.(?=[^\W\d])", text)]
    if not dots:
        return text, "double dot (no attribute)"
    at = rng.choice(dots)
    return text[:at] + "." + text[at:], f"'..' at {at}"


TYPOS = [keyword_typo, double_dot]


def mutate(
    rng: random.Random, text: str, operators=STRUCTURAL, rounds: int | None = None
) -> tuple[str, list[str]]:
    done = []
    for _ in range(rounds or rng.choice([1, 1, 1, 2, 3])):
        op = rng.choice(operators)
        text, what = op(rng, text)
        done.append(what)
    return text, done
