"""The ``backend-lens`` command: serve, check, report, rules, explain."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
import time
from pathlib import Path

from . import __version__, baseline, catalogue
from .config import load as load_config
from .model import Finding

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DEBUG_ENV = "BACKEND_LENS_DEBUG"  # set to 1: an internal error also prints its traceback


class CliError(Exception):
    """A problem the user can fix: one line on stderr, exit 2."""


def _err(msg: str) -> None:
    print(f"backend-lens: {printable(msg)}", file=sys.stderr)


def printable(text: str) -> str:
    """``text`` with the undecodable bytes of file names (surrogate escapes) shown
    as ``\\xff``: always valid UTF-8, whatever the terminal or the file."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def _project_root(paths: list[Path]) -> Path:
    first = Path(os.path.realpath(paths[0]))
    return first if first.is_dir() else first.parent


def _check_output(output: str | None, make_folders: bool) -> None:
    """Refuse an --output that cannot be written before spending time on analysis."""
    if output is None or output == "-":
        return
    if not output:
        raise CliError("--output needs a file name (or - for the standard output)")
    out = Path(output)
    if out.is_dir():
        raise CliError(f"cannot write {output}: it is a folder; give a file name")
    folder = existing = out.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise CliError(f"cannot write {output}: {existing} is not a folder")
    if existing != folder and not make_folders:
        raise CliError(f"cannot write {output}: the folder {folder} does not exist")
    if not os.access(out if out.exists() else existing, os.W_OK):
        raise CliError(f"cannot write {output}: permission denied")


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(
            f"expected a number of processes (1 or more), not {value!r}"
        )
    return n


def _add_speed_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        metavar="N",
        help="worker processes for the analysis (default: the cores available; 1: this process only)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="analyse every file again and keep nothing (see `cache` in the settings)",
    )
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where results are kept between runs (default: $BACKEND_LENS_CACHE_DIR, else "
        "$XDG_CACHE_HOME/backend-lens or ~/.cache/backend-lens)",
    )


def _open_cache(args, root: Path, config):
    """The result cache for ``root``, or None when it is turned off."""
    from .engine.cache import ResultCache

    if getattr(args, "no_cache", False) or not config.cache:
        return None
    told: list[str] = []

    def warn(message: str) -> None:
        if not told:  # one message per run, whatever else goes wrong
            told.append(message)
            _err(f"warning: {message}")

    base = Path(args.cache_dir) if getattr(args, "cache_dir", None) else None
    return ResultCache.for_project(root, config, base, warn)


def _finish(project) -> None:
    """Commit what the run added to the result cache (jedi's answers found while judging)."""
    if project.cache is not None:
        project.cache.close()


