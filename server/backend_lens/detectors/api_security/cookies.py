"""APISEC005 insecure-session-cookie."""

from __future__ import annotations

import re

from ...source import syntax as sx
from ..base import Context, detector
from ._common import SECTION, defer_production, is_false, settings_candidates

COOKIE_SETTINGS = {
    "SESSION_COOKIE_SECURE": "Secure",
    "SESSION_COOKIE_HTTPONLY": "HttpOnly",
    "CSRF_COOKIE_SECURE": "Secure",
    "REMEMBER_COOKIE_SECURE": "Secure",  # Flask-Login
    "REMEMBER_COOKIE_HTTPONLY": "HttpOnly",
}
# cookie names that carry a credential (csrftoken / XSRF-TOKEN are read by scripts on purpose)
CREDENTIAL_COOKIE = re.compile(
    r"sess|\bsid\b|token|auth(?!or)|jwt|access|refresh|remember|login|api[_-]?key", re.IGNORECASE
)
SCRIPT_READ_COOKIE = re.compile(r"csrf|xsrf", re.IGNORECASE)


@detector("APISEC005", section=SECTION, scope="file")
def insecure_session_cookie(ctx: Context):
    if "COOKIE_" in ctx.text:
        found = []
        for name, value, cls in settings_candidates(ctx, set(COOKIE_SETTINGS)):
            if not is_false(value):
                continue
            attr = COOKIE_SETTINGS[name]
            risk = (
                "sent over plain HTTP too, where anyone on the network reads it"
                if attr == "Secure"
                else "readable by any script on the page, so one XSS flaw hands over the session"
            )
            found.append(
                (
                    name,
                    ctx.site(value),
                    f"`{name} = False` in production settings: the cookie is sent without "
                    f"the {attr} attribute, {risk}; set it to True",
                    cls,
                )
            )
        if found:
            yield defer_production(ctx, "APISEC005", found)
    if "set_cookie" in ctx.text and not ctx.facts.is_test:
        yield from _set_cookie_calls(ctx)


def _set_cookie_calls(ctx: Context):
    for node, call in ctx.calls_to("set_cookie"):
        args = call.args
        if (
            not args
            or args[0].kind not in ("pos", "kw")
            or any(a.kind in ("dstar", "star", "invalid") for a in args)
        ):
            continue
        key = sx.kwarg(args, "key") or (args[0] if args[0].kind == "pos" else None)
        cookie = sx.string_value(key.value) if key is not None else None
        if (
            cookie is None
            or not CREDENTIAL_COOKIE.search(cookie)
            or SCRIPT_READ_COOKIE.search(cookie)
        ):
            continue
        if _clears(args):
            continue  # an emptied or expired cookie carries nothing
        missing = []
        for kw, attr in (("secure", "Secure"), ("httponly", "HttpOnly")):
            arg = sx.kwarg(args, kw)
            if arg is None or is_false(arg.value):
                missing.append(attr)
        if not missing:
            continue
        method = sx.parts(node)[call.index - 1]
        start = method.children[1] if method.type == "trailer" else method
        yield ctx.finding(
            "APISEC005",
            start,
            f'the "{cookie}" cookie is set without {" and ".join(missing)}: '
            + (
                "it is sent over plain HTTP too, where anyone on the network reads it"
                if "Secure" in missing
                else ""
            )
            + ("; " if len(missing) == 2 else "")
            + (
                "any script on the page can read it, so one XSS flaw hands it over"
                if "HttpOnly" in missing
                else ""
            )
            + f"; pass {', '.join(f'{m.lower()}=True' for m in missing)}",
            end_node=call.trailer,
        )


def _clears(args) -> bool:
    """Whether a ``set_cookie`` call empties or expires the cookie."""
    value = sx.kwarg(args, "value")
    if value is None and len(args) > 1 and args[1].kind == "pos":
        value = args[1]
    if value is not None and sx.string_value(value.value) == "":
        return True
    for kw in ("expires", "max_age"):
        arg = sx.kwarg(args, kw)
        if arg is not None and sx.code(arg.value).strip() in ("0", "-1"):
            return True
    return False
