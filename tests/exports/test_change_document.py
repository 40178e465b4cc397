"""The change document follows paragraphs by identity and credits each change to its amendment (issue 14, point 2).

One draft goes through two new versions and is adopted: in version 2, NAVE and IEB each rewrite a
different part of § 2 (merged into one text), GDGW inserts a paragraph, IEB deletes one, and
NAVE's and GDGW's rewrites of § 5 collide, resolved by the moderation's common text; in version 3,
GDGW changes § 2 again and NAVE rewrites the inserted paragraph, replacing a word GDGW had put there.
The DOCX (Word's XML), the HTML and, with LibreOffice, the converted file must add up: every change
names the right organisation, amendment and decision time; accepting all gives the adopted text,
rejecting all gives version 1; the new paragraph is one insertion, the deleted one one deletion.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timedelta, timezone
from html import unescape
from html.parser import HTMLParser

import docx as docx_reader
import pytest
from lxml import etree

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentKind
from consult.amendments.services import Decision, decide, propose
from consult.board.services import adopt
from consult.core.markdown import plain_text
from consult.drafts.models import Draft, Phase, VersionConflict
from consult.drafts.services import current_version, import_draft, paragraph_texts, set_phase
from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from consult.exports.page import document_locale
from consult.extensions import db
from consult.versions.services import publish_version, resolve_conflict, start_version
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BLOCKS = [
    "# Teilhabe stärken",
    "Die Bundesregierung fördert die Teilhabe. Die Länder sichern die Vielfalt.",
    "- Beratung vor Ort\n- Sprachkurse für **alle**",
    "Absatz vier wird gestrichen.",
    "Die Kommunen richten **Beiräte** ein.",
    "| Land | Gesetz |\n|---|---|\n| Berlin | PartMigG |",
    "Absatz sieben schließt, siehe [Gesetzentwurf](https://example.org/gesetz).",
]
RESOLVED = "Die Kommunen richten **Teilhabebeiräte** verbindlich ein."
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _at(hours: int) -> datetime:
    return START + timedelta(hours=hours)


@pytest.fixture(name="adopted")
def fixture_adopted(app):
    """The draft above, through versions 2 and 3, voted on and adopted. Returns the draft id and the
    amendment ids by name."""
    orgs = {
        short: factories.organisation(name, short)
        for short, name in (
            ("NAVE", "Netzwerk Afrikanischer Vereine"),
            ("IEB", "Initiative Eltern Berlin"),
            ("GDGW", "Gemeinschaft der Griechischen Vereine"),
        )
    }
    delegates = {short: factories.user(org=org) for short, org in orgs.items()}
    moderator = factories.user(roles=(Role.MODERATOR,))
    board = factories.user(roles=(Role.BOARD,))
    draft = import_draft("\n\n".join(BLOCKS) + "\n", "Teilhabe stärken", "teilhabe-aenderungen")
    set_phase(draft, Phase.COMMENTING)
    db.session.commit()
    ids: dict[str, int] = {}

    def amend(
        name: str, short: str, position: int, kind: AmendmentKind, text: str | None, hour: int, accept: bool = True
    ) -> None:
        current = paragraph_texts(current_version(draft))[position - 1]
        amendment = propose(delegates[short], draft, current, kind, text, "Weil es besser ist.", _at(hour))
        decide(moderator, amendment, draft, Decision.ACCEPT, "", _at(hour) + timedelta(minutes=7))
        ids[name] = amendment.id

    with app.test_request_context():
        amend(
            "politische",
            "NAVE",
            2,
            AmendmentKind.REPLACE,
            "Die Bundesregierung fördert die politische Teilhabe. Die Länder sichern die Vielfalt.",
            1,
        )
        amend(
            "kulturelle",
            "IEB",
            2,
            AmendmentKind.REPLACE,
            "Die Bundesregierung fördert die Teilhabe. Die Länder sichern die kulturelle Vielfalt.",
            2,
        )
        amend("insert", "GDGW", 3, AmendmentKind.INSERT, "Ein neuer Absatz mit *Nachdruck*.", 3)
        amend("delete", "IEB", 4, AmendmentKind.DELETE, None, 4)
        amend("integration", "NAVE", 5, AmendmentKind.REPLACE, "Die Kommunen richten **Integrationsbeiräte** ein.", 5)
        amend(
            "verbindlich",
            "GDGW",
            5,
            AmendmentKind.REPLACE,
            "Die Kommunen richten **Migrationsbeiräte** verbindlich ein.",
            6,
        )
        version = start_version(moderator, draft, _at(10))
        conflict = db.session.query(VersionConflict).filter_by(version_id=version.id).one()
        resolve_conflict(moderator, conflict, RESOLVED, _at(11))
        publish_version(moderator, version, _at(12))
        db.session.commit()

        amend(
            "staerkt",
            "GDGW",
            2,
            AmendmentKind.REPLACE,
            "Die Bundesregierung stärkt die politische Teilhabe. Die Länder sichern die kulturelle Vielfalt.",
            20,
        )
        amend("geduld", "NAVE", 4, AmendmentKind.REPLACE, "Ein neuer Absatz mit *Geduld*.", 21)
        publish_version(moderator, start_version(moderator, draft, _at(30)), _at(31))
        db.session.commit()

        set_phase(draft, Phase.VOTING)
        for delegate in delegates.values():
            cast_vote(delegate, draft, None, Choice.YES, _at(40))
        adopt(board, draft, Phase.VOTING, _at(41))
        db.session.commit()
    return {"draft_id": draft.id, "ids": ids, "resolved_at": _at(11)}


def _document(adopted):
    return build_document(db.session.get(Draft, adopted["draft_id"]))


def _expected_authors(adopted) -> dict[str, tuple[str, datetime]]:
    """Word -> (w:author, decision time) of the change that brings or strikes it."""

    def author(name: str) -> tuple[str, datetime]:
        amendment = db.session.get(Amendment, adopted["ids"][name])
        org = amendment.organisation
        return f"{org.name} ({org.short_name}) · Änderungsantrag {amendment.id}", amendment.decided_at

    return {
        "politische": author("politische"),
        "kulturelle": author("kulturelle"),
        "Ein neuer Absatz mit": author("insert"),
        "Absatz vier wird gestrichen.": author("delete"),
        "verbindlich": author("verbindlich"),
        "Teilhabebeiräte": ("Redaktion", adopted["resolved_at"]),
        "Beiräte": ("Redaktion", adopted["resolved_at"]),
        "fördert": author("staerkt"),
        "stärkt": author("staerkt"),
        "Geduld": author("geduld"),
    }


def _z(moment: datetime) -> str:
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# -- Reading the DOCX as Word would ------------------------------------------------------------------


def _text(element, keep) -> str:
    """The text of a w:p, keeping the runs `keep(inside_ins, inside_del)` accepts."""
    parts = []
    for node in element.iter(f"{W}t", f"{W}delText", f"{W}tab", f"{W}br"):
        ancestors = {a.tag for a in node.iterancestors()}
        if keep(f"{W}ins" in ancestors, f"{W}del" in ancestors):
            parts.append(" " if node.tag in (f"{W}tab", f"{W}br") else node.text or "")
    return "".join(parts)


def _mark(paragraph) -> tuple[bool, bool]:
    properties = paragraph.find(f"{W}pPr/{W}rPr")
    if properties is None:
        return False, False
    return properties.find(f"{W}ins") is not None, properties.find(f"{W}del") is not None


def _sections(docx: bytes) -> list[list]:
    """The w:p of each draft paragraph (label first), from the "§ N" lines on."""
    body = etree.fromstring(zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")).find(f"{W}body")
    sections: list[list] = []
    for paragraph in body.iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(f"{W}val") == "ParagraphNumber":
            sections.append([paragraph])
        elif sections:
            sections[-1].append(paragraph)
    return sections


def _accept(section) -> str:
    return _words(" ".join(_text(p, lambda ins, dele: not dele) for p in section[1:]))


def _reject(section) -> str:
    return _words(" ".join(_text(p, lambda ins, dele: not ins) for p in section[1:]))


def test_change_docx_credits_each_change_and_adds_up(app, adopted):
    document = _document(adopted)
    docx = FORMATS["changes.docx"].write(document)
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
    root = etree.fromstring(xml)
    expected = _expected_authors(adopted)
    first = [t.text for t in document.draft.versions[0].texts]
    adopted_texts = [block.markdown for block in document.blocks]

    # (a) Every tracked change is authored by an amendment's organisation and number, at its decision time.
    marks = list(root.iter(f"{W}ins", f"{W}del"))
    assert marks
    known = {author: _z(moment) for author, moment in expected.values()}
    for mark in marks:
        assert mark.get(f"{W}author") in known, mark.get(f"{W}author")
        assert mark.get(f"{W}date") == known[mark.get(f"{W}author")]
    for word, (author, moment) in expected.items():
        changes = [m for m in marks if word in "".join(m.itertext())]
        assert changes, word
        assert {(m.get(f"{W}author"), m.get(f"{W}date")) for m in changes} == {(author, _z(moment))}, word
    ids = [m.get(f"{W}id") for m in marks]
    assert len(ids) == len(set(ids))
    # A word that version 2 inserted and version 3 replaced is in neither version 1 nor the text.
    assert "Nachdruck" not in "".join(root.itertext())

    # (b) Accept all = the adopted text, reject all = version 1, paragraph by paragraph, no Markdown.
    sections = _sections(docx)
    accepted = [_accept(s) for s in sections if not _mark(s[0])[1]]
    rejected = [_reject(s) for s in sections if not _mark(s[0])[0]]
    assert accepted == [_words(plain_text(text)) for text in adopted_texts]
    assert rejected == [_words(plain_text(text)) for text in first]
    shown = " ".join(root.itertext())
    for marker in ("**", "# ", "- ", "|", "*Geduld*"):
        assert marker not in shown, marker

    # (c) The inserted paragraph is one insertion (its paragraph marks too), the deleted one one deletion,
    # unchanged paragraphs carry no marks; § numbers are the adopted version's, "§ –" for the removed one.
    labels = [_words(_text(s[0], lambda ins, dele: True)) for s in sections]
    assert labels == ["§ 1", "§ 2", "§ 3", "§ –", "§ 4", "§ 5", "§ 6", "§ 7"]
    removed, inserted = sections[3], sections[4]
    assert all(_mark(p) == (True, False) for p in inserted)
    assert {m.get(f"{W}author") for p in inserted for m in p.iter(f"{W}ins")} == {
        expected["Ein neuer Absatz mit"][0],
        expected["Geduld"][0],
    }
    assert not [t for p in inserted for t in p.iter(f"{W}t") if f"{W}ins" not in {a.tag for a in t.iterancestors()}]
    assert all(_mark(p) == (False, True) for p in removed)
    assert not [t for p in removed for t in p.iter(f"{W}t")]  # only w:delText
    for index in (0, 2, 6, 7):  # heading, list, table, last paragraph: unchanged
        assert not [m for p in sections[index] for m in p.iter(f"{W}ins", f"{W}del")], labels[index]

    # The structure is Word's: a heading style, list paragraphs, bold runs, the table's cells apart.
    styles = [
        p.find(f"{W}pPr/{W}pStyle").get(f"{W}val")
        for s in sections
        for p in s[1:]
        if p.find(f"{W}pPr/{W}pStyle") is not None
    ]
    assert "Heading1" in styles and styles.count("ListBullet") == 2
    bold = [r for r in root.iter(f"{W}r") if r.find(f"{W}rPr/{W}b") is not None]
    assert {"".join(r.itertext()) for r in bold} >= {"alle", "Teilhabebeiräte"}
    links = list(root.iter(f"{W}hyperlink"))
    assert ["".join(link.itertext()) for link in links] == ["Gesetzentwurf"]
    relations = zipfile.ZipFile(io.BytesIO(docx)).read("word/_rels/document.xml.rels").decode()
    assert 'Target="https://example.org/gesetz" TargetMode="External"' in relations
    tables = docx_reader.Document(io.BytesIO(docx)).tables
    assert [[cell.text for cell in row.cells] for row in tables[0].rows] == [["Land", "Gesetz"], ["Berlin", "PartMigG"]]


class _ChangeParser(HTMLParser):
    """The text of an HTML change document's paragraphs, accepted and rejected, and its <ins>/<del>."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.marks: list[dict] = []
        self.blocks: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "block" in (attrs.get("class") or "").split():
            self.blocks.append({"class": attrs["class"], "accept": [], "reject": [], "number": []})
        if tag in ("ins", "del"):
            self.marks.append({"tag": tag, "title": attrs.get("title"), "datetime": attrs.get("datetime"), "text": ""})
        if tag in ("td", "th", "li", "p", "br") and self.blocks:
            self.blocks[-1]["accept"].append(" ")
            self.blocks[-1]["reject"].append(" ")
        if tag not in ("br",):
            self.stack.append(tag if tag != "p" else f"p.{attrs.get('class', '')}")

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop().split(".")[0] == tag:
                break

    def handle_data(self, data):
        if not self.blocks:
            return
        if "sup" in self.stack:
            return
        if "p.number" in self.stack:
            self.blocks[-1]["number"].append(data)
            return
        open_marks = [t for t in self.stack if t in ("ins", "del")]
        if open_marks:
            self.marks[-1]["text"] += data
        if "del" not in open_marks:
            self.blocks[-1]["accept"].append(data)
        if "ins" not in open_marks:
            self.blocks[-1]["reject"].append(data)


