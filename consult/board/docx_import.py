"""Reading a Word document (.docx) as the draft's Markdown blocks, keeping every word a reader sees.

Word is read by mammoth, a kept library that turns a .docx into plain HTML the way Word shows it:
hyperlinks keep their text and target, tracked insertions count as accepted and tracked deletions
as rejected (what "accept all changes" gives), lists come from Word's numbering (not from the look
of a paragraph), tables stay tables and footnotes and endnotes are listed after the text. Reading
`w:r` runs by hand, as this module once did, loses everything that is not a direct run of a
paragraph (a link's words, an insertion, a field's result).

mammoth's HTML is then walked here (`html.parser`, nothing is rendered) into Markdown blocks:
headings `#`, paragraphs, ordered lists `1.` (with their start number) and bullet lists `-`,
nested by indentation, `**strong**` and `*emphasis*`, links `[text](url)` for http(s) and mailto
only (any other target keeps just its text), tables as Markdown tables whose first row is the head,
and each footnote's text at the end of the paragraph, list item or cell that refers to it. Every
piece of the author's text is escaped so that it means only itself in Markdown.

What comes in is untrusted (an upload): a file that is not a Word package, a package too large
unpacked, XML with a document type declaration (entity tricks) or anything the readers fail on is
`NotADocx`, never an error page.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree import ElementTree

import mammoth
from lxml import etree  # type: ignore[import-untyped]  # lxml ships no types (lxml-stubs is apart)

_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Markdown punctuation that would turn the author's text into structure or links.
_MARKUP = re.compile(r"([\\*_`<>\[\]#|])")
_EDGES = re.compile(r"(\s*)(.*?)(\s*)$", re.S)
# What a line of the author's text may not start with in its own words, since it would make it
# structure: an ordered list (`1. `, `1) `), a bullet list (`- `, `+ `), a rule (`---`), a fence
# (`~~~`) or a heading underline (`=`). (`_MARKUP` already covers `*`, `_`, `#`, `>`, `|` and `` ` ``.)
_LINE_START = re.compile(
    r"^(?P<lead>[ \t]*)(?:(?P<number>\d{1,9})(?P<delimiter>[.)])(?=[ \t]|$)"
    r"|(?P<mark>[-+](?=[ \t]|$)|-(?=--)|~(?=~~)|=))",
    re.M,
)
# Word's number of an ordered list's paragraph, written into it before mammoth reads it (`_numbered`).
_ITEM_NUMBER = re.compile("\ue000(\\d+)\ue001")
_ITEM_MARKS = re.compile("[\ue000\ue001]")
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
# Characters a link target written as `(url)` cannot hold literally.
_URL_UNSAFE = re.compile(r"[\s()<>\\\x00-\x1f\x7f]")
NOTE_LABELS = {"footnote": "Fußnote", "endnote": "Endnote"}  # drafts are written in German

# A .docx unpacked may not be larger than this (a zip bomb is refused before it is read).
MAX_UNPACKED_BYTES = 64 * 2**20
MAX_PARTS = 2_000
_MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}
_DOCTYPES = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"

# Word stores the English names of its built-in styles even in German Word ("heading 1"), and
# mammoth's own map knows those; files from other programs or older templates name them in German,
# and German Word's style ids drop the "Ü" ("berschrift1"). Titles are the top heading. Word has
# nine heading levels, Markdown six.
_STYLE_MAP = "\n".join(
    [
        f"p[style-name='{name} {n}'] => h{min(n, 6)}:fresh"
        for n in range(1, 10)
        for name in ("Überschrift", "heading", "Heading")
    ]
    + [f"p.berschrift{n} => h{min(n, 6)}:fresh" for n in range(1, 10)]
    + [f"p[style-name='{name}'] => h1:fresh" for name in ("Title", "Titel", "Überschrift")]
)


class NotADocx(ValueError):
    """The file cannot be read as a Word document."""


def docx_to_markdown(data: bytes) -> str:
    """The document's headings, paragraphs, lists and tables as Markdown blocks, one blank line apart.

    Whatever fails while the file is read (a broken package, a missing part, XML the readers do not
    expect: their exceptions are many and not all documented) means the file cannot be read, and is
    `NotADocx`; the board gets a message and nothing is stored."""
    try:
        html = _to_html(_readable_package(data))
        blocks = _Markdown(_parse(html)).blocks()
    except NotADocx:
        raise
    except Exception as error:  # noqa: BLE001  (any failure inside the readers, see above)
        raise NotADocx(f"{type(error).__name__}: {error}") from None
    return "\n\n".join(blocks) + ("\n" if blocks else "")


# --- The package -----------------------------------------------------------------------------------


def _readable_package(data: bytes) -> bytes:
    """`data` if it is a Word package this module will read, with simple fields spelled out and the
    numbers of ordered lists written in (see `_spell_out_simple_fields` and `_numbered`).

    A Word package is a zip whose main part (named by `_rels/.rels`) has a WordprocessingML content
    type in `[Content_Types].xml`; Word refuses anything else, and so do we. Its unpacked size is
    bounded, and no part may declare a document type (OOXML never does; entity declarations are how
    XML is made to explode or read files)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise NotADocx(f"not a zip: {error}") from None
    with package:
        items = package.infolist()
        if len(items) > MAX_PARTS or sum(item.file_size for item in items) > MAX_UNPACKED_BYTES:
            raise NotADocx("too large when unpacked")
        parts = {item.filename: package.read(item) for item in items if not item.is_dir()}
    for name, content in parts.items():
        if name.endswith((".xml", ".rels")) and any(doctype in content.upper() for doctype in _DOCTYPES):
            raise NotADocx(f"{name} declares a document type")
    main = _main_part(parts)
    types = ElementTree.fromstring(parts["[Content_Types].xml"])
    ct = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType") for o in types.iter(ct + "Override")}
    defaults = {d.get("Extension", "").lower(): d.get("ContentType") for d in types.iter(ct + "Default")}
    content_type = overrides.get(main) or defaults.get(main.rsplit(".", 1)[-1].lower())
    if content_type not in _MAIN_CONTENT_TYPES:
        raise NotADocx(f"the main part {main} is not a Word document ({content_type})")
    changed = {
        name: _spell_out_simple_fields(content)
        for name, content in parts.items()
        if name.endswith(".xml") and b"fldSimple" in content
    }
    numbered = _numbered(
        changed.get(main, parts[main]),
        parts.get(_related(parts, main, "numbering")),
        parts.get(_related(parts, main, "styles")),
    )
    if numbered is not None:
        changed[main] = numbered
    if not changed:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, changed.get(name, content))
    return out.getvalue()


