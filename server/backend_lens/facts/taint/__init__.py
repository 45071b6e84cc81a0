"""Where request data goes: per-function taint flows, kept as facts.

Each function of a file gets a ``FunctionFlow``: what its parameters are, which
calls it makes with what, which sinks (a SQL statement, a shell command, a path
opened, ...) receive what, and what it returns. "What" is a set of *atoms*:

- ``("s", label, start, end, cleaned)``: data read from a request here (a source);
- ``("p", name, cleaned)``: the function's parameter ``name``, decided by its callers;
- ``("c", i, cleaned)``: the value returned by the function's call number ``i``,
  decided by the called function's flow when it is the project's own.

``cleaned`` holds the rule codes a sanitizer on the way made the value safe for
(``shlex.quote`` for shell commands, ``os.path.basename`` for paths); ``int()`` and
the other conversions drop the atoms altogether.

The walk is cheap and local: statements in order, names bound to the atoms of
what they are assigned (branches merge, loops run twice), containers carry the
atoms of their items. Nothing here reads another file: the ProjectIndex joins the
flows of all files (``TaintIndex``) to follow parameters to their callers and
calls to what they return. Analysis never imports or runs the analysed code.
"""

from .model import CallFlow, FunctionFlow, Hop, SinkFlow
from .resolve import TaintResolver
from .tables import SINKS, sink_codes
from .walk import function_flows

__all__ = [
    "SINKS",
    "CallFlow",
    "FunctionFlow",
    "Hop",
    "SinkFlow",
    "TaintResolver",
    "function_flows",
    "sink_codes",
]
