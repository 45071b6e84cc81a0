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
    # folders the project imports from (``src = ["backend", "services/api"]``); empty:
    # found from the layout (manage.py, src/, pyproject.toml / setup.cfg, packages)
    src: tuple[str, ...] = ()
    # package folders that pyproject.toml / setup.cfg declare (``package-dir``, ``where``)
    declared_src: tuple[tuple[str, str], ...] = ()  # (folder, "pyproject.toml" / "setup.cfg")
    # findings in tests, test settings, migrations (other than migration rules) and
    # scripts count in the report's scores and priorities too
    include_tests: bool = False
    # per-file results kept in the user's cache folder between runs (engine/cache.py)
    cache: bool = True
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
        "src",
        "include-tests",
        "include_tests",
        "includeTests",
        "cache",
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
    if "src" in data:
        folders = []
        for item in _strings(data["src"], f"{origin}: src", problems):
            folder = item.strip().strip("/").replace("\\", "/")
            if folder in ("", "."):
                folders.append(".")
            elif folder.startswith("/") or ".." in folder.split("/"):
                problems.append(
                    f"{origin}: src `{item}` should be a folder inside the project; ignored"
                )
            else:
                folders.append(folder)
        config.src = tuple(folders)
    for key in ("include-tests", "include_tests", "includeTests"):
        if key in data:
            if isinstance(data[key], bool):
                config.include_tests = data[key]
            else:
                problems.append(f"{origin}: `{key}` should be true or false; ignored")
    if "cache" in data:
        if isinstance(data["cache"], bool):
            config.cache = data["cache"]
        else:
            problems.append(f"{origin}: `cache` should be true or false; ignored")
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
                config.declared_src = _declared_src(data, "pyproject.toml")
                table = (data.get("tool") or {}).get("backend-lens")
                if table is not None:
                    apply(config, table, f"{pyproject.name} [tool.backend-lens]")
        setup_cfg = root / "setup.cfg"
        if not config.declared_src and setup_cfg.is_file():
            config.declared_src = _setup_cfg_src(setup_cfg)
    if overrides:
        apply(config, overrides, "editor settings")
    return config


def _clean_folder(value) -> str | None:
    if not isinstance(value, str):
        return None
    folder = value.strip().strip("/").replace("\\", "/")
    if not folder or folder == "." or folder.startswith("/") or ".." in folder.split("/"):
        return None
    return folder


def _declared_src(data: dict, origin: str) -> tuple[tuple[str, str], ...]:
    """Package folders pyproject.toml declares: setuptools ``package-dir`` /
    ``packages.find.where``, poetry ``packages = [{from = "src"}]``, hatch
    ``packages = ["src/x"]``."""
    found: list[str] = []
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    st = tool.get("setuptools") if isinstance(tool.get("setuptools"), dict) else {}
    pdir = st.get("package-dir")
    if isinstance(pdir, dict):
        found += [f for f in map(_clean_folder, pdir.values()) if f]
    packages = st.get("packages")
    if isinstance(packages, dict) and isinstance(packages.get("find"), dict):
        where = packages["find"].get("where")
        found += [f for f in map(_clean_folder, where if isinstance(where, list) else []) if f]
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    for item in poetry.get("packages") or []:
        if isinstance(item, dict):
            f = _clean_folder(item.get("from"))
            if f:
                found.append(f)
    try:
        hatch = tool["hatch"]["build"]["targets"]["wheel"]["packages"]
    except (KeyError, TypeError):
        hatch = []
    for item in hatch if isinstance(hatch, list) else []:
        f = _clean_folder(item)
        if f and "/" in f:
            found.append(f.rsplit("/", 1)[0])
    return tuple((f, origin) for f in dict.fromkeys(found))


def _setup_cfg_src(path: Path) -> tuple[tuple[str, str], ...]:
    import configparser

    from .source.parsing import SkipFile, read_bytes

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_bytes(path, PYPROJECT_MAX_BYTES).decode("utf-8"))
    except (SkipFile, UnicodeDecodeError, configparser.Error):
        return ()
    found: list[str] = []
    pdir = parser.get("options", "package_dir", fallback="")
    for line in pdir.splitlines():
        if "=" in line:
            f = _clean_folder(line.split("=", 1)[1])
            if f:
                found.append(f)
    f = _clean_folder(parser.get("options.packages.find", "where", fallback=""))
    if f:
        found.append(f)
    return tuple((f, "setup.cfg") for f in dict.fromkeys(found))
