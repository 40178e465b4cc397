"""Amendments: propose one for a paragraph, read it with its diff, edit, withdraw, support, decide.

Every POST works as a plain form (redirect to the amendment) and the support
button also through htmx (the support box only). Refusals keep what was typed.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import escape

from consult.accounts.forms import EmptyForm
from consult.accounts.permissions import can_decide_item, is_moderator, refuse_deciding
from consult.amendments.alternatives import alternatives_context
from consult.amendments.diff import diff_html
from consult.amendments.forms import AmendmentForm, DecisionForm
from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus
from consult.amendments.permissions import (
    DECIDING_PHASES,
    can_change,
    can_decide,
    can_propose,
    can_see_amendment,
    can_support,
)
from consult.amendments.procedure import procedure_context
from consult.amendments.queries import supporters
from consult.amendments.quorum import held_links, opens, quorum_context, remember_link
from consult.amendments.services import decide, edit, propose, support, withdraw, withdraw_support
from consult.comments.views import thread_context
from consult.core import clock
from consult.core.access import public, roles, signed_in
from consult.core.announce import announce
from consult.core.once import OnceForm, create_once
from consult.core.refusals import Refusal
from consult.drafts.models import Draft
from consult.drafts.services import current_text, visible_draft_or_404
from consult.extensions import db, htmx
from consult.notifications.events import amendment_ruled, amendment_supported
from consult.votes.views import amendment_vote_context

bp = Blueprint("amendments", __name__)
bp.add_app_template_global(diff_html, "diff_html")

PAGE = "amendments/amendment.html"


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors) or _("Please check the form.")


def _form_page(
    draft: Draft,
    text,
    form: AmendmentForm,
    amendment: Amendment | None = None,
    error: str | None = None,
    status: int = 200,
):
    return render_template(
        "amendments/form.html", draft=draft, text=text, form=form, amendment=amendment, error=error
    ), status


@bp.route("/drafts/<slug>/paragraphs/<int:paragraph_id>/amendments/new", methods=["GET", "POST"])
@signed_in
def new(slug: str, paragraph_id: int):
    """The form starts from the paragraph's current text."""
    draft = visible_draft_or_404(slug, current_user)
    text = current_text(draft, paragraph_id) or abort(404)
    if request.method == "GET":
        form = AmendmentForm(formdata=None, text=text.text)
        if not can_propose(current_user, draft, clock.now()):
            return _form_page(
                draft, text, form, error=_("You cannot propose amendments to this draft now."), status=403
            )
        return _form_page(draft, text, form)
    form = AmendmentForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _form_page(draft, text, form, error=_form_errors(form), status=422)
    try:
        outcome = create_once(
            current_user,
            form,
            "amendment",
            lambda: propose(
                current_user,
                draft,
                text,
                AmendmentKind(form.kind.data),
                form.text.data,
                form.justification.data,
                clock.now(),
            ),
        )
    except Refusal as refusal:
        db.session.rollback()
        return _form_page(draft, text, form, error=str(refusal.message), status=refusal.status)
    db.session.commit()
    # Sent again (a double click, a retry): the same redirect as the first time, nothing stored twice.
    # The amendment's page opens with the confirmation, which takes the focus (templates/base.html).
    flash(_("Your amendment was submitted."), "confirmation")
    return redirect(url_for("amendments.show", slug=slug, amendment_id=outcome.object_id))


def _amendment_or_404(slug: str, amendment_id: int) -> tuple[Draft, Amendment]:
    """The amendment, if this person may see it (`can_see_amendment`), else 404 (an unpublished amendment
    is not revealed). A valid support link (`link`, in the address or the support form) of exactly
    this amendment opens it for this person's session; an invalid or foreign one opens nothing."""
    draft = visible_draft_or_404(slug, current_user)
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None or amendment.draft_id != draft.id:
        abort(404)
    token = request.values.get("link")
    if token and opens(token, amendment):
        remember_link(amendment)
    if not can_see_amendment(current_user, amendment, held_links()):
        abort(404)
    return draft, amendment


def page_context(
    draft: Draft, amendment: Amendment, error: str | None = None, decision_form: DecisionForm | None = None
) -> dict:
    """What amendments/amendment.html needs (a fixed number of queries)."""
    user, now = current_user, clock.now()
    text = current_text(draft, amendment.paragraph_id)
    rows = supporters(amendment.id)
    return {
        "draft": draft,
        "amendment": amendment,
        "text": text,
        "supporters": rows,
        "error": error,
        "can_change": can_change(user, amendment, draft, now),
        "can_support": can_support(user, amendment, draft, now),
        "supported": any(row.organisation_id == user.organisation_id for row in rows),
        "can_decide": can_decide(user, amendment, draft),
        # A moderator who may not decide this one (their own organisation's): say so instead of the form.
        "for_another": (
            is_moderator(user)
            and amendment.status == AmendmentStatus.SUBMITTED
            and draft.phase in DECIDING_PHASES
            and not can_decide_item(user, amendment)
        ),
        # A recommendation already made (where the organisations decide) is what the form starts from.
        "decision_form": decision_form
        or DecisionForm(
            formdata=None,
            adopted_text=amendment.recommended_text or amendment.proposed_text,
            decision=amendment.recommendation.value if amendment.recommendation else None,
            reason=amendment.recommendation_reason,
            merged_into=amendment.recommended_merge_into_id,
        ),
        "discussion": thread_context(draft, text, amendment=amendment) if text is not None else None,
        # Where the organisations decide: the recommendation and consent, the quorum, the vote, the alternatives.
        **procedure_context(user, draft, amendment, now),
        **quorum_context(user, draft, amendment, now),
        **alternatives_context(user, draft, amendment, now),
        **amendment_vote_context(user, draft, amendment, now),
    }


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>")
@public
def show(slug: str, amendment_id: int):
    draft, amendment = _amendment_or_404(slug, amendment_id)
    private = current_user.is_authenticated or not amendment.is_published
    headers = {"Cache-Control": "private, no-store"} if private else {}
    return render_template(PAGE, **page_context(draft, amendment)), 200, headers


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/edit", methods=["GET", "POST"])
@signed_in
def change(slug: str, amendment_id: int):
    """The author changes the amendment until it is decided."""
    draft, amendment = _amendment_or_404(slug, amendment_id)
    text = current_text(draft, amendment.paragraph_id) or abort(404)
    if request.method == "GET":
        form = AmendmentForm(
            formdata=None,
            kind=amendment.kind.value,
            text=amendment.proposed_text or text.text,
            justification=amendment.justification,
        )
        if not can_change(current_user, amendment, draft, clock.now()):
            return _form_page(draft, text, form, amendment, error=_("You cannot change this amendment."), status=403)
        return _form_page(draft, text, form, amendment)
    form = AmendmentForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _form_page(draft, text, form, amendment, error=_form_errors(form), status=422)
    try:
        edit(
            current_user,
            amendment,
            draft,
            text,
            AmendmentKind(form.kind.data),
            form.text.data,
            form.justification.data,
            clock.now(),
        )
    except Refusal as refusal:
        db.session.rollback()
        return _form_page(draft, text, form, amendment, error=str(refusal.message), status=refusal.status)
    db.session.commit()
    return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment.id))


