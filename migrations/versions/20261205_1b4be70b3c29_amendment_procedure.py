"""Who decides the amendments (issue 15): the procedure per draft, the supporter quorum, procedural
recommendations, consent and requests for a vote, alternatives sets, and votes on amendments

Amendments made before are published (`published_at` = when they were made) and, when decided,
decided by the moderators. A vote names a paragraph, an amendment, or neither (the whole draft):
the whole draft's unique index now also requires `amendment_id IS NULL`.

Revision ID: 1b4be70b3c29
Revises: c3d8e1f4a7b2
Create Date: 2026-12-05 06:17:08.210395

"""

import sqlalchemy as sa
from alembic import op

import consult.core.db

# revision identifiers, used by Alembic.
revision = "1b4be70b3c29"
down_revision = "c3d8e1f4a7b2"
branch_labels = None
depends_on = None


STATUSES = (
    "submitted",
    "withdrawn",
    "accepted",
    "accepted_modified",
    "rejected",
    "merged",
    "hidden",
    "put_to_vote",
    "lapsed",
)


def _quoted(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade():
    op.create_table(
        "alternative_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("created_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.Column("order_reason", sa.Text(), nullable=True),
        sa.Column("ordered_by_id", sa.Integer(), nullable=True),
        sa.Column("ordered_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.Column("frozen_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_alternative_set_draft_id_draft"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ordered_by_id"], ["user.id"], name=op.f("fk_alternative_set_ordered_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"],
            ["paragraph.id"],
            name=op.f("fk_alternative_set_paragraph_id_paragraph"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alternative_set")),
    )
    with op.batch_alter_table("alternative_set", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alternative_set_draft_id"), ["draft_id"], unique=False)

    op.create_table(
        "amendment_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("amendment_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "consent",
                "insist",
                "request_vote",
                name="consent_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["amendment_id"],
            ["amendment.id"],
            name=op.f("fk_amendment_consent_amendment_id_amendment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_amendment_consent_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_amendment_consent_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amendment_consent")),
        sa.UniqueConstraint(
            "amendment_id",
            "organisation_id",
            "kind",
            name=op.f("uq_amendment_consent_amendment_id_organisation_id_kind"),
        ),
    )
    with op.batch_alter_table("amendment_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_amendment_consent_amendment_id"), ["amendment_id"], unique=False)

    with op.batch_alter_table("amendment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_amendment_amendment_status"), type_="check")
        batch_op.create_check_constraint("amendment_status", sa.text(f"status IN ({_quoted(STATUSES)})"))
        batch_op.add_column(sa.Column("published_at", consult.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "recommendation",
                sa.Enum(
                    "accept",
                    "accept_modified",
                    "reject",
                    "merge",
                    name="recommendation",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("recommended_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recommended_at", consult.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("recommendation_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("recommended_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("recommended_merge_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "decided_how",
                sa.Enum(
                    "moderators",
                    "consent",
                    "vote",
                    name="decided_how",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "lapse_reason",
                sa.Enum(
                    "quorum", "alternative", name="lapse_reason", native_enum=False, create_constraint=True, length=20
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("alternative_set_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("alternative_position", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_amendment_alternative_set_id"), ["alternative_set_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_amendment_recommended_by_id_user"),
            "user",
            ["recommended_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_amendment_alternative_set_id_alternative_set"),
            "alternative_set",
            ["alternative_set_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_amendment_recommended_merge_into_id_amendment"),
            "amendment",
            ["recommended_merge_into_id"],
            ["id"],
        )

    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "amendment_procedure",
                sa.Enum(
                    "moderators",
                    "organisations",
                    name="amendment_procedure",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="moderators",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("support_quorum", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("vote_requests_until", consult.core.db.UTCDateTime(), nullable=True))

    op.execute("UPDATE amendment SET published_at = created_at")
    op.execute(
        "UPDATE amendment SET decided_how = 'moderators' WHERE status IN "
        "('accepted', 'accepted_modified', 'rejected', 'merged')"
    )

    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_vote_organisation_draft",
            sqlite_where=sa.text("paragraph_id IS NULL"),
            postgresql_where=sa.text("paragraph_id IS NULL"),
        )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amendment_id", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("one_question", sa.text("paragraph_id IS NULL OR amendment_id IS NULL"))
        batch_op.create_index(
            "uq_vote_organisation_draft",
            ["organisation_id", "draft_id"],
            unique=True,
            sqlite_where=sa.text("paragraph_id IS NULL AND amendment_id IS NULL"),
            postgresql_where=sa.text("paragraph_id IS NULL AND amendment_id IS NULL"),
        )
        batch_op.create_index(
            "uq_vote_organisation_amendment",
            ["organisation_id", "amendment_id"],
            unique=True,
            sqlite_where=sa.text("amendment_id IS NOT NULL"),
            postgresql_where=sa.text("amendment_id IS NOT NULL"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_vote_amendment_id_amendment"), "amendment", ["amendment_id"], ["id"], ondelete="CASCADE"
        )

    with op.batch_alter_table("vote_cast", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amendment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_vote_cast_amendment_id_amendment"), "amendment", ["amendment_id"], ["id"], ondelete="CASCADE"
        )


def downgrade():
    op.execute("DELETE FROM vote_cast WHERE amendment_id IS NOT NULL")
    op.execute("DELETE FROM vote WHERE amendment_id IS NOT NULL")
    with op.batch_alter_table("vote_cast", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_vote_cast_amendment_id_amendment"), type_="foreignkey")
        batch_op.drop_column("amendment_id")

    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_vote_organisation_draft",
            sqlite_where=sa.text("paragraph_id IS NULL AND amendment_id IS NULL"),
            postgresql_where=sa.text("paragraph_id IS NULL AND amendment_id IS NULL"),
        )
        batch_op.drop_constraint(op.f("ck_vote_one_question"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_vote_amendment_id_amendment"), type_="foreignkey")
        batch_op.drop_index(
            "uq_vote_organisation_amendment",
            sqlite_where=sa.text("amendment_id IS NOT NULL"),
            postgresql_where=sa.text("amendment_id IS NOT NULL"),
        )
        batch_op.drop_column("amendment_id")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(
            "uq_vote_organisation_draft",
            ["organisation_id", "draft_id"],
            unique=True,
            sqlite_where=sa.text("paragraph_id IS NULL"),
            postgresql_where=sa.text("paragraph_id IS NULL"),
        )

    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_draft_amendment_procedure"), type_="check")
        batch_op.drop_column("vote_requests_until")
        batch_op.drop_column("support_quorum")
        batch_op.drop_column("amendment_procedure")

    op.execute("UPDATE amendment SET status = 'submitted' WHERE status IN ('put_to_vote', 'lapsed')")
    with op.batch_alter_table("amendment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_amendment_amendment_status"), type_="check")
        batch_op.create_check_constraint("amendment_status", sa.text(f"status IN ({_quoted(STATUSES[:7])})"))
        batch_op.drop_constraint(batch_op.f("fk_amendment_recommended_merge_into_id_amendment"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_amendment_alternative_set_id_alternative_set"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_amendment_recommended_by_id_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_amendment_alternative_set_id"))
        for name in ("recommendation", "decided_how", "lapse_reason"):
            batch_op.drop_constraint(op.f(f"ck_amendment_{name}"), type_="check")
        batch_op.drop_column("alternative_position")
        batch_op.drop_column("alternative_set_id")
        batch_op.drop_column("lapse_reason")
        batch_op.drop_column("decided_how")
        batch_op.drop_column("recommended_merge_into_id")
        batch_op.drop_column("recommended_text")
        batch_op.drop_column("recommendation_reason")
        batch_op.drop_column("recommended_at")
        batch_op.drop_column("recommended_by_id")
        batch_op.drop_column("recommendation")
        batch_op.drop_column("published_at")

    with op.batch_alter_table("amendment_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_amendment_consent_amendment_id"))

    op.drop_table("amendment_consent")
    with op.batch_alter_table("alternative_set", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alternative_set_draft_id"))

    op.drop_table("alternative_set")