def test_change_html_and_pdf_show_the_same_changes(app, adopted):
    document = _document(adopted)
    html = FORMATS["changes.html"].write(document).decode("utf-8")
    expected = _expected_authors(adopted)
    parser = _ChangeParser()
    parser.feed(html)
    known = {author: _z(moment) for author, moment in expected.values()}
    assert parser.marks
    for mark in parser.marks:
        assert mark["title"] in known and mark["datetime"] == known[mark["title"]], mark
    for word, (author, moment) in expected.items():
        assert {(m["title"], m["datetime"]) for m in parser.marks if word in m["text"]} == {(author, _z(moment))}, word
    blocks = parser.blocks
    assert [_words("".join(b["number"])) for b in blocks] == ["§ 1", "§ 2", "§ 3", "§ –", "§ 4", "§ 5", "§ 6", "§ 7"]
    accepted = [_words("".join(b["accept"])) for b in blocks if "removed" not in b["class"]]
    rejected = [_words("".join(b["reject"])) for b in blocks if "inserted" not in b["class"]]
    assert accepted == [_words(plain_text(b.markdown)) for b in document.blocks]
    assert rejected == [_words(plain_text(t.text)) for t in document.draft.versions[0].texts]
    body = html.split("<body", 1)[1]
    assert "**" not in body and "| " not in body and "# " not in body
    # The visible labels name amendment and organisation; <h2> for the heading, a real list and table.
    number = adopted["ids"]["kulturelle"]
    assert f'<sup class="change-label">[Antrag {number}, IEB]</sup>' in body
    assert '<sup class="change-label">[Redaktion]</sup>' in body
    assert "<h2>Teilhabe stärken</h2>" in body and "<ul><li>Beratung vor Ort" in body
    assert "<th>Land</th><th>Gesetz</th>" in body
    assert '<a href="https://example.org/gesetz" rel="nofollow noopener ugc">Gesetzentwurf</a>' in body
    # The standalone file admits its own stylesheet and nothing else (no script, no request anywhere).
    policy = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    assert policy.startswith("default-src 'none'") and f"'sha256-{digest}'" in policy and "<script" not in html
    pdf = FORMATS["changes.pdf"].write(document)
    assert pdf.startswith(b"%PDF")
    pdf_text = _words(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, check=True, capture_output=True).stdout.decode()
    )
    assert f"[Antrag {number}, IEB]" in pdf_text and "**" not in pdf_text


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(
    SOFFICE is None and os.environ.get("CONSULT_TEST_LIBREOFFICE") != "1",
    reason="LibreOffice (soffice) is not installed",
)
def test_libreoffice_opens_the_change_docx(app, adopted, tmp_path):
    assert SOFFICE, "CONSULT_TEST_LIBREOFFICE=1 but soffice is missing"
    document = _document(adopted)
    source = tmp_path / "aenderungen.docx"
    source.write_bytes(FORMATS["changes.docx"].write(document))
    profile = tmp_path / "profile"
    for target in ("pdf", "docx:MS Word 2007 XML"):
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(tmp_path / "out"),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    # LibreOffice read every revision: saved again, they still accept to the adopted text and reject to
    # version 1, with the same authors.
    resaved = (tmp_path / "out" / "aenderungen.docx").read_bytes()
    sections = _sections(resaved)
    assert [_accept(s) for s in sections if not _mark(s[0])[1]] == [
        _words(plain_text(b.markdown)) for b in document.blocks
    ]
    assert [_reject(s) for s in sections if not _mark(s[0])[0]] == [
        _words(plain_text(t.text)) for t in document.draft.versions[0].texts
    ]
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(resaved)).read("word/document.xml"))
    assert {m.get(f"{W}author") for m in root.iter(f"{W}ins", f"{W}del")} == {
        author for author, _ in _expected_authors(adopted).values()
    }
    # Its PDF shows the words, not the Markdown.
    pdf = tmp_path / "out" / "aenderungen.pdf"
    text = _words(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout)
    assert re.search(r"§ ?4 Ein neuer Absatz mit Geduld\.", text) and "**" not in text and "| Land" not in text
    shots = os.environ.get("CONSULT_CHANGE_SHOTS")
    if shots:  # pictures of the first pages, to look at (not an assertion)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), os.path.join(shots, "changes-docx")],
            check=True,
        )
        pdf.replace(os.path.join(shots, "changes-docx.pdf"))
        with open(os.path.join(shots, "changes.html"), "wb") as out:
            out.write(FORMATS["changes.html"].write(document))
        with open(os.path.join(shots, "changes.pdf"), "wb") as out:
            out.write(FORMATS["changes.pdf"].write(document))


