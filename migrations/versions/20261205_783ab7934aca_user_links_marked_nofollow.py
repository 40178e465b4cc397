"""Links out of the site in stored comment and paragraph HTML get rel="nofollow noopener ugc"

The renderer (consult/core/markdown.py) marks such links from now on; comments and paragraph texts
store their HTML when written, so the HTML stored before is marked here the same way. Data only.
The HTML is the renderer's own (`<a href="…">` or `<a href="…" title="…">`), so a pattern finds
every link exactly.

Revision ID: 783ab7934aca
Revises: 0875bbdbd0a0
Create Date: 2026-12-05 00:40:00

"""

import re

import sqlalchemy as sa
from alembic import op

revision = "783ab7934aca"
down_revision = "0875bbdbd0a0"
branch_labels = None
depends_on = None

LINK_REL = "nofollow noopener ugc"
_LINK = re.compile(r'<a href="([^"]*)"((?: title="[^"]*")?)>')
_EXTERNAL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")


def mark_links(html: str) -> str:
    """`html` with every link out of the site marked as a user link (links within the site stay)."""
    return _LINK.sub(
        lambda m: f'<a href="{m[1]}"{m[2]} rel="{LINK_REL}">' if _EXTERNAL.match(m[1].strip()) else m[0], html
    )


def _mark(table: str, column: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, {column} FROM {table} WHERE {column} LIKE :pattern"), {"pattern": '%<a href="%'}
    ).all()
    for row_id, html in rows:
        marked = mark_links(html)
        if marked != html:
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :html WHERE id = :id"), {"html": marked, "id": row_id})


def upgrade():
    _mark("comment", "body_html")
    _mark("paragraph_text", "html")


def downgrade():
    pass  # the marks are harmless and match what the renderer writes now
