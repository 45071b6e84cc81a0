"""AUTH005 authorization-from-client-data: a privilege decided by a value the
client sends (`if request.data.get("is_admin"):`, `role == "admin"` read from
a header, a FastAPI query parameter `is_admin: bool`) where the branch it
guards does something.

What the client sent is read as the taint rules read it
(``facts.taint.fields``); what the server keeps (`request.user`,
`request.session`, Flask's signed `session`) is not. Quiet when the claim only
logs, is turned away, narrows a query or is stored (mass assignment is
VAL010's), when it is compared with the server's own value, and when the
signed-in user's privileges are checked in the function, by its decorators or
class, or by the endpoint's guard in the inventory."""

from __future__ import annotations

import re

from ...facts.index import ENDPOINT_READS
from ...facts.taint.fields import ClientFields
from ...facts.taint.tables import ROUTE_VERBS
from ...source import syntax as sx
from .._helpers import last_assignment
from ..audit_logging import is_server_code
from ..base import Context, detector, make_finding

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _words(name: str) -> tuple[str, ...]:
    """``X-Is-Admin`` / ``HTTP_X_USER_ROLE`` / ``isAdmin`` -> their lower-case words."""
    return tuple(w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if w)


# words a field's name may put before what it names: `is_admin`, `X-Admin`, `HTTP_X_ROLE`
FIELD_PREFIXES = frozenset({"http", "x", "is", "as", "has", "am", "be", "user", "account"})
# fields whose name says the caller is privileged: their truth decides
PRIVILEGE_FLAGS = frozenset(
    {
        ("admin",),
        ("administrator",),
        ("superuser",),
        ("super", "user"),
        ("superadmin",),
        ("super", "admin"),
        ("staff",),
        ("staff", "member"),
        ("privileged",),
        ("sudo",),
        ("admin", "mode"),
        ("admin", "access"),
    }
)
# fields that name a role or a permission: compared with a privileged value, they decide
ROLE_FIELDS = frozenset(
    {
        ("role",),
        ("roles",),
        ("user", "role"),
        ("user", "type"),
        ("permission",),
        ("permissions",),
        ("perm",),
        ("perms",),
        ("access", "level"),
        ("privilege",),
        ("privileges",),
    }
)
PRIVILEGED_VALUES = frozenset(
    {"admin", "administrator", "superuser", "superadmin", "staff", "root", "owner", "sudo"}
)
# words a field's name may put after it: `is_admin_user`, `admin_flag`
FIELD_SUFFIXES = frozenset({"user", "flag"})
# a value that describes the caller as the server knows them
USER_SIDE = re.compile(r"\b(\w*user|request|session|g|account|member\w*|self)\b\s*\.", re.I)
TRUE_TEXT = frozenset({"1", "true", "yes", "on", "y", "t"})
FALSE_TEXT = frozenset({"0", "false", "no", "off", "n", "f", ""})


def _field_kind(key: str) -> str | None:
    """ "flag" (its truth claims a privilege), "role" (a value names one) or None."""
    ws = _words(key)
    for k in range(len(ws)):
        if any(w not in FIELD_PREFIXES for w in ws[:k]):
            break
        tail = ws[k:]
        while len(tail) > 1 and tail[-1] in FIELD_SUFFIXES and tail not in ROLE_FIELDS:
            tail = tail[:-1]
        if tail in PRIVILEGE_FLAGS:
            return "flag"
        if tail in ROLE_FIELDS:
            return "role"
    return None


def _literal(node) -> str | None:
    """ "true", "false", "none", "priv" (a constant that names a privilege:
    "admin"), "priv-ref" (a name of the code's that does: `Role.ADMIN`,
    `settings.ADMIN_ROLE`, `cfg.get("roles", "ADMIN")`), "text" (another
    constant) or None (anything else)."""
    node = sx.unparen(node)
    if node.type == "keyword" or (node.type == "name" and node.value in ("True", "False", "None")):
        return {"True": "true", "False": "false", "None": "none"}.get(node.value)
    if node.type == "number":
        return {"1": "true", "0": "false"}.get(node.value, "text")
    v = sx.string_value(node)
    if v is not None:
        low = v.strip().lower()
        if low in TRUE_TEXT:
            return "true"
        if low in FALSE_TEXT:
            return "false"
        return "priv" if PRIVILEGED_VALUES.intersection(_words(v)) else "text"
    if node.type not in ("atom_expr", "power") or USER_SIDE.search(sx.code(node)):
        return None  # `request.user.role`: the server's value of the caller
    d = sx.dotted(node)
    if d is not None:  # `Role.ADMIN`, `UserRole.admin.value`, `settings.ADMIN_ROLE`
        names = d.split(".")
        if names[-1] == "value":
            names = names[:-1]
        return "priv-ref" if PRIVILEGED_VALUES.intersection(_words(names[-1])) else None
    strings = [leaf for leaf in sx.walk(node) if leaf.type == "string"]
    if any(PRIVILEGED_VALUES.intersection(_words(sx.string_value(x) or "")) for x in strings):
        return "priv-ref"  # `cfg.get("user_types", "ADMIN")`
    return None


