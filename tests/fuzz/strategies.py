"""Hypothesis strategies: small backend projects built from a grammar of the
snippets the detectors look for (Django models and querysets in loops, DRF
views, FastAPI routes, SQLAlchemy sessions, Celery tasks, settings, migrations),
the catalogue's own examples, and transformations that make the text nasty
(line ends, tabs, BOM, non-ASCII and astral characters, long lines, deep
nesting, NUL, and the characters Python and ``str.splitlines`` disagree on)."""

from __future__ import annotations

from backend_lens import catalogue
from hypothesis import strategies as st

# ------------------------------------------------------------------ vocabulary

MODEL_NAMES = ["Order", "Customer", "Invoice", "Payment", "Product", "Pédido", "Заказ", "Ledger"]
FIELD_NAMES = ["status", "email", "reference", "price", "amount", "slug", "número", "note"]
VARS = ["order", "o", "item", "línea", "заказ", "x", "𝔡ata"]  # 𝔡 is astral, NFKC 'd'
TEXTS = ["x", "paid", "ünïcode", "🚀 launch", "日本語", "a\\nb", "%s", "%"]
FIELD_KINDS = [
    "models.CharField(max_length=20)",
    "models.CharField(max_length=20, db_index=True)",
    "models.CharField(max_length=200, null=True)",
    "models.CharField(max_length=40, unique=True)",
    "models.EmailField()",
    "models.SlugField()",
    "models.FloatField()",
    "models.DecimalField(max_digits=10, decimal_places=2)",
    "models.DateTimeField(auto_now_add=True)",
    "models.IntegerField(default=0)",
]
FK_KINDS = [
    "models.ForeignKey({other}, on_delete=models.CASCADE)",
    "models.ForeignKey({other}, on_delete=models.PROTECT, related_name='+')",
    "models.OneToOneField({other}, null=True, on_delete=models.SET_NULL)",
    "models.ManyToManyField({other})",
]

ident = st.sampled_from(VARS)
model = st.sampled_from(MODEL_NAMES)
fieldname = st.sampled_from(FIELD_NAMES)
literal = st.sampled_from(TEXTS).map(lambda s: f'"{s}"')


@st.composite
def model_class(draw, name: str, others: list[str]) -> str:
    fields = draw(st.lists(st.tuples(fieldname, st.sampled_from(FIELD_KINDS)), max_size=4))
    lines = [f"class {name}(models.Model):"]
    seen = set()
    for fname, kind in fields:
        if fname not in seen:
            seen.add(fname)
            lines.append(f"    {fname} = {kind}")
    if others and draw(st.booleans()):
        other = draw(st.sampled_from(others))
        lines.append(
            f"    {other.lower()} = " + draw(st.sampled_from(FK_KINDS)).format(other=other)
        )
    if seen and draw(st.booleans()):
        f = sorted(seen)[0]
        lines += [
            "",
            "    class Meta:",
            f'        indexes = [models.Index(fields=["{f}"])]',
        ]
    if len(lines) == 1:
        lines.append("    pass")
    return "\n".join(lines) + "\n"


@st.composite
def models_file(draw) -> tuple[str, list[str]]:
    names = draw(st.lists(model, min_size=1, max_size=4, unique=True))
    parts = ["from django.db import models\n"]
    for i, name in enumerate(names):
        parts.append(draw(model_class(name, names[:i])))
    return "\n\n".join(parts), names


def _indent(block: str, n: int = 1) -> str:
    pad = "    " * n
    return "\n".join(pad + line if line.strip() else line for line in block.split("\n"))


