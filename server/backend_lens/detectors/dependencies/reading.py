"""Reading dependency manifests as text: ``requirements*.txt``, ``pyproject.toml``
and ``Pipfile``. They are not Python: nothing here uses parso. TOML is checked
with ``tomllib`` (a file it refuses is not read) and the requirements are placed
by a small scan of the text, since ``tomllib`` gives no positions.

Positions are the engine's: 1-based lines, 0-based code-point columns.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace

from ...source.lines import split_lines


class Unreadable(Exception):
    """A manifest that cannot be read (malformed TOML), with the reason."""


@dataclass(frozen=True)
class Requirement:
    """One dependency as a manifest states it."""

    name: str  # normalised (PEP 503): lower case, runs of -_. as one -
    spec: str  # the version constraint as written ("" when none; "*" for any)
    style: str  # "pep440" (requirements, [project]) or "poetry" (^, ~, bare versions)
    source: str  # "index", "vcs", "url" or "path"
    ref: str  # the git ref of a VCS requirement ("" when none)
    line: int
    start: int  # column where the requirement starts
    end: int  # column where it ends (same line)
    spec_span: tuple[int, int] | None  # columns of the version text, for a fix
    group: str  # "" for the main dependencies, else the extra / group name
    comment_line: int | None  # where a suppression comment can go
    written: str = ""  # the name as the manifest spells it


NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
VCS = re.compile(r"^(git|hg|svn|bzr)\+", re.I)
URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
CLAUSE = re.compile(r"\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,;()]+)\s*")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _vcs_ref(url: str) -> str:
    """The ref after ``@`` in a VCS URL's path (``git+https://h/x.git@v1.2#egg=x``)."""
    body = url.split("#", 1)[0]
    scheme_end = body.find("://")
    path = body[scheme_end + 3 :] if scheme_end >= 0 else body
    path = path.split("/", 1)[1] if "/" in path else ""  # after the host (user@host too)
    return path.rsplit("@", 1)[1] if "@" in path else ""


def _egg(url: str) -> str:
    m = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", url)
    return m.group(1) if m else ""


def parse_pep508(text: str) -> tuple[str, str, str, str, tuple[int, int] | None] | None:
    """(name, spec, source, ref, columns of the spec in ``text``) of one PEP 508
    requirement, or None when it is not one (a path, an option, garbage)."""
    m = NAME.match(text)
    if not m:
        return None
    name = m.group(0)
    rest_at = m.end()
    rest = text[rest_at:]
    stripped = rest.lstrip()
    if stripped.startswith("["):  # extras
        close = stripped.find("]")
        if close < 0:
            return None
        rest_at += len(rest) - len(stripped) + close + 1
        rest = text[rest_at:]
        stripped = rest.lstrip()
    if stripped.startswith("@"):  # name @ url
        url = stripped[1:].split(";", 1)[0].strip()
        if VCS.match(url):
            return name, "", "vcs", _vcs_ref(url), None
        return name, "", "url", "", None
    spec_text = rest.split(";", 1)[0]
    spec_start = rest_at + len(spec_text) - len(spec_text.lstrip())
    spec = spec_text.strip()
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1].strip()
        spec_start = text.index("(", rest_at) + 1
    if spec and not all(CLAUSE.fullmatch(c) for c in spec.split(",")):
        return None
    span = (spec_start, spec_start + len(spec)) if spec else None
    return name, spec, "index", "", span


# -- requirements files ------------------------------------------------------------
_COMMENT = re.compile(r"(^|\s)#")
_OPTION_WITH_VALUE = re.compile(r"\s--?[a-zA-Z][\w-]*(=\S*)?(\s|$)")


def read_requirements(text: str) -> tuple[list[Requirement], list[str]]:
    """The requirements of a pip requirements file, and the files its ``-c``
    lines name (constraints). ``-r`` includes are not followed."""
    lines = split_lines(text, keepends=False)
    out: list[Requirement] = []
    constraints: list[str] = []
    i = 0
    while i < len(lines):
        first = i
        raw = lines[i]
        # a backslash at the end joins the next line (pip's rule); the requirement
        # is placed on its first line
        while raw.endswith("\\") and i + 1 < len(lines):
            i += 1
            raw = raw[:-1] + " " + lines[i]
        last = i
        i += 1
        m = _COMMENT.search(raw)
        body = raw[: m.start()] if m else raw
        content = body.strip()
        if not content:
            continue
        col = len(body) - len(body.lstrip())
        if content.startswith("-"):
            option, _, value = content.partition(" ")
            if "=" in option and not value:
                option, _, value = option.partition("=")
            value = value.strip()
            if option in ("-c", "--constraint"):
                constraints.append(value)
            if option in ("-e", "--editable") and value:
                req = _requirement_line(value, first, col + content.index(value), last)
                if req is not None:
                    out.append(req)
            continue
        # options after a requirement (--hash=..., --install-option ...) end it
        opt = _OPTION_WITH_VALUE.search(" " + content)
        if opt is not None:
            content = content[: max(0, opt.start() - 1)].rstrip()
        req = _requirement_line(content, first, col, last)
        if req is not None:
            if first != last:  # placed on its first line, up to the backslash
                end = len(lines[first].rstrip().rstrip("\\").rstrip())
                req = replace(req, end=max(req.start + 1, min(req.end, end)))
            out.append(req)
    return out, constraints


