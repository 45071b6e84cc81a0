"""SEC006 hardcoded-credential: passwords, keys and tokens written into the code."""

from __future__ import annotations

import math
import re
from collections import Counter

from ...facts.kinds import DEV_WORDS, TEST_WORDS
from ...source import syntax as sx
from ..base import Context, detector
from ._common import is_quiet_path, words
from .settings_secrets import SECRET_NAME

# the last word (or two) of a name that holds a credential
LAST_WORDS = {"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credentials"}
KEY_OWNERS = {"api", "secret", "access", "private", "signing", "auth", "encryption", "master"}
TRAILING_WORDS = {
    "hmac",
    "old",
    "new",
    "prod",
    "live",
    "production",
    "v1",
    "v2",
    "backup",
    "primary",
    "secondary",
}
# known key formats: (what, pattern)
KEY_FORMATS = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a Stripe live secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}")),
    (
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    ),
    ("a Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a SendGrid API key", re.compile(r"\bSG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43}\b")),
    (
        "a private key",
        re.compile(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----\s*[A-Za-z0-9+/=\s]{40}"
        ),
    ),
)
KEY_HINT = re.compile(r"AKIA|ASIA|_live_|gh[pousr]_|github_pat_|xox[abposr]-|AIza|SG\.|PRIVATE KEY")
URL_CREDENTIAL = re.compile(r"^[a-z][a-z0-9+.-]*://([^:/@\s]*):([^@/\s]+)@([^/:?\s]+)", re.I)
URL_HINT = re.compile(r"://[^\s/@:]*:[^\s/@]+@")
PLACEHOLDERS = {
    "changeme",
    "change-me",
    "change_me",
    "password",
    "passwd",
    "secret",
    "test",
    "testing",
    "xxx",
    "none",
    "null",
    "todo",
    "dummy",
    "example",
    "sample",
    "fake",
    "placeholder",
    "redacted",
    "default",
    "postgres",
    "root",
    "admin",
    "guest",
    "pass",
    "user",
    "username",
    "token",
    "mysecret",
    "secretkey",
    "notsecret",
    "insecure",
}
# a word of the value that says it stands in for a real one: "xoxb-valid", "sk_test_dummy"
PLACEHOLDER_WORDS = {
    "test",
    "testing",
    "dummy",
    "fake",
    "sample",
    "placeholder",
    "valid",
    "invalid",
    "example",
    "changeme",
    "foo",
    "bar",
    "replace",
    "your",
    "todo",
    "mock",
}
THROWAWAY_FILE_WORDS = TEST_WORDS | DEV_WORDS | {"example", "sample", "demo"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "example.com", "host"}


def credential_name(name: str | None) -> bool:
    if not name:
        return False
    ws = words(name)
    while ws and (ws[-1].isdigit() or ws[-1] in TRAILING_WORDS):
        ws.pop()  # SECRET_KEY_2, STRIPE_SECRET_LIVE, SECRET_KEY_HMAC
    if not ws:
        return False
    last = ws[-1]
    if last in LAST_WORDS:
        return True
    return last == "key" and len(ws) > 1 and ws[-2] in KEY_OWNERS


def entropy(s: str) -> float:
    counts = Counter(s)
    return -sum(c / len(s) * math.log2(c / len(s)) for c in counts.values())


def placeholder(value: str, name: str = "") -> bool:
    v = value.strip().lower()
    if not v or v in PLACEHOLDERS or v == name.lower():
        return True
    if re.fullmatch(r"[x*.#_-]+|<.*>|\$\{.*\}|\{\{?.*\}\}?|%\(?\w*\)?s|\$\w+", v):
        return True
    if set(words(v)) & PLACEHOLDER_WORDS:
        return True
    if any(
        w in v
        for w in (
            "example",
            "changeme",
            "change-me",
            "change_me",
            "your-",
            "your_",
            "dummy",
            "placeholder",
            "insecure",
            "fake",
            "xxxx",
        )
    ):
        return True
    return False


