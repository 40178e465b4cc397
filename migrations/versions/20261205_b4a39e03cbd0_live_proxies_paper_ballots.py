"""The conference day, second step (issue 16): proxies and paper ballots in a live session, how each vote
came in (online, live, by proxy, on paper), and the draft's tally revision (raised by votes, which then leave
the page revision, and so the cached text and comments, alone).

Revision ID: b4a39e03cbd0
Revises: f89228dbcf4d
Create Date: 2026-12-05 09:13:09.967252

"""

import sqlalchemy as sa
from alembic import op

import consult.core.db

# revision identifiers, used by Alembic.
revision = "b4a39e03cbd0"
down_revision = "f89228dbcf4d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "live_proxy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint("organisation_id <> holder_id", name=op.f("ck_live_proxy_not_self")),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["user.id"], name=op.f("fk_live_proxy_confirmed_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["organisation.id"], name=op.f("fk_live_proxy_holder_id_organisation"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_live_proxy_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"], name=op.f("fk_live_proxy_requested_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_session.id"], name=op.f("fk_live_proxy_session_id_live_session"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["user.id"], name=op.f("fk_live_proxy_withdrawn_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_proxy")),
    )
    with op.batch_alter_table("live_proxy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_proxy_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_live_proxy_session_id"), ["session_id"], unique=False)
        batch_op.create_index(
            "uq_live_proxy_giver",
            ["session_id", "organisation_id"],
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )

    op.create_table(
        "live_vote_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=True),
        sa.Column("amendment_id", sa.Integer(), nullable=True),
        sa.Column("earlier_cast_id", sa.Integer(), nullable=True),
        sa.Column("later_cast_id", sa.Integer(), nullable=True),
        sa.Column("detected_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "paragraph_id IS NULL OR amendment_id IS NULL", name=op.f("ck_live_vote_conflict_one_question")
        ),
        sa.ForeignKeyConstraint(
            ["amendment_id"],
            ["amendment.id"],
            name=op.f("fk_live_vote_conflict_amendment_id_amendment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["user.id"],
            name=op.f("fk_live_vote_conflict_confirmed_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["earlier_cast_id"],
            ["vote_cast.id"],
            name=op.f("fk_live_vote_conflict_earlier_cast_id_vote_cast"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["later_cast_id"],
            ["vote_cast.id"],
            name=op.f("fk_live_vote_conflict_later_cast_id_vote_cast"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_live_vote_conflict_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"],
            ["paragraph.id"],
            name=op.f("fk_live_vote_conflict_paragraph_id_paragraph"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["live_session.id"],
            name=op.f("fk_live_vote_conflict_session_id_live_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_vote_conflict")),
    )
    with op.batch_alter_table("live_vote_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_vote_conflict_session_id"), ["session_id"], unique=False)

    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tally_revision", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("live_proxy_limit", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum(
                    "online",
                    "live",
                    "proxy",
                    "paper",
                    name="vote_channel",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="online",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("via_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_vote_via_organisation_id_organisation"),
            "organisation",
            ["via_organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("vote_cast", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum(
                    "online",
                    "live",
                    "proxy",
                    "paper",
                    name="cast_channel",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="online",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("via_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_vote_cast_via_organisation_id_organisation"),
            "organisation",
            ["via_organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("vote_cast", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_vote_cast_via_organisation_id_organisation"), type_="foreignkey")
        batch_op.drop_constraint(op.f("ck_vote_cast_cast_channel"), type_="check")
        batch_op.drop_column("via_organisation_id")
        batch_op.drop_column("channel")

    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_vote_via_organisation_id_organisation"), type_="foreignkey")
        batch_op.drop_constraint(op.f("ck_vote_vote_channel"), type_="check")
        batch_op.drop_column("via_organisation_id")
        batch_op.drop_column("channel")

    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("live_proxy_limit")
        batch_op.drop_column("tally_revision")

    with op.batch_alter_table("live_vote_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_vote_conflict_session_id"))

    op.drop_table("live_vote_conflict")
    with op.batch_alter_table("live_proxy", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_live_proxy_giver",
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_live_proxy_session_id"))
        batch_op.drop_index(batch_op.f("ix_live_proxy_holder_id"))

    op.drop_table("live_proxy")