def _requirement_line(content: str, line: int, col: int, last: int) -> Requirement | None:
    end = col + len(content)
    comment = last + 1  # a comment goes on the line that ends the requirement
    line1 = line + 1
    if VCS.match(content):
        name = _egg(content) or content
        return Requirement(
            normalise(name),
            "",
            "pep440",
            "vcs",
            _vcs_ref(content),
            line1,
            col,
            end,
            None,
            "",
            comment,
            name,
        )
    if URL.match(content) or content.startswith((".", "/", "~")) or content.startswith("file:"):
        return None  # an archive, a wheel or a local path: one exact artifact
    parsed = parse_pep508(content)
    if parsed is None:
        return None
    name, spec, source, ref, span = parsed
    if span is not None:
        span = (col + span[0], col + span[1])
    return Requirement(
        normalise(name), spec, "pep440", source, ref, line1, col, end, span, "", comment, name
    )


# -- TOML ----------------------------------------------------------------------------
_TOKEN = re.compile(
    r'"""|\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|\[\[|\]\]|[\[\]{}=,]'
    r"|[^\s\"'#\[\]{}=,]+"
)
_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")


@dataclass(frozen=True)
class TomlString:
    """A string value of a TOML file with where it is and what holds it."""

    table: str  # the [table] it is in ("" before any header)
    key: str  # the key of the pair at the table's level
    inner: str  # the key inside an inline table ({version = "..."}), else ""
    value: str
    line: int  # 1-based
    start: int  # column of the opening quote
    end: int  # column after the closing quote
    key_start: int  # column where the pair's key starts, on the key's line
    key_line: int
    line_end: int = 0  # column where the line's content ends (before a comment)


def _unquote(token: str) -> str:
    if token.startswith("'"):
        return token[1:-1]
    try:
        return tomllib.loads(f"v = {token}")["v"]
    except tomllib.TOMLDecodeError:
        return token[1:-1]


def toml_strings(text: str) -> list[TomlString]:
    """Every one-line string value of ``text`` with its table and key. Multi-line
    strings are stepped over (no requirement is written as one)."""
    out: list[TomlString] = []
    table = ""
    key = inner = ""
    key_line = key_start = 0
    depth = 0  # nesting of [] and {} inside a value
    pending: str | None = None  # the last bare or quoted word: a key if "=" follows
    pending_col = 0
    quoted = False  # ``pending`` is a quoted word (recorded as a value: not one if a key)
    in_multi: str | None = None
    for n, line in enumerate(split_lines(text, keepends=False), 1):
        if in_multi is not None:
            if in_multi in line:
                in_multi = None
            continue
        if depth == 0:
            header = _HEADER.match(line)
            if header:
                table = ".".join(p.strip().strip("\"'") for p in header.group(1).split("."))
                key = inner = ""
                pending = None
                continue
        first_here = len(out)
        content_end = len(line.rstrip())
        for m in _TOKEN.finditer(line):
            tok = m.group(0)
            if tok.startswith("#"):
                content_end = len(line[: m.start()].rstrip())
                break
            if tok in ('"""', "'''"):
                rest = line[m.end() :]
                if tok not in rest:
                    in_multi = tok
                break  # what follows on this line is in the string
            if tok == "=":
                if pending is not None and quoted and out:
                    out.pop()  # a quoted key, not a value
                if pending is not None:
                    if depth == 0:
                        key, inner, key_line, key_start = pending, "", n, pending_col
                    else:
                        inner = pending
                pending = None
                continue
            if tok in ("[", "{", "[["):
                depth += 1
                pending = None
                continue
            if tok in ("]", "}", "]]"):
                depth = max(0, depth - 1)
                if depth <= 1:
                    inner = "" if tok == "}" else inner
                pending = None
                continue
            if tok == ",":
                pending = None
                continue
            if tok[0] in "\"'":
                value = _unquote(tok)
                out.append(
                    TomlString(table, key, inner, value, n, m.start(), m.end(), key_start, key_line)
                )
                pending, pending_col, quoted = value, m.start(), True
                continue
            pending, pending_col, quoted = tok, m.start(), False
        for i in range(first_here, len(out)):
            out[i] = replace(out[i], line_end=content_end)
    return out


