"""The hostile text corpus through every export format, read back as a reader sees it.

A draft whose organisations, people (the moderators who decide), amendment reasons,
justifications and comments carry markup (`<script>`, `"><img onerror>`), Markdown structure
(`# Überschrift`, `- Liste`, `| a | b |`, `**fett**`, `[link](javascript:…)`), spreadsheet formulas
(`=HYPERLINK(`, `+SUM(1)`, `@cmd`), Arabic and Turkish names and bidi overrides (U+202E). Every
format in FORMATS (new ones too: a format without a reader here fails) is downloaded through the
board's export address and read with a real reader: an HTML parser, markdown-it with raw HTML on,
pdftotext and pypdf, python-docx and the DOCX's XML, csv, json. Each must show the values as text:
present literally, never turned into an element, a heading, a list, a table, emphasis, a link or a
formula, and the Arabic and Turkish names code point for code point (NFC).

The checks read only what a reader sees, not how the writers build it, so that they hold whichever
way the writers are written.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import unicodedata
import zipfile
from html.parser import HTMLParser

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from markdown_it import MarkdownIt

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import decide, propose
from consult.comments.services import post_comment
from consult.core import clock
from consult.drafts.models import Phase
from consult.drafts.services import current_version, paragraph_texts
from consult.exports.formats import FORMATS
from consult.extensions import db
from consult.versions.services import publish_version, start_version
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories

ARABIC = "جمعية الجالية العربية"
TURKISH = "Türk Kadınlar Derneği İstanbul Şubesi"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RLO, PDF_, PDI = "\u202e", "\u202c", "\u2069"
# The organisations: (name, short name).
ORGANISATIONS = [
    (f"Verein {SCRIPT} e.V.", "SCR"),
    (f"Initiative {IMG}", "IMG"),
    (ARABIC, "JJA"),
    (TURKISH, "TKDI"),
    (f"Verein {RLO}exe.txt{PDF_} Nord", "RTL"),
]
PEOPLE = [f"Moderatorin {SCRIPT}", f"Ayşe {IMG} Yılmaz", "فاطمة الزهراء"]
MARKDOWN = "# Überschrift\n- Liste\n| a | b |\n|---|---|\n**fett** und [link](javascript:alert(1))"
# The amendments: (organisation, kind, paragraph, decision, deciding person); every person decides one that
# shaped the adopted text.
AMENDMENTS = [
    (0, AmendmentKind.REPLACE, 2, "accept", 0),
    (1, AmendmentKind.INSERT, 3, "accept", 1),
    (2, AmendmentKind.REPLACE, 4, "accept", 2),
    (3, AmendmentKind.DELETE, 5, "accept", 0),
    (4, AmendmentKind.REPLACE, 3, "reject", 1),
    (3, AmendmentKind.REPLACE, 2, "reject", 2),
]
REASONS = [
    MARKDOWN,
    f"Angenommen {SCRIPT} {IMG}",
    f"Übernommen für {ARABIC} und {TURKISH}.",
    f"Gestrichen {RLO}exe.txt",
    f"Abgelehnt: {RLO}nie mehr",
    f"Nein. {MARKDOWN}",
]
JUSTIFICATIONS = [
    f"Begründung {MARKDOWN}",
    f"Weil {SCRIPT}",
    f"{ARABIC}: {IMG}",
    f"{TURKISH} # Rubrik",
    f"Gründe {RLO}exe.txt",
    f"**{TURKISH}** | x |",
]
COMMENTS = [
    '=HYPERLINK("http://evil","klick")',
    "+SUM(1)",
    "@cmd",
    "-2+3",
    f"Kommentar {MARKDOWN}",
    f"{ARABIC} {SCRIPT}",
    f"{TURKISH} {IMG}",
    f"Umgedreht {RLO}exe.txt",
]
NEW_TEXT = "Siehe [Bericht](javascript:alert(1)) und <script>alert(2)</script> im Text."
ARABIC_TEXT = "Absatz vier, neu gefasst."
INSERTED = "Ein neuer Absatz von der Initiative."
# What a Markdown renderer would make of MARKDOWN if it were not shown as text.
MARKUP = ("# Überschrift", "- Liste", "| a | b |", "**fett**", "[link](javascript:alert(1))")

NAMES = [name for name, _ in ORGANISATIONS]
PROPOSERS = [ORGANISATIONS[a[0]][0] for a in AMENDMENTS if a[3] == "accept"]
EXACT = (ARABIC, TURKISH, "Ayşe", "Yılmaz", "فاطمة الزهراء")  # must arrive code point for code point
DOCUMENT_KINDS = ("pdf", "docx", "md", "html")  # the position document: appendix with names and reasons


def words(text: str) -> str:
    return " ".join(text.split())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def hostile_draft(app):
    """The draft, in the voting phase on version 2, and a board member to download it."""
    moderators = []
    for index, name in enumerate(PEOPLE):
        moderator = factories.user(email=f"mod{index}@example.org", roles=(Role.MODERATOR,))
        moderator.name = name  # stored as typed: what the exports make of it is the point
        moderators.append(moderator)
    factories.user(email="board@example.org", roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=5, phase=Phase.COMMENTING, slug="feindlich")
    texts = paragraph_texts(current_version(draft))
    delegates = []
    for index, (name, short_name) in enumerate(ORGANISATIONS):
        organisation = factories.organisation()
        organisation.name, organisation.short_name = name, short_name
        delegate = factories.user(org=organisation)
        delegate.name = PEOPLE[index % len(PEOPLE)]
        delegates.append(delegate)
    for index, (author, kind, position, decision, decider) in enumerate(AMENDMENTS):
        proposed = {AmendmentKind.INSERT: INSERTED, AmendmentKind.DELETE: None}.get(
            kind, {2: NEW_TEXT, 4: ARABIC_TEXT}.get(position) if decision == "accept" else f"Vorschlag {index}."
        )
        amendment = propose(
            delegates[author], draft, texts[position - 1], kind, proposed, JUSTIFICATIONS[index], clock.now()
        )
        with app.test_request_context():
            decide(moderators[decider], amendment, draft, decision, REASONS[index], clock.now())
    with app.test_request_context():
        publish_version(moderators[0], start_version(moderators[0], draft, clock.now()), clock.now())
    db.session.commit()
    texts = paragraph_texts(current_version(draft))
    for index, body in enumerate(COMMENTS):
        post_comment(delegates[index % len(delegates)], draft, texts[1], body, None, clock.now())
    draft.phase = Phase.VOTING
    db.session.flush()  # the vote's lock reads the phase from the draft's row
    for index, delegate in enumerate(delegates):
        cast_vote(delegate, draft, None, (Choice.YES, Choice.NO, Choice.ABSTAIN)[index % 3], clock.now())
        cast_vote(delegate, draft, texts[1].paragraph_id, Choice.YES, clock.now())
    db.session.commit()
    return draft


def _download(client, auth, name: str) -> bytes:
    auth.login("board@example.org", factories.PASSWORD)
    response = client.get(f"/drafts/feindlich/export/{name}")
    assert response.status_code == 200, (name, response.status_code)
    return response.get_data()


# Readers: what a person opening the file sees, and what in it is live.


class _Tree(HTMLParser):
    """An HTML file's elements (tag, attributes), its text, and the text of each element that bidi text
    cannot leave (a block, a `bdi`, an element with `dir`); an isolating child counts as isolated in its
    parent's text (wrapped in FSI … PDI)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    BLOCKS = {
        "p",
        "dd",
        "dt",
        "li",
        "td",
        "th",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "section",
        "body",
        "blockquote",
        "caption",
        "figcaption",
        "title",
        "style",
        "ul",
        "ol",
        "dl",
        "table",
        "tr",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self.stack: list[tuple[str, dict, list[str]]] = [("#root", {}, [])]
        self.isolated: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag not in self.VOID:
            self.stack.append((tag, attributes, []))

    def handle_endtag(self, tag):
        if not any(open_tag == tag for open_tag, _, _ in self.stack[1:]):
            return
        while True:
            open_tag, attributes, parts = self.stack.pop()
            text = "".join(parts)
            if open_tag in self.BLOCKS or open_tag == "bdi" or "dir" in attributes:
                self.isolated.append(text)
                text = f"\u2068{text}\u2069"  # a block ends the bidi paragraph, bdi and dir isolate
            self.stack[-1][2].append(text)
            if open_tag == tag:
                return

    def handle_data(self, data):
        self.texts.append(data)
        self.stack[-1][2].append(data)