def _build_project(paths: list[Path], quiet: bool, use_jedi: bool = True, args=None, warm=False):
    """The project of ``paths``, analysed. ``warm`` (check): a folder whose result
    cache holds the judged findings of the same files is not analysed or judged
    again (engine/snapshot.py): ``project.warm`` holds them; otherwise
    ``project.walk`` is set for :func:`_check_findings` to keep them."""
    import gc

    from .engine.project import Project

    # parse trees are large, short-lived object graphs: collect less often
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)

    single = len(paths) == 1 and paths[0].is_dir()
    if not (warm and single):
        _check_registry()
    missing = [str(p) for p in paths if not (p.exists() or p.is_symlink())]
    if missing:
        raise CliError(f"no such file or directory: {', '.join(missing)}")
    root = _project_root(paths)
    config = load_config(root)
    for problem in config.problems:
        _err(f"warning: {problem}")
    project = Project(root, config, use_jedi=use_jedi)
    project.cache = _open_cache(args, root, config)
    project.warm = project.walk = None
    if not (warm and single and project.cache is not None):
        _set_jobs(project, args)
    show = sys.stderr.isatty() and not quiet
    progress = ProgressLine() if show else (lambda i, n, rel: None)

    if single:
        if warm and project.cache is None:
            _check_registry()
            project.scan(progress)
        elif warm:
            from .engine import snapshot

            started = time.time_ns()
            found = project.discover()
            names = [str(p) for p in found]
            walk = snapshot.layout(project, names)
            # the snapshot is kept only by a run that passed the registry check, with
            # the same analysis code and catalogue (the settings digest says so)
            project.warm = snapshot.warm_check(project, names, walk, started, progress)
            if project.warm is None:
                _check_registry()
                _set_jobs(project, args)
                project.analyze_paths(found, progress)
                project.cache.keep_only(set(names))
                project.cache.flush()
                project.walk = (names, walk, started)
        else:
            project.scan(progress)
    else:
        files: list[Path] = []
        for p in paths:
            if p.is_dir():
                sub = Project(p, config, use_jedi=False)
                files.extend(sub.discover())
                project.skipped.update(sub.skipped)
            else:
                # named on the command line: followed wherever it leads (a loop or a
                # FIFO is still skipped with a message when it is read)
                files.append(Path(os.path.realpath(p)))
        project.analyze_paths(files, progress)
    if project.warm is None:
        project.remember_jedi()
    if show:
        progress.finish()
    for path, reason in sorted(project.skipped.items()):
        _err(f"skipped {project.rel(path)}: {reason}")
    errors = (
        project.warm.errors
        if project.warm is not None
        else {path: result.errors for path, result in project.results.items()}
    )
    for path, problems in sorted(errors.items()):
        for problem in problems:
            _err(f"warning: {project.rel(path)}: {problem}")
    return project


def _set_jobs(project, args) -> None:
    from .engine.parallel import default_jobs  # the process pool: only for a scan

    project.jobs = getattr(args, "jobs", None) or default_jobs()


def _check_registry() -> None:
    from .engine.analysis import check_registry

    check_registry()


def _check_findings(project) -> list[Finding]:
    """Every finding of a project that ``_build_project`` analysed."""
    if project.warm is not None:
        return project.warm.findings
    if project.walk is not None:
        from .engine import snapshot

        return snapshot.judge_all(project, *project.walk)
    return list(project.all_findings())


class ProgressLine:
    """One line on a terminal's stderr, redrawn at most ten times a second:
    a bar, files done, files per second and the time left."""

    WIDTH = 24

    def __init__(self, clock=time.monotonic, stream=None):
        self.clock = clock
        self.stream = stream if stream is not None else sys.stderr
        self.started = clock()
        self.shown_at = -1.0
        self.done = 0

    def __call__(self, i: int, n: int, rel: str) -> None:
        self.done = i + 1
        now = self.clock()
        if now - self.shown_at < 0.1 and i != n - 1:
            return
        self.shown_at = now
        self.stream.write("\r" + self.text(i + 1, n, now - self.started) + "\x1b[K")
        self.stream.flush()

    def text(self, done: int, total: int, elapsed: float) -> str:
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else None
        eta = "" if left is None else f"  {int(left) // 60}:{int(left) % 60:02d} left"
        return f"[{bar}] {done}/{total} files  {rate:.0f} files/s{eta}"

    def finish(self) -> None:
        elapsed = self.clock() - self.started
        self.stream.write(f"\ranalysed {self.done} files in {elapsed:.1f} s\x1b[K\n")
        self.stream.flush()


def _paths(given: list[str]) -> list[Path]:
    if any(not p for p in given):
        raise CliError("an empty path was given (use . for the current folder)")
    return [Path(p) for p in given]


def _display_path(path: str) -> str:
    try:
        return _display_from(path, os.getcwd())
    except OSError:
        return path


@functools.lru_cache(maxsize=8192)
def _display_from(path: str, cwd: str) -> str:
    """``path`` from ``cwd`` (once per file: a file has many findings)."""
    try:
        return str(Path(os.path.realpath(path)).relative_to(Path(cwd)))
    except (ValueError, OSError):
        return path


