"""API Design & Implementation: list endpoints that return every row."""

from __future__ import annotations

from ..facts.index import DRF_LIST_NAMES, ClassRef
from .base import Context, detector, make_finding


def class_sites(ctx: Context):
    """(ClassFact, site of its name) for every class of the file."""
    by_pos = {c.children[1].start_pos: c.children[1] for c in ctx.nodes("classdef")}
    for cls in ctx.facts.classes:
        leaf = by_pos.get(cls.start)
        if leaf is not None and cls.bases:
            yield cls, ctx.site(leaf)


@detector("API001", section="API Design & Implementation")
def list_without_pagination(ctx: Context):
    for cls, site in class_sites(ctx):
        facts = ctx.facts

        def judge(index, cls=cls, site=site, facts=facts):
            ref = ClassRef(facts, cls)
            if not index.is_drf_view(ref, DRF_LIST_NAMES):
                return
            if index.inherited_attr(ref, "pagination_class") is not None:
                return
            if index.drf_setting("DEFAULT_PAGINATION_CLASS", facts):
                return
            yield make_finding(
                "API001",
                site,
                f"`{cls.name}` lists every row in one response: no pagination_class here and no "
                "DEFAULT_PAGINATION_CLASS in REST_FRAMEWORK settings",
            )

        yield ctx.defer(("models", "settings"), judge)
