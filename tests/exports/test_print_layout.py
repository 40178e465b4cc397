"""The PDF's results table reads (issue 14, point 3): no word is split, and no row is split across pages.

Read back page by page with pypdf: each question's row (its label, its three figures, its turnout and its
outcome, every word whole) must stand complete on one page; a row broken by a page break has its turnout or
outcome on the next page, a word broken inside a cell ("Enthaltun g", "angenom men") matches no row.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from tests.exports.print_drafts import long_draft

HEADER = "Ja Nein Enthaltung Beteiligung Ergebnis"  # the header row, repeated on each page of the table


def _row(question) -> re.Pattern:
    label = r"Gesamter\s+Text" if question.is_whole_draft else rf"§\s*{question.position}"
    yes, no, abstain = (
        rf"{getattr(question.counts, c)}\s+\({getattr(question.weighted, c)}\)" for c in ("yes", "no", "abstain")
    )
    outcome = "angenommen" if question.carried else r"nicht\s+angenommen"
    return re.compile(
        rf"(?<![\w§]){label}\s+{yes}\s+{no}\s+{abstain}\s+{question.voted}\s+von\s+"
        rf"{question.entitled}\s+Organisationen\s+haben\s+abgestimmt\s+{outcome}(?!\w)"
    )


def test_results_rows_stay_whole_on_one_page_and_keep_their_words(app):
    draft = long_draft(app, paragraphs=40, weighted=True)
    with app.test_request_context():
        document = build_document(draft)
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(FORMATS["pdf"].write(document))).pages]
    table_pages = [i for i, text in enumerate(pages) if HEADER in " ".join(text.split())]
    assert len(table_pages) >= 2, "the table should run over a page break for this test to mean something"
    questions = document.results.questions
    assert len(questions) == 40 and any(q.weighted.yes >= 10 for q in questions)  # cells like "2 (13)"
    for question in questions:
        pattern = _row(question)
        found = [i for i in table_pages if pattern.search(pages[i])]
        assert len(found) == 1, (
            f"the row of {question.position or 'the whole text'} is not whole on one page: {pattern.pattern}"
        )
