import sqlalchemy as sa
from alembic import op

revision = "2c3d"
down_revision = "1a2b"


def upgrade():
    op.add_column("report", sa.Column("name", sa.String(80), nullable=True))


def downgrade():
    op.drop_column("report", "name")
