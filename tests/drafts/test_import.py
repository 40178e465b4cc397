"""`import-draft` and `set-phase`: paragraphs in order, clear errors, nothing half-written."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEntry
from consult.drafts.models import Draft, Paragraph, ParagraphText, Phase
from consult.drafts.services import current_version, paragraph_texts
from consult.extensions import db


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _document(n: int) -> str:
    blocks = []
    for i in range(1, n + 1):
        if i % 50 == 1:
            blocks.append(f"## Abschnitt {i // 50 + 1}")
        elif i % 17 == 0:
            blocks.append(f"- Punkt {i}a\n- Punkt {i}b")
        elif i % 23 == 0:
            blocks.append(f"> Zitat {i}: „Teilhabe ist ein Recht.“")
        else:
            blocks.append(
                f"Absatz {i}: Die Mitgliedsorganisationen fordern Gleichberechtigung,\nÖffnung und Förderung."
            )
    return "\n\n".join(blocks) + "\n"


@pytest.fixture
def document(tmp_path) -> Path:
    path = tmp_path / "entwurf.md"
    path.write_text(_document(200), encoding="utf-8")
    return path


def test_import_200_paragraphs_in_order(runner, document):
    result = runner.invoke(args=["import-draft", str(document), "--title", "Teilhabe", "--slug", "teilhabe"])
    assert result.exit_code == 0, result.output
    assert "200 paragraphs" in result.output
    draft = db.session.scalar(select(Draft).where(Draft.slug == "teilhabe"))
    texts = paragraph_texts(current_version(draft))
    assert [t.position for t in texts] == list(range(1, 201))
    assert texts[0].text == "## Abschnitt 1"
    assert texts[1].text.startswith("Absatz 2:")
    assert texts[16].text == "- Punkt 17a\n- Punkt 17b"
    assert texts[199].text.startswith("Absatz 200:")
    assert len({t.paragraph_id for t in texts}) == 200
    # Line numbers run on through the version.
    for before, after in pairwise(texts):
        assert after.first_line == before.first_line + before.line_count
    assert draft.phase == Phase.PREPARATION


def test_html_is_rendered_once_when_saved(runner, tmp_path):
    path = tmp_path / "x.md"
    path.write_text("Ein [Link](javascript:alert(1)) und <b>fett</b>\n", encoding="utf-8")
    runner.invoke(args=["import-draft", str(path), "--title", "X", "--slug", "x"])
    text = db.session.scalar(select(ParagraphText))
    assert "&lt;b&gt;" in text.html and "javascript" in text.html and "<a" not in text.html


@pytest.mark.parametrize(
    "content, message",
    [
        ("Gr\xfc\xdfe aus K\xf6ln\n\nZweiter Absatz".encode("latin-1"), "not UTF-8"),
        (b"", "is empty"),
        (b"  \n\n \n", "is empty"),
    ],
)
def test_bad_files_give_a_clear_error_and_change_nothing(runner, tmp_path, content, message):
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    result = runner.invoke(args=["import-draft", str(path), "--title", "X", "--slug", "x"])
    assert result.exit_code == 1
    assert message in result.output
    assert _count(Draft) == _count(Paragraph) == _count(ParagraphText) == 0


def test_missing_file_taken_slug_and_too_long_paragraph(runner, tmp_path, app):
    result = runner.invoke(args=["import-draft", str(tmp_path / "none.md"), "--title", "X", "--slug", "x"])
    assert result.exit_code == 1 and "cannot read" in result.output
    good = tmp_path / "good.md"
    good.write_text("Eins\n\nZwei\n", encoding="utf-8")
    assert runner.invoke(args=["import-draft", str(good), "--title", "X", "--slug", "x"]).exit_code == 0
    result = runner.invoke(args=["import-draft", str(good), "--title", "Y", "--slug", "x"])
    assert result.exit_code == 1 and "already exists" in result.output
    result = runner.invoke(args=["import-draft", str(good), "--title", "Y", "--slug", "Nicht gültig!"])
    assert result.exit_code == 1 and "slug" in result.output
    long = tmp_path / "long.md"
    long.write_text("Kurz\n\n" + "Wort " * (app.config["MARKDOWN_MAX_LENGTH"] // 5 + 1) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-draft", str(long), "--title", "Y", "--slug", "y"])
    assert result.exit_code == 1 and "paragraph 2" in result.output and "too long" in result.output
    assert _count(Draft) == 1 and _count(ParagraphText) == 2


def test_set_phase(runner, document):
    runner.invoke(args=["import-draft", str(document), "--title", "Teilhabe", "--slug", "teilhabe"])
    result = runner.invoke(args=["set-phase", "teilhabe", "commenting"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(Draft.phase)) == Phase.COMMENTING
    entry = db.session.scalars(select(AuditEntry)).one()  # every phase change is in the audit log
    assert (entry.action, entry.actor_name, entry.details) == (
        "phase.change",
        "command line",
        {"old": "preparation", "new": "commenting"},
    )
    assert runner.invoke(args=["set-phase", "teilhabe", "sleeping"]).exit_code == 2
    result = runner.invoke(args=["set-phase", "unknown", "voting"])
    assert result.exit_code == 1 and "no draft" in result.output
