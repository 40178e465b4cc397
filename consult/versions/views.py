"""Versions of a draft: the list with a compare form, one version's text (in preparation: its changes,
collisions and the publish button), starting, resolving, publishing, and any two versions compared.

Every POST is a plain form that redirects; a refusal shows the page again with its message
(and what was typed) in the refusal's status.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.amendments.models import DecidedHow
from consult.core import clock
from consult.core.access import public, roles
from consult.core.inputs import cleaned_text, database_id, refuse_cleaned_text
from consult.core.once import OnceForm, create_once
from consult.core.refusals import Refusal
from consult.drafts.models import Draft, Version, VersionConflict, VersionStatus
from consult.drafts.services import paragraph_rows, visible_draft_or_404
from consult.extensions import db
from consult.results.queries import results
from consult.versions.queries import (
    VERSION_ROLES,
    adopted_later_count,
    amendments_by_id,
    conflicts_of,
    decisions,
    versions_of,
    visible_versions,
)
from consult.versions.queries import compare as compare_texts
from consult.versions.services import can_start_version, publish_version, resolve_conflict, start_version

bp = Blueprint("versions", __name__)

LIST, PAGE, COMPARE = "versions/list.html", "versions/version.html", "versions/compare.html"


def _headers() -> dict:
    return {"Cache-Control": "private, no-store"} if current_user.is_authenticated else {}


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _load(slug: str) -> tuple[Draft, list[Version]]:
    """The draft (404 if this person may not see it) and the versions they may see, oldest first."""
    draft = visible_draft_or_404(slug, current_user)
    return draft, visible_versions(current_user, versions_of(draft))


def _find(versions: list[Version], number: int | None) -> Version:
    return next((v for v in versions if v.number == number), None) or abort(404)


def _current(versions: list[Version]) -> Version | None:
    return next((v for v in reversed(versions) if v.status == VersionStatus.PUBLISHED), None)


def _list_context(draft: Draft, versions: list[Version], error: str | None = None) -> dict:
    current = _current(versions)
    preparing = next((v for v in versions if v.status == VersionStatus.IN_PREPARATION), None)
    to = versions[-1] if versions else None  # the newest the person sees: in preparation, for moderators
    return {
        "draft": draft,
        "versions": versions,
        "current": current,
        "preparing": preparing,
        "error": error,
        "can_start": preparing is None and can_start_version(current_user, draft),
        "compare_to": to.number if to else None,
        "compare_from": max(1, to.number - 1) if to else None,
    }


@bp.route("/drafts/<slug>/versions")
@public
def index(slug: str):
    """The versions of a draft, newest first, and a form to compare any two."""
    draft, versions = _load(slug)
    return render_template(LIST, **_list_context(draft, versions)), 200, _headers()


@bp.route("/drafts/<slug>/versions", methods=["POST"])
@roles(*VERSION_ROLES)
def start(slug: str):
    """Start the next version from the current one and the accepted amendments."""
    draft = visible_draft_or_404(slug, current_user)
    _check_csrf()
    try:  # sent again (a double click, a retry): the same answer, no refusal for the version just started
        outcome = create_once(
            current_user, OnceForm(), "version", lambda: start_version(current_user, draft, clock.now())
        )
    except Refusal as refusal:
        db.session.rollback()
        versions = visible_versions(current_user, versions_of(draft))
        return render_template(LIST, **_list_context(draft, versions, error=str(refusal.message))), refusal.status
    db.session.commit()
    version = db.session.get(Version, outcome.object_id) or abort(404)
    flash(_("Version %(num)d is being prepared. Check the changes, then publish it.", num=version.number))
    return redirect(url_for("versions.show", slug=slug, number=version.number))


def _page_context(
    draft: Draft, versions: list[Version], version: Version, error: str | None = None, typed: dict | None = None
) -> dict:
    """What versions/version.html needs (a fixed number of queries, whatever the number of paragraphs)."""
    current = _current(versions)
    previous = next((v for v in versions if v.number == version.number - 1), None)
    context = {
        "draft": draft,
        "version": version,
        "current": current,
        "error": error,
        "typed": typed or {},
        "previous": previous,
        **_decisions_context(draft, version, previous),
    }
    if version.status == VersionStatus.PUBLISHED:
        context["texts"] = paragraph_rows(version)
        return context
    new_texts = paragraph_rows(version)
    rows = compare_texts(paragraph_rows(current) if current else [], new_texts)
    conflicts = {c.paragraph_id: c for c in conflicts_of(version)}
    positions = {t.paragraph_id: t.position for t in new_texts}
    context.update(
        rows=rows,
        conflicts=conflicts,
        positions=positions,
        open_conflicts=sorted((positions[c.paragraph_id], c.id) for c in conflicts.values() if c.resolved_text is None),
        amendments=amendments_by_id(i for c in conflicts.values() for i in c.amendment_ids),
        adopted_later=adopted_later_count(version),
    )
    return context


def _decisions_context(draft: Draft, version: Version, previous: Version | None) -> dict:
    """The decisions behind the version's changes, by paragraph, and the figures of those the
    organisations' vote decided (the figures the majority rule was applied to)."""
    by_paragraph = decisions(version, previous)
    voted = [a.id for items in by_paragraph.values() for a in items if a.decided_how == DecidedHow.VOTE]
    outcome = results(draft) if voted else None
    figures = {i: q.deciding for i in voted if outcome is not None and (q := outcome.amendment(i)) is not None}
    return {"decisions": by_paragraph, "decision_figures": figures}


