"""Data Integrity & Migration Strategies: MIG002 add-non-null-column-without-default,
MIG003 index-created-without-concurrently, MIG004 alembic-migration-without-downgrade."""

from __future__ import annotations

import textwrap

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_parses,
    assert_suppress_edit_silences,
    fix_and_recheck,
    only,
    pos_of,
    reanalyze,
)

DJANGO_IMPORTS = "from django.db import migrations, models"
PG_SETTINGS = {
    "shop/settings.py": """
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "shop",
        }
    }
    """
}
SQLITE_SETTINGS = {
    "shop/settings.py": """
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
    """
}


def migration(*ops: str, imports: str = DJANGO_IMPORTS, head: str = "") -> str:
    """A migration module whose ``operations`` holds ``ops`` (each one element,
    written at the element's indentation), with ``head`` as the first class lines."""
    body = "".join(f"        {op},\n" for op in ops)
    head_lines = "".join(f"    {line}\n" for line in head.splitlines())
    return (
        f"{imports}\n\n\nclass Migration(migrations.Migration):\n{head_lines}"
        f'    dependencies = [("shop", "0003_previous")]\n\n'
        f"    operations = [\n{body}    ]\n"
    )


def codes(tmp_path, files: dict[str, str], code: str):
    return only(analyze_files(tmp_path, files), code)


# -- MIG002 ------------------------------------------------------------------------

MIG002_PATH = "shop/migrations/0004_order_channel.py"

MIG002_EXAMPLE = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_order_total")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=20),
        ),
    ]
