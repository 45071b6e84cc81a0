"""The dependency picture of the project's apps as inline SVG for the HTML report:
boxes in layers (an app above the apps it imports), arrows for imports, the
imports of a cycle in red, lazy-only imports dashed. No script, no style
attribute (the report's Content-Security-Policy allows neither), no link: the
names are the only text from the project, and they are escaped."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

MAX_APPS = 30
COLUMNS = 6
BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 150, 30, 24, 56, 12
LABEL_CHARS = 21


@dataclass
class AppDiagram:
    apps: list[str] = field(default_factory=list)  # in order of connections, most first
    # (source, target, lazy only, part of a cycle)
    edges: list[tuple[str, str, bool, bool]] = field(default_factory=list)
    in_cycle: set[str] = field(default_factory=set)
    left_out: int = 0  # apps not drawn (beyond MAX_APPS)


def _order(apps: list[str], edges) -> list[str]:
    """The apps with the importing ones first and the imported ones last, cycles cut
    where the fewest imports go against the order (Eades, Lin and Smyth's greedy
    order): drawn row by row, most arrows point down."""
    succ: dict[str, set[str]] = {a: set() for a in apps}
    pred: dict[str, set[str]] = {a: set() for a in apps}
    for a, b, *_ in edges:
        succ[a].add(b)
        pred[b].add(a)
    left = set(apps)
    head: list[str] = []
    tail: list[str] = []
    while left:
        changed = True
        while changed:
            changed = False
            for a in sorted(left):
                if not (succ[a] & left):  # imports nothing left: to the end
                    tail.append(a)
                    left.discard(a)
                    changed = True
                elif not (pred[a] & left):  # imported by nothing left: to the front
                    head.append(a)
                    left.discard(a)
                    changed = True
        if left:
            best = max(sorted(left), key=lambda a: len(succ[a] & left) - len(pred[a] & left))
            head.append(best)
            left.discard(best)
    return head + tail[::-1]


def _label(name: str, prefix: str) -> str:
    shown = name[len(prefix) :] if prefix and name.startswith(prefix) else name
    return shown if len(shown) <= LABEL_CHARS else shown[: LABEL_CHARS - 1] + "…"


def prefix_of(apps: list[str]) -> str:
    """The first dotted part every app shares (`saleor.`), shown once in the caption."""
    heads = {a.split(".", 1)[0] + "." for a in apps if "." in a}
    if len(heads) == 1 and len(apps) > 1 and all("." in a for a in apps):
        return heads.pop()
    return ""


def app_diagram_svg(d: AppDiagram) -> str:
    apps = d.apps[:MAX_APPS]
    shown = set(apps)
    edges = [e for e in d.edges if e[0] in shown and e[1] in shown]
    ordered = _order(apps, edges)
    rows = [ordered[i : i + COLUMNS] for i in range(0, len(ordered), COLUMNS)]
    prefix = prefix_of(apps)
    where: dict[str, tuple[int, int]] = {}
    top = MARGIN + 22
    for r, row in enumerate(rows):
        for c, app in enumerate(row):
            where[app] = (MARGIN + c * (BOX_W + GAP_X), top + r * (BOX_H + GAP_Y))
    width = MARGIN * 2 + max((len(r) for r in rows), default=1) * (BOX_W + GAP_X) - GAP_X
    height = top + len(rows) * (BOX_H + GAP_Y) - GAP_Y + MARGIN
    esc = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Imports between the apps of the project">',
        "<defs>"
        '<marker id="bl-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#888"/></marker>'
        '<marker id="bl-arrow-red" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#c62828"/></marker></defs>',
    ]
    caption = (
        "Arrows point from an app to the apps it imports (importers first); red: the cycles reported "
        "(SVC001), red boxes: apps in a cycle; dashed: imports only inside functions"
    )
    if prefix:
        caption += f"; names without {prefix}"
    if d.left_out:
        caption += f"; the {len(apps)} most connected of {len(apps) + d.left_out} apps"
    out.append(
        f'<text x="{MARGIN}" y="{MARGIN + 8}" font-size="12" fill="#555">{esc(caption)}</text>'
    )
    pairs = {(a, b) for a, b, *_ in edges}
    for a, b, lazy, cycle in sorted(edges, key=lambda e: e[3]):  # red ones on top
        (x1, y1), (x2, y2) = where[a], where[b]
        sx, tx = x1 + BOX_W / 2, x2 + BOX_W / 2
        if y1 == y2:  # same row: side to side
            sy = ty = y1 + BOX_H / 2
            sx, tx = (x1 + BOX_W, x2) if x1 < x2 else (x1, x2 + BOX_W)
        elif y1 < y2:
            sy, ty = y1 + BOX_H, y2
        else:
            sy, ty = y1, y2 + BOX_H
        if (b, a) in pairs:  # both ways: two arrows side by side, not on top of each other
            shift = 5 if a < b else -5
            if y1 == y2:
                sy, ty = sy + shift, ty + shift
            else:
                sx, tx = sx + shift, tx + shift
        color, marker = ("#c62828", "bl-arrow-red") if cycle else ("#888", "bl-arrow")
        dash = ' stroke-dasharray="4 3"' if lazy else ""
        opacity = "0.9" if cycle else "0.45"
        out.append(
            f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{tx:.0f}" y2="{ty:.0f}" stroke="{color}" '
            f'stroke-opacity="{opacity}" stroke-width="1.2"{dash} marker-end="url(#{marker})">'
            f"<title>{esc(a)} imports {esc(b)}</title></line>"
        )
    for app in apps:
        x, y = where[app]
        stroke = "#c62828" if app in d.in_cycle else "#555"
        out.append(
            f'<g><title>{esc(app)}</title><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" '
            f'rx="4" fill="#fafafa" stroke="{stroke}"/>'
            f'<text x="{x + BOX_W / 2:.0f}" y="{y + BOX_H / 2 + 4:.0f}" font-size="12" '
            f'text-anchor="middle" fill="#222">{esc(_label(app, prefix))}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
