"""Service Boundaries & Microservice Design: how the project's apps depend on
each other (the graph of inventory/apps.py)."""

from __future__ import annotations

from ..inventory.apps import APP_READS
from .base import Context, detector, make_finding

SECTION = "Service Boundaries & Microservice Design"
_FUNCTIONS = ("funcdef", "lambdef", "file_input")


def _edge_text(index, edge) -> str:
    return f"{index.rel(edge.path)}:{edge.start[0]}"


@detector("SVC001", section=SECTION)
def import_cycle_between_apps(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration or facts.is_settings:
        return
    # the module-level import statements of this part of the file: where a cycle's
    # finding can be (the graph says which one it is)
    sites = {}
    for node in ctx.nodes("import_name", "import_from"):
        if getattr(ctx.enclosing(node, _FUNCTIONS), "type", "") == "file_input":
            sites[node.start_pos] = ctx.site(node)
    if not sites:
        return
    path = facts.path

    def judge(index):
        for cycle in index.apps().cycles:
            first = cycle.edges[0]
            site = sites.get(first.start)
            if first.path != path or site is None:
                continue
            steps = ", ".join(f"{_edge_text(index, e)} imports `{e.target}`" for e in cycle.edges)
            others = [a for a in cycle.group if a not in cycle.apps]
            more = (
                f"; the same knot also ties in {', '.join(f'`{a}`' for a in others[:6])}"
                + (f" and {len(others) - 6} more" if len(others) > 6 else "")
                if others
                else ""
            )
            yield make_finding(
                "SVC001",
                site,
                f"import cycle between apps `{' -> '.join(cycle.apps)}` ({steps}{more}): "
                "none of them can be loaded, tested, reused or split into a service without "
                "the others, and a name one of them takes from another while loading can fail "
                "with an ImportError about a partially initialised module. Move what they "
                "share into an app both "
                "can import, or turn one direction around (a signal, a registry, a setting "
                "naming the class)",
            )

    yield ctx.defer(APP_READS, judge, list(sites.values()))