"""

MIG002_USE_INSTEAD = MIG002_EXAMPLE.replace("max_length=20)", 'max_length=20, default="web")')


def mig002(tmp_path, src: str, path: str = MIG002_PATH):
    return codes(tmp_path, {path: src}, "MIG002")


def test_mig002_rule_page_example(tmp_path):
    (f,) = mig002(tmp_path, MIG002_EXAMPLE)
    assert f.start == pos_of(MIG002_EXAMPLE, "migrations.AddField(")
    assert f.end == (pos_of(MIG002_EXAMPLE, "        ),")[0], 9)  # the call's closing ")"
    assert "`order.channel`" in f.message and "CharField" in f.message
    assert "no default" in f.message and "null=True" in f.message
    assert f.severity == Severity.ERROR
    assert f.fix is None


def test_mig002_rule_page_use_instead_is_quiet(tmp_path):
    assert mig002(tmp_path, MIG002_USE_INSTEAD) == []


@pytest.mark.parametrize(
    "field",
    [
        "models.CharField(max_length=20)",
        "models.CharField(max_length=20, null=False)",
        "models.IntegerField(blank=True)",  # blank=True fills only text columns
        "models.BooleanField()",
        "models.DateTimeField()",
        "models.DateTimeField(auto_now=False)",
        "models.JSONField()",
        'models.ForeignKey(on_delete=models.CASCADE, to="shop.customer")',
        'models.OneToOneField(on_delete=models.CASCADE, to="shop.customer")',
        "models.DecimalField(max_digits=12, decimal_places=2)",
    ],
)
def test_mig002_flags_not_null_fields_without_default(tmp_path, field):
    op = f'migrations.AddField(model_name="order", name="extra", field={field})'
    src = migration(op)
    (f,) = mig002(tmp_path, src)
    assert f.start == pos_of(src, "migrations.AddField(")
    kind = field.split("(")[0].split(".")[-1]
    assert f"`order.extra` as a NOT NULL {kind}" in f.message


@pytest.mark.parametrize(
    "field",
    [
        "models.CharField(max_length=20, null=True)",
        "models.CharField(max_length=20, default='')",
        "models.IntegerField(default=0)",
        "models.IntegerField(db_default=0)",
        "models.BooleanField(default=False)",
        "models.CharField(max_length=20, blank=True)",  # Django fills old rows with ""
        "models.TextField(blank=True)",
        "models.DateTimeField(auto_now_add=True)",  # filled with the current time
        "models.DateField(auto_now=True)",
        'models.ManyToManyField(to="shop.tag")',  # a separate table
        "models.BigAutoField(primary_key=True, serialize=False)",
        "models.CharField(max_length=20, null=settings.NULLABLE)",  # cannot tell
        "models.CharField(**options)",
        "field",  # not a call
        "CountryField(max_length=2)",  # third-party field: not necessarily one column
        "django_countries.fields.CountryField(max_length=2)",
        "models.CharField(max_length=20).clone()",
    ],
)
def test_mig002_fields_existing_rows_can_get_are_quiet(tmp_path, field):
    op = f'migrations.AddField(model_name="order", name="extra", field={field})'
    assert mig002(tmp_path, migration(op)) == []


def test_mig002_positional_arguments_and_names_imported_from_django(tmp_path):
    src = migration(
        'AddField("order", "channel", CharField(max_length=5))',
        imports="from django.db import migrations\n"
        "from django.db.migrations import AddField\n"
        "from django.db.models import CharField",
    )
    (f,) = mig002(tmp_path, src)
    assert f.start == pos_of(src, "AddField(")
    assert "`order.channel`" in f.message


def test_mig002_model_created_earlier_in_the_same_migration_is_quiet(tmp_path):
    create = 'migrations.CreateModel(name="Coupon", fields=[("id", models.BigAutoField(primary_key=True))])'
    add = (
        'migrations.AddField(model_name="coupon", name="order", '
        'field=models.ForeignKey(on_delete=models.CASCADE, to="shop.order"))'
    )
    assert mig002(tmp_path, migration(create, add)) == []
    # the same field on another, existing model is reported
    other = add.replace('"coupon"', '"order"').replace('"order", field', '"coupon", field')
    src = migration(create, other)
    (f,) = mig002(tmp_path, src)
    assert "`order.coupon`" in f.message


def test_mig002_initial_and_squashed_migrations_are_quiet(tmp_path):
    op = 'migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=5))'
    assert mig002(tmp_path / "a", migration(op, head="initial = True")) == []
    assert mig002(tmp_path / "b", migration(op), path="shop/migrations/0001_initial.py") == []
    squashed = migration(op, head='replaces = [("shop", "0002_a"), ("shop", "0003_b")]')
    assert mig002(tmp_path / "c", squashed, path="shop/migrations/0002_squashed_0003.py") == []
    # not initial: `initial = False`
    assert len(mig002(tmp_path / "d", migration(op, head="initial = False"))) == 1


def test_mig002_operations_outside_the_operations_list_are_quiet(tmp_path):
    state_only = (
        "migrations.SeparateDatabaseAndState(state_operations=["
        'migrations.AddField(model_name="order", name="channel", '
        "field=models.CharField(max_length=5))])"
    )
    assert mig002(tmp_path / "a", migration(state_only)) == []
    helper = textwrap.dedent(
        """
        from django.db import migrations, models


        def ops():
            return [migrations.AddField(model_name="order", name="x", field=models.IntegerField())]


        class Migration(migrations.Migration):
            operations = ops()
        """
    )
    assert mig002(tmp_path / "b", helper) == []
    # a class that is not a Django migration
    not_migration = migration(
        'migrations.AddField(model_name="order", name="x", field=models.IntegerField())'
    ).replace("(migrations.Migration)", "(Base)")
    assert mig002(tmp_path / "c", not_migration) == []


def test_mig002_suppress_edit_silences(tmp_path):
    op = 'migrations.AddField(model_name="order", name="x", field=models.IntegerField())'
    src = migration(op, op.replace('"x"', '"y"'))
    first, second = mig002(tmp_path, src)
    text = assert_suppress_edit_silences(tmp_path, first)
    # with several operations the comment goes on the operation's own line
    assert text.splitlines()[first.start[0] - 1].endswith("),  # backend-lens: ignore[MIG002]")
    assert [f.start for f in only(reanalyze(tmp_path), "MIG002")] == [second.start]


# -- MIG003 ------------------------------------------------------------------------

MIG003_PATH = "shop/migrations/0005_product_search_index.py"

MIG003_EXAMPLE = """
from django.contrib.postgres.indexes import GinIndex
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_product_search_vector")]

    operations = [
        migrations.AddIndex(
            model_name="product",
            index=GinIndex(fields=["search_vector"], name="product_search_gin"),
        ),
    ]