def _write_output(args, text: str) -> bool:
    """Write to stdout when there is no --output (or it is "-"); False if not written."""
    if args.output and args.output != "-":
        return False
    if sys.stdout is None:
        raise CliError("the standard output is closed; use --output FILE")
    sys.stdout.write(text)
    return True


def _emit(args, text: str, what: str) -> None:
    """``text`` to stdout, or atomically to ``--output`` with a line saying so."""
    if _write_output(args, text):
        return
    from .report.output import write_atomic

    try:
        write_atomic(Path(args.output), text)
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    if not args.quiet:
        _err(f"wrote {what} to {args.output}")


def format_text(findings: list[Finding]) -> str:
    cat = catalogue.load()
    out = []
    for f in findings:
        rule = cat.rules[f.code]
        out.append(
            f"{_display_path(f.path)}:{f.start[0]}:{f.start[1] + 1}: {f.code} [{f.severity.value}] "
            f"{f.message} ({rule.name}{', fix available' if f.fix else ''})"
        )
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
    if findings:
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        out.append(f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} ({summary}).")
    else:
        out.append("No problems found.")
    return "\n".join(out) + "\n"


def format_json(findings: list[Finding]) -> str:
    cat = catalogue.load()
    items = []
    for f in findings:
        rule = cat.rules[f.code]
        items.append(
            {
                "code": f.code,
                "name": rule.name,
                "section": rule.section,
                "severity": f.severity.value,
                "message": f.message,
                "path": _display_path(f.path),
                "start": {"line": f.start[0], "column": f.start[1] + 1},
                "end": {"line": f.end[0], "column": f.end[1] + 1},
                "cwe": list(rule.cwe),
                "fix": None
                if f.fix is None
                else {
                    "title": f.fix.title,
                    "edits": [
                        {
                            "path": _display_path(e.path),
                            "start": {"line": e.start[0], "column": e.start[1] + 1},
                            "end": {"line": e.end[0], "column": e.end[1] + 1},
                            "text": e.text,
                        }
                        for e in f.fix.edits
                    ],
                },
            }
        )
    return json.dumps(items, indent=2) + "\n"


def cmd_check(args) -> int:
    baseline.check_options(args.baseline, args.write_baseline, args.output)
    _check_output(args.output, make_folders=False)
    known = baseline.load(args.baseline) if args.baseline is not None else None
    project = _build_project(_paths(args.paths), args.quiet, args=args, warm=True)
    findings = _check_findings(project)
    if args.write_baseline is not None:  # a recording, not a check
        count = baseline.write(args.write_baseline, findings, project.root)
        _finish(project)
        if not args.quiet:
            _err(f"recorded {count} finding{'' if count == 1 else 's'} in {args.write_baseline}")
        return EXIT_CLEAN
    everything = findings  # fingerprints count repeats among all of them
    if known is not None:
        outcome = baseline.leave_out(findings, project.root, known, args.paths)
        findings = outcome.findings
        if not args.quiet:
            _err(baseline.summary(args.baseline, outcome))
    if args.format == "json":
        text = format_json(findings)
    elif args.format == "sarif":
        from .sarif import to_sarif

        text = json.dumps(to_sarif(findings, project.root, everything), indent=2) + "\n"
    elif args.format in ("github", "gitlab"):
        from . import ci_formats

        display = lambda path: printable(_display_path(path))  # noqa: E731
        if args.format == "github":
            text = ci_formats.format_github(findings, display)
        else:
            text = ci_formats.format_gitlab(findings, display, everything)
    else:
        text = printable(format_text(findings))
    _finish(project)
    _emit(args, text, f"{len(findings)} findings")
    if args.exit_zero:
        return EXIT_CLEAN
    from .ci_formats import fails

    return EXIT_FINDINGS if fails(findings, args.fail_on) else EXIT_CLEAN


