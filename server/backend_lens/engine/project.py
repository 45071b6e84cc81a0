"""A project on disk: discovery, the ProjectIndex, and every file's results.

The CLI uses it directly; the language server drives the same object from its
analysis thread, with open documents' text in place of the files on disk."""

from __future__ import annotations

import errno
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..model import FileResult, Finding
from ..source import parsing
from . import manifests, store
from .cache import ResultCache

if TYPE_CHECKING:
    from . import parallel

log = logging.getLogger(__name__)
_PROC_FD = os.path.isdir("/proc/self/fd")
_INDEX_LOCK = threading.Lock()


# the analysis modules (detectors, facts, jedi) are imported when first needed: a
# warm `check` that finds every file unchanged reads none of them (engine/snapshot.py)
def analyze(*args, **kwargs) -> FileResult:
    from .analysis import analyze as run

    return run(*args, **kwargs)


def findings_for(*args, **kwargs) -> list[Finding]:
    from .analysis import findings_for as run

    return run(*args, **kwargs)


OTHER_FILES = (
    "Dockerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "requirements.txt",
    "Procfile",
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    "pytest.ini",
    "pytest.toml",
    ".pytest.toml",
    "alembic.ini",
    ".gitlab-ci.yml",
    "Jenkinsfile",
    "fly.toml",
    "app.yaml",
    "Makefile",
    # read by the report's planning sections (report/planning.py)
    ".coveragerc",
    "uwsgi.ini",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".travis.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
)
# folders whose YAML files may be Kubernetes manifests or Helm charts
_K8S_FOLDERS = frozenset(
    {"k8s", "kubernetes", "kube", "helm", "charts", "deploy", "deployment", "deployments"}
    | {"manifests", "openshift", "kustomize", "infra", "ops"}
)
_OTHER_PATTERN = re.compile(
    r"^(Dockerfile(\.[\w.-]+)?|Containerfile|[\w.-]+\.[Dd]ockerfile"
    r"|(docker-)?compose(\.[\w.-]+)?\.ya?ml|Procfile(\.[\w.-]+)?)$"
)
# shell scripts that start or release the application (entry points, prestart hooks)
_SCRIPT_PATTERN = re.compile(
    r"^[\w.-]*(entrypoint|start|launch|boot|serve|gunicorn|uwsgi|deploy|release|migrate|upgrade)"
    r"[\w.-]*(\.sh)?$",
    re.I,
)


def is_other_file(rel: str) -> bool:
    """A deployment, CI, test-configuration or lock file the report reads (by its
    path from the root): ``OTHER_FILES``, Dockerfile and compose variants, CI
    folders, Dependabot, Kubernetes/Helm YAML, start scripts, Django fixtures."""
    parts = rel.split("/")
    name = parts[-1]
    if name in OTHER_FILES or _OTHER_PATTERN.match(name):
        return True
    if rel.startswith((".github/workflows/", ".circleci/")):
        return True
    if rel in (".github/dependabot.yml", ".github/dependabot.yaml", ".github/renovate.json"):
        return True
    folders = parts[:-1]
    if name.endswith((".yaml", ".yml")) and _K8S_FOLDERS.intersection(folders):
        return True
    if name.endswith(".sh") or ("." not in name and "entrypoint" in name.lower()):
        return bool(_SCRIPT_PATTERN.match(name))
    return fixture_owner(rel) is not None


def fixture_owner(rel: str) -> str | None:
    """The folder that holds the ``fixtures/`` folder of a Django fixture file
    (JSON, YAML or XML data), else None."""
    parts = rel.split("/")
    if not parts[-1].endswith((".json", ".yaml", ".yml", ".xml")) or "fixtures" not in parts[:-1]:
        return None
    at = len(parts) - 2 - parts[-2::-1].index("fixtures")
    return "/".join(parts[:at])


def _entry_name(entry: os.DirEntry) -> str:
    return entry.name


