""" "Zu § springen": from a § number to the paragraph on the draft page.

The draft page's small GET form works without JavaScript: it asks this route, which answers with a
redirect to the page at the paragraph's anchor (`#p8`; a form cannot add an anchor by itself). With
JavaScript, static/js/consult.js jumps in the page and focuses the paragraph, and asks here only when
the paragraph is not on the page. A number that is not a § of the current version gets the form again
with the message and what was typed (404 for a § that does not exist, 422 for no number at all).
"""

from __future__ import annotations

import re

from flask import redirect, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from consult.core.access import public
from consult.core.i18n import gettext as _
from consult.drafts.models import ParagraphText, Version, VersionStatus
from consult.drafts.services import visible_draft_or_404
from consult.extensions import db
from consult.reading.ranges import paragraph_url
from consult.reading.views import bp

_NUMBER = re.compile(r"^\s*(?:§\s*)?(\d{1,6})\s*$")


def paragraph_count(draft_id: int) -> int:
    """How many paragraphs (§ 1 … § n) the draft's current version has (one query)."""
    current = (
        select(Version.id)
        .where(Version.draft_id == draft_id, Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    return db.session.scalar(select(func.max(ParagraphText.position)).where(ParagraphText.version_id == current)) or 0


@bp.route("/drafts/<slug>/jump")
@public
def jump(slug: str):
    """Go to § `to` of the draft's current version."""
    draft = visible_draft_or_404(slug, current_user)
    typed = request.args.get("to", "")[:20]
    found = _NUMBER.match(typed)
    count = paragraph_count(draft.id)
    if found and 1 <= int(found.group(1)) <= count:
        # The range of a long draft that holds the paragraph (consult.reading.ranges), at its anchor.
        return redirect(paragraph_url(draft.slug, int(found.group(1))))
    if found:
        error, status = (
            _("There is no § %(num)s in this draft: it has § 1 to § %(count)d.", num=found.group(1), count=count),
            404,
        )
    else:
        error, status = _("Please enter the number of a § (for example 8)."), 422
    return render_template("reading/jump.html", draft=draft, typed=typed, count=count, error=error), status
