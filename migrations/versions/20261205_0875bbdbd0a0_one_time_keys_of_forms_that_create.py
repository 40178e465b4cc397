"""One-time keys of forms that create: a form sent twice (double click, retry) stores its object once

Revision ID: 0875bbdbd0a0
Revises: 5e55101d0a11
Create Date: 2026-12-05 00:19:02.706476

"""

import sqlalchemy as sa
from alembic import op

import consult.core.db

# revision identifiers, used by Alembic.
revision = "0875bbdbd0a0"
down_revision = "5e55101d0a11"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submission_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("created_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_submission_key_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_key")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_submission_key_user_id_key")),
    )


def downgrade():
    op.drop_table("submission_key")
