"""The persistent cache of per-file results (facts, local findings, deferred checks).

One SQLite file per project root, in the user's cache folder
(``$XDG_CACHE_HOME/backend-lens`` or ``~/.cache/backend-lens``; ``--cache-dir`` or
``BACKEND_LENS_CACHE_DIR`` to choose another), one row per analysed file:
``path -> (key, result bytes)``. Never inside the analysed project: the rows are
pickles (engine/store.py), and a pickle in a cloned repository would run that
repository's code when read; a read-only checkout could not hold it either.

A row is used only when its key matches, and the key covers everything a file's
result depends on: the file's bytes, its path, relative path, import root and
module name, the settings that change a result (rule selection, file size limit,
import roots), the tool's version, the Python version and a fingerprint of the
analysis code itself (every .py file of the package, the rule catalogue and its tables), so
an edited detector never reads a stale result.

A cache that cannot be opened, read or written costs its speed, never the run:
``warn`` is called once with the reason, and the run goes on without it.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..config import Config
from ..model import FileResult
from . import store

log = logging.getLogger(__name__)

ENV = "BACKEND_LENS_CACHE_DIR"
FORMAT = 2  # the layout of the tables and of the rows' bytes
DB_NAME = "results.sqlite"
_FINGERPRINT: str | None = None


def code_fingerprint() -> str:
    """A digest of the analysis code: the package's .py files and the rule
    catalogue, plus the tool's and Python's versions (once per process)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        from .. import catalogue

        h = hashlib.blake2b(digest_size=16)
        import importlib.util

        import parso

        h.update(f"{__version__}\0{sys.implementation.cache_tag}\0{sys.version}\0".encode())
        h.update(f"parso {parso.__version__}\0".encode())
        # jedi's version (its __init__.py says it) without importing jedi
        spec = importlib.util.find_spec("jedi")
        if spec is not None and spec.origin:
            h.update(Path(spec.origin).read_bytes() + b"\0")
        package = Path(__file__).resolve().parents[1]
        rules = catalogue.rules_dir()
        # the rule pages, and the tables rules read (rules/third-party/advisories.toml)
        for folder, pattern in ((package, "*.py"), (rules, "*.md"), (rules, "*.toml")):
            for path in sorted(folder.rglob(pattern)):
                h.update(path.relative_to(folder).as_posix().encode() + b"\0")
                h.update(path.read_bytes() + b"\0")
        _FINGERPRINT = h.hexdigest()
    return _FINGERPRINT


def _settings(config: Config) -> tuple:
    """The settings that change a file's result."""
    return (config.select, config.ignore, config.max_file_size, config.src, config.declared_src)


def settings_digest(config: Config) -> bytes:
    """The digest of everything but the file itself that a file's result depends on."""
    parts = (code_fingerprint(), FORMAT, _settings(config))
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()


def file_key(settings: bytes, path: str, rel: str, root: str, module: str, data: bytes) -> bytes:
    """The key of one file's result: ``settings`` (see :func:`settings_digest`), where
    the file is and how it is imported, and its bytes."""
    h = hashlib.blake2b(settings, digest_size=20)
    h.update("\0".join((path, rel, root, module)).encode("utf-8", "surrogatepass") + b"\0")
    h.update(data)
    return h.digest()


def default_folder() -> Path:
    given = os.environ.get(ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base if base and os.path.isabs(base) else Path.home() / ".cache") / "backend-lens"


def project_folder(base: Path, root: Path) -> Path:
    """One folder per project root: its name and a digest of its full path."""
    digest = hashlib.blake2b(os.fsencode(str(root)), digest_size=8).hexdigest()
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in root.name)[:40] or "root"
    return base / f"{name}-{digest}"


