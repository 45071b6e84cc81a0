"""The project's HTTP endpoints, linked across files from the facts of each file
(``facts/routes.py``): Django URL confs with their ``include()`` prefixes, DRF
views, viewsets and routers, Flask routes, blueprints and flask-restx /
flask-smorest resources, FastAPI routes with their routers' prefixes and
dependencies. Each endpoint says whether it requires authentication, whether
it is rate limited and (list endpoints) paginated, and what tells so.

Nothing is imported or run: what a value cannot be read from the source (a
prefix computed at run time, a view registered through a project's registry)
is left out or said to be unknown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..facts.extract import qualify
from ..facts.index import ClassRef
from ..facts.model import FileFacts
from ..facts.routes import RESOURCE_WRAPPER, ClassInfo, FunctionInfo, callee_name
from .model import Endpoint

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
ROUTE_VERBS = frozenset({*HTTP_VERBS, "route", "api_route"})
VIEWSET_ACTIONS = {
    "list": "GET",
    "retrieve": "GET",
    "create": "POST",
    "update": "PUT",
    "partial_update": "PATCH",
    "destroy": "DELETE",
}
DRF_LIBRARY_ACTIONS = {
    "ModelViewSet": ("list", "create", "retrieve", "update", "partial_update", "destroy"),
    "ReadOnlyModelViewSet": ("list", "retrieve"),
    "ListModelMixin": ("list",),
    "CreateModelMixin": ("create",),
    "RetrieveModelMixin": ("retrieve",),
    "UpdateModelMixin": ("update", "partial_update"),
    "DestroyModelMixin": ("destroy",),
}
DRF_GENERIC_METHODS = {
    "ListAPIView": ("GET",),
    "CreateAPIView": ("POST",),
    "RetrieveAPIView": ("GET",),
    "DestroyAPIView": ("DELETE",),
    "UpdateAPIView": ("PUT", "PATCH"),
    "ListCreateAPIView": ("GET", "POST"),
    "RetrieveUpdateAPIView": ("GET", "PUT", "PATCH"),
    "RetrieveDestroyAPIView": ("GET", "DELETE"),
    "RetrieveUpdateDestroyAPIView": ("GET", "PUT", "PATCH", "DELETE"),
}
DJANGO_GENERIC_METHODS = {
    "TemplateView": ("GET",),
    "ListView": ("GET",),
    "DetailView": ("GET",),
    "ArchiveIndexView": ("GET",),
    "YearArchiveView": ("GET",),
    "MonthArchiveView": ("GET",),
    "DayArchiveView": ("GET",),
    "FormView": ("GET", "POST"),
    "CreateView": ("GET", "POST"),
    "UpdateView": ("GET", "POST"),
    "DeleteView": ("GET", "POST"),
    "LoginView": ("GET", "POST"),
    "LogoutView": ("POST",),
    "PasswordChangeView": ("GET", "POST"),
}
DJANGO_METHOD_DECORATORS = {
    "require_GET": ("GET",),
    "require_POST": ("POST",),
    "require_safe": ("GET", "HEAD"),
}
DJANGO_AUTH_MIXINS = {
    "LoginRequiredMixin",
    "PermissionRequiredMixin",
    "UserPassesTestMixin",
    "AccessMixin",
    "StaffuserRequiredMixin",
    "SuperuserRequiredMixin",
}
# decorators (last name) that grant authentication wherever they come from
KNOWN_AUTH_DECORATORS = {
    "login_required",
    "permission_required",
    "user_passes_test",
    "staff_member_required",
    "superuser_required",
    "jwt_required",
    "fresh_jwt_required",
    "fresh_login_required",
    "auth_required",
    "roles_required",
    "roles_accepted",
    "permissions_required",
    "permissions_accepted",
    "auth_token_required",
    "http_auth_required",
    "token_required",
    "verify_jwt_in_request",
}
KNOWN_THROTTLE_DECORATORS = {"ratelimit", "rate_limit", "throttle"}
AUTH_NAME = re.compile(
    r"login|auth|permission|perms?_|_perms?\b|admin|staff|superuser|registered|jwt|token|"
    r"roles?_required|scopes?|current_(active_)?(super)?user|logged_in|api_?key|oauth|bearer|"
    r"credential|signed_in|members?_only|users?_only|verify_(user|access)",
    re.IGNORECASE,
)
REGISTERS_VIEW = re.compile(r"^register\w*_view$", re.IGNORECASE)
HOOK_REQUIRES = re.compile(
    r"(require|ensure|check|verify|enforce)_?(login|logged_in|auth|admin|staff|user|perm)|"
    r"login_required|auth_required|(admins?|staff|users?|members?)_only",
    re.IGNORECASE,
)
NOT_AUTH_NAME = re.compile(r"not_required|optional|exempt|public|allow_?any", re.IGNORECASE)
THROTTLE_NAME = re.compile(r"rate_?limit|throttl|limiter", re.IGNORECASE)
USER_CHECK = re.compile(
    r"is_authenticated|is_anonymous|current_user|authed|is_admin|has_perms?|is_staff|"
    r"is_superuser|get_current_user|verify|jwt|token|session|credential|api_?key|"
    r"authenticate|^user$|auth",
    re.IGNORECASE,
)
DENY = re.compile(
    r"^(abort|401|403|str:login|redirect|redirect_to_login|handle_no_permission|"
    r"HTTPException|PermissionDenied|Forbidden|Unauthorized|NotAuthenticated|"
    r"AuthenticationFailed|HTTP_401_UNAUTHORIZED|HTTP_403_FORBIDDEN|"
    r"InvalidCredentialException|\w*(Forbidden|Unauthori[sz]ed|Denied)\w*)$"
)
THROTTLE_BODY = re.compile(r"^(429|str:too_many|cache|incr|limit|ratelimit|throttle\w*)$")
FASTAPI_SECURITY = re.compile(
    r"^fastapi\.security\.|^fastapi\.Security$|OAuth2|HTTPBearer|HTTPBasic|HTTPDigest|APIKey|"
    r"OpenIdConnect",
)


# (top-level package, class) -> what an object made from it is
APP_KINDS = {
    ("fastapi", "FastAPI"): "fastapi-app",
    ("fastapi", "APIRouter"): "fastapi-router",
    ("flask", "Flask"): "flask-app",
    ("flask", "Blueprint"): "flask-bp",
    **{(r, "Api"): "restx-api" for r in ("flask_restx", "flask_restplus", "flask_restful")},
    **{(r, "Namespace"): "restx-ns" for r in ("flask_restx", "flask_restplus", "flask_restful")},
    ("flask_smorest", "Api"): "smorest-api",
    ("flask_smorest", "Blueprint"): "flask-bp",
    ("starlette", "Starlette"): "fastapi-app",
    ("starlette", "Router"): "fastapi-app",
}


@dataclass
class Chain:
    """What the objects above a route add: its prefix, FastAPI dependencies,
    Flask before_request hooks, rate limits applied to all of them."""

    prefix: str = ""
    deps: tuple = ()  # (facts, encoded Depends call)
    hooks: tuple = ()  # (facts, FunctionInfo) before_request functions


@dataclass
class Obj:
    key: tuple[str, str]  # (file path, name); ("?", framework) for an app we cannot name
    kind: str  # fastapi-app, fastapi-router, flask-app, flask-bp, restx-api, restx-ns, ...
    facts: FileFacts | None
    own_prefix: str = ""
    deps: tuple = ()
    parents: list = field(default_factory=list)  # (parent key, edge prefix or None, deps)
    hooks: list = field(default_factory=list)
    default_limits: str = ""
    dev_only: bool = False  # mounted only under a development guard


def collect_endpoints(project) -> list[Endpoint]:
    """Every endpoint of the project, sorted by (path, line, route) (the index keeps
    them until what they are read from changes)."""
    return [ep for eps in project.index.endpoints().values() for ep in eps]


def endpoints_of_index(index) -> list[Endpoint]:
    """Every endpoint of the project whose facts ``index`` holds (paths by ``index.rel``)."""
    return _Collector(index).run()


class _Collector:
    def __init__(self, project_or_index) -> None:
        # a Project (its index and paths) or a ProjectIndex (paths by index.rel)
        self.index = getattr(project_or_index, "index", project_or_index)
        self._rel = getattr(project_or_index, "rel", None) or self.index.rel
        self.files: list[FileFacts] = [
            f for f in self.index.files.values() if not f.is_test and not f.is_migration
        ]
        self.out: dict[tuple, Endpoint] = {}
        self._defs: dict[str, dict[str, tuple]] = {}
        self._resolved: dict[tuple[str, str], tuple | None] = {}
        self._objects: dict[tuple[str, str], Obj] = {}
        self._chains: dict[tuple[str, str], list[Chain]] = {}
        self._judged: dict[tuple, str | None] = {}
        self._settings: dict | None = None
        self._routers_used: set[tuple[str, str]] = set()
        self._reached_api_views: set[tuple[str, int]] = set()
        self._suffixes: dict[str, FileFacts | None] | None = None

    # -- symbols ------------------------------------------------------------
    def defs(self, facts: FileFacts) -> dict[str, tuple]:
        """Names a module defines: ("assign", value, line) / ("function", info) / ("class", info)."""
        found = self._defs.get(facts.path)
        if found is None:
            found = {}
            rf = facts.route_facts
            for name, value, line in rf.assigns:
                found[name] = ("assign", value, line)
            for info in rf.functions:
                found.setdefault(info.name, ("function", info))
                if found[info.name][0] == "assign":
                    found[info.name] = ("function", info)
            for cinfo in rf.classes:
                found[cinfo.name] = ("class", cinfo)
            self._defs[facts.path] = found
        return found

    def resolve(self, facts: FileFacts, written: str, depth: int = 0):
        """What ``written`` (a dotted name in ``facts``'s file) names in the project:
        (facts, name or "", what, rest) where what is a defs() entry or ("module",),
        and rest the attribute path left ("urls" of ``router.urls``); None if it is
        not the project's."""
        key = (facts.path, written)
        if key in self._resolved:
            return self._resolved[key]
        self._resolved[key] = None  # cycle guard
        found = self._resolve(facts, written, depth)
        self._resolved[key] = found
        return found

    def _resolve(self, facts: FileFacts, written: str, depth: int):
        if depth > 6 or not written:
            return None
        head, _, rest = written.partition(".")
        local = self.defs(facts)
        if head in local and head not in facts.imports:
            return (facts, head, local[head], rest)
        if head not in facts.imports:
            return None
        q = facts.imports[head] + (f".{rest}" if rest else "")
        return self.resolve_qualified(q, depth + 1)

    def resolve_qualified(self, q: str, depth: int = 0):
        parts = q.split(".")
        for i in range(len(parts), 0, -1):
            mod = self.module_file(".".join(parts[:i]))
            if mod is None:
                continue
            remaining = parts[i:]
            if not remaining:
                return (mod, "", ("module",), "")
            name = remaining[0]
            rest = ".".join(remaining[1:])
            local = self.defs(mod)
            if name in local and name not in mod.imports:
                return (mod, name, local[name], rest)
            if name in mod.imports:
                return self.resolve(mod, ".".join(remaining), depth + 1)
            # a submodule of a package not imported in its __init__
            sub = self.index.module(".".join(parts[: i + 1]))
            if sub is not None:
                continue
            return None
        return None

    def module_file(self, dotted: str) -> FileFacts | None:
        """The project file a module name means: through the index, else the one
        file whose path from the root ends with it (a folder without
        ``__init__.py`` under ``src/``: a namespace package)."""
        found = self.index.module(dotted)
        if found is not None:
            return found
        if self._suffixes is None:
            by_suffix: dict[str, FileFacts | None] = {}
            for f in self.index.files.values():
                parts = f.module.split(".")
                for i in range(1, len(parts)):
                    suffix = ".".join(parts[i:])
                    by_suffix[suffix] = None if suffix in by_suffix else f
            self._suffixes = by_suffix
        return self._suffixes.get(dotted)

    def class_ref(self, facts: FileFacts, written: str) -> ClassRef | None:
        target = self.index.resolve_class(facts, written, None)
        return target if isinstance(target, ClassRef) else None

    def class_info(self, ref: ClassRef) -> ClassInfo | None:
        entry = self.defs(ref.facts).get(ref.cls.name)
        return entry[1] if entry and entry[0] == "class" else None

    def lib_names(self, facts: FileFacts, callee: str) -> list[str]:
        """Qualified library names a called class is or derives from."""
        target = self.index.resolve_class(facts, callee, None)
        if isinstance(target, ClassRef):
            libs, _ = self.index.ancestors(target)
            return list(libs)
        if isinstance(target, str):
            return [target]
        return [qualify(callee, facts.imports, facts.module) or callee]

    def string(self, facts: FileFacts, value) -> str | None:
        """A string value: a literal, a constant, or a settings attribute that the
        project states literally (``settings.API_V1_STR``)."""
        if not isinstance(value, tuple):
            return None
        if value[0] == "s":
            return value[1]
        if value[0] == "+":
            a, b = self.string(facts, value[1]), self.string(facts, value[2])
            return a + b if a is not None and b is not None else None
        if value[0] == "n":
            found = self.resolve(facts, value[1])
            if found is not None and found[2][0] == "assign" and not found[3]:
                v = found[2][1]
                if v[0] == "s":
                    return v[1]
            # settings.NAME / config.NAME: one literal class attribute or setting of that name
            attr = value[1].rsplit(".", 1)[-1]
            if "." in value[1] and attr.isupper():
                return self.constant(attr)
        if value[0] == "c" and value[2] and value[2][0][0] == "s":
            # a project function that scopes a rule (redash's `org_scoped_rule("/invite/<token>")`):
            # the rule as written, without what the function may put in front of it
            name = callee_name(value)
            found = self.resolve(facts, name) if name else None
            if found is not None and found[2][0] == "function":
                return value[2][0][1]
        return None

    def constant(self, name: str) -> str | None:
        if self._settings is None:
            self._settings = {}
            seen: dict[str, set[str]] = {}
            for f in self.files:
                for n, v, _ in f.route_facts.assigns:
                    if n.isupper() and v[0] == "s":
                        seen.setdefault(n, set()).add(v[1])
                for c in f.classes:
                    for n, code in c.attrs:
                        if n.isupper():
                            m = re.fullmatch(r"""(?:\w+\s*=\s*)?(['"])([^'"]*)\1""", code.strip())
                            if m is None:
                                m = re.fullmatch(r"""\w+\s*=\s*(['"])([^'"]*)\1""", code.strip())
                            if m is not None:
                                seen.setdefault(n, set()).add(m.group(2))
            self._settings = {n: next(iter(v)) for n, v in seen.items() if len(v) == 1}
        return self._settings.get(name)

    # -- run ----------------------------------------------------------------
    def run(self) -> list[Endpoint]:
        if not self.files:
            return []
        self.uses_drf = self.index.uses("rest_framework")
        self._project_mechanisms()
        self._django()
        self._apps()
        return sorted(self.out.values(), key=lambda e: (e.path, e.line, e.route, e.methods))

    def emit(self, framework, methods, route, path, line, handler, effects) -> None:
        """One endpoint; ``effects`` is (auth, auth_by, throttled, throttled_by)."""
        auth, auth_by, throttled, throttled_by = effects
        self.add(
            Endpoint(
                framework,
                methods,
                route,
                path,
                line,
                handler,
                auth,
                auth_by,
                throttled,
                throttled_by,
            )
        )

    def add(self, ep: Endpoint) -> None:
        key = (ep.path, ep.line, ep.route, ep.methods, ep.handler)
        self.out.setdefault(key, ep)

    def rel(self, facts: FileFacts) -> str:
        return self._rel(facts.path)

    # -- what the project has --------------------------------------------
    def _project_mechanisms(self) -> None:
        settings = self.index.settings()
        mw = settings.get("MIDDLEWARE")
        self.middleware = [m for m in mw if isinstance(m, str)] if isinstance(mw, list) else []
        self.login_middleware = next(
            (m for m in self.middleware if m.endswith("LoginRequiredMiddleware")), ""
        )
        decorator_names: set[str] = set()
        for f in self.files:
            for info in f.route_facts.functions:
                for d in info.decorators:
                    n = _dec_name(d)
                    if n:
                        decorator_names.add(n.rsplit(".", 1)[-1])
            for c in f.route_facts.classes:
                for m in c.methods:
                    for d in m.decorators:
                        n = _dec_name(d)
                        if n:
                            decorator_names.add(n.rsplit(".", 1)[-1])
        self.decorator_names = decorator_names
        # rate limiting that no endpoint can be tied to: a middleware, a function
        # called from the code (not used as a decorator): then "cannot tell", not "no"
        unattributed = [m for m in self.middleware if THROTTLE_NAME.search(m)]
        for f in self.files:
            for info in f.route_facts.functions:
                if (
                    THROTTLE_NAME.search(info.name)
                    and info.name not in decorator_names
                    and any(THROTTLE_BODY.match(t) for t in info.tokens)
                ):
                    unattributed.append(f"{f.module}.{info.name}")
        self.unattributed_throttling = unattributed

    # -- judging a decorator / dependency -----------------------------------
    def decorator_effects(self, facts: FileFacts, value) -> tuple[str, str]:
        """(auth, throttle) a decorator grants: "" or the words to show."""
        name = _dec_name(value)
        if not name:
            return "", ""
        key = ("dec", facts.path, name, value[0] == "c")
        if key in self._judged:
            return self._judged[key]  # type: ignore[return-value]
        self._judged[key] = ("", "")
        result = self._decorator_effects(facts, name, value)
        self._judged[key] = result  # type: ignore[assignment]
        return result

    def _decorator_effects(self, facts: FileFacts, name: str, value) -> tuple[str, str]:
        last = name.rsplit(".", 1)[-1]
        head = name.split(".")[0]
        q = qualify(name, facts.imports, facts.module) or name
        auth = throttle = ""
        if last == "method_decorator" and value[0] == "c" and value[2]:
            return self.decorator_effects(facts, value[2][0])
        # receiver objects: limiter.limit, auth.login_required (Flask-HTTPAuth)
        if "." in name:
            found = self.resolve(facts, head)
            if found is not None and found[2][0] == "assign":
                cname = callee_name(found[2][1])
                if cname:
                    libs = self.lib_names(found[0], cname)
                    if any("limiter" in b.lower() for b in libs):
                        if last in ("limit", "shared_limit"):
                            return "", f"{name}"
                        if last == "exempt":
                            return "", "-exempt"
                    if (
                        any(b.startswith("flask_httpauth") for b in libs)
                        and last == "login_required"
                    ):
                        return name, ""
        if last in KNOWN_AUTH_DECORATORS and not NOT_AUTH_NAME.search(last):
            auth = name
        if last in KNOWN_THROTTLE_DECORATORS and (
            "ratelimit" in q or "limit" in q or "throttl" in q
        ):
            throttle = name
        if last == "login_not_required":
            auth = "-login_not_required"
        found = self.resolve(facts, name)
        if found is not None and found[2][0] == "function":
            info: FunctionInfo = found[2][1]
            a, t = self.judge_project_function(found[0], info)
            auth = auth or a
            throttle = throttle or t
        elif (
            found is None and not auth and AUTH_NAME.search(last) and not NOT_AUTH_NAME.search(last)
        ):
            # a library decorator named for what it does (requires_auth, admin_required)
            if re.search(r"required|only|requires?_|protected", last):
                auth = name
        return auth, throttle

    def judge_project_function(self, facts: FileFacts, info: FunctionInfo) -> tuple[str, str]:
        """Does a project decorator check a user (and deny), or count requests?"""
        tokens = info.tokens
        wraps_known = sorted(t for t in tokens if t in KNOWN_AUTH_DECORATORS)
        auth = ""
        if wraps_known:
            auth = f"{info.name} ({wraps_known[0]})"
        elif (
            AUTH_NAME.search(info.name)
            and not NOT_AUTH_NAME.search(info.name)
            and (not tokens or (_any(USER_CHECK, tokens) and _any(DENY, tokens)))
        ):
            auth = info.name
        elif _any(USER_CHECK, tokens) and _any(DENY, tokens) and _user_check(tokens):
            auth = f"?{info.name}"  # checks a user and denies: what it requires, unclear
        throttle = ""
        if THROTTLE_NAME.search(info.name) and (
            not tokens or any(THROTTLE_BODY.match(t) for t in tokens)
        ):
            throttle = info.name
        elif any(t in ("ratelimit", "limiter") for t in tokens) and "limit" in info.name.lower():
            throttle = info.name
        return auth, throttle

    def dependency_auth(self, facts: FileFacts, value, depth: int = 0) -> tuple[str, str]:
        """(auth, throttle) of a FastAPI ``Depends(...)`` / ``Security(...)``."""
        if depth > 6 or not isinstance(value, tuple):
            return "", ""
        name = callee_name(value) or ""
        args = value[2] if value[0] == "c" else ()
        kwargs = dict(value[3]) if value[0] == "c" else {}
        target = args[0] if args else kwargs.get("dependency")
        if name.rsplit(".", 1)[-1] == "Security":
            return f"Security({_short(target)})", ""
        if target is None:
            return "", ""
        return self.callable_effects(facts, target, depth + 1)

    def callable_effects(self, facts: FileFacts, target, depth: int) -> tuple[str, str]:
        key = ("dep", facts.path, repr(target)[:200])
        if key in self._judged:
            return self._judged[key]  # type: ignore[return-value]
        self._judged[key] = ("", "")
        result = self._callable_effects(facts, target, depth)
        self._judged[key] = result  # type: ignore[assignment]
        return result

    def _callable_effects(self, facts: FileFacts, target, depth: int) -> tuple[str, str]:
        if target[0] == "c":  # Depends(PermissionsDependency([...])), Depends(RateLimiter(...))
            cname = callee_name(target) or ""
            libs = self.lib_names(facts, cname) if cname else []
            if any("ratelimit" in b.lower() or "limiter" in b.lower() for b in libs):
                return "", cname
            if any(FASTAPI_SECURITY.search(b) for b in libs):
                return cname, ""
            if cname and AUTH_NAME.search(cname.rsplit(".", 1)[-1]):
                return cname, ""
            if THROTTLE_NAME.search(cname):
                return "", cname
            return "", ""
        if target[0] != "n":
            return "", ""
        written = target[1]
        found = self.resolve(facts, written)
        if found is None:
            libs = self.lib_names(facts, written)
            if any(FASTAPI_SECURITY.search(b) for b in libs):
                return written, ""
            last = written.rsplit(".", 1)[-1]
            if AUTH_NAME.search(last) and not NOT_AUTH_NAME.search(last):
                return written, ""
            return "", ""
        ffacts, fname, what, _ = found
        if what[0] == "assign":  # oauth2_scheme = OAuth2PasswordBearer(...), checker = Role(...)
            a, t = self._callable_effects(ffacts, what[1], depth + 1)
            return (fname if a else ""), (fname if t else "")
        if what[0] == "class":
            cinfo: ClassInfo = what[1]
            if AUTH_NAME.search(cinfo.name) and not NOT_AUTH_NAME.search(cinfo.name):
                return cinfo.name, ""
            if THROTTLE_NAME.search(cinfo.name):
                return "", cinfo.name
            ref = self.class_ref(ffacts, cinfo.name)
            if ref is not None:
                libs, _ = self.index.ancestors(ref)
                if any(FASTAPI_SECURITY.search(b) for b in libs):
                    return cinfo.name, ""
            return "", ""
        if what[0] != "function":
            return "", ""
        info: FunctionInfo = what[1]
        if AUTH_NAME.search(info.name) and not NOT_AUTH_NAME.search(info.name):
            return info.name, ""
        auth = throttle = ""
        if info.tokens & {"401", "403", "HTTP_401_UNAUTHORIZED", "HTTP_403_FORBIDDEN"} and (
            "HTTPException" in info.tokens or _any(DENY, info.tokens)
        ):
            auth = f"{info.name} (denies with 401/403)"
        for dep in self.function_dependencies(ffacts, info):
            a, t = self.dependency_auth(ffacts, dep, depth + 1)
            if a and not auth:
                auth = f"{info.name} -> {a}"
            if t and not throttle:
                throttle = f"{info.name} -> {t}"
        if not throttle and THROTTLE_NAME.search(info.name):
            throttle = info.name
        return auth, throttle

    def function_dependencies(self, facts: FileFacts, info: FunctionInfo) -> list:
        deps = list(info.depends)
        for ann in info.annotations:
            found = self.resolve(facts, ann)
            if found is not None and found[2][0] == "assign":
                deps.extend(d for d in _depends_in(found[2][1]))
        return deps

    # -- Django -------------------------------------------------------------
    def _django(self) -> None:
        confs = [
            f
            for f in self.files
            if any(n == "urlpatterns" for n, _, _ in f.route_facts.assigns)
            or any(n == "urlpatterns" for n, _, _ in f.route_facts.extends)
        ]
        if not confs:
            if self.uses_drf:
                self._unrouted_drf()
            return
        roots: list[FileFacts] = []
        for f in self.files:
            if not f.is_settings and not f.path.endswith("settings.py"):
                continue
            for n, v, _ in f.route_facts.assigns:
                if n == "ROOT_URLCONF" and v[0] == "s":
                    m = self.module_file(v[1])
                    if m is not None and m not in roots:
                        roots.append(m)
        included: set[str] = set()
        for f in confs:
            for ref in _includes(f):
                if ref[0] == "s":
                    m = self.module_file(ref[1])
                else:
                    found = self.resolve(f, ref[1])
                    m = found[0] if found is not None and found[2][0] == "module" else None
                if m is not None:
                    included.add(m.path)
        for f in confs:
            if f.path not in included and f not in roots:
                roots.append(f)
        for root in roots:
            self.walk_conf(root, "", (), 0)
        if self.uses_drf:
            self._unrouted_drf()
        self._registered_views()

    def _registered_views(self) -> None:
        """Views a project registers through its own decorator (netbox's
        ``@register_model_view``) and wires into URL confs at run time: they are
        endpoints whose route cannot be read, listed with route ""."""
        listed = {(e.path, e.line) for e in self.out.values()}
        for f in self.files:
            for cinfo in f.route_facts.classes:
                if not any(
                    REGISTERS_VIEW.search((_dec_name(d) or "").rsplit(".", 1)[-1])
                    for d in cinfo.decorators
                ):
                    continue
                if (self.rel(f), cinfo.line) in listed:
                    continue
                ref = self.class_ref(f, cinfo.name)
                if ref is None:
                    continue
                libs, _ = self.index.ancestors(ref)
                if not any(b.startswith(("django.views", "rest_framework")) for b in libs):
                    continue
                self.class_view(f, cinfo.name, None, (), ())

    def conf_patterns(self, facts: FileFacts, name: str = "urlpatterns"):
        items: list = []
        v = facts.route_facts.assigned(name)
        if v is not None:
            items.append(v)
        items.extend(v for n, v, _ in facts.route_facts.extends if n == name)
        return items

    def walk_conf(self, facts: FileFacts, prefix: str, wrappers: tuple, depth: int) -> None:
        if depth > 12:
            return
        for value in self.conf_patterns(facts):
            self.walk_patterns(facts, value, prefix, wrappers, depth + 1)

    def walk_patterns(self, facts, value, prefix: str, wrappers: tuple, depth: int) -> None:
        if depth > 30 or not isinstance(value, tuple):
            return
        kind = value[0]
        if kind == "l":
            for item in value[1]:
                self.walk_patterns(facts, item, prefix, wrappers, depth + 1)
        elif kind == "+":
            self.walk_patterns(facts, value[1], prefix, wrappers, depth + 1)
            self.walk_patterns(facts, value[2], prefix, wrappers, depth + 1)
        elif kind == "*":
            self.walk_patterns(facts, value[1], prefix, wrappers, depth + 1)
        elif kind == "n":
            self.walk_named_patterns(facts, value[1], prefix, wrappers, depth + 1)
        elif kind == "c":
            name = (callee_name(value) or "").rsplit(".", 1)[-1]
            args, kwargs = value[2], dict(value[3])
            if name in ("path", "re_path", "url"):
                self.url_entry(facts, name, args, kwargs, prefix, wrappers, depth, value[4])
            elif name in ("format_suffix_patterns", "i18n_patterns"):
                for a in args:
                    self.walk_patterns(facts, a, prefix, wrappers, depth + 1)

    def walk_named_patterns(self, facts, written, prefix, wrappers, depth) -> None:
        found = self.resolve(facts, written)
        if found is None:
            return
        ffacts, name, what, rest = found
        if what[0] == "module":
            if not rest:
                self.walk_conf(ffacts, prefix, wrappers, depth + 1)
            elif rest == "urlpatterns" or rest == "urls":
                self.walk_conf(ffacts, prefix, wrappers, depth + 1)
            return
        if what[0] != "assign":
            return
        if rest == "urls":
            self.router_endpoints(ffacts, name, prefix, depth)
            return
        if rest:
            return
        cname = callee_name(what[1])
        if cname and self._is_router(ffacts, cname):
            return
        for v in self.conf_patterns(ffacts, name):
            self.walk_patterns(ffacts, v, prefix, wrappers, depth + 1)

    def _is_router(self, facts: FileFacts, callee: str) -> bool:
        return any(
            b.startswith("rest_framework") and b.endswith("Router")
            for b in self.lib_names(facts, callee)
        ) or callee.endswith("Router")

    def url_entry(self, facts, fn, args, kwargs, prefix, wrappers, depth, line: int) -> None:
        route_v = args[0] if args else kwargs.get("route") or kwargs.get("regex")
        view = args[1] if len(args) > 1 else kwargs.get("view")
        if route_v is None or view is None:
            return
        route = self.string(facts, route_v)
        if route is None:
            route = ""
        if fn != "path":
            route = _strip_regex(route)
        full = prefix + route
        self.url_view(facts, view, full, wrappers, depth, line)

    def url_view(self, facts, view, route: str, wrappers: tuple, depth: int, line: int = 0) -> None:
        if depth > 40 or not isinstance(view, tuple):
            return
        if view[0] == "c":
            cname = callee_name(view) or ""
            last = cname.rsplit(".", 1)[-1]
            args = view[2]
            if last == "include":
                if args:
                    self.include(facts, args[0], route, wrappers, depth + 1)
                return
            if last == "as_view" and "." in cname:
                cls = cname.rsplit(".", 1)[0]
                actions = _actions_of(view)
                self.class_view(facts, cls, route, wrappers, actions, line)
                return
            if view[1][0] == "a" and view[1][2] == "as_view":
                inner = view[1][1]
                if inner[0] == "n":
                    self.class_view(facts, inner[1], route, wrappers, _actions_of(view), line)
                return
            # a wrapper: csrf_exempt(view), login_required(view), cache_page(60)(view)
            if args:
                wrapper = view[1] if cname == "" else ("n", cname)
                self.url_view(facts, args[0], route, (*wrappers, (facts, wrapper)), depth + 1, line)
            return
        if view[0] == "n":
            found = self.resolve(facts, view[1])
            if found is None:
                if view[1].split(".")[0] in facts.imports:
                    self.library_view(facts, view[1], route, wrappers, line)
                return
            ffacts, name, what, rest = found
            if rest:
                return
            if what[0] == "function":
                self.function_view(ffacts, what[1], route, wrappers)
            elif what[0] == "class":
                self.class_view(ffacts, name, route, wrappers, ())
            elif what[0] == "assign":
                self.url_view(ffacts, what[1], route, wrappers, depth + 1, line)

    def include(self, facts, target, prefix: str, wrappers: tuple, depth: int) -> None:
        if target[0] == "s":
            m = self.module_file(target[1])
            if m is not None:
                self.walk_conf(m, prefix, wrappers, depth + 1)
            return
        if target[0] == "l":
            items = target[1]
            if len(items) == 2 and items[1][0] == "s":  # (patterns, app_name)
                self.include(facts, items[0], prefix, wrappers, depth + 1)
                return
            self.walk_patterns(facts, target, prefix, wrappers, depth + 1)
            return
        if target[0] == "n":
            self.walk_named_patterns(facts, target[1], prefix, wrappers, depth + 1)
        elif target[0] in ("+", "c"):
            self.walk_patterns(facts, target, prefix, wrappers, depth + 1)

    def function_view(self, facts, info: FunctionInfo, route: str, wrappers: tuple) -> None:
        api_view = None
        for d in info.decorators:
            n = _dec_name(d) or ""
            if n.rsplit(".", 1)[-1] == "api_view":
                api_view = d
        if api_view is not None:
            self._reached_api_views.add((facts.path, info.line))
            self.add(self.api_view_endpoint(facts, info, api_view, _route(route)))
            return
        methods: tuple[str, ...] = ()
        for d in info.decorators:
            n = (_dec_name(d) or "").rsplit(".", 1)[-1]
            if n in DJANGO_METHOD_DECORATORS:
                methods = DJANGO_METHOD_DECORATORS[n]
            elif n == "require_http_methods" and d[0] == "c" and d[2]:
                methods = tuple(s.upper() for s in _strings(d[2][0]) if s.upper() in _UPPER_VERBS)
        auth, auth_by = self.django_function_auth(facts, info, wrappers)
        throttled, throttled_by = self.decorated_throttle(facts, info.decorators, wrappers)
        self.emit(
            "django",
            methods,
            _route(route),
            self.rel(facts),
            info.line,
            info.name,
            (auth, auth_by, throttled, throttled_by),
        )

    def library_view(self, facts, written: str, route: str, wrappers: tuple, line: int) -> None:
        """A view the project takes from a library (TemplateView, django's serve, a
        schema view): at the line of its URL pattern, auth unknown unless the
        pattern wraps it or a middleware requires login."""
        q = qualify(written, facts.imports, facts.module) or written
        if self.module_file(q.rpartition(".")[0]) is not None:
            return  # a project module we could not read the name from
        auth, auth_by = "unknown", f"library view {q}"
        for wf, w in wrappers:
            a, _ = self.decorator_effects(wf, w)
            if a and not a.startswith(("-", "?")):
                auth, auth_by = "required", a
                break
        else:
            if self.login_middleware:
                auth, auth_by = "required", self.login_middleware
        throttled, throttled_by = self.decorated_throttle(facts, (), wrappers)
        self.emit(
            "drf" if q.startswith("rest_framework") else "django",
            DJANGO_GENERIC_METHODS.get(q.rsplit(".", 1)[-1], ()),
            _route(route),
            self.rel(facts),
            line,
            q,
            (auth, auth_by, throttled, throttled_by),
        )

    def django_function_auth(self, facts, info: FunctionInfo, wrappers: tuple) -> tuple[str, str]:
        for wf, w in wrappers:
            a, _ = self.decorator_effects(wf, w)
            if a and not a.startswith(("-", "?")):
                return "required", a
        maybe = ""
        for wf, w in wrappers:
            a, _ = self.decorator_effects(wf, w)
            if a.startswith("?"):
                maybe = maybe or a[1:]
        for d in info.decorators:
            a, _ = self.decorator_effects(facts, d)
            if a.startswith("-"):
                return "none", a[1:]
            if a.startswith("?"):
                maybe = maybe or a[1:]
            elif a:
                return "required", a
        if self.login_middleware:
            return "required", self.login_middleware
        if maybe:
            return "unknown", f"{maybe} (checks the user)"
        if _any(USER_CHECK, info.tokens) and _any(DENY, info.tokens):
            return "unknown", "checks in the view body"
        return "none", ""

    def decorated_throttle(self, facts, decorators, wrappers=()) -> tuple[bool | None, str]:
        for wf, w in wrappers:
            _, t = self.decorator_effects(wf, w)
            if t and not t.startswith("-"):
                return True, t
        for d in decorators:
            _, t = self.decorator_effects(facts, d)
            if t.startswith("-"):
                return False, t[1:]
            if t:
                return True, t
        return self.no_throttle()

    def no_throttle(self) -> tuple[bool | None, str]:
        if self.unattributed_throttling:
            return None, f"cannot tell: {self.unattributed_throttling[0]}"
        return False, ""

    def class_view(
        self, facts, written: str, route: str | None, wrappers: tuple, actions, line: int = 0
    ) -> None:
        ref = self.class_ref(facts, written)
        if ref is None:
            if line and written.split(".")[0] in facts.imports:
                self.library_view(facts, written, route, wrappers, line)
            return
        if self.uses_drf and self.index.is_drf_view(ref):
            self.add(self.drf_endpoint(ref, _shown(route), actions))
            return
        cinfo = self.class_info(ref)
        libs, projs = self.index.ancestors(ref)
        lib_last = {b.rsplit(".", 1)[-1] for b in libs}
        defined = set(ref.cls.methods)
        for p in projs:
            defined |= set(p.cls.methods)
        methods = {v.upper() for v in HTTP_VERBS if v in defined}
        for n in lib_last:
            methods |= set(DJANGO_GENERIC_METHODS.get(n, ()))
        auth, auth_by = self.django_class_auth(ref, cinfo, wrappers)
        decorators = cinfo.decorators if cinfo else ()
        throttled, throttled_by = self.decorated_throttle(ref.facts, decorators, wrappers)
        self.emit(
            "django",
            _ordered(methods),
            _shown(route),
            self.rel(ref.facts),
            ref.cls.start[0],
            ref.cls.name,
            (auth, auth_by, throttled, throttled_by),
        )

    def django_class_auth(self, ref: ClassRef, cinfo, wrappers) -> tuple[str, str]:
        for wf, w in wrappers:
            a, _ = self.decorator_effects(wf, w)
            if a and not a.startswith(("-", "?")):
                return "required", a
        maybe = ""
        for d in cinfo.decorators if cinfo else ():
            a, _ = self.decorator_effects(ref.facts, d)
            if a.startswith("?"):
                maybe = maybe or a[1:]
            elif a and not a.startswith("-"):
                return "required", a
        libs, projs = self.index.ancestors(ref)
        for b in libs:
            if b.startswith("django") and b.rsplit(".", 1)[-1] in DJANGO_AUTH_MIXINS:
                via = _via(ref, projs, b)
                return "required", via
        for p in (ref, *projs):
            info = self.class_info(p)
            if info is None:
                continue
            for m in info.methods:
                short = m.name.rsplit(".", 1)[-1]
                if short == "dispatch":
                    for d in m.decorators:
                        a, _ = self.decorator_effects(p.facts, d)
                        if a and not a.startswith(("-", "?")):
                            return "required", f"{p.cls.name}.dispatch ({a})"
                    if _any(USER_CHECK, m.tokens) and _any(DENY, m.tokens):
                        return "required", f"{p.cls.name}.dispatch"
        if self.login_middleware:
            return "required", self.login_middleware
        if maybe:
            return "unknown", f"{maybe} (checks the user)"
        if "GraphQL" in ref.cls.name or any("graphql" in b.lower() for b in libs):
            return "unknown", "GraphQL: checked per query or field, not per view"
        if cinfo is not None and _any(USER_CHECK, cinfo.tokens) and _any(DENY, cinfo.tokens):
            return "unknown", "checks in the view body"
        return "none", ""

    # -- DRF ----------------------------------------------------------------
    def router_endpoints(self, facts: FileFacts, name: str, prefix: str, depth: int) -> None:
        key = (facts.path, name)
        self._routers_used.add(key)
        obj = facts.route_facts.assigned(name)
        slash = "/"
        if isinstance(obj, tuple) and obj[0] == "c":
            for k, v in obj[3]:
                if k == "trailing_slash" and v[1:] == ("False",):
                    slash = ""
        for reg_facts, call in self.registrations().get(key, ()):
            reg = call.args[0] if call.args else dict(call.kwargs).get("prefix")
            view = call.args[1] if len(call.args) > 1 else dict(call.kwargs).get("viewset")
            if reg is None or view is None or view[0] != "n":
                continue
            reg_prefix = self.string(reg_facts, reg)
            if reg_prefix is None:
                continue
            ref = self.class_ref(reg_facts, view[1])
            if ref is None:
                continue
            route = prefix + _strip_regex(reg_prefix) + (slash if reg_prefix else "")
            for ep in self.router_routes(ref, self.drf_endpoint(ref, _route(route), ()), slash):
                self.add(ep)

    def registrations(self) -> dict:
        found = getattr(self, "_registrations", None)
        if found is None:
            found = {}
            for f in self.files:
                for call in f.route_facts.calls:
                    if call.method != "register" or not call.receiver or call.in_function:
                        continue
                    r = self.resolve(f, call.receiver)
                    if r is None or r[2][0] != "assign" or r[3]:
                        continue
                    cname = callee_name(r[2][1])
                    if cname and self._is_router(r[0], cname):
                        found.setdefault((r[0].path, r[1]), []).append((f, call))
            self._registrations = found
        return found

    def _unrouted_drf(self) -> None:
        # routers whose urls no URL conf includes: their routes without a prefix
        for key, regs in self.registrations().items():
            if key not in self._routers_used:
                facts = regs[0][0] if regs[0][0].path == key[0] else self.index.files.get(key[0])
                if facts is not None:
                    self.router_endpoints(facts, key[1], "", 0)
        # @api_view functions no URL conf reaches (its wiring cannot be read): no route
        for f in self.files:
            for info in f.route_facts.functions:
                if (f.path, info.line) in self._reached_api_views:
                    continue
                for d in info.decorators:
                    if (_dec_name(d) or "").rsplit(".", 1)[-1] == "api_view":
                        self.add(self.api_view_endpoint(f, info, d, ""))

    def api_view_endpoint(self, facts, info: FunctionInfo, dec, route: str) -> Endpoint:
        methods = tuple(s.upper() for s in _strings(dec[2][0])) if dec[0] == "c" and dec[2] else ()
        for k, v in dec[3] if dec[0] == "c" else ():
            if k == "http_method_names":
                methods = tuple(s.upper() for s in _strings(v))
        perms = throttles = None
        auth_classes = None
        for d in info.decorators:
            n = (_dec_name(d) or "").rsplit(".", 1)[-1]
            if d[0] != "c" or not d[2]:
                continue
            if n == "permission_classes":
                perms = _names(d[2][0])
            elif n == "throttle_classes":
                throttles = _names(d[2][0])
            elif n == "authentication_classes":
                auth_classes = _names(d[2][0])
        auth, auth_by = self.drf_auth(perms, auth_classes, False)
        for d in info.decorators:
            a, _ = self.decorator_effects(facts, d)
            if a and not a.startswith(("-", "?")) and auth != "required":
                auth, auth_by = "required", a
        throttled, throttled_by = self.drf_throttle(throttles)
        if throttled is not True:
            t, tb = self.decorated_throttle(facts, info.decorators)
            if t:
                throttled, throttled_by = t, tb
        return Endpoint(
            framework="drf",
            methods=methods or ("GET",),
            route=route,
            path=self.rel(facts),
            line=info.line,
            handler=info.name,
            auth=auth,
            auth_by=auth_by,
            throttled=throttled,
            throttled_by=throttled_by,
        )

    def drf_auth(self, perms, auth_classes, custom: bool) -> tuple[str, str]:
        if perms is None:
            default = self.index.drf_setting("DEFAULT_PERMISSION_CLASSES")
            if default is None:
                if custom:
                    return "unknown", "get_permissions()"
                return "none", "DRF default permission (AllowAny)"
            names = _names_of_setting(default)
            if names is None:
                return "unknown", "DEFAULT_PERMISSION_CLASSES"
            where = "DEFAULT_PERMISSION_CLASSES"
        else:
            names, where = perms, "permission_classes"
        if custom:
            return "unknown", "get_permissions()"
        if auth_classes is not None and not auth_classes and names and _allow_any(names):
            return "none", "authentication_classes = []"
        if not names:
            return "none", f"{where} = []"
        if _allow_any(names):
            return "none", f"{where}: AllowAny"
        return "required", f"{where}: {', '.join(n.rsplit('.', 1)[-1] for n in names)}"

    def drf_throttle(self, throttles) -> tuple[bool | None, str]:
        if throttles is not None:
            if not throttles:
                return False, "throttle_classes = []"
            return True, "throttle_classes: " + ", ".join(n.rsplit(".", 1)[-1] for n in throttles)
        default = self.index.drf_setting("DEFAULT_THROTTLE_CLASSES")
        if default is not None:
            names = _names_of_setting(default)
            if names:
                return True, "DEFAULT_THROTTLE_CLASSES"
            if names is None:
                return None, "DEFAULT_THROTTLE_CLASSES"
        return self.no_throttle()

    def router_routes(self, ref: ClassRef, ep: Endpoint, slash: str) -> list[Endpoint]:
        """The routes a DRF router makes of a viewset, as ``drf_endpoint`` read it whole:
        the collection (list, create: ``prefix/``), the object (retrieve, update,
        destroy: ``prefix/{pk}/``) and each ``@action`` (``prefix/[{pk}/]url_path/``)."""
        libs, projs = self.index.ancestors(ref)
        if not any(
            "ViewSet" in b.rsplit(".", 1)[-1] for b in libs if b.startswith("rest_framework")
        ):
            return [ep]
        chain = (ref, *projs)
        acts: set[str] = set()
        for p in chain:
            acts |= {a for a in VIEWSET_ACTIONS if a in p.cls.methods}
        for n in {b.rsplit(".", 1)[-1] for b in libs}:
            acts |= set(DRF_LIBRARY_ACTIONS.get(n, ()))
        allowed = set(ep.methods)
        lookup = self.index.inherited_attr(ref, "lookup_url_kwarg") or self.index.inherited_attr(
            ref, "lookup_field"
        )
        literal = re.fullmatch(r"""\s*['"](\w+)['"]\s*""", lookup[1]) if lookup else None
        key = literal.group(1) if literal else "pk"
        base = ep.route if ep.route.endswith("/") or not ep.route else ep.route + "/"
        under_object = f"{base}{{{key}}}/"
        detail = under_object if slash else under_object[:-1]
        out: list[Endpoint] = []
        for route, names, paginated in (
            (ep.route, ("list", "create"), ep.paginated),
            (detail, ("retrieve", "update", "partial_update", "destroy"), None),
        ):
            methods = _ordered({VIEWSET_ACTIONS[a] for a in names if a in acts} & allowed)
            if methods:
                out.append(replace(ep, methods=methods, route=route, paginated=paginated))
        for p in chain:
            info = self.class_info(p)
            for m in info.methods if info else ():
                for d in m.decorators:
                    if (_dec_name(d) or "").rsplit(".", 1)[-1] != "action":
                        continue
                    kw = dict(d[3]) if d[0] == "c" else {}
                    given = kw.get("methods")
                    methods = {x.upper() for x in _strings(given)} if given else {"GET"}
                    name = m.name.rsplit(".", 1)[-1]
                    path = (
                        self.string(p.facts, kw["url_path"]) if "url_path" in kw else None
                    ) or name
                    on_object = kw.get("detail", ("", ""))[1] == "True"
                    out.append(
                        replace(
                            ep,
                            methods=_ordered(methods),
                            route=(under_object if on_object else base) + path + slash,
                            handler=f"{ep.handler}.{name}",
                            paginated=None,
                        )
                    )
        return out or [ep]

    def drf_endpoint(self, ref: ClassRef, route: str, actions) -> Endpoint:
        libs, projs = self.index.ancestors(ref)
        lib_last = {b.rsplit(".", 1)[-1] for b in libs if b.startswith("rest_framework")}
        chain = (ref, *projs)
        defined: set[str] = set()
        for p in chain:
            defined |= set(p.cls.methods)
        is_viewset = any("ViewSet" in n for n in lib_last)
        methods: set[str] = set()
        is_list = False
        if actions:
            methods = {m.upper() for m in actions}
            is_list = "list" in actions.values() if isinstance(actions, dict) else False
        elif is_viewset:
            acts: set[str] = {a for a in VIEWSET_ACTIONS if a in defined}
            for n in lib_last:
                acts |= set(DRF_LIBRARY_ACTIONS.get(n, ()))
            methods = {VIEWSET_ACTIONS[a] for a in acts}
            is_list = "list" in acts
            for p in chain:  # @action(methods=[...]) extra routes
                info = self.class_info(p)
                for m in info.methods if info else ():
                    for d in m.decorators:
                        if (_dec_name(d) or "").rsplit(".", 1)[-1] == "action":
                            given = dict(d[3]).get("methods") if d[0] == "c" else None
                            methods |= {s.upper() for s in _strings(given)} if given else {"GET"}
        else:
            methods = {v.upper() for v in HTTP_VERBS if v in defined and v != "options"}
            for n in lib_last:
                methods |= set(DRF_GENERIC_METHODS.get(n, ()))
            is_list = bool(lib_last & {"ListAPIView", "ListCreateAPIView"})
        allowed = self.index.inherited_attr(ref, "http_method_names")
        if allowed is not None:
            keep = {s.upper() for s in re.findall(r"['\"](\w+)['\"]", allowed[1])}
            if keep:
                methods &= keep
        perms = self._class_names_attr(ref, "permission_classes")
        auth_classes = self._class_names_attr(ref, "authentication_classes")
        custom = any("get_permissions" in p.cls.methods for p in chain)
        auth, auth_by = self.drf_auth(perms, auth_classes, custom and perms is None)
        cinfo = self.class_info(ref)
        if auth != "required":
            for d in cinfo.decorators if cinfo else ():
                a, _ = self.decorator_effects(ref.facts, d)
                if a and not a.startswith(("-", "?")):
                    auth, auth_by = "required", a
        throttles = self._class_names_attr(ref, "throttle_classes")
        throttled, throttled_by = self.drf_throttle(throttles)
        paginated = None
        if is_list:
            pc = self.index.inherited_attr(ref, "pagination_class")
            if pc is not None:
                paginated = pc[1].strip() != "None"
            else:
                paginated = self.index.drf_setting("DEFAULT_PAGINATION_CLASS") not in (None, "")
        return Endpoint(
            framework="drf",
            methods=_ordered(methods),
            route=route,
            path=self.rel(ref.facts),
            line=ref.cls.start[0],
            handler=ref.cls.name,
            auth=auth,
            auth_by=auth_by,
            throttled=throttled,
            throttled_by=throttled_by,
            paginated=paginated,
        )

    def _class_names_attr(self, ref: ClassRef, name: str) -> list[str] | None:
        found = self.index.inherited_attr(ref, name)
        if found is None:
            return None
        code = found[1].strip()
        if code in ("[]", "()", "tuple()", "list()"):
            return []
        return [
            n for n in re.findall(r"[A-Za-z_][\w.]*", code) if n not in ("api_settings", "None")
        ]

    # -- Flask and FastAPI ----------------------------------------------------
    def _apps(self) -> None:
        self._build_objects()
        for f in self.files:
            rf = f.route_facts
            for info in rf.functions:
                for d in info.decorators:
                    self.decorated_function(f, info, d)
            for cinfo in rf.classes:
                for d in cinfo.decorators:
                    self.decorated_class(f, cinfo, d)
            for call in rf.calls:
                if call.method in ("add_resource", "add_url_rule", "add_api_route") or (
                    RESOURCE_WRAPPER.fullmatch(call.method)
                ):
                    self.added_route(f, call)

    def object_kind(self, facts: FileFacts, value) -> str | None:
        cname = callee_name(value)
        if not cname:
            return None
        if cname.endswith(".namespace"):
            parent = self.resolve(facts, cname.rsplit(".", 1)[0])
            if parent is not None and parent[2][0] == "assign":
                pk = self.object_kind(parent[0], parent[2][1])
                if pk == "restx-api":
                    return "restx-ns"
            return None
        for b in self.lib_names(facts, cname):
            root = b.split(".")[0]
            last = b.rsplit(".", 1)[-1]
            kind = APP_KINDS.get((root, last))
            if kind is not None:
                return kind
            if "limiter" in b.lower() and last == "Limiter":
                return "limiter"
        return None

    def _build_objects(self) -> None:
        objects = self._objects
        for f in self.files:
            for name, value, _ in f.route_facts.assigns:
                if value[0] != "c":
                    continue
                kind = self.object_kind(f, value)
                if kind is None:
                    continue
                obj = Obj((f.path, name), kind, f)
                kwargs = dict(value[3])
                args = value[2]
                if kind == "flask-bp":
                    p = kwargs.get("url_prefix")
                    obj.own_prefix = (self.string(f, p) or "") if p is not None else ""
                elif kind == "fastapi-router":
                    p = kwargs.get("prefix")
                    obj.own_prefix = (self.string(f, p) or "") if p is not None else ""
                elif kind == "restx-ns":
                    p = kwargs.get("path")
                    if p is not None:
                        obj.own_prefix = self.string(f, p) or ""
                    elif args and args[0][0] == "s":
                        obj.own_prefix = "/" + args[0][1]
                elif kind in ("restx-api", "smorest-api"):
                    p = kwargs.get("prefix")
                    obj.own_prefix = (self.string(f, p) or "") if p is not None else ""
                elif kind == "limiter":
                    if kwargs.get("default_limits") not in (None, ("l", ())):
                        obj.default_limits = f"{name} default_limits"
                if kind.startswith("fastapi"):
                    deps = kwargs.get("dependencies")
                    if deps is not None and deps[0] == "l":
                        obj.deps = tuple((f, d) for d in deps[1])
                objects[obj.key] = obj
        # the wiring: which object is mounted in which, with what prefix
        for f in self.files:
            for name, value, _ in f.route_facts.assigns:
                key = (f.path, name)
                obj = objects.get(key)
                if obj is None or value[0] != "c":
                    continue
                args, kwargs = value[2], dict(value[3])
                if obj.kind in ("restx-api", "smorest-api"):
                    app = args[0] if args else kwargs.get("app")
                    if app is not None and app[0] == "n":
                        pk = self.object_key(f, app[1], "flask")
                        obj.parents.append((pk, None, ()))
                elif obj.kind == "restx-ns" and (callee_name(value) or "").endswith(".namespace"):
                    pk = self.object_key(f, (callee_name(value) or "").rsplit(".", 1)[0], "flask")
                    obj.parents.append((pk, None, ()))
            for call in f.route_facts.calls:
                self.wire(f, call)
            for info in f.route_facts.functions:  # @bp.before_request def check(): ...
                for d in info.decorators:
                    dn = _dec_name(d) or ""
                    if dn.endswith((".before_request", ".before_app_request")):
                        key = self.object_key(f, dn.rsplit(".", 1)[0], "flask")
                        self._objects[key].hooks.append((f, info))
        limiters = [o for o in objects.values() if o.kind == "limiter" and o.default_limits]
        self.default_limits = limiters[0].default_limits if limiters else ""

    def object_key(self, facts: FileFacts, written: str, framework: str) -> tuple[str, str]:
        found = self.resolve(facts, written) if written else None
        if found is not None and found[2][0] == "assign" and not found[3]:
            key = (found[0].path, found[1])
            if key in self._objects:
                return key
        # an app made inside a factory function (`app = Flask(__name__)` in create_app)
        anon = ("?", framework)
        if anon not in self._objects:
            self._objects[anon] = Obj(anon, f"{framework}-app", None)
        return anon

    def wire(self, f: FileFacts, call) -> None:
        m = call.method
        args, kwargs = call.args, dict(call.kwargs)
        if m in ("register_blueprint", "include_router", "add_namespace", "mount", "init_app"):
            fw = "fastapi" if m in ("include_router", "mount") else "flask"
            if m == "init_app":
                child_written = call.receiver
                parent_v = args[0] if args else kwargs.get("app")
                if parent_v is None or parent_v[0] != "n":
                    return
                ck = self.object_key(f, child_written, fw)
                child = self._objects.get(ck)
                if child is None or child.kind not in ("restx-api", "smorest-api", "limiter"):
                    return
                pk = self.object_key(f, parent_v[1], fw)
                if child.kind != "limiter":
                    child.parents.append((pk, None, ()))
                return
            if m == "mount":
                path_v = args[0] if args else kwargs.get("path")
                child_v = args[1] if len(args) > 1 else kwargs.get("app")
                prefix = self.string(f, path_v) if path_v is not None else ""
            else:
                child_v = args[0] if args else kwargs.get("router") or kwargs.get("blueprint")
                if m == "add_namespace":
                    pv = args[1] if len(args) > 1 else kwargs.get("path")
                elif m == "include_router":
                    pv = kwargs.get("prefix")
                else:
                    pv = kwargs.get("url_prefix")
                prefix = self.string(f, pv) if pv is not None else None
                if pv is not None and prefix is None:
                    prefix = ""
            if child_v is None or child_v[0] != "n":
                return
            found = self.resolve(f, child_v[1])
            if found is None or found[2][0] != "assign" or found[3]:
                return
            ck = (found[0].path, found[1])
            child = self._objects.get(ck)
            if child is None:
                return
            if call.dev_only:
                # mounted in development only (`if settings.ENVIRONMENT == "local":`): what
                # it serves is not an endpoint of the deployed service, unless mounted elsewhere
                child.dev_only = True
                return
            pk = self.object_key(f, call.receiver, fw)
            if pk == ck:
                return
            deps = kwargs.get("dependencies")
            dep_items = (
                tuple((f, d) for d in deps[1]) if deps is not None and deps[0] == "l" else ()
            )
            child.parents.append((pk, prefix, dep_items))
        elif m == "before_request" and args and args[0][0] == "n":
            key = self.object_key(f, call.receiver, "flask")
            hook = self.resolve(f, args[0][1])
            if hook is not None and hook[2][0] == "function":
                self._objects[key].hooks.append((hook[0], hook[2][1]))

    def chains(self, key, depth: int = 0) -> list[Chain]:
        """Every way from an app down to the object ``key``."""
        if key in self._chains:
            return self._chains[key]
        self._chains[key] = [Chain()]  # cycle guard
        obj = self._objects[key]
        additive = obj.kind.startswith("fastapi")
        out: list[Chain] = []
        own_deps = obj.deps
        hooks = tuple(obj.hooks)
        if (not obj.parents and not obj.dev_only) or depth > 8:
            out.append(Chain(obj.own_prefix, own_deps, hooks))
        for pk, edge_prefix, edge_deps in obj.parents[:6]:
            for up in self.chains(pk, depth + 1)[:6]:
                if additive:
                    prefix = up.prefix + (edge_prefix or "") + obj.own_prefix
                else:
                    prefix = up.prefix + (
                        edge_prefix if edge_prefix is not None else obj.own_prefix
                    )
                out.append(Chain(prefix, up.deps + edge_deps + own_deps, up.hooks + hooks))
        self._chains[key] = out
        return out

    def route_owner(self, facts: FileFacts, written: str):
        """The app/router/blueprint object a decorator's receiver names."""
        found = self.resolve(facts, written)
        if found is not None and found[2][0] == "assign" and not found[3]:
            key = (found[0].path, found[1])
            if key in self._objects:
                return self._objects[key]
            return None
        if found is None and written not in facts.imports:
            # a local app in a factory function
            values = set(facts.imports.values())
            if any(v.startswith("flask") for v in values):
                return self._objects.get(self.object_key(facts, "", "flask"))
            if any(v.startswith("fastapi") for v in values):
                return self._objects.get(self.object_key(facts, "", "fastapi"))
        return None

    def decorated_function(self, facts: FileFacts, info: FunctionInfo, dec) -> None:
        name = callee_name(dec)
        if not name or "." not in name:
            return
        receiver, verb = name.rsplit(".", 1)
        if verb not in ROUTE_VERBS:
            return
        obj = self.route_owner(facts, receiver)
        if obj is None or obj.kind in ("limiter",):
            return
        args, kwargs = dec[2], dict(dec[3])
        url_v = args[0] if args else kwargs.get("path") or kwargs.get("rule")
        url = self.string(facts, url_v) if url_v is not None else ""
        if url is None:
            url = ""
        if verb in ("route", "api_route"):
            mv = kwargs.get("methods")
            methods = _ordered(s.upper() for s in _strings(mv)) if mv is not None else ("GET",)
        else:
            methods = (verb.upper(),)
        fastapi = obj.kind.startswith("fastapi")
        route_deps = ()
        if fastapi:
            dv = kwargs.get("dependencies")
            if dv is not None and dv[0] == "l":
                route_deps = tuple((facts, d) for d in dv[1])
        for chain in self.chains(obj.key):
            route = chain.prefix + url
            if fastapi:
                auth, auth_by, throttled, throttled_by = self.fastapi_effects(
                    facts, info, chain.deps + route_deps
                )
            else:
                auth, auth_by, throttled, throttled_by = self.flask_effects(
                    facts, info.decorators, info.tokens, chain
                )
            self.emit(
                "fastapi" if fastapi else "flask",
                methods,
                _route(route),
                self.rel(facts),
                info.line,
                info.name,
                (auth, auth_by, throttled, throttled_by),
            )

    def fastapi_effects(self, facts, info: FunctionInfo, deps) -> tuple:
        auth = throttle = ""
        for dfacts, d in deps:
            a, t = self.dependency_auth(dfacts, d)
            auth, throttle = auth or a, throttle or t
        for d in self.function_dependencies(facts, info):
            a, t = self.dependency_auth(facts, d)
            auth, throttle = auth or a, throttle or t
        deco_auth = ""
        for d in info.decorators:
            a, t = self.decorator_effects(facts, d)
            if a and not a.startswith(("-", "?")):
                deco_auth = deco_auth or a
            if t and not t.startswith("-"):
                throttle = throttle or t
        auth = auth or deco_auth
        throttled, throttled_by = (True, throttle) if throttle else self.default_throttle()
        if auth:
            return "required", auth, throttled, throttled_by
        return "none", "", throttled, throttled_by

    def default_throttle(self) -> tuple[bool | None, str]:
        if self.default_limits:
            return True, self.default_limits
        return self.no_throttle()

    def flask_effects(self, facts, decorators, tokens, chain: Chain) -> tuple:
        auth = ""
        throttle = ""
        exempt = False
        maybe = ""
        for d in decorators:
            a, t = self.decorator_effects(facts, d)
            if a.startswith("?"):
                maybe = maybe or a[1:]
            elif a and not a.startswith(("-", "?")):
                auth = auth or a
            if t == "-exempt":
                exempt = True
            elif t:
                throttle = throttle or t
        if not auth:
            # a hook that requires a user (not one that reads an optional token or
            # turns banned users away): its name says so and its body checks and denies
            for _hfacts, hook in chain.hooks:
                if (
                    HOOK_REQUIRES.search(hook.name)
                    # who the user is, or a credential turned away with 401
                    and (_user_check(hook.tokens) or _any(UNAUTHENTICATED, hook.tokens))
                    and _any(DENY, hook.tokens)
                ):
                    auth = f"before_request {hook.name}"
                    break
        if throttle:
            throttled, throttled_by = True, throttle
        elif exempt:
            throttled, throttled_by = False, "limiter.exempt"
        else:
            throttled, throttled_by = self.default_throttle()
        if auth:
            return "required", auth, throttled, throttled_by
        if maybe:
            return "unknown", f"{maybe} (checks the user)", throttled, throttled_by
        if _any(USER_CHECK, tokens) and _any(DENY, tokens):
            return "unknown", "checks in the handler body", throttled, throttled_by
        return "none", "", throttled, throttled_by

    def decorated_class(self, facts: FileFacts, cinfo: ClassInfo, dec) -> None:
        name = callee_name(dec)
        if not name or not name.endswith(".route"):
            return
        obj = self.route_owner(facts, name.rsplit(".", 1)[0])
        if obj is None or obj.kind.startswith("fastapi"):
            return
        args = dec[2]
        urls = [self.string(facts, a) for a in args if a[0] in ("s", "n", "+", "c")]
        for url in [u for u in urls if u is not None][:4] or [""]:
            for chain in self.chains(obj.key):
                self.resource_endpoints(facts, cinfo, chain.prefix + url, chain)

    def added_route(self, facts: FileFacts, call) -> None:
        args, kwargs = call.args, dict(call.kwargs)
        if call.method == "add_resource" or RESOURCE_WRAPPER.fullmatch(call.method):
            obj = self.route_owner(facts, call.receiver)
            if obj is None or not args or args[0][0] != "n":
                return
            found = self.resolve(facts, args[0][1])
            if found is None or found[2][0] != "class":
                return
            urls = [self.string(facts, a) for a in args[1:]]
            for url in [u for u in urls if u is not None][:4] or [""]:
                for chain in self.chains(obj.key):
                    self.resource_endpoints(found[0], found[2][1], chain.prefix + url, chain)
            return
        obj = self.route_owner(facts, call.receiver)
        if obj is None:
            return
        url_v = args[0] if args else kwargs.get("rule") or kwargs.get("path")
        url = (self.string(facts, url_v) if url_v is not None else "") or ""
        view = kwargs.get("view_func") or kwargs.get("endpoint")
        if view is None and len(args) > (2 if call.method == "add_url_rule" else 1):
            view = args[2] if call.method == "add_url_rule" else args[1]
        if view is None:
            return
        mv = kwargs.get("methods")
        methods = tuple(s.upper() for s in _strings(mv)) if mv is not None else ()
        cname = callee_name(view) or ""
        if cname.endswith(".as_view"):
            found = self.resolve(facts, cname.rsplit(".", 1)[0])
            if found is not None and found[2][0] == "class":
                for chain in self.chains(obj.key):
                    self.resource_endpoints(found[0], found[2][1], chain.prefix + url, chain)
            return
        if view[0] != "n":
            return
        found = self.resolve(facts, view[1])
        if found is None or found[2][0] != "function":
            return
        info: FunctionInfo = found[2][1]
        fastapi = obj.kind.startswith("fastapi")
        for chain in self.chains(obj.key):
            if fastapi:
                eff = self.fastapi_effects(found[0], info, chain.deps)
            else:
                eff = self.flask_effects(found[0], info.decorators, info.tokens, chain)
            self.emit(
                "fastapi" if fastapi else "flask",
                methods or ("GET",),
                _route(chain.prefix + url),
                self.rel(found[0]),
                info.line,
                info.name,
                eff,
            )

    def resource_endpoints(self, facts, cinfo: ClassInfo, route: str, chain: Chain) -> None:
        """A MethodView / flask-restx Resource: one endpoint per HTTP method it defines."""
        ref = self.class_ref(facts, cinfo.name)
        methods: list[FunctionInfo] = []
        seen: set[str] = set()
        class_decorators: list = []
        for p in (ref, *self.index.ancestors(ref)[1]) if ref is not None else ():
            info = self.class_info(p)
            if info is None:
                continue
            for m in info.methods:
                short = m.name.rsplit(".", 1)[-1]
                if short in HTTP_VERBS and short not in seen:
                    seen.add(short)
                    methods.append(m)
            decs = p.cls.attr("method_decorators") or p.cls.attr("decorators")
            if decs:
                class_decorators.extend(("n", n) for n in re.findall(r"[A-Za-z_][\w.]*", decs))
        if ref is None:
            methods = [m for m in cinfo.methods if m.name.rsplit(".", 1)[-1] in HTTP_VERBS]
        for m in methods:
            short = m.name.rsplit(".", 1)[-1]
            eff = self.flask_effects(
                facts, (*m.decorators, *class_decorators, *cinfo.decorators), m.tokens, chain
            )
            self.emit(
                "flask",
                (short.upper(),),
                _route(route),
                self.rel(facts),
                m.line,
                m.name,
                eff,
            )


# -- helpers ---------------------------------------------------------------
_UPPER_VERBS = {v.upper() for v in HTTP_VERBS}


def _any(pattern: re.Pattern, tokens: Iterable[str]) -> bool:
    return any(pattern.search(t) for t in tokens)


UNAUTHENTICATED = re.compile(r"^(401|UNAUTHORIZED|HTTP_401_UNAUTHORIZED|Unauthorized)$")


def _user_check(tokens: Iterable[str]) -> bool:
    """A check of who the user is (not just any word about tokens or sessions)."""
    return any(
        re.search(
            r"is_authenticated|current_user|authed|is_admin|has_perm|is_staff|superuser|^user$", t
        )
        for t in tokens
    )


def _dec_name(value) -> str | None:
    if not isinstance(value, tuple):
        return None
    if value[0] == "n":
        return value[1]
    if value[0] == "c":
        inner = value[1]
        if inner[0] == "n":
            return inner[1]
        if inner[0] == "c":  # cache_page(60)(view) -> cache_page
            return _dec_name(inner)
    return None


def _short(value) -> str:
    if isinstance(value, tuple):
        if value[0] == "n":
            return value[1]
        if value[0] == "c":
            return _dec_name(value) or ""
    return ""


def _items(value, kind: str) -> list[str]:
    """The ``kind`` items ("s" strings, "n" names) of a value or of a list of them."""
    if not isinstance(value, tuple):
        return []
    if value[0] == kind:
        return [value[1]]
    if value[0] == "l":
        return [v[1] for v in value[1] if isinstance(v, tuple) and v[0] == kind]
    return []


def _strings(value) -> list[str]:
    return _items(value, "s")


def _names(value) -> list[str]:
    return _items(value, "n")


def _names_of_setting(value) -> list[str] | None:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, str):
        return [value]
    return None