def _items(node) -> list | None:
    """The items of a tuple, list or set literal, else None."""
    node = sx.unparen(node)
    if node.type != "atom" or node.children[0].value not in "([{" or len(node.children) != 3:
        return None
    inner = node.children[1]
    if inner.type in ("testlist_comp", "dictorsetmaker"):
        if any(c.type in ("comp_for", "sync_comp_for") for c in inner.children):
            return None
        return [c for c in inner.children if not (c.type == "operator" and c.value == ",")]
    return [inner]


def _compared(kind: str, op: str, other, read_first: bool) -> bool | None:
    """For a comparison of a field of ``kind`` with ``other``: True when it holds
    for a caller who claims the privilege, False when it holds for one who does
    not, None when it decides nothing about a privilege (a value of the server's,
    a presence check, a choice among roles)."""
    if op in ("==", "is", "!=", "is not"):
        lit = _literal(other)
        if kind == "flag":
            claims = {"true": True, "priv": True, "false": False}.get(lit or "")
        else:
            claims = True if lit in ("priv", "priv-ref") else None
        if claims is None:
            return None
        return claims if op in ("==", "is") else not claims
    if op in ("in", "not in"):
        if read_first:
            items = _items(other)
            if not items:
                return None
            lits = {_literal(i) for i in items}
            if kind == "flag" and lits <= {"true", "priv"}:
                claims = True
            elif kind == "flag" and lits == {"false"}:
                claims = False
            elif kind == "role" and lits <= {"priv", "priv-ref"}:
                claims = True
            else:
                return None
        elif kind == "role" and _literal(other) in ("priv", "priv-ref"):
            claims = True  # `"admin" in request.data.get("roles")`
        else:
            return None
        return claims if op == "in" else not claims
    return None


# a check of the signed-in user's privileges, or of a role the server keeps
SERVER_CHECK = re.compile(
    r"\.(is_staff|is_superuser|is_\w*admin|is_owner|is_privileged|is_moderator|roles?|"
    r"role_\w+|has_perms?|has_\w*permissions?|has_roles?|groups|permissions|"
    r"get_all_permissions)\b"
    r"|\b(has_perms?|has_\w*permissions?|has_roles?|check_(object_)?permissions?|"
    r"(is|has|can|user_is|check|require|ensure|verify|assert)_\w*(admin|staff|superuser|"
    r"perm|role|privilege)\w*|require_\w+|can_\w+)\s*\("
    r"|\((self\.)?(request\.user|current_user|g\.user)\b"
    r"|\bsession(\[|\.get\()\s*[\"'][^\"']*(admin|staff|superuser|role|perm)"
    r"|\bpermission_required\b|\buser_passes_test\b",
)
# a guard of a function or a class that only privileged callers get past
ROLE_WORDS = re.compile(r"admin|staff|superuser|perm|role", re.IGNORECASE)
ROLE_DEPENDENCY = re.compile(
    r"(Depends|Security)\(\s*[\w.]*(admin|staff|superuser|perm|role)|"
    r":\s*[\w.]*(Admin|Superuser|SuperUser|Staff)\w*",
)
ROLE_GUARD_DECORATOR = re.compile(r"admin|staff|superuser|perm|role|user_passes_test", re.I)
ROLE_MIXINS = re.compile(r"admin|staff|superuser|PermissionRequired|UserPassesTest|role", re.I)
# functions whose answer is an authorization decision
PREDICATE = re.compile(
    r"^_*(has_(object_)?permissions?|is_\w*(admin|staff|superuser|privileged|authori[sz]ed)\w*|"
    r"check_\w*(admin|staff|permission|role)\w*|user_is_\w+)$"
)
# a call that only records: a log line, a message, a form error
RECORDS = re.compile(
    r"^(\w+\.)*(log|logger|logging|_log|audit_log|warnings|messages)\.\w+$|^print$|"
    r"^(\w+\.)*(add_error|add_message)$|^(\w+\.)*errors?\.(append|add|extend)$",
    re.IGNORECASE,
)
DENIAL = re.compile(
    r"Forbidden|BadRequest|Unauthori[sz]ed|NotAllowed|PermissionDenied|HTTP_4\d\d|"
    r"status(_code)?\s*=\s*4\d\d|\b4\d\d\b|\berrors?\b|\babort\b",
)
NARROWING = frozenset({"filter", "exclude", "where", "filter_by", "having", "none"})
STORING = frozenset({"save", "add", "set", "update", "update_or_create", "get_or_create"})
# words of a field's name that do not say what it is about (`admin_mode`, `staff_member`)
NOT_ABOUT = FIELD_PREFIXES | {"mode", "access", "member", "level", "type"}


