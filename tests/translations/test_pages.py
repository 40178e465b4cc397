"""The translation pages: the editor (who may use it, nothing typed lost, outdated paragraphs with the German
diff), the reading view beside the German text (aligned by §, cached per reading language, constant queries),
the administrator's grant and the adopted position's translated documents."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.comments.models import Comment
from consult.core import clock
from consult.drafts.models import Phase
from consult.drafts.services import current_version
from consult.extensions import db
from consult.translations.models import ParagraphTranslation, TranslationStatus, Translator
from tests import factories
from tests.conftest import csrf_token
from tests.translations.conftest import BLOCKS, TURKISH, new_version, the_draft

EDITOR = "/drafts/teilhabe/translations/tr"


def _login(client, auth, who: str):
    auth.login(f"{who}@example.org", factories.PASSWORD)


def _form(client, url: str, texts: dict[int, str], world, checked=()) -> dict:
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page)}
    for position, text in texts.items():
        pid = world["pids"][position - 1]
        data[f"text-{pid}"] = text
        base = re.search(rf'name="base-{pid}" value="([^"]*)"', page)
        data[f"base-{pid}"] = base.group(1) if base else ""
        if position in checked:
            data[f"checked-{pid}"] = "1"
    return data


def _translate(world, language="tr", texts=TURKISH, status=TranslationStatus.CHECKED):
    version = current_version(the_draft(world))
    for row, text in zip(version.texts, texts, strict=False):  # fewer texts: the last paragraphs stay untranslated
        db.session.add(
            ParagraphTranslation(
                paragraph_id=row.paragraph_id,
                language=language,
                text=text,
                html=f"<p>{text}</p>",
                source_text=row.text,
                status=status,
            )
        )
    db.session.commit()


@pytest.mark.parametrize(
    "who, status", [("tr", 200), ("board", 200), ("ar", 403), ("delegate", 403), ("mod", 403), ("admin", 403)]
)
def test_only_the_board_and_translators_of_the_language_use_its_editor(client, auth, world, who, status):
    _login(client, auth, who)
    assert client.get(EDITOR).status_code == status
    if status == 403:  # the server refuses the POST too, whatever the form says
        token = csrf_token(client.get("/drafts/teilhabe").get_data(as_text=True))
        response = client.post(
            EDITOR, data={"csrf_token": token, f"text-{world['pids'][1]}": "Başka", f"base-{world['pids'][1]}": ""}
        )
        assert response.status_code == 403
        assert db.session.scalar(select(ParagraphTranslation.id)) is None


def test_guests_sign_in_and_unknown_languages_are_404(client, auth, world):
    assert client.get(EDITOR).status_code == 302
    _login(client, auth, "board")
    assert client.get("/drafts/teilhabe/translations/fr").status_code == 404


def test_the_editor_saves_and_shows_the_german_beside_each_field(client, auth, world):
    _login(client, auth, "tr")
    page = client.get(EDITOR).get_data(as_text=True)
    assert page.count('<section class="translate-row') == 5 and "Absatz drei bleibt" in page
    assert 'lang="tr" dir="ltr"' in page
    response = client.post(EDITOR, data=_form(client, EDITOR, {2: TURKISH[1], 3: TURKISH[2]}, world, checked={3}))
    assert response.status_code == 302
    rows = {r.paragraph_id: r for r in db.session.scalars(select(ParagraphTranslation))}
    assert rows[world["pids"][1]].status == TranslationStatus.DRAFT
    assert rows[world["pids"][2]].status == TranslationStatus.CHECKED
    page = client.get(EDITOR).get_data(as_text=True)
    assert "2 paragraphs changed" in page and TURKISH[1] in page and "reviewed" in page


def test_a_refused_save_keeps_every_typed_text(client, auth, world):
    _login(client, auth, "tr")
    typed = {2: "Yazılan metin kaybolmaz.", 3: "Bir.\n\nİki."}
    response = client.post(EDITOR, data=_form(client, EDITOR, typed, world))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Yazılan metin kaybolmaz." in page and "Bir.\n\nİki." in page
    assert "please remove the empty lines" in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(ParagraphTranslation.id)) is None


def test_an_outdated_translation_shows_the_german_word_diff(client, auth, world):
    _translate(world)
    new_version(world, {4: "Absatz vier wurde deutlich geändert."})
    _login(client, auth, "tr")
    page = client.get(EDITOR).get_data(as_text=True)
    assert page.count("translate-row--outdated") == 1
    changed = page[page.index("translate-row--outdated") :]
    assert "Absatz vier <del>wird</del><ins>wurde deutlich</ins> geändert." in changed
    assert changed.index("badge--outdated") < changed.index("<del>") < changed.index(f'name="text-{world["pids"][3]}"')
    assert page.count("<del>") == 1  # the unchanged paragraphs show no diff


def test_the_reading_view_puts_each_translation_beside_its_german_paragraph(client, auth, world):
    _translate(world, status=TranslationStatus.DRAFT)
    new_version(world, {4: "Absatz vier wurde deutlich geändert."})
    _login(client, auth, "delegate")
    german = client.get("/drafts/teilhabe").get_data(as_text=True)  # cached in German first
    assert "paragraph__translation" not in german and 'name="reading"' in german
    response = client.get("/drafts/teilhabe?reading=tr")
    assert response.status_code == 303 and response.headers["Location"].endswith("/drafts/teilhabe")
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert "The German text is authoritative" in page
    items = re.findall(r'<li class="paragraph" id="p(\d+)">(.*?)</li>', page, re.S)
    assert [int(n) for n, _ in items] == [1, 2, 3, 4, 5]
    for (number, item), german_text, turkish in zip(items, BLOCKS, TURKISH, strict=True):
        translated = item[item.index("paragraph__translation") :]
        assert turkish.lstrip("# ") in translated  # § N's translation sits in § N
        if number != "4":
            assert german_text.lstrip("# ")[:20] in item
    assert "outdated" in items[3][1] and items[3][1].count("badge--outdated") == 1
    assert sum(item.count("badge--outdated") for _, item in items) == 1
    # Comments and votes stay on the German paragraph: the body keeps its id, the translation has none of its own.
    assert f'id="text-{world["pids"][1]}" data-paragraph="{world["pids"][1]}"' in page
    client.get("/drafts/teilhabe?reading=")
    assert "paragraph__translation" not in client.get("/drafts/teilhabe").get_data(as_text=True)


def test_the_reading_view_queries_do_not_grow_with_paragraphs(app, client, auth, world, count_queries):
    small = factories.draft(paragraphs=3, slug="klein")
    large = factories.draft(paragraphs=200, slug="gross")
    for draft in (small, large):
        for row in draft.versions[0].texts:
            db.session.add(
                ParagraphTranslation(
                    paragraph_id=row.paragraph_id, language="ar", text="نص", html="<p>نص</p>", source_text=row.text
                )
            )
    version = large.versions[0]
    for text in version.texts[::10]:
        db.session.add(
            Comment(
                paragraph=text.paragraph,
                version=version,
                author=world["delegate"],
                body="x",
                body_html="<p>x</p>",
                status="published",
            )
        )
    db.session.commit()
    _login(client, auth, "delegate")
    client.get("/drafts/klein?reading=ar")
    with count_queries() as on_small:
        assert client.get("/drafts/klein").status_code == 200
    with count_queries() as on_large:
        page = client.get("/drafts/gross").get_data(as_text=True)
    # The first § range of the 200 paragraphs (consult.reading.ranges), each with its translation beside it.
    shown = min(200, app.config["DRAFT_RANGE_PARAGRAPHS"])
    assert page.count('class="paragraph__translation"') == shown and 'lang="ar" dir="rtl"' in page
    assert on_large.count == on_small.count, on_large.statements
    # Nine, and one for the delegate's own progress line (consult.participation.progress, issue 18).
    assert on_large.count <= 10, on_large.statements


def test_the_administrator_grants_the_role_per_language(client, auth, world):
    person = world["delegate"].id
    url = f"/admin/people/{person}/translation"
    _login(client, auth, "admin")
    page = client.get(f"/admin/people/{person}").get_data(as_text=True)
    assert 'value="de-x-ls"' in page and "Translates drafts into" in page
    token = csrf_token(page)
    assert client.post(url, data={"csrf_token": token, "languages": ["ar", "de-x-ls"]}).status_code == 302
    assert sorted(db.session.scalars(select(Translator.language).where(Translator.user_id == person))) == [
        "ar",
        "de-x-ls",
    ]
    client.post(url, data={"csrf_token": token, "languages": ["xx"]})
    assert sorted(db.session.scalars(select(Translator.language).where(Translator.user_id == person))) == [
        "ar",
        "de-x-ls",
    ]
    auth.logout()
    _login(client, auth, "board")
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "languages": ["tr"]}).status_code == 403


def _adopt(world):
    draft = the_draft(world)
    draft.phase, draft.adopted_version_id, draft.adopted_at = Phase.ADOPTED, current_version(draft).id, clock.now()
    db.session.commit()


def test_only_complete_and_checked_languages_are_exported(client, world):
    arabic = [
        "# المشاركة",
        "الحكومة الاتحادية تدعم المشاركة.",
        "الفقرة الثالثة تبقى كما هي.",
        "الفقرة الرابعة تتغير.",
        "الفقرة الخامسة تختم.",
    ]
    _translate(world, "ar", arabic)
    _translate(world, "tr", TURKISH[:4])  # one paragraph missing
    _translate(world, "en", ["# Participation", "a", "b", "c", "d"], status=TranslationStatus.DRAFT)
    _adopt(world)
    assert client.get("/positions/teilhabe/translations/tr/download/html").status_code == 404
    assert client.get("/positions/teilhabe/translations/en/download/html").status_code == 404
    assert client.get("/positions/teilhabe/translations/fr/download/html").status_code == 404
    page = client.get("/positions/teilhabe").get_data(as_text=True)
    assert "/positions/teilhabe/translations/ar/download/pdf" in page and "/translations/tr/" not in page
    response = client.get("/positions/teilhabe/translations/ar/download/html")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="ar" dir="rtl">' in html
    assert "Übersetzung – maßgeblich ist der deutsche Text" in html
    assert all(text.lstrip("# ") in html for text in arabic)
    pdf = client.get("/positions/teilhabe/translations/ar/download/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
