"""A covering index for tallies (draft, paragraph, choice, organisation); it replaces the index on draft_id.

Revision ID: a88e524de020
Revises: d7040021150b
Create Date: 2026-11-25 09:34:25.232536

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a88e524de020"
down_revision = "d7040021150b"
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_draft_id"))
        batch_op.create_index("ix_vote_tally", ["draft_id", "paragraph_id", "choice", "organisation_id"], unique=False)


def downgrade():

    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index("ix_vote_tally")
        batch_op.create_index(batch_op.f("ix_vote_draft_id"), ["draft_id"], unique=False)