# -- The chain's corners, on versions built directly --------------------------------------------------


def _decided(
    number: int,
    kind: str,
    paragraph_id: int,
    version: int | None,
    base: str = "",
    proposed: str | None = None,
    inserted: int | None = None,
    organisation: str = "Verein A (VA)",
):
    from consult.exports.document import DecidedAmendment

    return DecidedAmendment(
        number=number,
        position=None,
        kind=kind,
        status="accepted",
        organisation=organisation,
        base_text=base,
        proposed_text=proposed,
        adopted_text=None,
        justification="",
        reason=None,
        decided_at=_at(number),
        paragraph_id=paragraph_id,
        inserted_paragraph_id=inserted,
        applied_in_version=version,
    )


def _versions(app, *texts_by_version, last_published: bool = True):
    """A draft whose versions hold the given paragraphs ((key, text) pairs; a new key is a new paragraph)."""
    from consult.drafts.models import Paragraph, VersionStatus
    from consult.drafts.services import build_version

    first = texts_by_version[0]
    draft = import_draft("\n\n".join(text for _, text in first) + "\n", "Ecken", f"ecken-{len(texts_by_version)}")
    paragraphs = {key: text.paragraph for (key, _), text in zip(first, draft.versions[0].texts, strict=True)}
    for number, texts in enumerate(texts_by_version[1:], start=2):
        for key, _ in texts:
            paragraphs.setdefault(key, Paragraph(draft=draft))
        version = build_version(draft, number, [(paragraphs[key], text) for key, text in texts])
        if number < len(texts_by_version) or last_published:
            version.status, version.published_at = VersionStatus.PUBLISHED, _at(100 + number)
        db.session.flush()
    return draft, {key: paragraph.id for key, paragraph in paragraphs.items()}


