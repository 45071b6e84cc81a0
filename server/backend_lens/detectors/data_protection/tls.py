"""SEC004 tls-verification-disabled: certificates not checked on outgoing TLS.
SEC009 weak-tls-version: protocol versions and ciphers that are broken."""

from __future__ import annotations

import re

from ...model import Fix
from ...source import syntax as sx
from ..base import Context, detector
from ._common import is_quiet_path

# methods of requests/httpx/aiohttp (and their sessions and clients) that take verify=
HTTP_METHODS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "send",
    "stream",
    "Client",
    "AsyncClient",
    "HTTPTransport",
    "AsyncHTTPTransport",
    "ws_connect",
    "TCPConnector",
    "ClientSession",
    "merge_environment_settings",
}
HTTP_MODULES = ("requests", "httpx", "aiohttp", "urllib3")
# keyword -> the value that turns checking off
OFF_KEYWORDS = {"verify": "False", "verify_ssl": "False", "ssl": "False"}


def call_of_argument(ctx: Context, argument) -> sx.Call | None:
    """The call whose argument list holds ``argument``."""
    trailer = argument.parent
    if trailer is not None and trailer.type == "arglist":
        trailer = trailer.parent
    if trailer is None or trailer.type != "trailer" or trailer.parent is None:
        return None
    for call in ctx.calls(trailer.parent):
        if call.trailer is trailer:
            return call
    return None


def _http_call(ctx: Context, call: sx.Call) -> bool:
    q = ctx.qualify(call.callee) or call.callee or ""
    root = q.split(".", 1)[0]
    if root in ("jwt", "jose", "itsdangerous"):
        return False
    if root in HTTP_MODULES:
        return True
    return call.method in HTTP_METHODS


def _false(node) -> bool:
    return node.type == "keyword" and node.value == "False"


def _attr_assigned(stmt, attr: str):
    """The target of ``<x>.<attr> = False`` in ``stmt``, else None."""
    ch = stmt.children
    if len(ch) != 3 or ch[1].type != "operator" or ch[1].value != "=" or not _false(ch[2]):
        return None
    t = ch[0]
    if t.type in ("atom_expr", "power") and sx.is_attr_trailer(t.children[-1]):
        if t.children[-1].children[1].value == attr:
            return t
    return None


def _module_attr(ctx: Context, trailer, module: str, name: str) -> bool:
    """Whether ``trailer`` is ``.name`` right after a reference to ``module``."""
    if not sx.is_attr_trailer(trailer) or trailer.children[1].value != name:
        return False
    owner = trailer.parent
    i = owner.children.index(trailer)
    before = owner.children[:i]
    if not before:
        return False
    text = ".".join(
        c.value if c.type == "name" else c.children[1].value
        for c in before
        if c.type == "name" or sx.is_attr_trailer(c)
    )
    if len(text.split(".")) != len(before):
        return False
    return ctx.qualify(text) == module


def _in_comparison(node, stop) -> bool:
    p = node.parent
    while p is not None and p is not stop:
        if p.type in ("comparison", "not_test"):
            return True
        p = p.parent
    return False


MESSAGE_TAIL = (
    "anyone on the network path can read and change the traffic; to trust a private CA, "
    'give its certificate (`verify="/path/ca.pem"`, `cafile=`)'
)


@detector("SEC004", section="Data Protection & Encryption")
def tls_verification_disabled(ctx: Context):
    if is_quiet_path(ctx):
        return
    for arg in ctx.nodes("argument"):
        ch = arg.children
        if (
            len(ch) != 3
            or ch[0].type != "name"
            or ch[0].value not in OFF_KEYWORDS
            or ch[1].type != "operator"
            or ch[1].value != "="
            or not _false(ch[2])
        ):
            continue
        call = call_of_argument(ctx, arg)
        if call is None or not _http_call(ctx, call):
            continue
        keyword = ch[0].value
        yield ctx.finding(
            "SEC004",
            arg,
            f"`{keyword}=False` turns off certificate checks on `{call.callee or call.method}()`: "
            + MESSAGE_TAIL,
            fix=Fix(
                f"Verify certificates ({keyword}=True)",
                (ctx.edit(ch[2].start_pos, ch[2].end_pos, "True"),),
            ),
        )
    for stmt in ctx.nodes("expr_stmt"):
        for attr in ("verify", "check_hostname"):
            target = _attr_assigned(stmt, attr)
            if target is None:
                continue
            what = (
                "`check_hostname = False` accepts a valid certificate for any host name"
                if attr == "check_hostname"
                else "`.verify = False` turns off certificate checks for every request of this session"
            )
            yield ctx.finding("SEC004", stmt, f"{what}: " + MESSAGE_TAIL)
    for trailer in ctx.nodes("trailer"):
        if _module_attr(ctx, trailer, "ssl", "_create_unverified_context"):
            yield ctx.finding(
                "SEC004",
                trailer.parent,
                "`ssl._create_unverified_context` checks neither the certificate nor the host "
                "name: " + MESSAGE_TAIL,
                end_node=trailer,
            )
        elif _module_attr(ctx, trailer, "ssl", "CERT_NONE"):
            stmt = sx.statement_of(trailer)
            if _in_comparison(trailer, stmt):
                continue
            yield ctx.finding(
                "SEC004",
                trailer.parent,
                "`ssl.CERT_NONE` accepts any certificate: " + MESSAGE_TAIL,
                end_node=trailer,
            )


