"""The rule catalogue: one Markdown page per rule under ``rules/``.

Diagnostics, hover, ``backend-lens explain``, SARIF and the report all read it
from here. The pages ship inside the wheel as ``backend_lens/rules``; in a
source checkout they are read from the repository's ``rules/`` folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from .model import Severity

SECTIONS = (
    # (report heading, part of the report)
    ("API Design & Implementation", "API Development Analysis"),
    ("GraphQL & Real-time Services", "API Development Analysis"),
    ("API Security & Documentation", "API Development Analysis"),
    ("Integration & Error Handling", "API Development Analysis"),
    ("Authentication & Authorization Systems", "API Development Analysis"),
    ("Rate Limiting & Throttling", "API Development Analysis"),
    ("Schema Design & Modeling", "Database Design & Optimization"),
    ("Query Optimization & ORM Usage", "Database Design & Optimization"),
    ("Data Integrity & Migration Strategies", "Database Design & Optimization"),
    ("Connection Pooling & Transaction Management", "Database Design & Optimization"),
    ("Database Performance Issues", "Database Design & Optimization"),
    ("Business Logic & Domain Modeling", "Service Architecture & Performance"),
    ("Integration & Communication Patterns", "Service Architecture & Performance"),
    ("Performance & Scalability Evaluation", "Service Architecture & Performance"),
    ("Caching Strategies", "Service Architecture & Performance"),
    ("Background Job Processing", "Service Architecture & Performance"),
    ("Service Boundaries & Microservice Design", "Service Architecture & Performance"),
    ("Input Validation & Sanitization", "Security Implementation"),
    ("Data Protection & Encryption", "Security Implementation"),
    ("Audit Logging & Compliance", "Security Implementation"),
    ("Third-Party Security Integration", "Security Implementation"),
)
SECTION_NAMES = tuple(s for s, _ in SECTIONS)
# sections of rules about Backend Lens's own comments, not about the project's
# code: not a heading of the report (it lists their findings apart, under the
# Executive Summary), and their rules weigh on no score (``score: none``)
TOOL_SECTIONS = ("Suppression Comments",)
SCORES = ("api", "database", "service")
NO_SCORE = "none"
REQUIRED_KEYS = (
    "code",
    "name",
    "title",
    "section",
    "score",
    "severity",
    "confidence",
    "cwe",
    "fix",
)
REQUIRED_HEADINGS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fix",
    "References",
)


class CatalogueError(Exception):
    pass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    title: str
    section: str
    score: str
    severity: Severity
    confidence: str
    cwe: tuple[str, ...]
    fix: str
    frameworks: tuple[str, ...]
    tags: tuple[str, ...]
    example_path: str
    path: Path
    body: str
    sections: dict[str, str] = field(hash=False, compare=False)

    @cached_property
    def uri(self) -> str:  # asked for every diagnostic published: resolved once
        return self.path.resolve().as_uri()

    def code_block(self, heading: str) -> str | None:
        text = self.sections.get(heading, "")
        # python, or the language of a dependency manifest (toml, text)
        m = re.search(r"```(?:python|toml|text)\n(.*?)```", text, re.S)
        return m.group(1) if m else None

    def summary(self) -> str:
        text = self.sections.get("What it does", "").strip()
        return " ".join(text.split())

    def hover_markdown(self) -> str:
        parts = [f"**{self.code} · {self.name}** — {self.title}", ""]
        for heading in ("What it does", "Why is this bad?", "Fix"):
            if self.sections.get(heading):
                parts += [f"*{heading}* {self.sections[heading].strip()}", ""]
        parts.append(f"Section: {self.section}. [Full rule page]({self.uri})")
        return "\n".join(parts)


def _parse_value(raw: str):
    raw = raw.strip()
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1].strip()
        return tuple(v.strip().strip("'\"") for v in inner.split(",") if v.strip())
    return raw.strip("'\"")


def parse_page(path: Path) -> Rule:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    if not m:
        raise CatalogueError(f"{path}: no front matter (a block between '---' lines)")
    meta: dict[str, object] = {}
    for n, line in enumerate(m.group(1).splitlines(), 2):
        line = line.split("  #", 1)[0].rstrip()
        if not line.strip():
            continue
        if ":" not in line:
            raise CatalogueError(f"{path}:{n}: expected 'key: value'")
        key, value = line.split(":", 1)
        meta[key.strip()] = _parse_value(value)
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise CatalogueError(f"{path}: front matter lacks {', '.join(missing)}")
    body = m.group(2)
    sections: dict[str, str] = {}
    current = None
    for line in body.splitlines(keepends=True):
        h = re.match(r"## (.+?)\s*$", line)
        if h:
            current = h.group(1)
            sections[current] = ""
        elif current:
            sections[current] += line
    missing_h = [h for h in REQUIRED_HEADINGS if h not in sections]
    if missing_h:
        raise CatalogueError(f"{path}: missing sections {', '.join(missing_h)}")
    if meta["section"] not in SECTION_NAMES + TOOL_SECTIONS:
        raise CatalogueError(f"{path}: unknown report section {meta['section']!r}")
    if meta["section"] in TOOL_SECTIONS:
        if meta["score"] != NO_SCORE:
            raise CatalogueError(f"{path}: a rule about Backend Lens's comments has score: none")
    elif meta["score"] not in SCORES:
        raise CatalogueError(f"{path}: score must be one of {SCORES}")
    try:
        severity = Severity(meta["severity"])
    except ValueError:
        raise CatalogueError(f"{path}: unknown severity {meta['severity']!r}") from None

    def tup(key: str) -> tuple[str, ...]:
        v = meta.get(key, ())
        return (v,) if isinstance(v, str) and v else tuple(v or ())

    return Rule(
        code=str(meta["code"]),
        name=str(meta["name"]),
        title=str(meta["title"]),
        section=str(meta["section"]),
        score=str(meta["score"]),
        severity=severity,
        confidence=str(meta["confidence"]),
        cwe=tup("cwe"),
        fix=str(meta["fix"]),
        frameworks=tup("frameworks"),
        tags=tup("tags"),
        example_path=str(meta.get("example_path") or "example.py"),
        path=path,
        body=body,
        sections=sections,
    )


def rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parents[1] / "rules"):
        if candidate.is_dir():
            return candidate
    raise CatalogueError("the rule catalogue (rules/) is missing from the installation")


@dataclass(frozen=True)
class Catalogue:
    rules: dict[str, Rule]

    def get(self, code_or_name: str) -> Rule | None:
        key = code_or_name.strip()
        if key.upper() in self.rules:
            return self.rules[key.upper()]
        for rule in self.rules.values():
            if rule.name == key.lower():
                return rule
        return None

    def __iter__(self):
        return iter(sorted(self.rules.values(), key=lambda r: r.code))

    def __len__(self) -> int:
        return len(self.rules)


@cache
def load() -> Catalogue:
    rules: dict[str, Rule] = {}
    for path in sorted(rules_dir().rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        rule = parse_page(path)
        if rule.code in rules:
            raise CatalogueError(
                f"rule {rule.code} is documented twice: {rules[rule.code].path} and {path}"
            )
        rules[rule.code] = rule
    return Catalogue(rules)