def _main_part(parts: dict[str, bytes]) -> str:
    relationships = ElementTree.fromstring(parts["_rels/.rels"])
    for relationship in relationships:
        if relationship.get("Type") == _OFFICE_DOCUMENT:
            return posixpath.normpath((relationship.get("Target") or "").lstrip("/"))
    raise NotADocx("no main document part")


def _related(parts: dict[str, bytes], main: str, kind: str) -> str:
    """The path of the main part's `kind` part (numbering, styles), as its relationships give it."""
    folder, _, file = main.rpartition("/")
    rels = parts.get(f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels")
    if rels:
        for relationship in ElementTree.fromstring(rels):
            if relationship.get("Type", "").endswith("/" + kind) and relationship.get("TargetMode") != "External":
                target = relationship.get("Target") or ""
                if target.startswith("/"):
                    return target.lstrip("/")
                return posixpath.normpath(posixpath.join(folder, target))
    return posixpath.join(folder, f"{kind}.xml")


def _xml(content: bytes):
    return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))


def _spell_out_simple_fields(xml: bytes) -> bytes:
    """Each `w:fldSimple` (a field written in one element: a date, a page number, a hyperlink) as
    the same field written out with `w:fldChar`/`w:instrText`, the form mammoth reads: it shows the
    field's result, and a HYPERLINK field becomes a link (mammoth drops `w:fldSimple` and its text)."""
    root = _xml(xml)

    def run(child: str, **attributes: str):
        element = etree.Element(f"{{{_W}}}r")
        inner = etree.SubElement(element, f"{{{_W}}}{child}", {f"{{{_W}}}{k}": v for k, v in attributes.items()})
        return element, inner

    for simple in reversed(list(root.iter(f"{{{_W}}}fldSimple"))):  # innermost first
        begin, _ = run("fldChar", fldCharType="begin")
        instruction, text = run("instrText")
        text.text = simple.get(f"{{{_W}}}instr") or ""
        separate, _ = run("fldChar", fldCharType="separate")
        end, _ = run("fldChar", fldCharType="end")
        result = [child for child in simple if child.tag != f"{{{_W}}}fldData"]
        parent, index = simple.getparent(), simple.getparent().index(simple)
        parent.remove(simple)
        for offset, element in enumerate([begin, instruction, separate, *result, end]):
            parent.insert(index + offset, element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _numbered(document: bytes, numbering: bytes | None, styles: bytes | None) -> bytes | None:
    """The main part with Word's number of each paragraph of an ordered list written at its start
    (`ITEM_NUMBER`), or None if it has none.

    mammoth knows that a paragraph is an item of an ordered list, not which number Word shows: a list
    that starts at 4, or one that goes on after a paragraph in between ("3." after "1." and "2."),
    would start at 1 again. Word counts per list definition (`w:abstractNum`) and level, from the
    level's `w:start` (or a `w:startOverride` of the list) and starts the deeper levels again when
    a higher one counts on; a paragraph gets its list directly (`w:numPr`) or from its style. The
    number travels inside the paragraph, so it stays with it whatever mammoth makes of the rest."""
    if numbering is None:
        return None
    w = f"{{{_W}}}"
    definitions = _xml(numbering)
    levels: dict[str, dict[int, tuple[int, bool]]] = {}
    for abstract in definitions.iter(w + "abstractNum"):
        levels[abstract.get(w + "abstractNumId", "")] = {
            _int(level.get(w + "ilvl"), 0): (
                _int(_val(level, "start"), 1),
                _val(level, "numFmt") not in ("bullet", "none"),
            )
            for level in abstract.iter(w + "lvl")
        }
    lists: dict[str, tuple[str, dict[int, int]]] = {}
    for num in definitions.iter(w + "num"):
        overrides = {
            _int(override.get(w + "ilvl"), 0): _int(_val(override, "startOverride"), 1)
            for override in num.iter(w + "lvlOverride")
            if _val(override, "startOverride") is not None
        }
        lists[num.get(w + "numId", "")] = (_val(num, "abstractNumId") or "", overrides)
    by_style = _style_numbering(styles)
    root = _xml(document)
    counters: dict[str, dict[int, int]] = {}
    started: set[tuple[str, int]] = set()
    marked = False
    for text in root.iter(w + "t"):
        if text.text and _ITEM_MARKS.search(text.text):
            text.text = _ITEM_MARKS.sub("", text.text)
    for paragraph in root.iter(w + "p"):
        properties = paragraph.find(w + "pPr")
        if properties is not None and properties.find(f"{w}rPr/{w}del") is not None:
            continue  # a deleted paragraph mark: joined with the next paragraph, not counted
        reference = _paragraph_numbering(properties, by_style)
        if reference is None or reference[0] not in lists:
            continue
        num_id, level = reference
        abstract, overrides = lists[num_id]
        start, ordered = levels.get(abstract, {}).get(level, (1, False))
        counter = counters.setdefault(abstract, {})
        if level in overrides and (num_id, level) not in started:
            counter.pop(level, None)
            start = overrides[level]
        started.add((num_id, level))
        counter[level] = counter[level] + 1 if level in counter else start
        for deeper in [key for key in counter if key > level]:
            del counter[deeper]
        if ordered:
            run = etree.Element(w + "r")
            etree.SubElement(run, w + "t").text = f"\ue000{counter[level]}\ue001"
            paragraph.insert(1 if properties is not None else 0, run)
            marked = True
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True) if marked else None