def looks_like_secret(value: str, name: str) -> bool:
    """A literal under a credential name that is worth reporting."""
    if placeholder(value, name) or len(value) < 6 or len(value) > 200:
        return False
    if re.search(r"%\(\w+\)[sd]|%s|\{\w*\}", value):
        return False  # a template: 'ALTER USER %(user)s IDENTIFIED BY "%(password)s"'
    if " " in value and re.fullmatch(r"[A-Za-z][A-Za-z ,.'!?:()-]*", value):
        return False  # a label or a message: "Enter your password"
    if "\n" in value:
        return False
    if value.startswith(("/", "http://", "https://", "X-", "x-")) or value.endswith(".html"):
        return False
    if re.fullmatch(r"_*[a-z]+(?:[_.-][a-z]+)*", value) and set(words(value)) & (
        LAST_WORDS | {"key", "id"}
    ):
        return False  # the name of a field or header: "access_token", "api-key"
    if re.fullmatch(r"[a-z]{1,20}", value):
        return False  # one lowercase word: "request", "netbox" (a default, or not a secret)
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", value) and "_" in value:
        return False  # the name of a setting or environment variable: "STRIPE_API_KEY"
    return entropy(value) >= 2.3


def _literal(node):
    """The value of a plain (non-f) string literal node, else None."""
    if node.type not in ("string", "strings"):
        return None
    v = sx.string_value(node)
    if v is None and node.type == "string" and sx.code(node)[:1] in "bB":
        try:
            raw = sx.literal(sx.code(node))
        except (ValueError, SyntaxError):
            return None
        return raw.decode("latin-1") if isinstance(raw, bytes) else None
    return v


def _named_literals(ctx: Context):
    """(name, literal node) pairs: assignments, keyword arguments, dictionary entries."""
    module_level_settings = ctx.facts.is_settings
    for stmt in ctx.nodes("expr_stmt"):
        ch = stmt.children
        if len(ch) == 2 and ch[1].type == "annassign" and len(ch[1].children) == 4:
            ch = [ch[0], ch[1].children[2], ch[1].children[3]]  # name: T = value
        if len(ch) != 3 or ch[1].type != "operator" or ch[1].value != "=":
            continue
        target = ch[0]
        if target.type == "name":
            name = target.value
            if (
                module_level_settings
                and stmt.parent.parent is ctx.module
                and SECRET_NAME.match(name)
            ):
                continue  # SEC001's
        elif target.type in ("atom_expr", "power") and sx.is_attr_trailer(target.children[-1]):
            name = target.children[-1].children[1].value
        elif (
            target.type in ("atom_expr", "power")
            and target.children[-1].type == "trailer"
            and target.children[-1].children[0].value == "["
            and sx.string_value(target.children[-1].children[1])
        ):
            name = sx.string_value(target.children[-1].children[1])  # app.config["SECRET"]
        else:
            continue
        value = ch[2]
        if name == "auth" and value.type == "atom" and value.children[0].value == "(":
            items = (
                [c for c in value.children[1].children if c.type != "operator"]
                if (value.children[1].type == "testlist_comp")
                else []
            )
            if len(items) == 2:  # session.auth = ("user", "password")
                yield "password", items[1]
            continue
        yield name, value
    for arg in ctx.nodes("argument"):
        ch = arg.children
        if (
            len(ch) == 3
            and ch[0].type == "name"
            and ch[1].type == "operator"
            and ch[1].value == "="
        ):
            yield ch[0].value, ch[2]
    for dm in ctx.nodes("dictorsetmaker"):
        ch = dm.children
        for i in range(len(ch) - 2):
            if ch[i + 1].type == "operator" and ch[i + 1].value == ":":
                key = _literal(ch[i])
                if key:
                    yield key, ch[i + 2]