def test_a_paragraph_inserted_then_removed_leaves_no_trace_and_a_collision_resolved_as_deletion_is_one(app):
    import dataclasses

    from consult.exports.changes import tracked_paragraphs
    from consult.exports.document import ResolvedCollision

    one, two, three = ("a", "Eins bleibt."), ("b", "Zwei ist umstritten."), ("c", "Drei bleibt.")
    draft, ids = _versions(
        app, [one, two, three], [one, two, ("new", "Neu und gleich wieder weg."), three], [one, three]
    )
    document = dataclasses.replace(
        build_document(draft),
        amendments=(
            _decided(1, "insert", ids["b"], 2, proposed="Neu und gleich wieder weg.", inserted=ids["new"]),
            _decided(2, "delete", ids["b"], 3, base=two[1], organisation="Verein B (VB)"),
            _decided(3, "replace", ids["b"], 3, base=two[1], proposed="Zwei ist jetzt klar."),
            _decided(4, "delete", ids["new"], 3, base="Neu und gleich wieder weg."),
        ),
        collisions=(ResolvedCollision(ids["b"], 3, (2, 3), None, _at(50)),),
    )
    with document_locale():
        paragraphs = tracked_paragraphs(document)
    assert [p.paragraph_id for p in paragraphs] == [ids["a"], ids["b"], ids["c"]]
    kept_a, removed, kept_c = paragraphs
    assert not kept_a.changed and not kept_c.changed
    assert removed.deleted.name == "Verein B (VB) · Änderungsantrag 2" and removed.position is None
    assert {t.deleted for t in removed.tokens} == {removed.deleted} and removed.visible == ""
    docx = FORMATS["changes.docx"].write(document)
    assert b"Neu und" not in zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")