@detector("AUTH005", section="Authentication & Authorization Systems")
def authorization_from_client_data(ctx: Context):
    if not is_server_code(ctx):
        return  # tests, scripts, management commands
    fields = None
    for node in ctx.nodes("if_stmt", "return_stmt"):
        if node.type == "return_stmt":
            pairs = _predicate_return(ctx, node)
        else:
            ch = node.children
            pairs = [
                (ch[i + 1], ch[i + 3])
                for i, c in enumerate(ch)
                if c.type == "keyword" and c.value in ("if", "elif")
            ]
        for test, suite in pairs:
            if fields is None:
                fields = ClientFields(
                    ctx.facts.imports,
                    lambda name: (
                        last_assignment(ctx, name.value, name)
                        if ctx.scope(name).type == "funcdef"
                        else None
                    ),
                    ctx.qualify,
                )
            found = _client_decision(ctx, fields, test, suite)
            if found is not None:
                yield from _judged(ctx, test, *found)


def _predicate_return(ctx: Context, node) -> list:
    """``return <condition>`` in a function whose answer is an authorization
    decision (``has_permission``, ``is_admin``): the condition and no branch."""
    if len(node.children) < 2:
        return []
    func = ctx.enclosing(node, ("funcdef", "lambdef", "classdef"))
    if func is None or func.type != "funcdef" or not PREDICATE.match(func.children[1].value):
        return []
    return [(node.children[1], None)]


def _client_decision(ctx: Context, fields: ClientFields, test, suite):
    """(field, function) when ``test`` decides a privilege from a field the
    client sent and the branch it guards does something with it; None otherwise."""
    decisions = _decisions(fields, test, True, 0)
    if not decisions:
        return None
    field, positive = decisions[0]
    if suite is not None:
        kinds = _kinds(suite, {leaf.value for leaf in sx.walk(test) if leaf.type == "name"})
        if positive and "other" not in kinds:
            return None  # what the claim gets: a log line, a refusal, a narrower list
        if not positive and not kinds - {"record", "store"}:
            return None
        if _about_records(suite, test, field.key):
            return None  # `if is_staff: rows = StaffAttendance.objects...`: which rows
    func = ctx.enclosing(test, ("funcdef", "lambdef", "classdef"))
    if func is not None and func.type == "funcdef" and _guarded(fields, func, test):
        return None
    return field, func


def _about_records(suite, test, key: str) -> bool:
    """Whether the branch works on records of the kind the field names (a model
    whose name holds the word, a keyword argument named with it: `staff=`,
    `is_staff=True`): the field then chooses rows, not who the caller is."""
    about = set(_words(key)) - NOT_ABOUT
    for leaf in sx.walk(test):
        if leaf.type == "string":
            about |= PRIVILEGED_VALUES.intersection(_words(sx.string_value(leaf) or ""))
    if not about:
        return False
    for leaf in sx.walk(suite):
        if leaf.type != "name" or not about.intersection(_words(leaf.value)):
            continue
        nxt = leaf.get_next_leaf()
        parent = leaf.parent
        if parent.type == "argument" and parent.children[0] is leaf and nxt.value == "=":
            return True  # `.filter(staff=...)`, `.create(is_staff=True)`
        if leaf.value[:1].isupper() and nxt is not None and nxt.value == ".":
            after = nxt.get_next_leaf()
            if after is not None and after.value in ("objects", "query"):
                return True  # `StaffAttendance.objects`, `Admin.query`
    return False


