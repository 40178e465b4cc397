"""A draft's live session (issue 16, step 1): the session, its agenda of questions, the organisations
checked in, and the draft's quorum for the session (a number of organisations or a share in percent).

Revision ID: f89228dbcf4d
Revises: 1b4be70b3c29
Create Date: 2026-12-05 07:46:29.369490

"""

import sqlalchemy as sa
from alembic import op

import consult.core.db

# revision identifiers, used by Alembic.
revision = "f89228dbcf4d"
down_revision = "1b4be70b3c29"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "live_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("started_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_live_session_draft_id_draft"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["user.id"], name=op.f("fk_live_session_started_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_session")),
    )
    with op.batch_alter_table("live_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_session_draft_id"), ["draft_id"], unique=False)
        batch_op.create_index(
            "uq_live_session_active",
            ["draft_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "live_check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("by_office", sa.Boolean(), nullable=False),
        sa.Column("at", consult.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_live_check_in_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["live_session.id"],
            name=op.f("fk_live_check_in_session_id_live_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_live_check_in_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_check_in")),
        sa.UniqueConstraint("session_id", "organisation_id", name=op.f("uq_live_check_in_session_id_organisation_id")),
    )
    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=True),
        sa.Column("amendment_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "waiting",
                "open",
                "closed",
                name="agenda_item_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("opened_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.Column("closes_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.Column("closed_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("paragraph_id IS NULL OR amendment_id IS NULL", name=op.f("ck_agenda_item_one_question")),
        sa.ForeignKeyConstraint(
            ["amendment_id"], ["amendment.id"], name=op.f("fk_agenda_item_amendment_id_amendment"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"], ["paragraph.id"], name=op.f("fk_agenda_item_paragraph_id_paragraph"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_session.id"], name=op.f("fk_agenda_item_session_id_live_session"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_item")),
    )
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_item_session_id"), ["session_id"], unique=False)
        batch_op.create_index(
            "uq_agenda_item_open",
            ["session_id"],
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )

    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_quorum", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("live_quorum_is_share", sa.Boolean(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("live_quorum_is_share")
        batch_op.drop_column("live_quorum")

    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_agenda_item_open", sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'")
        )
        batch_op.drop_index(batch_op.f("ix_agenda_item_session_id"))

    op.drop_table("agenda_item")
    op.drop_table("live_check_in")
    with op.batch_alter_table("live_session", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_live_session_active",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_live_session_draft_id"))

    op.drop_table("live_session")
