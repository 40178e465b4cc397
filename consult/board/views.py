"""The board's pages for running a draft: new draft, settings and deadlines, phase changes with confirmation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.amendments.outcomes import in_amendment_round
from consult.board.docx_import import NotADocx, docx_to_markdown
from consult.board.forms import NewDraftForm, SettingsForm, berlin_local, from_berlin
from consult.board.services import (
    adopt,
    change_phase,
    consequence,
    create_draft,
    next_phases,
    render_documents_again,
    replace_text,
    set_deadlines,
    update_settings,
)
from consult.board.steps import next_step
from consult.core import clock
from consult.core.access import roles
from consult.core.inputs import accepts_upload, cleaned_text, refuse_cleaned_text, unreadable
from consult.core.once import create_once
from consult.core.refusals import Refusal
from consult.core.templating import labels
from consult.drafts.models import AmendmentProcedure, Draft, MajorityRule, ModerationPolicy, Phase
from consult.drafts.services import get_by_slug
from consult.exports import jobs
from consult.extensions import db
from consult.notifications.events import phase_changed

bp = Blueprint("board", __name__)


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors) or _("Please check the form.")


@bp.route("/drafts/new", methods=["GET", "POST"])
@accepts_upload
@roles("board")
def new():
    """Create a draft in preparation by pasting Markdown or uploading a .md file."""
    form = NewDraftForm()
    if request.method == "GET":
        return render_template("board/new.html", form=form, error=None)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return render_template("board/new.html", form=form, error=_errors(form)), 422
    markdown = form.markdown.data or ""
    if form.upload.data:
        upload = form.upload.data
        data = upload.read()
        try:
            if (upload.filename or "").lower().endswith(".docx"):
                markdown = docx_to_markdown(data)
            else:
                markdown = data.decode("utf-8-sig")
        except NotADocx:
            return render_template("board/new.html", form=form, error=_("This file cannot be read.")), 422
        except UnicodeDecodeError:
            return render_template(
                "board/new.html",
                form=form,
                error=_("The file is not UTF-8 text. Please save it as UTF-8 and try again."),
            ), 422
        if unreadable(markdown):  # NUL or other control characters: not a text file a person wrote
            return render_template("board/new.html", form=form, error=_("This file cannot be read.")), 422
    try:  # sent again (a double click, a retry): the same answer, no second draft
        outcome = create_once(
            current_user, form, "draft", lambda: create_draft(current_user, form.title.data, form.slug.data, markdown)
        )
    except Refusal as refusal:
        db.session.rollback()
        return render_template("board/new.html", form=form, error=str(refusal.message)), refusal.status
    db.session.commit()
    draft = db.session.get(Draft, outcome.object_id) or abort(404)
    flash(_("The draft was created. It stays in preparation until you open it for comments."), "info")
    return redirect(url_for("board.settings", slug=draft.slug))


def _draft_or_404(slug: str):
    return get_by_slug(slug) or abort(404)


def _settings_page(draft, form, error=None, status=200, text=None):
    phases = [(phase, consequence(draft, phase)) for phase in next_phases(draft)]
    if text is None and draft.phase == Phase.PREPARATION and draft.versions:
        text = "\n\n".join(t.text for t in draft.versions[0].texts)
    return render_template(
        "board/settings.html",
        draft=draft,
        form=form,
        error=error,
        next_phases=phases,
        can_adopt=draft.phase == Phase.VOTING and not in_amendment_round(draft),
        text=text,
        next_step=next_step(draft, clock.now()),
    ), status


def _settings_form(draft) -> SettingsForm:
    return SettingsForm(
        formdata=None,
        title=draft.title,
        is_public=draft.is_public,
        moderation_policy=draft.moderation_policy.value,
        majority_rule=draft.majority_rule.value,
        weighted_votes=draft.weighted_votes,
        appendix_shows_ballots=draft.appendix_shows_ballots,
        commenting_ends=berlin_local(draft.deadline_for(Phase.COMMENTING)),
        voting_ends=berlin_local(draft.deadline_for(Phase.VOTING)),
        amendment_procedure=draft.amendment_procedure.value,
        support_quorum=draft.support_quorum,
        vote_requests_until=berlin_local(draft.vote_requests_until),
        reminder_days=draft.reminder_days,
    )


def _amendment_rules(form: SettingsForm) -> dict:
    """The amendment rules the form sent (a field the form did not send stays as it is)."""
    rules: dict[str, Any] = {}
    if "amendment_procedure" in request.form:
        rules["amendment_procedure"] = AmendmentProcedure(form.amendment_procedure.data)
    if "support_quorum" in request.form:
        rules["support_quorum"] = form.support_quorum.data or 0
    if "vote_requests_until" in request.form:
        rules["vote_requests_until"] = from_berlin(form.vote_requests_until.data)
    if "reminder_days" in request.form:
        rules["reminder_days"] = form.reminder_days.data
    return rules


@bp.route("/drafts/<slug>/settings", methods=["GET", "POST"])
@roles("board")
def settings(slug: str):
    """Title, visibility, moderation policy, majority rule, weights and deadlines; the way to the next phase."""
    draft = _draft_or_404(slug)
    if request.method == "GET":
        return _settings_page(draft, _settings_form(draft))
    form = SettingsForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _settings_page(draft, form, _errors(form), 422)
    now = clock.now()
    try:
        update_settings(
            current_user,
            draft,
            title=form.title.data,
            is_public=form.is_public.data,
            moderation_policy=ModerationPolicy(form.moderation_policy.data),
            majority_rule=MajorityRule(form.majority_rule.data),
            weighted_votes=form.weighted_votes.data,
            appendix_shows_ballots=form.appendix_shows_ballots.data,
            now=now,
            **_amendment_rules(form),
        )
        set_deadlines(
            current_user,
            draft,
            {
                Phase.COMMENTING: from_berlin(form.commenting_ends.data),
                Phase.VOTING: from_berlin(form.voting_ends.data),
            },
            now,
        )
    except Refusal as refusal:
        db.session.rollback()
        return _settings_page(draft, form, str(refusal.message), refusal.status)
    db.session.commit()
    flash(_("The settings were saved."), "info")
    return redirect(url_for("board.settings", slug=slug))


@bp.route("/drafts/<slug>/phase", methods=["GET", "POST"])
@roles("board")
def phase(slug: str):
    """GET: what changes for the delegates, and a confirm button. POST: the change."""
    draft = _draft_or_404(slug)
    try:
        target = Phase(request.values.get("to", ""))
    except ValueError:
        abort(404)
    adopting = target == Phase.ADOPTED and draft.phase == Phase.VOTING
    if target not in next_phases(draft) and not adopting:
        abort(404)
    if request.method == "GET":
        return render_template(
            "board/phase.html",
            draft=draft,
            target=target,
            consequence=consequence(draft, target),
            form=EmptyForm(),
            next_step=next_step(draft, clock.now()),
        )
    if not EmptyForm().validate_on_submit():
        abort(400)
    shown = request.form.get("from", "")
    expected = Phase(shown) if shown in {p.value for p in Phase} else None
    reason = cleaned_text("reason") or None
    try:
        refuse_cleaned_text()
        since = clock.now()
        if adopting:
            adopt(current_user, draft, expected, since, reason)
        else:
            change_phase(current_user, draft, target, expected, reason)
        phase_changed(draft, current_user, since)
    except Refusal as refusal:
        db.session.rollback()
        return render_template(
            "board/phase.html",
            draft=draft,
            target=target,
            consequence=consequence(draft, target),
            form=EmptyForm(),
            error=str(refusal.message),
            next_step=next_step(draft, clock.now()),
        ), refusal.status
    db.session.commit()
    if adopting:  # the vote is closed and the text frozen; the documents are made now, after the commit
        jobs.start(draft.id)
        flash(
            _(
                "The draft is adopted. Its documents are being made; the download links appear on this "
                "page when they are ready."
            ),
            "info",
        )
        return redirect(url_for("reading.position", slug=slug))
    flash(_("The draft is now in the phase “%(phase)s”.", phase=labels("phase")[target.value]), "info")
    return redirect(url_for("reading.draft", slug=slug))


@bp.route("/drafts/<slug>/documents", methods=["POST"])
@roles("board")
def documents(slug: str):
    """After rendering the adopted position's documents failed: try again."""
    draft = _draft_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        render_documents_again(current_user, draft, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("reading.position", slug=slug))
    db.session.commit()
    jobs.start(draft.id)
    flash(_("The documents are being made again."), "info")
    return redirect(url_for("reading.position", slug=slug))


@bp.route("/drafts/<slug>/text", methods=["POST"])
@roles("board")
def text(slug: str):
    """In preparation: the whole text, rewritten (version 1 is built again)."""
    draft = _draft_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    typed = cleaned_text("text")
    try:
        refuse_cleaned_text()
        replace_text(current_user, draft, typed, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        return _settings_page(draft, _settings_form(draft), str(refusal.message), refusal.status, text=typed)
    db.session.commit()
    flash(_("The text was saved."), "info")
    return redirect(url_for("board.settings", slug=slug))
