"""API Design & Implementation: list endpoints that return every row."""

from __future__ import annotations

import builtins

from ..facts.index import DRF_LIST_NAMES, ClassRef
from .base import Context, detector, make_finding

# libraries none of whose classes is a DRF view or has one among its ancestors: a
# class whose every base comes from them (or is a builtin) needs no judgement of the
# index (a scan keeps every judgement: Django's tests alone have 8,800 such classes)
NOT_DRF = (
    "django.",
    "unittest.",
    "enum.",
    "typing.",
    "abc.",
    "collections.",
    "dataclasses.",
    "pydantic.",
    "sqlalchemy.",
    "graphene.",
    "celery.",
    "pytest.",
    "threading.",
    "logging.",
    "argparse.",
    "contextlib.",
    "datetime.",
    "decimal.",
    "json.",
    "io.",
    "http.",
    "email.",
    "xml.",
    "html.",
)
BUILTIN_CLASSES = frozenset(n for n in dir(builtins) if isinstance(getattr(builtins, n), type))


def _may_be_drf_view(cls, facts) -> bool:
    for base in cls.bases:
        if base.startswith(NOT_DRF):
            continue
        if (
            base in BUILTIN_CLASSES
            and base not in facts.rebound_builtins
            and not facts.star_imports  # `from x import *` may bind the name
        ):
            continue
        return True  # the project's class, another library's, or a name not placed
    return False


def class_sites(ctx: Context):
    """(ClassFact, site of its name) for every class of the file that may be a DRF
    view: with a base class that is not a builtin or a class of a library that has
    no DRF view (Django, the standard library, SQLAlchemy, pydantic ...)."""
    by_pos = {c.children[1].start_pos: c.children[1] for c in ctx.nodes("classdef")}
    if not by_pos:
        return  # (and the file's classes are not read: incremental._Run.keeps)
    for cls in ctx.facts.classes:
        leaf = by_pos.get(cls.start)
        if leaf is not None and cls.bases and _may_be_drf_view(cls, ctx.facts):
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
