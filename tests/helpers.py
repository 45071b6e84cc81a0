"""Shared helpers for the per-rule tests: run the engine on in-memory sources,
apply a finding's fix (or its suppression edit) to the files on disk, and check
that the result still parses.

Positions follow backend_lens.model: 1-based lines, 0-based code-point columns.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path

import parso
from backend_lens.engine.project import Project
from backend_lens.model import Edit, Finding
from backend_lens.source.lines import split_lines

_GRAMMAR = parso.load_grammar()


def write_files(tmp_path: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path -> source, dedented) under ``tmp_path``."""
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def analyze_files(tmp_path: Path, files: dict[str, str] | None = None) -> list[Finding]:
    """Write ``files`` (if given) and analyse the whole tree under ``tmp_path``."""
    if files:
        write_files(tmp_path, files)
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    return list(project.all_findings())


def example_files(block: str, example_path: str) -> dict[str, str]:
    """A snippet as files: a rule about several files (an import cycle between two
    apps) starts each further file with a `# file: path` line."""
    files: dict[str, str] = {}
    path, lines = example_path, []
    for line in block.splitlines(keepends=True):
        if line.startswith("# file: "):
            files[path] = "".join(lines)
            path, lines = line[len("# file: ") :].strip(), []
        else:
            lines.append(line)
    files[path] = "".join(lines)
    return files


def reanalyze(tmp_path: Path) -> list[Finding]:
    """Analyse the files currently on disk again (after a fix was applied)."""
    return analyze_files(tmp_path)


def only(findings: Iterable[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def rel(tmp_path: Path, finding_or_path) -> str:
    path = finding_or_path.path if hasattr(finding_or_path, "path") else finding_or_path
    return Path(path).resolve().relative_to(tmp_path.resolve()).as_posix()


def find_one(findings: Iterable[Finding], code: str) -> Finding:
    hits = only(findings, code)
    assert len(hits) == 1, (
        f"expected one {code}, got {[(f.code, f.start, f.message) for f in findings]}"
    )
    return hits[0]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle`` in dedented ``text``."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    seen = 0
    for n, line in enumerate(lines, 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return n
    raise AssertionError(f"{needle!r} not in the source")


def pos_of(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """(line, column in code points) of ``needle`` in dedented ``text``."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    seen = 0
    for n, line in enumerate(lines, 1):
        col = line.find(needle)
        while col != -1:
            seen += 1
            if seen == occurrence:
                return n, col
            col = line.find(needle, col + 1)
    raise AssertionError(f"{needle!r} not in the source")


def _offset(text: str, pos: tuple[int, int]) -> int:
    line, col = pos
    lines = split_lines(text)
    if line > len(lines):  # position at the end of the file
        return len(text) + col
    return sum(len(x) for x in lines[: line - 1]) + col


def apply_edits(tmp_path: Path, edits: Iterable[Edit]) -> dict[str, str]:
    """Apply edits to the files on disk, last position first within each file.
    Returns relative path -> new text of every edited file."""
    by_path: dict[str, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    out = {}
    for path, file_edits in by_path.items():
        p = Path(path)
        if not p.is_absolute():
            p = tmp_path / p
        text = p.read_bytes().decode("utf-8")  # as on disk: \r and \r\n kept
        for e in sorted(file_edits, key=lambda e: (e.start, e.end), reverse=True):
            a, b = _offset(text, e.start), _offset(text, e.end)
            assert a <= b, f"edit ends before it starts: {e}"
            text = text[:a] + e.text + text[b:]
        p.write_text(text, encoding="utf-8")
        out[rel(tmp_path, str(p))] = text
    return out


def apply_fix(tmp_path: Path, finding: Finding) -> dict[str, str]:
    """Apply ``finding.fix`` (edits may target other files than the finding's)."""
    assert finding.fix is not None, f"{finding.code} at {finding.start} offers no fix"
    return apply_edits(tmp_path, finding.fix.edits)


def apply_suppression(tmp_path: Path, finding: Finding) -> dict[str, str]:
    assert finding.suppress is not None, (
        f"{finding.code} at {finding.start} offers no suppression edit"
    )
    return apply_edits(tmp_path, [finding.suppress])


def parse_errors(text: str) -> list:
    return list(_GRAMMAR.iter_errors(_GRAMMAR.parse(text)))


def assert_parses(text: str) -> None:
    errors = parse_errors(text)
    assert errors == [], (
        f"edited code no longer parses: {[(e.start_pos, e.message) for e in errors]}\n{text}"
    )
    compile(text, "<fixed>", "exec")


def fix_and_recheck(tmp_path: Path, finding: Finding) -> tuple[dict[str, str], list[Finding]]:
    """Apply the fix, assert every edited file parses, and re-run the analysis.
    Returns (edited texts, findings after the fix)."""
    edited = apply_fix(tmp_path, finding)
    for text in edited.values():
        assert_parses(text)
    return edited, reanalyze(tmp_path)


def same_place(a: Finding, b: Finding) -> bool:
    return a.code == b.code and a.path == b.path and a.start == b.start


def assert_suppress_edit_silences(tmp_path: Path, finding: Finding) -> str:
    """Apply ``finding.suppress``; the file must still parse and the finding be gone
    (other findings of the same rule elsewhere may stay). Returns the edited text."""
    edited = apply_suppression(tmp_path, finding)
    (text,) = edited.values()
    assert_parses(text)
    assert f"backend-lens: ignore[{finding.code}]" in text or f", {finding.code}]" in text
    after = reanalyze(tmp_path)
    assert not [f for f in after if same_place(f, finding)], (
        f"{finding.code} still reported after suppression"
    )
    return text