def _html_reading(content: str) -> tuple[str, list[tuple[str, dict]], list[str]]:
    tree = _Tree()
    tree.feed(content)
    tree.close()
    return "".join(tree.texts), tree.elements, tree.isolated


def _live_markup(elements: list[tuple[str, dict]]) -> list[str]:
    """Elements a browser would run or load, and Markdown structure made from user text."""
    found = []
    for tag, attrs in elements:
        # The results chart is the export's own inline SVG: what SVG could run or load inside it (script,
        # on* attributes, links, foreign HTML, references, animation) is looked for one by one.
        if tag in (
            "script",
            "img",
            "iframe",
            "object",
            "embed",
            "math",
            "form",
            "base",
            "foreignobject",
            "use",
            "image",
            "animate",
            "set",
            "feimage",
        ):
            found.append(f"<{tag}>")
        found += [f"<{tag} {name}=>" for name in attrs if name.lower().startswith("on")]
        found += [
            f"<{tag} {name}={value}>"
            for name, value in attrs.items()
            if name in ("href", "xlink:href", "src", "action", "formaction")
            and value
            and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(("javascript:", "data:", "vbscript:"))
        ]
    return found


def _user_structure(html: str) -> list[str]:
    """Structure a Markdown renderer made of the corpus's Markdown: a heading 'Überschrift', a list item
    'Liste', a table cell 'a', strong 'fett', a link 'link'."""
    found = []
    for pattern, what in (
        (r"<h\d[^>]*>\s*Überschrift", "heading"),
        (r"<li[^>]*>\s*Liste", "list"),
        (r"<t[hd][^>]*>\s*a\s*</t[hd]>", "table"),
        (r"<strong>\s*fett\s*</strong>", "strong"),
        (r"<a\b[^>]*>\s*link\s*</a>", "link"),
    ):
        if re.search(pattern, html):
            found.append(what)
    return found