@st.composite
def statement(draw, models: list[str], depth: int = 0) -> str:
    """One statement (possibly compound) of a function body, unindented."""
    m = draw(st.sampled_from(models))
    v = draw(ident)
    f = draw(fieldname)
    lit = draw(literal)
    rel = draw(st.sampled_from([x.lower() for x in models] + ["customer", "tags"]))
    simple = [
        f"{m}.objects.filter({f}={lit})",
        f"{m}.objects.filter({f}__icontains={v})",
        f'{m}.objects.filter({f}__startswith="%"+{v})',
        f'{m}.objects.order_by("?")[:5]',
        f"{m}.objects.select_for_update().get(pk=1)",
        f"{m}.objects.get(pk=1).{rel}.{f}",
        f"total = {m}.objects.filter({f}={lit}).count()",
        f"if {m}.objects.filter({f}={lit}).count() > 0:\n    return True",
        f"if len({m}.objects.all()):\n    pass",
        f"rows = [{v} for {v} in {m}.objects.all() if {v}.{f} == {lit}]",
        f'requests.get("https://partner.example/{draw(st.sampled_from(TEXTS))}")',
        f'requests.post(url, json={{"k": {lit}}})',
        f"httpx.get(url, params={{'q': {v}}})",
        "time.sleep(1)",
        f'cursor.execute(f"SELECT * FROM t WHERE {f} = {{{v}}}")',
        f'cursor.execute("SELECT * FROM t WHERE id = %s" % {v})',
        f"cursor.execute('DELETE FROM t WHERE x = {{}}'.format({v}))",
        f"send_mail({lit}, {lit}, None, [{v}.email])",
        f"notify_{f}.delay({v}.pk)",
        "engine = create_engine(url)",
        f"session = Session()\nsession.query({m}).filter_by({f}={lit}).all()",
        f"{v}.save()",
        f"{m}.objects.create({f}={lit})",
        f"{m}.objects.filter(pk={v}.pk).update({f}={lit})",
        f"{v} = {m}.objects.get(pk=1)  # comment with 🚀 and ü",
        f'log.info("done %s", {lit})',
        f"{m}.objects.bulk_create([{m}({f}={lit})])",
    ]
    options = [st.sampled_from(simple)]
    if depth < 3:
        body = st.lists(statement(models, depth + 1), min_size=1, max_size=3).map("\n".join)
        qs = st.sampled_from(
            [
                f"{m}.objects.all()",
                f"{m}.objects.filter({f}={lit})",
                f'{m}.objects.select_related("{rel}")',
                f"{m}.objects.prefetch_related('tags')",
                f"session.query({m}).all()",
                "range(10)",
            ]
        )
        options += [
            st.tuples(qs, body).map(
                lambda t, v=v, rel=rel: (
                    f"for {v} in {t[0]}:\n" + _indent(f"print({v}.{rel}.pk)\n{t[1]}")
                )
            ),
            body.map(lambda b: "with transaction.atomic():\n" + _indent(b)),
            body.map(lambda b: "with Session() as session:\n" + _indent(b)),
            body.map(lambda b: f"if {v}:\n" + _indent(b) + "\nelse:\n    pass"),
            body.map(lambda b: "try:\n" + _indent(b) + "\nexcept Exception:\n    raise"),
            body.map(lambda b: f"while {v}:\n" + _indent(b) + "\n    break"),
        ]
    return draw(st.one_of(*options))


@st.composite
def function(draw, models: list[str]) -> str:
    name = draw(st.sampled_from(["handle", "ship_orders", "refund", "tâche", "list_view"]))
    name += str(draw(st.integers(0, 99)))
    body = "\n".join(draw(st.lists(statement(models), min_size=1, max_size=5)))
    kind = draw(st.sampled_from(["def", "async def", "atomic", "task", "route", "method", "drf"]))
    if kind == "async def":
        return f"async def {name}(request, url=None):\n" + _indent(body)
    if kind == "atomic":
        return f"@transaction.atomic\ndef {name}(request, url=None):\n" + _indent(body)
    if kind == "task":
        deco = draw(st.sampled_from(["@shared_task", "@app.task(bind=True)", "@celery.task"]))
        return f"{deco}\ndef {name}(pk, url=None):\n" + _indent(body)
    if kind == "route":
        deco = draw(
            st.sampled_from(
                ['@router.get("/items/{item_id}")', '@app.post("/orders")', '@bp.route("/x")']
            )
        )
        return (
            f"{deco}\nasync def {name}(item_id: int, db: Session = Depends(get_db)):\n"
            + _indent(body)
        )
    if kind == "method":
        return (
            f"class {name.title()}View(View):\n    def get(self, request, url=None):\n"
            + _indent(body, 2)
        )
    m = draw(st.sampled_from(models))
    base = draw(
        st.sampled_from(
            ["generics.ListAPIView", "APIView", "viewsets.ModelViewSet", "ListView", "View"]
        )
    )
    perms = draw(st.sampled_from(["", "    permission_classes = [IsAuthenticated]\n"]))
    return (
        f"class {name.title()}({base}):\n"
        f"    queryset = {m}.objects.all()\n"
        f"    serializer_class = {m}Serializer\n{perms}"
        f"\n    def get_queryset(self, url=None):\n" + _indent(body, 2)
    )


VIEWS_HEADER = """\
import time

import httpx
import requests
from celery import shared_task
from django.core.mail import send_mail
from django.db import connection, transaction
from rest_framework import generics, viewsets
from rest_framework.views import APIView
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from .models import {models}

cursor = connection.cursor()
"""

SERIALIZER = """\
from rest_framework import serializers

from .models import {m}


class {m}Serializer(serializers.ModelSerializer):
    {rel} = serializers.StringRelatedField()
    {rel}_name = serializers.CharField(source="{rel}.name")

    class Meta:
        model = {m}
        fields = ["id", "{rel}", "{rel}_name"]
"""

