"""Data Protection & Encryption: secrets written into settings files."""

from __future__ import annotations

import re

from ...facts.kinds import named_profile
from ...source import syntax as sx
from ..base import Context, detector

SECRET_NAME = re.compile(
    r"^(SECRET_KEY|\w+_SECRET|\w+_SECRET_KEY|\w+_API_KEY|\w+_PASSWORD|\w+_TOKEN)$"
)
EXEMPT_FILES = {
    "dev.py",
    "local.py",
    "test.py",
    "tests.py",
    "testing.py",
    "development.py",
    "ci.py",
}
ENV_GETTERS = {"os.environ.get", "os.getenv", "environ.get", "getenv"}


def _literal_secret(value):
    """The literal node holding a secret: the value itself, or an env lookup's default."""
    if value.type in ("string", "strings"):
        v = sx.string_value(value)
        return value if v else None
    if value.type in ("atom_expr", "power"):
        calls = sx.calls_in(value)
        if len(calls) == 1 and calls[0].callee in ENV_GETTERS:
            args = calls[0].args
            default = args[1].value if len(args) > 1 and args[1].kind == "pos" else None
            kw = sx.kwarg(args, "default")
            default = kw.value if kw is not None else default
            if default is not None and sx.string_value(default):
                return default
    return None


@detector("SEC001", section="Data Protection & Encryption", scope="file")
def hardcoded_secret(ctx: Context):
    if (
        not ctx.facts.is_settings
        or ctx.facts.is_test
        or ctx.rel_path.replace("\\", "/").rsplit("/", 1)[-1] in EXEMPT_FILES
    ):
        return
    # test and development settings (saleor/tests/settings.py, settings/dev_docker.py):
    # a key that only signs a test run's or a laptop's cookies protects nothing
    named = named_profile(ctx.facts.module)
    if named is not None and named[0] in ("test", "development"):
        return
    for expr in sx.top_level_expr_stmts(ctx.module):
        lhs, value = expr.children[0], expr.children[-1]
        if lhs.type != "name" or not SECRET_NAME.match(lhs.value):
            continue
        literal = _literal_secret(value)
        if literal is None:
            continue
        yield ctx.finding(
            "SEC001",
            literal,
            f"`{lhs.value}` is written into the settings file: anyone with the code (or its "
            "history) has it; read it from the environment or a secrets manager",
        )
