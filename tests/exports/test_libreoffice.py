"""The demo participation-law draft, adopted and exported in every format (issue 5, first "Done when" point).

LibreOffice (`soffice --headless`) opens both DOCX files: it converts them to PDF, and it
saves the change document again with its tracked changes, which, accepted all at once,
give the adopted text. The PDF's text and the DOCX's paragraphs hold the consolidated
text in order; the appendix figures, the Markdown and the JSON agree with the results.

Needs LibreOffice: skipped when `soffice` is missing, an error with CONSULT_TEST_LIBREOFFICE=1 (CI).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from consult.core.markdown import plain_text
from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from tests.exports.test_change_document import _accept, _mark, _reject, _sections

SOFFICE = shutil.which("soffice")
if SOFFICE is None and os.environ.get("CONSULT_TEST_LIBREOFFICE") == "1":
    raise RuntimeError("CONSULT_TEST_LIBREOFFICE=1 but soffice is missing (apt-get install libreoffice-writer-nogui)")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _soffice(source: Path, target: str, out: Path, profile: Path) -> Path:
    """Convert `source` with LibreOffice into `out` (its own profile, so parallel runs don't collide)."""
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = out / (source.stem + "." + target.split(":")[0])
    assert converted.exists(), f"LibreOffice did not write {converted.name}"
    return converted


def _in_order(haystack: str, needles: list[str]) -> None:
    at = 0
    for needle in needles:
        found = haystack.find(needle, at)
        assert found >= 0, f"{needle[:60]!r} missing or out of order"
        at = found + len(needle)


def test_the_adopted_demo_draft_in_every_format(app, adopted_demo, tmp_path):
    adopted = adopted_demo
    with app.test_request_context():
        document = build_document(adopted)
        files = {name: fmt.write(document) for name, fmt in FORMATS.items()}
    paragraphs = [_words(plain_text(block.markdown)) for block in document.blocks]
    probes = [p[:40] for p in paragraphs if len(p) > 20]
    whole = document.results.whole

    # PDF (WeasyPrint): the consolidated text in order, and the appendix figures.
    pdf_text = _words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(files["pdf"])).pages))
    _in_order(pdf_text, probes)
    assert whole.counts.yes == 3 and whole.deciding.yes == 4 and whole.carried

    # DOCX (python-docx): the paragraphs and tables in order.
    docx_text = _words(
        " ".join(
            part.text
            if isinstance(part, docx.text.paragraph.Paragraph)
            else " ".join(cell.text for row in part.rows for cell in row.cells)
            for part in docx.Document(io.BytesIO(files["docx"])).iter_inner_content()
        )
    )
    _in_order(docx_text, probes)

    # Markdown, HTML and JSON say the same.
    markdown = files["md"].decode("utf-8")
    _in_order(_words(markdown), [_words(block.markdown.lstrip("#"))[:40] for block in document.blocks])
    data = json.loads(files["json"])
    assert (data["results"]["whole"]["yes"], data["results"]["whole"]["no"], data["results"]["whole"]["carried"]) == (
        whole.counts.yes,
        whole.counts.no,
        True,
    )
    assert [p["markdown"] for p in data["paragraphs"]] == [b.markdown for b in document.blocks]
    # As the PDF's and the DOCX's results tables: organisations, the weighted votes in brackets.
    assert f"Ja {whole.counts.yes} ({whole.deciding.yes}) · Nein {whole.counts.no} ({whole.deciding.no})" in markdown
    assert _words(plain_text(document.blocks[1].markdown))[:40] in _words(
        re.sub("<[^>]+>", " ", files["html"].decode())
    )

    # LibreOffice opens both DOCX files ...
    profile, out = tmp_path / "lo-profile", tmp_path / "out"
    for name in ("docx", "changes.docx"):
        source = tmp_path / ("position-" + name.replace(".", "-") + ".docx")
        source.write_bytes(files[name])
        converted = _soffice(source, "pdf", out, profile)
        text = _words(" ".join(page.extract_text() for page in PdfReader(converted).pages))
        assert probes[0] in text or name == "changes.docx", name
    # ... and the change document, saved again by LibreOffice, still holds its tracked changes:
    # accepted all at once they give the adopted text.
    source = tmp_path / "changes.docx"
    source.write_bytes(files["changes.docx"])
    resaved = _soffice(source, "docx:MS Word 2007 XML", tmp_path / "resaved", profile)
    sections = _sections(resaved.read_bytes())
    assert [_accept(s) for s in sections if not _mark(s[0])[1]] == [
        _words(plain_text(b.markdown)) for b in document.blocks
    ]
    first = [_words(plain_text(t.text)) for t in adopted.versions[0].texts]
    assert [_reject(s) for s in sections if not _mark(s[0])[0]] == first
    assert first != [_words(plain_text(b.markdown)) for b in document.blocks]
    assert document.version.number == 2
