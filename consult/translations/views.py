"""The translators' pages (the overview of a draft's translations, the editor per language), the administrator's
grant of the role "Übersetzung", and the adopted position's translations as documents."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.accounts.models import Role, User
from consult.core import clock
from consult.core.access import public, roles, signed_in
from consult.core.forms import message_for
from consult.core.markdown import render_block
from consult.core.refusals import Refusal
from consult.drafts.models import Version
from consult.drafts.services import current_version, get_by_slug, paragraph_rows, visible_draft_or_404
from consult.extensions import db
from consult.translations import documents
from consult.translations.forms import TranslatorForm
from consult.translations.languages import direction, is_reading_language, label, name, reading_languages
from consult.translations.models import TranslationStatus
from consult.translations.permissions import can_edit_translation
from consult.translations.queries import is_outdated, progress, translations_for, translator_languages
from consult.translations.services import (
    NO_WRAP,
    Entry,
    TranslationRefused,
    save_translations,
    set_translator_languages,
)

bp = Blueprint("translations", __name__)

NO_STORE = {"Cache-Control": "private, no-store"}


@bp.route("/drafts/<slug>/translations")
@signed_in
def overview(slug: str):
    """The reading languages of a draft's current version: how far each is, and the editors this person may use."""
    draft = visible_draft_or_404(slug, current_user)
    version = current_version(draft)
    mine = translator_languages(current_user)
    languages = reading_languages()
    figures = progress(version, languages) if version else {}
    rows = [
        {
            "code": code,
            "label": label(code),
            "progress": figures.get(code),
            "editable": can_edit_translation(current_user, draft, code, mine),
        }
        for code in languages
    ]
    return render_template("translations/overview.html", draft=draft, version=version, rows=rows), 200, NO_STORE


def _editor_page(draft, version, language, typed=None, problems=None, error=None, status=200):
    texts = paragraph_rows(version)
    stored = translations_for(version, language)
    rows = []
    for text in texts:
        translation = stored.get(text.paragraph_id)
        outdated = translation is not None and is_outdated(translation, text.text)
        checked = translation is not None and translation.status == TranslationStatus.CHECKED and not outdated
        kept = (typed or {}).get(text.paragraph_id)
        rows.append(
            {
                "text": text,
                "translation": translation,
                "outdated": outdated,
                "checked": checked,
                # The German text flowing in its column (the draft page's line breaks are for its line numbers).
                "german": render_block(text.text, max_length=len(text.text) + 1, width=NO_WRAP).html,
                "value": kept[0] if kept else (translation.text if translation else ""),
                "checked_value": kept[1] if kept else checked,
                # What the page was loaded with: a later save compares it with what is stored then.
                "base": kept[2] if kept else (translation.text if translation else ""),
                "problem": (problems or {}).get(text.paragraph_id),
            }
        )
    figures = progress(version, (language,))[language]
    return (
        render_template(
            "translations/editor.html",
            draft=draft,
            version=version,
            rows=rows,
            error=error,
            language={"code": language, "name": name(language), "label": label(language), "dir": direction(language)},
            progress=figures,
        ),
        status,
        NO_STORE,
    )


def _entries(texts) -> tuple[list[Entry], dict]:
    entries, typed = [], {}
    for text in texts:
        pid = text.paragraph_id
        if f"text-{pid}" not in request.form:
            continue
        value = request.form.get(f"text-{pid}", "")
        checked = request.form.get(f"checked-{pid}") == "1"
        base = request.form.get(f"base-{pid}", "")
        entries.append(Entry(pid, value, checked, base))
        typed[pid] = (value, checked, base)
    return entries, typed


@bp.route("/drafts/<slug>/translations/<language>", methods=["GET", "POST"])
@signed_in
def editor(slug: str, language: str):
    """The translator's editor for the draft's current version in one language: every paragraph with its German
    text beside the field, its status, and where the German changed since, the word diff. Only the board and the
    translators of this language (403 for everyone else, translators of other languages too)."""
    draft = visible_draft_or_404(slug, current_user)
    if not is_reading_language(language):
        abort(404)
    languages = translator_languages(current_user)
    if not can_edit_translation(current_user, draft, language, languages):
        abort(403)
    version = current_version(draft) or abort(404)
    if request.method == "GET":
        return _editor_page(draft, version, language)
    if not EmptyForm().validate_on_submit():
        abort(400)
    entries, typed = _entries(paragraph_rows(version))
    try:
        changed = save_translations(current_user, draft, version, language, entries, languages, clock.now())
    except TranslationRefused as refusal:
        db.session.rollback()
        return _editor_page(draft, version, language, typed, refusal.problems, str(refusal.message), refusal.status)
    except Refusal as refusal:
        db.session.rollback()
        return _editor_page(draft, version, language, typed, None, str(refusal.message), refusal.status)
    db.session.commit()
    flash(
        ngettext(
            "The translation is saved (one paragraph changed).",
            "The translation is saved (%(num)d paragraphs changed).",
            len(changed),
        )
        if changed
        else _("Nothing had changed."),
        "info",
    )
    return redirect(url_for("translations.editor", slug=slug, language=language))


@bp.route("/admin/people/<int:person_id>/translation", methods=["POST"])
@roles(Role.ADMIN)
def grant(person_id: int):
    """Set the languages a person translates (the role "Übersetzung"), from the administration's person page."""
    person = db.session.get(User, person_id) or abort(404)
    form = TranslatorForm()
    if not form.validate_on_submit():
        message_for(form)  # a missing CSRF token is a 400
        flash(_("Please choose among the reading languages."), "error")
        return redirect(url_for("admin.edit_person", person_id=person.id))
    try:
        set_translator_languages(current_user, person, form.languages.data or [], clock.now())
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("admin.edit_person", person_id=person.id))
    db.session.commit()
    flash(_("The translation languages of %(name)s were saved.", name=person.name), "info")
    return redirect(url_for("admin.edit_person", person_id=person.id))


@bp.route("/positions/<slug>/translations/<language>/download/<name>")
@public
def position_translation(slug: str, language: str, name: str):
    """The adopted position in a reading language, as HTML or PDF: only where every paragraph of the adopted
    version is translated, checked and up to date (404 otherwise), marked as a translation of the German text."""
    draft = get_by_slug(slug)
    if (
        draft is None
        or draft.adopted_version_id is None
        or name not in documents.FORMATS
        or not is_reading_language(language)
    ):
        abort(404)
    version = db.session.get_one(Version, draft.adopted_version_id)
    if not progress(version, (language,))[language].complete:
        abort(404)
    content, media_type, filename = documents.render(draft, version, language, name)
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
