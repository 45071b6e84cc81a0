"""Precision and recall per CWE on the labelled security corpus (tests/security_corpus).

Every CWE class that some catalogue rule covers must reach precision 0.9 and
recall 0.8; classes no rule covers yet are printed, not asserted. The labels,
the CWE classes and the scoring live in tests/security_corpus/score.py, shared
with benchmarks/security_corpus.py (Backend Lens beside Bandit)."""

from __future__ import annotations

from tests.security_corpus.score import (
    backend_lens_hits,
    details,
    read_labels,
    score,
    table,
)

MIN_PRECISION, MIN_RECALL = 0.9, 0.8


def test_corpus_size_and_share_of_look_alikes():
    labels = read_labels()
    safe = sum(1 for lab in labels if lab.kind == "safe")
    assert len(labels) >= 250, len(labels)
    assert safe / len(labels) >= 0.4, (safe, len(labels))
    assert {lab.project for lab in labels} == {"django_app", "drf_app", "flask_app", "fastapi_app"}
    # a label names what must (vuln) or must not (safe) be reported on its line, not both
    seen = {(lab.project, lab.path, lab.line, lab.cls): lab.kind for lab in labels}
    both = [lab for lab in labels if seen[(lab.project, lab.path, lab.line, lab.cls)] != lab.kind]
    assert not both, both


def test_precision_and_recall_per_cwe(capsys):
    labels = read_labels()
    hits, covered = backend_lens_hits()
    result = score(labels, hits)
    rows = table(result, covered, title="Backend Lens on tests/security_corpus")
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    failures = [
        cls
        for cls, c in result.per_class.items()
        if cls in covered and c.vuln and (c.precision < MIN_PRECISION or c.recall < MIN_RECALL)
    ]
    assert not failures, "\n".join(rows + details(result, sorted(failures)))
