"""The ProjectIndex: every file's facts merged, with the cross-file look-ups
detectors need (which class a name points at, whether it is a Django model,
its fields and indexes, the project's settings)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from .extract import BUILTIN_NAMES, Expr, qualify
from .model import ClassFact, FieldFact, FileFacts
from .taint import TaintResolver

log = logging.getLogger(__name__)

FACT_KINDS = ("models", "settings", "tasks", "calls", "flows", "routes", "errors", "imports")
# what the endpoint inventory reads (inventory/endpoints.py): a judgement that reads the
# endpoints declares these
ENDPOINT_READS = ("routes", "models", "settings")

DJANGO_MODEL_BASES = {
    "django.db.models.Model",
    "django.db.models.base.Model",
    "django.contrib.auth.base_user.AbstractBaseUser",
    "django.contrib.auth.models.AbstractBaseUser",
    "django.contrib.auth.models.AbstractUser",
    "django.contrib.auth.models.PermissionsMixin",
    "django.contrib.gis.db.models.Model",
    "model_utils.models.TimeStampedModel",
    "model_utils.models.StatusModel",
    "model_utils.models.SoftDeletableModel",
    "django_extensions.db.models.TimeStampedModel",
    "polymorphic.models.PolymorphicModel",
    "mptt.models.MPTTModel",
}
DRF_VIEW_NAMES = {
    "APIView",
    "GenericAPIView",
    "CreateAPIView",
    "ListAPIView",
    "RetrieveAPIView",
    "DestroyAPIView",
    "UpdateAPIView",
    "ListCreateAPIView",
    "RetrieveUpdateAPIView",
    "RetrieveDestroyAPIView",
    "RetrieveUpdateDestroyAPIView",
    "ViewSet",
    "GenericViewSet",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
    "ViewSetMixin",
}
DRF_LIST_NAMES = {
    "ListAPIView",
    "ListCreateAPIView",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
    "ListModelMixin",
}


@dataclass(frozen=True)
class ClassRef:
    facts: FileFacts
    cls: ClassFact


@dataclass(frozen=True)
class ModelField:
    model: ClassRef
    field: FieldFact

    @property
    def is_relation(self) -> bool:
        return self.field.kind in (
            "ForeignKey",
            "OneToOneField",
            "ManyToManyField",
            "ParentalKey",
            "TreeForeignKey",
        )

    @property
    def to_many(self) -> bool:
        return self.field.kind == "ManyToManyField"


class ProjectIndex:
    def __init__(self, resolver: Callable[[str, tuple[int, int]], str | None] | None = None):
        self.files: dict[str, FileFacts] = {}
        # fact kind -> how many times it changed: a deferred judgement made at the
        # same generations of what it reads gives the same findings
        self.generation: dict[str, int] = {}
        self.resolver = resolver  # jedi fallback: (path, position) -> qualified class name
        self._by_qualname: dict[str, ClassRef] | None = None
        self._by_name: dict[str, list[ClassRef]] | None = None
        self._modules: dict[str, FileFacts] | None = None
        self._alias: dict[str, str] = {}  # import name -> module (path from the root)
        self._segments: set[str] = set()  # every folder / module name of the project
        self._ancestors: dict[str, tuple[tuple[str, ...], tuple[ClassRef, ...]]] = {}
        self._settings: dict[str | None, dict] | None = None  # service folder -> settings
        self._jedi_cache: dict[tuple, str | None] = {}
        self._atomic_calls: frozenset[str] | None = None
        self._wrappers: dict[str, bool] = {}  # qualified name -> holds a transaction
        self._int_arguments: dict[str, frozenset[str]] | None = None
        self._roots: frozenset[str] | None = None
        self._taint: TaintResolver | None = None
        # id(facts) -> (facts, the names of its classes)
        self._class_names: dict[int, tuple[FileFacts, set[str]]] = {}
        # the path of a file as the inventory shows it (Project.rel; the path itself without one)
        self.rel: Callable[[str], str] = lambda path: path
        # (generations of ENDPOINT_READS, endpoints by handler file), and the routes
        # of each file they were computed from
        self._endpoints: tuple[tuple, dict[str, list]] | None = None
        self._route_sources: dict = {}
        # (generations of inventory.apps.APP_READS, the graph of the project's apps)
        self._apps: tuple[tuple, object] | None = None

    # -- updates --------------------------------------------------------
    def update(self, facts: FileFacts) -> set[str]:
        """Store ``facts``; return the fact kinds whose content changed."""
        old = self.files.get(facts.path)
        if old is facts:
            return set()  # the incremental analysis kept the facts: nothing changed
        self.files[facts.path] = facts
        changed = {
            k for k in FACT_KINDS if old is None or old.kind_digest(k) != facts.kind_digest(k)
        }
        roots = self._roots
        self._invalidate(changed)
        if old is not None and old.imported_modules == facts.imported_modules:
            self._roots = roots  # the packages imported are the same (an edit moved lines)
        return changed

    def remove(self, path: str) -> set[str]:
        old = self.files.pop(path, None)
        if old is None:
            return set()
        changed = set(FACT_KINDS)
        self._invalidate(changed)
        return changed

    def _invalidate(self, changed: set[str]) -> None:
        for kind in changed:
            self.generation[kind] = self.generation.get(kind, 0) + 1
        if "models" in changed:
            self._by_qualname = self._by_name = self._modules = None
            self._ancestors.clear()
            self._jedi_cache.clear()
            self._roots = None
            self._class_names.clear()
        if "settings" in changed or "models" in changed:
            self._settings = None
        if "flows" in changed or "models" in changed:
            self._taint = None
        if "calls" in changed or "models" in changed:
            self._atomic_calls = None
            self._wrappers.clear()
            self._int_arguments = None

    # -- classes ----------------------------------------------------------
    def _build(self) -> None:
        by_q: dict[str, ClassRef] = {}
        by_n: dict[str, list[ClassRef]] = {}
        modules: dict[str, FileFacts] = {}
        by_alias: dict[str, list[FileFacts]] = {}
        segments: set[str] = set()
        for f in self.files.values():
            modules[f.module] = f
            segments.update(f.module.split("."))
            if f.import_module and f.import_module != f.module:
                by_alias.setdefault(f.import_module, []).append(f)
            for c in f.classes:
                ref = ClassRef(f, c)
                by_q.setdefault(c.qualname, ref)
                by_n.setdefault(c.name, []).append(ref)
        # `dcim.models` names netbox/dcim/models.py when that is the one file the
        # project imports by that name; two services that both have `app.models`
        # leave the name ambiguous, and it resolves as before (not at all)
        self._alias = {
            alias: files[0].module
            for alias, files in by_alias.items()
            if len(files) == 1 and alias not in modules
        }
        self._by_qualname, self._by_name, self._modules = by_q, by_n, modules
        self._segments = segments

    def module(self, name: str) -> FileFacts | None:
        """The project file a dotted module name means: its path from the project
        root, or the name the project imports it by (see FileFacts.import_module)."""
        if self._modules is None:
            self._build()
        assert self._modules is not None
        found = self._modules.get(name)
        if found is None and name in self._alias:
            found = self._modules.get(self._alias[name])
        return found

    def canonical(self, qualname: str) -> str:
        """``qualname`` with its module part written as the path from the project
        root (`dcim.models.Device` -> `netbox.dcim.models.Device`)."""
        if self._modules is None:
            self._build()
        assert self._modules is not None
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            head = ".".join(parts[:i])
            if head in self._modules:
                return qualname
            if head in self._alias:
                return ".".join([self._alias[head], *parts[i:]])
        return qualname

    def _lookup_qualified(self, qualname: str, depth: int = 0) -> ClassRef | None:
        if self._by_qualname is None:
            self._build()
        assert self._by_qualname is not None and self._modules is not None
        ref = self._by_qualname.get(qualname)
        if ref is None and "." in qualname:
            canonical = self.canonical(qualname)
            if canonical != qualname:
                ref = self._by_qualname.get(canonical)
                qualname = canonical
        if ref is not None or depth > 4 or "." not in qualname:
            return ref
        # re-exported through a package: shop.orders.Order where shop/orders/__init__.py imports it
        mod, _, name = qualname.rpartition(".")
        f = self.module(mod)
        if f is not None:
            if name in f.imports and f.imports[name] != qualname:
                return self._lookup_qualified(f.imports[name], depth + 1)
            for star in f.star_imports:
                ref = self._lookup_qualified(f"{star}.{name}", depth + 1)
                if ref is not None:
                    return ref
        return None

    def resolve_class(
        self, facts: FileFacts, written: str, pos: tuple[int, int] | None = None
    ) -> ClassRef | str | None:
        """What the class name ``written`` in ``facts``'s file points at: a project
        class, a library class's qualified name, or None when unknown."""
        # the file's class names, once per file (not once per look-up: a large file asks often)
        known = self._class_names.get(id(facts))
        if known is None or known[0] is not facts:
            known = self._class_names[id(facts)] = (facts, {c.name for c in facts.classes})
        local = known[1]
        q = qualify(written, facts.imports, facts.module, local) or written
        ref = self._lookup_qualified(q)
        if ref is not None:
            return ref
        head = written.split(".")[0]
        if head in facts.imports and "." in q and q.split(".")[0] in self._segments:
            # an absolute import the project root cannot place: try it from the
            # importing file's folders, nearest first (as jedi's smart sys.path
            # does; a namespace package under a folder that is on sys.path)
            folders = facts.module.split(".")
            if not facts.path.endswith("__init__.py"):
                folders = folders[:-1]
            for i in range(len(folders), 0, -1):
                ref = self._lookup_qualified(".".join([*folders[:i], q]))
                if ref is not None:
                    return ref
        if (
            head in BUILTIN_NAMES
            and head not in facts.imports
            and head not in local
            and not facts.star_imports
        ):
            return f"builtins.{written}"
        assert self._modules is not None
        in_project = self.module(q.rpartition(".")[0]) is not None
        if head in facts.imports and not in_project:
            return q  # a library (or unindexed) name, qualified through the imports
        for star in facts.star_imports:
            ref = self._lookup_qualified(f"{star}.{written}")
            if ref is not None:
                return ref
        if self._by_name is None:
            self._build()
        assert self._by_name is not None
        candidates = self._by_name.get(written.rsplit(".", 1)[-1], [])
        if len(candidates) == 1 and not facts.imports.get(head):
            return candidates[0]
        # a project module binds the name some other way (an alias assignment, a
        # conditional definition): ask jedi, which follows the assignments
        if pos is not None and self.resolver is not None:
            if "." in written:
                # jedi is asked about the name at ``pos``: the head of ``written``
                # (`DeviceSerializer` of `class Meta(DeviceSerializer.Meta)`). A head
                # that this file defines or imports as a project class needs no jedi:
                # the index holds what jedi would find (a jedi run costs ~0.1-1 s and
                # tens of MB: its own parse of the modules it follows)
                q_head = qualify(head, facts.imports, facts.module, local)
                ref = self._lookup_qualified(q_head) if q_head and q_head != head else None
                if ref is not None:
                    return ref
            else:
                known = self._as_jedi_would(facts, written, local)
                if known is not None:
                    return known
            key = (facts.path, written)  # one answer per name and file, not per use
            if key not in self._jedi_cache:
                try:
                    self._jedi_cache[key] = self.resolver(facts.path, pos)
                except Exception:  # jedi is best effort
                    log.debug("jedi could not resolve %s in %s", written, facts.path, exc_info=True)
                    self._jedi_cache[key] = None
            full = self._jedi_cache[key]
            if full:
                return self._lookup_qualified(full) or full
        return None

    def _as_jedi_would(self, facts: FileFacts, name: str, local: set[str]) -> ClassRef | str | None:
        """What jedi would answer for the name ``name`` where the facts tell it
        alone (None: they do not): an alias bound once to a project class
        (``config = DummyPluginConfig``, here or in the module it is imported
        from), or a builtin that no star-imported project module binds
        (``class UnpinnedQuery(Exception)`` after ``from dcim.models import *``)."""
        owner, bound = facts, name
        if name in facts.imports:
            mod, _, bound = facts.imports[name].rpartition(".")
            owner = self.module(mod) if mod else None
        if owner is not None and bound in owner.class_aliases:
            ref = self._alias_target(owner, bound, 0)
            if ref is not None:
                return ref
        if (
            name in BUILTIN_NAMES
            and name not in facts.imports
            and name not in local
            and name not in facts.rebound_builtins
            and facts.star_imports
            and all(self._star_binds(star, name, set()) is False for star in facts.star_imports)
        ):
            return f"builtins.{name}"
        return None

    def _alias_target(self, facts: FileFacts, name: str, depth: int) -> ClassRef | None:
        """The project class ``name = Dotted.Name`` binds in ``facts``'s module, when
        its imports or classes place it (through further aliases too)."""
        value = facts.class_aliases.get(name)
        if value is None or depth > 4:
            return None
        head = value.split(".")[0]
        if "." not in value and head not in facts.imports and value in facts.class_aliases:
            return self._alias_target(facts, value, depth + 1)
        local = {c.name for c in facts.classes}
        q = qualify(value, facts.imports, facts.module, local)
        if not q or q == value:
            return None
        ref = self._lookup_qualified(q)
        if ref is None and "." not in value and head in facts.imports:
            mod, _, bound = q.rpartition(".")
            owner = self.module(mod) if mod else None
            if owner is not None and bound in owner.class_aliases:
                return self._alias_target(owner, bound, depth + 1)
        return ref

    def _star_binds(self, module: str, name: str, seen: set[str]) -> bool | None:
        """Whether ``from module import *`` binds ``name``: None when it cannot be
        told (a library module, a name the module binds in a way the facts do not
        record)."""
        if module in seen:
            return False
        seen.add(module)
        f = self.module(module)
        if f is None:
            return None  # a library: anything
        if name in f.imports or name in f.rebound_builtins or self.module(f"{module}.{name}"):
            return True  # bound there (or a submodule of that name)
        for star in f.star_imports:
            found = self._star_binds(star, name, seen)
            if found is not False:
                return found
        return False

    def ancestors(self, ref: ClassRef) -> tuple[tuple[str, ...], tuple[ClassRef, ...]]:
        """(library base names, project base classes) of a class, transitively."""
        key = ref.cls.qualname + "@" + ref.facts.path
        if key in self._ancestors:
            return self._ancestors[key]
        self._ancestors[key] = ((), ())  # cycle guard
        libs: list[str] = []
        projs: list[ClassRef] = []
        seen = {key}
        stack = [ref]
        while stack:
            cur = stack.pop()
            for i, base in enumerate(cur.cls.bases):
                written = base
                # bases are stored qualified; resolve again from the written tail
                pos = cur.cls.base_positions[i] if i < len(cur.cls.base_positions) else None
                if i in cur.cls.runtime_bases:
                    # a function's parameter or variable: which class it holds is known
                    # when the code runs (jedi guesses it from calls it searches the
                    # project for, seconds on netbox, with the libraries of its own
                    # environment): not resolved
                    pos = None
                target = self._lookup_qualified(base)
                if target is None:
                    target = self.resolve_class(cur.facts, _unqualify(written, cur.facts), pos)
                if isinstance(target, ClassRef):
                    k = target.cls.qualname + "@" + target.facts.path
                    if k not in seen:
                        seen.add(k)
                        projs.append(target)
                        stack.append(target)
                elif isinstance(target, str):
                    libs.append(target)
                elif base.split(".")[0] in cur.facts.declarative_bases:
                    # `db.Model` where the same file binds `db = SQLAlchemy()`
                    libs.append(f"{cur.facts.module}.{base}")
                else:
                    libs.append(base)
        result = (tuple(libs), tuple(projs))
        self._ancestors[key] = result
        return result

    def is_django_model(self, ref: ClassRef) -> bool:
        libs, projs = self.ancestors(ref)
        if any(_is_model_base(b) for b in libs):
            return True
        # a project class with model fields that derives from an unknown base with "Model" in its name
        return False

    def is_sqlalchemy_model(self, ref: ClassRef) -> bool:
        """A mapped class: derives from DeclarativeBase (2.0), from a project
        ``Base = declarative_base()`` (1.4), or from Flask-SQLAlchemy's ``db.Model``,
        and names a table or columns."""
        if self.is_sqlmodel_table(ref):
            return True
        if not self.uses("sqlalchemy") and not self.uses("flask_sqlalchemy"):
            return False
        if ref.cls.attr("__abstract__") == "True":
            return False
        mapped = ref.cls.attr("__tablename__") is not None or any(
            f.kind.startswith(("Column", "mapped_column")) for f in ref.cls.fields
        )
        if not mapped and ref.cls.attr("__mapper_args__") is not None:
            # single-table inheritance: `class Fails(Submissions): __mapper_args__ =
            # {"polymorphic_identity": ...}` is mapped, onto its base's table
            return any(self.is_sqlalchemy_model(p) for p in self.ancestors(ref)[1])
        if not mapped:
            return False
        libs, _ = self.ancestors(ref)
        if self._modules is None:
            self._build()
        assert self._modules is not None
        for b in libs:
            if b.rsplit(".", 1)[-1] in (
                "DeclarativeBase",
                "DeclarativeBaseNoMeta",
            ) and b.startswith("sqlalchemy"):
                return True
            mod, _, name = b.rpartition(".")
            owner = self.module(mod)
            if owner is not None and name in owner.declarative_bases:
                return True
            if name == "Model":  # db.Model of a Flask-SQLAlchemy `db = SQLAlchemy()`
                db_module, _, db_name = mod.rpartition(".")
                owner = self.module(db_module)
                if owner is not None and db_name in owner.declarative_bases:
                    return True
        return False

    def is_sqlmodel_table(self, ref: ClassRef) -> bool:
        """A SQLModel class declared with ``table=True`` (the others are schemas)."""
        if ("table", "True") not in ref.cls.keywords or not self.uses("sqlmodel"):
            return False
        libs, _ = self.ancestors(ref)
        return any(b.startswith("sqlmodel") and b.endswith(".SQLModel") for b in libs)

    def uses(self, package: str) -> bool:
        """Whether any file of the project imports ``package`` (a top-level name)."""
        if self._roots is None:
            self._roots = frozenset(
                m.split(".")[0] for f in self.files.values() for m in f.imported_modules
            )
        return package in self._roots

    def is_drf_view(self, ref: ClassRef, names: set[str] = DRF_VIEW_NAMES) -> bool:
        if not self.uses("rest_framework"):
            return False  # no need to resolve any base class: nothing can be a DRF view
        libs, _ = self.ancestors(ref)
        return any(b.startswith("rest_framework.") and b.rsplit(".", 1)[-1] in names for b in libs)

    def inherited_attr(self, ref: ClassRef, name: str) -> tuple[ClassRef, str] | None:
        v = ref.cls.attr(name)
        if v is not None:
            return ref, v
        for p in self.ancestors(ref)[1]:
            v = p.cls.attr(name)
            if v is not None:
                return p, v
        return None

    def find_model(self, facts: FileFacts, written: str, pos=None) -> ClassRef | None:
        if not self.uses("django"):
            return None
        # no jedi here: a queryset's model that the imports and the index cannot
        # place is almost never a project model, and jedi costs ~50 ms a name.
        # jedi stays the fallback for base classes (ancestors), where it pays off.
        target = self.resolve_class(facts, written, None)
        if isinstance(target, ClassRef) and self.is_django_model(target):
            return target
        return None

    def model_field(self, model: ClassRef, name: str) -> ModelField | None:
        """The field ``name`` of a model, own or inherited; ``customer_id`` finds
        the ``customer`` foreign key (its column)."""
        for ref in (model, *self.ancestors(model)[1]):
            for f in ref.cls.fields:
                if f.name == name:
                    return ModelField(ref, f)
        if name.endswith("_id"):
            mf = self.model_field(model, name[:-3])
            if mf is not None and mf.is_relation and not mf.to_many:
                return mf
        return None

    def field_indexed(
        self, mf: ModelField, model: ClassRef, together: frozenset[str] = frozenset()
    ) -> bool:
        """Whether a lookup on this field can use an index. ``together``: the other
        fields the same query filters on, which can satisfy the leading columns of
        a composite index (an index on (customer, status) serves
        ``filter(customer=c, status=s)``)."""
        f = mf.field
        if {"primary_key", "unique", "db_index", "index"} & set(f.flags):
            return True
        if mf.is_relation:
            return (
                "db_index" not in f.kwargs or "db_index" in f.flags
            )  # Django indexes FKs by default
        for ref in (model, *self.ancestors(model)[1]):
            for fields in ref.cls.meta_indexes:
                if f.name in fields and set(fields[: fields.index(f.name)]) <= together:
                    return True
        return False

    def models(self) -> list[ClassRef]:
        if self._by_qualname is None:
            self._build()
        out = []
        for f in self.files.values():
            for c in f.classes:
                ref = ClassRef(f, c)
                if c.name != "Meta" and self.is_django_model(ref):
                    out.append(ref)
        return out

    def called_in_transaction(self, function: str) -> bool:
        """Whether some code of the project calls ``function`` (by name) inside a
        transaction block: its own locks are then held by the caller's transaction."""
        if self._atomic_calls is None:
            names: set[str] = set()
            calls: dict[str, set[str]] = {}
            for f in self.files.values():
                names |= f.atomic_calls
                for fn, called in f.function_calls.items():
                    calls.setdefault(fn, set()).update(called)
                for holder, held in f.held_calls.items():
                    if self.is_transaction_wrapper(holder):
                        names |= held  # under a project decorator / context manager
            # and what those functions call, transitively (by name: a helper's helper)
            todo = list(names)
            while todo:
                for callee in calls.get(todo.pop(), ()):
                    if callee not in names:
                        names.add(callee)
                        todo.append(callee)
            self._atomic_calls = frozenset(names)
        return function in self._atomic_calls

    def always_given_an_integer(self, function: str, slots: tuple[str, ...]) -> bool:
        """Whether ``function`` (by name) is called somewhere in the project and every
        call gives an integer in one of ``slots`` (FileFacts.int_arguments)."""
        if self._int_arguments is None:
            merged: dict[str, frozenset[str]] = {}
            for f in self.files.values():
                for name, given in f.int_arguments.items():
                    known = merged.get(name)
                    merged[name] = given if known is None else known & given
            self._int_arguments = merged
        given = self._int_arguments.get(function)
        return given is not None and any(s in given for s in slots)

    def taint(self) -> TaintResolver:
        """Every file's taint flows joined (facts/taint/), built once per change
        of the flows."""
        if self._taint is None:
            self._taint = TaintResolver(self)
        return self._taint

    def is_transaction_wrapper(self, qualname: str) -> bool:
        """Whether ``qualname`` names a project decorator or context manager that
        holds a transaction around what it wraps (FileFacts.transaction_wrappers),
        followed through re-exports and wrappers of wrappers."""
        known = self._wrappers.get(qualname)
        if known is None:
            known = self._wrappers[qualname] = self._wrapper(qualname, set())
        return known

    def _wrapper(self, qualname: str, seen: set[str]) -> bool:
        if qualname in seen or len(seen) > 20:
            return False
        seen.add(qualname)
        found = False
        mod, _, name = qualname.rpartition(".")
        f = self.module(mod) if mod else None
        if f is not None:
            f = self.files.get(f.path, f)  # the module table outlives a change of "calls"
            held = f.transaction_wrappers.get(name)
            if held is not None:
                found = any(h == "" or self._wrapper(h, seen) for h in held)
            elif name in f.imports:  # re-exported: from .tracing import atomic_span
                found = self._wrapper(f.imports[name], seen)
        return found

    # -- settings ---------------------------------------------------------
    def settings(self, facts: FileFacts | None = None) -> dict:
        """The settings that apply to ``facts``'s service (the settings modules
        imported from the same folder; every settings module when none is), or to
        the whole project. Test settings are left out when other settings exist;
        development, then unknown, then production settings are merged in that
        order, so production values win a conflict."""
        key = facts.import_root if facts is not None else None
        if self._settings is None:
            self._settings = {}
        if key in self._settings:
            return self._settings[key]
        from .kinds import PROFILES, settings_profile

        modules = [f for f in self.files.values() if f.settings]
        if key is not None:
            own = [f for f in modules if f.import_root == key]
            modules = own or modules
        rank = {"test": 0, "development": 1, "unknown": 2, "production": 3}
        profiled = [
            (settings_profile(f, self)[0] if f.is_settings else "unknown", f) for f in modules
        ]
        if any(p != "test" for p, _ in profiled):
            profiled = [(p, f) for p, f in profiled if p != "test"]
        assert set(rank) == set(PROFILES)
        merged: dict = {}
        for _, f in sorted(profiled, key=lambda pf: (rank[pf[0]], pf[1].path)):
            for k, v in f.settings.items():
                if isinstance(v, dict) and isinstance(merged.get(k), dict):
                    merged[k] = {**merged[k], **v}
                else:
                    merged[k] = v
        self._settings[key] = merged
        return merged

    def endpoints(self) -> dict[str, list]:
        """The project's endpoints (``inventory.model.Endpoint``) by the path of their
        handler's file, computed once per change of what the inventory reads
        (``ENDPOINT_READS``). An edit that only moved lines of a file (its routes
        the same but for line numbers) moves its endpoints' lines instead of
        linking the whole project again (96 ms on Django's source per edit)."""
        key = tuple(self.generation.get(k, 0) for k in ENDPOINT_READS)
        if self._endpoints is not None and self._endpoints[0] == key:
            return self._endpoints[1]
        moved = None
        if self._endpoints is not None and self._endpoints[0][1:] == key[1:]:
            moved = self._moved_endpoints()  # only routes changed: perhaps only lines
        if moved is None:
            from ..inventory.endpoints import endpoints_of_index

            moved = {}
            for ep in endpoints_of_index(self):
                moved.setdefault(ep.path, []).append(ep)
            self._route_sources = self._routes_now()
        self._endpoints = (key, moved)
        return moved

    def _routes_now(self) -> dict[str, tuple]:
        return {
            path: (f.route_facts, (f.module, f.import_module, f.is_settings))
            for path, f in self.files.items()
            if not f.is_test and not f.is_migration
        }

    def _moved_endpoints(self) -> dict[str, list] | None:
        """The endpoints with their lines moved, when every file's routes are what
        they were but for line numbers; None when anything else changed."""
        from dataclasses import replace

        sources = self._route_sources
        current = self._routes_now()
        if current.keys() != sources.keys():
            return None
        maps: dict[str, dict[int, int]] = {}
        for path, (rf, names) in current.items():
            old, old_names = sources[path]
            if names != old_names:
                return None  # a module named otherwise: imports resolve otherwise
            if rf is old or rf == old:
                continue
            if _without_lines(rf) != _without_lines(old):
                return None
            maps[self.rel(path)] = dict(zip(_def_lines(old), _def_lines(rf), strict=True))
        self._route_sources = current
        by_file = dict(self._endpoints[1]) if self._endpoints else {}
        for rel, lines in maps.items():
            if rel in by_file:
                by_file[rel] = [
                    replace(ep, line=lines.get(ep.line, ep.line)) for ep in by_file[rel]
                ]
        return by_file

    def apps(self):
        """The project's apps and the imports between them (``inventory.apps.AppGraph``),
        computed once per change of what it reads (``APP_READS``)."""
        from ..inventory.apps import APP_READS, app_graph

        key = tuple(self.generation.get(k, 0) for k in APP_READS)
        if self._apps is None or self._apps[0] != key:
            self._apps = (key, app_graph(self))
        return self._apps[1]

    def endpoints_in(self, facts: FileFacts) -> list:
        """The endpoints whose handler is in ``facts``'s file."""
        return self.endpoints().get(self.rel(facts.path), [])

    def drf_setting(self, key: str, facts: FileFacts | None = None):
        rf = self.settings(facts).get("REST_FRAMEWORK")
        return rf.get(key) if isinstance(rf, dict) else None

    def atomic_requests(self, facts: FileFacts | None = None) -> bool:
        dbs = self.settings(facts).get("DATABASES")
        if not isinstance(dbs, dict):
            return False
        for v in dbs.values():
            if isinstance(v, dict) and v.get("ATOMIC_REQUESTS") is True:
                return True
        return False


def _unqualify(base: str, facts: FileFacts) -> str:
    for local, q in facts.imports.items():
        if base == q:
            return local
        if base.startswith(q + "."):
            return local + base[len(q) :]
    if facts.module and base.startswith(facts.module + "."):
        return base[len(facts.module) + 1 :]
    return base


def _is_model_base(name: str) -> bool:
    if name in DJANGO_MODEL_BASES:
        return True
    return name.startswith("django.contrib.auth.models.Abstract") or (
        name.startswith("django.") and name.endswith(".models.Model")
    )


def _without_lines(value):
    """Route facts with every line number (the only integers they hold) set to 0."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return 0
    if isinstance(value, (tuple, list)):
        return tuple(_without_lines(v) for v in value)
    if isinstance(value, frozenset):
        return value
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return (type(value).__name__, *(_without_lines(getattr(value, f)) for f in fields))
    return value


def _def_lines(rf) -> list[int]:
    """The lines of a file's functions, classes and methods, in order."""
    out = [f.line for f in rf.functions]
    for c in rf.classes:
        out.append(c.line)
        out.extend(m.line for m in c.methods)
    return out


__all__ = ["ProjectIndex", "ClassRef", "ModelField", "FACT_KINDS", "Expr"]
