"""Client data that reaches a dangerous call: the taint rules VAL002-VAL009 (and the
tainted half of VAL001). The flows are facts (facts/taint/); this module turns a
sink that receives client data into a finding that names the source and lists
each hop as a related location."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ...facts.taint import Hop, SinkFlow
from ...model import Edit, Fix, Related
from ...source import syntax as sx
from ..base import Context, Site, detector, make_finding
from .redirect_fix import django_redirect_calls, redirect_fix

# code -> (what the data becomes, what to do)
RULES = {
    "VAL001": (
        "an SQL statement",
        "pass values as query parameters (`execute(sql, [value])`), never inside the SQL text",
    ),
    "VAL002": (
        "a shell command",
        "pass an argument list without `shell=True` (`subprocess.run([prog, arg])`) or quote "
        "it with `shlex.quote`",
    ),
    "VAL003": (
        "code that Python runs",
        "never evaluate client data: map the allowed values to functions or modules",
    ),
    "VAL004": (
        "HTML sent without escaping",
        "let the template escape it, or `escape()` / `format_html()` with the value as an argument",
    ),
    "VAL005": (
        "a template's source",
        "render a fixed template and pass the data as context (`render_template(name, x=...)`)",
    ),
    "VAL006": (
        "data that is deserialised into objects",
        "use JSON (`json.loads`) or `yaml.safe_load` for untrusted data",
    ),
    "VAL007": (
        "the host of an outgoing request (server-side request forgery)",
        "build the URL from a fixed host and check the host against an allow-list",
    ),
    "VAL008": (
        "a file path",
        "keep only the file name (`os.path.basename`, `secure_filename`) and check the "
        "resolved path stays inside the base folder",
    ),
    "VAL009": (
        "a redirect target (open redirect)",
        "check it with `url_has_allowed_host_and_scheme` or redirect to a named route",
    ),
}
TAINT_CODES = tuple(c for c in RULES if c != "VAL001")


def unit_flows(ctx: Context) -> list:
    """The flows (FileFacts.flows) of the functions in this unit of the file."""
    by_start = ctx.file_memo.get("flows")
    if by_start is None:
        by_start = ctx.file_memo["flows"] = {f.start: f for f in ctx.facts.flows}
    out = []
    for funcdef in ctx.nodes("funcdef"):
        flow = by_start.get(funcdef.children[1].start_pos)
        if flow is not None:
            out.append(flow)
    return out


def _leaf_at(module, pos):
    """The leaf that starts at or contains ``pos``, found without recursion (parso's
    ``get_leaf_for_position`` recurses once per level of nesting)."""
    node = module
    while hasattr(node, "children") and node.children:
        chosen = node.children[0]
        for child in node.children:
            if child.start_pos <= pos:
                chosen = child
            else:
                break
        node = chosen
    return node


def _site(ctx: Context, start, end) -> Site | None:
    # the node that spans exactly [start, end): one table of the nodes by position,
    # built once (a look-up from the root costs the depth of the tree)
    spans = ctx.memo.get("spans_by_start")
    if spans is None:  # this unit's nodes (the whole file's in a full analysis)
        spans = ctx.memo["spans_by_start"] = {}
        for nodes in ctx.by_type.values():
            for n in nodes:
                spans.setdefault((n.start_pos, n.end_pos), n)
    node = spans.get((start, end))
    if node is not None:
        return ctx.site(node)
    leaf = _leaf_at(ctx.module, start)
    last = _leaf_at(ctx.module, (end[0], max(end[1] - 1, 0)))
    if leaf is None or last is None or leaf.start_pos != start:
        return None
    return ctx.site(leaf, last)


def _where(path: str, here: str, pos) -> str:
    name = Path(path).name
    return f"line {pos[0]}" if path == here else f"{name}:{pos[0]}"


def message(code: str, sink: SinkFlow, hops: list[Hop], here: str, rules=None) -> str:
    becomes, advice = (rules or RULES)[code]
    source = hops[0].message.split(":", 1)[0]
    way = f" through {len(hops) - 1} call{'s' if len(hops) > 2 else ''}" if len(hops) > 1 else ""
    return (
        f"client data ({source}, {_where(hops[0].path, here, hops[0].start)}) reaches "
        f"`{sink.what}`{way} and becomes {becomes}: {advice}"
    )


def related(hops: list[Hop]) -> tuple[Related, ...]:
    return tuple(Related(h.path, h.start, h.end, h.message) for h in hops)


def judge_sink(
    ctx: Context,
    flow,
    sink: SinkFlow,
    code: str,
    fix: Fix | None = None,
    otherwise: Callable | None = None,
    reads: tuple[str, ...] = (),
    at=None,
    rules=None,
    max_calls: int | None = None,
):
    """The finding for ``sink`` when client data reaches it: now when it is read in
    the same function, else a judgement against the project's flows. ``otherwise``
    (index -> findings) is judged when no client data is found."""
    site = _site(ctx, *(at or sink.at))
    if site is None:
        return
    direct = [a for a in sink.atoms if a[0] == "s" and code not in a[-1]]
    if direct:
        a = min(direct, key=lambda a: a[2])
        hops = [Hop(ctx.path, a[2], a[3], f"{a[1]}: client data enters here")]
        yield make_finding(
            code, site, message(code, sink, hops, ctx.path, rules), fix, related(hops)
        )
        return
    path, here = ctx.path, ctx.path

    def judge(
        index, flow=flow, sink=sink, site=site, path=path, fix=fix, otherwise=otherwise, rules=rules
    ):
        facts = index.files.get(path)
        hops = None
        if facts is not None:
            hops = index.taint().trace(facts, flow, sink.atoms, code)
        if hops and max_calls is not None and len(hops) - 1 > max_calls:
            hops = None  # too far from the request for this rule
        if hops:
            yield make_finding(
                code, site, message(code, sink, hops, here, rules), fix, related(hops)
            )
        elif otherwise is not None:
            yield from otherwise(index)

    # a field of a body model is judged by the type its class declares, maybe in
    # another module: an edit of the class re-judges it (a field given to a helper
    # of another function is judged there, and re-judged when the flows change)
    typed = ("models",) if any(a[0] == "t" for a in sink.atoms) else ()
    yield ctx.defer(("flows", *reads, *typed), judge)


def tainted_sinks(ctx: Context, codes) -> Iterator[tuple[object, SinkFlow]]:
    for flow in unit_flows(ctx):
        for sink in flow.sinks:
            if sink.code in codes:
                yield flow, sink


YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
SAFE_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")


def _yaml_fix(ctx: Context, call: sx.Call) -> Fix | None:
    """`yaml.load(x)` -> `yaml.safe_load(x)` (the loader argument dropped)."""
    if call.method != "load" or len(call.args) != 1 or call.args[0].kind != "pos":
        return None
    ps = sx.parts(call.node)
    name_leaf = ps[call.index - 1].children[1] if call.index > 1 else ps[0]
    if name_leaf.type != "name" or name_leaf.value != "load":
        return None
    return Fix(
        "Use yaml.safe_load",
        (Edit(ctx.path, name_leaf.start_pos, name_leaf.end_pos, "safe_load"),),
    )


def _unsafe_yaml(ctx: Context):
    """yaml.load without a safe Loader: unsafe whatever the data is (the default
    loader of old PyYAML, FullLoader and UnsafeLoader build arbitrary objects)."""
    for _node, call in ctx.calls_of_qualified(YAML_LOADS):
        args = call.args
        loader = sx.kwarg(args, "Loader")
        loader_node = loader.value if loader else (args[1].value if len(args) > 1 else None)
        if loader_node is not None and any(s in sx.code(loader_node) for s in SAFE_LOADERS):
            continue
        if not args:
            continue
        yield call


SUBPROCESS_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
    }
)
SHELL_SPECIAL = set("|&;<>()$`\\\"'*?[]#~=%{}!\n\t")


def _argument_list(ctx: Context, node) -> list[str] | None:
    """The words of a command written as an f-string or `"..." + x` whose literal
    parts are plain words and whose values each stand for one whole word: the
    Python list that runs the same program without a shell. None otherwise."""
    pieces: list[tuple[str, object]] = []
    if node.type == "fstring":
        for c in node.children[1:-1]:
            if c.type == "fstring_string":
                pieces.append(("text", c.value))
            elif c.type == "fstring_expr":
                if len(c.children) != 3:  # a conversion or a format spec
                    return None
                pieces.append(("value", sx.code(c.children[1]).strip()))
            else:
                return None
    elif node.type == "arith_expr" and all(o.value == "+" for o in node.children[1::2]):
        for c in node.children[::2]:
            if c.type == "string":
                text = sx.string_value(c)
                if text is None or "\\" in sx.code(c):
                    return None
                pieces.append(("text", text))
            else:
                pieces.append(("value", sx.code(c).strip()))
    else:
        return None
    words: list[str] = []
    glued = False  # the last word may take more characters
    for kind, value in pieces:
        if kind == "text":
            if SHELL_SPECIAL & set(value) or "{" in value:
                return None
            parts = value.split(" ")
            if parts[0] and glued:
                return None  # `{name}.txt`: a value glued to text
            for k, part in enumerate(parts):
                if part:
                    words.append(f'"{part}"')
                glued = k == len(parts) - 1 and bool(part)
            if value.endswith(" "):
                glued = False
        else:
            if glued:
                return None  # `--name={x}`: a value glued to text
            words.append(value)
            glued = True
    # the program itself is written in the code, never taken from the data
    return words if words and words[0].startswith('"') else None


def _shell_fix(ctx: Context, call: sx.Call) -> Fix | None:
    """`subprocess.run(f"convert {src} out.png", shell=True)` ->
    `subprocess.run(["convert", src, "out.png"])`."""
    args = call.args
    shell = sx.kwarg(args, "shell")
    if not args or args[0].kind != "pos" or shell is None or sx.code(shell.value).strip() != "True":
        return None
    words = _argument_list(ctx, args[0].value)
    if words is None:
        return None
    first = args[0].value
    # the shell keyword goes with the comma before it
    prev = shell.node.get_previous_leaf()
    start = prev.start_pos if prev is not None and prev.value == "," else shell.node.start_pos
    return Fix(
        "Pass an argument list instead of shell=True",
        (
            Edit(ctx.path, first.start_pos, first.end_pos, "[" + ", ".join(words) + "]"),
            Edit(ctx.path, start, shell.node.end_pos, ""),
        ),
    )


@detector(*TAINT_CODES, section="Input Validation & Sanitization")
def tainted_data(ctx: Context):
    if ctx.facts.is_test:
        return
    yaml_calls = {c.node.start_pos: c for c in _unsafe_yaml(ctx)}
    shell_calls = {n.start_pos: c for n, c in ctx.calls_of_qualified(SUBPROCESS_CALLS)}
    redirects = django_redirect_calls(ctx)
    flagged = set()
    for flow, sink in tainted_sinks(ctx, TAINT_CODES):
        fix = None
        if sink.code == "VAL002" and sink.start in shell_calls:
            fix = _shell_fix(ctx, shell_calls[sink.start])
        if sink.code == "VAL009" and sink.start in redirects:
            fix = redirect_fix(ctx, redirects[sink.start])
        if sink.code == "VAL006" and sink.start in yaml_calls:
            fix = _yaml_fix(ctx, yaml_calls[sink.start])
            flagged.add(sink.start)
            yield from judge_sink(
                ctx, flow, sink, sink.code, fix, otherwise=_yaml_otherwise(ctx, sink, fix)
            )
            continue
        yield from judge_sink(ctx, flow, sink, sink.code, fix)
    for start, call in yaml_calls.items():
        if start in flagged:
            continue
        fix = _yaml_fix(ctx, call)
        yield make_finding("VAL006", ctx.site(call.args[0].value), YAML_MESSAGE, fix)


YAML_MESSAGE = (
    "`yaml.load` without a safe Loader builds arbitrary Python objects from the document "
    "(code execution when the YAML is not yours): use `yaml.safe_load`"
)


def _yaml_otherwise(ctx: Context, sink: SinkFlow, fix):
    site = _site(ctx, *sink.at)

    def otherwise(index, site=site, fix=fix):
        if site is not None:
            yield make_finding("VAL006", site, YAML_MESSAGE, fix)

    return otherwise