def _unclosed_override_leaks(pieces: list[str]) -> list[str]:
    """Pieces of text (an isolated element's text, a Word paragraph, a Markdown line) in which a bidi
    embedding or override opened by user text is still open when text that is not that value follows."""
    leaks = []
    hostile = [v for v in NAMES + REASONS + JUSTIFICATIONS + COMMENTS if RLO in v]
    for piece in pieces:
        depth, start = [], None
        for index, char in enumerate(piece):
            if char in "\u202a\u202b\u202d\u202e":
                depth.append("embedding")
                start = index if start is None else start
            elif char in "\u2066\u2067\u2068":
                depth.append("isolate")
            elif char == PDF_ and depth and depth[-1] == "embedding":
                depth.pop()
            elif char == PDI:
                while depth and depth[-1] != "isolate":  # a PDI closes the embeddings inside its isolate
                    depth.pop()
                if depth:
                    depth.pop()
            if not depth:
                start = None
        if start is not None:
            rest = piece[start:].rstrip().rstrip(PDI)
            if not any(value.rstrip().endswith(rest) for value in hostile):
                leaks.append(piece)
    return leaks


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")


def _pdf_links(content: bytes) -> list[str]:
    from pypdf import PdfReader

    uris = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
            if "/JS" in action:
                uris.append("javascript:" + str(action["/JS"]))
    return uris


