"""Another revision of the analysed folder, read with git (``report --compare REF``).

The files of REF under PATH are read from git's object database
(``git ls-tree`` and ``git cat-file --batch``: read-only commands that neither
check anything out nor touch the index, and, unlike ``git archive``, ignore
``export-ignore`` and ``export-subst`` attributes) and written into a folder
that is removed afterwards: with the result cache on, one in the user's cache
folder (never inside the project), at the same place every run so that the
cache serves REF's files too; else, or while another run uses it, a fresh
temporary folder. Only regular files are written:
symbolic links and submodules of REF are left out, every name is checked (no
absolute path, no ``..``, no empty or ``.`` part) and every file is created new
(``O_EXCL | O_NOFOLLOW``) in folders this module made, so nothing from the
repository can point the writes elsewhere.

Folders the settings exclude (``.git``, ``node_modules``, virtual environments,
hidden folders, ``exclude``) are not written, nor are files other than Python
files larger than the file size limit: the analysis would read neither.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | getattr(os, "O_BINARY", 0)
REGULAR_MODES = ("100644", "100755")


class GitRefError(Exception):
    """Why REF cannot be read: one line for the user."""


@dataclass(frozen=True)
class Source:
    """PATH's repository, PATH within it and the commit REF names."""

    ref: str  # as the user wrote it
    commit: str  # the full object name
    top: Path  # the repository's top folder (its real path)
    prefix: str  # PATH from the top, with forward slashes ("" for the top itself)


