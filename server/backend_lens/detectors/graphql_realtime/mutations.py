"""GQL003: a GraphQL mutation that changes data and never looks at who is calling.

Mutations are found as each library declares them: graphene's ``Mutation`` and
``ClientIDMutation`` subclasses (their ``mutate`` / ``mutate_and_get_payload``),
graphene-django's form and serializer mutations and graphene-django-cud's model
mutations (the class), strawberry's ``@strawberry.mutation`` resolvers and
strawberry-django's generated ``mutations.create/update/delete`` fields, and
ariadne's ``@mutation.field("name")`` resolvers.

What is decided at once, from the file: whether the resolver or its class reads
the caller's identity (``info.context.user``, ``is_authenticated``,
``has_perm``), is decorated or declared with a permission (``login_required``,
``permission_classes=[...]``, ``Meta.permissions``), hands ``info`` or the
request to a helper that may check, calls ``super()``'s resolver, writes nothing,
or is a sign-in, sign-up or token mutation. The judgement made against the index
follows the graphene class's project base classes (a base may add the check in a
hook, a ``Field()`` override or a helper the resolver calls; one the index cannot
place keeps the rule quiet), and stays quiet when every GraphQL endpoint the
inventory finds requires a signed-in user or the ``GRAPHENE`` setting installs a
middleware that speaks of permissions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...facts.index import ENDPOINT_READS
from ...source import syntax as sx
from .._endpoints import CALLED_BY_SERVICES, CREDENTIAL_WORDS
from ..base import Context, Site, detector, make_finding
from ._common import SECTION, class_bases, class_methods
from ._graphql import (
    IMPORTED_MUTATION_NAMES,
    STRAWBERRY_PACKAGES,
    ariadne_field,
    ariadne_set_fields,
    ariadne_types,
    class_field_calls,
    decorator_call,
    decorators,
    module_functions,
    name_parts,
    params,
    qualified_decorators,
    resolver_argument,
    schema_roots,
    snake,
    strawberry_kind,
    top_level_classes,
)

GRAPHENE_RESOLVED = {  # library base -> the method a subclass writes to resolve it
    "Mutation": "mutate",
    "ClientIDMutation": "mutate_and_get_payload",
}
# library mutations that save what the client sends without a resolver of the project's
SAVING_BASES = frozenset(
    {
        "DjangoModelFormMutation",
        "SerializerMutation",
        "DjangoCreateMutation",
        "DjangoPatchMutation",
        "DjangoUpdateMutation",
        "DjangoDeleteMutation",
        "DjangoBatchCreateMutation",
        "DjangoBatchPatchMutation",
        "DjangoBatchUpdateMutation",
        "DjangoBatchDeleteMutation",
        "DjangoFilterUpdateMutation",
        "DjangoFilterDeleteMutation",
    }
)
SAVING_PACKAGES = ("graphene_django", "graphene_django_cud")
# library packages a mutation's base classes may come from without adding a check
PLAIN_LIBRARIES = ("graphene", "graphene_django", "graphene_django_cud", "graphql_relay")
PLAIN_LIBRARY_NAMES = ("builtins.", "typing.", "abc.")
# methods of a project base that run around every subclass's resolver
BASE_HOOKS = frozenset(
    {"__init_subclass_with_meta__", "__init_subclass__", "Field", "__new__", "__call__"}
)
STRAWBERRY_GENERATED = frozenset({"create", "update", "delete"})

# words of a called function, a decorator, a method or a Meta option that make it a
# check of the caller (``check_permissions``, ``login_required``, ``IsAuthenticated``)
CHECK_WORDS = frozenset(
    """
    auth authenticate authenticated authentication authorize authorise
    authorized authorised authorization authorisation perm perms permission
    permissions permitted login logged jwt staff superuser admin owner owns
    ownership access allowed require requires required check verify ensure guard
    restrict restricted credential credentials signature member membership role
    roles can policy acl forbid deny protect protected scopes identity principal
    viewer whoami privilege privileges
    """.split()
)
# with "user" in the same name: who is calling (``get_user``, ``current_user``)
USER_WORDS = frozenset({"get", "current", "request", "context", "passes", "logged", "viewer"})
IDENTITY_ATTRIBUTES = frozenset(
    {
        "is_authenticated",
        "is_anonymous",
        "is_staff",
        "is_superuser",
        "has_perm",
        "has_perms",
        "has_module_perms",
        "current_user",
    }
)
# words of a context key that holds the caller (``info.context["user"]``, ``["user_id"]``)
IDENTITY_KEY_WORDS = frozenset(
    {"user", "viewer", "auth", "token", "jwt", "identity", "claims", "principal", "account"}
)
# what holds the request: reading its ``.user`` or handing it to a helper may be a check
REQUEST_HOLDERS = ("context", "request", "info", "scope")
# library functions that take ``info`` and check nothing
INFO_ONLY_READERS = frozenset({"from_global_id", "to_global_id"})

# what a mutation that changes data calls
WRITE_METHODS = frozenset(
    """
    save delete create update bulk_create bulk_update get_or_create
    update_or_create add remove clear set commit flush merge execute executemany
    delay apply_async send send_task
    """.split()
)
WRITE_VERBS = frozenset(
    """
    create update delete remove add set save insert upsert publish unpublish
    cancel approve reject archive unarchive restore assign unassign move upload
    import mark close complete submit transfer refund charge pay place book
    reset change edit modify destroy purge invite join leave follow unfollow
    like unlike vote subscribe unsubscribe enable disable toggle bulk write
    store persist apply grant revoke send register activate deactivate block
    unblock ban lock unlock rename reorder attach detach link unlink increment
    decrement process trigger schedule enqueue post put patch commit flush
    perform do run execute confirm finalize checkout order buy purchase sell
    duplicate copy clone sync generate issue accept decline share unshare report
    flag pin unpin star unstar rate review comment reply mute unmute
    """.split()
)
# mutations that are open by nature besides sign-in and sign-up (``_endpoints``)
OPEN_WORDS = re.compile(
    r"(refresh|verify|revoke|obtain|create|delete)_?(json_web_)?tokens?|"
    r"tokens?_?(refresh|verify|revoke|create|delete)|json_web_token|jwt|"
    r"log_?out|sign_?out|social_?auth|confirm_?(email|account)|verify_?email|"
    r"activate_?account|request_?password|(user|member|account)_?creation|"
    r"accept_?invit|unsubscrib",
    re.IGNORECASE,
)


def _check_name(name: str) -> bool:
    parts = name_parts(name)
    if any(p in CHECK_WORDS for p in parts):
        return True
    return "user" in parts and any(p in USER_WORDS for p in parts)


def open_by_nature(*names: str) -> bool:
    """Signs people in, up, out or back in, handles tokens, or is called by another
    service: anonymous on purpose."""
    for name in names:
        if not name:
            continue
        w = snake(name)
        if CREDENTIAL_WORDS.search(w) or CALLED_BY_SERVICES.search(w) or OPEN_WORDS.search(w):
            return True
    return False


# -- reading a resolver --------------------------------------------------------


def _holder_text(n) -> str:
    """The code of the chain a name leaf or trailer belongs to, up to it."""
    p = n.parent
    holder = p.parent if p.type == "trailer" else p
    if holder is None or holder.type not in ("atom_expr", "power"):
        return ""
    out = []
    for c in sx.parts(holder):
        if c is p or c is n:
            break
        out.append(sx.code(c))
    return "".join(out).lower()


def _is_request_argument(node) -> bool:
    """``info``, ``info.context``, ``info.context["request"]``, ``request``,
    ``self.request``, ``context``, or a display holding one (``{"request":
    info.context}``): something that holds the caller, handed to a helper."""
    if node.type == "argument":
        return False
    text = sx.code(node).replace(" ", "")
    if text in ("info", "request", "context", "self.request", "self.context", "req"):
        return True
    if text.startswith("info.context"):
        rest = text[len("info.context") :]
        return rest in ("", ".request", '["request"]', "['request']", '.get("request")')
    if node.type == "atom" and node.children[0].value in ("{", "[", "("):
        return any(
            _is_request_argument(c)
            for n in sx.walk(node)
            if n.type in ("dictorsetmaker", "testlist_comp")
            for c in n.children
            if c.type != "operator"
        )
    return False


def reads_identity(node) -> bool:
    """Whether the code under ``node`` reads who is calling or may check it."""
    for n in sx.walk(node):
        t = n.type
        if t == "name":
            v = n.value
            if v in IDENTITY_ATTRIBUTES:
                return True
            p = n.parent
            if v == "user" and p.type == "trailer" and sx.is_attr_trailer(p):
                holder = _holder_text(n)
                if any(h in holder for h in REQUEST_HOLDERS) or holder in ("g", "flask.g"):
                    return True
            called = _called_name(n)
            in_decorator = p.type in ("decorator", "dotted_name") or (
                p.type == "trailer"
                and p.parent is not None
                and p.parent.parent is not None
                and p.parent.parent.type == "decorator"
            )
            if (called or in_decorator) and _check_name(v):
                return True
        elif t == "trailer" and n.children[0].value == "[":
            key = sx.string_value(n.children[1])
            if _identity_key(key) and any(h in _holder_text(n) for h in REQUEST_HOLDERS):
                return True
        elif t == "trailer" and sx.is_call_trailer(n):
            args = sx.call_args(n)
            holder = _holder_text(n)
            if holder.endswith(".get") and args and any(h in holder for h in REQUEST_HOLDERS):
                if _identity_key(sx.string_value(args[0].value)):
                    return True
            callee = holder.rsplit(".", 1)[-1]
            if callee in INFO_ONLY_READERS:
                continue
            if any(a.kind in ("pos", "kw") and _is_request_argument(a.value) for a in args):
                return True  # a helper that is handed the request may check the caller
    return False


def _identity_key(key: str | None) -> bool:
    return bool(key) and any(p in IDENTITY_KEY_WORDS for p in name_parts(key))


def _called_name(n) -> bool:
    """Whether the name leaf is what a call calls (``check(...)``, ``x.check(...)``)."""
    p = n.parent
    if p.type == "trailer" and sx.is_attr_trailer(p):
        holder = p.parent
        ps = sx.parts(holder) if holder.type in ("atom_expr", "power") else []
        i = next((k for k, c in enumerate(ps) if c is p), -1)
    elif p.type in ("atom_expr", "power"):
        ps = sx.parts(p)
        i = 0 if ps and ps[0] is n else -1
    else:
        return False
    return 0 <= i < len(ps) - 1 and sx.is_call_trailer(ps[i + 1])


def writes(node, own: str = "") -> bool:
    """Whether the code under ``node`` calls something that changes data (``own``:
    the mutation's class, whose payload it builds: ``CreatePost(post=post)``)."""
    for n in sx.walk(node):
        if n.type != "name" or n.value == own or not _called_name(n):
            continue
        if n.value in WRITE_METHODS or (n.value[:1] == "a" and n.value[1:] in WRITE_METHODS):
            return True  # Django's async twins too (acreate, asave, adelete)
        parts = name_parts(n.value)
        if parts and parts[0] in WRITE_VERBS:
            return True
    return False


def _calls_super_resolver(funcdef, resolver: str) -> bool:
    for n in sx.walk(funcdef.children[-1]):
        if n.type == "name" and n.value == "super" and n.parent.type in ("atom_expr", "power"):
            ps = sx.parts(n.parent)
            if len(ps) >= 3 and sx.is_attr_trailer(ps[2]) and ps[2].children[1].value == resolver:
                return True
    return False


def _self_calls(funcdef, class_name: str) -> frozenset[str]:
    """Methods the resolver calls on ``cls``, ``self``, ``super()`` or its class."""
    found = set()
    for n in sx.walk(funcdef.children[-1]):
        if n.type not in ("atom_expr", "power"):
            continue
        ps = sx.parts(n)
        if len(ps) < 3 or ps[0].type != "name":
            continue
        k = 1
        if ps[0].value == "super" and sx.is_call_trailer(ps[1]):
            k = 2
        elif ps[0].value not in ("cls", "self", class_name):
            continue
        if k + 1 < len(ps) and sx.is_attr_trailer(ps[k]) and sx.is_call_trailer(ps[k + 1]):
            found.add(ps[k].children[1].value)
    return frozenset(found)


def _meta_values(cls, names) -> list[str]:
    """The code of ``class Meta: <name> = ...`` for each of ``names`` present."""
    out = []
    for stmt in getattr(cls.children[-1], "children", ()):
        if stmt.type == "classdef" and stmt.children[1].value == "Meta":
            for sub in sx.walk(stmt.children[-1]):
                if sub.type == "expr_stmt" and sub.children[0].type == "name":
                    if sub.children[0].value in names:
                        out.append(sx.code(sub.children[-1]).rsplit(".", 1)[-1])
    return out


def _meta_checks(cls) -> bool:
    """``class Meta: permissions = (...)`` / ``login_required = True`` inside the class,
    or a class attribute ``permission_classes = [...]``."""
    for stmt in getattr(cls.children[-1], "children", ()):
        if stmt.type == "classdef" and stmt.children[1].value == "Meta":
            for sub in sx.walk(stmt.children[-1]):
                if sub.type == "expr_stmt" and sub.children[0].type == "name":
                    if _check_name(sub.children[0].value):
                        return True
        elif stmt.type == "simple_stmt" and stmt.children[0].type == "expr_stmt":
            target = stmt.children[0].children[0]
            if target.type == "name" and _check_name(target.value):
                return True
    return False


# -- candidates ----------------------------------------------------------------


@dataclass(frozen=True)
class _Graphene:
    """A graphene mutation class of this file, judged against its bases."""

    name: str
    pos: tuple[int, int]
    site: Site
    message: str
    calls: frozenset[str]  # methods its resolver calls on cls/self/super()
    saving: bool  # judged as a library mutation that saves (no resolver of its own)


@dataclass(frozen=True)
class _Local:
    """What a class of this file adds that may check the caller."""

    checks: bool  # its body reads the identity, or it has hooks or permission options


@detector("GQL003", section=SECTION, scope="file")
def mutation_without_authorization(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    imported = {m.split(".", 1)[0] for m in ctx.facts.imported_modules}
    classes = top_level_classes(ctx)
    graphene: list[_Graphene] = []
    plain: list[tuple[Site, str]] = []  # strawberry and ariadne: judged without bases
    if classes:
        graphene = list(_graphene_candidates(ctx, classes))
    if imported & set(STRAWBERRY_PACKAGES):
        plain.extend(_strawberry_candidates(ctx, classes))
    if "ariadne" in imported or IMPORTED_MUTATION_NAMES & set(ctx.facts.imports):
        plain.extend(_ariadne_candidates(ctx))
    if not graphene and not plain:
        return
    local = {
        c.children[1].value: _Local(
            reads_identity(c.children[-1])
            or _meta_checks(c)
            or any(_check_name(q) for q, _ in qualified_decorators(ctx, c))
            or bool(BASE_HOOKS & set(class_methods(c)))
        )
        for c in classes
    }
    facts, path = ctx.facts, ctx.path
    sites = [g.site for g in graphene] + [s for s, _ in plain]

    def judge(index, graphene=graphene, plain=plain, local=local, facts=facts, path=path):
        if _graphql_served_signed_in(index):
            return
        for site, message in plain:
            yield make_finding("GQL003", site, message)
        if graphene and _graphene_middleware_checks(index, facts):
            return
        for g in graphene:
            if _graphene_unguarded(index, facts, path, g, local):
                yield make_finding("GQL003", g.site, g.message)

    yield ctx.defer(ENDPOINT_READS, judge, sites)


def _graphene_candidates(ctx: Context, classes):
    for cls in classes:
        bases = class_bases(cls)
        if not bases:
            continue
        name = cls.children[1].value
        written = [sx.dotted(b) for b in bases]
        qualified = [ctx.qualify(w) or w for w in written if w]
        library = [q for q in qualified if q.split(".")[0] in ("graphene", *SAVING_PACKAGES)]
        saving = any(q.rsplit(".", 1)[-1] in SAVING_BASES for q in library)
        methods = class_methods(cls)
        resolver = None
        for method in ("mutate", "mutate_and_get_payload"):
            f = methods.get(method)
            if f is not None and any("info" in p.lower() for p in params(f)):
                resolver = f
                break
        if resolver is None and not saving:
            continue
        if resolver is None and len(library) < len(bases):
            continue  # a project base may define the resolver: judged there
        if open_by_nature(name, *_meta_values(cls, ("form_class", "serializer_class"))):
            continue
        if reads_identity(cls.children[-1]) or _meta_checks(cls):
            continue
        if any(_check_name(q) for q, _ in qualified_decorators(ctx, cls)):
            continue
        if resolver is not None:
            rname = resolver.children[1].value
            if _calls_super_resolver(resolver, rname):
                continue  # the base's resolver runs (and is judged where it is written)
            if not writes(cls.children[-1], name):
                continue
            site = ctx.site(resolver.children[1])
            message = (
                f"mutation `{name}` changes data in `{rname}()` without checking who is "
                "calling: nothing reads info.context.user or a permission, and no "
                "decorator, base class or Meta option guards it, so anyone who can reach "
                "the GraphQL endpoint can run it"
            )
            calls = _self_calls(resolver, name)
        else:
            base = next(q for q in library if q.rsplit(".", 1)[-1] in SAVING_BASES)
            site = ctx.site(cls.children[1])
            message = (
                f"mutation `{name}` ({base.rsplit('.', 1)[-1]}) saves what any caller "
                "sends: no permission option, check_permissions or get_form_kwargs looks at "
                "info.context.user, so anyone who can reach the GraphQL endpoint can change "
                "these records"
            )
            calls = frozenset()
        yield _Graphene(name, cls.children[1].start_pos, site, message, calls, resolver is None)


def _strawberry_candidates(ctx: Context, classes):
    roots = schema_roots(ctx)
    # ``@strawberry.mutation`` on a module function, placed in a type elsewhere
    for fname, f in module_functions(ctx).items():
        for q, d in qualified_decorators(ctx, f):
            if strawberry_kind(q) == "mutation":
                trailer = decorator_call(d)
                args = sx.call_args(trailer) if trailer is not None else []
                found = _strawberry_resolver(ctx, f, fname, args)
                if found is not None:
                    yield found
                break
    for cls in classes:
        name = cls.children[1].value
        quals = [strawberry_kind(q) for q, _ in qualified_decorators(ctx, cls)]
        if "type" not in quals:
            continue
        mutation_type = name.endswith(("Mutation", "Mutations")) or (
            name in roots and "Mutation" in name
        )
        for mname, f in class_methods(cls).items():
            for q, d in qualified_decorators(ctx, f):
                kind = strawberry_kind(q)
                if kind == "mutation" or (kind == "field" and mutation_type):
                    trailer = decorator_call(d)
                    args = sx.call_args(trailer) if trailer is not None else []
                    found = _strawberry_resolver(ctx, f, mname, args)
                    if found is not None:
                        yield found
                    break
        for field, call in class_field_calls(ctx, cls):
            q = ctx.qualify(call.callee) or ""
            kind = strawberry_kind(q)
            args = call.args
            if kind == "mutation" or (kind == "field" and mutation_type):
                resolver = sx.kwarg(args, "resolver")
                f = resolver_argument(ctx, resolver.value) if resolver is not None else None
                if f is not None:
                    found = _strawberry_resolver(ctx, f, field, args)
                    if found is not None:
                        yield found
            elif (
                kind in STRAWBERRY_GENERATED
                and q.startswith("strawberry_django.")
                and ".mutations." in f"{q}."[len("strawberry_django") :]
                and not _guarded_by_arguments(args)
                and not open_by_nature(field)
            ):
                yield (
                    ctx.site(call.node, call.trailer),
                    f"the mutation `{field}` is strawberry-django's generated `{kind}` with no "
                    "extensions=[IsAuthenticated()] or HasPerm(...): anyone who can reach the "
                    "GraphQL endpoint can change these records",
                )


def _guarded_by_arguments(args) -> bool:
    """``permission_classes=[...]`` / ``extensions=[...]`` that is not empty."""
    for a in args:
        if a.kind in ("dstar", "invalid"):
            return True
        if a.kind == "kw" and a.name in ("permission_classes", "extensions", "directives"):
            v = a.value
            if not (v.type == "atom" and len(v.children) == 2):  # [] or ()
                return True
    return False


def _strawberry_resolver(ctx: Context, f, field: str, args):
    if _guarded_by_arguments(args) or open_by_nature(field, f.children[1].value):
        return None
    if _unguarded_function(f):
        return (
            ctx.site(f.children[1]),
            f"the mutation `{field}` changes data without checking who is calling: it has no "
            "permission_classes or PermissionExtension and nothing reads "
            "info.context.request.user, so anyone who can reach the GraphQL endpoint can run it",
        )
    return None


def _unguarded_function(f) -> bool:
    """Whether a resolver function writes and nothing in it or on it checks the caller."""
    if any(_check_name(sx.decorator_name(d) or "") for d in decorators(f)):
        return False
    if reads_identity(f.children[-1]):
        return False
    return writes(f.children[-1])


def _ariadne_candidates(ctx: Context):
    types = ariadne_types(ctx)
    if not any(kind == "Mutation" for kind, root in types.values() if root):
        return
    set_fields = ariadne_set_fields(ctx)
    for f in module_functions(ctx).values():
        found = ariadne_field(ctx, f)
        bound = [found] if found is not None else set_fields.get(f.children[1].value, ())
        for var, field, root in bound:
            if not root or types[var][0] != "Mutation":
                continue
            if open_by_nature(field, f.children[1].value) or not _unguarded_function(f):
                break
            yield (
                ctx.site(f.children[1]),
                f"the resolver of the mutation `{field}` changes data without checking who is "
                "calling: nothing reads info.context's user or a permission and no decorator "
                "guards it, so anyone who can reach the GraphQL endpoint can run it",
            )
            break


# -- judged against the index ----------------------------------------------------


def _graphql_served_signed_in(index) -> bool:
    """Every GraphQL endpoint of the inventory requires a signed-in caller."""
    found = False
    for eps in index.endpoints().values():
        for ep in eps:
            if "graphql" not in ep.handler.lower() and "graphql" not in (ep.route or "").lower():
                continue
            if ep.auth != "required":
                return False
            found = True
    return found


def _graphene_middleware_checks(index, facts) -> bool:
    """The ``GRAPHENE`` setting installs a middleware of the project or another
    library than graphql_jwt whose name speaks of permissions or sign-in."""
    graphene = index.settings(facts).get("GRAPHENE")
    if not isinstance(graphene, dict):
        return False
    middleware = graphene.get("MIDDLEWARE")
    entries = middleware if isinstance(middleware, (list, tuple)) else [middleware]
    for entry in entries:
        text = str(entry or "")
        if text.startswith(("graphql_jwt.", "graphene_django.debug")):
            continue
        if _check_name(text.rsplit(".", 1)[-1]):
            return True
    return False


def _graphene_unguarded(index, facts, path: str, g: _Graphene, local: dict) -> bool:
    ref = index.resolve_class(facts, g.name, g.pos)
    if ref is None or isinstance(ref, str):
        return False
    libs, projs = index.ancestors(ref)
    mutation = False
    for lib in libs:
        head, _, last = lib.rpartition(".")
        if head.split(".")[0] == "graphene" and last in GRAPHENE_RESOLVED:
            mutation = True
        elif head.split(".")[0] in SAVING_PACKAGES and last in SAVING_BASES:
            mutation = True
        elif head.split(".")[0] in PLAIN_LIBRARIES or lib.startswith(PLAIN_LIBRARY_NAMES):
            continue
        else:
            return False  # a mixin of another library, or a base the index cannot place
    if not mutation:
        return False
    for base in projs:
        cls = base.cls
        if base.facts.path == path and cls.name in local:
            info = local[cls.name]
            if info.checks:
                return False  # its helpers were read with it: a check shows in its body
        else:
            if g.calls & set(cls.methods):
                return False  # a helper of the base, out of sight, may check
            if BASE_HOOKS & set(cls.methods) or any(k == "metaclass" for k, _ in cls.keywords):
                return False
            names = [*cls.methods, *(k for k, _ in cls.attrs), *(k for k, _ in cls.meta)]
            if any(_check_name(n) for n in names):
                return False
    return True