def _docx_reading(content: bytes) -> tuple[str, list[str], list[str], list[str]]:
    """(the text with every tracked change accepted, each paragraph's text (body and table cells, with the
    words of links, fields and insertions), external link targets, tracked changes' authors)."""
    body = WordDocument(io.BytesIO(content)).element.body
    breaks = (qn("w:br"), qn("w:cr"), qn("w:tab"))
    paragraphs = [
        "".join("\n" if t.tag in breaks else t.text or "" for t in p.iter(qn("w:t"), *breaks))
        for p in body.iter(qn("w:p"))
    ]
    authors = [element.get(qn("w:author")) or "" for element in body.iter(qn("w:ins"), qn("w:del"))]
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        rels = " ".join(package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".rels"))
        xml = " ".join(package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".xml"))
    targets = re.findall(r'Target="([^"]*)"[^>]*TargetMode="External"', rels)
    targets += re.findall(r'TargetMode="External"[^>]*Target="([^"]*)"', rels)
    targets += re.findall(r"HYPERLINK\s+&quot;([^&]*)&quot;", xml) + re.findall(r'HYPERLINK\s+"([^"]*)"', xml)
    return "\n".join(paragraphs), paragraphs, targets, authors


def _kind(name: str) -> str:
    media_type = FORMATS[name].media_type
    for prefix, kind in (
        ("application/pdf", "pdf"),
        ("application/vnd.openxmlformats-officedocument.wordprocessing", "docx"),
        ("text/markdown", "md"),
        ("text/html", "html"),
        ("text/csv", "csv"),
        ("application/json", "json"),
    ):
        if media_type.startswith(prefix):
            return kind
    pytest.fail(f"no reader for the export format {name!r} ({media_type}): add one to this test")


def _literal(value: str, shown: str) -> bool:
    """`value` is in `shown` as written (line breaks as any white space, bidi controls aside for readers
    that lay the text out)."""
    return words(value) in words(shown)


def _without_bidi(text: str) -> str:
    return re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)


def _missing(values, shown: str) -> list[str]:
    return [v for v in values if not _literal(v, shown) and not _literal(_without_bidi(v), _without_bidi(shown))]


def _visual(value: str) -> str:
    """`value` as laid out on a page: what a right-to-left override covers reads backwards."""
    return re.sub("\u202e([^\u202c]*)\u202c?", lambda m: m[1][::-1], value)


def _missing_on_page(values, shown: str) -> list[str]:
    """The values not on a laid-out page, whose text pdftotext gives in lines (a line may break anywhere,
    even inside a link's brackets) with the marks of bidi embedding it adds."""

    def squeezed(text: str) -> str:
        return re.sub(r"\s", "", nfc(_without_bidi(text)))

    page = squeezed(shown)
    return [v for v in values if squeezed(v) not in page and squeezed(_visual(v)) not in page]


# Each reader: (the text a person sees, what in the file is live or leaks).


def _read_html(name: str, content: bytes, tmp_path) -> tuple[str, list[str]]:
    page = content.decode("utf-8")
    text, elements, isolated = _html_reading(page)
    problems = [f"live element {m}" for m in _live_markup(elements)]
    problems += [f"user Markdown became {m}" for m in _user_structure(page)]
    problems += [f"bidi override leaks out of {p!r}" for p in _unclosed_override_leaks(isolated)]
    # No element came of them and a parser reads them as text: they were escaped.
    problems += [f"{needle!r} not shown as text" for needle in (SCRIPT, IMG) if needle not in text]
    return text, problems


def _read_md(name: str, content: bytes, tmp_path) -> tuple[str, list[str]]:
    source = content.decode("utf-8")
    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(source)
    text, elements, _ = _html_reading(html)
    problems = [f"live element {m}" for m in _live_markup(elements)]
    problems += [f"user Markdown became {m}" for m in _user_structure(html)]
    problems += [f"bidi override leaks out of line {p!r}" for p in _unclosed_override_leaks(source.splitlines())]
    problems += [
        f"a heading from user text: {h!r}"
        for h in re.findall(r"<h\d>(.*?)</h\d>", html, re.S)
        if any(n in h for n in ("Überschrift", "Rubrik", "alert", ARABIC, TURKISH))
    ]
    return text, problems


