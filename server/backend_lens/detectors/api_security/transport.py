"""APISEC007 https-enforcement-disabled."""

from __future__ import annotations

from ..base import Context, detector
from ._common import SECTION, defer_production, literal, settings_candidates

# setting -> (the value that switches it off, what is lost)
HTTPS_SETTINGS = {
    "SECURE_SSL_REDIRECT": (
        False,
        "requests that arrive over plain HTTP are answered there instead of being "
        "redirected to HTTPS",
    ),
    "SECURE_HSTS_SECONDS": (
        0,
        "browsers are not told to use HTTPS only, so the first request of every visit "
        "can be sent over plain HTTP and redirected by whoever is on the network",
    ),
}


@detector("APISEC007", section=SECTION, scope="file")
def https_enforcement_disabled(ctx: Context):
    if "SECURE_" not in ctx.text:
        return
    found = []
    for name, value, cls in settings_candidates(ctx, set(HTTPS_SETTINGS)):
        off, lost = HTTPS_SETTINGS[name]
        v = literal(value)
        if type(v) is not type(off) or v != off:
            continue
        found.append(
            (
                name,
                ctx.site(value),
                f"`{name} = {value.get_code(include_prefix=False)}` in production settings: "
                f"{lost}; session cookies and credentials can then be read or changed in "
                "transit (turn it on here, or say in a comment that the proxy does it and "
                "silence the rule)",
                cls,
            )
        )
    if found:
        yield defer_production(ctx, "APISEC007", found)
