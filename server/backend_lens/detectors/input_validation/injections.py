"""Client data that reaches a log message (VAL014), an XPath expression (VAL015),
an LDAP search filter (VAL016) or a regular expression (VAL017). The flows are
facts (facts/taint/), judged like the other taint rules in ``flows``."""

from __future__ import annotations

from ..base import Context, detector
from .flows import judge_sink, tainted_sinks

# code -> (what the data becomes, what to do)
RULES = {
    "VAL014": (
        "part of a log message (a newline in it forges log lines)",
        'pass it as a lazy argument written with `%r` (`logger.info("user %r", name)`), '
        "which escapes newlines",
    ),
    "VAL015": (
        "part of an XPath expression",
        "write the expression as a constant and pass the value as an XPath variable "
        '(`tree.xpath("//user[@name=$name]", name=value)`)',
    ),
    "VAL016": (
        "part of an LDAP search filter",
        "escape it with `escape_filter_chars()` (python-ldap `ldap.filter`, ldap3 "
        "`ldap3.utils.conv`) or build the filter with `ldap.filter.filter_format`",
    ),
    "VAL017": (
        "a regular expression (a pattern that backtracks for ever stalls the worker)",
        "match it literally with `re.escape()`, or compare strings without a regular expression",
    ),
}
CODES = tuple(RULES)
# a log message is judged only near the request: the view itself, or a function
# it calls with the value (deeper, what reaches a log line is mostly ids, emails
# and objects the code loaded, whose text the client did not write as sent)
LOG_MAX_CALLS = 1


@detector(*CODES, section="Input Validation & Sanitization")
def injected_data(ctx: Context):
    if ctx.facts.is_test:
        return
    for flow, sink in tainted_sinks(ctx, CODES):
        limit = LOG_MAX_CALLS if sink.code == "VAL014" else None
        yield from judge_sink(ctx, flow, sink, sink.code, rules=RULES, max_calls=limit)
