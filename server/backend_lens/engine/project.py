"""A project on disk: discovery, the ProjectIndex, and every file's results.

The CLI uses it directly; the language server drives the same object from its
analysis thread, with open documents' text in place of the files on disk."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..facts.index import ProjectIndex
from ..model import FileResult, Finding
from ..source import parsing
from ..source.names import JediResolver
from .analysis import analyze, findings_for

log = logging.getLogger(__name__)

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
    "alembic.ini",
    ".gitlab-ci.yml",
    "Jenkinsfile",
    "fly.toml",
    "app.yaml",
    "Makefile",
)


@dataclass
class Project:
    root: Path
    config: Config = field(default_factory=Config)
    use_jedi: bool = True
    results: dict[str, FileResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason
    other_files: list[str] = field(default_factory=list)  # relative paths of deployment/CI files
    overlay: dict[str, str] = field(default_factory=dict)  # path -> text of open documents

    def __post_init__(self):
        self.root = self.root.resolve()
        self._rel_cache: dict[str, str] = {}
        resolver = JediResolver(self.root, self.source_for) if self.use_jedi else None
        self.index = ProjectIndex(resolver)

    def rel(self, path: str) -> str:
        found = self._rel_cache.get(path)
        if found is None:
            try:
                found = Path(path).resolve().relative_to(self.root).as_posix()
            except ValueError:
                found = Path(path).name
            self._rel_cache[path] = found
        return found

    def source_for(self, path: str) -> str | None:
        if path in self.overlay:
            return self.overlay[path]
        try:
            return parsing.read_source(Path(path), self.config.max_file_size)
        except parsing.SkipFile:
            return None

    def discover(self) -> list[Path]:
        """Python files under the root, sorted, minus the excluded ones."""
        found: list[Path] = []
        others: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = os.path.relpath(dirpath, self.root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
            dirnames[:] = sorted(
                d
                for d in dirnames
                if not self.config.excluded(f"{rel_dir}/{d}/x" if rel_dir else f"{d}/x")
            )
            for name in sorted(filenames):
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if name.endswith(".py"):
                    if not self.config.excluded(rel):
                        found.append(Path(dirpath) / name)
                elif (
                    name in OTHER_FILES
                    or rel.startswith(".github/workflows/")
                    or rel.startswith(".circleci/")
                ):
                    others.append(rel)
        self.other_files = sorted(others)
        return found

    def analyze_file(
        self,
        path: Path | str,
        text: str | None = None,
        version: int | None = None,
        cache_key: str | None = None,
    ) -> tuple[FileResult | None, set[str]]:
        """Analyse one file (from ``text`` or disk) and merge its facts; returns the
        result and the fact kinds that changed."""
        p = str(path)
        if text is None:
            try:
                text = parsing.read_source(Path(p), self.config.max_file_size)
            except parsing.SkipFile as exc:
                self.skipped[p] = str(exc)
                self.results.pop(p, None)
                return None, self.index.remove(p)
        elif len(text.encode("utf-8", "surrogatepass")) > self.config.max_file_size:
            self.skipped[p] = (
                f"larger than {self.config.max_file_size // 1000} kB (raise max-file-size to analyse it)"
            )
            self.results.pop(p, None)
            return None, self.index.remove(p)
        self.skipped.pop(p, None)
        result = analyze(text, p, self.rel(p), version, cache_key, self.config)
        self.results[p] = result
        return result, self.index.update(result.facts)

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
        for i, path in enumerate(paths):
            if between is not None:
                between()
            if progress is not None:
                progress(i, len(paths), self.rel(str(path)))
            if str(path) in self.overlay:
                continue  # an open document's analysis owns it
            self.analyze_file(path)

    def findings(self, path: str) -> list[Finding]:
        result = self.results.get(path)
        if result is None:
            return []
        return findings_for(result, self.index, self.config)

    def all_findings(self) -> Iterator[Finding]:
        for path in sorted(self.results):
            yield from self.findings(path)
