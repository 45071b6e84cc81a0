"""The fuzz suite's summary: inputs tried, failures found, time taken."""

from __future__ import annotations

from .budget import LONG, SECONDS, STATS
from .support import SEEN


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not STATS:
        return
    tr = terminalreporter
    mode = f"long run, {SECONDS:.0f} s budget" if LONG else "quick slice, fixed seeds"
    tr.write_sep("-", f"fuzz summary ({mode})")
    total_inputs = total_failures = 0
    total_seconds = 0.0
    for name, s in sorted(STATS.items()):
        total_inputs += s.inputs
        total_failures += len(s.failures)
        total_seconds += s.seconds
        line = f"{name:<22} {s.inputs:>7} inputs {len(s.failures):>4} failing {s.seconds:>8.1f} s"
        tr.write_line(line)
        for failure in s.failures[:10]:
            tr.write_line(f"    failed: {failure}")
    tr.write_line(
        f"{'total':<22} {total_inputs:>7} inputs {total_failures:>4} failing "
        f"{total_seconds:>8.1f} s"
    )
    if SEEN:
        codes = sorted(k.split()[1] for k in SEEN if k.startswith("finding "))
        tr.write_line(
            f"engine inputs exercised {len(codes)} rules ({', '.join(codes)}), "
            f"{SEEN['fixes applied']} fixes applied ({SEEN['fixes re-checked']} re-checked), "
            f"{SEEN['suppress edits applied and re-checked']} suppress edits re-checked"
        )
    xfailed = len([r for r in tr.stats.get("xfailed", []) if "fuzz" in r.nodeid])
    failed = len([r for r in tr.stats.get("failed", []) if "fuzz" in r.nodeid])
    tr.write_line(f"fuzz tests failed: {failed}; known defects still open (xfail): {xfailed}")