def cmd_report(args) -> int:
    from .report.build import build_report, render

    started = time.monotonic()
    _check_output(args.output, make_folders=True)
    project = _build_project(_paths([args.path]), args.quiet, args=args)
    if args.include_tests:
        project.config.include_tests = True
    report = build_report(project)
    _finish(project)
    text = printable(render(report, args.format))
    if not _write_output(args, text):
        out = Path(args.output)
        from .report.output import write_atomic

        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(out, text)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        if not args.quiet:
            _err(
                f"wrote {out} ({report.files_analyzed} files, {len(report.findings)} findings, "
                f"{time.monotonic() - started:.1f}s)"
            )
    return EXIT_CLEAN


def cmd_inventory(args) -> int:
    from .inventory import build_inventory, to_json_text, to_text

    _check_output(args.output, make_folders=False)
    if Path(args.path).exists() and not Path(args.path).is_dir():
        raise CliError(f"{args.path}: inventory needs a folder (the project root)")
    project = _build_project(_paths([args.path]), args.quiet, args=args)
    inv = build_inventory(project)
    _finish(project)
    text = to_json_text(inv) if args.format == "json" else printable(to_text(inv))
    _emit(args, text, "the inventory")
    return EXIT_CLEAN


def cmd_rules(args) -> int:
    cat = catalogue.load()
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "title": r.title,
                        "section": r.section,
                        "score": r.score,
                        "severity": r.severity.value,
                        "confidence": r.confidence,
                        "cwe": list(r.cwe),
                        "fix": r.fix,
                    }
                    for r in cat
                ],
                indent=2,
            )
        )
        return EXIT_CLEAN
    width = max(len(r.name) for r in cat)
    for r in cat:
        print(f"{r.code:<8} {r.name:<{width}}  {r.severity.value:<8} {r.section}")
    return EXIT_CLEAN


def cmd_explain(args) -> int:
    rule = catalogue.load().get(args.code)
    if rule is None:
        _err(f"unknown rule {args.code!r}; `backend-lens rules` lists them")
        return EXIT_ERROR
    print(f"# {rule.code} · {rule.name}\n")
    print(
        f"{rule.title}\nSection: {rule.section} · severity {rule.severity.value} · "
        f"confidence {rule.confidence}" + (f" · {', '.join(rule.cwe)}" if rule.cwe else "") + "\n"
    )
    print(
        rule.body.split("\n", 2)[-1].strip()
        if rule.body.lstrip().startswith("#")
        else rule.body.strip()
    )
    return EXIT_CLEAN


