"""Two speeds for every fuzz test.

The quick slice (the default, part of ``./dev quick`` and ``./dev test``) uses
fixed seeds and a fixed number of inputs, so CI sees the same inputs each run.
The long run (``./dev fuzz``, or ``BACKEND_LENS_FUZZ_SECONDS=N pytest
tests/fuzz``) gives each test a share of N seconds, draws fresh random seeds,
and prints the seed of any failure so that it can be replayed with
``BACKEND_LENS_FUZZ_SEED``."""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import hypothesis
from hypothesis import HealthCheck, Phase, settings

SECONDS = float(os.environ.get("BACKEND_LENS_FUZZ_SECONDS", "0") or 0)
LONG = SECONDS > 0
FIXED_SEED = os.environ.get("BACKEND_LENS_FUZZ_SEED")

# the share of the long run each test gets (relative weights)
WEIGHTS = {
    "engine": 4.0,
    "engine_item5": 1.0,
    "engine_typos": 1.0,
    "hypothesmith": 1.5,
    "mutation_examples": 2.0,
    "mutation_labelled": 2.0,
    "mutation_typos": 0.5,
    "lsp_burst": 2.0,
    "lsp_burst_route": 0.5,
    "lsp_burst_settings": 1.0,
    "lsp_frames": 0.5,
    "lsp_mutation_labelled": 1.0,
    "lsp_mutation_examples": 1.0,
}


def share(name: str) -> float:
    return SECONDS * WEIGHTS[name] / sum(WEIGHTS.values())


@dataclass
class Stats:
    inputs: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


STATS: dict[str, Stats] = {}


def stats(name: str) -> Stats:
    return STATS.setdefault(name, Stats())


def count(name: str, n: int = 1) -> None:
    stats(name).inputs += n


_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def property_settings(quick_examples: int, shrink: bool = True) -> settings:
    """Settings for one @given test: derandomized and without shrinking in the
    quick slice (reproducible and cheap), random with shrinking in the long run
    (``shrink=False`` for the tests of defects still open: they fail at once and
    shrinking them would eat the run's time)."""
    if LONG:
        phases = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
        return settings(
            max_examples=max(5, quick_examples // 2),
            deadline=None,
            database=None,
            derandomize=False,
            phases=[*phases, Phase.shrink] if shrink else phases,
            suppress_health_check=_HEALTH,
            print_blob=True,
        )
    return settings(
        max_examples=quick_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=_HEALTH,
    )


_DEADLINES: dict[str, float] = {}


def spent(name: str) -> bool:
    """In the long run: is this test's share of time used up? A @given body
    checks it first and returns at once, so the batch ends soon after (rejecting
    the input instead would make hypothesis draw ten times as many)."""
    return LONG and not FIXED_SEED and time.monotonic() > _DEADLINES.get(name, float("inf"))


def drive_property(name: str, test: Callable[[], None]) -> None:
    """Run a @given test: once in the quick slice; in the long run batch after
    batch, each with a fresh seed, until the test's share of time is spent."""
    started = time.monotonic()
    try:
        if not LONG:
            test()
            return
        deadline = _DEADLINES[name] = started + share(name)
        while True:
            seed = int(FIXED_SEED) if FIXED_SEED else random.randrange(2**32)
            try:
                hypothesis.seed(seed)(test)()
            except BaseException:
                stats(name).failures.append(f"seed {seed}")
                print(
                    f"\nfuzz: {name} failed with seed {seed} "
                    f"(replay: BACKEND_LENS_FUZZ_SEED={seed})",
                    file=sys.stderr,
                )
                raise
            if FIXED_SEED or time.monotonic() >= deadline:
                return
    finally:
        stats(name).seconds += time.monotonic() - started


def seeds(name: str, quick: list[int]):
    """Seeds for a hand-written random loop: the fixed list in the quick slice,
    fresh random seeds until the share of time is spent in the long run."""
    if not LONG:
        yield from quick
        return
    if FIXED_SEED:
        yield int(FIXED_SEED)
        return
    deadline = time.monotonic() + share(name)
    while time.monotonic() < deadline:
        yield random.randrange(2**32)