"""

MIG003_USE_INSTEAD = """
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("shop", "0004_product_search_vector")]

    operations = [
        AddIndexConcurrently(
            model_name="product",
            index=GinIndex(fields=["search_vector"], name="product_search_gin"),
        ),
    ]
"""

ADD_INDEX = (
    'migrations.AddIndex(model_name="order", '
    'index=models.Index(fields=["status"], name="order_status_idx"))'
)


def mig003(tmp_path, src: str, settings: dict | None = None, path: str = MIG003_PATH):
    settings = PG_SETTINGS if settings is None else settings
    # each file ends with a newline, as saved by an editor
    files = {path: src, **{name: text.rstrip() + "\n" for name, text in settings.items()}}
    return codes(tmp_path, files, "MIG003")


def test_mig003_rule_page_example_on_its_own(tmp_path):
    # no settings at all: the migration's own django.contrib.postgres import tells
    (f,) = codes(tmp_path, {MIG003_PATH: MIG003_EXAMPLE}, "MIG003")
    assert f.start == pos_of(MIG003_EXAMPLE, "migrations.AddIndex(")
    assert "`product_search_gin`" in f.message and "`product`" in f.message
    assert "AddIndexConcurrently" in f.message and "atomic = False" in f.message
    assert f.severity == Severity.WARNING


def test_mig003_rule_page_use_instead_is_quiet(tmp_path):
    assert mig003(tmp_path, MIG003_USE_INSTEAD) == []


def test_mig003_fix_makes_the_example_the_use_instead(tmp_path):
    (f,) = mig003(tmp_path, MIG003_EXAMPLE)
    edited, after = fix_and_recheck(tmp_path, f)
    assert edited[MIG003_PATH] == textwrap.dedent(MIG003_USE_INSTEAD).lstrip("\n")
    assert only(after, "MIG003") == []


def test_mig003_flags_with_postgres_settings(tmp_path):
    src = migration(ADD_INDEX)
    (f,) = mig003(tmp_path, src)
    assert f.start == pos_of(src, "migrations.AddIndex(")
    assert f.end == (f.start[0], len(f"        {ADD_INDEX}"))
    assert "`order_status_idx`" in f.message and "`order`" in f.message


@pytest.mark.parametrize(
    "settings",
    [
        {
            "cfg/settings/base.py": 'DATABASES = {"default": {"ENGINE": "django.contrib.gis.db.backends.postgis"}}'
        },
        {
            "cfg/settings.py": 'DATABASES = {"default": {"ENGINE": "django_prometheus.db.backends.postgresql"}}'
        },
        {
            "cfg/settings.py": """
            import dj_database_url
            DATABASES = {
                "default": dj_database_url.config(default="postgres://shop:shop@localhost:5432/shop"),
            }
            """
        },
        {
            # a literal configuration elsewhere wins over a computed one in settings.py
            "cfg/configuration_example.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}',
            "cfg/settings.py": 'DATABASES = getattr(configuration, "DATABASES", {})',
        },
    ],
)
def test_mig003_recognises_postgres_configurations(tmp_path, settings):
    assert len(mig003(tmp_path, migration(ADD_INDEX), settings=settings)) == 1


@pytest.mark.parametrize(
    "settings",
    [
        {},  # no settings found: stay quiet
        SQLITE_SETTINGS,
        {"cfg/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.mysql"}}'},
        {"cfg/settings.py": 'DATABASES = {"default": {"ENGINE": os.environ["DB_ENGINE"]}}'},
        {
            "cfg/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "USER": "postgres"}}'
        },
    ],
)
def test_mig003_is_quiet_without_postgres(tmp_path, settings):
    assert mig003(tmp_path, migration(ADD_INDEX), settings=settings) == []


def test_mig003_judged_again_when_the_settings_change(tmp_path):
    assert mig003(tmp_path, migration(ADD_INDEX), settings=SQLITE_SETTINGS) == []
    (tmp_path / "shop/settings.py").write_text(textwrap.dedent(PG_SETTINGS["shop/settings.py"]))
    assert len(only(reanalyze(tmp_path), "MIG003")) == 1


def test_mig003_table_created_in_the_same_migration_is_quiet(tmp_path):
    create = 'migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True))])'
    assert mig003(tmp_path, migration(create, ADD_INDEX)) == []


def test_mig003_index_on_a_model_created_only_in_the_state_is_reported(tmp_path):
    state_only = (
        "migrations.SeparateDatabaseAndState(state_operations=["
        'migrations.CreateModel(name="Order", fields=[])], database_operations=[])'
    )
    src = migration(state_only, ADD_INDEX)
    (f,) = mig003(tmp_path, src)
    assert f.fix is None  # the migration does more than build indexes


def test_mig003_quiet_when_the_migration_uses_add_index_concurrently(tmp_path):
    src = migration(
        ADD_INDEX,
        'AddIndexConcurrently(model_name="order", index=models.Index(fields=["x"], name="x_idx"))',
        imports=DJANGO_IMPORTS
        + "\nfrom django.contrib.postgres.operations import AddIndexConcurrently",
        head="atomic = False",
    )
    assert mig003(tmp_path, src) == []


def test_mig003_squashed_and_other_look_alikes_are_quiet(tmp_path):
    squashed = migration(ADD_INDEX, head='replaces = [("shop", "0002_a")]')
    assert mig003(tmp_path / "a", squashed) == []
    initial = migration(ADD_INDEX, head="initial = True")
    assert mig003(tmp_path / "e", initial) == []
    assert (
        mig003(tmp_path / "f", migration(ADD_INDEX), path="shop/migrations/0001_initial.py") == []
    )
    not_django = migration(ADD_INDEX.replace("migrations.AddIndex", "ops.AddIndex"))
    assert mig003(tmp_path / "b", not_django) == []
    computed_model = migration(ADD_INDEX.replace('model_name="order"', "model_name=MODEL"))
    assert mig003(tmp_path / "c", computed_model) == []
    nested = migration(f"migrations.SeparateDatabaseAndState(state_operations=[{ADD_INDEX}])")
    assert mig003(tmp_path / "d", nested) == []


def test_mig003_mixed_operations_are_reported_without_a_fix(tmp_path):
    add_field = (
        'migrations.AddField(model_name="order", name="status", '
        'field=models.CharField(max_length=10, default="new"))'
    )
    (f,) = mig003(tmp_path, migration(add_field, ADD_INDEX))
    assert f.fix is None


def test_mig003_one_fix_rewrites_every_index_of_the_migration(tmp_path):
    second = ADD_INDEX.replace('"status"', '"created"').replace(
        "order_status_idx", "order_created_idx"
    )
    src = migration(ADD_INDEX, second)
    first, other = mig003(tmp_path, src)
    assert first.fix.edits == other.fix.edits
    assert "2 indexes" in first.fix.title
    edited, after = fix_and_recheck(tmp_path, first)
    text = edited[MIG003_PATH]
    assert text.count("        AddIndexConcurrently(model_name=") == 2
    assert "migrations.AddIndex(" not in text
    assert text.startswith(
        "from django.contrib.postgres.operations import AddIndexConcurrently\n"
        "from django.db import migrations, models\n"
    )
    assert "class Migration(migrations.Migration):\n    atomic = False\n\n    dependencies" in text
    assert only(after, "MIG003") == []


def test_mig003_fix_turns_atomic_true_into_false_and_keeps_the_docstring_first(tmp_path):
    src = migration(ADD_INDEX, head='"""Index order status."""\natomic = True')
    (f,) = mig003(tmp_path / "a", src)
    edited, _ = fix_and_recheck(tmp_path / "a", f)
    assert '    """Index order status."""\n    atomic = False\n' in edited[MIG003_PATH]
    src = migration(ADD_INDEX, head='"""Index order status."""')
    (f,) = mig003(tmp_path / "b", src)
    edited, after = fix_and_recheck(tmp_path / "b", f)
    assert (
        '    """Index order status."""\n    atomic = False\n\n    dependencies'
        in edited[MIG003_PATH]
    )
    assert only(after, "MIG003") == []


def test_mig003_fix_for_add_index_imported_by_name(tmp_path):
    src = migration(
        ADD_INDEX.replace("migrations.AddIndex", "AddIndex"),
        imports="import os\n\nfrom django.db import migrations, models\n"
        "from django.db.migrations import AddIndex",
    )
    (f,) = mig003(tmp_path, src)
    assert f.start == pos_of(src, "AddIndex(model_name")
    edited, after = fix_and_recheck(tmp_path, f)
    text = edited[MIG003_PATH]
    assert "        AddIndexConcurrently(model_name=" in text
    assert (
        "import os\n\nfrom django.contrib.postgres.operations import AddIndexConcurrently\n" in text
    )
    assert only(after, "MIG003") == []


def test_mig003_no_fix_when_the_edits_are_not_safe(tmp_path):
    # atomic computed at run time
    (f,) = mig003(tmp_path / "a", migration(ADD_INDEX, head="atomic = settings.ATOMIC"))
    assert f.fix is None
    # the name AddIndexConcurrently is bound to something else
    src = migration(
        ADD_INDEX, imports=DJANGO_IMPORTS + "\nfrom shop.ops import AddIndexConcurrently"
    )
    (f,) = mig003(tmp_path / "b", src)
    assert f.fix is None


def test_mig003_suppress_edit_silences(tmp_path):
    (f,) = mig003(tmp_path, MIG003_EXAMPLE)
    text = assert_suppress_edit_silences(tmp_path, f)
    assert_parses(text)


# -- MIG004 ------------------------------------------------------------------------

MIG004_PATH = "alembic/versions/3f2a9c1d7b44_add_order_status.py"

MIG004_EXAMPLE = '''
"""add order status