def test_a_preview_of_a_version_in_preparation_credits_the_amendments_it_takes_up(app):
    import dataclasses

    from consult.exports.changes import tracked_paragraphs

    one = ("a", "Die Stadt plant.")
    draft, ids = _versions(app, [one], [("a", "Die Stadt plant gemeinsam.")], last_published=False)
    document = dataclasses.replace(
        build_document(draft),
        amendments=(_decided(7, "replace", ids["a"], None, base=one[1], proposed="Die Stadt plant gemeinsam."),),
    )
    assert not document.adopted and document.version.number == 2
    with document_locale():
        (paragraph,) = tracked_paragraphs(document)
    assert [(t.text, t.inserted.number) for t in paragraph.tokens if t.inserted] == [(" ", 7), ("gemeinsam", 7)]


def test_control_characters_do_not_break_the_change_docx(app, backend):
    # PostgreSQL holds no NUL at all; SQLite does, and markdown-it reads one as U+FFFD.
    nul = "\x00" if backend == "sqlite" else ""
    control = f"Steuer{nul}zeichen\x08 im\x0b Text\x0c und\x1f hier."
    draft, _ = _versions(app, [("a", "Alter Text.")], [("a", "Alter Text."), ("b", "Neu.")])
    document = build_document(draft)
    # The writer reads the versions' texts: put the control characters into version 2's stored text.
    next(t for t in document.version.texts if t.text == "Neu.").text = control
    db.session.flush()
    data = FORMATS["changes.docx"].write(document)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        xml = archive.read("word/document.xml").decode()
    assert "Steuerzeichen im Text und hier." in "".join(etree.fromstring(xml.encode()).itertext())
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", xml)


