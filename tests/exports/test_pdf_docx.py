"""The PDF and Word exports: text in order, scripts that survive, nothing fetched, tracked changes that add up."""
from __future__ import annotations

import dataclasses
import io
import re
import urllib.request
import zipfile
from datetime import datetime

import docx
import pytest
import weasyprint.urls
from docx.oxml.ns import qn
from pypdf import PdfReader

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import decide, propose
from consult.core import clock
from consult.core.markdown import plain_text
from consult.drafts.models import Paragraph, Phase, VersionStatus
from consult.drafts.services import build_version, import_draft
from consult.exports.document import build_document
from consult.exports.docx import CHANGE_HEADER_PARAGRAPHS, LABEL_STYLE, clean, render_change_docx, render_docx
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
    assert "nicht angenommen" in text      # nobody voted yet


def test_pdf_fetches_no_image_or_file_link_from_user_text(app, monkeypatch):
    document = build_document(_draft())
    hostile = dataclasses.replace(document.blocks[1], html=(
        '<p>Bild <img src="http://example.org/track.png"> und <img src="file:///etc/passwd">'
        ' <a href="file:///etc/passwd">Link</a> <link rel="stylesheet" href="http://example.org/x.css"></p>'))
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
    for data in (render_docx(document), render_change_docx([CONTROL, "Alt\x01er Text"], document)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None
        text = "\n".join(_docx_paragraphs(data))
        assert "Steuerzeichen im Text und hier." in text
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    assert clean(CONTROL) == "Steuerzeichen im Text und hier."


def _revision_texts(data: bytes) -> tuple[list[str], list[str]]:
    """The paragraphs after Word's "accept all" and after "reject all"."""
    accepted, rejected = [], []
    body = docx.Document(io.BytesIO(data)).paragraphs[CHANGE_HEADER_PARAGRAPHS:]
    for paragraph in body:
        mark = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
        inserted = mark is not None and mark.find(qn("w:ins")) is not None
        deleted = mark is not None and mark.find(qn("w:del")) is not None
        accept, reject = [], []
        for element in paragraph._p.iter(qn("w:t"), qn("w:delText"), qn("w:br")):
            text = "\n" if element.tag == qn("w:br") else element.text or ""
            if any(a.tag == qn("w:del") for a in element.iterancestors()):
                reject.append(text)
            elif any(a.tag == qn("w:ins") for a in element.iterancestors()):
                accept.append(text)
            else:
                accept.append(text)
                reject.append(text)
        if not deleted:
            accepted.append("".join(accept))
        if not inserted:
            rejected.append("".join(reject))
    return accepted, rejected


def test_change_document_accepts_to_the_new_text_and_rejects_to_the_old(app):
    draft = _draft(Phase.COMMENTING)
    first = build_document(draft)
    base = [block.markdown for block in first.blocks]
    paragraphs = [text.paragraph for text in draft.versions[0].texts]
    texts = [
        (paragraphs[0], base[0]),
        (paragraphs[1], base[1].replace("beraten über", "entscheiden gemeinsam über die")),
        # paragraphs[2] is removed
        (paragraphs[3], base[3]),
        (Paragraph(draft=draft), "Ein neuer Absatz mit „Zitat“ und\n- einer Liste\n- mit zwei Punkten"),
        (paragraphs[4], base[4] + " Ergänzt."),
    ]
    version = build_version(draft, 2, texts)
    version.status = VersionStatus.PUBLISHED
    db.session.flush()
    document = build_document(draft, version)

    data = render_change_docx(base, document)
    accepted, rejected = _revision_texts(data)
    assert accepted == [block.markdown for block in document.blocks]
    assert rejected == base

    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<w:ins " in xml and "<w:del " in xml and "<w:delText" in xml
    assert 'w:author="Bundeskonferenz"' in xml
    ids = re.findall(r'<w:(?:ins|del) w:id="(\d+)"', xml)
    assert len(ids) == len(set(ids)) > 0


def test_change_document_names_the_given_authors(app):
    draft = _draft(Phase.COMMENTING)
    document = build_document(draft)
    base = [block.markdown for block in document.blocks]
    changed = dataclasses.replace(document.blocks[1], markdown=base[1] + " Neu.")
    document = dataclasses.replace(document, blocks=(document.blocks[0], changed, *document.blocks[2:]))
    authors = [("Türkischer Elternverein (TEV)", datetime(2026, 3, 1, 12, 30))] * len(document.blocks)
    xml = zipfile.ZipFile(io.BytesIO(render_change_docx(base, document, authors))).read("word/document.xml").decode()
    assert 'w:author="Türkischer Elternverein (TEV)"' in xml
    assert 'w:date="2026-03-01T12:30:00Z"' in xml


def test_the_appendix_shows_amendment_texts_as_words_not_markdown(app):
    draft = _draft(Phase.COMMENTING)
    delegate = factories.user()
    moderator = factories.user(roles=(Role.MODERATOR,))
    text = draft.versions[0].texts[1]
    with app.test_request_context():
        amendment = propose(delegate, draft, text, AmendmentKind.REPLACE,
                            "Mehr *Teilhabe* und **Mitsprache**, siehe [Gesetz](https://example.org/g).", "Weil.",
                            clock.now())
        decide(moderator, amendment, draft, "accept_modified", "Gekürzt.", clock.now(),
               adopted_text="Mehr *Teilhabe*.")
        document = build_document(draft, draft.versions[0])
        word = docx.Document(io.BytesIO(render_docx(document)))
        html = render_html(document)
    lines = [p.text for p in word.paragraphs]
    assert any(line.endswith("Mehr Teilhabe und Mitsprache, siehe Gesetz.") for line in lines), lines
    assert any(line.endswith(": Mehr Teilhabe.") for line in lines)
    assert "<dd>Mehr Teilhabe und Mitsprache, siehe Gesetz.</dd>" in html and "*" not in html.split("<body")[1]
