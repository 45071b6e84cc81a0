"""AUTH004 password-compared-with-equals: a stored or configured password
compared with == or !=."""

from __future__ import annotations

import re

from ...source import syntax as sx
from ..audit_logging import is_server_code
from ..base import Context, detector

PASSWORD_WORD = re.compile(r"^(\w*_)?(password|passwd|pwd|passphrase)(_?hash(ed)?|_digest)?$", re.I)
HASHED_PASSWORD = re.compile(r"^hashed_?(password|passwd|pwd)$", re.I)
# a second copy typed by the user: comparing it with the first is a form check
SECOND_COPY = re.compile(r"confirm|repeat|again|retype|verify|verification|\D2$|_new$|^new_", re.I)


CONFIG_HEADS = frozenset({"settings", "config", "app", "current_app", "os", "environ", "conf"})


def _final_word(node) -> str | None:
    """What a side is named by: a name, the last attribute of a chain, or the
    string key of its last subscript; None for a call's result or anything else."""
    if node.type == "name":
        return node.value
    if node.type not in ("atom_expr", "power"):
        return None
    last = sx.parts(node)[-1]
    if sx.is_attr_trailer(last):
        return last.children[1].value
    if last.type == "trailer" and last.children[0].value == "[":
        return sx.string_value(last.children[1])
    return None


def _password_side(node) -> tuple[bool, bool, bool]:
    """(is a password, is stored or configured (an attribute or a subscript, not
    a plain local), is a second copy, a constant or a figure) for one side of a
    comparison."""
    if node.type in ("number", "string", "strings", "keyword", "fstring") or (
        node.type == "name" and node.value in ("None", "True", "False")
    ):
        return False, False, True
    names = [leaf.value for leaf in sx.walk(node) if leaf.type == "name"]
    if names and names[0] in ("len", "bool", "str", "type", "isinstance", "hash", "id", "getattr"):
        return False, False, True  # len(password) == 0: a figure about it
    word = _final_word(node) or ""
    password = bool(PASSWORD_WORD.match(word) or HASHED_PASSWORD.match(word))
    if password and word.isupper() and names and names[0] not in CONFIG_HEADS:
        password = False  # ConfigurationTypeField.PASSWORD: an enum member, not a value
    strings = [
        v for leaf in sx.walk(node) if leaf.type == "string" and (v := sx.string_value(leaf))
    ]
    second = any(SECOND_COPY.search(w) for w in (*names, *strings))
    return password, node.type in ("atom_expr", "power"), second


@detector("AUTH004", section="Authentication & Authorization Systems")
def password_compared_with_equals(ctx: Context):
    if not is_server_code(ctx):
        return  # tests, scripts, management commands
    for comparison in ctx.nodes("comparison"):
        ch = comparison.children
        if len(ch) != 3 or ch[1].type != "operator" or ch[1].value not in ("==", "!="):
            continue
        (lp, ls, lc), (rp, rs, rc) = _password_side(ch[0]), _password_side(ch[2])
        if lc or rc or not (lp or rp):
            continue  # a constant, a second copy, a length; or no password at all
        if not (ls or rs):
            continue  # two plain names: values typed in this request
        stored = sx.code(ch[0] if lp and ls else ch[2])
        yield ctx.finding(
            "AUTH004",
            comparison,
            f"a password is compared with `{ch[1].value}` (`{stored}`): the comparison stops at "
            "the first differing character, so its time tells how much of a guess is right, and "
            "a stored value compared with what was typed means passwords are kept unhashed; "
            "verify with the framework's `check_password()` or a hasher's `verify()`",
        )
