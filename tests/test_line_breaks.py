"""Characters that ``str.splitlines`` takes for line breaks but Python, parso and
the editor do not (form feed, vertical tab, U+001C-U+001E, U+0085, U+2028,
U+2029), and the real line breaks written as ``\\r`` or ``\\r\\n``: findings,
suppression comments, quick fixes and the Suppress edit must all count lines
the way the parser and the editor do."""

from __future__ import annotations

import pytest
from backend_lens.source.lines import split_lines

from .helpers import (
    analyze_files,
    apply_fix,
    apply_suppression,
    assert_parses,
    find_one,
    only,
)

ODD = {
    "form feed": "\x0c",
    "vertical tab": "\x0b",
    "file separator": "\x1c",
    "next line U+0085": "\x85",
    "line separator U+2028": "\u2028",
    "paragraph separator U+2029": "\u2029",
}

# the odd character in a comment, in a string, and (form feed) as indentation
SOURCE = (
    "import requests\n"
    "# a comment{ch}with an odd character\n"
    'NOTE = "a string{ch}with it too"\n'
    "{ff}\n"
    "\n"
    "def ping():\n"
    '    return requests.get("https://partner.example/ping"){suffix}\n'
    "\n"
    "\n"
    "def pong():\n"
    '    return requests.post("https://partner.example/pong")\n'
)
CALL_LINE = 7  # as Python, parso and every editor count


def source(ch: str, suffix: str = "", newline: str = "\n") -> str:
    text = SOURCE.format(ch=ch, ff="\x0c" if ch == "\x0c" else "", suffix=suffix)
    return text.replace("\n", newline)


def write(tmp_path, text: str) -> None:
    (tmp_path / "client.py").write_bytes(text.encode("utf-8"))


@pytest.mark.parametrize("name", ODD)
def test_split_lines_counts_like_python(name):
    text = source(ODD[name])
    lines = split_lines(text)
    assert len(lines) == 11
    assert lines[CALL_LINE - 1].lstrip().startswith("return requests.get(")
    compile(text, "client.py", "exec")  # the sample is valid Python


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("name", ODD)
def test_finding_is_on_the_line_the_editor_shows(tmp_path, name, newline):
    write(tmp_path, source(ODD[name], newline=newline))
    found = only(analyze_files(tmp_path), "INT001")
    assert sorted(f.start[0] for f in found) == [CALL_LINE, 11]


@pytest.mark.parametrize("name", ODD)
def test_suppression_comment_below_the_odd_character_is_honoured(tmp_path, name):
    write(tmp_path, source(ODD[name], suffix="  # backend-lens: ignore[INT001]"))
    found = only(analyze_files(tmp_path), "INT001")
    assert [f.start[0] for f in found] == [11]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("name", ODD)
def test_suppress_edit_lands_at_the_end_of_the_flagged_line(tmp_path, name, newline):
    write(tmp_path, source(ODD[name], newline=newline))
    finding = next(f for f in analyze_files(tmp_path) if f.start[0] == CALL_LINE)
    (text,) = apply_suppression(tmp_path, finding).values()
    assert_parses(text)
    line = split_lines(text, keepends=False)[CALL_LINE - 1]
    assert line.endswith('/ping")  # backend-lens: ignore[INT001]'), line
    assert [f.start[0] for f in only(analyze_files(tmp_path), "INT001")] == [11]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("name", ODD)
def test_quick_fix_edits_the_flagged_call(tmp_path, name, newline):
    write(tmp_path, source(ODD[name], newline=newline))
    finding = find_one([f for f in analyze_files(tmp_path) if f.start[0] == CALL_LINE], "INT001")
    (text,) = apply_fix(tmp_path, finding).values()
    assert_parses(text)
    assert "timeout=" in split_lines(text, keepends=False)[CALL_LINE - 1]
    # the odd characters are still where they were; nothing else moved
    assert text.count(ODD[name]) == source(ODD[name]).count(ODD[name])
    assert [f.start[0] for f in only(analyze_files(tmp_path), "INT001")] == [11]


@pytest.mark.parametrize("name", ODD)
def test_sarif_fingerprints_ignore_an_odd_character_on_another_line(tmp_path, name):
    from backend_lens.engine.project import Project
    from backend_lens.sarif import to_sarif

    def fingerprints(text: str) -> list[str]:
        root = tmp_path / str(len(list(tmp_path.iterdir())))
        root.mkdir()
        write(root, text)
        project = Project(root, use_jedi=False)
        project.scan()
        sarif = to_sarif(list(project.all_findings()), project.root)
        return [next(iter(r["partialFingerprints"].values())) for r in sarif["runs"][0]["results"]]

    # the same flagged lines, with and without the odd character two lines above
    assert fingerprints(source(ODD[name])) == fingerprints(source(""))
