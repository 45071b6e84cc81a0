"""Caching Strategies: process-wide memo caches keyed by objects that never repeat."""

from __future__ import annotations

from ..facts.index import ClassRef
from ..model import Finding
from ..source import syntax as sx
from .base import Context, detector, make_finding

SECTION = "Caching Strategies"
MEMO_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})
# a parameter of one of these names (or annotated with one of these classes) is a request
REQUEST_NAMES = frozenset({"request", "req"})
REQUEST_CLASSES = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest"})
BINDERS = frozenset({"staticmethod", "classmethod"})


def _params(funcdef) -> list[tuple[str, object]]:
    """(name, annotation node or None) of the parameters a caller passes (not ``*args``)."""
    out = []
    for p in funcdef.get_params():
        if p.star_count:
            continue
        out.append((p.name.value, p.annotation))
    return out


def _annotation_name(node) -> str | None:
    """``Product`` / ``models.Product`` / ``"Product"``; None for anything else."""
    if node is None:
        return None
    if node.type == "string":
        text = sx.string_value(node)
        if text and all(part.isidentifier() for part in text.split(".")):
            return text
        return None
    if node.type == "name":
        return node.value
    return sx.dotted(node)


@detector("CACHE001", section=SECTION)
def memo_cache_on_method_or_request(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration or "functools" not in facts.imported_modules:
        return
    for dec in ctx.nodes("decorator"):
        name = sx.decorator_name(dec)
        what = ctx.qualify(name) if name else None
        if what not in MEMO_DECORATORS:
            continue
        funcdef = sx.decorated_target(dec)
        if funcdef is None or funcdef.type != "funcdef":
            continue
        others = {
            (sx.decorator_name(d) or "").rsplit(".", 1)[-1] for d in sx.function_decorators(funcdef)
        }
        params = _params(funcdef)
        owner = funcdef.parent
        while owner.type in ("decorated", "async_stmt", "async_funcdef"):
            owner = owner.parent
        if owner.type == "suite":
            owner = owner.parent
        in_class = owner.type == "classdef"
        shown = f"@{name}"
        fname = funcdef.name.value
        site = ctx.site(dec.children[0], dec.children[1])
        if in_class and not others & BINDERS and params and params[0][0] == "self":
            cls = owner.name.value
            yield make_finding(
                "CACHE001",
                site,
                f"`{shown}` on the method `{cls}.{fname}` keys its cache on `self`: the cache "
                f"keeps every `{cls}` it was called on alive for the life of the process and is "
                "shared by all of them; cache a module-level function of plain ids, use "
                "cached_property, or keep the cache on the instance",
            )
            continue
        if in_class and "classmethod" in others:
            params = params[1:]
        models: list[tuple[str, str]] = []
        request = None
        for pname, annotation in params:
            written = _annotation_name(annotation)
            last = written.rsplit(".", 1)[-1] if written else None
            if last in REQUEST_CLASSES or (annotation is None and pname in REQUEST_NAMES):
                request = pname
                break
            if written and annotation is not None and last and last[0].isupper():
                models.append((pname, written))
        if request is not None:
            yield make_finding(
                "CACHE001",
                site,
                f"`{shown}` on `{fname}` keys its cache on the request `{request}`: every "
                "request is a new key, so the cache never answers a second call and keeps "
                "every request (and what it holds) alive until it is full; key the cache on "
                "the plain values the function reads",
            )
            continue
        if not models:
            continue

        def judge(index, site=site, shown=shown, fname=fname, models=tuple(models), facts=facts):
            yield from _judge_models(index, site, shown, fname, models, facts)

        yield ctx.defer(("models",), judge, [site])


def _judge_models(index, site, shown, fname, models, facts) -> list[Finding]:
    for pname, written in models:
        target = index.resolve_class(facts, written, None)
        if not isinstance(target, ClassRef):
            continue
        if not (index.is_django_model(target) or index.is_sqlalchemy_model(target)):
            continue
        return [
            make_finding(
                "CACHE001",
                site,
                f"`{shown}` on `{fname}` keys its cache on the model instance `{pname}` "
                f"(`{written}`): each loaded row is kept alive by the cache, and a later call "
                "with the same row answers from the copy cached first, however the row has "
                "changed since; key the cache on the primary key and the plain values it reads",
            )
        ]
    return []
