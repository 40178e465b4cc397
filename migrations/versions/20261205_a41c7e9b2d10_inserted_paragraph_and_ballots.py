"""An amendment that inserts a paragraph knows the paragraph it became; a draft says whether its
documents' appendix names which organisation voted how

`amendment.inserted_paragraph_id` is set when a version takes up an INSERT amendment. For the
versions built before, it is found here: the paragraph that is new in the version that applied
the amendment and reads as the amendment's text.

Revision ID: a41c7e9b2d10
Revises: 783ab7934aca
Create Date: 2026-12-05 03:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a41c7e9b2d10"
down_revision = "783ab7934aca"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("amendment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inserted_paragraph_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_amendment_inserted_paragraph_id_paragraph",
            "paragraph",
            ["inserted_paragraph_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appendix_shows_ballots", sa.Boolean(), server_default="0", nullable=False))
    _link_inserted_paragraphs()


def _link_inserted_paragraphs():
    connection = op.get_bind()
    inserts = connection.execute(
        sa.text(
            "SELECT a.id, a.status, a.proposed_text, a.adopted_text, a.applied_in_version_id, v.draft_id, v.number "
            "FROM amendment a JOIN version v ON v.id = a.applied_in_version_id "
            "WHERE a.kind = 'insert' ORDER BY a.id"
        )
    ).fetchall()
    taken: set[int] = set()
    for amendment_id, status, proposed, adopted, version_id, draft_id, number in inserts:
        text = adopted if status == "accepted_modified" else proposed
        new = (
            connection.execute(
                sa.text(
                    "SELECT t.paragraph_id FROM paragraph_text t WHERE t.version_id = :version AND t.text = :text "
                    "AND t.paragraph_id NOT IN (SELECT p.paragraph_id FROM paragraph_text p JOIN version b "
                    "ON b.id = p.version_id WHERE b.draft_id = :draft AND b.number < :number) ORDER BY t.position"
                ),
                {"version": version_id, "text": text, "draft": draft_id, "number": number},
            )
            .scalars()
            .all()
        )
        found = next((paragraph for paragraph in new if paragraph not in taken), None)
        if found is not None:
            taken.add(found)
            connection.execute(
                sa.text("UPDATE amendment SET inserted_paragraph_id = :p WHERE id = :id"),
                {"p": found, "id": amendment_id},
            )


def downgrade():
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("appendix_shows_ballots")
    with op.batch_alter_table("amendment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_amendment_inserted_paragraph_id_paragraph", type_="foreignkey")
        batch_op.drop_column("inserted_paragraph_id")