# (owner module, attribute) -> the version it names
WEAK_VERSIONS = {
    ("ssl", "PROTOCOL_SSLv2"): "SSL 2",
    ("ssl", "PROTOCOL_SSLv3"): "SSL 3",
    ("ssl", "PROTOCOL_TLSv1"): "TLS 1.0",
    ("ssl", "PROTOCOL_TLSv1_1"): "TLS 1.1",
    ("ssl.TLSVersion", "SSLv3"): "SSL 3",
    ("ssl.TLSVersion", "TLSv1"): "TLS 1.0",
    ("ssl.TLSVersion", "TLSv1_1"): "TLS 1.1",
    ("OpenSSL.SSL", "SSLv2_METHOD"): "SSL 2",
    ("OpenSSL.SSL", "SSLv3_METHOD"): "SSL 3",
    ("OpenSSL.SSL", "TLSv1_METHOD"): "TLS 1.0",
    ("OpenSSL.SSL", "TLSv1_1_METHOD"): "TLS 1.1",
}
WEAK_VERSION_ATTRS = {attr for _, attr in WEAK_VERSIONS}
WEAK_CIPHER = re.compile(r"RC4|DES|NULL|EXPORT|EXP-|MD5|ANON|ADH|AECDH", re.I)


def _owner_module(ctx: Context, trailer) -> str | None:
    """The qualified dotted name before the attribute ``trailer`` (``ssl.TLSVersion``)."""
    owner = trailer.parent
    before = owner.children[: owner.children.index(trailer)]
    if not before or before[0].type != "name":
        return None
    names = [before[0].value]
    for c in before[1:]:
        if not sx.is_attr_trailer(c):
            return None
        names.append(c.children[1].value)
    return ctx.qualify(".".join(names))


def _weak_ciphers(value: str) -> list[str]:
    """The cipher names of an OpenSSL cipher string that it turns on and are weak."""
    out = []
    for part in re.split(r"[:, ]+", value):
        if part and part[0] not in "!-" and WEAK_CIPHER.search(part):
            out.append(part.lstrip("+"))
    return out


@detector("SEC009", section="Data Protection & Encryption")
def weak_tls_version(ctx: Context):
    if is_quiet_path(ctx):
        return
    for trailer in ctx.nodes("trailer"):
        if not sx.is_attr_trailer(trailer) or trailer.children[1].value not in WEAK_VERSION_ATTRS:
            continue
        module = _owner_module(ctx, trailer)
        version = WEAK_VERSIONS.get((module or "", trailer.children[1].value))
        if version is None or _in_comparison(trailer, sx.statement_of(trailer)):
            continue
        yield ctx.finding(
            "SEC009",
            trailer.parent,
            f"`{module}.{trailer.children[1].value}` allows {version}, which has known attacks "
            "(POODLE, BEAST) and is refused by current clients and PCI DSS; require TLS 1.2 or "
            "newer (`ssl.PROTOCOL_TLS_CLIENT`, `minimum_version = ssl.TLSVersion.TLSv1_2`)",
            end_node=trailer,
        )
    for _node, call in ctx.calls_to("set_ciphers"):
        pos = [a for a in call.args if a.kind == "pos"]
        value = sx.string_value(pos[0].value) if pos else None
        weak = _weak_ciphers(value) if value else []
        if not weak:
            continue
        yield ctx.finding(
            "SEC009",
            pos[0].value,
            f"`set_ciphers()` turns on broken ciphers ({', '.join(weak[:3])}): an attacker "
            "who records the traffic can decrypt or alter it; leave the defaults or use only "
            "AEAD suites (ECDHE+AESGCM, CHACHA20)",
        )
