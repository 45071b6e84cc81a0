"""Performance & Scalability Evaluation: blocking calls on the event loop."""

from __future__ import annotations

from ..model import Fix
from ..source import syntax as sx
from ._helpers import in_async_function
from .base import Context, detector
from .integration import REQUESTS_CALLS

BLOCKING = REQUESTS_CALLS | {
    "time.sleep",
    "urllib.request.urlopen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
}


@detector("PERF001", section="Performance & Scalability Evaluation")
def blocking_in_async(ctx: Context):
    for node, call in ctx.calls_of_qualified(BLOCKING):
        q = ctx.qualify(call.callee)
        if not in_async_function(node, ctx):
            continue
        fix = None
        ps = sx.parts(node)
        whole = call.index == len(ps) - 1 and node.children[0].type != "keyword"
        if q == "time.sleep" and whole and ctx.facts.imports.get("asyncio") == "asyncio":
            args = sx.code(call.trailer)
            fix = Fix(
                "Use await asyncio.sleep(...)",
                (ctx.edit(node.start_pos, node.end_pos, f"await asyncio.sleep{args}"),),
            )
        yield ctx.finding(
            "PERF001",
            node,
            f"`{call.callee}()` blocks the event loop inside an async function: every other "
            "request on this worker waits until it returns",
            fix=fix,
            end_node=call.trailer,
        )