def _val(element, child: str) -> str | None:
    found = element.find(f"{{{_W}}}{child}")
    return None if found is None else found.get(f"{{{_W}}}val")


def _int(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.isdigit() and len(value) < 10 else default


def _paragraph_numbering(properties, by_style: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """(numId, level) of a paragraph: its own `w:numPr`, else its style's; numId 0 means none."""
    if properties is None:
        return None
    own = properties.find(f"{{{_W}}}numPr")
    own_id = _val(own, "numId") if own is not None else None
    reference: tuple[str, int] | None
    if own_id is not None:
        reference = (own_id, _int(_val(own, "ilvl"), 0))
    else:
        reference = by_style.get(_val(properties, "pStyle") or "")
        if reference is not None and own is not None and _val(own, "ilvl") is not None:
            reference = (reference[0], _int(_val(own, "ilvl"), 0))
    return None if reference is None or reference[0] == "0" else reference


def _style_numbering(styles: bytes | None) -> dict[str, tuple[str, int]]:
    """Style id -> (numId, level) of the paragraph styles that number their paragraphs ("List Number")."""
    if styles is None:
        return {}
    w = f"{{{_W}}}"
    numbered: dict[str, tuple[str, int]] = {}
    based_on: dict[str, str | None] = {}
    for style in _xml(styles).iter(w + "style"):
        style_id = style.get(w + "styleId", "")
        based_on[style_id] = _val(style, "basedOn")
        numbering = style.find(f"{w}pPr/{w}numPr")
        num_id = _val(numbering, "numId") if numbering is not None else None
        if num_id is not None:
            numbered[style_id] = (num_id, _int(_val(numbering, "ilvl"), 0))
    for style_id in list(based_on):
        parent, hops = based_on[style_id], 0
        while style_id not in numbered and parent and hops < 10:
            if parent in numbered:
                numbered[style_id] = numbered[parent]
            parent, hops = based_on.get(parent), hops + 1
    return numbered


def _to_html(data: bytes) -> str:
    """mammoth's HTML of the package: our style map only (a style map embedded in the file is not
    read), no image is opened and no linked file outside it."""
    result = mammoth.convert_to_html(
        io.BytesIO(data),
        style_map=_STYLE_MAP,
        include_embedded_style_map=False,
        external_file_access=False,
        convert_image=mammoth.images.img_element(lambda image: {}),
    )
    return result.value


# --- mammoth's HTML as a tree ----------------------------------------------------------------------


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    _VOID = {"br", "img", "hr", "input", "col", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in self._VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _parse(html: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _elements(node: _Node, *tags: str):
    return [child for child in node.children if isinstance(child, _Node) and (not tags or child.tag in tags)]


# --- Markdown --------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """The author's words as Markdown that means only itself (no emphasis, link, HTML or table cell)."""
    return _MARKUP.sub(r"\\\1", text)


def _escape_line_starts(text: str) -> str:
    """No line of the author's text starts a list, rule or fence: `1. Januar` stays a date."""

    def escaped(match: re.Match) -> str:
        if match["number"]:
            return f"{match['lead']}{match['number']}\\{match['delimiter']}"
        return f"{match['lead']}\\{match['mark']}"

    return _LINE_START.sub(escaped, text)


def _link_target(href: str) -> str | None:
    """`href` written for `(...)`, or None if it is not an http(s) or mailto link.

    A hyperlink field with switches (`HYPERLINK "url" \\o "tip"`) comes from mammoth with the
    switches in its target; a URL holds no `"`, so the target ends there."""
    href = href.split('"', 1)[0]
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", href)
    if not cleaned.lower().startswith(_SAFE_SCHEMES):
        return None
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), href.strip())


def _take_number(children: list, default: int) -> int:
    """Word's number of a list item (see `_numbered`), taken out of its first text; else `default`."""
    for index, child in enumerate(children):
        if isinstance(child, str):
            match = _ITEM_NUMBER.search(child)
            if match:
                children[index] = child[: match.start()] + child[match.end() :]
                return int(match.group(1))
            if child.strip():
                return default
        elif child.tag not in ("ul", "ol"):
            found = _take_number(child.children, -1)
            if found != -1:
                return found
            if _has_text(child):
                return default
    return default


def _has_text(node: _Node) -> bool:
    return any(child.strip() if isinstance(child, str) else _has_text(child) for child in node.children)


def _edges(text: str) -> tuple[str, str, str]:
    """(leading spaces, the rest, trailing spaces) of `text`: every text matches."""
    match = _EDGES.match(text)
    assert match is not None, "every text has (possibly empty) edges"
    lead, core, trail = match.groups()
    return lead, core, trail


def _wrap(text: str, marker: str) -> str:
    """`text` in emphasis markers, its surrounding spaces outside them (`** x**` is no emphasis)."""
    lead, core, trail = _edges(text)
    return f"{lead}{marker}{core}{marker}{trail}" if core else text


class _Markdown:
    """Markdown blocks from mammoth's HTML tree.

    mammoth puts the footnotes and endnotes as `<li id="footnote-N">` items of an `<ol>` after the
    text and refers to them as `<sup><a href="#footnote-N" id="footnote-ref-N">`; the notes' texts
    are taken out first and written where they are referred to."""

    def __init__(self, root: _Node):
        self.notes: dict[str, str] = {}
        self.pending: list[str] = []  # notes referred to in the unit being written
        body = list(root.children)
        for node in root.children:
            if isinstance(node, _Node) and node.tag == "ol":
                items = _elements(node, "li")
                if items and all(re.fullmatch(r"(?:footnote|endnote)-\S+", item.attrs.get("id", "")) for item in items):
                    for item in items:
                        self.notes[item.attrs["id"]] = self._note_text(item)
                    body.remove(node)
            elif isinstance(node, _Node) and node.tag == "dl" and not node.children:
                body.remove(node)  # mammoth's (empty) list of comments
        self.body = body

    def _note_text(self, item: _Node) -> str:
        parts = []
        for block in _elements(item) or [item]:
            parts.append(self._inline(block.children if block.tag in ("p", "li") else [block], note_body=True))
        return " ".join(part for part in parts if part)

    # Blocks

    def blocks(self) -> list[str]:
        out: list[str] = []
        inline: list[_Node | str] = []
        for node in self.body:
            if isinstance(node, _Node) and node.tag in (
                "p",
                "h1",
                "h2",
                "h3",
                "h4",
                "h5",
                "h6",
                "ul",
                "ol",
                "table",
                "div",
                "blockquote",
            ):
                if inline:
                    out.append(self._unit(inline))
                    inline = []
                out.extend(self._block(node))
            else:
                inline.append(node)
        if inline:
            out.append(self._unit(inline))
        return [block for block in out if block]

    def _block(self, node: _Node) -> list[str]:
        if node.tag in ("div", "blockquote"):
            return self._with_body(node.children).blocks()
        if node.tag[0] == "h":
            text = self._unit(node.children, heading=True).replace("\n", " ")
            return [f"{'#' * int(node.tag[1])} {text}"] if text else []
        if node.tag in ("ul", "ol"):
            return ["\n".join(self._list(node, ""))]
        if node.tag == "table":
            return [self._table(node)]
        return [self._unit(node.children)]

    def _with_body(self, children) -> _Markdown:
        nested = object.__new__(_Markdown)
        nested.notes, nested.pending, nested.body = self.notes, self.pending, list(children)
        return nested

    def _unit(self, children, heading: bool = False) -> str:
        """One paragraph (heading, list item, cell): its text, then the notes it refers to."""
        text = _escape_line_starts(self._inline(children, heading=heading))
        notes = "".join(f" ({label})" for label in self.pending if label)
        self.pending.clear()
        return (text + notes).strip()

    def _list(self, node: _Node, indent: str) -> list[str]:
        lines: list[str] = []
        number = int(node.attrs["start"]) if node.tag == "ol" and node.attrs.get("start", "").isdigit() else 1
        emitted = False
        for item in _elements(node, "li"):
            nested = _elements(item, "ul", "ol")
            own = [child for child in item.children if child not in nested]
            word_number = _take_number(own, number)
            text = self._unit(own)
            if not emitted:  # Markdown counts on from the first item; Word's number of it is the start
                number = word_number
            if not text:  # an empty item, or one that only holds a deeper list (a list starting at level 2)
                for sub in nested:
                    lines.extend(self._list(sub, indent))
                continue
            marker = f"{number}. " if node.tag == "ol" else "- "
            number += 1
            emitted = True
            inner = indent + " " * len(marker)
            lines.append(indent + marker + text.replace("\n", "\n" + inner))
            for sub in nested:
                lines.extend(self._list(sub, inner))
        return lines

    def _table(self, node: _Node) -> str:
        """A Markdown table; the first row is its head, merged cells are repeated as empty ones."""
        rows: list[list[str]] = []
        spans: dict[int, int] = {}  # column -> rows still covered by a cell above
        for row in self._rows(node):
            cells: list[str] = []
            for cell in _elements(row, "td", "th"):
                while spans.get(len(cells)):
                    spans[len(cells)] -= 1
                    cells.append("")
                text = " ".join(self._cell(cell).split())
                colspan = int(cell.attrs.get("colspan", "1")) if cell.attrs.get("colspan", "1").isdigit() else 1
                rowspan = int(cell.attrs.get("rowspan", "1")) if cell.attrs.get("rowspan", "1").isdigit() else 1
                for offset in range(max(1, min(colspan, 64))):
                    if rowspan > 1:
                        spans[len(cells)] = rowspan - 1
                    cells.append(text if offset == 0 else "")
            while spans.get(len(cells)):
                spans[len(cells)] -= 1
                cells.append("")
            rows.append(cells)
        if not rows or not any(rows):
            return ""
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return "\n".join(lines)

    def _rows(self, node: _Node) -> list[_Node]:
        rows = []
        for child in _elements(node):
            if child.tag == "tr":
                rows.append(child)
            elif child.tag in ("thead", "tbody", "tfoot"):
                rows.extend(_elements(child, "tr"))
        return rows

    def _cell(self, cell: _Node) -> str:
        """A cell's paragraphs and lists as one line of text (a Markdown cell holds one line)."""
        parts = []
        for block in self._with_body(cell.children).blocks():
            parts.append(" ".join(line.strip() for line in block.splitlines()))
        return " ".join(parts)

    # Inline

    def _inline(self, children, heading: bool = False, note_body: bool = False) -> str:
        text = "".join(self._span(child, heading, note_body) for child in children)
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        return "\n".join(line for line in lines if line)

    def _span(self, node, heading: bool, note_body: bool) -> str:
        if isinstance(node, str):
            text = _ITEM_MARKS.sub("", _ITEM_NUMBER.sub("", node))  # a number outside a list item (a heading)
            return _escape(_CONTROL.sub("", text.replace("\n", " ")))
        inner = lambda: "".join(self._span(child, heading, note_body) for child in node.children)  # noqa: E731
        if node.tag == "br":
            return "\n"
        if node.tag == "img":
            return ""
        if node.tag == "sup" and self._note_reference(node):
            return ""
        if node.tag == "a":
            return self._link(node, inner(), note_body)
        if node.tag in ("strong", "b"):
            return inner() if heading else _wrap(inner(), "**")
        if node.tag in ("em", "i"):
            return _wrap(inner(), "*")
        if node.tag in ("p", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "td", "th"):
            return " " + inner() + " "  # a block inside a note or a cell: its words, apart from the next
        return inner()

    def _note_reference(self, sup: _Node) -> bool:
        """A `<sup>` holding mammoth's reference to a note: the note's text is kept for the end of
        the unit (a link an author made to a bookmark has no `id`, so it is not mistaken for one)."""
        links = _elements(sup, "a")
        if len(links) != 1:
            return False
        href, ident = links[0].attrs.get("href", ""), links[0].attrs.get("id", "")
        match = re.fullmatch(r"#((footnote|endnote)-\S+)", href)
        if not match or ident != f"{match.group(2)}-ref-{href[len(match.group(2)) + 2 :]}":
            return False
        text = self.notes.get(match.group(1), "")
        self.pending.append(f"{NOTE_LABELS[match.group(2)]}: {text}" if text else "")
        return True

    def _link(self, node: _Node, text: str, note_body: bool) -> str:
        href = node.attrs.get("href", "")
        if note_body and re.fullmatch(r"#(?:footnote|endnote)-ref-\S+", href):
            return ""  # mammoth's way back from a note to its reference
        target = _link_target(href) if href else None
        if target is None or not text.strip():
            return text
        lead, core, trail = _edges(text)
        return f"{lead}[{core}]({target}){trail}"