def _allow_any(names: list[str]) -> bool:
    return all(n.rsplit(".", 1)[-1] == "AllowAny" for n in names)


def _depends_in(value, depth: int = 0) -> list:
    out: list = []
    if not isinstance(value, tuple) or depth > 6:
        return out
    name = callee_name(value)
    if name and name.rsplit(".", 1)[-1] in ("Depends", "Security"):
        return [value]
    if value[0] == "i":
        for item in value[2]:
            out.extend(_depends_in(item, depth + 1))
    return out


def _includes(facts: FileFacts) -> list:
    """What a URL conf's include() calls name: ("s", module) or ("n", name)."""
    out: list = []
    stack = [v for _, v, _ in (*facts.route_facts.assigns, *facts.route_facts.extends)]
    budget = 20000
    while stack and budget:
        budget -= 1
        v = stack.pop()
        if not isinstance(v, tuple) or not v:
            continue
        if v[0] == "c":
            if (callee_name(v) or "").rsplit(".", 1)[-1] == "include" and v[2]:
                t = v[2][0]
                if t[0] == "s" or t[0] == "n":
                    out.append(t)
            stack.extend(v[2])
            stack.extend(x for _, x in v[3])
        elif v[0] == "l":
            stack.extend(v[1])
        elif v[0] in ("+",):
            stack.extend(v[1:])
    return out