def _decisions(fields: ClientFields, node, positive: bool, depth: int) -> list:
    """(field, whether the test holding for this operand claims the privilege)
    for each operand of ``node`` that decides from a privileged field the client
    sent; [] when the server's own check is required beside it."""
    node = sx.unparen(node)
    t = node.type
    if depth > 3:
        return []
    if t == "not_test":
        return _decisions(fields, node.children[1], not positive, depth)
    if t == "namedexpr_test":  # `if admin := request.GET.get("admin"):`
        return _decisions(fields, node.children[2], positive, depth)
    if t in ("and_test", "or_test"):
        operands = node.children[::2]
        out = [d for o in operands for d in _decisions(fields, o, positive, depth)]
        both = (t == "and_test") == positive  # `a and b`, `not (a or b)`: both must hold
        if out and both:
            for o in operands:
                if SERVER_CHECK.search(sx.code(o)) and not _decisions(fields, o, True, depth):
                    return []  # the signed-in user is checked too
        return out
    if t == "comparison" and len(node.children) == 3:
        left, op, right = node.children
        opc = " ".join(sx.code(op).split())
        for side, other, first in ((left, right, True), (right, left, False)):
            field = fields.field(side)
            kind = _field_kind(field.key) if field is not None else None
            if kind is None:
                continue
            claims = _compared(kind, opc, other, first)
            return [] if claims is None else [(field, claims == positive)]
        return []
    field = fields.field(node)
    if field is not None:
        return [(field, positive)] if _field_kind(field.key) == "flag" else []
    if t == "name":
        # `is_admin = request.GET.get("admin") == "1"` above: the condition it holds
        value = fields.assigned(node)
        if value is not None and sx.unparen(value).type in (
            "comparison",
            "not_test",
            "and_test",
            "or_test",
        ):
            return _decisions(fields, value, positive, depth + 1)
    return []


def _kinds(suite, names: set[str]) -> set[str]:
    """What the statements of a branch do: "record" (log, message, form error),
    "deny" (raise, abort, an error answer), "narrow" (filter a query further),
    "store" (set a field, save; re-set the value tested) or "other"."""
    out: set[str] = set()
    stmts = suite.children if suite.type == "suite" else [suite]
    for stmt in stmts:
        if stmt.type in ("newline", "operator", "keyword"):
            continue
        if stmt.type == "simple_stmt":
            for small in stmt.children:
                if small.type not in ("newline", "operator"):
                    out.add(_kind(small, names))
        elif stmt.type in ("if_stmt", "for_stmt", "while_stmt", "with_stmt", "try_stmt"):
            for c in stmt.children:
                if c.type in ("suite", "simple_stmt"):
                    out |= _kinds(c, names)
        else:
            out.add("other")
    return out


def _kind(stmt, names: set[str]) -> str:
    t = stmt.type
    if t in ("pass_stmt", "string", "strings") or (t == "keyword" and stmt.value == "pass"):
        return "record"
    if t == "raise_stmt":
        return "deny"
    if t == "return_stmt":
        value = stmt.children[1] if len(stmt.children) > 1 else None
        if value is None or _literal(value) in ("false", "none"):
            return "deny"
        if DENIAL.search(sx.code(value)):
            return "deny"
        if value.type in ("atom_expr", "power") and any(
            c.method in NARROWING for c in sx.calls_in(value)
        ):
            return "narrow"  # `return qs.filter(groups__name="admin")` in get_queryset
        return "other"
    if t in ("atom_expr", "power"):
        callee = _callee(sx.parts(stmt))
        if callee and RECORDS.match(callee):
            return "record"
        method = callee.rsplit(".", 1)[-1] if callee else None
        if method == "abort":
            return "deny"
        if callee and re.search(r"(filter|condition|clause|where)s?\.(append|extend)$", callee):
            return "narrow"
        if method in STORING and "." in (callee or ""):
            return "store"  # `user.save()`, `user.groups.add(admins)`
        return "other"
    if t == "expr_stmt" and len(stmt.children) == 3 and sx.code(stmt.children[1]) == "=":
        target, value = stmt.children[0], stmt.children[2]
        if target.type == "name" and target.value in names:
            return "store"  # `role = "member"`: the value tested, re-set
        calls = sx.calls_in(value) if value.type in ("atom_expr", "power") else []
        if any(c.method in NARROWING for c in calls):
            return "narrow"  # `qs = qs.filter(is_staff=True)`
        if target.type in ("atom_expr", "power") and not calls:
            return "store"  # `user.is_staff = True`, `filters["is_staff"] = True`
        return "other"
    return "other"


