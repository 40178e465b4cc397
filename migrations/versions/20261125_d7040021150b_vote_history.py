"""Vote history: every cast of an organisation, behind its current vote.

Revision ID: d7040021150b
Revises: 67c5d21b935f
Create Date: 2026-11-25 09:07:22.716778

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7040021150b"
down_revision = "67c5d21b935f"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "vote_cast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "choice",
            sa.Enum("yes", "no", "abstain", name="cast_choice", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("cast_by_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cast_by_id"], ["user.id"], name=op.f("fk_vote_cast_cast_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_vote_cast_draft_id_draft"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_vote_cast_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"], ["paragraph.id"], name=op.f("fk_vote_cast_paragraph_id_paragraph"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_cast")),
    )
    with op.batch_alter_table("vote_cast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_cast_draft_id"), ["draft_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_cast_organisation_id"), ["organisation_id"], unique=False)


def downgrade():

    with op.batch_alter_table("vote_cast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_cast_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_vote_cast_draft_id"))

    op.drop_table("vote_cast")
