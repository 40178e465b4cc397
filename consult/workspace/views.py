"""The organisation's workspace: its internal drafts of a draft, one internal draft with its internal comments
and agreements, starting one for a paragraph, and "Für die Organisation einreichen".

Every route loads through `consult.workspace.queries` (`can_see_internal`, `visible_to`): anyone outside the
organisation gets 404, whatever their role. Every POST is a plain form that redirects back; a refusal
comes back as the page with the message and what was typed, in the refusal's status.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from consult.amendments.models import AmendmentKind
from consult.comments.models import Stance
from consult.comments.services import MAX_BODY
from consult.core import clock
from consult.core.access import signed_in
from consult.core.markdown import MarkdownError, render_comment
from consult.core.once import create_once
from consult.core.refusals import AlreadyChanged, Refusal
from consult.drafts.models import Draft
from consult.drafts.services import current_text, visible_draft_or_404
from consult.extensions import db
from consult.workspace.forms import (
    InternalAmendmentForm,
    InternalCommentForm,
    NoteForm,
    RevisionForm,
    WhoSubmitsForm,
    seen_revision,
)
from consult.workspace.models import InternalDraft, InternalKind
from consult.workspace.notices import ask_colleagues
from consult.workspace.permissions import (
    can_set_who_submits,
    can_start_internal,
    can_submit_internal,
    can_work_on,
    may_submit_for,
)
from consult.workspace.queries import can_see_internal, colleagues, internal_draft, internal_drafts, positions
from consult.workspace.services import (
    InternalText,
    add_note,
    agree,
    discard_internal,
    edit_internal,
    set_who_submits,
    start_internal,
    submit_internal,
    take_back_agreement,
)

bp = Blueprint("workspace", __name__)


@bp.app_template_filter("comment_markdown")
def comment_markdown(source: str | None) -> Markup:
    """An internal comment's text as a comment shows it (the same renderer: no raw HTML)."""
    try:
        return Markup(render_comment(source or "", max_length=MAX_BODY))
    except MarkdownError:
        return Markup("")


PRIVATE = {"Cache-Control": "private, no-store"}


def _draft_or_404(slug: str) -> Draft:
    """The draft, if this person sees it and their organisation's workspace on it; else 404."""
    draft = visible_draft_or_404(slug, current_user)
    if not can_see_internal(current_user, draft):
        abort(404)
    return draft


def _internal_or_404(slug: str, internal_id: int) -> tuple[Draft, InternalDraft]:
    draft = _draft_or_404(slug)
    internal = internal_draft(current_user, draft, internal_id)
    if internal is None:
        abort(404)
    return draft, internal


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors) or _("Please check the form.")


def _typed(kind: InternalKind, form) -> InternalText:
    if kind == InternalKind.COMMENT:
        return InternalText(body=form.body.data, stance=Stance(form.stance.data), quote=form.quote.data)
    return InternalText(
        amendment_kind=AmendmentKind(form.kind.data),
        proposed_text=form.text.data,
        justification=form.justification.data,
    )


def _text_form(kind: InternalKind, internal: InternalDraft | None = None, text=None, formdata=True):
    """The form of an internal comment or amendment: as sent (`formdata`), or filled from `internal` (or,
    for a new amendment, from the paragraph's text)."""
    form_class = InternalCommentForm if kind == InternalKind.COMMENT else InternalAmendmentForm
    if formdata:
        return form_class()
    if internal is None:
        return form_class(formdata=None, text=text.text if text is not None else None)
    if kind == InternalKind.COMMENT:
        return form_class(
            formdata=None,
            body=internal.body,
            stance=(internal.stance or Stance.NEUTRAL).value,
            quote=internal.quote_exact,
            text_revision=internal.text_revision,
        )
    return form_class(
        formdata=None,
        kind=(internal.amendment_kind or AmendmentKind.REPLACE).value,
        text=internal.proposed_text or (text.text if text is not None else ""),
        justification=internal.justification,
        text_revision=internal.text_revision,
    )


@bp.route("/drafts/<slug>/workspace")
@signed_in
def overview(slug: str):
    """The organisation's internal drafts of this draft (open, submitted, discarded), with who agreed."""
    draft = _draft_or_404(slug)
    rows = internal_drafts(current_user, draft)
    people = [current_user, *colleagues(current_user)]
    organisation = current_user.organisation
    return (
        render_template(
            "workspace/overview.html",
            draft=draft,
            rows=rows,
            people_count=len(people),
            positions=positions(draft, [row.paragraph_id for row in rows]),
            organisation=organisation,
            who_form=WhoSubmitsForm(formdata=None, contact_submits_only=organisation.contact_submits_only),
            can_set_who_submits=can_set_who_submits(current_user, organisation)
            and current_user.organisation_id == organisation.id,
            can_start=can_start_internal(current_user, draft, clock.now()),
        ),
        200,
        PRIVATE,
    )


