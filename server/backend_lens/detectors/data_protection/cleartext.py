"""SEC010 cleartext-url-in-settings: production settings that talk to a service
over http://, ftp://, telnet:// or ldap://."""

from __future__ import annotations

import ipaddress
import re

from ...facts.kinds import settings_profile
from ...model import Fix
from ...source import syntax as sx
from ..base import Context, detector, make_finding
from .settings_secrets import ENV_GETTERS

CLEARTEXT = re.compile(r"^(http|ftp|telnet|ldap)://([^/:?#\s]+)", re.I)
SECURE = {"http": "https", "ftp": "sftp/ftps", "telnet": "ssh", "ldap": "ldaps"}
LOCAL_SUFFIXES = (
    ".local",
    ".localhost",
    ".internal",
    ".test",
    ".invalid",
    ".example",
    ".lan",
    ".home",
)
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
NOT_ENDPOINTS = (
    "namespace",
    "schema",
    "xmlns",
    "doc",
    "docs",
    "help",
    "homepage",
    "website",
    "license",
)


def internal_host(host: str) -> bool:
    h = host.lower().strip("[]")
    if "@" in h:
        h = h.rsplit("@", 1)[1]
    if "." not in h and ":" not in h:
        return True  # localhost, a container or service name on a private network
    if h.endswith(LOCAL_SUFFIXES) or h.endswith(EXAMPLE_DOMAINS) or "{" in h or "%" in h:
        return True
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_unspecified or ip.is_link_local


def _strings(value):
    """The string literals in a settings value (lists, dicts, env lookup defaults),
    found without recursion: a value may be nested thousands deep."""
    stack = [value]
    while stack:
        node = stack.pop()
        if node.type in ("string", "strings"):
            yield node
        elif node.type in ("atom_expr", "power"):
            for call in sx.calls_in(node):
                if call.callee in ENV_GETTERS or (call.method or "") in ("get", "getenv", "str"):
                    args = call.args
                    default = args[1].value if len(args) > 1 and args[1].kind == "pos" else None
                    kw = sx.kwarg(args, "default")
                    default = kw.value if kw is not None else default
                    if default is not None and default.type in ("string", "strings"):
                        yield default
        elif node.type in ("atom", "testlist_comp", "dictorsetmaker", "testlist", "exprlist"):
            stack.extend(
                reversed([c for c in node.children if c.type not in ("operator", "keyword")])
            )


def _name_words(name: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", name.lower()))


@detector("SEC010", section="Data Protection & Encryption", scope="file")
def cleartext_url_in_settings(ctx: Context):
    if not ctx.facts.is_settings or ctx.facts.is_test:
        return
    found = []
    for expr in sx.top_level_expr_stmts(ctx.module):
        lhs, value = expr.children[0], expr.children[-1]
        if lhs.type != "name" or len(expr.children) != 3:
            continue
        if _name_words(lhs.value) & set(NOT_ENDPOINTS):
            continue
        for node in _strings(value):
            v = sx.string_value(node)
            m = CLEARTEXT.match(v.strip()) if v else None
            if m is None or internal_host(m.group(2)):
                continue
            scheme = m.group(1).lower()
            fix = None
            if scheme == "http" and node.type == "string":
                at = sx.code(node).lower().find("http://")
                if at >= 0:
                    start = (node.start_pos[0], node.start_pos[1] + at)
                    fix = Fix(
                        "Use https://",
                        (ctx.edit(start, (start[0], start[1] + len("http")), "https"),),
                    )
            found.append((ctx.site(node), lhs.value, scheme, m.group(2), fix))
    if not found:
        return
    facts = ctx.facts

    def judge(index, found=found, facts=facts):
        profile, why = settings_profile(facts, index)
        if profile != "production":
            return
        for site, name, scheme, host, fix in found:
            yield make_finding(
                "SEC010",
                site,
                f"`{name}` talks to {host} over {scheme}:// in production settings ({why}): "
                "the traffic, with any credentials or personal data in it, crosses the network "
                f"unencrypted and can be read or changed on the way; use {SECURE[scheme]}",
                fix=fix,
            )

    yield ctx.defer(("settings",), judge)
