"""Labels of the security corpus and per-CWE scoring.

Shared by ``tests/test_security_corpus.py`` (Backend Lens, with thresholds) and
``benchmarks/security_corpus.py`` (Backend Lens beside Bandit). See README.md
in this folder for the label format and the CWE classes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PROJECTS = ("django_app", "drf_app", "flask_app", "fastapi_app")
LABEL = re.compile(r"#\s*(vuln|safe):\s*(CWE-\d+(?:\s*,\s*CWE-\d+)*)")

# CWE ids that name the same weakness at a different level of detail (a parent
# and its children, or the ids different tools pick for one flaw) are scored as
# one class, named by the ids joined with "/".
GROUPS = (
    ("CWE-78", "CWE-77"),  # OS command injection / command injection
    ("CWE-79", "CWE-80", "CWE-1336"),  # XSS / basic XSS (Bandit) / template injection
    ("CWE-94", "CWE-95"),  # code injection / eval injection
    ("CWE-327", "CWE-328", "CWE-916"),  # broken or weak hash, fast password hash
    ("CWE-330", "CWE-338"),  # insufficiently random values / weak PRNG
    ("CWE-276", "CWE-732"),  # default / incorrect permissions
    ("CWE-798", "CWE-259", "CWE-321"),  # hard-coded credentials / password / key
    ("CWE-347", "CWE-345"),  # signature not verified / data authenticity
    ("CWE-489", "CWE-215"),  # debug code active / debug information exposed
    ("CWE-614", "CWE-1004"),  # cookie without Secure / without HttpOnly
    ("CWE-611", "CWE-776"),  # XML external entities / entity expansion
    ("CWE-1333", "CWE-730"),  # regular expression denial of service / DoS (CodeQL's id)
)
_CLASS = {
    cwe: "/".join([group[0], *(c.removeprefix("CWE-") for c in group[1:])])
    for group in GROUPS
    for cwe in group
}


def cwe_class(cwe: str | int) -> str:
    """The scoring class of a CWE id ("CWE-95", "95" or 95 -> "CWE-94/95")."""
    text = str(cwe).strip().upper()
    if not text.startswith("CWE-"):
        text = f"CWE-{text}"
    return _CLASS.get(text, text)


@dataclass(frozen=True)
class Label:
    project: str  # one of PROJECTS
    path: str  # relative to the project, with "/"
    line: int  # 1-based
    kind: str  # "vuln" or "safe"
    cls: str  # cwe_class of the labelled CWE


def read_labels(projects: Iterable[str] = PROJECTS) -> list[Label]:
    out: list[Label] = []
    for project in projects:
        base = ROOT / project
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base).as_posix()
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for kind, cwes in LABEL.findall(line):
                    classes = {cwe_class(c) for c in cwes.replace(" ", "").split(",")}
                    out.extend(Label(project, rel, n, kind, c) for c in sorted(classes))
    return out


# a finding of one tool, reduced to what is scored: (project, path, line, class)
Hit = tuple[str, str, int, str]


@dataclass
class Counts:
    vuln: int = 0  # labels
    safe: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_alarms: list[Hit] = field(default_factory=list)
    missed: list[Hit] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Score:
    per_class: dict[str, Counts]
    # hits of classes with no label at all in the corpus: not scored, listed
    unlabelled: dict[str, int]

    @property
    def overall(self) -> Counts:
        total = Counts()
        for c in self.per_class.values():
            total.vuln += c.vuln
            total.safe += c.safe
            total.tp += c.tp
            total.fp += c.fp
            total.fn += c.fn
        return total


def score(labels: list[Label], hits: Iterable[Hit]) -> Score:
    """tp: a hit on a line labelled vuln with its class; fp: a hit of a labelled
    class on any other line; fn: a vuln label with no hit of its class on its line."""
    per_class: dict[str, Counts] = defaultdict(Counts)
    vuln: set[Hit] = set()
    for lab in labels:
        counts = per_class[lab.cls]
        if lab.kind == "vuln":
            counts.vuln += 1
            vuln.add((lab.project, lab.path, lab.line, lab.cls))
        else:
            counts.safe += 1
    hits = set(hits)
    unlabelled: dict[str, int] = defaultdict(int)
    for hit in sorted(hits):
        cls = hit[3]
        if cls not in per_class:
            unlabelled[cls] += 1
        elif hit in vuln:
            per_class[cls].tp += 1
        else:
            per_class[cls].fp += 1
            per_class[cls].false_alarms.append(hit)
    for item in sorted(vuln - hits):
        per_class[item[3]].fn += 1
        per_class[item[3]].missed.append(item)
    return Score(dict(per_class), dict(unlabelled))


def class_key(cls: str) -> int:
    return int(cls.split("/")[0].removeprefix("CWE-"))


def table(result: Score, covered: set[str] | None = None, title: str = "") -> list[str]:
    """Rows per class (labels, tp, fp, fn, precision, recall) and the overall row.
    With ``covered``, classes outside it are listed after the table as not covered
    by any rule and are left out of the overall row."""
    rows = [title] if title else []
    rows.append(
        f"{'class':22} {'vuln':>4} {'safe':>4} {'tp':>3} {'fp':>3} {'fn':>3} "
        f"{'precision':>9} {'recall':>6}"
    )
    scored = Counts()
    not_covered = []
    for cls in sorted(result.per_class, key=class_key):
        c = result.per_class[cls]
        if covered is not None and cls not in covered:
            not_covered.append(f"not covered by any rule: {cls} ({c.vuln} vuln, {c.safe} safe)")
            continue
        rows.append(
            f"{cls:22} {c.vuln:4} {c.safe:4} {c.tp:3} {c.fp:3} {c.fn:3} "
            f"{c.precision:9.2f} {c.recall:6.2f}"
        )
        for name in ("vuln", "safe", "tp", "fp", "fn"):
            setattr(scored, name, getattr(scored, name) + getattr(c, name))
    rows.append(
        f"{'overall':22} {scored.vuln:4} {scored.safe:4} {scored.tp:3} {scored.fp:3} "
        f"{scored.fn:3} {scored.precision:9.2f} {scored.recall:6.2f}"
    )
    rows.extend(not_covered)
    for cls, n in sorted(result.unlabelled.items(), key=lambda kv: class_key(kv[0])):
        rows.append(f"findings of a class with no labels (not scored): {cls}: {n}")
    return rows


def details(result: Score, classes: Iterable[str]) -> list[str]:
    """The false alarms and misses of ``classes``, one per line."""
    out = []
    for cls in classes:
        c = result.per_class.get(cls)
        if c is None:
            continue
        out += [f"false alarm {cls}: {p}/{f}:{n}" for p, f, n, _ in c.false_alarms]
        out += [f"missed {cls}: {p}/{f}:{n}" for p, f, n, _ in c.missed]
    return out


# --- the tools -------------------------------------------------------------------


def backend_lens_hits(projects: Iterable[str] = PROJECTS) -> tuple[set[Hit], set[str]]:
    """Findings of Backend Lens on the corpus, mapped to CWE classes through the
    catalogue (rules without a CWE are ignored), and the classes some rule covers."""
    from backend_lens import catalogue
    from backend_lens.engine.project import Project

    rules = {rule.code: rule for rule in catalogue.load()}
    covered = {cwe_class(cwe) for rule in rules.values() for cwe in rule.cwe}
    hits: set[Hit] = set()
    for name in projects:
        project = Project(ROOT / name)
        project.scan()
        for finding in project.all_findings():
            rule = rules.get(finding.code)
            if rule is None:
                continue
            rel = project.rel(finding.path)
            for cwe in rule.cwe:
                hits.add((name, rel, finding.start[0], cwe_class(cwe)))
    return hits, covered


def bandit_hits(bandit: str, projects: Iterable[str] = PROJECTS) -> set[Hit]:
    """Results of Bandit (``-f json``, default settings) mapped to CWE classes by
    their ``issue_cwe.id``; results without a CWE are ignored."""
    hits: set[Hit] = set()
    for name in projects:
        base = ROOT / name
        proc = subprocess.run(
            [bandit, "-f", "json", "-q", "-r", "."],
            cwd=base,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode not in (0, 1) or not proc.stdout.strip():
            raise RuntimeError(f"bandit failed on {name}: {proc.stderr.strip()[:500]}")
        for result in json.loads(proc.stdout)["results"]:
            cwe = (result.get("issue_cwe") or {}).get("id")
            if not cwe:
                continue
            rel = Path(os.path.normpath(result["filename"])).as_posix()
            hits.add((name, rel, int(result["line_number"]), cwe_class(cwe)))
    return hits