def _button(slug: str, amendment_id: int, action, done: str, block: str | None = None, creates: str | None = None):
    """A button-only POST: do `action`, then the page (plain) or its changed block (htmx).
    `creates` names what the action creates: it then runs once per form key (consult.core.once)."""
    draft, amendment = _amendment_or_404(slug, amendment_id)
    form = OnceForm() if creates else EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    status, message = 200, done
    try:
        if creates:
            create_once(current_user, form, creates, lambda: action(current_user, amendment, draft, clock.now()))
        else:
            action(current_user, amendment, draft, clock.now())
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        status, message = refusal.status, str(refusal.message)
        db.session.refresh(amendment)
    if htmx and block:
        # The changed control keeps the focus (or, refused, the message in the box takes it).
        context = page_context(draft, amendment, error=None if status == 200 else message)
        html = render_block(PAGE, block, **context, focus=block, box_error=None if status == 200 else message)
        if block == "support_box":  # the count against the supporter quorum changes with it
            html += render_template("amendments/_quorum.html", oob=True, **context)
        return html, status, announce(message)
    if status != 200:
        return render_template(PAGE, **page_context(draft, amendment, error=message)), status
    if not can_see_amendment(current_user, amendment, held_links()):  # e.g. support withdrawn before publication
        return redirect(url_for("reading.draft", slug=slug))
    return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment.id))


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/withdraw", methods=["POST"])
@signed_in
def withdraw_view(slug: str, amendment_id: int):
    return _button(slug, amendment_id, withdraw, _("Your amendment was withdrawn."))


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/support", methods=["POST"])
@signed_in
def support_view(slug: str, amendment_id: int):
    """The person's organisation co-signs (or, with `withdraw`, takes its support back)."""
    if request.form.get("withdraw"):
        return _button(
            slug,
            amendment_id,
            withdraw_support,
            _("Your organisation no longer supports this amendment."),
            "support_box",
        )

    def support_and_notify(user, amendment, draft, now):
        supported = support(user, amendment, draft, now)
        amendment_supported(amendment, draft, user, now)  # the proposing organisation hears of it
        return supported

    return _button(
        slug,
        amendment_id,
        support_and_notify,
        _("Your organisation supports this amendment."),
        "support_box",
        creates="support",
    )


def _refused(draft: Draft, amendment: Amendment, message: str, status: int):
    """A refused decision: htmx gets the message as an alert and in the live region, a plain form the page."""
    if htmx:
        return (
            f'<p class="alert alert--error" role="alert" tabindex="-1" data-focus>{escape(message)}</p>',
            status,
            announce(message),
        )
    return render_template(PAGE, **page_context(draft, amendment, message)), status


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/decision", methods=["POST"])
@roles("moderator", "board")
def decision(slug: str, amendment_id: int):
    """A moderator decides: accept, accept modified, reject or merged, with a reason (the board only where
    no moderator outside the proposing organisation can; see `can_decide_item`)."""
    draft, amendment = _amendment_or_404(slug, amendment_id)
    form = DecisionForm()
    valid = form.validate_on_submit()
    if "csrf_token" in form.errors:
        abort(400)
    try:
        refuse_deciding(current_user, amendment)
    except Refusal as refusal:
        return _refused(draft, amendment, str(refusal.message), refusal.status)
    if not valid:
        return render_template(PAGE, **page_context(draft, amendment, _form_errors(form), form)), 422
    merged_into = db.session.get(Amendment, form.merged_into.data) if form.merged_into.data else None
    try:
        now = clock.now()
        decide(
            current_user,
            amendment,
            draft,
            form.decision.data,
            form.reason.data,
            now,
            adopted_text=form.adopted_text.data,
            merged_into=merged_into,
        )
        amendment_ruled(amendment, draft, current_user, now)
    except Refusal as refusal:
        db.session.rollback()
        db.session.refresh(amendment)
        return render_template(PAGE, **page_context(draft, amendment, str(refusal.message), form)), refusal.status
    db.session.commit()
    return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment.id))


from consult.amendments import alternatives_views, procedure_views  # noqa: E402,F401  (their routes on this blueprint)