def cmd_serve(args) -> int:
    from .lsp.server import serve

    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit() or not 0 <= int(port) < 65536:  # 0: any free port
            raise CliError(f"--tcp {args.tcp}: expected HOST:PORT, e.g. 127.0.0.1:2087")
    if args.log_file:
        try:
            with open(args.log_file, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise CliError(
                f"cannot write the log file {args.log_file}: {exc.strerror or exc}"
            ) from None
    try:
        return serve(tcp=args.tcp, log_file=args.log_file)
    except OSError as exc:  # the TCP port is taken, the address is not ours, ...
        raise CliError(f"cannot serve: {exc.strerror or exc}") from None


_RAN: list[str] = []  # the commands main() ran in this process
# commands that hold a whole project's results when they end
_EXIT_WITHOUT_TEARDOWN = ("check", "report", "inventory")


def run() -> None:
    """The ``backend-lens`` command and ``python -m backend_lens``: ``main``, then
    the exit. After a check of a large project the process holds every file's
    facts and findings, and Python's tear-down frees them one object at a time
    after the output is written (0.5 s of netbox's 9 s check): those commands
    flush what they wrote and leave at once (as mypy does). The server, and any
    error, exit the usual way."""
    code = main()
    if code != EXIT_ERROR and _RAN and _RAN[-1] in _EXIT_WITHOUT_TEARDOWN:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None and not stream.closed:
                    stream.flush()
            except (OSError, ValueError):
                sys.exit(code)  # let Python report what it can
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backend-lens", description=__doc__)
    parser.add_argument("--version", action="version", version=f"backend-lens {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the language server (stdio by default)")
    p.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead of stdio")
    p.add_argument("--log-file", help="also write the server's log to this file")
    p.set_defaults(func=cmd_serve)

    from .ci_formats import EXIT_CODES_HELP, SEVERITY_NAMES

    p = sub.add_parser(
        "check",
        help="report findings for CI (exit 0 clean, 1 findings, 2 error)",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+")
    p.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github", "gitlab"),
        default="text",
        help="github: GitHub Actions annotations; gitlab: a GitLab Code Quality report",
    )
    p.add_argument(
        "--fail-on",
        choices=SEVERITY_NAMES,
        metavar="SEVERITY",
        help="exit 1 only for a finding of this severity or worse: "
        + " | ".join(SEVERITY_NAMES)
        + " (default: any finding)",
    )
    p.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even with findings (2 still on an error)"
    )
    p.add_argument("--output", "-o")
    p.add_argument("--quiet", "-q", action="store_true")
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="leave out the findings recorded in FILE (by --write-baseline): report only new ones",
    )
    p.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record every current finding in FILE and exit 0 (nothing else is reported)",
    )
    _add_speed_options(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("report", help="render the Backend Development Report")
    p.add_argument("path")
    p.add_argument(
        "--format",
        choices=("markdown", "html", "json"),
        default="markdown",
        help="json: the same data for dashboards (scores, sections, findings, recommendations)",
    )
    p.add_argument(
        "--include-tests",
        action="store_true",
        help="score findings in tests, test settings, scripts and applied migrations too",
    )
    p.add_argument("--output", "-o")
    p.add_argument("--quiet", "-q", action="store_true")
    _add_speed_options(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "inventory",
        help="show the project model: source roots, frameworks, models, endpoints, tasks, settings",
    )
    p.add_argument("path")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--output", "-o")
    p.add_argument("--quiet", "-q", action="store_true")
    _add_speed_options(p)
    p.set_defaults(func=cmd_inventory)

    p = sub.add_parser("rules", help="list the rule catalogue")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("explain", help="show one rule's page")
    p.add_argument("code", help="a rule code (ORM001) or name (n-plus-one-relation-in-loop)")
    p.set_defaults(func=cmd_explain)

    args = parser.parse_args(argv)
    _RAN.append(args.command)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="backend-lens: %(levelname)s %(message)s"
    )
    try:
        code = args.func(args)
        if sys.stdout is not None and not sys.stdout.closed:  # serve closes it at exit
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return code
    except (CliError, baseline.BaselineError) as exc:
        _err(str(exc))
        return EXIT_ERROR
    except catalogue.CatalogueError as exc:
        _err(f"the rule catalogue is broken: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except BrokenPipeError:  # the reader of our output went away (| head)
        _silence_stdout()
        return EXIT_ERROR
    except OSError as exc:
        if exc.filename is None:  # writing to stdout failed (a full disk: > /dev/full)
            _silence_stdout()
            _err(f"cannot write the output: {exc.strerror or exc}")
        else:
            _err(f"{exc.filename}: {exc.strerror or exc}")
        _debug_traceback()
        return EXIT_ERROR
    except Exception as exc:  # never a traceback to a user
        _err(
            f"internal error: {type(exc).__name__}: {exc}"
            + ("" if os.environ.get(DEBUG_ENV) else f" (set {DEBUG_ENV}=1 to see where)")
        )
        _debug_traceback()
        return EXIT_ERROR


def _debug_traceback() -> None:
    if os.environ.get(DEBUG_ENV):
        import traceback

        traceback.print_exc()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it)
        pass


if __name__ == "__main__":
    sys.exit(main())