def _signing_keys(ctx: Context):
    """(what, literal node) for keys given to signing calls: ``jwt.encode(p, "key")``,
    ``jwt.decode(t, "key", ...)``, ``hmac.new(b"key", ...)``."""
    for _node, call in ctx.calls_to("encode", "decode", "new"):
        q = ctx.qualify(call.callee) or call.callee or ""
        root = q.split(".", 1)[0]
        if call.method in ("encode", "decode") and root in ("jwt", "jose"):
            index, what = 1, f"the key of `{call.callee}()`"
        elif q == "hmac.new":
            index, what = 0, "the key of `hmac.new()`"
        else:
            continue
        kw = sx.kwarg(call.args, "key")
        pos = [a for a in call.args if a.kind == "pos"]
        node = kw.value if kw is not None else (pos[index].value if len(pos) > index else None)
        if node is not None:
            yield what, node


def _hinted_strings(ctx: Context):
    """The string tokens of simple statements whose text holds a key's hint
    (KEY_HINT: each format holds its own) or a URL's password ("://user:pw@"):
    read from the strings the node index recorded, not by walking statements (the
    server checks a few statements per keystroke; most files have none)."""
    for n in ctx.nodes("string"):
        raw = n.value
        if not (KEY_HINT.search(raw) or ("@" in raw and URL_HINT.search(raw))):
            continue
        p = n.parent
        while p is not None and p.type != "simple_stmt":
            p = p.parent
        if p is not None:
            yield n


@detector("SEC006", section="Data Protection & Encryption")
def hardcoded_credential(ctx: Context):
    if is_quiet_path(ctx) or ctx.facts.is_migration:
        return
    stem = ctx.rel_path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".py")
    if set(words(stem)) & THROWAWAY_FILE_WORDS:
        return  # configuration_testing.py, settings_dev.py: values meant to be thrown away
    reported: set[int] = set()
    for name, value in _named_literals(ctx):
        if not credential_name(name):
            continue
        cls = ctx.enclosing(value, ("classdef",))
        if cls is not None and set(words(cls.children[1].value)) & THROWAWAY_FILE_WORDS:
            continue  # class DevelopmentConfig / TestingConfig: values meant to be thrown away
        v = _literal(value)
        if v is None or not looks_like_secret(v, name):
            continue
        reported.add(id(value))
        yield ctx.finding(
            "SEC006",
            value,
            f"`{name}` is written into the code: everyone with the repository (and its "
            "history) has it; read it from the environment or a secrets manager and replace it",
        )
    for what, value in _signing_keys(ctx):
        v = _literal(value)
        if v is None or id(value) in reported or not looks_like_secret(v, "key"):
            continue
        reported.add(id(value))
        yield ctx.finding(
            "SEC006",
            value,
            f"{what[0].upper()}{what[1:]} is written into the code: anyone with the repository "
            "can sign tokens or messages the application will trust; read it from the "
            "environment or a secrets manager and replace it",
        )
    for node in _hinted_strings(ctx):
        if id(node) in reported:
            continue
        v = sx.string_value(node)
        if not v:
            continue
        what = None
        if KEY_HINT.search(v):
            for label, pattern in KEY_FORMATS:
                m = pattern.search(v)
                if m and "EXAMPLE" not in v.upper():
                    what = label
                    break
        if what is None and "@" in v and URL_HINT.search(v):
            m = URL_CREDENTIAL.match(v.strip())
            if (
                m
                and not placeholder(m.group(2), m.group(1))
                and m.group(3).lower() not in LOCAL_HOSTS
            ):
                if not re.search(r"[{}%$<>]", m.group(2)):
                    what = "a connection URL with a password"
        if what is None:
            continue
        yield ctx.finding(
            "SEC006",
            node,
            f"This string holds {what}: everyone with the repository (and its history) "
            "has it; revoke it, and read the new one from the environment or a secrets manager",
        )
