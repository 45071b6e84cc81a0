"""The code lens above each HTTP endpoint handler: how the project model reads
the endpoint (its routes and methods, whether it requires authentication, is
rate limited, paginates), from the endpoint inventory (``index.endpoints_in``).

Pure functions of the endpoints and the document's lines; the server calls
them on the analysis thread (the index is read there only) and converts the
columns to the client's units."""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN_REPORT_SECTION = "backendLens.openReportSection"
AUTH_SECTION = "Authentication & Authorization Systems"
API_SECTION = "API Design & Implementation"

MAX_ROUTES = 2  # routes shown in a title; the others are counted ("+3 more")
MAX_ROUTE = 60  # characters of one "METHODS /route" part
MAX_PART = 48  # characters of the auth / throttled part
MAX_TITLE = 160

_VERB_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_DEF = re.compile(r"\b(?:def|class)\s+([^\W\d]\w*)")


@dataclass(frozen=True)
class Lens:
    line: int  # 0-based line of the handler's name
    start: int  # code point columns on that line: 0 .. the end of the name
    end: int
    title: str
    tooltip: str
    section: str  # the report section the lens opens
    path: str  # the handler's file as the report names it (relative to the root)
    handler_line: int  # 1-based, as the report names it


def lenses_for(endpoints, lines: list[str]) -> list[Lens]:
    """One lens per handler line of ``endpoints`` (all in the file whose text is
    ``lines``), in line order. A line that does not hold the handler's name (the
    index is of another version of the text) gets no lens."""
    by_line: dict[int, list] = {}
    for ep in endpoints:
        by_line.setdefault(ep.line, []).append(ep)
    out = []
    for line, eps in sorted(by_line.items()):
        span = name_span(lines, line, eps[0].handler)
        if span is None:
            continue
        out.append(
            Lens(
                line - 1,
                0,
                span[1],
                title(eps),
                tooltip(eps),
                section(eps),
                eps[0].path,
                line,
            )
        )
    return out


def name_span(lines: list[str], line: int, handler: str) -> tuple[int, int] | None:
    """(start, end) code point columns of the handler's name on its 1-based line."""
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1]
    name = handler.rsplit(".", 1)[-1]
    found = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) if name else None
    if found is None:
        # a name written otherwise than parso gives it (an identifier that NFKC folds)
        found = _DEF.search(text)
        if found is None:
            return None
        return found.start(1), found.end(1)
    return found.start(), found.end()


def title(eps) -> str:
    routes: dict[str, set[str]] = {}
    for ep in eps:
        routes.setdefault(ep.route, set()).update(ep.methods or ("ANY",))
    shown = [_route_part(_methods(ms), route) for route, ms in routes.items()]
    if len(shown) > MAX_ROUTES:
        shown = [*shown[:MAX_ROUTES], f"+{len(shown) - MAX_ROUTES} more"]
    parts = [" · ".join(shown)]
    parts.append("auth: " + _cut(_joined(_auth(ep) for ep in eps), MAX_PART))
    parts.append("throttled: " + _cut(_joined(_throttled(ep) for ep in eps), MAX_PART))
    pages = [ep.paginated for ep in eps if ep.paginated is not None]
    if pages:
        parts.append(
            "paginated: " + ("yes" if all(pages) else "no" if not any(pages) else "partly")
        )
    return _cut(" · ".join(parts), MAX_TITLE)


def tooltip(eps) -> str:
    """Every endpoint of the handler in full, and what clicking does."""
    rows = []
    for ep in eps:
        methods = ",".join(ep.methods) or "any method"
        auth = f"{ep.auth} ({ep.auth_by})" if ep.auth_by else ep.auth
        throttled = {True: "yes", False: "no", None: "cannot tell"}[ep.throttled]
        if ep.throttled_by:
            throttled += f" ({ep.throttled_by})"
        row = f"{methods} {ep.route or '(route not in the code)'} [{ep.framework}]: auth {auth}; throttled {throttled}"
        if ep.paginated is not None:
            row += f"; paginated {'yes' if ep.paginated else 'no'}"
        rows.append(row)
    if len(rows) > 12:
        rows = [*rows[:12], f"and {len(rows) - 12} more"]
    rows.append(f"Click: open the report at “{section(eps)}”")
    return "\n".join(rows)


def section(eps) -> str:
    """The report section that covers the handler: authentication when an endpoint
    of it is open or unclear, else the API design section."""
    return AUTH_SECTION if any(ep.auth != "required" for ep in eps) else API_SECTION


def _route_part(methods: str, route: str) -> str:
    """ "METHODS /route", a long route shortened in the middle, where its segments
    say least: /api/v1/…/incidents/{incident_id}/resources."""
    text = f"{methods} {route or '(route not in the code)'}"
    if len(text) <= MAX_ROUTE or not route:
        return _cut(text, MAX_ROUTE)
    segments = route.strip("/").split("/")
    head = "/" + "/".join(segments[:2]) if len(segments) > 3 else "/" + segments[0]
    rest = segments[2:] if len(segments) > 3 else segments[1:]
    tail = ""
    for seg in reversed(rest):
        candidate = f"/{seg}{tail}"
        if len(f"{methods} {head}/…{candidate}") > MAX_ROUTE:
            break
        tail = candidate
    if not tail:
        return _cut(text, MAX_ROUTE)
    return f"{methods} {head}/…{tail}" + (
        "/" if route.endswith("/") and not tail.endswith("/") else ""
    )


def _methods(methods: set[str]) -> str:
    if "ANY" in methods:
        return "ANY"
    return ",".join([m for m in _VERB_ORDER if m in methods] + sorted(methods - set(_VERB_ORDER)))


def _auth(ep) -> str:
    shown = _auth_with(ep, ep.auth_by)
    if len(shown) > MAX_PART and " (" in ep.auth_by:
        # "check_visibility (checks the user)": the name, the rest is in the tooltip
        shown = _auth_with(ep, ep.auth_by.split(" (", 1)[0])
    return shown


def _auth_with(ep, by: str) -> str:
    if ep.auth == "required":
        if by.startswith("DEFAULT_PERMISSION_CLASSES: "):
            return by.split(": ", 1)[1] + " (project default)"
        if by.startswith("permission_classes: "):
            return by.split(": ", 1)[1]
        return by or "required"
    if ep.auth == "none":
        if by.startswith("DEFAULT_PERMISSION_CLASSES"):
            return "none (AllowAny, project default)"
        if by.startswith("permission_classes"):
            return "none (AllowAny)"
        if by.startswith("DRF default permission"):
            return "none (DRF default AllowAny)"
        return f"none ({by})" if by else "none"
    return f"unknown ({by})" if by else "unknown"


def _throttled(ep) -> str:
    by = ep.throttled_by
    if ep.throttled is True:
        if by == "DEFAULT_THROTTLE_CLASSES":
            return "yes (project default)"
        if by.startswith("throttle_classes: "):
            return "yes (" + by.split(": ", 1)[1] + ")"
        return f"yes ({by})" if by else "yes"
    if ep.throttled is False:
        return "no"
    return "cannot tell"


def _joined(values) -> str:
    distinct = list(dict.fromkeys(values))
    return " / ".join(distinct)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