@bp.route("/drafts/<slug>/versions/<int:number>")
@public
def show(slug: str, number: int):
    """A version's text; the version in preparation (moderators and board only) with what changes."""
    draft, versions = _load(slug)
    version = _find(versions, number)
    return render_template(PAGE, **_page_context(draft, versions, version)), 200, _headers()


@bp.route("/drafts/<slug>/versions/<int:number>/conflicts/<int:conflict_id>", methods=["POST"])
@roles(*VERSION_ROLES)
def resolve(slug: str, number: int, conflict_id: int):
    """A moderator settles a collision: with a common text, or (button `choice=remove`) by removing the paragraph."""
    draft, versions = _load(slug)
    version = _find(versions, number)
    conflict = db.session.get(VersionConflict, conflict_id)
    if conflict is None or conflict.version_id != version.id:
        abort(404)
    _check_csrf()
    text = cleaned_text("text")
    remove = request.form.get("choice") == "remove"
    try:
        refuse_cleaned_text()
        resolve_conflict(current_user, conflict, text, clock.now(), remove=remove)
    except Refusal as refusal:
        db.session.rollback()
        versions = visible_versions(current_user, versions_of(draft))  # one query refreshes what the rollback expired
        context = _page_context(draft, versions, version, str(refusal.message), {conflict_id: text})
        return render_template(PAGE, **context), refusal.status
    db.session.commit()
    flash(_("The paragraph is removed from this version.") if remove else _("The combined text is saved."))
    return redirect(url_for("versions.show", slug=slug, number=number) + f"#conflict-{conflict_id}")


@bp.route("/drafts/<slug>/versions/<int:number>/publish", methods=["POST"])
@roles(*VERSION_ROLES)
def publish(slug: str, number: int):
    """Publish the version in preparation: it becomes the current one for everyone."""
    draft, versions = _load(slug)
    version = _find(versions, number)
    _check_csrf()
    try:
        publish_version(current_user, version, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        versions = visible_versions(current_user, versions_of(draft))
        return render_template(PAGE, **_page_context(draft, versions, version, str(refusal.message))), refusal.status
    db.session.commit()
    flash(_("Version %(num)d is published. It is now the current version.", num=number))
    return redirect(url_for("reading.draft", slug=slug))


def _number(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    number = database_id(raw)
    return number if number is not None else abort(404)


@bp.route("/drafts/<slug>/compare")
@public
def compare(slug: str):
    """Two versions (?from=N&to=M) compared paragraph by paragraph: changed words, new and deleted paragraphs."""
    draft, versions = _load(slug)
    if not versions:
        abort(404)
    context = _list_context(draft, versions)
    old = _find(versions, _number("from", context["compare_from"]))
    new = _find(versions, _number("to", context["compare_to"]))
    context.update(
        old=old,
        new=new,
        rows=compare_texts(paragraph_rows(old), paragraph_rows(new)),
        compare_from=old.number,
        compare_to=new.number,
    )
    return render_template(COMPARE, **context), 200, _headers()