def _actions_of(as_view_call) -> dict | tuple:
    """``ViewSet.as_view({"get": "list"})`` -> {"get": "list"}."""
    args = as_view_call[2]
    if args and args[0][0] == "x":
        pairs = re.findall(r"['\"](\w+)['\"]\s*:\s*['\"](\w+)['\"]", args[0][1])
        if pairs:
            return dict(pairs)
    return ()


def _strip_regex(route: str) -> str:
    if route.startswith("^"):
        route = route[1:]
    if route.endswith("$"):
        route = route[:-1]
    return route


def _shown(route: str | None) -> str:
    """A route as shown; None (a view whose route cannot be read) is shown as ""."""
    return "" if route is None else _route(route)


def _route(route: str) -> str:
    route = route.replace("//", "/")
    return route if route.startswith("/") else "/" + route


def _ordered(methods: Iterable[str]) -> tuple[str, ...]:
    order = [v.upper() for v in HTTP_VERBS]
    ms = set(methods)
    return tuple(m for m in order if m in ms) + tuple(sorted(ms - set(order)))


def _via(ref: ClassRef, projs, lib: str) -> str:
    """The project class that brings a library auth mixin in, and the mixin."""
    mixin = lib.rsplit(".", 1)[-1]
    for p in (ref, *projs):
        if any(b.rsplit(".", 1)[-1] == mixin for b in p.cls.bases):
            return mixin if p is ref else f"{p.cls.name} ({mixin})"
    return mixin
