"""What the Data Protection & Encryption rules share: which names mean a secret,
which files are tests or examples, where a value goes."""

from __future__ import annotations

import re

from ...source import syntax as sx
from ..base import Context

# single words that name a secret on their own
SECRET_WORDS = {
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "passcode",
    "token",
    "secret",
    "apikey",
    "otp",
    "totp",
    "hotp",
    "nonce",
    "salt",
    "csrf",
    "xsrf",
    "pin",
    "credential",
    "credentials",
    "sessionid",
    "sessionkey",
    "privkey",
    "challenge",
}
# pairs of words that do
SECRET_PAIRS = {
    ("api", "key"),
    ("secret", "key"),
    ("access", "key"),
    ("auth", "key"),
    ("private", "key"),
    ("signing", "key"),
    ("session", "id"),
    ("session", "key"),
    ("reset", "code"),
    ("verification", "code"),
    ("verify", "code"),
    ("confirmation", "code"),
    ("confirm", "code"),
    ("activation", "code"),
    ("auth", "code"),
    ("sms", "code"),
    ("mfa", "code"),
    ("invite", "code"),
    ("invitation", "code"),
    ("one", "time"),
    ("reset", "key"),
    ("activation", "key"),
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words(name: str) -> list[str]:
    """``resetPasswordToken`` / ``RESET_PASSWORD_TOKEN`` -> ["reset", "password", "token"]."""
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if w]


def secret_word(name: str | None) -> str | None:
    """The word(s) of ``name`` that say it holds a secret, else None."""
    if not name:
        return None
    ws = words(name)
    for w in ws:
        if w in SECRET_WORDS:
            return w
    for a, b in zip(ws, ws[1:], strict=False):
        if (a, b) in SECRET_PAIRS:
            return f"{a}_{b}"
    return None


def article(word: str) -> str:
    """ "api_key" -> "an API key"."""
    shown = " ".join(
        w.upper() if w in ("api", "otp", "csrf", "xsrf", "pin", "sms", "mfa", "id") else w
        for w in word.split("_")
    )
    return ("an " if shown[0].lower() in "aeiou" else "a ") + shown


def is_quiet_path(ctx: Context) -> bool:
    """Tests, fixtures, examples, documentation and scripts run by hand (once per
    file: eight rules ask, on each run of statements the server checks)."""
    known = ctx.file_memo.get("quiet path")
    if known is None:
        known = ctx.file_memo["quiet path"] = _is_quiet_path(ctx)
    return known


def _is_quiet_path(ctx: Context) -> bool:
    if ctx.facts.is_test:
        return True
    rel = "/" + ctx.rel_path.replace("\\", "/").lower()
    folders = rel.rsplit("/", 1)[0] + "/"
    if any(
        f"/{d}/" in folders
        for d in (
            "tests",
            "test",
            "testing",
            "fixtures",
            "examples",
            "example",
            "samples",
            "sample",
            "docs",
            "doc",
            "demo",
        )
    ):
        return True
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def names_in(node) -> list[str]:
    """Identifiers an expression reads: names, attribute names, string subscripts
    (``request.POST["password"]`` -> request, POST, password)."""
    out: list[str] = []
    for n in sx.walk(node):
        if n.type == "name":
            out.append(n.value)
        elif n.type == "string" and n.parent is not None and n.parent.type == "trailer":
            v = sx.string_value(n)
            if v and len(v) < 60:
                out.append(v)
    return out


def statement(node):
    """The simple statement (expr_stmt, return_stmt, ...) holding ``node``."""
    p = node
    while p.parent is not None and p.parent.type not in ("simple_stmt", "file_input", "suite"):
        p = p.parent
    return p


def targets(stmt) -> list:
    """The assignment targets of an ``expr_stmt`` (``a = b = value``, ``a: T = value``,
    ``a += value``)."""
    if stmt.type != "expr_stmt":
        return []
    ch = stmt.children
    out = []
    for i, c in enumerate(ch[:-1]):
        nxt = ch[i + 1]
        if nxt.type == "operator" and nxt.value.endswith("="):
            out.append(c)
        elif nxt.type == "annassign":
            out.append(c)
    return out


def target_name(target) -> str | None:
    """``token`` / ``self.token`` / ``data["token"]`` -> "token"."""
    if target.type == "name":
        return target.value
    if target.type in ("atom_expr", "power"):
        last = target.children[-1]
        if sx.is_attr_trailer(last):
            return last.children[1].value
        if last.type == "trailer" and last.children[0].value == "[":
            v = sx.string_value(last.children[1])
            if v:
                return v
    return None


def receiving_names(node, stop) -> list[str]:
    """Names the value of ``node`` is given to within its statement ``stop``: a keyword
    argument's name, a dictionary key, the assignment's targets."""
    out: list[str] = []
    child, p = node, node.parent
    while p is not None and child is not stop:
        if (
            p.type == "argument"
            and len(p.children) >= 3
            and p.children[1].type == "operator"
            and p.children[1].value == "="
        ):
            if p.children[0].type == "name" and p.children[2] is child:
                out.append(p.children[0].value)
        elif p.type == "dictorsetmaker":
            idx = p.children.index(child)
            if (
                idx >= 2
                and p.children[idx - 1].type == "operator"
                and p.children[idx - 1].value == ":"
            ):
                key = sx.string_value(p.children[idx - 2])
                if key:
                    out.append(key)
        child, p = p, p.parent
    for t in targets(stop):
        name = target_name(t)
        if name:
            out.append(name)
    return out


def enclosing_function(ctx: Context, node):
    return ctx.enclosing(node, ("funcdef", "lambdef"))


def import_edit(ctx: Context, module: str):
    """The edit that adds ``import module`` after the file's last top-level import,
    or None when it is already imported (or there is no import to put it after)."""
    if ctx.facts.imports.get(module) == module:
        return None
    last = None
    for stmt in ctx.module.children:
        if stmt.type == "simple_stmt" and stmt.children[0].type in ("import_name", "import_from"):
            last = stmt
        elif stmt.type not in ("simple_stmt", "newline", "endmarker") or last is not None:
            if last is not None:
                break
    if last is None:
        return None
    line = last.end_pos[0] if last.end_pos[1] == 0 else last.end_pos[0] + 1
    return ctx.edit((line, 0), (line, 0), f"import {module}\n")
