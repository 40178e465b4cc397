"""The appendix of the PDF and the DOCX shows the figures of the results page, cell by cell
(issue 5: "the appendix's figures equal the results page's").

The expected rows are read from the results page's HTML, not from the results module, so a
figure computed or shown differently in the page and in the documents makes this fail.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import docx
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from tests.exports.conftest import DEMO_SLUG, PARAGRAPH_CHOICES


@dataclass(frozen=True)
class Row:
    label: str  # "§ 3" or "whole"
    counts: tuple[int, int, int]  # organisations: yes, no, abstain
    weighted: tuple[int, int, int]  # weighted votes: yes, no, abstain
    voted: int
    entitled: int
    outcome: str  # the page's word for carried / not carried


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u2009", " ").strip()


def _number(html: str) -> int:
    return int(re.search(r"\d+", _text(html)).group())


def _cell(html: str) -> tuple[int, int]:
    """A weighted figure cell of the page: the large weighted figure, the small number of organisations."""
    main, sub = re.fullmatch(r'\s*(\d+)\s*<span class="sub">(.*?)</span>\s*', html, re.S).groups()
    return int(main), _number(sub)


def _page_rows(html: str) -> list[Row]:
    whole = re.search(r'<section class="results-whole".*?</section>', html, re.S).group()
    figures = [
        (int(n), _number(orgs))
        for n, orgs in re.findall(
            r'figures__number">(\d+)</span>\s*<span class="figures__orgs">(.*?)</span>', whole, re.S
        )
    ]
    voted, entitled = map(int, re.search(r'results-whole__turnout">\s*(\d+)\D+(\d+)', whole).groups()[:2])
    outcome = _text(re.search(r'<span class="outcome.*?</span>\s*(.*?)</span>', whole, re.S).group(1))
    rows = [Row("whole", tuple(f[1] for f in figures), tuple(f[0] for f in figures), voted, entitled, outcome)]
    for position, body in re.findall(r'<tbody class="results-row" id="p(\d+)".*?>(.*?)</tr>', html, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, re.S)
        figures = [_cell(c) for c in cells[2:5]]
        voted, entitled = map(int, re.match(r"\s*(\d+)\D+?(\d+)", cells[5]).groups())
        outcome = _text(re.search(r"</span>(.*?)</span>", cells[6], re.S).group(1))
        rows.append(
            Row(f"§ {position}", tuple(f[1] for f in figures), tuple(f[0] for f in figures), voted, entitled, outcome)
        )
    return rows


def _expected_cells(row: Row, whole_label: str, turnout: str) -> list[str]:
    figures = [f"{count} ({weight})" for count, weight in zip(row.counts, row.weighted, strict=True)]
    label = whole_label if row.label == "whole" else row.label
    return [label, *figures, turnout % {"voted": row.voted, "entitled": row.entitled}, row.outcome]


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_pdf_and_docx_appendix_show_the_results_pages_figures(app, client, adopted_demo):
    page = client.get(f"/drafts/{DEMO_SLUG}/results", headers={"Accept-Language": "de"})
    assert page.status_code == 200
    rows = _page_rows(page.get_data(as_text=True))
    # Every question put to the vote is on the page; the mixed votes make the comparison worth something.
    assert len(rows) > len(max(PARAGRAPH_CHOICES.values(), key=len))
    assert rows[0].counts == (3, 0, 0) and rows[0].weighted == (4, 0, 0)
    assert len({row.outcome for row in rows}) == 2 and any(row.weighted != row.counts for row in rows)

    with app.test_request_context(), force_locale("de"):
        document = build_document(adopted_demo)
        pdf, word = FORMATS["pdf"].write(document), FORMATS["docx"].write(document)
        whole_label, turnout = gettext("Whole text"), gettext("%(voted)d of %(entitled)d organisations voted")
        heading, yes = gettext("Results"), gettext("Yes")
    expected = [_expected_cells(row, whole_label, turnout) for row in rows]

    # DOCX: the results table (the draft's own tables come before it), cell by cell, row by row.
    table = next(t for t in docx.Document(io.BytesIO(word)).tables if t.rows[0].cells[1].text == yes)
    assert [[cell.text for cell in r.cells] for r in table.rows[1:]] == expected

    # PDF: the appendix's rows, in the page's order (pypdf reads a table row by row).
    text = _words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    appendix = text[text.rindex(heading) :]
    at = 0
    for cells in expected:
        line = _words(" ".join(cells))
        found = appendix.find(line, at)
        assert found >= 0, f"{line!r} is not in the PDF's appendix (after position {at})"
        at = found + len(line)