def _read_pdf(name: str, content: bytes, tmp_path) -> tuple[str, list[str]]:
    return _pdf_text(content, tmp_path), [
        f"link to {uri}" for uri in _pdf_links(content) if uri.lower().startswith("javascript:")
    ]


def _read_docx(name: str, content: bytes, tmp_path) -> tuple[str, list[str]]:
    text, paragraphs, targets, authors = _docx_reading(content)
    problems = [f"hyperlink to {t}" for t in targets if re.sub(r"\s", "", t).lower().startswith("javascript:")]
    problems += [f"bidi override leaks out of paragraph {p!r}" for p in _unclosed_override_leaks(paragraphs)]
    word = WordDocument(io.BytesIO(content))
    problems += [
        f"user text as a {p.style.name} paragraph: {p.text!r}"
        for p in word.paragraphs
        if p.style.name.startswith(("Heading", "Title", "List"))
        and p.text.strip().startswith(("Überschrift", "Liste", "Rubrik"))
    ]
    problems += [
        f"user text as a bold run: {r.text!r}"
        for p in word.paragraphs
        for r in p.runs
        if r.bold and r.text.strip() == "fett"
    ]
    problems += [
        f"user Markdown table as a Word table: {[c.text for c in t.rows[0].cells]}"
        for t in word.tables
        if [c.text.strip() for c in t.rows[0].cells][:2] == ["a", "b"]
    ]
    if name == "changes.docx":  # the tracked changes carry the proposing organisations' names, exactly
        problems += [f"no tracked change authored by {n!r}" for n in PROPOSERS if not any(n in a for a in authors)]
    return text, problems


def _read_csv(name: str, content: bytes, tmp_path) -> tuple[str, list[str]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    problems = [f"cell read as a formula: {c!r}" for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    return "\n".join(c.removeprefix("'") for c in cells), problems


def _read_json(name: str, content: bytes, tmp_path) -> tuple[str, list[str]]:
    strings: list[str] = []

    def collect(value) -> None:
        if isinstance(value, str):
            strings.append(value)
        for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
            collect(item)

    collect(json.loads(content))
    return "\n".join(strings), [
        f"JSON does not hold {v!r} exactly" for v in NAMES + REASONS + JUSTIFICATIONS + COMMENTS if v not in strings
    ]


READERS = {
    "html": _read_html,
    "md": _read_md,
    "pdf": _read_pdf,
    "docx": _read_docx,
    "csv": _read_csv,
    "json": _read_json,
}


def _expected(name: str, kind: str) -> list[str]:
    """What a format must show: the position documents their appendix (organisations, reasons, who decided);
    the change document the changed text (and, above, the proposers as authors); the tables their rows."""
    if name == "changes.docx":  # read with every tracked change accepted
        return ["<script>alert(2)</script>", INSERTED, ARABIC_TEXT]
    if name.startswith("changes."):  # as laid out: deleted words stand between the new ones
        return ["<script>alert(2)</script>", INSERTED]
    if kind in DOCUMENT_KINDS:
        return NAMES + REASONS + PEOPLE
    return {"comments.csv": COMMENTS, "votes.csv": NAMES}.get(name, NAMES + COMMENTS)


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_shows_the_hostile_corpus_as_text(app, client, auth, hostile_draft, name, tmp_path):
    content = _download(client, auth, name)
    kind = _kind(name)
    text, problems = READERS[kind](name, content, tmp_path)
    expected = _expected(name, kind)
    missing = _missing_on_page(expected, text) if kind == "pdf" else _missing(expected, text)
    problems += [f"not shown as text: {v!r}" for v in missing]
    if kind != "pdf":  # every format a program reads as text keeps the names code point for code point
        shown = [v for v in expected if v not in missing]
        problems += [f"{n!r} not exactly as typed (NFC)" for n in EXACT if any(n in v for v in shown) and n not in text]
    else:  # a PDF lays the text out: its extracted words still are the names' words
        problems += [f"{n!r} changed" for n in (ARABIC, TURKISH) if words(n) not in words(nfc(_without_bidi(text)))]
    assert not problems, f"{name}: " + "\n".join(problems)