SETTINGS = [
    'SECRET_KEY = "django-insecure-0123456789abcdef0123456789abcdef"',
    "DEBUG = True",
    'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"}}',
    'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60}}',
    'INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "shop"]',
    'REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]}',
    'CELERY_BROKER_URL = "redis://localhost:6379/0"',
    'ALLOWED_HOSTS = ["*"]',
]

MIGRATION_OPS = [
    'migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=10))',
    'migrations.AddField(model_name="order", name="n", field=models.IntegerField(null=True))',
    "migrations.RunPython(forwards)",
    "migrations.RunPython(forwards, migrations.RunPython.noop)",
    'migrations.AddIndex(model_name="order", index=models.Index(fields=["status"], name="ix"))',
    'migrations.AlterField(model_name="order", name="status", field=models.CharField(max_length=30, db_index=True))',
    'migrations.RemoveField(model_name="order", name="note")',
    'migrations.RunSQL("CREATE INDEX ix ON shop_order (status)")',
]


@st.composite
def migration_file(draw) -> str:
    ops = draw(st.lists(st.sampled_from(MIGRATION_OPS), min_size=1, max_size=4))
    atomic = draw(st.sampled_from(["", "    atomic = False\n"]))
    return (
        "from django.db import migrations, models\n\n\n"
        "def forwards(apps, schema_editor):\n"
        '    Order = apps.get_model("shop", "Order")\n'
        "    for o in Order.objects.all():\n"
        "        o.save()\n\n\n"
        f"class Migration(migrations.Migration):\n{atomic}"
        '    dependencies = [("shop", "0001_initial")]\n'
        "    operations = [\n" + "".join(f"        {op},\n" for op in ops) + "    ]\n"
    )


@st.composite
def alembic_file(draw) -> str:
    down = draw(
        st.sampled_from(
            [
                "",
                "\n\ndef downgrade():\n    pass\n",
                "\n\ndef downgrade():\n    op.drop_column('t', 'c')\n",
            ]
        )
    )
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        'revision = "3f2a"\ndown_revision = None\n\n\n'
        "def upgrade():\n"
        "    op.add_column('t', sa.Column('c', sa.String(), nullable=False))\n"
        "    op.create_index('ix', 't', ['c'])\n" + down
    )


@st.composite
def project(draw) -> dict[str, str]:
    """A small Django/DRF/Celery/SQLAlchemy project: relative path -> text."""
    models_text, names = draw(models_file())
    funcs = draw(st.lists(function(names), min_size=1, max_size=4))
    views = VIEWS_HEADER.format(models=", ".join(names)) + "\n\n" + "\n\n\n".join(funcs) + "\n"
    files = {"shop/models.py": models_text, "shop/views.py": views}
    if draw(st.booleans()):
        m = names[0]
        rel = names[1].lower() if len(names) > 1 else "customer"
        files["shop/serializers.py"] = SERIALIZER.format(m=m, rel=rel)
    if draw(st.booleans()):
        files["shop/settings.py"] = (
            "\n".join(draw(st.lists(st.sampled_from(SETTINGS), min_size=1, max_size=5))) + "\n"
        )
    if draw(st.booleans()):
        files["shop/migrations/0002_auto.py"] = draw(migration_file())
    if draw(st.integers(0, 4)) == 0:
        files["alembic/versions/3f2a_add.py"] = draw(alembic_file())
    return files


def catalogue_examples() -> list[tuple[str, str]]:
    """Every rule page's Example and Use-instead blocks, at the page's example path."""
    out = []
    for rule in catalogue.load():
        for heading in ("Example", "Use instead"):
            block = rule.code_block(heading)
            if block:
                out.append((rule.example_path or "example.py", block))
    return out


@st.composite
def catalogue_project(draw) -> dict[str, str]:
    examples = catalogue_examples()
    picked = draw(st.lists(st.sampled_from(examples), min_size=1, max_size=3))
    files: dict[str, str] = {}
    for i, (path, text) in enumerate(picked):
        if path in files:
            path = path.replace(".py", f"_{i}.py")
        files[path] = text
    return files


# ------------------------------------------------------------ nasty transforms

EMOJI = ["🚀", "🐍", "𝔘", "👩‍💻", "🇫🇷"]
LINE_ENDS = ["\n", "\r\n", "\r"]
# characters that are line breaks for str.splitlines but not for Python or parso
# (issue 8 item 5); \v and \x1c-\x1e are inside strings or comments only
SPLITLINES_ONLY = ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def _lines(text: str) -> list[str]:
    return text.split("\n")


