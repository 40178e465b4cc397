"""The list of drafts and the reading view of one draft."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from consult.comments.queries import published_count_by_paragraph
from consult.core.access import public
from consult.drafts.models import Draft
from consult.drafts.permissions import can_view_draft
from consult.drafts.services import current_version, paragraph_texts
from consult.extensions import db, login_manager
from consult.reading.queries import draft_summaries

bp = Blueprint("reading", __name__)


@bp.route("/")
@public
def draft_list():
    """The drafts this person may see, grouped by phase, with deadline and counts."""
    return render_template("reading/draft_list.html", summaries=draft_summaries(current_user))


@bp.route("/drafts/<slug>")
@public
def draft(slug: str):
    """The current version of a draft: numbered paragraphs with line numbers and comment counts."""
    draft = db.first_or_404(select(Draft).where(Draft.slug == slug))
    if not can_view_draft(current_user, draft):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(404)
    version = current_version(draft)
    texts = paragraph_texts(version) if version else []
    counts = published_count_by_paragraph(draft.id)
    response = render_template("reading/draft.html", draft=draft, version=version, texts=texts, counts=counts)
    return response
