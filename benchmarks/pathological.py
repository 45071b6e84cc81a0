"""Time and memory of ``backend-lens check`` on pathological inputs, at several sizes.

Each case is one generated file in its own folder under ``benchmarks/.data/pathological/``
(with a ``pyproject.toml`` that raises ``max-file-size`` so nothing is skipped), checked by
``backend-lens check --format json -q`` in a subprocess. For each size it prints the wall
time, the peak RSS of that process, the exit code, the number of findings and any note on
stderr, and the growth exponent of the CPU time from the previous size:
``log(t2/t1) / log(s2/s1)`` -- about 1 for linear growth, 2 for quadratic.

Cases (sizes can be changed with ``--sizes CASE=a,b,c``):

* ``chain``: ``x = a.m0().m1()...`` with N calls on one line (2,500 ... 20,000);
* ``chain-loop``: the same chain inside a ``for`` loop over a queryset in a view
  function (the detectors that look at calls inside loops see it);
* ``nesting``: N nested ``for`` loops (one space of indentation per level) with a
  ``.save()`` and a query in the innermost body (125 ... 1,000);
* ``nesting-busy``: N nested loops over querysets with a query, a ``.save()`` and an
  ``if ...: return`` at every level (50 ... 400);
* ``nesting-if``: N nested ``if`` blocks in an async view inside a transaction, with an
  HTTP call, a task, a ``sleep`` and a locking query at every level (50 ... 400);
* ``comprehension``: N list comprehensions nested in each other's element, on one
  line, reading a relation of the innermost row (100 ... 800);
* ``bigfile``: a file of N MB made of copies of the ``examples/shop`` modules
  (0.5 ... 5 MB).

    .venv/bin/python benchmarks/pathological.py                  # all cases, default sizes
    .venv/bin/python benchmarks/pathological.py --case chain --case nesting
    .venv/bin/python benchmarks/pathological.py --sizes bigfile=1,5,20

Exits 0 whatever the figures (it reports, it does not assert); 2 if a check could
not run (exit code 2 or a crash).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from throughput import SHOP, check_command, findings_in, run_measured  # noqa: E402

DEFAULT_SIZES: dict[str, list[float]] = {
    "chain": [2500, 5000, 10000, 20000],
    "chain-loop": [2500, 5000, 10000, 20000],
    "nesting": [125, 250, 500, 1000],
    "nesting-busy": [50, 100, 200, 400],
    "nesting-if": [50, 100, 200, 400],
    "comprehension": [100, 200, 400, 800],
    "bigfile": [0.5, 1, 2, 5],
}
UNITS = {
    "chain": "calls",
    "chain-loop": "calls",
    "nesting": "levels",
    "nesting-busy": "levels",
    "nesting-if": "levels",
    "comprehension": "levels",
    "bigfile": "MB",
}


def gen_chain(n: int) -> str:
    return "x = a" + "".join(f".m{i}()" for i in range(int(n))) + "\n"


def gen_chain_loop(n: int) -> str:
    chain = "".join(f".m{i}()" for i in range(int(n)))
    return (
        "from shop.models import Order\n\n\n"
        "def view(request):\n"
        "    for order in Order.objects.all():\n"
        f"        x = order{chain}\n"
        "        x.save()\n"
    )


def gen_nesting(n: int) -> str:
    out = ["from shop.models import Order\n\n\n", "def view(items):\n"]
    depth = int(n)
    for i in range(depth):
        out.append(" " * (i + 1) + f"for i{i} in items:\n")
    pad = " " * (depth + 1)
    out.append(pad + "Order.objects.filter(pk=i0).first()\n")
    out.append(pad + "i0.save()\n")
    return "".join(out)


def gen_nesting_busy(n: int) -> str:
    """Nested loops with a query, a save and a condition at every level."""
    out = ["from shop.models import Order\n\n\n", "def view(items):\n"]
    for i in range(int(n)):
        pad = " " * (i + 1)
        out.append(f"{pad}for i{i} in Order.objects.all():\n")
        out.append(f"{pad} Order.objects.filter(pk=i{i}.pk).first()\n")
        out.append(f"{pad} i{i}.customer.save()\n")
        out.append(f"{pad} if i{i}.customer is None:\n")
        out.append(f"{pad}  return\n")
    out.append(" " * (int(n) + 1) + "pass\n")
    return "".join(out)


def gen_nesting_if(n: int) -> str:
    """N nested ``if`` blocks in an async view inside a transaction, with calls at
    every level that rules judge by what encloses them (transaction, async, loop)."""
    out = [
        "import time\n\nimport requests\nfrom django.db import transaction\n",
        "from shop.models import Order\nfrom shop.tasks import notify\n\n\n",
        "async def view(request):\n",
        " with transaction.atomic():\n",
    ]
    for i in range(int(n)):
        pad = " " * (i + 2)
        out.append(f"{pad}if request.GET.get('k{i}'):\n")
        out.append(f"{pad} requests.get(request.GET['u'], timeout=5)\n")
        out.append(f"{pad} notify.delay({i})\n")
        out.append(f"{pad} time.sleep(0)\n")
        out.append(f"{pad} Order.objects.select_for_update().filter(pk={i})\n")
    out.append(" " * (int(n) + 2) + "pass\n")
    return "".join(out)


def gen_comprehension(n: int) -> str:
    """N comprehensions nested in each other's element, on one line."""
    depth = int(n)
    inner = "o0.customer.name"
    for i in range(depth):
        src = "Order.objects.all()" if i == depth - 1 else f"o{i + 1}.items.all()"
        inner = f"[{inner} for o{i} in {src} if o{i}.customer]"
    return f"from shop.models import Order\n\n\ndef view(request):\n    return {inner}\n"