def load_toml(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unreadable(f"not valid TOML ({exc})") from None
    except RecursionError:
        raise Unreadable("nested too deeply") from None


def _from_pep508_string(s: TomlString, group: str) -> Requirement | None:
    parsed = parse_pep508(s.value)
    if parsed is None:
        return None
    name, spec, source, ref, span = parsed
    start = s.start + 1  # inside the quotes
    if span is not None and s.value == _raw_inside(s):
        span = (start + span[0], start + span[1])
    else:
        span = None  # an escaped string: no fix by columns
    return Requirement(
        normalise(name),
        spec,
        "pep440",
        source,
        ref,
        s.line,
        start,
        s.end - 1,
        span,
        group,
        s.line,
        name,
    )


def _raw_inside(s: TomlString) -> str:
    return s.value if s.end - s.start - 2 == len(s.value) else ""


def read_pyproject(text: str, data: dict) -> list[Requirement]:
    """The requirements of ``[project] dependencies``, ``[project.optional-dependencies]``
    and Poetry's ``[tool.poetry.dependencies]``, with their places."""
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    deps = project.get("dependencies")
    main = set(deps) if isinstance(deps, list) else set()
    optional = project.get("optional-dependencies")
    optional = optional if isinstance(optional, dict) else {}
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    poetry_deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    poetry_deps = poetry_deps if isinstance(poetry_deps, dict) else {}
    out: list[Requirement] = []
    seen: set[tuple[int, int]] = set()
    for s in toml_strings(text):
        req = None
        if s.table == "project" and s.key == "dependencies" and not s.inner and s.value in main:
            req = _from_pep508_string(s, "")
        elif s.table == "project.optional-dependencies" and not s.inner:
            group = optional.get(s.key)
            if isinstance(group, list) and s.value in group:
                req = _from_pep508_string(s, s.key)
        elif s.table == "tool.poetry.dependencies" and s.key in poetry_deps:
            req = _from_table_entry(s, poetry_deps[s.key], "poetry")
        if req is not None and (req.line, req.start) not in seen:
            seen.add((req.line, req.start))
            out.append(req)
    return out


def read_pipfile(text: str, data: dict) -> list[Requirement]:
    """The requirements of a Pipfile's ``[packages]`` (``[dev-packages]`` are
    development tools: not read)."""
    packages = data.get("packages")
    packages = packages if isinstance(packages, dict) else {}
    out: list[Requirement] = []
    seen: set[str] = set()
    for s in toml_strings(text):
        if s.table == "packages" and s.key in packages and s.key not in seen:
            req = _from_table_entry(s, packages[s.key], "pep440")
            if req is not None:
                seen.add(s.key)
                out.append(req)
    return out


def _from_table_entry(s: TomlString, value: object, style: str) -> Requirement | None:
    """A ``name = "spec"`` or ``name = {version = "...", git = "..."}`` entry of
    Poetry's dependencies or a Pipfile, read at its first string."""
    name = s.key
    if normalise(name) == "python":
        return None
    if isinstance(value, list):  # Poetry's multiple constraints: judged by the first
        value = value[0] if value else ""
    # the whole ``name = ...`` entry when it is on one line (an inline table ends there)
    start, end = s.key_start, max(s.end, s.line_end)
    if s.key_line != s.line:
        start, end = s.start, s.end

    def entry(spec: str, source: str, ref: str, span) -> Requirement:
        return Requirement(
            normalise(name), spec, style, source, ref, s.line, start, end, span, "", s.line, name
        )

    if isinstance(value, str):
        if s.inner:
            return None
        span = (s.start + 1, s.end - 1) if _raw_inside(s) == value else None
        return entry(value.strip(), "index", "", span)
    if not isinstance(value, dict):
        return None
    if "git" in value or "hg" in value or "svn" in value:
        ref = next((str(value[k]) for k in ("rev", "tag", "ref") if value.get(k)), "")
        ref = ref or ("" if not value.get("branch") else str(value["branch"]))
        branch_only = bool(value.get("branch")) and not any(
            value.get(k) for k in ("rev", "tag", "ref")
        )
        return entry("", "vcs", "" if branch_only else ref, None)
    if "path" in value or "url" in value or "file" in value:
        return None
    version = value.get("version")
    version = version if isinstance(version, str) else "*"
    span = None
    if s.inner == "version" and _raw_inside(s) == version:
        span = (s.start + 1, s.end - 1)
    elif s.inner != "version":
        return None  # wait for the version string of this entry (or none: below)
    return entry(version.strip(), "index", "", span)
