"""Settings: ``[tool.backend-lens]`` in pyproject.toml, then the editor's
initialization options on top. Bad values are reported, never fatal."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .model import Severity

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".venv",
    "venv",
    "env",
    ".env",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
    "site-packages",
    ".eggs",
)


@dataclass
class Config:
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    max_file_size: int = 2_000_000
    problems: list[str] = field(default_factory=list)  # messages for the user

    def rule_enabled(self, code: str, name: str) -> bool:
        def matches(items):
            return any(code.upper().startswith(i.upper()) or i.lower() == name for i in items)

        if self.select and not matches(self.select):
            return False
        return not matches(self.ignore)

    def excluded(self, rel_path: str) -> bool:
        parts = rel_path.replace("\\", "/").split("/")
        if any(
            p in DEFAULT_EXCLUDE or (p.startswith(".") and p not in (".", "..")) for p in parts[:-1]
        ):
            return True  # environments, caches, and hidden folders (.git, .semgrep, ...)
        rel = "/".join(parts)
        for pattern in self.exclude:
            p = pattern.rstrip("/")
            if (
                fnmatch.fnmatch(rel, p)
                or fnmatch.fnmatch(rel, p + "/*")
                or any(fnmatch.fnmatch(x, p) for x in parts)
            ):
                return True
        return False


def _strings(value, key: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.append(f"`{key}` should be a list of strings; ignored")
    return ()


def apply(config: Config, data: dict, origin: str) -> Config:
    """Merge a settings table into ``config``; unknown keys and bad values become problems."""
    from . import catalogue

    problems = config.problems
    if not isinstance(data, dict):
        problems.append(f"{origin}: settings must be a table; ignored")
        return config
    known = {
        "select",
        "ignore",
        "severity",
        "exclude",
        "max-file-size",
        "max_file_size",
        "maxFileSize",
        "diagnosticMode",
        "diagnostic-mode",
    }
    for key in data:
        if key not in known:
            problems.append(f"{origin}: unknown setting `{key}` ignored")
    if "select" in data:
        config.select = _strings(data["select"], f"{origin}: select", problems)
    if "ignore" in data:
        config.ignore = config.ignore + _strings(data["ignore"], f"{origin}: ignore", problems)
    if "exclude" in data:
        config.exclude = config.exclude + _strings(data["exclude"], f"{origin}: exclude", problems)
    for key in ("max-file-size", "max_file_size", "maxFileSize"):
        if key in data:
            v = data[key]
            if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                config.max_file_size = v
            else:
                problems.append(f"{origin}: `{key}` should be a positive number of bytes; ignored")
    sev = data.get("severity")
    if sev is not None:
        if not isinstance(sev, dict):
            problems.append(f'{origin}: `severity` should be a table of CODE = "error"; ignored')
        else:
            cat = catalogue.load()
            for code, level in sev.items():
                rule = cat.get(str(code))
                if rule is None:
                    problems.append(f"{origin}: severity for unknown rule `{code}` ignored")
                    continue
                try:
                    config.severity[rule.code] = Severity(str(level).lower())
                except ValueError:
                    problems.append(
                        f"{origin}: severity `{level}` for {rule.code} is not one of critical, error, warning, info; ignored"
                    )
    cat = catalogue.load()
    for item in (*config.select, *config.ignore):
        if not any(r.code.startswith(item.upper()) or r.name == item.lower() for r in cat):
            problems.append(f"{origin}: `{item}` matches no rule")
    return config


def load(root: Path | None, overrides: dict | None = None) -> Config:
    config = Config()
    if root is not None:
        pyproject = root / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
                config.problems.append(
                    f"{pyproject}: cannot be read ({exc}); using default settings"
                )
            else:
                table = data.get("tool", {}).get("backend-lens")
                if table is not None:
                    apply(config, table, f"{pyproject.name} [tool.backend-lens]")
    if overrides:
        apply(config, overrides, "editor settings")
    return config