@bp.route("/drafts/<slug>/workspace/who-submits", methods=["POST"])
@signed_in
def who_submits(slug: str):
    """The contact person decides whether any delegate or only contact persons submit for the organisation."""
    draft = _draft_or_404(slug)
    form = WhoSubmitsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        set_who_submits(current_user, current_user.organisation, bool(form.contact_submits_only.data), clock.now())
    except Refusal as refusal:
        db.session.rollback()
        abort(refusal.status)
    db.session.commit()
    flash(_("The setting was saved."), "confirmation")
    return redirect(url_for("workspace.overview", slug=draft.slug))


def _new_page(draft: Draft, text, kind: InternalKind, form, error: str | None = None, status: int = 200):
    return (
        render_template(
            "workspace/new.html", draft=draft, text=text, kind=kind, form=form, error=error, kinds=list(InternalKind)
        ),
        status,
        PRIVATE,
    )


@bp.route("/drafts/<slug>/paragraphs/<int:paragraph_id>/workspace/new", methods=["GET", "POST"])
@signed_in
def new(slug: str, paragraph_id: int):
    """ "Entwurf unserer Organisation": begin a comment or an amendment (`kind`) for the paragraph, which only
    colleagues see until it is submitted."""
    draft = _draft_or_404(slug)
    text = current_text(draft, paragraph_id) or abort(404)
    try:
        kind = InternalKind(request.values.get("kind", InternalKind.AMENDMENT.value))
    except ValueError:
        abort(404)
    now = clock.now()
    if request.method == "GET":
        form = _text_form(kind, text=text, formdata=False)
        if not can_start_internal(current_user, draft, now):
            return _new_page(
                draft,
                text,
                kind,
                form,
                _("Drafts for your organisation can be begun while the draft is open for comments."),
                403,
            )
        return _new_page(draft, text, kind, form)
    form = _text_form(kind)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _new_page(draft, text, kind, form, _form_errors(form), 422)
    try:
        outcome = create_once(
            current_user,
            form,
            "internal_draft",
            lambda: start_internal(current_user, draft, text, kind, _typed(kind, form), now),
        )
        internal = db.session.get(InternalDraft, outcome.object_id)
        if not outcome.again and internal is not None:
            ask_colleagues(current_user, draft, internal, text.position, now)
    except Refusal as refusal:
        db.session.rollback()
        return _new_page(draft, text, kind, form, str(refusal.message), refusal.status)
    db.session.commit()
    flash(_("The draft of your organisation was saved. Your colleagues can now read it and agree."), "confirmation")
    return redirect(url_for("workspace.show", slug=slug, internal_id=outcome.object_id))


def _page(
    draft: Draft,
    internal: InternalDraft,
    *,
    form=None,
    note_form=None,
    error: str | None = None,
    conflict: bool = False,
    status: int = 200,
):
    """The internal draft's page: its text (or the edit form), who agreed, the internal comments."""
    now = clock.now()
    text = current_text(draft, internal.paragraph_id)
    people = [current_user, *colleagues(current_user)]
    current = [row for row in internal.agreements if row.text_revision == internal.text_revision]
    earlier = [row for row in internal.agreements if row.text_revision != internal.text_revision]
    mine = next((row for row in internal.agreements if row.user_id == current_user.id), None)
    notes = sorted(internal.notes, key=lambda note: (note.created_at, note.id))
    context = {
        "draft": draft,
        "internal": internal,
        "text": text,
        "position": getattr(text, "position", None),
        "form": form or _text_form(internal.kind, internal, text, formdata=False),
        "note_form": note_form or NoteForm(formdata=None),
        "button_form": RevisionForm(formdata=None),
        "error": error,
        "conflict": conflict,
        "notes": notes,
        "agreed": current,
        "agreed_earlier": earlier,
        "people_count": len(people),
        "others_agreed": [row for row in current if row.user_id != current_user.id],
        "my_agreement": mine,
        "i_agree": mine is not None and mine.text_revision == internal.text_revision,
        "can_work": can_work_on(current_user, internal, draft, now),
        "can_submit": can_submit_internal(current_user, internal, draft, now),
        "contact_only": not may_submit_for(current_user, internal.organisation),
    }
    return render_template("workspace/internal.html", **context), status, PRIVATE


