"""Business Logic & Domain Modeling: handlers that hold the business operation itself."""

from __future__ import annotations

import posixpath

from ..facts.index import ENDPOINT_READS
from ..facts.logic import measure, owner_class, owner_node
from ..source import syntax as sx
from ._endpoints import HANDLER_METHODS
from .base import Context, detector, make_finding

SECTION = "Business Logic & Domain Modeling"
# a handler holds a business operation when it writes several times AND takes many
# decisions in its own body (measured on CTFd, netbox, redash, dispatch: the
# handlers over these figures are the ones a reader calls fat; form or formset
# saving with a check or two stays under them)
MIN_WRITES, MIN_DECISIONS, MIN_LINES = 2, 6, 30


def _shown(targets: list[str], limit: int = 4) -> str:
    names = sorted(set(targets))
    text = ", ".join(f"`{n}`" for n in names[:limit])
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _service_home(rel_path: str) -> str:
    folder = posixpath.dirname(rel_path)
    return posixpath.join(folder, "services.py") if folder else "services.py"


@detector("DOM001", section=SECTION)
def fat_handler(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration or facts.is_settings:
        return
    by_type = {t: list(ctx.nodes(t)) for t in ("atom_expr", "power", "if_stmt", "raise_stmt")}
    if not by_type["atom_expr"] and not by_type["power"]:
        return
    candidates = []
    for funcdef, writes, targets, decisions, _ in measure(by_type, ctx.calls).values():
        if writes < MIN_WRITES or decisions < MIN_DECISIONS:
            continue
        body = funcdef.children[-1]
        lines = body.end_pos[0] - body.start_pos[0] + 1
        if lines < MIN_LINES:
            continue
        name = funcdef.children[1]
        cls = owner_node(funcdef)
        owner = cls.children[1].start_pos[0] if cls is not None else None
        if owner is not None and not (
            name.value in HANDLER_METHODS or sx.function_decorators(funcdef)
        ):
            continue  # a helper method of a view class: its caller is the handler
        shown = f"{owner_class(funcdef)}.{name.value}" if owner is not None else name.value
        candidates.append(
            (
                ctx.site(name),
                name.start_pos[0],
                owner,
                shown,
                writes,
                tuple(targets),
                decisions,
                lines,
            )
        )
    if not candidates:
        return
    home = _service_home(ctx.rel_path)

    def judge(index, facts=facts, candidates=tuple(candidates), home=home):
        handlers = {ep.line for ep in index.endpoints_in(facts)}
        for site, line, owner, shown, writes, targets, decisions, lines in candidates:
            if line not in handlers and owner not in handlers:
                continue
            yield make_finding(
                "DOM001",
                site,
                f"The handler `{shown}` holds a business operation itself: {lines} lines that "
                f"take {decisions} decisions and write {writes} times ({_shown(list(targets))}). "
                "Other entry points (an API, a task, an admin action, a test) cannot run it "
                "without a request, and the rules are tested only through HTTP; move the "
                f"decisions and writes into a service function (for instance in `{home}`) that "
                "takes plain values, and keep the handler to reading the request, calling it "
                "and answering",
            )

    yield ctx.defer(ENDPOINT_READS, judge, [c[0] for c in candidates])