@st.composite
def line_endings(draw, text: str) -> str:
    style = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    if style != "mixed":
        return text.replace("\n", style)
    parts = _lines(text)
    ends = draw(st.lists(st.sampled_from(LINE_ENDS), min_size=len(parts), max_size=len(parts)))
    return "".join(p + e for p, e in zip(parts[:-1], ends, strict=False)) + parts[-1]


def tabs(text: str) -> str:
    out = []
    for line in _lines(text):
        body = line.lstrip(" ")
        n = (len(line) - len(body)) // 4
        out.append("\t" * n + " " * ((len(line) - len(body)) % 4) + body)
    return "\n".join(out)


@st.composite
def comments(draw, text: str) -> str:
    """Comments with non-ASCII and astral characters at the end of some lines."""
    lines = _lines(text)
    for i in draw(st.lists(st.integers(0, len(lines) - 1), max_size=6)):
        if lines[i].strip() and not lines[i].rstrip().endswith("\\"):
            lines[i] += "  # " + draw(st.sampled_from(EMOJI + ["ünï", "日本", "\t"]))
    return "\n".join(lines)


@st.composite
def long_line(draw, text: str) -> str:
    n = draw(st.sampled_from([2_000, 12_000]))
    kind = draw(st.sampled_from(["string", "chain", "comment"]))
    if kind == "string":
        extra = 'LONG = "' + draw(st.sampled_from(["a", "é", "🚀"])) * n + '"'
    elif kind == "chain":
        extra = "QS = Order.objects" + ".filter(status='x')" * (n // 200) + ".count()"
    else:
        extra = "# " + "x" * n
    lines = _lines(text)
    at = draw(st.integers(0, len(lines)))
    # top level only: insert before a line that is not indented
    while at < len(lines) and lines[at][:1] in (" ", "\t", ")", "]", "}"):
        at += 1
    lines.insert(at, extra)
    return "\n".join(lines)


@st.composite
def deep_nesting(draw, text: str) -> str:
    depth = draw(st.integers(5, 60))
    kind = draw(st.sampled_from(["if", "parens", "for"]))
    if kind == "parens":
        extra = "DEEP = " + "(" * depth + "Order.objects.count()" + ")" * depth
    elif kind == "if":
        extra = (
            "def deep():\n"
            + "".join("    " * (i + 1) + f"if x{i}:\n" for i in range(depth))
            + "    " * (depth + 1)
            + "Order.objects.get(pk=1).customer.email"
        )
    else:
        depth = min(depth, 25)
        extra = (
            "def loops():\n"
            + "".join(
                "    " * (i + 1) + f"for o{i} in Order.objects.all():\n" for i in range(depth)
            )
            + "    " * (depth + 1)
            + f"o{depth - 1}.customer.save()"
        )
    return text.rstrip("\n") + "\n\n\n" + extra + "\n"


@st.composite
def splitlines_chars(draw, text: str) -> str:
    """Form feed at the start of lines (valid Python whitespace) and the other
    str.splitlines-only breaks inside comments and strings (issue 8 item 5)."""
    lines = _lines(text)
    for i in draw(st.lists(st.integers(0, len(lines) - 1), min_size=1, max_size=4)):
        ch = draw(st.sampled_from(SPLITLINES_ONLY))
        line = lines[i]
        if ch == "\f" and draw(st.booleans()):
            lines[i] = "\f" + line  # before the indentation: a form feed resets it
        elif line.strip() and not line.rstrip().endswith("\\") and '"""' not in line:
            lines[i] = line + "  # a" + ch + "b"
    return "\n".join(lines)


@st.composite
def nul_byte(draw, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + "\x00" + text[at:]


@st.composite
def nasty(draw, files: dict[str, str], item5: bool = False) -> dict[str, str]:
    """Apply some transformations to some files. With ``item5`` every project gets
    at least one character that str.splitlines breaks lines at and Python doesn't."""
    out = dict(files)
    paths = sorted(out)
    for path in paths:
        text = out[path]
        if draw(st.booleans()):
            text = draw(comments(text))
        if draw(st.integers(0, 3)) == 0:
            text = tabs(text)
        if draw(st.integers(0, 5)) == 0:
            text = draw(long_line(text))
        if draw(st.integers(0, 5)) == 0:
            text = draw(deep_nesting(text))
        if item5 and (path == paths[-1] or draw(st.booleans())):
            text = draw(splitlines_chars(text))
        if draw(st.integers(0, 2)) == 0:
            text = draw(line_endings(text))
        if draw(st.integers(0, 9)) == 0:
            text = "\ufeff" + text
        if draw(st.integers(0, 19)) == 0:
            text = draw(nul_byte(text))
        out[path] = text
    return out


def projects(item5: bool = False):
    """Generated or catalogue projects, made nasty."""
    return st.one_of(project(), project(), catalogue_project()).flatmap(
        lambda files: nasty(files, item5=item5)
    )
