"""Saving translations: who may, what "outdated" means after a new version, what is refused and never half-saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEntry
from consult.core import clock
from consult.core.refusals import NotAllowed
from consult.drafts.services import current_version, paragraph_texts
from consult.extensions import db
from consult.translations.models import ParagraphTranslation, TranslationStatus
from consult.translations.queries import is_outdated, progress, translations_for, translator_languages
from consult.translations.services import Entry, TranslationRefused, save_translations
from tests.translations.conftest import BLOCKS, TURKISH, new_version, the_draft


def _save(world, who: str, language: str, texts: dict[int, str], checked=(), base=None):
    """`texts`: position -> text; `checked`: positions marked checked."""
    draft = the_draft(world)
    version = current_version(draft)
    user = world[who]
    rows = paragraph_texts(version)
    entries = [
        Entry(rows[p - 1].paragraph_id, text, p in checked, (base or {}).get(p, "")) for p, text in texts.items()
    ]
    changed = save_translations(user, draft, version, language, entries, translator_languages(user), clock.now())
    db.session.commit()
    return changed


def _translate_all(world, who="tr", checked=True):
    stored = {p: t for p, t in enumerate(TURKISH, start=1)}
    return _save(world, who, "tr", stored, checked=set(stored) if checked else ())


def test_a_saved_translation_keeps_its_german_source_status_and_who(app, world):
    _save(world, "tr", "tr", {2: TURKISH[1], 3: TURKISH[2]}, checked={3})
    rows = {r.paragraph_id: r for r in db.session.scalars(select(ParagraphTranslation))}
    second, third = rows[world["pids"][1]], rows[world["pids"][2]]
    assert second.source_text == BLOCKS[1] and second.status == TranslationStatus.DRAFT
    assert second.updated_by_id == world["tr"].id and second.checked_by_id is None
    assert third.status == TranslationStatus.CHECKED and third.checked_by_id == world["tr"].id
    assert "<p>" in second.html and "Federal hükümet" in second.html
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "translation.save")).one()
    assert entry.details["language"] == "tr" and sorted(entry.details["paragraphs"]) == sorted(world["pids"][1:3])


def test_a_new_version_marks_changed_paragraphs_outdated_and_leaves_the_others(app, world):
    _translate_all(world)
    version = new_version(world, {4: "Absatz vier wurde geändert, und zwar deutlich."})
    assert version.number == 2
    german = {t.paragraph_id: t.text for t in paragraph_texts(version)}
    found = translations_for(version, "tr")
    assert set(found) == set(world["pids"])  # every translation carried over by the paragraph's identity
    outdated = [pid for pid, row in found.items() if is_outdated(row, german[pid])]
    assert outdated == [world["pids"][3]]
    figures = progress(version, ("tr", "ar"))
    assert (figures["tr"].translated, figures["tr"].checked, figures["tr"].outdated) == (5, 4, 1)
    assert not figures["tr"].complete and figures["ar"].translated == 0
    # Confirming (checked again) takes the new German text as the source: up to date and complete.
    _save(world, "tr", "tr", {4: TURKISH[3]}, checked={4}, base={4: TURKISH[3]})
    assert progress(current_version(the_draft(world)), ("tr",))["tr"].complete


def test_a_translator_of_one_language_cannot_write_another_and_a_delegate_none(app, world):
    with app.test_request_context():
        with pytest.raises(NotAllowed):
            _save(world, "ar", "tr", {2: "Başka"})
        with pytest.raises(NotAllowed):
            _save(world, "delegate", "tr", {2: "Başka"})
        with pytest.raises(NotAllowed):
            _save(world, "tr", "fr", {2: "Autre"})  # not a reading language
    _save(world, "board", "ar", {2: "الحكومة الاتحادية تدعم المشاركة."}, checked={2})  # the board: any language
    assert db.session.scalar(select(ParagraphTranslation.language)) == "ar"


def test_refusals_save_nothing(app, world):
    with app.test_request_context(), pytest.raises(TranslationRefused) as refused:
        _save(world, "tr", "tr", {2: TURKISH[1], 3: "Bir.\n\nİki."})
    assert refused.value.status == 422 and list(refused.value.problems) == [world["pids"][2]]
    assert db.session.scalar(select(ParagraphTranslation.id)) is None


def test_a_change_made_meanwhile_is_not_overwritten(app, world):
    _save(world, "tr", "tr", {2: TURKISH[1]})
    _save(world, "board", "tr", {2: "Kurul metni."}, base={2: TURKISH[1]})
    # the translator still had the first text in front of them
    with app.test_request_context(), pytest.raises(TranslationRefused) as refused:
        _save(world, "tr", "tr", {2: "Çevirmen metni."}, base={2: TURKISH[1]})
    assert refused.value.status == 409
    assert db.session.scalar(select(ParagraphTranslation.text)) == "Kurul metni."


def test_an_emptied_text_removes_the_translation_and_unchanged_ones_are_left_alone(app, world):
    _translate_all(world, checked=False)
    assert _save(world, "tr", "tr", {2: "", 3: TURKISH[2]}, base={2: TURKISH[1], 3: TURKISH[2]}) == [world["pids"][1]]
    assert len(translations_for(current_version(the_draft(world)), "tr")) == 4


def test_saving_raises_the_draft_revision(app, world):
    before = the_draft(world).revision
    _save(world, "tr", "tr", {2: TURKISH[1]})
    db.session.expire_all()
    assert the_draft(world).revision > before
