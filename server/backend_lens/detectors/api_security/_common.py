"""What the API security rules share: which settings modules are production
ones, the final module-level values of a settings module, literal helpers."""

from __future__ import annotations

import re

from ...facts.kinds import PROD_WORDS, is_settings_module, settings_profile
from ...source import syntax as sx
from ..base import Context, make_finding

SECTION = "API Security & Documentation"
_UNKNOWN = object()
# names only a settings module that configures the whole service sets
CORE_SETTINGS = frozenset(
    {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "INSTALLED_APPS", "DATABASES", "MIDDLEWARE"}
)
# a module of defaults that a deployment's own settings replace (Django's
# django/conf/global_settings.py, `default_settings.py`): only what selects or
# imports it for production makes it production settings
DEFAULTS_WORDS = frozenset({"global", "default", "defaults"})
# what can set a module's names without naming them
_DYNAMIC = re.compile(r"\b(?:globals|vars|setattr|exec)\s*\(")


def literal(node):
    try:
        return sx.literal(sx.code(node))
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return _UNKNOWN


def is_true(node) -> bool:
    return node.type == "keyword" and node.value == "True"


def is_false(node) -> bool:
    return node.type == "keyword" and node.value == "False"


# ---------------------------------------------------------------------------
# which settings modules are production ones


def derives(index, importer, target) -> bool:
    """Whether the settings module ``importer`` builds on ``target``: star-imports it,
    directly or through other modules of the project."""
    names = {target.module, target.import_module} - {""}
    seen: set[str] = set()
    todo = list(importer.star_imports)
    while todo:
        m = todo.pop()
        if m in names:
            return True
        if m in seen:
            continue
        seen.add(m)
        f = index.module(m)
        if f is None:
            f = index.module(m + ".__init__")
        if f is not None:
            if f.path == target.path:
                return True
            todo.extend(f.star_imports)
    return False


def _profile(index, facts) -> str | None:
    """Why ``facts`` is a production settings module, or None when it is not or
    cannot be told. A module of unknown environment counts when it is the only
    settings module of its service (test settings apart): what runs in production
    can then only be it."""
    if not is_settings_module(facts, index):
        return None
    profile, why = settings_profile(facts, index)
    if profile == "production":
        return why
    if profile != "unknown" or _words(facts.module.rsplit(".", 1)[-1]) & DEFAULTS_WORDS:
        return None
    for other in index.files.values():
        if (
            other.path == facts.path
            or not other.is_settings
            or other.is_migration
            or other.import_root != facts.import_root
            or not (CORE_SETTINGS & other.settings.keys())
            or not is_settings_module(other, index)
        ):
            continue
        if settings_profile(other, index)[0] != "test":
            return None
    return "it is the only settings module of its service"


def _overridden(index, facts, name: str) -> bool:
    """Whether a settings module that builds on ``facts`` (and is not a test or
    development one) sets ``name`` again."""
    for other in index.files.values():
        if other.path == facts.path or not other.is_settings or name not in other.settings:
            continue
        if not derives(index, other, facts):
            continue
        if settings_profile(other, index)[0] in ("production", "unknown"):
            return True
    return False


def setting_from(index, facts, name: str):
    """The value of ``name`` in a settings module ``facts`` builds on, as the
    facts hold it (None when none sets it)."""
    seen: set[str] = set()
    todo = list(facts.star_imports)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        f = index.module(m) or index.module(m + ".__init__")
        if f is None:
            continue
        if name in f.settings:
            return f.settings[name]
        todo.extend(f.star_imports)
    return None


