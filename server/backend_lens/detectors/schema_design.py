"""Schema Design & Modeling: money in floats, nullable strings, natural keys that are
not unique, and financial or audit records deleted by a cascade."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..facts.index import ClassRef
from ..facts.model import ClassFact
from ..model import Fix
from ..source import syntax as sx
from .base import Context, detector, make_finding

MONEY = {
    "price",
    "amount",
    "cost",
    "total",
    "subtotal",
    "balance",
    "fee",
    "salary",
    "tax",
    "discount",
    "revenue",
    "payment",
    "refund",
    "charge",
    "wage",
    "budget",
}
NOT_MONEY = {
    "weight",
    "distance",
    "height",
    "width",
    "length",
    "ratio",
    "rate",
    "percent",
    "percentage",
    "score",
    "count",
    "hours",
    "minutes",
    "seconds",
    "time",
    "duration",
    "lat",
    "lng",
    "latitude",
    "longitude",
    "temperature",
    "volume",
    "size",
    "km",
    "kg",
    "factor",
    "pct",
}


def is_money_name(name: str) -> bool:
    words = set(name.lower().strip("_").split("_"))
    return bool(words & MONEY) and not (words & NOT_MONEY)


@detector("SCH001", section="Schema Design & Modeling")
def money_in_float(ctx: Context):
    for cls in ctx.nodes("classdef"):
        suite = cls.children[-1]
        for stmt in getattr(suite, "children", ()):
            if stmt.type != "simple_stmt" or stmt.children[0].type != "expr_stmt":
                continue
            expr = stmt.children[0]
            lhs, value = expr.children[0], expr.children[-1]
            if (
                lhs.type != "name"
                or not is_money_name(lhs.value)
                or value.type not in ("atom_expr", "power")
            ):
                continue
            calls = ctx.calls(value)
            if not calls or calls[0].callee is None:
                continue
            call = calls[0]
            q = ctx.qualify(call.callee) or call.callee
            if q in ("django.db.models.FloatField", "django.db.models.fields.FloatField"):
                fix = None
                if call.callee == "models.FloatField":
                    trailer = call.trailer
                    has_args = len(trailer.children) > 2
                    ps = sx.parts(value)
                    # keywords cannot precede a positional argument (verbose_name, name)
                    positional = [a for a in call.args if a.kind in ("pos", "star")]
                    if positional:
                        at, text = positional[-1].node.end_pos, ", max_digits=12, decimal_places=2"
                    else:
                        at = trailer.children[0].end_pos
                        text = "max_digits=12, decimal_places=2" + (", " if has_args else "")
                    edits = (
                        ctx.edit(
                            ps[1].children[1].start_pos, ps[1].children[1].end_pos, "DecimalField"
                        ),
                        ctx.edit(at, at, text),
                    )
                    fix = Fix("Use models.DecimalField(max_digits=12, decimal_places=2)", edits)
                yield ctx.finding(
                    "SCH001",
                    value,
                    f"`{lhs.value}` holds money in a FloatField: binary floats cannot represent 0.10 "
                    "exactly and sums drift; use DecimalField",
                    fix=fix,
                    end_node=call.trailer,
                )
            elif call.method in ("Column", "mapped_column") and q.startswith("sqlalchemy"):
                for a in call.args:
                    if a.kind != "pos":
                        continue
                    d = sx.dotted(a.value)
                    if d is None and a.value.type in (
                        "atom_expr",
                        "power",
                    ):  # Float(...), sa.Float(...)
                        inner = sx.calls_in(a.value)
                        d = inner[0].callee if inner else sx.dotted(sx.parts(a.value)[0])
                    if d and (ctx.qualify(d) or d).rsplit(".", 1)[-1] in (
                        "Float",
                        "REAL",
                        "Double",
                    ):
                        yield ctx.finding(
                            "SCH001",
                            value,
                            f"`{lhs.value}` holds money in a Float column: binary floats cannot represent "
                            "0.10 exactly and sums drift; use Numeric(12, 2)",
                            end_node=call.trailer,
                        )
                        break


# -- shared: Django model fields read from the class body ------------------------------

DJANGO_MODELS = (
    "django.db.models.",
    "django.db.models.fields.",
    "django.db.models.fields.related.",
)


@dataclass(frozen=True)
class BodyField:
    """One ``name = <django field>(...)`` of a class body, as nodes (used at once)."""

    cls: object  # classdef
    name: object  # the name leaf
    kind: str  # CharField, ForeignKey, ...
    call: sx.Call


def _django_kind(ctx: Context, callee: str | None) -> str | None:
    q = ctx.qualify(callee) if callee else None
    if not q:
        return None
    for prefix in DJANGO_MODELS:
        if q.startswith(prefix) and "." not in q[len(prefix) :]:
            return q[len(prefix) :]
    return None


def _body_fields(ctx: Context, cls) -> list[BodyField]:
    out = []
    suite = cls.children[-1]
    for stmt in getattr(suite, "children", ()):
        if stmt.type != "simple_stmt" or stmt.children[0].type != "expr_stmt":
            continue
        expr = stmt.children[0]
        lhs, value = expr.children[0], expr.children[-1]
        if lhs.type != "name" or value.type not in ("atom_expr", "power"):
            continue
        calls = ctx.calls(value)
        if not calls or calls[0].index != len(sx.parts(value)) - 1:
            continue
        kind = _django_kind(ctx, calls[0].callee)
        if kind:
            out.append(BodyField(cls, lhs, kind, calls[0]))
    return out


def _fields_by_class(ctx: Context) -> dict:
    """classdef -> its Django fields (classes without any left out)."""
    out = {}
    for cls in ctx.nodes("classdef"):
        fields = _body_fields(ctx, cls)
        if fields:
            out[cls] = fields
    return out


def _class_fact(ctx: Context, cls) -> ClassFact | None:
    by_start = ctx.memo.get("class_facts")
    if by_start is None:  # once per file, not once per class
        by_start = ctx.memo["class_facts"] = {}
        for c in ctx.facts.classes:
            by_start.setdefault(c.start, c)
    return by_start.get(cls.children[1].start_pos)


def _meta(cls):
    for stmt in getattr(cls.children[-1], "children", ()):
        if stmt.type == "classdef" and stmt.children[1].value == "Meta":
            return stmt
    return None


def _meta_info(cls) -> tuple[list[frozenset[str]], bool, bool]:
    """(field-name sets the class's own Meta declares unique together, Meta is abstract,
    Meta inherits from another Meta)."""
    meta = _meta(cls)
    if meta is None:
        return [], False, False
    inherits = meta.children[2].type == "operator" and meta.children[2].value == "("
    if inherits and meta.children[3].type == "operator":
        inherits = False  # class Meta():
    sets: list[frozenset[str]] = []
    abstract = False
    for stmt in getattr(meta.children[-1], "children", ()):
        if stmt.type != "simple_stmt" or stmt.children[0].type != "expr_stmt":
            continue
        expr = stmt.children[0]
        if expr.children[0].type != "name":
            continue
        key, value = expr.children[0].value, expr.children[-1]
        if key == "abstract" and sx.code(value) == "True":
            abstract = True
        elif key == "unique_together":
            # any set naming the field will do: all names of all sets in one
            got = {sx.string_value(n) for n in sx.walk(value) if n.type == "string"}
            sets.append(frozenset(x for x in got if x))
        elif key == "constraints":
            for node in sx.walk(value):
                if node.type not in ("atom_expr", "power"):
                    continue
                calls = sx.calls_in(node)
                if not calls or not (calls[0].callee or "").endswith("UniqueConstraint"):
                    continue
                got: set[str] = set()
                for a in calls[0].args:
                    if a.kind == "kw" and a.name in ("name", "violation_error_message"):
                        continue
                    if a.kind == "kw" and a.name == "condition":
                        continue
                    for n in sx.walk(a.value):
                        v = sx.string_value(n) if n.type == "string" else None
                        if v:
                            got.add(v.lstrip("-"))
                sets.append(frozenset(got))
    return sets, abstract, inherits


def _camel_words(name: str) -> list[str]:
    return re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+|\d+", name)


def _snake(name: str) -> str:
    return "_".join(w.lower() for w in _camel_words(name))


# -- SCH002 ----------------------------------------------------------------------------

STRING_FIELDS = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}


@detector("SCH002", section="Schema Design & Modeling")
def nullable_string_field(ctx: Context):
    for cls, fields in _fields_by_class(ctx).items():
        fact = _class_fact(ctx, cls)
        if fact is None or "Translation" in _camel_words(fact.name):
            continue  # NULL there means "not translated, show the original": a third state
        unique_sets, _, _ = _meta_info(cls)
        hits = []
        for f in fields:
            if f.kind not in STRING_FIELDS:
                continue
            args = f.call.args
            null = sx.kwarg(args, "null")
            if null is None or sx.code(null.value) != "True":
                continue
            if sx.kwarg(args, "unique") is not None or sx.kwarg(args, "primary_key") is not None:
                continue  # NULL lets several rows leave a unique column empty
            if sx.kwarg(args, "choices") is not None:
                continue  # NULL as "no choice made" is a common, deliberate design
            if any(f.name.value in s for s in unique_sets):
                continue
            hits.append((f.name.value, f.kind, ctx.site(null.node)))
        if not hits:
            continue
        facts = ctx.facts

        def judge(index, fact=fact, facts=facts, hits=tuple(hits)):
            if not index.is_django_model(ClassRef(facts, fact)):
                return
            for name, kind, site in hits:
                yield make_finding(
                    "SCH002",
                    site,
                    f"`{fact.name}.{name}` is a {kind} with null=True: it now has two values for "
                    f"'no data' (NULL and ''), and filters such as `{name}=''` or "
                    f"`{name}__isnull=True` each miss part of the empty rows",
                )

        yield ctx.defer(("models",), judge)


# -- SCH003 ----------------------------------------------------------------------------

USER_HEADS = {"User", "Customer", "Account", "Member", "Profile"}
PRODUCT_HEADS = {"Product", "Variant", "Sku", "SKU", "Article"}
ITEM_NAMES = {"Item", "StockItem", "InventoryItem", "CatalogItem", "CatalogueItem"}
KEY_SUFFIXES = ("code", "number", "reference", "sku")


def natural_key_reason(model: str, field: str) -> str | None:
    """Why ``field`` identifies a row of ``model`` (a phrase), or None."""
    words = _camel_words(model)
    if not words:
        return None
    head = words[-1]
    product_like = head in PRODUCT_HEADS or model in ITEM_NAMES
    if field in ("email", "username") and head in USER_HEADS:
        article = "an" if head[0] in "AEIOU" else "a"
        return f"{article} {head.lower()} is identified by its {field}"
    if field == "slug":
        return "a slug is looked up in URLs and must find one row"
    if field in ("sku", "ean") and product_like:
        return f"the {field.upper()} identifies a product"
    if field == "isbn" and (product_like or head in ("Book", "Edition")):
        return "the ISBN identifies an edition"
    if field == "iban" and words[-2:] == ["Bank", "Account"]:
        return "the IBAN identifies a bank account"
    own = {_snake(model), head.lower()}
    for suffix in KEY_SUFFIXES:
        if field.endswith("_" + suffix) and field[: -len(suffix) - 1] in own:
            return f"`{field}` is the {model}'s own {suffix}"
    return None


def _url_uses_pk(cls) -> bool:
    """The class's ``get_absolute_url`` puts ``self.pk`` / ``self.id`` in the URL: the
    slug there only decorates it (``/post/42/my-title/``) and may repeat."""
    for stmt in getattr(cls.children[-1], "children", ()):
        target = stmt.children[-1] if stmt.type == "decorated" else stmt
        if target.type == "funcdef" and target.children[1].value == "get_absolute_url":
            text = sx.code(target)
            return bool(re.search(r"\bself\.(pk|id)\b", text))
    return False


@detector("SCH003", section="Schema Design & Modeling")
def natural_key_not_unique(ctx: Context):
    for cls, fields in _fields_by_class(ctx).items():
        fact = _class_fact(ctx, cls)
        if fact is None:
            continue
        unique_sets, abstract, meta_inherits = _meta_info(cls)
        if abstract or meta_inherits:
            continue  # the concrete models (or the parent Meta) decide uniqueness
        names = {f.name.value: f for f in fields}
        has_user_link = any(
            f.kind in ("ForeignKey", "OneToOneField") and f.name.value in ("user", "account")
            for f in fields
        )
        decorative_slug = _url_uses_pk(cls)
        hits = []
        for f in fields:
            if f.kind in ("ForeignKey", "OneToOneField", "ManyToManyField"):
                continue
            reason = natural_key_reason(fact.name, f.name.value)
            if reason is None or (f.name.value == "slug" and decorative_slug):
                continue
            kws = {a.name for a in f.call.args if a.kind == "kw"}
            if any(a.kind == "dstar" for a in f.call.args):
                continue
            if kws & {"unique", "primary_key", "unique_for_date", "unique_for_month"}:
                continue
            if "unique_for_year" in kws:
                continue
            if any(f.name.value in s for s in unique_sets):
                continue
            if f.name.value == "email" and (has_user_link or "username" in names):
                continue  # the account's identity lives elsewhere; email is contact data
            hits.append((f.name.value, reason, ctx.site(f.name)))
        if not hits:
            continue
        facts = ctx.facts

        def judge(index, fact=fact, facts=facts, hits=tuple(hits)):
            ref = ClassRef(facts, fact)
            if not index.is_django_model(ref):
                return
            libs, projs = index.ancestors(ref)
            username_field = index.inherited_attr(ref, "USERNAME_FIELD")
            login = None
            if username_field is not None:
                login = username_field[1].strip("'\"")
            has_username = any(
                b.startswith("django.contrib.auth.models.AbstractUser") for b in libs
            ) or any(f.name == "username" for p in projs for f in p.cls.fields)
            for name, reason, site in hits:
                if any(name in s for p in projs for s in p.cls.meta_indexes):
                    continue  # an inherited Meta may declare it unique
                if name == "email" and login != "email" and (has_username or login):
                    continue  # users log in with another field; email may repeat
                yield make_finding(
                    "SCH003",
                    site,
                    f"`{fact.name}.{name}` is not unique, but {reason}: nothing in the database "
                    "stops two rows sharing it, and `.get()` by it then raises "
                    "MultipleObjectsReturned",
                )

        yield ctx.defer(("models",), judge)


# -- SCH004 ----------------------------------------------------------------------------

MONEY_RECORD_WORDS = {
    "Payment",
    "Invoice",
    "Transaction",
    "Refund",
    "Charge",
    "Chargeback",
    "Ledger",
    "Payout",
    "Order",
    "Receipt",
}
NOT_RECORD_HEADS = {
    "Method",
    "Type",
    "Config",
    "Configuration",
    "Setting",
    "Settings",
    "Gateway",
    "Provider",
    "Plugin",
    "Status",
    "Category",
    "Template",
    "Term",
    "Terms",
    "Rule",
    "Policy",
    "Option",
    "Choice",
    "Kind",
    "Channel",
    "Mixin",
    "Sequence",
    "Counter",
    "Preference",
    "Preferences",
    "Profile",
    "Account",
    "Card",
    "Source",
    "Token",
    "Webhook",
}
AUDIT_HEADS = {"Event", "Log", "History", "Audit", "Trail", "Changelog"}
USER_SUBJECTS = {"User", "Customer", "Account", "Member", "Staff", "Profile", "Employee"}


def record_kind(model: str) -> str | None:
    """ "money", "audit" (an audit trail: *Audit*, *History, *LogEntry, *ChangeLog),
    "events" (an *Event / *Log of something) or None."""
    words = _camel_words(model)
    if not words:
        return None
    head = words[-1]
    if (
        "Audit" in words
        or head in ("History", "Trail", "Changelog")
        or words[-2:]
        in (
            ["Log", "Entry"],
            ["Change", "Log"],
        )
    ):
        return "audit"
    if head in ("Event", "Log") and len(words) > 1:
        return "events"
    if head == "Log":
        return "audit"
    if set(words) & MONEY_RECORD_WORDS and head not in NOT_RECORD_HEADS:
        return "money"
    return None


def _target_name(call: sx.Call) -> str | None:
    args = call.args
    pos = [a for a in args if a.kind == "pos"]
    node = pos[0].value if pos else (sx.kwarg(args, "to").value if sx.kwarg(args, "to") else None)
    if node is None:
        return None
    s = sx.string_value(node)
    if s is not None:
        return s
    d = sx.dotted(node)
    if d is None and node.type in ("atom_expr", "power"):
        calls = sx.calls_in(node)
        d = calls[0].callee if calls else None  # get_user_model()
    return d


def _user_like(target: str) -> bool:
    last = target.rsplit(".", 1)[-1]
    return last in ("AUTH_USER_MODEL", "get_user_model") or last.endswith("User")


@detector("SCH004", section="Schema Design & Modeling")
def cascade_on_records(ctx: Context):
    for cls, fields in _fields_by_class(ctx).items():
        model = cls.children[1].value
        kind = record_kind(model)
        if kind is None:
            continue
        fact = _class_fact(ctx, cls)
        if fact is None:
            continue
        subject_is_user = _camel_words(model)[0] in USER_SUBJECTS
        hits = []
        for f in fields:
            if f.kind not in ("ForeignKey", "OneToOneField"):
                continue
            args = f.call.args
            on_delete = sx.kwarg(args, "on_delete")
            if on_delete is None:
                pos = [a for a in args if a.kind == "pos"]
                on_delete = pos[1] if len(pos) > 1 else None
            if on_delete is None:
                continue
            parent_link = sx.kwarg(args, "parent_link")
            if parent_link is not None and sx.code(parent_link.value) == "True":
                continue
            value = on_delete.value
            written = sx.dotted(value)
            if written is None or (ctx.qualify(written) or written) not in (
                "django.db.models.CASCADE",
                "django.db.models.deletion.CASCADE",
            ):
                continue
            target = _target_name(f.call)
            if target is None:
                continue
            target_model = target.rsplit(".", 1)[-1]
            if target_model == "self" or target_model == model:
                continue
            if record_kind(target_model) is not None:
                continue  # a part of the same record (an order's lines, a payment's refunds)
            if kind == "events" and (not _user_like(target) or subject_is_user):
                continue  # an object's own event log goes with the object
            if kind == "audit" and subject_is_user and _user_like(target):
                continue
            fix = None
            if "." in written:
                leaf = value.children[-1].children[1] if value.type != "name" else value
                fix = Fix(
                    "Use PROTECT (blocks the delete while records refer to it)",
                    (ctx.edit(leaf.start_pos, leaf.end_pos, "PROTECT"),),
                )
            elif ctx.qualify("PROTECT") in (
                "django.db.models.PROTECT",
                "django.db.models.deletion.PROTECT",
            ):
                fix = Fix(
                    "Use PROTECT (blocks the delete while records refer to it)",
                    (ctx.edit(value.start_pos, value.end_pos, "PROTECT"),),
                )
            hits.append((f.name.value, target_model, ctx.site(value), fix))
        if not hits:
            continue
        facts = ctx.facts
        what = {
            "money": "financial records that must be kept",
            "audit": "part of the audit trail",
            "events": "the record of what that user did",
        }[kind]

        def judge(index, fact=fact, facts=facts, hits=tuple(hits), what=what):
            if not index.is_django_model(ClassRef(facts, fact)):
                return
            for name, target, site, fix in hits:
                parent = "user" if target in ("AUTH_USER_MODEL", "get_user_model") else target
                yield make_finding(
                    "SCH004",
                    site,
                    f"`{fact.name}.{name}` uses on_delete=CASCADE: deleting the {parent} it "
                    f"points to silently deletes those {fact.name} rows too ({what}); "
                    "use PROTECT",
                    fix=fix,
                )

        yield ctx.defer(("models",), judge)
