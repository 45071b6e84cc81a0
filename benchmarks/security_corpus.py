"""Backend Lens beside Bandit on the labelled security corpus (tests/security_corpus).

Runs Backend Lens (in process, as tests/test_security_corpus.py does) and Bandit
(``bandit -f json -q -r .`` in each of the four sub-projects, default settings)
and scores both on the same labels with the same matching: a result counts for
the CWE class of its CWE id (Backend Lens: the rule's ``cwe`` in the catalogue;
Bandit: the result's ``issue_cwe.id``) on the line it reports. Per class: the
labels (vuln / safe), then tp, fp, fn, precision and recall of each tool; then
the overall figures over every labelled class. Results of a class with no label
in the corpus are counted below the table and not scored. The label format and
the classes are in tests/security_corpus/README.md.

    .venv/bin/python benchmarks/security_corpus.py                  # --bandit /tmp/bandit-venv/bin/bandit
    .venv/bin/python benchmarks/security_corpus.py -v               # also every false alarm and miss

Exits 0 whatever the figures; 2 if Bandit could not be run (Backend Lens's
figures are printed all the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.security_corpus.score import (  # noqa: E402
    Counts,
    Score,
    backend_lens_hits,
    bandit_hits,
    class_key,
    details,
    read_labels,
    score,
)

DEFAULT_BANDIT = "/tmp/bandit-venv/bin/bandit"


def _cells(c: Counts | None) -> str:
    if c is None:
        return f"{'-':>3} {'-':>3} {'-':>3} {'-':>5} {'-':>5}"
    return f"{c.tp:3} {c.fp:3} {c.fn:3} {c.precision:5.2f} {c.recall:5.2f}"


def side_by_side(ours: Score, theirs: Score | None, covered: set[str]) -> list[str]:
    head = f"{'tp':>3} {'fp':>3} {'fn':>3} {'prec':>5} {'rec':>5}"
    rows = [
        f"{'':22} {'':9}   {'Backend Lens':^25}   {'Bandit':^25}",
        f"{'class':22} {'vuln/safe':>9}   {head}   {head}",
    ]
    for cls in sorted(ours.per_class, key=class_key):
        c = ours.per_class[cls]
        mark = "" if cls in covered else " *"
        other = theirs.per_class[cls] if theirs else None
        rows.append(f"{cls + mark:22} {f'{c.vuln}/{c.safe}':>9}   {_cells(c)}   {_cells(other)}")
    total = ours.overall
    rows.append(
        f"{'overall':22} {f'{total.vuln}/{total.safe}':>9}   {_cells(total)}   "
        f"{_cells(theirs.overall if theirs else None)}"
    )
    rows.append("* no Backend Lens rule has a CWE of this class yet")
    for name, result in (("Backend Lens", ours), ("Bandit", theirs)):
        if result is None:
            continue
        for cls, n in sorted(result.unlabelled.items(), key=lambda kv: class_key(kv[0])):
            rows.append(f"{name}: {n} result(s) of {cls}, a class with no labels (not scored)")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bandit", default=DEFAULT_BANDIT, help="the bandit executable")
    parser.add_argument("-v", "--verbose", action="store_true", help="list false alarms and misses")
    args = parser.parse_args(argv)

    labels = read_labels()
    hits, covered = backend_lens_hits()
    ours = score(labels, hits)
    theirs, code = None, 0
    try:
        theirs = score(labels, bandit_hits(args.bandit))
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"security_corpus: Bandit could not be run ({args.bandit}): {exc}", file=sys.stderr)
        code = 2
    vuln = sum(1 for lab in labels if lab.kind == "vuln")
    print(
        f"{len(labels)} labels ({vuln} vuln, {len(labels) - vuln} safe) "
        "in tests/security_corpus/{django_app,drf_app,flask_app,fastapi_app}\n"
    )
    print("\n".join(side_by_side(ours, theirs, covered)))
    if args.verbose:
        classes = sorted(ours.per_class, key=class_key)
        for name, result in (("Backend Lens", ours), ("Bandit", theirs)):
            if result is not None:
                print(f"\n{name}:")
                print("\n".join(details(result, classes)) or "(none)")
    return code


if __name__ == "__main__":
    sys.exit(main())