def final_assignments(ctx: Context) -> dict[str, object]:
    """name -> the value node of its last plain module-level assignment, for the
    names nothing later in the module can change: no later assignment of any
    form (in an ``if``, a ``try``, augmented), no later star import, no
    ``globals()`` or ``setattr`` on the module."""
    memo = ctx.file_memo.get("apisec-final")
    if memo is not None:
        return memo
    last: dict[str, object] = {}
    for stmt in sx.top_level_expr_stmts(ctx.module):
        assigned = sx.plain_assignment(stmt)
        if assigned is not None:
            last[assigned[0].value] = assigned[1]
    later: dict[str, tuple[int, int]] = {}  # name -> start of its last binding of any kind
    for stmt in ctx.all_nodes.get("expr_stmt", ()):
        if ctx.enclosing(stmt, ("funcdef", "classdef")) is not None:
            continue
        for target in stmt.children[:-1:2] if len(stmt.children) > 1 else ():
            for n in sx.walk(target):
                if n.type == "name":
                    later[n.value] = max(later.get(n.value, (0, 0)), stmt.start_pos)
    star_after = [
        imp.start_pos
        for imp in ctx.all_nodes.get("import_from", ())
        if any(c.type == "operator" and c.value == "*" for c in imp.children)
    ]
    dynamic = [(ctx.text.count("\n", 0, m.start()) + 1, 0) for m in _DYNAMIC.finditer(ctx.text)]
    out = {}
    for name, value in last.items():
        pos = value.start_pos
        if later.get(name, (0, 0)) > pos:
            continue
        if any(p > pos for p in star_after) or any(p > pos for p in dynamic):
            continue
        out[name] = value
    ctx.file_memo["apisec-final"] = out
    return out


def _words(name: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}


def _production_class_settings(ctx: Context):
    """(class name, attribute name, value node) of the plain ``NAME = value``
    attributes of configuration classes named for production (Flask's
    ``class ProductionConfig(Config)``)."""
    for cls in ctx.module.children:
        if cls.type == "decorated":
            cls = cls.children[-1]
        if cls.type != "classdef" or not (_words(cls.children[1].value) & PROD_WORDS):
            continue
        suite = cls.children[-1]
        for stmt in suite.children if suite.type == "suite" else [suite]:
            for c in stmt.children if stmt.type == "simple_stmt" else ():
                ch = c.children if c.type == "expr_stmt" else ()
                if len(ch) == 3 and ch[0].type == "name" and ch[1].value == "=":
                    yield cls.children[1].value, ch[0].value, ch[2]


def settings_candidates(ctx: Context, names: set[str]):
    """(name, value node, where) for the final module-level assignments of ``names``
    and the attributes of production configuration classes: ``where`` is None for
    module level, else the class name."""
    if not ctx.facts.is_settings or ctx.facts.is_migration:
        return
    for name, value in final_assignments(ctx).items():
        if name in names:
            yield name, value, None
    for cls, name, value in _production_class_settings(ctx):
        if name in names:
            yield name, value, cls


def defer_production(ctx: Context, code: str, found: list):
    """A Deferred that reports ``found`` [(name, site, message, class or None)] when
    the module is production settings and no production module built on it sets the
    name again. A production configuration class needs no more than its name."""
    facts = ctx.facts

    def judge(index, found=found, facts=facts):
        why = None
        for name, site, message, cls in found:
            if cls is None:
                if why is None:
                    why = _profile(index, facts) or ""
                if not why or _overridden(index, facts, name):
                    continue
                yield make_finding(code, site, f"{message} (production settings: {why})")
            else:
                yield make_finding(code, site, f"{message} (class {cls} configures production)")

    return ctx.defer(("settings",), judge)


def elements(node) -> list | None:
    """The elements of a list / tuple display, else None."""
    if node.type != "atom" or node.children[0].value not in "[(":
        return None
    if len(node.children) == 2:
        return []
    inner = node.children[1]
    if inner.type in ("testlist_comp", "exprlist", "testlist"):
        if any(c.type == "sync_comp_for" or c.type == "comp_for" for c in inner.children):
            return None
        return [c for c in inner.children if not (c.type == "operator" and c.value == ",")]
    return [inner]