def test_a_change_of_formatting_only_is_a_formatting_revision_not_markdown(app):
    import dataclasses

    one = ("a", "Die Teilhabe zählt.")
    draft, ids = _versions(app, [one], [("a", "Die **Teilhabe** zählt.")])
    document = dataclasses.replace(
        build_document(draft),
        amendments=(_decided(5, "replace", ids["a"], 2, base=one[1], proposed="Die **Teilhabe** zählt."),),
    )
    root = etree.fromstring(
        zipfile.ZipFile(io.BytesIO(FORMATS["changes.docx"].write(document))).read("word/document.xml")
    )
    section = _sections(FORMATS["changes.docx"].write(document))[0]
    assert _accept(section) == _reject(section) == "Die Teilhabe zählt."
    (change,) = root.iter(f"{W}rPrChange")
    run = change.getparent().getparent()
    assert "".join(run.itertext()) == "Teilhabe" and run.find(f"{W}rPr/{W}b") is not None
    assert change.get(f"{W}author") == "Verein A (VA) · Änderungsantrag 5" and change.find(f"{W}rPr/{W}b") is None
    assert not list(root.iter(f"{W}ins", f"{W}del")) and "**" not in "".join(root.itertext())
    html = FORMATS["changes.html"].write(document).decode()
    assert (
        '<span class="format-change" title="Verein A (VA) · Änderungsantrag 5"><strong>Teilhabe</strong></span>'
        '<sup class="change-label">[Antrag 5, VA]</sup>'
    ) in html
