"""The adopted position's documents are rendered after the adoption's commit, by a job whose state is
kept in `position_documents` (pending, rendering, done, failed)

Drafts adopted before get a row: "done" when their files are stored, else "pending" (the next
visit of the position page, a download or `flask render-documents` renders them).

Revision ID: c3d8e1f4a7b2
Revises: a41c7e9b2d10
Create Date: 2026-12-05 03:40:00

"""

import sqlalchemy as sa
from alembic import op

import consult.core.db

revision = "c3d8e1f4a7b2"
down_revision = "a41c7e9b2d10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "position_documents",
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "rendering",
                "done",
                "failed",
                name="documents_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.Column("started_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.Column("finished_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_position_documents_draft_id_draft"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("draft_id", name=op.f("pk_position_documents")),
    )
    op.execute(
        "INSERT INTO position_documents (draft_id, state, requested_at, finished_at, attempts) "
        "SELECT d.id, CASE WHEN EXISTS (SELECT 1 FROM position_file f WHERE f.draft_id = d.id) "
        "THEN 'done' ELSE 'pending' END, d.adopted_at, "
        "CASE WHEN EXISTS (SELECT 1 FROM position_file f WHERE f.draft_id = d.id) THEN d.adopted_at END, 0 "
        "FROM draft d WHERE d.adopted_version_id IS NOT NULL AND d.adopted_at IS NOT NULL"
    )


def downgrade():
    op.drop_table("position_documents")
