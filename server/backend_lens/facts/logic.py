"""Where business rules live, measured: per function, the database writes it makes
and the decisions it takes (``if`` tests and ``raise`` statements) in its own body.

The report reads these to say which layer (views, serializers and forms, models,
service modules, tasks) holds the project's writes and decisions; DOM001 measures
the same on a handler's tree. Only functions that write are kept: a function that
decides without writing is a check or a selector, not a business operation."""

from __future__ import annotations

from dataclasses import dataclass

from ..source import syntax as sx

# ORM writes whatever the receiver: a model instance, a form or serializer saving one
SAVES = frozenset({"save", "delete"})
# writes through a manager or queryset: ``Order.objects.create``, ``order.lines.create``,
# ``Order.objects.filter(...).update``
MANAGER_WRITES = frozenset(
    {
        "create",
        "bulk_create",
        "bulk_update",
        "update",
        "delete",
        "get_or_create",
        "update_or_create",
    }
)
QUERYSET_STEPS = frozenset(
    {
        "objects",
        "query",  # Flask-SQLAlchemy: Order.query.filter_by(...).delete()
        "filter",
        "filter_by",
        "exclude",
        "all",
        "select_for_update",
        "using",
        "select_related",
    }
)
MANAGERS = ("objects", "query")
# SQLAlchemy sessions: ``session.add(order)``, ``db.session.delete(order)``
RELATED_CREATES = frozenset({"create", "get_or_create", "update_or_create", "bulk_create"})
SESSION_WRITES = frozenset({"add", "add_all", "delete", "merge", "bulk_save_objects"})
WRITE_NAMES = SAVES | MANAGER_WRITES | RELATED_CREATES | SESSION_WRITES
# receivers that are not the database: ``cache.delete(key)``, ``storage.save(name, f)``
NOT_DATABASE = ("cache", "storage", "redis", "client", "file", "bucket", "s3", "dict", "headers")


@dataclass(frozen=True, slots=True)
class LogicFact:
    function: str
    owner: str  # the class it is a method of ("" for a function)
    line: int  # the line of its name
    writes: int
    # what it writes, as written, once per write, sorted: "Order", "order", "serializer"
    targets: tuple[str, ...]
    decisions: int  # `if`/`elif` tests and `raise` statements of its own body
    lines: int  # lines of its body
    # the text of its `if`/`elif` tests (spaces normalised, cut to 120 characters):
    # the same checks in two handlers are a business rule written twice
    tests: tuple[str, ...] = ()


def write_target(call: sx.Call) -> str | None:
    """What a call writes to the database, as written (``Order`` of
    ``Order.objects.create(...)``, ``order`` of ``order.save()``), or None."""
    method = call.method
    if method not in WRITE_NAMES or call.index < 2:
        return None  # save(...) / create(...): a plain function, not a method
    ps = sx.parts(call.node)
    if ps[0].type != "name":
        return None
    head = ps[0].value
    between = ps[1 : call.index - 1]  # the trailers between the head and the method
    attrs = [t.children[1].value for t in between if sx.is_attr_trailer(t)]
    plain = len(attrs) == len(between)  # a dotted name: no call or subscript on the way
    if method in MANAGER_WRITES and QUERYSET_STEPS.intersection(attrs):
        manager = next((attrs.index(m) for m in MANAGERS if m in attrs), None)
        named = [a for a in attrs[:manager] if a[:1].isupper()] if manager is not None else []
        if named:
            return named[-1]  # models.Order.objects.create(...)
        return head if head != "self" else (attrs[0] if attrs else None)
    receiver = attrs[-1] if attrs else head
    low = receiver.lower()
    if any(word in low for word in NOT_DATABASE):
        return None
    if (
        "session" in low or low == "db"
    ):  # SQLAlchemy's session.add(order); not Django's request.session
        if method not in SESSION_WRITES or not call.args or head == "request":
            return None
        first = call.args[0].value
        if first.type in ("atom_expr", "power") and first.children[0].type == "name":
            first = first.children[0]  # session.add(Order(...))
        return first.value if first.type == "name" else receiver
    if (
        method == "save"
        and len(between) == 1
        and sx.is_call_trailer(between[0])
        and head[:1].isupper()
        and call.index == len(ps) - 1
    ):
        return head  # Order(...).save(): a row built and saved at once
    if not plain or call.index != len(ps) - 1:
        return None
    args = call.args
    if any(a.kind == "pos" for a in args):
        return None  # image.save(buffer), workbook.save(path), storage.delete(name)
    if method in RELATED_CREATES and len(attrs) == 1 and attrs[0][:1].islower():
        return f"{head}.{attrs[0]}"  # a related manager: order.lines.create(...)
    if method in SAVES:
        if method == "save" and any(a.kind == "kw" and a.name == "commit" for a in args):
            return None  # form.save(commit=False) writes nothing yet
        return receiver if not attrs or head == "self" else f"{head}.{'.'.join(attrs)}"
    return None


def measure(by_type, calls_of) -> dict[int, tuple[object, int, list[str], int, list[str]]]:
    """id(funcdef) -> (funcdef, writes, targets, decisions, test texts) for the
    functions among ``by_type``'s nodes that write (nested functions count for
    themselves)."""
    nearest = sx.Nearest(("funcdef", "classdef", "lambdef", "file_input"))
    found: dict[int, list] = {}
    for node in [*by_type.get("atom_expr", ()), *by_type.get("power", ())]:
        calls = [c for c in calls_of(node) if c.method in WRITE_NAMES]
        if not calls:
            continue
        owner = nearest(node)
        if owner is None or owner.type != "funcdef":
            continue
        for call in calls:
            target = write_target(call)
            if target is not None:
                entry = found.setdefault(id(owner), [owner, 0, [], 0, []])
                entry[1] += 1
                entry[2].append(target)
    if not found:
        return {}
    for node in [*by_type.get("if_stmt", ()), *by_type.get("raise_stmt", ())]:
        owner = nearest(node)
        if owner is None or id(owner) not in found:
            continue
        entry = found[id(owner)]
        if node.type == "if_stmt":
            for i, c in enumerate(node.children):
                if c.type == "keyword" and c.value in ("if", "elif"):
                    entry[3] += 1
                    entry[4].append(" ".join(sx.code(node.children[i + 1]).split())[:120])
        else:
            entry[3] += 1
    return {k: (v[0], v[1], v[2], v[3], v[4]) for k, v in found.items()}


def owner_node(funcdef):
    """The classdef a function is a method of (decorated or not), or None."""
    parent = funcdef.parent
    while parent is not None and parent.type in ("decorated", "async_stmt", "async_funcdef"):
        parent = parent.parent
    if parent is not None and parent.type == "suite":
        parent = parent.parent
    return parent if parent is not None and parent.type == "classdef" else None


def owner_class(funcdef) -> str:
    owner = owner_node(funcdef)
    return owner.children[1].value if owner is not None else ""


def logic_facts(by_type, calls_of) -> list[LogicFact]:
    out = []
    for funcdef, writes, targets, decisions, tests in measure(by_type, calls_of).values():
        name = funcdef.children[1]
        body = funcdef.children[-1]
        out.append(
            LogicFact(
                function=sx.intern(name.value),
                owner=owner_class(funcdef),
                line=name.start_pos[0],
                writes=writes,
                targets=tuple(sorted(targets)),
                decisions=decisions,
                lines=body.end_pos[0] - body.start_pos[0] + 1,
                tests=tuple(sx.intern(t) for t in tests),
            )
        )
    out.sort(key=lambda f: f.line)
    return out
