"""SARIF 2.1.0 output for code-scanning tools."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import quote

from . import __version__, catalogue
from .model import Finding
from .source.lines import split_lines
from .source.parsing import SkipFile, read_bytes

LINE_SOURCE_MAX_BYTES = 100_000_000
LEVELS = {"critical": "error", "error": "error", "warning": "warning", "info": "note"}


def fingerprint_of(f: Finding, line_text: str, occurrence: int = 0) -> str:
    """Stable across unrelated edits: rule, file and the flagged line's text (and
    which repeat of that text it is), not the line number."""
    key = f"{f.code}|{Path(f.path).name}|{line_text.strip()}|{occurrence}"
    # a file name that is not valid UTF-8 hashes as its raw bytes
    h = hashlib.sha256(key.encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:32]


def _line(path: str, line: int, cache: dict[str, list[str]]) -> str:
    if path not in cache:
        try:  # a regular file, read without blocking and with a bound, like any source
            data = read_bytes(path, LINE_SOURCE_MAX_BYTES)
        except SkipFile:
            data = b""
        cache[path] = split_lines(data.decode("utf-8", "replace"), keepends=False)
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def line_keys(findings, file_of=lambda f: f.path, among=None) -> list[tuple[str, int]]:
    """What :func:`fingerprint_of` reads of each finding, in order: the flagged
    line's text, stripped, and which repeat it is of the findings before it with
    the same rule, file (``file_of``: the path; GitLab's report counts by file
    name, so that two `views.py` never share a fingerprint) and line text (0 for
    the first). Repeats are counted among ``among`` (default: ``findings``): the
    findings of the whole check when a baseline left some out, so that a new
    finding never takes the fingerprint of the known one it repeats."""
    file_lines: dict[str, list[str]] = {}
    seen: dict[tuple, int] = {}
    keys: dict[int, tuple[str, int]] = {}
    pool = findings if among is None else among
    for f in pool:
        text = _line(f.path, f.start[0], file_lines).strip()
        key = (f.code, file_of(f), text)
        occurrence = seen[key] = seen.get(key, -1) + 1
        keys[id(f)] = (text, occurrence)
    return [keys[id(f)] for f in findings]


def fingerprints(findings: list[Finding]) -> list[str]:
    """The fingerprint of each finding (the SARIF ``backendLens/v1`` one), in order."""
    return [
        fingerprint_of(f, text, n)
        for f, (text, n) in zip(findings, line_keys(findings), strict=True)
    ]


def to_sarif(findings: list[Finding], root: Path, among: list[Finding] | None = None) -> dict:
    """``among``: every finding of the check, when a baseline left some of
    ``findings`` out (see :func:`line_keys`)."""
    cat = catalogue.load()
    rules = list(cat)
    index = {r.code: i for i, r in enumerate(rules)}

    def uri(path: str) -> str:
        real = Path(os.path.realpath(path))
        try:
            rel = real.relative_to(root).as_posix()
        except ValueError:
            return real.as_uri()
        # a relative URI reference: the name's raw bytes, percent-encoded (RFC 3986)
        return quote(os.fsencode(rel), safe="/")

    results = []
    for f, (text, occurrence) in zip(findings, line_keys(findings, among=among), strict=True):
        rule = cat.rules[f.code]
        region = {
            "startLine": f.start[0],
            "startColumn": f.start[1] + 1,
            "endLine": f.end[0],
            "endColumn": f.end[1] + 1,
        }
        result = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": LEVELS[f.severity.value],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(f.path), "uriBaseId": "SRCROOT"},
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {"backendLens/v1": fingerprint_of(f, text, occurrence)},
            "properties": {"section": rule.section, "severity": f.severity.value},
        }
        if f.related:
            result["relatedLocations"] = [
                {
                    "id": i,
                    "message": {"text": r.message},
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(r.path), "uriBaseId": "SRCROOT"},
                        "region": {"startLine": r.start[0], "startColumn": r.start[1] + 1},
                    },
                }
                for i, r in enumerate(f.related)
            ]
        if f.fix:
            result["fixes"] = [
                {
                    "description": {"text": f.fix.title},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": uri(e.path), "uriBaseId": "SRCROOT"},
                            "replacements": [
                                {
                                    "deletedRegion": {
                                        "startLine": e.start[0],
                                        "startColumn": e.start[1] + 1,
                                        "endLine": e.end[0],
                                        "endColumn": e.end[1] + 1,
                                    },
                                    "insertedContent": {"text": e.text},
                                }
                            ],
                        }
                        for e in f.fix.edits
                    ],
                }
            ]
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Backend Lens",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/backend-lens/",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.title},
                                "fullDescription": {"text": r.summary()},
                                "help": {"text": r.summary(), "markdown": r.body.strip()},
                                "defaultConfiguration": {"level": LEVELS[r.severity.value]},
                                "properties": {
                                    "section": r.section,
                                    "tags": [*r.cwe, *r.tags, r.score],
                                    "precision": "high" if r.confidence == "high" else "medium",
                                    **(
                                        {
                                            "security-severity": {
                                                "critical": "9.0",
                                                "error": "7.0",
                                                "warning": "5.0",
                                                "info": "2.0",
                                            }[r.severity.value]
                                        }
                                        if "security" in r.tags
                                        else {}
                                    ),
                                },
                            }
                            for r in rules
                        ],
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
