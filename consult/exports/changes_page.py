"""The change document as HTML and PDF: changes in `<ins>`/`<del>` with `datetime`, the author in `title`
and a visible label ("[Antrag 12, NAVE]") after each change; the legend lists every author.

The page is templates/exports/changes.html with print.css and static/css/changes.css; the PDF is
written by consult.exports.pdf.write_pdf as the position's PDF: tagged PDF/UA-1, fetching nothing.
"""

from __future__ import annotations

from dataclasses import replace

from flask import render_template
from markupsafe import Markup, escape

from consult.core.markdown import LINK_REL
from consult.exports.changes import (
    Author,
    Piece,
    TrackedParagraph,
    authors,
    cells,
    legend,
    lines,
    number_label,
    runs,
    shown_date,
    subtitle,
    timestamp,
    tracked_paragraphs,
)
from consult.exports.document import Document
from consult.exports.layout import CELL
from consult.exports.page import document_language, document_locale, file_policy, static_css, stylesheet, title_lines


def _marked(piece: Piece, text: Markup) -> Markup:
    """`text` in <del> and/or <ins>, with the change's time and author."""
    if piece.deleted is not None:
        text = Markup('<del datetime="{}" title="{}">{}</del>').format(
            timestamp(piece.deleted.moment), piece.deleted.name, text
        )
    if piece.inserted is not None:
        text = Markup('<ins datetime="{}" title="{}">{}</ins>').format(
            timestamp(piece.inserted.moment), piece.inserted.name, text
        )
    return text


def _split_spaces(pieces: list[Piece]) -> list[Piece]:
    """Runs with the trailing space of a changed run apart, so that its label can stand before the space."""
    split: list[Piece] = []
    for piece in runs(pieces):
        word = piece.text.rstrip()
        if (piece.inserted or piece.deleted or piece.reformatted_by) and word and word != piece.text:
            split += [replace(piece, text=word), replace(piece, text=piece.text[len(word) :])]
        else:
            split.append(piece)
    return split


def _html_runs(pieces: list[Piece]) -> Markup:
    """Pieces as HTML: formatting as <strong>/<em>/<s>/<code>/<a>, changes in <ins>/<del> with the author in
    `title`, and after each change (before the space that follows it) its visible label."""
    out: list[Markup] = []
    spaces: list[Markup] = []  # whitespace waiting: a label may come before it
    label: Author | None = None
    for piece in _split_spaces(pieces):
        text = escape(piece.text.replace(CELL, " "))
        fmt = piece.format
        for on, tag in ((fmt.code, "code"), (fmt.strike, "s"), (fmt.italic, "em"), (fmt.bold, "strong")):
            if on:
                text = Markup(f"<{tag}>{text}</{tag}>")
        if fmt.href:
            text = Markup('<a href="{}" rel="{}">{}</a>').format(fmt.href, LINK_REL, text)
        if piece.reformatted_by is not None:  # only the formatting changed: no <ins>/<del>, a label
            text = Markup('<span class="format-change" title="{}">{}</span>').format(piece.reformatted_by.name, text)
        if not piece.text.strip():
            spaces.append(_marked(piece, text))
            continue
        author = piece.inserted or piece.deleted or piece.reformatted_by
        if label is not None and author != label:
            out.append(Markup('<sup class="change-label">{}</sup>').format(label.label))
            label = None
        out += spaces + [_marked(piece, text)]
        spaces = []
        label = author or label
    if label is not None:
        out.append(Markup('<sup class="change-label">{}</sup>').format(label.label))
    return Markup("").join(out + spaces)


def html_body(paragraph: TrackedParagraph) -> Markup:
    """The paragraph's lines as HTML blocks: headings, paragraphs, nested lists, tables, quotes, code."""
    out: list[str] = []
    open_lists: list[str] = []
    table = False
    for line in lines(paragraph):
        block = line.block
        if block.kind != "row" and table:
            out.append("</tbody></table>")
            table = False
        depth = block.level if block.kind in ("bullet", "ordered") else 0
        while len(open_lists) > depth or (
            open_lists
            and depth
            and len(open_lists) == depth
            and open_lists[-1] != ("ul" if block.kind == "bullet" else "ol")
        ):
            out.append(f"</li></{open_lists.pop()}>")
        if depth:
            tag = "ul" if block.kind == "bullet" else "ol"
            if len(open_lists) == depth:
                out.append("</li><li>")
            while len(open_lists) < depth:
                start = f' start="{block.number}"' if tag == "ol" and block.number and block.number != 1 else ""
                out.append(f"<{tag}{start}><li>")
                open_lists.append(tag)
            out.append(str(_html_runs(line.pieces)))
            continue
        if block.kind == "row":
            if not table:
                out.append('<table class="changed-table"><tbody>')
                table = True
            cell = "th" if block.header else "td"
            out.append("<tr>" + "".join(f"<{cell}>{_html_runs(c)}</{cell}>" for c in cells(line)) + "</tr>")
        elif block.kind == "heading":
            level = min(block.level + 1, 6)
            out.append(f"<h{level}>{_html_runs(line.pieces)}</h{level}>")
        elif block.kind == "quote":
            out.append(f"<blockquote><p>{_html_runs(line.pieces)}</p></blockquote>")
        elif block.kind == "code":
            out.append(f"<pre>{_html_runs(line.pieces)}</pre>")
        else:
            out.append(f"<p>{_html_runs(line.pieces)}</p>")
    while open_lists:
        out.append(f"</li></{open_lists.pop()}>")
    if table:
        out.append("</tbody></table>")
    return Markup("".join(out))


def html_number(paragraph: TrackedParagraph) -> Markup:
    label = number_label(paragraph)
    if paragraph.deleted is not None:
        return Markup('<del datetime="{}" title="{}">{}</del>').format(
            timestamp(paragraph.deleted.moment), paragraph.deleted.name, label
        )
    if paragraph.inserted is not None:
        return Markup('<ins datetime="{}" title="{}">{}</ins>').format(
            timestamp(paragraph.inserted.moment), paragraph.inserted.name, label
        )
    return Markup("{}").format(label)


def change_stylesheet() -> str:
    """print.css and the few rules of the change document (static/css/changes.css)."""
    extra = static_css("changes.css")
    return stylesheet() + "\n" + extra


def render_change_page(document: Document, inline_css: str | None = None) -> str:
    """The change document as a print page: the PDF's source, and with `inline_css` the HTML export."""
    with document_locale():
        paragraphs = tracked_paragraphs(document)
        return render_template(
            "exports/changes.html",
            document=document,
            lang=document_language(),
            title=title_lines(document),
            subtitle=subtitle(document),
            legend=legend(),
            authors=[(a, shown_date(a.moment)) for a in authors(paragraphs)],
            paragraphs=[(p, html_number(p), html_body(p)) for p in paragraphs],
            stamp=timestamp,
            inline_css=inline_css,
            file_policy=file_policy(inline_css) if inline_css else None,
        )


def render_change_html(document: Document) -> bytes:
    """The change document as a standalone HTML file (its stylesheet inside it)."""
    return render_change_page(document, inline_css=change_stylesheet()).encode("utf-8")


def render_change_pdf(document: Document) -> bytes:
    """The change document as a tagged PDF/UA-1, written like the position's PDF (fetching nothing)."""
    from consult.exports.pdf import write_pdf  # WeasyPrint is loaded only for a PDF

    return write_pdf(render_change_page(document), change_stylesheet())
