"""The moderators' page of a draft's alternatives sets: each set in its voting order, and a form to change
the order with a reason (until voting begins). Registered on the amendments blueprint.

A plain form that redirects; a refusal shows the page again with its message in the refusal's status.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.amendments.alternatives import can_reorder, reorder, sets_of
from consult.amendments.views import bp
from consult.core import clock
from consult.core.access import roles
from consult.core.inputs import cleaned_text, refuse_cleaned_text
from consult.core.refusals import InvalidInput, Refusal
from consult.drafts.models import AmendmentProcedure
from consult.drafts.services import current_version, paragraph_texts, visible_draft_or_404
from consult.extensions import db

PAGE = "amendments/alternatives.html"


def _page(draft, error: str | None = None, status: int = 200):
    current = current_version(draft)
    texts = {t.paragraph_id: t for t in paragraph_texts(current)} if current is not None else {}
    return (
        render_template(
            PAGE,
            draft=draft,
            sets=sets_of(draft),
            texts=texts,
            error=error,
            can_reorder=can_reorder(current_user, draft),
        ),
        status,
        {"Cache-Control": "private, no-store"},
    )


def _load(slug: str):
    draft = visible_draft_or_404(slug, current_user)
    if draft.amendment_procedure != AmendmentProcedure.ORGANISATIONS:
        abort(404)
    return draft


@bp.route("/drafts/<slug>/alternatives")
@roles("moderator", "board")
def alternatives(slug: str):
    """The draft's alternatives sets, each in its voting order, with the form to change the order."""
    return _page(_load(slug))


def _order() -> list[int]:
    """The members' ids in the order the form gave them places (1 first); refuses places given twice."""
    places = {}
    for name in list(request.form.keys()):
        if name.startswith("place-") and name[6:].isdigit():
            place = request.form.get(name, type=int)
            if place is None:
                raise InvalidInput(_("Please give each amendment a place in the order."))
            places[int(name[6:])] = place
    if sorted(places.values()) != list(range(1, len(places) + 1)):
        raise InvalidInput(_("Please give each amendment a different place, from 1 on."))
    return sorted(places, key=places.__getitem__)


@bp.route("/drafts/<slug>/alternatives", methods=["POST"])
@roles("moderator")
def reorder_alternatives(slug: str):
    """A moderator changes one set's voting order, with a reason."""
    draft = _load(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        reason = cleaned_text("reason")
        refuse_cleaned_text()
        reorder(current_user, draft, _order(), reason, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        return _page(draft, str(refusal.message), refusal.status)
    db.session.commit()
    flash(_("The voting order was saved."), "info")
    return redirect(url_for("amendments.alternatives", slug=slug))
