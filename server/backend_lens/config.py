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
            return any(
                i and (code.upper().startswith(i.upper()) or i.lower() == name) for i in items
            )

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
        value = [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.append(f"`{key}` should be a list of strings; ignored")
    return ()


def _rule_items(value, origin: str, key: str, problems: list[str]) -> tuple[str, ...]:
    """Rule codes or names; an empty one would match every rule, so it is dropped."""
    items = _strings(value, f"{origin}: {key}", problems)
    kept = tuple(i for i in items if i.strip())
    if len(kept) != len(items):
        problems.append(f"{origin}: empty rule code in `{key}` ignored")
    return kept


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
        config.select = _rule_items(data["select"], origin, "select", problems)
    if "ignore" in data:
        config.ignore = config.ignore + _rule_items(data["ignore"], origin, "ignore", problems)
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


PYPROJECT_MAX_BYTES = 10_000_000


def _read_pyproject(pyproject: Path, problems: list[str]) -> dict | None:
    """The parsed file, or None with a problem saying why the defaults apply."""
    from .source.parsing import SkipFile, read_bytes

    try:
        data = tomllib.loads(read_bytes(pyproject, PYPROJECT_MAX_BYTES).decode("utf-8"))
    except SkipFile as exc:
        reason = f"cannot be read ({exc})"
        if str(exc).startswith("larger"):
            reason = f"cannot be read (larger than {PYPROJECT_MAX_BYTES // 1_000_000} MB)"
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        reason = f"cannot be read ({exc})"
    except RecursionError:
        reason = "cannot be read (nested too deeply)"
    else:
        tool = data.get("tool")
        if tool is None or isinstance(tool, dict):
            return data
        reason = f"`tool` should be a table, not {type(tool).__name__}"
    problems.append(f"{pyproject}: {reason}; using default settings")
    return None


def load(root: Path | None, overrides: dict | None = None) -> Config:
    config = Config()
    if root is not None:
        pyproject = root / "pyproject.toml"
        if pyproject.is_file():
            data = _read_pyproject(pyproject, config.problems)
            if data is not None:
                table = (data.get("tool") or {}).get("backend-lens")
                if table is not None:
                    apply(config, table, f"{pyproject.name} [tool.backend-lens]")
    if overrides:
        apply(config, overrides, "editor settings")
    return config