@dataclass
class Project:
    root: Path
    config: Config = field(default_factory=Config)
    use_jedi: bool = True
    results: dict[str, FileResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason
    other_files: list[str] = field(default_factory=list)  # relative paths of deployment/CI files
    overlay: dict[str, str] = field(default_factory=dict)  # path -> text of open documents
    # worker processes for a scan (1: in this process; see engine/parallel.py)
    jobs: int = 1
    cache: ResultCache | None = None  # per-file results kept on disk (engine/cache.py)

    def __post_init__(self):
        self.root = self.root.resolve()
        self._rel_cache: dict[str, str] = {}
        self._packages: dict[str, bool] = {}  # folder (from the root) -> has __init__.py
        self._batch = False  # inside analyze_paths: the cache is committed at its end
        self._root_prefix = str(self.root).rstrip(os.sep) + os.sep
        # path -> (size, mtime, ctime, inode, device) when discovered (engine/snapshot.py)
        self.stats: dict[str, tuple[int, ...]] = {}
        # path -> the key of its content, known without reading it (the snapshot's
        # stat check: engine/snapshot.py); used by the next analyze_paths only
        self.known_keys: dict[str, bytes] = {}

    def __getattr__(self, name: str):
        if name != "index":
            raise AttributeError(name)
        # built on first use (see the imports above), once whichever thread asks first
        with _INDEX_LOCK:
            index = self.__dict__.get("index")
            if index is None:
                from ..facts.index import ProjectIndex
                from .jedimemo import MemoResolver

                resolver = None
                if self.use_jedi:
                    from ..source.names import JediResolver

                    resolver = JediResolver(self.root, self.source_for)
                # jedi's answers kept in the cache between runs, once remember_jedi()
                # is called
                index = ProjectIndex(MemoResolver(resolver, self) if resolver else None)
                index.rel = self.rel
                self.index = index
        return index

    def import_module(self, rel: str) -> str:
        """The module name the project's code imports ``rel`` (a path from the root)
        by, when that differs from its path from the root ("" otherwise)."""
        root = self.import_root(rel)
        if not root:
            return ""
        from ..facts.extract import module_name

        return module_name(rel[len(root) + 1 :])

    def import_root(self, rel: str) -> str:
        """The folder (from the project root; "" for the root) that the project
        imports ``rel`` from, as the running project would put it on sys.path:
        the nearest folder above it that a ``src`` setting names, that holds
        ``manage.py``, that is a ``src/`` folder, or that pyproject.toml /
        setup.cfg declare; otherwise the nearest folder above it that is not a
        package (no ``__init__.py``): netbox/dcim/models.py is ``dcim.models``,
        since netbox/ holds manage.py."""
        parts = rel.split("/")[:-1]
        declared = self._declared_roots()
        for i in range(len(parts), 0, -1):
            folder = "/".join(parts[:i])
            if folder in declared:
                return folder
        if "." in declared and self.config.src:
            return ""  # the setting names the project root
        if not parts or not self._is_package("/".join(parts)):
            return ""
        while parts and self._is_package("/".join(parts)):
            parts.pop()
        return "/".join(parts)

    def _declared_roots(self) -> dict[str, str]:
        """Import roots the layout or the settings declare: folder -> how found."""
        found = self.__dict__.get("_declared")
        if found is not None:
            return found
        found = {}
        if self.config.src:
            for folder in self.config.src:
                found[folder] = "setting `src`"
        else:
            for folder, how in self.config.declared_src:
                found[folder] = how
            for dirpath, dirnames, filenames in os.walk(self.root):
                rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
                prefix = "" if rel_dir == "." else rel_dir + "/"
                dirnames[:] = [
                    d
                    for d in sorted(dirnames)
                    if not self.config.excluded(f"{prefix}{d}/x")
                    and not os.path.islink(os.path.join(dirpath, d))
                ]
                if rel_dir == ".":
                    continue
                if "manage.py" in filenames and "__init__.py" not in filenames:
                    found.setdefault(rel_dir, "holds manage.py")
                elif rel_dir.rsplit("/", 1)[-1] == "src" and "__init__.py" not in filenames:
                    found.setdefault(rel_dir, "a src/ layout")
        self._declared = found
        return found

    def refresh_roots(self) -> None:
        """Find the import roots again (after a change of the `src` setting or of
        pyproject.toml) and re-name every analysed file by them."""
        self._declared = None
        for path, result in self.results.items():
            rel = self.rel(path)
            result.facts.import_root = self.import_root(rel)
            result.facts.import_module = self.import_module(rel)
        self.index._invalidate({"models", "settings", "calls"})

    def source_roots(self) -> list[tuple[str, str]]:
        """Every import root some analysed file is imported from, with how it was
        found: [(folder or ".", how)], sorted."""
        declared = self._declared_roots()
        roots: dict[str, str] = {}
        for path in self.results:
            rel = self.rel(path)
            if manifests.kind_of(rel) is not None:
                continue  # not imported
            root = self.import_root(rel)
            key = root or "."
            if key in roots:
                continue
            if key in declared:
                roots[key] = declared[key]
            elif key == ".":
                roots[key] = "the project root"
            else:
                roots[key] = "the folder above a package"
        return sorted(roots.items())

    def _is_package(self, rel_dir: str) -> bool:
        found = self._packages.get(rel_dir)
        if found is None:
            found = self._packages[rel_dir] = os.path.isfile(self.root / rel_dir / "__init__.py")
        return found

    def rel(self, path: str) -> str:
        found = self._rel_cache.get(path)
        if found is None:
            # the path as given, under the root (what discovery gives): no Path objects
            given = os.path.abspath(path)
            if given.startswith(self._root_prefix):
                found = given[len(self._root_prefix) :].replace(os.sep, "/")
                self._rel_cache[path] = found
        if found is None:
            found = Path(path).name
            # the path as given (a link shows as the link); then its real place (a root
            # reached through a symlink)
            for candidate in (os.path.abspath(path), os.path.realpath(path)):
                try:
                    found = Path(candidate).relative_to(self.root).as_posix()
                    break
                except ValueError:
                    continue
            self._rel_cache[path] = found
        return found

    def inside(self, real: str) -> bool:
        root = str(self.root)
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    def read(self, path: str) -> str:
        """The text of ``path`` on disk, or :class:`parsing.SkipFile` with the reason
        (see :meth:`read_bytes`)."""
        return parsing.decode(self.read_bytes(path), self.config.max_file_size)

    def read_bytes(self, path: str) -> bytes:
        """The bytes of ``path`` on disk, or :class:`parsing.SkipFile` with the reason.

        Only regular files are read (see :func:`parsing.read_bytes`). A path that
        goes through a symlink is read at its real place, and only if that place
        is inside the project: a repository's links cannot make us read
        ``/etc/passwd`` or ``~/.ssh``."""
        fast = self._read_opened(path)
        if fast is not None:
            return fast
        try:
            real = os.path.realpath(path, strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise parsing.SkipFile("a symlink loop") from None
            if os.path.islink(path):
                raise parsing.SkipFile("a broken symlink") from None
            raise parsing.SkipFile(f"cannot be read: {exc.strerror or exc}") from None
        if real != os.path.abspath(path) and not self.inside(real):
            raise parsing.SkipFile("symlink to a file outside the project")
        # the last component is not followed: nothing can swap a link in since realpath
        return parsing.read_bytes(real, self.config.max_file_size, follow=False)

    def _read_opened(self, path: str) -> bytes | None:
        """:meth:`read_bytes` in a few system calls where /proc tells what a
        descriptor really opened: the file is opened without following a link
        in its last component, and its real place is read from
        /proc/self/fd (no window between the check and the read). None: do
        it the portable way (a link as the last component, an error, no /proc)."""
        nofollow = getattr(os, "O_NOFOLLOW", 0)
        if not nofollow or not _PROC_FD:
            return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | nofollow)
        except OSError:
            return None
        try:
            real = os.readlink(f"/proc/self/fd/{fd}")
            if real != os.path.abspath(path) and not self.inside(real):
                raise parsing.SkipFile("symlink to a file outside the project")
            return parsing.read_bytes(f"/proc/self/fd/{fd}", self.config.max_file_size)
        except OSError:
            return None
        finally:
            os.close(fd)

    def source_for(self, path: str) -> str | None:
        if path in self.overlay:
            return self.overlay[path]
        try:
            return self.read(path)
        except parsing.SkipFile:
            return None

    def discover(self) -> list[Path]:
        """Python files and dependency manifests (engine/manifests.py) under the
        root, sorted, minus the excluded ones.

        Folders are walked at their real place only: a symlinked folder is never
        entered (one inside the project is walked where it really is, so nothing
        is analysed twice and no link can loop; one that leaves the project is
        skipped with a message). A symlinked file is analysed at its real place
        if that is inside the project, and skipped with a message otherwise.
        A folder that cannot be read is skipped with a message."""
        found: list[Path] = []
        seen: set[str] = set()
        others: list[str] = []
        excluded = self.config.excluded
        # the import roots the layout declares, found in the same walk (see
        # _declared_roots, which walks the same folders when discover did not run)
        declared: dict[str, str] | None = None
        if not self.config.src and self.__dict__.get("_declared") is None:
            declared = dict(self.config.declared_src)
        stats = self.stats if self.cache is not None else None
        root = str(self.root)
        cut = len(root.rstrip(os.sep)) + 1
        todo = [root]
        while todo:
            dirpath = todo.pop()
            try:
                with os.scandir(dirpath) as listing:
                    entries = sorted(listing, key=_entry_name)
            except OSError as exc:
                where = exc.filename if isinstance(exc.filename, str) else root
                self.skipped[where] = f"folder cannot be read: {exc.strerror or exc}"
                continue
            rel_dir = "" if dirpath == root else dirpath[cut:].replace(os.sep, "/")
            prefix = f"{rel_dir}/" if rel_dir else ""
            kept: list[str] = []
            names: set[str] = set()
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if excluded(f"{prefix}{name}/x"):
                        continue
                    full = entry.path
                    if entry.is_symlink():
                        if not self.inside(os.path.realpath(full)):
                            self.skipped[full] = "symlink to a folder outside the project"
                        continue
                    kept.append(full)
                    continue
                names.add(name)
                rel = prefix + name
                manifest = not name.endswith(".py") and manifests.kind_of(rel) is not None
                if manifest and name in OTHER_FILES:
                    others.append(rel)
                if name.endswith(".py") or manifest:
                    if excluded(rel):
                        continue
                    full = entry.path
                    if entry.is_symlink():
                        try:
                            full = self._link_target(full)
                        except parsing.SkipFile as exc:
                            self.skipped[entry.path] = str(exc)
                            continue
                    if full not in seen:
                        seen.add(full)
                        found.append(Path(full))
                        if stats is not None:
                            try:
                                st = os.stat(full) if full != entry.path else entry.stat()
                                stats[full] = (
                                    st.st_size,
                                    st.st_mtime_ns,
                                    st.st_ctime_ns,
                                    st.st_ino,
                                    st.st_dev,
                                )
                            except OSError:
                                pass  # reading it will say what is wrong
                elif is_other_file(rel) and not excluded(rel):
                    owner = fixture_owner(rel)
                    # fixtures of an app (a package), not a front end's test data
                    if owner is None or (owner and self._is_package(owner)):
                        others.append(rel)
            if rel_dir:
                if "__init__.py" not in names:
                    self._packages[rel_dir] = False
                if declared is not None and "__init__.py" not in names:
                    if "manage.py" in names:
                        declared.setdefault(rel_dir, "holds manage.py")
                    elif rel_dir.rsplit("/", 1)[-1] == "src":
                        declared.setdefault(rel_dir, "a src/ layout")
            todo.extend(reversed(kept))  # depth first, in name order (as os.walk)
        if declared is not None:
            self._declared = declared
        others.extend(self._ci_files())
        self.other_files = sorted(others)
        return found

    def _ci_files(self) -> list[str]:
        """The CI and update-bot files inside hidden folders, which the walk skips:
        ``.github/workflows/*``, ``.circleci/*``, ``.github/dependabot.yml``... (a
        symlinked folder or file is left out)."""
        found = []
        for folder in (".github", ".github/workflows", ".circleci"):
            where = self.root / folder
            if any(os.path.islink(self.root / p) for p in (".github", folder)):
                continue
            try:
                with os.scandir(where) as listing:
                    names = sorted(e.name for e in listing if e.is_file(follow_symlinks=False))
            except OSError:
                continue
            for name in names:
                rel = f"{folder}/{name}"
                if folder != ".github" or is_other_file(rel):
                    if name.endswith((".yml", ".yaml", ".json", ".json5")):
                        found.append(rel)
        return found

    def _link_target(self, link: str) -> str:
        """Where a symlinked file found in the walk really is, if it may be read."""
        try:
            real = os.path.realpath(link, strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise parsing.SkipFile("a symlink loop") from None
            raise parsing.SkipFile("a broken symlink") from None
        if not self.inside(real):
            raise parsing.SkipFile("symlink to a file outside the project")
        if os.path.isdir(real):
            raise parsing.SkipFile("not a regular file (a folder)")
        return real

    def analyze_file(
        self,
        path: Path | str,
        text: str | None = None,
        version: int | None = None,
        cache_key: str | None = None,
    ) -> tuple[FileResult | None, set[str]]:
        """Analyse one file (from ``text`` or disk) and merge its facts; returns the
        result and the fact kinds that changed. A file read from disk is taken from
        the result cache when it holds this file's content (engine/cache.py)."""
        p = str(path)
        key = None
        try:
            if text is None:
                data = self.read_bytes(p)
                if self.cache is not None:
                    key = self._cache_key(p, data)
                    cached = self.cache.get(p, key)
                    if cached is not None:
                        cached.version = version
                        return cached, self._merge(p, cached)
                text = parsing.decode(data, self.config.max_file_size)
            else:
                parsing.check_text(text, self.config.max_file_size)
        except parsing.SkipFile as exc:
            return None, self._skip(p, str(exc))
        rel = self.rel(p)
        result = analyze(text, p, rel, version, cache_key, self.config)
        result.facts.import_root, result.facts.import_module = self._identity(rel)
        if key is not None and self.cache is not None:
            # the key of the bytes that were analysed: a file changed meanwhile is
            # stored under its old content's key, and read again next time
            self.cache.put_result(p, key, result)
            if not self._batch:
                self.cache.flush()
        return result, self._merge(p, result)

    def remember_jedi(self) -> None:
        """Keep jedi's answers in the cache for the files analysed now (the command
        line, after its scan: the set of files does not change until it ends)."""
        from .jedimemo import MemoResolver

        resolver = self.index.resolver
        if self.cache is not None and isinstance(resolver, MemoResolver):
            resolver.set_files(list(self.results))

    def _cache_key(self, p: str, data: bytes) -> bytes:
        assert self.cache is not None
        rel = self.rel(p)
        return self.cache.key(self.config, p, rel, *self._identity(rel), data)

    def _merge(self, p: str, result: FileResult) -> set[str]:
        self.skipped.pop(p, None)
        self.results[p] = result
        if manifests.kind_of(self.rel(p)) is not None:
            return set()  # a manifest defines nothing the index reads
        return self.index.update(result.facts)

    def _identity(self, rel: str) -> tuple[str, str]:
        """What a file's result depends on besides its bytes and path: its import
        root and module name; for a dependency manifest, "" and the project facts
        its rules read (a lock file beside it...: engine/manifests.py)."""
        if manifests.kind_of(rel) is not None:
            return "", manifests.context(str(self.root), rel)
        return self.import_root(rel), self.import_module(rel)

    def manifest_contexts(self, paths: list[str]) -> list[tuple[str, str]]:
        """(path, what its result depends on) of the manifests among ``paths``: a
        lock file added beside one changes its findings, not its bytes."""
        out = []
        for p in paths:
            rel = self.rel(p)
            if manifests.kind_of(rel) is not None:
                out.append((p, self._identity(rel)[1]))
        return out

    def _skip(self, p: str, reason: str) -> set[str]:
        self.skipped[p] = reason
        self.results.pop(p, None)
        return self.index.remove(p)

    def analyze_open(
        self, path: str, text: str, version: int | None, cache_key: str
    ) -> tuple[FileResult | None, set[str]]:
        """``analyze_file`` for a document open in the editor: analysed unit by unit
        (engine/incremental.py), re-doing only what the edit changed."""
        from .incremental import IncrementalFile

        docs = self.__dict__.setdefault("_incremental", {})
        try:
            parsing.check_text(text, self.config.max_file_size)
        except parsing.SkipFile as exc:
            docs.pop(path, None)
            self.skipped[path] = str(exc)
            self.results.pop(path, None)
            return None, self.index.remove(path)
        self.skipped.pop(path, None)
        rel = self.rel(path)
        if manifests.kind_of(rel) is not None:  # read as text, whole: it is small
            result = analyze(text, path, rel, version, None, self.config)
            self.results[path] = result
            return result, set()
        doc = docs.get(path)
        if doc is None or doc.config is not self.config or doc.cache_key != cache_key:
            doc = docs[path] = IncrementalFile(path, rel, cache_key, self.config)
            known = self.results.get(path)
            if known is not None and known.version is None and text == self.source_on_disk(path):
                # opened as it is on disk, which the workspace scan analysed: those are
                # its findings now; the units are analysed when the thread is free
                # (``warm``), before the first edit needs them
                doc.pending = text
                known.version = version
                return known, set()
        doc.pending = None
        result = doc.analyze(text, version, self.import_root(rel), self.import_module(rel))
        self.results[path] = result
        return result, self.index.update(result.facts)

    def source_on_disk(self, path: str) -> str | None:
        try:
            return self.read(path)
        except parsing.SkipFile:
            return None

    def needs_warm(self, path: str) -> bool:
        doc = self.__dict__.get("_incremental", {}).get(path)
        return doc is not None and doc.pending is not None

    def warm(self, path: str) -> None:
        """Analyse the units of an open document whose findings came from the scan,
        so that its first edit re-analyses only what it changed."""
        doc = self.__dict__.get("_incremental", {}).get(path)
        if doc is None or doc.pending is None:
            return
        text, doc.pending = doc.pending, None
        rel = self.rel(path)
        known = self.results.get(path)
        result = doc.analyze(
            text, known.version if known else None, self.import_root(rel), self.import_module(rel)
        )
        self.results[path] = result
        self.index.update(result.facts)

    def close_open(self, path: str) -> None:
        """Forget what the incremental analysis of ``path`` kept."""
        self.__dict__.get("_incremental", {}).pop(path, None)

    def forget(self, path: str) -> set[str]:
        self.results.pop(path, None)
        self.skipped.pop(path, None)
        return self.index.remove(path)

    def scan(
        self,
        progress: Callable[[int, int, str], None] | None = None,
        between: Callable[[], None] | None = None,
    ) -> None:
        paths = self.discover()
        self.analyze_paths(paths, progress, between)
        if self.cache is not None:
            self.cache.keep_only({str(p) for p in paths})
            self.cache.flush()

    def analyze_paths(
        self,
        paths: list[Path] | list[str],
        progress: Callable[[int, int, str], None] | None = None,
        between: Callable[[], None] | None = None,
    ) -> None:
        """Analyse ``paths`` (files on disk) and merge them in that order: from the
        cache where it holds them, the others in ``jobs`` worker processes when
        there are enough of them, else here. Open documents (``overlay``) are left
        to their own analysis. ``between`` runs before each file (and while
        waiting for the workers): the server analyses edits there."""
        from . import parallel

        names = [str(p) for p in paths]
        n = len(names)
        plan = self._plan(names)
        self.known_keys = {}
        misses = [task for task in plan.values() if isinstance(task, tuple)]
        stream = None
        if self.jobs > 1 and len(misses) >= parallel.MIN_FILES:
            settings = self.cache.settings(self.config) if self.cache is not None else b""
            stream = parallel.run(
                self.root, self.config, settings, misses, self.jobs, between, self._here
            )
        self._batch = True
        try:
            for i, p in enumerate(names):
                step = plan.get(p)
                outcome = None
                if stream is not None and isinstance(step, tuple):
                    outcome = next(stream)
                elif between is not None:
                    between()
                if progress is not None:
                    progress(i, n, self.rel(p))
                if p in self.overlay:
                    continue  # an open document's analysis owns it
                if outcome is not None:
                    self._take(outcome)
                elif isinstance(step, bytes):  # the cache holds it
                    assert self.cache is not None
                    cached = self.cache.get(p, step)
                    if cached is None:
                        self._analyze_shared(p)
                    else:
                        store.share(cached.facts)
                        self._merge(p, cached)
                elif isinstance(step, parsing.SkipFile):
                    self._skip(p, str(step))
                else:
                    self._analyze_shared(p)
        finally:
            self._batch = False
            if stream is not None:
                stream.close()  # stops the workers
        if self.cache is not None:
            self.cache.flush()

    def _analyze_shared(self, p: str) -> None:
        result, _ = self.analyze_file(p)
        if result is not None:
            store.share(result.facts)  # the index holds the facts object: it sees the same

    def _plan(self, names: list[str]) -> dict[str, object]:
        """What to do with each file: the key of its cached result (bytes), why it
        is skipped (SkipFile), or the task of analysing it (a tuple)."""
        plan: dict[str, object] = {}
        cache = self.cache
        known = self.known_keys
        for p in names:
            if p in self.overlay:
                continue
            if cache is not None and p in known:
                key = known[p]
                if cache.holds(p, key):
                    plan[p] = key
                    continue
            rel = self.rel(p)
            root, module = self._identity(rel)
            if cache is not None:
                try:
                    data = self.read_bytes(p)
                except parsing.SkipFile as exc:
                    plan[p] = exc
                    continue
                key = cache.key(self.config, p, rel, root, module, data)
                if cache.holds(p, key):
                    plan[p] = key
                    continue
            plan[p] = (p, rel, root, module)
        return plan

    def _here(self, task: parallel.Task) -> parallel.Outcome:
        """Analyse one file of a scan here, as a worker would, without merging it."""
        p, rel, root, module = task
        try:
            data = self.read_bytes(p)
            text = parsing.decode(data, self.config.max_file_size)
        except parsing.SkipFile as exc:
            return (p, "skip", str(exc))
        result = analyze(text, p, rel, None, None, self.config)
        result.facts.import_root = root
        result.facts.import_module = module
        key = None
        if self.cache is not None:
            key = self.cache.key(self.config, p, rel, root, module, data)
        return (p, "result", (key, result))

    def _take(self, outcome: parallel.Outcome) -> None:
        """Merge what a worker sent back for one file."""
        p, kind, value = outcome
        if kind == "skip":
            self._skip(p, str(value))
        elif kind == "ok":
            key, data = value  # type: ignore[misc]
            result = store.loads(data)
            if self.cache is not None:
                self.cache.put(p, key, data)
            store.share(result.facts)
            self._merge(p, result)
        elif kind == "result":
            key, result = value  # type: ignore[misc]
            if key is not None and self.cache is not None:
                self.cache.put_result(p, key, result)
            store.share(result.facts)
            self._merge(p, result)
        else:
            log.debug("%s analysed here: %s", p, value)
            self._analyze_shared(p)

    def findings(self, path: str) -> list[Finding]:
        result = self.results.get(path)
        if result is None:
            return []
        return findings_for(result, self.index, self.config)

    def all_findings(self) -> Iterator[Finding]:
        for path in sorted(self.results):
            yield from self.findings(path)