@bp.route("/drafts/<slug>/workspace/<int:internal_id>", methods=["GET", "POST"])
@signed_in
def show(slug: str, internal_id: int):
    """The internal draft; a POST changes its text (from the revision the editor read: a change made since
    is a 409 with the current text and the typed one kept)."""
    draft, internal = _internal_or_404(slug, internal_id)
    if request.method == "GET":
        return _page(draft, internal)
    form = _text_form(internal.kind)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(draft, internal, form=form, error=_form_errors(form), status=422)
    text = current_text(draft, internal.paragraph_id)
    now = clock.now()
    try:
        if text is None:
            raise AlreadyChanged(_("This paragraph is no longer in the draft's current version."))
        edit_internal(current_user, internal, draft, text, _typed(internal.kind, form), seen_revision(form), now)
        ask_colleagues(current_user, draft, internal, text.position, now)
    except Refusal as refusal:
        db.session.rollback()
        db.session.refresh(internal)
        return _page(
            draft,
            internal,
            form=form,
            error=str(refusal.message),
            conflict=isinstance(refusal, AlreadyChanged),
            status=refusal.status,
        )
    db.session.commit()
    flash(_("The text was changed. Earlier agreements now hold for the earlier text."), "confirmation")
    return redirect(url_for("workspace.show", slug=slug, internal_id=internal.id))


def _button(slug: str, internal_id: int, action, done: str, anchor: str = ""):
    """A button on the internal draft: do `action(draft, internal, form)`, then back to its page (refused: the
    page with the message, in the refusal's status)."""
    draft, internal = _internal_or_404(slug, internal_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = action(draft, internal, form)
    except Refusal as refusal:
        db.session.rollback()
        db.session.refresh(internal)
        return _page(draft, internal, error=str(refusal.message), status=refusal.status)
    db.session.commit()
    flash(done, "confirmation")
    return result or redirect(url_for("workspace.show", slug=slug, internal_id=internal.id) + anchor)


@bp.route("/drafts/<slug>/workspace/<int:internal_id>/agreement", methods=["POST"])
@signed_in
def agreement(slug: str, internal_id: int):
    """ "Einverstanden" with the text as read, or (with `take_back`) no longer."""
    if request.form.get("take_back"):
        return _button(
            slug,
            internal_id,
            lambda draft, internal, form: take_back_agreement(current_user, internal, draft, clock.now()),
            _("You took your agreement back."),
            "#agreement",
        )
    return _button(
        slug,
        internal_id,
        lambda draft, internal, form: agree(current_user, internal, draft, seen_revision(form), clock.now()),
        _("You agreed with this text."),
        "#agreement",
    )


@bp.route("/drafts/<slug>/workspace/<int:internal_id>/discard", methods=["POST"])
@signed_in
def discard(slug: str, internal_id: int):
    """Give the internal draft up (it stays in the list, marked discarded)."""
    return _button(
        slug,
        internal_id,
        lambda draft, internal, form: discard_internal(current_user, internal, draft, clock.now()),
        _("The draft of your organisation was discarded."),
    )


@bp.route("/drafts/<slug>/workspace/<int:internal_id>/submit", methods=["POST"])
@signed_in
def submit(slug: str, internal_id: int):
    """ "Für die Organisation einreichen": it becomes the organisation's comment or amendment."""

    def action(draft, internal, form):
        item = submit_internal(
            current_user, internal, draft, current_text(draft, internal.paragraph_id), seen_revision(form), clock.now()
        )
        if internal.kind == InternalKind.AMENDMENT:
            return redirect(url_for("amendments.show", slug=slug, amendment_id=item.id))
        return redirect(url_for("reading.draft", slug=slug, open=internal.paragraph_id) + f"#comment-{item.id}")

    return _button(slug, internal_id, action, _("Submitted for your organisation."))


@bp.route("/drafts/<slug>/workspace/<int:internal_id>/notes", methods=["POST"])
@signed_in
def note(slug: str, internal_id: int):
    """An internal comment on the internal draft (only colleagues read it)."""
    draft, internal = _internal_or_404(slug, internal_id)
    form = NoteForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(draft, internal, note_form=form, error=_form_errors(form), status=422)
    try:
        outcome = create_once(
            current_user,
            form,
            "internal_note",
            lambda: add_note(current_user, internal, draft, form.body.data, clock.now()),
        )
    except Refusal as refusal:
        db.session.rollback()
        return _page(draft, internal, note_form=form, error=str(refusal.message), status=refusal.status)
    db.session.commit()
    return redirect(url_for("workspace.show", slug=slug, internal_id=internal.id) + f"#note-{outcome.object_id}")
