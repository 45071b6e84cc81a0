"""Integration & Communication Patterns: outbound calls that can hang forever."""

from __future__ import annotations

from ..model import Fix
from ..source import syntax as sx
from ._helpers import append_argument_edit
from .base import Context, detector

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
REQUESTS_CALLS = {f"requests.{v}" for v in VERBS} | {f"requests.api.{v}" for v in VERBS}


def requests_calls(ctx: Context):
    yield from ctx.calls_of_qualified(REQUESTS_CALLS)


@detector("INT001", section="Integration & Communication Patterns")
def http_without_timeout(ctx: Context):
    for node, call in requests_calls(ctx):
        args = call.args
        if sx.kwarg(args, "timeout") or any(a.kind == "dstar" for a in args):
            continue
        yield ctx.finding(
            "INT001",
            node,
            f"`{call.callee}()` has no timeout: if the other service stops answering, this worker "
            "waits forever",
            fix=Fix("Add timeout=10", (append_argument_edit(ctx, call.trailer, "timeout=10"),)),
            end_node=call.trailer,
        )