class ResultCache:
    """Rows of one project's results; every failure becomes one ``warn`` and a cache
    that answers nothing."""

    def __init__(
        self, folder: Path, config: Config, warn: Callable[[str], None] | None = None
    ) -> None:
        self.folder = folder
        self._settings_of: tuple = (_settings(config), settings_digest(config))
        self.warn_user = warn or (lambda msg: log.warning("%s", msg))
        self.db: sqlite3.Connection | None = None
        self.broken = False
        self.keys: dict[str, bytes] = {}  # path -> key of its row
        self.hits = self.misses = self.writes = 0
        self.unstored: set[str] = set()  # files whose result could not be saved
        self._dirty = False

    @classmethod
    def for_project(
        cls,
        root: Path,
        config: Config,
        base: Path | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> ResultCache:
        return cls(project_folder(base or default_folder(), root), config, warn)

    # -- failures -------------------------------------------------------------
    def _fail(self, what: str, exc: BaseException) -> None:
        """Turn the cache off for this run, saying why once."""
        log.debug("cache failure", exc_info=True)
        if not self.broken:
            self.broken = True
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            self.warn_user(
                f"the result cache in {self.folder} {what} ({reason}); going on without it "
                "(--no-cache turns it off, --cache-dir puts it elsewhere)"
            )
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            self.db = None

    # -- opening ----------------------------------------------------------------
    def _open(self) -> sqlite3.Connection | None:
        if self.db is not None or self.broken:
            return self.db
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.folder.stat().st_mode & 0o077:
                os.chmod(self.folder, 0o700)
        except OSError as exc:
            self._fail("cannot be created", exc)
            return None
        path = self.folder / DB_NAME
        try:
            self.db = self._connect(path)
        except sqlite3.DatabaseError as exc:  # not a database, or one of another layout
            if _in_use(exc):  # another run holds it: it is not damaged, leave it alone
                self._fail("is in use by another run", exc)
                return None
            log.debug("cache %s unreadable, starting a new one", path, exc_info=True)
            self.warn_user(f"the result cache {path} could not be read ({exc}); starting a new one")
            try:
                path.unlink(missing_ok=True)
                self.db = self._connect(path)
            except (OSError, sqlite3.Error) as again:
                self._fail("cannot be written", again)
        except OSError as exc:
            self._fail("cannot be opened", exc)
        return self.db

    def _connect(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=5, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, key BLOB, data BLOB)"
            )
            db.execute("CREATE TABLE IF NOT EXISTS snapshot (k TEXT PRIMARY KEY, v BLOB)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS resolutions (path BLOB, line INTEGER, col INTEGER,"
                " stamp BLOB, answer TEXT, deps BLOB, PRIMARY KEY (path, line, col))"
            )
            stamp = f"{FORMAT} {__version__} {sys.implementation.cache_tag}"
            row = db.execute("SELECT v FROM meta WHERE k = 'format'").fetchone()
            if row is None or row[0] != stamp:
                if row is not None:
                    self.warn_user(
                        f"the result cache {path} was written by another version "
                        f"({row[0]}); starting a new one"
                    )
                db.execute("BEGIN")
                db.execute("DELETE FROM files")
                db.execute("DELETE FROM resolutions")
                db.execute("DELETE FROM snapshot")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (stamp,))
                db.execute("COMMIT")
            self.keys = {
                _text(p): k for p, k in db.execute("SELECT CAST(path AS BLOB), key FROM files")
            }
        except BaseException:
            db.close()
            raise
        return db

    # -- rows ---------------------------------------------------------------------
    def settings(self, config: Config) -> bytes:
        """The digest of ``config``'s settings that change results (remembered: the
        server's settings may change while it runs)."""
        current = _settings(config)
        if self._settings_of[0] != current:
            self._settings_of = (current, settings_digest(config))
        return self._settings_of[1]

    def key(
        self, config: Config, path: str, rel: str, root: str, module: str, data: bytes
    ) -> bytes:
        return file_key(self.settings(config), path, rel, root, module, data)

    def holds(self, path: str, key: bytes) -> bool:
        """Whether the row of ``path`` has the key ``key``."""
        return self._open() is not None and self.keys.get(path) == key

    def get(self, path: str, key: bytes) -> FileResult | None:
        """The stored result of ``path`` if its key is ``key``."""
        db = self._open()
        if db is None or self.keys.get(path) != key:
            self.misses += 1
            return None
        try:
            row = db.execute("SELECT data FROM files WHERE path = ?", (_param(path),)).fetchone()
        except sqlite3.Error as exc:
            self._fail("cannot be read", exc)
            return None
        if row is None:
            self.misses += 1
            return None
        try:
            result = store.loads(row[0])
        except Exception:  # a damaged row: analysed again (and rewritten)
            log.debug("cache row of %s unreadable", path, exc_info=True)
            self.keys.pop(path, None)
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, path: str, key: bytes, data: bytes) -> None:
        """Store ``data`` (``store.dumps`` of the result) as the row of ``path``."""
        db = self._open()
        if db is None or self.keys.get(path) == key:
            return
        try:
            self._begin(db)
            db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (_param(path), key, data))
        except sqlite3.Error as exc:
            self._fail("cannot be written", exc)
            return
        self.keys[path] = key
        self.writes += 1

    def put_result(self, path: str, key: bytes, result: FileResult) -> None:
        try:
            data = store.dumps(result)
        except store.StoreError as exc:
            log.debug("not cached: %s", exc)
            self.unstored.add(path)
            return
        self.put(path, key, data)

    def stored(self, path: str) -> FileResult | None:
        """The stored result of ``path`` whatever its key (the file's previous
        content: engine/snapshot.py compares it with the new one)."""
        db = self._open()
        if db is None or path not in self.keys:
            return None
        try:
            row = db.execute("SELECT data FROM files WHERE path = ?", (_param(path),)).fetchone()
            return None if row is None else store.loads(row[0])
        except sqlite3.Error as exc:
            self._fail("cannot be read", exc)
        except Exception:  # a damaged row
            log.debug("cache row of %s unreadable", path, exc_info=True)
        return None

    def _begin(self, db) -> None:
        """Open the transaction the writes of this run go into (committed by flush)."""
        if not self._dirty:
            db.execute("BEGIN")
            self._dirty = True

    # -- the judged findings of a whole check (engine/snapshot.py) -------------------
    def snapshot(self, name: str) -> bytes | None:
        db = self._open()
        if db is None:
            return None
        try:
            row = db.execute("SELECT v FROM snapshot WHERE k = ?", (name,)).fetchone()
        except sqlite3.Error as exc:
            self._fail("cannot be read", exc)
            return None
        return None if row is None else row[0]

    def put_snapshot(self, name: str, data: bytes | None) -> None:
        """Store ``data`` as the snapshot ``name`` (None: drop it)."""
        db = self._open()
        if db is None:
            return
        try:
            self._begin(db)
            if data is None:
                db.execute("DELETE FROM snapshot WHERE k = ?", (name,))
            else:
                db.execute("INSERT OR REPLACE INTO snapshot VALUES (?, ?)", (name, data))
        except sqlite3.Error as exc:
            self._fail("cannot be written", exc)

    # -- jedi's answers --------------------------------------------------------------
    def resolution(
        self, path: str, pos: tuple[int, int], stamp: bytes
    ) -> tuple[str | None, list[tuple[str, bytes]]] | None:
        """The stored answer to "what class is at ``pos`` of ``path``" with the files
        it was read from and their digests, if stored under ``stamp``."""
        db = self._open()
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT answer, deps FROM resolutions WHERE path = ? AND line = ? AND col = ?"
                " AND stamp = ?",
                (_param(path), pos[0], pos[1], stamp),
            ).fetchone()
        except sqlite3.Error as exc:
            self._fail("cannot be read", exc)
            return None
        if row is None:
            return None
        try:
            deps = marshal.loads(row[1])
        except (EOFError, ValueError, TypeError):
            return None
        return row[0], deps

    def put_resolution(
        self,
        path: str,
        pos: tuple[int, int],
        stamp: bytes,
        answer: str | None,
        deps: list[tuple[str, bytes]],
    ) -> None:
        db = self._open()
        if db is None:
            return
        try:
            self._begin(db)
            db.execute(
                "INSERT OR REPLACE INTO resolutions VALUES (?, ?, ?, ?, ?, ?)",
                (_param(path), pos[0], pos[1], stamp, answer, marshal.dumps(deps)),
            )
        except sqlite3.Error as exc:
            self._fail("cannot be written", exc)

    def keep_only(self, paths: set[str]) -> None:
        """Drop the rows of files that are no longer part of the project."""
        gone = [p for p in self.keys if p not in paths]
        db = self.db
        if not gone or db is None:
            return
        try:
            self._begin(db)
            db.executemany("DELETE FROM files WHERE path = ?", [(_param(p),) for p in gone])
            db.executemany("DELETE FROM resolutions WHERE path = ?", [(_param(p),) for p in gone])
        except sqlite3.Error as exc:
            self._fail("cannot be written", exc)
            return
        for p in gone:
            self.keys.pop(p, None)

    def flush(self) -> None:
        """Commit what was written since the last flush."""
        if self.db is None or not self._dirty:
            return
        self._dirty = False
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._fail("cannot be written", exc)

    def close(self) -> None:
        self.flush()
        if self.db is not None:
            self.db.close()
            self.db = None


def _param(path: str) -> bytes:
    """A path as stored: UTF-8 with undecodable bytes kept (surrogate escapes)."""
    return path.encode("utf-8", "surrogateescape")


def _text(stored: bytes) -> str:
    return stored.decode("utf-8", "surrogateescape")


# computed when the analysis code is imported: files edited later (a developer's
# change while a long run goes on) cannot lend their fingerprint to the old code
try:
    code_fingerprint()
except Exception:  # a broken installation (no catalogue): said where the catalogue is loaded
    pass


def _in_use(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused because another connection holds the database (a
    check beside the language server, two checks at once), not because the file
    is damaged."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text
