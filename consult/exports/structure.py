"""A paragraph of a draft as a small typed tree: the one structure every document writer formats.

The draft's Markdown is parsed once, by the parser the pages use (consult.core.markdown: raw HTML
off, tables on, only the rules a draft uses, links other than http(s), mailto and relative ones
dropped by its link check), and turned into blocks (Heading, Paragraph, List, Table, Quote, Code,
Rule) holding inlines (Text with its emphasis and link, LineBreak). A writer walks this tree and
never looks at Markdown: no `#`, `**`, `|` or `- ` can reach its output as text. Text the parser
does not read as structure (an escaped `\\*`, a link it refused) is text here, as on the page.

The Word writer (consult.exports.docx) uses it; the change document and the print page can too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from markdown_it.token import Token

from consult.core.markdown import _BLOCK_RULES, _make_parser


@dataclass(frozen=True)
class Text:
    """A piece of text with one look: bold, italic, code, struck out, and the link it belongs to."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str | None = None


@dataclass(frozen=True)
class LineBreak:
    """A line break inside a block (the draft's single newline breaks the line, as on the page)."""


Inline = Union[Text, LineBreak]
Inlines = tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    level: int  # the draft's own level: 1 for `#`; a writer places it under the document's title
    inlines: Inlines


@dataclass(frozen=True)
class Paragraph:
    inlines: Inlines


@dataclass(frozen=True)
class List:
    ordered: bool
    start: int  # the first item's number (1 for a bullet list)
    items: tuple[tuple["Block", ...], ...]  # each item: its blocks, nested lists included


@dataclass(frozen=True)
class Table:
    header: tuple[Inlines, ...]
    rows: tuple[tuple[Inlines, ...], ...]  # each as wide as the header
    alignments: tuple[str | None, ...]  # per column: "left", "center", "right" or None


@dataclass(frozen=True)
class Quote:
    blocks: tuple["Block", ...]


@dataclass(frozen=True)
class Code:
    text: str
    language: str = ""


@dataclass(frozen=True)
class Rule:
    """A thematic break (`---`)."""


Block = Union[Heading, Paragraph, List, Table, Quote, Code, Rule]

_parser = _make_parser(_BLOCK_RULES)


def parse(markdown: str) -> tuple[Block, ...]:
    """The blocks of one paragraph of a draft (usually one; a list or a table is one block)."""
    blocks, _ = _blocks(_parser.parse(markdown), 0, None)
    return tuple(blocks)


def plain(inlines: Inlines) -> str:
    """The words of `inlines`, a line break read as a space."""
    return "".join(i.text if isinstance(i, Text) else " " for i in inlines)


def _blocks(tokens: list[Token], at: int, closing: str | None) -> tuple[list[Block], int]:
    """The blocks from tokens[at] up to the token of type `closing` (or the end); and the index after it."""
    blocks: list[Block] = []
    while at < len(tokens):
        token = tokens[at]
        if token.type == closing:
            return blocks, at + 1
        if token.type == "heading_open":
            blocks.append(Heading(int(token.tag[1:]), _inlines(tokens[at + 1])))
            at += 3
        elif token.type == "paragraph_open":
            blocks.append(Paragraph(_inlines(tokens[at + 1])))
            at += 3
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            block, at = _list(tokens, at)
            blocks.append(block)
        elif token.type == "table_open":
            table, at = _table(tokens, at)
            blocks.append(table)
        elif token.type == "blockquote_open":
            inner, at = _blocks(tokens, at + 1, "blockquote_close")
            blocks.append(Quote(tuple(inner)))
        elif token.type in ("fence", "code_block"):
            blocks.append(Code(token.content.rstrip("\n"), (token.info or "").strip()))
            at += 1
        elif token.type == "hr":
            blocks.append(Rule())
            at += 1
        elif token.type == "inline":  # text straight in a tight list item (not wrapped in a paragraph)
            blocks.append(Paragraph(_inlines(token)))
            at += 1
        else:
            at += 1
    return blocks, at


def _list(tokens: list[Token], at: int) -> tuple[List, int]:
    opener = tokens[at]
    ordered = opener.type == "ordered_list_open"
    closing = "ordered_list_close" if ordered else "bullet_list_close"
    start = int(opener.attrGet("start") or 1) if ordered else 1
    items: list[tuple[Block, ...]] = []
    at += 1
    while tokens[at].type != closing:
        if tokens[at].type == "list_item_open":
            inner, at = _blocks(tokens, at + 1, "list_item_close")
            items.append(tuple(inner))
        else:
            at += 1
    return List(ordered, start, tuple(items)), at + 1


_ALIGN = {"text-align:left": "left", "text-align:center": "center", "text-align:right": "right"}


def _table(tokens: list[Token], at: int) -> tuple[Table, int]:
    header: list[Inlines] = []
    rows: list[list[Inlines]] = []
    alignments: list[str | None] = []
    in_head = False
    while tokens[at].type != "table_close":
        token = tokens[at]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open" and not in_head:
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            cell = _inlines(tokens[at + 1])
            if in_head:
                header.append(cell)
                alignments.append(_ALIGN.get(str(token.attrGet("style") or "").replace(" ", "")))
            else:
                rows[-1].append(cell)
        at += 1
    width = len(header)
    table_rows = tuple(tuple(row[:width]) + ((),) * (width - len(row)) for row in rows)
    return Table(tuple(header), table_rows, tuple(alignments)), at + 1


def _inlines(token: Token) -> Inlines:
    """The children of an inline token as Text and LineBreak, neighbours with the same look joined."""
    out: list[Inline] = []
    bold = italic = strike = 0
    links: list[str | None] = []
    for child in token.children or []:
        kind = child.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "s_open":
            strike += 1
        elif kind == "s_close":
            strike -= 1
        elif kind == "link_open":
            links.append(str(child.attrGet("href") or "") or None)
        elif kind == "link_close":
            if links:
                links.pop()
        elif kind in ("softbreak", "hardbreak"):
            out.append(LineBreak())
        elif kind in ("text", "code_inline", "html_inline") and child.content:
            piece = Text(
                child.content,
                bold=bold > 0,
                italic=italic > 0,
                code=kind == "code_inline",
                strike=strike > 0,
                href=links[-1] if links else None,
            )
            previous = out[-1] if out else None
            if isinstance(previous, Text) and (
                previous.bold,
                previous.italic,
                previous.code,
                previous.strike,
                previous.href,
            ) == (piece.bold, piece.italic, piece.code, piece.strike, piece.href):
                out[-1] = Text(
                    previous.text + piece.text, piece.bold, piece.italic, piece.code, piece.strike, piece.href
                )
            else:
                out.append(piece)
    return tuple(out)
