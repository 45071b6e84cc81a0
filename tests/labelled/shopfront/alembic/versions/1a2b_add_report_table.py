import sqlalchemy as sa
from alembic import op

revision = "1a2b"
down_revision = "0f0f"


def upgrade():
    op.create_table("report", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():  # expect: MIG004
    pass
