"""API Design & Implementation: error bodies whose shape is not the one the rest
of the project answers errors with (API006). The bodies are read by
``facts/errors.py``, which also counts them per service and framework from every
file's facts; a finding needs a convention the project clearly shows."""

from __future__ import annotations

from ..facts.errors import (
    Reader,
    carries,
    convention,
    registered_handlers,
    resolved_shape,
    shape_text,
)
from .base import Context, detector, make_finding

ERROR_READS = ("errors", "settings")


@detector("API006", section="API Design & Implementation")
def inconsistent_error_shape(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration:
        return  # the project's conventions leave tests out (a scan keeps every judgement)
    found = []  # (site, kind, shape, module-level function)
    reader = Reader(facts.imports, facts.module, ctx.rel_path, calls_of=ctx.calls)
    for body in reader.bodies(ctx.by_type):
        if body.helper or body.in_handler or not body.shape:
            continue  # built by a project function, or the shape of a registered handler
        found.append((ctx.site(body.node, body.end), body.kind, body.shape, body.function))
    if not found:
        return

    def judge(index):
        handlers = registered_handlers(index)
        for site, kind, shape, function in found:
            if function and function in handlers:
                continue  # `app.add_exception_handler(X, handle_x)`: registered once
            resolved = resolved_shape(index, facts, kind, shape, "")
            if resolved is None:
                continue
            group, shape = resolved
            conv = convention(index, facts, group)
            dominant = conv.dominant if conv is not None else None
            if dominant is None or carries(shape, dominant[0]):
                continue
            where = f"in {conv.service}/" if conv.service else "in this project"
            yield make_finding(
                "API006",
                site,
                f"this error response answers {shape_text(shape)} where {dominant[1]} of {conv.total} "
                f"{conv.framework} error responses {where} answer {shape_text(dominant[0])}: "
                "clients parse errors one way, and a body without those keys is a special "
                "case in each of them",
            )

    yield ctx.defer(ERROR_READS, judge, [site for site, _, _, _ in found])