def _git(top: Path | str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C", GIT_OPTIONAL_LOCKS="0")
    try:
        done = subprocess.run(
            ["git", "--literal-pathspecs", "-C", str(top), *args],
            capture_output=True,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitRefError("--compare reads REF with git, and git was not found on PATH") from None
    except OSError as exc:
        raise GitRefError(f"--compare: cannot run git: {exc.strerror or exc}") from None
    if check and done.returncode != 0:
        raise GitRefError(f"--compare: git {args[0]} failed: {_first_line(done.stderr)}")
    return done


def _first_line(err: bytes) -> str:
    lines = [ln.strip() for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[0] if lines else "no message"


def resolve(path: Path, ref: str) -> Source:
    """The repository holding the folder ``path`` and the commit ``ref`` names
    there; GitRefError when there is none."""
    if not ref or ref.startswith("-"):
        raise GitRefError(f"--compare needs a git revision (a branch, tag or commit), not {ref!r}")
    if not path.exists():
        raise GitRefError(f"no such file or directory: {path}")
    if not path.is_dir():
        raise GitRefError(f"--compare needs a folder: {path} is a file")
    real = Path(os.path.realpath(path))
    done = _git(real, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        message = _first_line(done.stderr)
        if "not a git repository" in message:
            raise GitRefError(f"--compare: {path} is not in a git repository")
        raise GitRefError(f"--compare: git cannot read the repository of {path}: {message}")
    top = Path(os.path.realpath(os.fsdecode(done.stdout.rstrip(b"\n"))))
    try:
        prefix = real.relative_to(top).as_posix()
    except ValueError:  # cannot happen unless git and the file system disagree
        raise GitRefError(f"--compare: {path} is not inside its repository {top}") from None
    prefix = "" if prefix == "." else prefix
    done = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise GitRefError(f"--compare: unknown revision {ref!r} in the repository {top}")
    return Source(ref, done.stdout.decode("ascii").strip(), top, prefix)


def _safe_parts(rel: str) -> list[str] | None:
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") or "\0" in p for p in parts):
        return None
    return parts


def _entries(source: Source, config: Config) -> list[tuple[str, str]]:
    """(object name, path from PATH) of each regular file of REF under PATH that
    the analysis could read."""
    args = ["ls-tree", "-r", "-z", "-l", "--full-tree", source.commit]
    if source.prefix:
        args += ["--", source.prefix + "/"]
    out = _git(source.top, *args).stdout
    cut = len(source.prefix) + 1 if source.prefix else 0
    files = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        fields = meta.split()
        if len(fields) != 4 or fields[1] != b"blob" or fields[0].decode() not in REGULAR_MODES:
            continue  # a symbolic link, a submodule
        rel = os.fsdecode(name)[cut:]
        if _safe_parts(rel) is None or config.excluded(rel):
            continue
        size = int(fields[3]) if fields[3].isdigit() else 0
        if size > config.max_file_size and not rel.endswith(".py"):
            continue
        files.append((fields[2].decode("ascii"), rel))
    return files


@dataclass
class Copy:
    """REF's files under PATH, written into ``root``."""

    root: Path
    files: int = 0  # how many were written
    # the Python files and dependency manifests git could not give (their objects are
    # not in the repository: a partial clone), from PATH
    unreadable: list[str] = field(default_factory=list)
    kept: bool = False  # at the same place every run (ref_tree's keep_in)


def write_tree(source: Source, copy: Copy, config: Config) -> None:
    """Write REF's files under PATH into the empty folder ``copy.root``."""
    from .engine.manifests import kind_of

    files = _entries(source, config)
    if not files:
        return
    dest = copy.root
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C", GIT_OPTIONAL_LOCKS="0")
    proc = subprocess.Popen(
        ["git", "-C", str(source.top), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    made: set[str] = set()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        # one object asked, then its answer read whole: neither pipe can fill up
        for sha, rel in files:
            proc.stdin.write(sha.encode("ascii") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if header[1:] == [b"missing"]:
                if rel.endswith(".py") or kind_of(rel) is not None:
                    copy.unreadable.append(rel)
                continue
            if len(header) != 3 or header[1] != b"blob":
                raise GitRefError(f"--compare: git cannot read {rel} at {source.ref}")
            size = int(header[2])
            parts = rel.split("/")
            folder = dest
            for part in parts[:-1]:
                folder = folder / part
                if str(folder) not in made:
                    folder.mkdir(exist_ok=True)
                    made.add(str(folder))
            fd = os.open(folder / parts[-1], _FLAGS, 0o644)
            try:
                left = size
                while left:
                    chunk = proc.stdout.read(min(left, 1 << 20))
                    if not chunk:
                        raise GitRefError(f"--compare: git stopped while reading {rel}")
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view) :]
                    left -= len(chunk)
            finally:
                os.close(fd)
            proc.stdout.read(1)  # the newline after the content
            copy.files += 1
        proc.stdin.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _lock(folder: Path) -> int | None:
    """An exclusive lock on ``folder`` (created, private) for this run, or None
    when another run holds it or it cannot be had."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): a fresh temporary folder each run
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


@contextmanager
def ref_tree(
    source: Source, config: Config, name: str, keep_in: Path | None = None
) -> Iterator[Copy]:
    """A folder ``name`` holding REF's files under PATH, removed when the block
    ends. ``keep_in``: a folder of the user's cache (engine/cache.py) where the
    copy is made at the same place every run, so that the result cache of one
    run serves the next; one run at a time holds it (a lock), another gets a
    fresh temporary folder (``Copy.kept`` says which)."""
    fd = _lock(keep_in) if keep_in is not None else None
    if fd is not None:
        assert keep_in is not None
        base = keep_in / "tree"
        shutil.rmtree(base, ignore_errors=True)  # what a killed run left
        try:
            base.mkdir(mode=0o700)
        except OSError:
            os.close(fd)
            fd = None
    if fd is None:
        base = Path(tempfile.mkdtemp(prefix="backend-lens-compare-"))
    try:
        root = base / (name or "root")
        root.mkdir()
        copy = Copy(Path(os.path.realpath(root)), kept=fd is not None)
        write_tree(source, copy, config)
        yield copy
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if fd is not None:
            os.close(fd)
