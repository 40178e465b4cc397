"""Initial schema: organisations, people and roles, drafts with versions and paragraphs, comments, votes.

Revision ID: 67c5d21b935f
Revises:
Create Date: 2026-11-25 08:41:00.180900

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "67c5d21b935f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(
                "preparation",
                "commenting",
                "editing",
                "voting",
                "adopted",
                "archived",
                name="phase",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "moderation_policy",
            sa.Enum("publish", "hold", name="moderation_policy", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft")),
        sa.UniqueConstraint("slug", name=op.f("uq_draft_slug")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=60), nullable=True),
        sa.Column("is_member", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
        sa.UniqueConstraint("short_name", name=op.f("uq_organisation_short_name")),
    )
    op.create_table(
        "draft_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(
                "preparation",
                "commenting",
                "editing",
                "voting",
                "adopted",
                "archived",
                name="deadline_phase",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_draft_deadline_draft_id_draft"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_deadline")),
        sa.UniqueConstraint("draft_id", "phase", name=op.f("uq_draft_deadline_draft_id_phase")),
    )
    op.create_table(
        "paragraph",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_paragraph_draft_id_draft"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paragraph")),
    )
    with op.batch_alter_table("paragraph", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paragraph_draft_id"), ["draft_id"], unique=False)

    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("is_active_account", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_user_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "in_preparation",
                "published",
                name="version_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["draft.id"], name=op.f("fk_version_draft_id_draft"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version")),
        sa.UniqueConstraint("draft_id", "number", name=op.f("uq_version_draft_id_number")),
    )
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("quote_exact", sa.Text(), nullable=True),
        sa.Column("quote_prefix", sa.String(length=64), nullable=True),
        sa.Column("quote_suffix", sa.String(length=64), nullable=True),
        sa.Column(
            "stance",
            sa.Enum(
                "support", "concern", "neutral", name="stance", native_enum=False, create_constraint=True, length=20
            ),
            nullable=True,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "published",
                "rejected",
                "withdrawn",
                name="comment_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_comment_author_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_comment_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"], ["paragraph.id"], name=op.f("fk_comment_paragraph_id_paragraph"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["comment.id"], name=op.f("fk_comment_parent_id_comment")),
        sa.ForeignKeyConstraint(["version_id"], ["version.id"], name=op.f("fk_comment_version_id_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_paragraph_id"), ["paragraph_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "paragraph_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["paragraph_id"],
            ["paragraph.id"],
            name=op.f("fk_paragraph_text_paragraph_id_paragraph"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["version.id"], name=op.f("fk_paragraph_text_version_id_version"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paragraph_text")),
        sa.UniqueConstraint("version_id", "paragraph_id", name=op.f("uq_paragraph_text_version_id_paragraph_id")),
        sa.UniqueConstraint("version_id", "position", name=op.f("uq_paragraph_text_version_id_position")),
    )
    with op.batch_alter_table("paragraph_text", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paragraph_text_paragraph_id"), ["paragraph_id"], unique=False)

    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "delegate",
                "moderator",
                "board",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_user_role_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_role")),
    )
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "choice",
            sa.Enum("yes", "no", "abstain", name="choice", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("cast_by_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cast_by_id"], ["user.id"], name=op.f("fk_vote_cast_by_id_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["draft_id"], ["draft.id"], name=op.f("fk_vote_draft_id_draft"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_vote_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"], ["paragraph.id"], name=op.f("fk_vote_paragraph_id_paragraph"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_draft_id"), ["draft_id"], unique=False)
        batch_op.create_index(
            "uq_vote_organisation_draft",
            ["organisation_id", "draft_id"],
            unique=True,
            sqlite_where=sa.text("paragraph_id IS NULL"),
            postgresql_where=sa.text("paragraph_id IS NULL"),
        )
        batch_op.create_index(
            "uq_vote_organisation_paragraph",
            ["organisation_id", "paragraph_id"],
            unique=True,
            sqlite_where=sa.text("paragraph_id IS NOT NULL"),
            postgresql_where=sa.text("paragraph_id IS NOT NULL"),
        )


def downgrade():

    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_vote_organisation_paragraph",
            sqlite_where=sa.text("paragraph_id IS NOT NULL"),
            postgresql_where=sa.text("paragraph_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_vote_organisation_draft",
            sqlite_where=sa.text("paragraph_id IS NULL"),
            postgresql_where=sa.text("paragraph_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_vote_draft_id"))

    op.drop_table("vote")
    op.drop_table("user_role")
    with op.batch_alter_table("paragraph_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paragraph_text_paragraph_id"))

    op.drop_table("paragraph_text")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_parent_id"))
        batch_op.drop_index(batch_op.f("ix_comment_paragraph_id"))
        batch_op.drop_index(batch_op.f("ix_comment_author_id"))

    op.drop_table("comment")
    op.drop_table("version")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_organisation_id"))

    op.drop_table("user")
    with op.batch_alter_table("paragraph", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paragraph_draft_id"))

    op.drop_table("paragraph")
    op.drop_table("draft_deadline")
    op.drop_table("organisation")
    op.drop_table("draft")