def _callee(ps) -> str | None:
    """The dotted callee of a chain that ends in a call: ``log.info(...)``."""
    if not sx.is_call_trailer(ps[-1]) or ps[0].type != "name":
        return None
    names = [ps[0].value]
    for t in ps[1:-1]:
        if not sx.is_attr_trailer(t):
            return None
        names.append(t.children[1].value)
    return ".".join(names)


def _guarded(fields: ClientFields, funcdef, test) -> bool:
    """Whether the function, its decorators or its class require a privileged
    signed-in user besides the client's claim (the claim then only chooses
    among what such a user may do)."""
    if ROLE_DEPENDENCY.search(sx.code(funcdef.children[2])):
        return True  # `user: SuperuserDep`, `Depends(get_current_active_superuser)`
    for node in sx.walk(funcdef.children[-1]):
        if node.type not in ("atom_expr", "power") or _inside(node, test):
            continue
        parent = node.parent
        if parent.type == "expr_stmt" and parent.children[0] is node:
            continue  # `user.is_staff = True`: set, not checked
        if SERVER_CHECK.search(sx.code(node)) and fields.field(node) is None:
            return True  # `request.user.is_staff`, `membership.role`, `is_admin()`
    for dec in sx.function_decorators(funcdef):
        name = sx.decorator_name(dec) or ""
        if name.endswith("permission_classes"):  # DRF: what the classes are decides
            if ROLE_WORDS.search(sx.code(dec)[len(name) + 1 :]):
                return True
        elif ROLE_DEPENDENCY.search(sx.code(dec)):
            return True  # `@router.get(..., dependencies=[Depends(get_current_superuser)])`
        elif name.rsplit(".", 1)[-1] not in ROUTE_VERBS and ROLE_GUARD_DECORATOR.search(
            name.rsplit(".", 1)[-1]
        ):
            return True  # `@staff_member_required`, `@auth.admin_required` (not `@admin.get`)
    parent = _class_of(funcdef)
    if parent is None:
        return False
    if len(parent.children) > 3 and parent.children[2].value == "(":
        if ROLE_MIXINS.search(sx.code(parent.children[3])):
            return True
    suite = parent.children[-1]
    for stmt in suite.children if suite.type == "suite" else ():
        expr = stmt.children[0] if stmt.type == "simple_stmt" else None
        if expr is None or expr.type != "expr_stmt" or expr.children[0].type != "name":
            continue
        attr = expr.children[0].value
        if attr == "permission_classes":
            if ROLE_WORDS.search(sx.code(expr.children[-1])):
                return True
        elif "permission" in attr or "role" in attr:
            return True  # `permission_required = "app.change_x"`, `required_roles`
    return False


def _class_of(funcdef):
    """The class a method is defined in (decorated or not), else None."""
    owner = sx.enclosing(funcdef, ("classdef", "funcdef", "lambdef"))
    return owner if owner is not None and owner.type == "classdef" else None


def _inside(node, ancestor) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


def _judged(ctx: Context, test, field, func):
    site = ctx.site(test)
    facts = ctx.facts
    line = func.children[1].start_pos[0] if func is not None else None
    cls = _class_of(func) if func is not None else None
    cls_line = cls.children[1].start_pos[0] if cls is not None else None
    claim = "true" if _field_kind(field.key) == "flag" else "an admin role"
    message = (
        f"a privilege is decided by {field.shown}, which the client sends: anyone can "
        f"set `{field.key}` to {claim} and be treated as privileged; decide from the "
        "signed-in user on the server (`request.user.is_staff`, a permission, a role "
        "stored with the account)"
    )

    def judge(index, site=site, line=line, cls_line=cls_line, message=message):
        for ep in index.endpoints_in(facts):
            if ep.line == line or (cls_line is not None and ep.line == cls_line):
                guard = ep.auth_by.split(":", 1)[-1]
                if ep.auth == "required" and ROLE_WORDS.search(guard):
                    return  # only privileged callers reach the handler
        yield make_finding("AUTH005", site, message)

    yield ctx.defer(ENDPOINT_READS, judge, [site])
