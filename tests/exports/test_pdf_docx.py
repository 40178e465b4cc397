"""The PDF and Word exports: text in order, scripts that survive, nothing fetched, tracked changes that add up."""

from __future__ import annotations

import dataclasses
import io
import re
import urllib.request
import zipfile

import docx
import pytest
import weasyprint.urls
from pypdf import PdfReader

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import decide, propose
from consult.core import clock
from consult.core.markdown import plain_text
from consult.drafts.models import Phase
from consult.drafts.services import import_draft
from consult.exports.document import build_document
from consult.exports.docx import LABEL_STYLE, clean, render_docx
from consult.exports.page import render_html
from consult.exports.pdf import FetchRefused, RefusingFetcher, render_pdf
from consult.extensions import db
from tests import factories

SCRIPTS = "Die Ärztekammer prüft „Teilhabe“ für Şükrü Gül, İlkay Yıldırım und سارة العلي."
CONTROL = "Steuer\x00zeichen\x08 im\x0b Text\x0c und\x1f hier."


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _draft(phase: Phase = Phase.VOTING):
    draft = import_draft(factories.markdown(4) + "\n" + SCRIPTS + "\n", "Entwurf zur Teilhabe", "entwurf-teilhabe")
    draft.phase = phase
    db.session.flush()
    return draft


def _pdf_text(pdf: bytes) -> str:
    return _words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_pdf_holds_title_page_text_in_order_and_results(app):
    document = build_document(_draft())
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "Bundeskonferenz der Migrantenorganisationen" in text
    assert "Entwurf zur Teilhabe" in text
    assert "Beschlossene Position" not in text
    offset = 0
    for block in document.blocks:
        found = text.find(_words(plain_text(block.markdown)), offset)
        assert found >= offset, f"§ {block.position} missing or out of order"
        offset = found
    for word in ("Ärztekammer", "„Teilhabe“", "Şükrü", "İlkay", "Yıldırım", "Ergebnisse", "Enthaltung"):
        assert word in text
    arabic = "سارة العلي"
    assert arabic in text or arabic[::-1] in text or all(letter in text for letter in "سارةالعلي")
    assert "nicht angenommen" in text  # nobody voted yet


def test_pdf_fetches_no_image_or_file_link_from_user_text(app, monkeypatch):
    document = build_document(_draft())
    hostile = dataclasses.replace(
        document.blocks[1],
        html=(
            '<p>Bild <img src="http://example.org/track.png"> und <img src="file:///etc/passwd">'
            ' <a href="file:///etc/passwd">Link</a> <link rel="stylesheet" href="http://example.org/x.css"></p>'
        ),
    )
    document = dataclasses.replace(document, blocks=(document.blocks[0], hostile, *document.blocks[2:]))
    asked = []

    def record(self, url, headers=None):
        asked.append(url)
        raise AssertionError(f"fetched {url}")

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", record)
    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: asked.append(args) or None)
    refused = []
    original = RefusingFetcher.fetch

    def refuse(self, url, headers=None):
        refused.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(RefusingFetcher, "fetch", refuse)
    assert render_pdf(document).startswith(b"%PDF")
    assert asked == []
    assert "http://example.org/track.png" in refused and "file:///etc/passwd" in refused
    with pytest.raises(FetchRefused):
        original(RefusingFetcher(), "file:///etc/passwd")


def _docx_paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_docx_holds_the_paragraphs_in_order_with_results_table(app):
    document = build_document(_draft())
    data = render_docx(document)
    word = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs[0] == "Bundeskonferenz der Migrantenorganisationen"
    # Each paragraph of the text follows its own "§ N" label.
    labels = [i for i, p in enumerate(word.paragraphs) if p.style.name == LABEL_STYLE]
    assert [paragraphs[i].split(" · ")[0] for i in labels] == [f"§ {b.position}" for b in document.blocks]
    assert [_words(paragraphs[i + 1]) for i in labels] == [_words(plain_text(b.markdown)) for b in document.blocks]
    assert any(run.italic and run.text == "Teilhabe" for p in word.paragraphs for run in p.runs)
    cells = [cell.text for row in word.tables[0].rows for cell in row.cells]
    assert "Enthaltung" in cells and "nicht angenommen" in cells


def test_control_characters_do_not_break_the_docx(app):
    draft = _draft()
    document = build_document(draft)
    broken = dataclasses.replace(document.blocks[1], markdown=CONTROL)
    document = dataclasses.replace(document, blocks=(document.blocks[0], broken, *document.blocks[2:]))
    data = render_docx(document)  # the change document's: tests/exports/test_change_document.py
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
    text = "\n".join(_docx_paragraphs(data))
    assert "Steuerzeichen im Text und hier." in text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    assert clean(CONTROL) == "Steuerzeichen im Text und hier."


def test_the_appendix_shows_amendment_texts_as_words_not_markdown(app):
    draft = _draft(Phase.COMMENTING)
    delegate = factories.user()
    moderator = factories.user(roles=(Role.MODERATOR,))
    text = draft.versions[0].texts[1]
    with app.test_request_context():
        amendment = propose(
            delegate,
            draft,
            text,
            AmendmentKind.REPLACE,
            "Mehr *Teilhabe* und **Mitsprache**, siehe [Gesetz](https://example.org/g).",
            "Weil.",
            clock.now(),
        )
        decide(moderator, amendment, draft, "accept_modified", "Gekürzt.", clock.now(), adopted_text="Mehr *Teilhabe*.")
        document = build_document(draft, draft.versions[0])
        word = docx.Document(io.BytesIO(render_docx(document)))
        html = render_html(document)
    lines = [p.text for p in word.paragraphs]
    assert any(line.endswith("Mehr Teilhabe und Mitsprache, siehe Gesetz.") for line in lines), lines
    assert any(line.endswith(": Mehr Teilhabe.") for line in lines)
    assert "<dd>Mehr Teilhabe und Mitsprache, siehe Gesetz.</dd>" in html and "*" not in html.split("<body")[1]
