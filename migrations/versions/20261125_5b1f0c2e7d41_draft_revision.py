"""Draft revision: a counter of changes to a draft and its rows, the key of its cached pages.

Revision ID: 5b1f0c2e7d41
Revises: a88e524de020
Create Date: 2026-11-25 10:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b1f0c2e7d41"
down_revision = "a88e524de020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("revision")