Revision ID: 3f2a9c1d7b44
Revises: 9e1b2c3d4f50
"""
import sqlalchemy as sa
from alembic import op

revision = "3f2a9c1d7b44"
down_revision = "9e1b2c3d4f50"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("orders", sa.Column("status", sa.String(20), nullable=True))


def downgrade():
    pass
'''

MIG004_USE_INSTEAD = MIG004_EXAMPLE.replace(
    "def downgrade():\n    pass", 'def downgrade():\n    op.drop_column("orders", "status")'
)

UPGRADE = 'def upgrade():\n    op.add_column("orders", sa.Column("status", sa.String(20)))\n'


def alembic(*, downgrade: str | None, upgrade: str = UPGRADE, head: str | None = None) -> str:
    head = head or 'revision = "3f2a9c1d7b44"\ndown_revision = "9e1b2c3d4f50"\n'
    src = f"import sqlalchemy as sa\nfrom alembic import op\n\n{head}\n\n{upgrade}"
    if downgrade is not None:
        src += f"\n\n{downgrade}"
    return src


def mig004(tmp_path, src: str, path: str = MIG004_PATH):
    return codes(tmp_path, {path: src}, "MIG004")


def test_mig004_rule_page_example(tmp_path):
    (f,) = mig004(tmp_path, MIG004_EXAMPLE)
    line, col = pos_of(MIG004_EXAMPLE, "def downgrade")
    assert f.start == (line, col + 4)
    assert f.end == (line, col + 4 + len("downgrade"))
    assert "3f2a9c1d7b44" in f.message and "does nothing" in f.message
    assert f.severity == Severity.WARNING and f.fix is None


def test_mig004_rule_page_use_instead_is_quiet(tmp_path):
    assert mig004(tmp_path, MIG004_USE_INSTEAD) == []


def test_mig004_missing_downgrade_is_reported_on_upgrade(tmp_path):
    src = alembic(downgrade=None)
    (f,) = mig004(tmp_path, src)
    line, col = pos_of(src, "def upgrade")
    assert f.start == (line, col + 4)
    assert "no downgrade()" in f.message


@pytest.mark.parametrize(
    "downgrade",
    [
        "def downgrade():\n    ...\n",
        'def downgrade():\n    """Nothing to undo."""\n',
        'def downgrade():\n    """Nothing to undo."""\n    pass\n',
        "def downgrade(): pass\n",
        "def downgrade():\n    # ### commands auto generated by Alembic - please adjust! ###\n"
        "    pass\n    # ### end Alembic commands ###\n",
        "def downgrade() -> None:\n    pass\n",
    ],
)
def test_mig004_empty_downgrades(tmp_path, downgrade):
    src = alembic(downgrade=downgrade)
    (f,) = mig004(tmp_path, src)
    line, col = pos_of(src, "def downgrade")
    assert f.start == (line, col + 4)


def test_mig004_annotated_revision_identifiers(tmp_path):
    head = (
        "from typing import Sequence, Union\n\n"
        'revision: str = "3f2a9c1d7b44"\n'
        'down_revision: Union[str, None] = "9e1b2c3d4f50"\n'
        "branch_labels: Union[str, Sequence[str], None] = None\n"
    )
    src = alembic(downgrade="def downgrade() -> None:\n    pass\n", head=head)
    assert len(mig004(tmp_path, src)) == 1


@pytest.mark.parametrize(
    "downgrade",
    [
        'def downgrade():\n    op.drop_column("orders", "status")\n',
        'def downgrade():\n    raise NotImplementedError("irreversible: data was merged")\n',
        "def downgrade():\n    if True:\n        pass\n",
    ],
)
def test_mig004_downgrades_that_do_something_are_quiet(tmp_path, downgrade):
    assert mig004(tmp_path, alembic(downgrade=downgrade)) == []


def test_mig004_look_alikes_are_quiet(tmp_path):
    # a merge revision: nothing to undo
    merge = alembic(
        downgrade="def downgrade():\n    pass\n",
        upgrade="def upgrade():\n    pass\n",
        head='revision = "aa11"\ndown_revision = ("bb22", "cc33")\n',
    )
    assert mig004(tmp_path / "a", merge) == []
    # not a revision file: no revision identifiers
    plain = alembic(downgrade="def downgrade():\n    pass\n", head="VERSION = 1\n")
    assert mig004(tmp_path / "b", plain) == []
    # revision without down_revision
    no_down = alembic(downgrade="def downgrade():\n    pass\n", head='revision = "aa11"\n')
    assert mig004(tmp_path / "c", no_down) == []
    # no upgrade() at module level
    no_upgrade = 'revision = "aa11"\ndown_revision = None\n\n\ndef downgrade():\n    pass\n'
    assert mig004(tmp_path / "d", no_upgrade) == []
    # upgrade and downgrade as methods of a class, not module functions
    methods = (
        'revision = "aa11"\ndown_revision = None\n\n\nclass Step:\n'
        "    def upgrade(self):\n        run()\n\n    def downgrade(self):\n        pass\n"
    )
    assert mig004(tmp_path / "e", methods) == []


def test_mig004_suppress_edit_silences(tmp_path):
    (f,) = mig004(tmp_path, MIG004_EXAMPLE)
    text = assert_suppress_edit_silences(tmp_path, f)
    assert "def downgrade():  # backend-lens: ignore[MIG004]" in text


def test_mig004_file_without_a_final_newline(tmp_path):
    src = alembic(downgrade="def downgrade():\n    pass").rstrip("\n")
    # written as is: no newline after the last line
    path = tmp_path / MIG004_PATH
    path.parent.mkdir(parents=True)
    path.write_text(src, encoding="utf-8")
    (f,) = only(reanalyze(tmp_path), "MIG004")
    assert f.start[0] == len(src.splitlines()) - 1
    # and with the revision identifiers on the last line
    src = UPGRADE + '\n\nrevision = "aa11"\ndown_revision = None'
    path.write_text(src, encoding="utf-8")
    (f,) = only(reanalyze(tmp_path), "MIG004")
    assert "no downgrade()" in f.message