def shop_modules() -> list[str]:
    texts = []
    for p in sorted(SHOP.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        text = p.read_text(encoding="utf-8")
        # a future import is only legal at the top; the rest is realistic code
        text = "".join(
            ln for ln in text.splitlines(keepends=True) if not ln.startswith("from __future__")
        )
        if text.strip():
            texts.append(text if text.endswith("\n") else text + "\n")
    return texts


def gen_bigfile(mb: float) -> str:
    target = int(mb * 1_000_000)
    modules = shop_modules()
    out: list[str] = []
    size = 0
    i = 0
    while size < target:
        text = modules[i % len(modules)]
        out.append(text)
        size += len(text.encode("utf-8"))
        i += 1
    return "".join(out)


GENERATORS = {
    "chain": gen_chain,
    "chain-loop": gen_chain_loop,
    "nesting": gen_nesting,
    "nesting-busy": gen_nesting_busy,
    "nesting-if": gen_nesting_if,
    "comprehension": gen_comprehension,
    "bigfile": gen_bigfile,
}


def write_case(data: Path, case: str, size: float) -> tuple[Path, int]:
    folder = data / f"{case}-{size:g}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    text = GENERATORS[case](size)
    (folder / "mod.py").write_text(text, encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        "[tool.backend-lens]\nmax-file-size = 1000000000\n", encoding="utf-8"
    )
    return folder, len(text.encode("utf-8"))


def measure(data: Path, case: str, size: float) -> dict:
    folder, nbytes = write_case(data, case, size)
    out, err = folder / "check.json", folder / "check.stderr"
    print(f"[{case} {size:g} {UNITS[case]}] checking {nbytes:,} bytes ...", file=sys.stderr)
    code, wall, rss, cpu = run_measured(
        [*check_command(), "--format", "json", "-q", str(folder)], out, err, cwd=folder
    )
    findings = findings_in(code, out)
    notes = [ln.strip() for ln in err.read_text(errors="replace").splitlines() if ln.strip()]
    return dict(
        case=case,
        size=size,
        bytes=nbytes,
        code=code,
        wall=wall,
        cpu=cpu,
        rss=rss,
        findings=findings,
        notes=notes,
    )


def exponent(a: float, b: float, sa: float, sb: float) -> str:
    if a <= 0 or b <= 0 or sa == sb:
        return "-"
    return f"{math.log(b / a) / math.log(sb / sa):.2f}"


def report(rows: list[dict]) -> None:
    print(
        f"Backend Lens pathological inputs  ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]})"
    )
    print(
        "exp(CPU): growth of the check's CPU time (user + system, steadier than wall time on a\n"
        "busy machine) from the previous size, log(t2/t1)/log(s2/s1); 1 = linear, 2 = quadratic.\n"
        "exp(bytes): the same for the file's size"
    )
    case = None
    prev = None
    for r in rows:
        if r["case"] != case:
            case = r["case"]
            prev = None
            print()
            print(f"{case}:")
            print(
                f"  {'size':>14}{'bytes':>13}{'wall s':>9}{'CPU s':>8}{'peak RSS':>11}"
                f"{'exp(CPU)':>9}{'exp(bytes)':>11}  exit  findings"
            )
        size = f"{r['size']:g} {UNITS[case]}"
        exp_t = exp_b = "-"
        if prev is not None:
            exp_t = exponent(prev["cpu"], r["cpu"], prev["size"], r["size"])
            exp_b = exponent(prev["bytes"], r["bytes"], prev["size"], r["size"])
        print(
            f"  {size:>14}{r['bytes']:>13,}{r['wall']:9.2f}{r['cpu']:8.2f}{r['rss'] / 1024:8.0f} MB"
            f"{exp_t:>9}{exp_b:>11}  {r['code']:>4}  {r['findings']}"
        )
        for note in r["notes"]:
            print(f"  {'':14}  stderr: {note[:150]}")
        prev = r


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    p.add_argument(
        "--case",
        action="append",
        choices=sorted(GENERATORS),
        help="a case to run (repeatable; default: all)",
    )
    p.add_argument(
        "--sizes",
        action="append",
        default=[],
        metavar="CASE=a,b,c",
        help="sizes for one case, e.g. chain=1000,2000 or bigfile=1,5,50 (MB)",
    )
    p.add_argument(
        "--data",
        default=str(HERE / ".data" / "pathological"),
        help="where the generated files and outputs go",
    )
    args = p.parse_args()
    sizes = dict(DEFAULT_SIZES)
    for spec in args.sizes:
        name, _, values = spec.partition("=")
        if name not in GENERATORS or not values:
            p.error(f"--sizes {spec}: expected CASE=a,b,c with CASE one of {sorted(GENERATORS)}")
        try:
            sizes[name] = [float(v) for v in values.split(",")]
        except ValueError:
            p.error(f"--sizes {spec}: sizes must be numbers")
    data = Path(args.data).resolve()
    data.mkdir(parents=True, exist_ok=True)
    rows = []
    for case in args.case or list(GENERATORS):
        for size in sizes[case]:
            rows.append(measure(data, case, size))
    report(rows)
    return 0 if all(r["code"] in (0, 1) for r in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
