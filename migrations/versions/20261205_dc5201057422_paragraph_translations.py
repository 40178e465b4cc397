"""Paragraph-aligned translations of drafts (issue 17): the role "Übersetzung" per language (translator) and
the translated paragraphs, each with the German text it was made from and its status (draft / checked).

Revision ID: dc5201057422
Revises: b4a39e03cbd0
Create Date: 2026-12-05 12:27:29.014816

"""

import sqlalchemy as sa
from alembic import op

import consult.core.db

# revision identifiers, used by Alembic.
revision = "dc5201057422"
down_revision = "b4a39e03cbd0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "paragraph_translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft", "checked", name="translation_status", native_enum=False, create_constraint=True, length=20
            ),
            nullable=False,
        ),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", consult.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checked_by_id"],
            ["user.id"],
            name=op.f("fk_paragraph_translation_checked_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"],
            ["paragraph.id"],
            name=op.f("fk_paragraph_translation_paragraph_id_paragraph"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name=op.f("fk_paragraph_translation_updated_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paragraph_translation")),
        sa.UniqueConstraint("paragraph_id", "language", name=op.f("uq_paragraph_translation_paragraph_id_language")),
    )
    op.create_table(
        "translator",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", consult.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["user.id"], name=op.f("fk_translator_granted_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_translator_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "language", name=op.f("pk_translator")),
    )


def downgrade():
    op.drop_table("translator")
    op.drop_table("paragraph_translation")
