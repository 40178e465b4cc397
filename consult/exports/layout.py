"""Where each character of a paragraph's Markdown ends up on the page: shown (as what, in which block,
with which emphasis) or hidden (a Markdown marker such as `**`, `#`, `- ` or `|`).

The change document marks changes on the draft's source tokens (consult/amendments/diff.py) but must
show them as formatted text, never as Markdown. `layout(source)` parses the source once with
markdown-it and aligns every inline text back to the source characters it came from, so that a
token of the source can be shown as the words and the formatting the reader sees.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

_markdown = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False, "breaks": True})
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


@dataclass(frozen=True)
class Block:
    """One line of the page: a heading, a text paragraph, a list item, a table row, a quote or code.

    `key` tells blocks of one parse apart; `number` is an ordered list item's number (shown by the
    list's numbering, not as text), `header` marks a table's header row."""

    key: int
    kind: str  # heading / paragraph / bullet / ordered / row / quote / code
    level: int = 1  # heading level, or list depth
    number: int | None = None
    header: bool = False


@dataclass(frozen=True)
class Format:
    bold: bool = False
    italic: bool = False
    strike: bool = False
    code: bool = False
    href: str | None = None  # a link's target (http, https and mailto only; other links keep their text)


def _outside_link(href: str | None) -> str | None:
    """`href` when it leads out to the web or to a mail address, else None: a document opened anywhere
    has no site for a relative link, and other schemes are not for readers to follow."""
    if not href:
        return None
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", href)
    return href.strip() if urlsplit(cleaned).scheme.lower() in ("http", "https", "mailto") else None


PLAIN = Format()
BREAK = "\n"  # a `Shown.text` that ends a block: the next characters begin a new line of the page
CELL = "\t"  # a `Shown.text` between two cells of a table row


@dataclass(frozen=True)
class Shown:
    """What one source character shows: `text` ("" when it is a marker), its block and formatting.

    A newline between two blocks shows as BREAK; the pipe between two table cells as CELL."""

    text: str
    block: Block | None = None
    format: Format = PLAIN


_HIDDEN = Shown("")


class _Aligner:
    def __init__(self, source: str) -> None:
        # As markdown-it reads it: a NUL is U+FFFD there (one character for one, so places stay).
        self.source = source.replace("\x00", "\ufffd")
        self.nul = source
        self.shown: list[Shown] = [_HIDDEN] * len(source)
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        start = self.line_starts[first] if first < len(self.line_starts) else len(self.source)
        end = self.line_starts[last] - 1 if last < len(self.line_starts) else len(self.source)
        return start, end

    def locate(self, content: str, start: int, end: int) -> list[int]:
        """The source index of each character of an inline's `content`, found line by line in
        source[start:end] (the content lines are the source lines without their block markers)."""
        places: list[int] = []
        cursor = start
        for number, line in enumerate(content.split("\n")):
            if number:
                newline = self.source.find("\n", cursor, end)
                if newline < 0:
                    break
                places.append(newline)
                cursor = newline + 1
            found = self.source.find(line, cursor, end) if line else cursor
            if found < 0:  # not where it should be: character by character
                for char in line:
                    found = self.source.find(char, cursor, end)
                    if found >= 0:
                        places.append(found)
                        cursor = found + 1
                continue
            places.extend(range(found, found + len(line)))
            cursor = found + len(line)
        return places

    def show(self, index: int, shown: Shown) -> None:
        if 0 <= index < len(self.shown) and self.nul[index] != "\x00":  # a NUL shows as nothing
            self.shown[index] = shown


def _skip_destination(content: str, p: int) -> int:
    """After a link's text: past `](destination "title")`, or past `]`."""
    if not content.startswith("](", p):
        return p + 1 if p < len(content) and content[p] == "]" else p
    depth, q = 0, p + 1
    while q < len(content):
        char = content[q]
        if char == "\\":
            q += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return q + 1
        q += 1
    return q


def _inline(aligner: _Aligner, token, block: Block, places: list[int]) -> None:
    """Show the characters of one inline token's text in its block, with emphasis as formatting."""
    content = token.content[: len(places)]
    fmt = {"bold": 0, "italic": 0, "strike": 0}
    links: list[str | None] = []
    p = 0

    def show(position: int, text: str, code: bool = False) -> None:
        if position < len(places):
            aligner.show(
                places[position],
                Shown(
                    text,
                    block,
                    Format(
                        bold=fmt["bold"] > 0,
                        italic=fmt["italic"] > 0,
                        strike=fmt["strike"] > 0,
                        code=code,
                        href=links[-1] if links else None,
                    ),
                ),
            )

    def text(chars: str, code: bool = False) -> None:
        nonlocal p
        i = 0
        while i < len(chars) and p < len(content):
            char = chars[i]
            if content[p] == char:
                show(p, char, code)
                p += 1
            elif content[p] == "\\" and content[p + 1 : p + 2] == char:
                show(p + 1, char, code)
                p += 2
            elif (
                content[p] == "&"
                and (entity := _ENTITY.match(content, p))
                and chars.startswith(html.unescape(entity.group()), i)
            ):
                decoded = html.unescape(entity.group())
                show(p, decoded, code)
                p = entity.end()
                i += len(decoded)
                continue
            elif content[p] == "\n" and char == " ":  # a line break inside code
                show(p, " ", code)
                p += 1
            else:
                found = content.find(char, p)
                if found < 0:
                    i += 1
                    continue
                p = found
                continue
            i += 1

    for child in token.children or []:
        kind = child.type
        if kind == "text":
            text(child.content)
        elif kind == "code_inline":
            if content.startswith(child.markup, p):
                p += len(child.markup)
            text(child.content, code=True)
            closing = content.find(child.markup, p)
            p = closing + len(child.markup) if closing >= 0 else p
        elif kind in ("softbreak", "hardbreak"):
            newline = content.find("\n", p)
            if newline >= 0:
                show(newline, " ")
                p = newline + 1
        elif kind in ("strong_open", "em_open", "s_open", "strong_close", "em_close", "s_close"):
            name = {"strong": "bold", "em": "italic", "s": "strike"}[kind.split("_")[0]]
            fmt[name] += 1 if kind.endswith("open") else -1
            if content.startswith(child.markup, p):
                p += len(child.markup)
        elif kind == "link_open":
            p += 1  # "[" or, for an autolink, "<"
            links.append(_outside_link(child.attrGet("href")))
        elif kind == "link_close":
            if links:
                links.pop()
            if child.markup == "autolink":
                p += 1
            else:
                p = _skip_destination(content, p)
        elif kind == "image":
            text(child.content)


def layout(source: str) -> list[Shown]:
    """What each character of `source` (one paragraph of a draft, Markdown) shows."""
    aligner = _Aligner(source)
    keys = iter(range(1, 1 << 30))
    lists: list[tuple[str, int]] = []  # (bullet/ordered, next number) of the open lists
    item_number: int | None = None
    quote = 0
    table_header = False
    row_cells = 0
    row_end = 0
    block: Block | None = None
    for token in _markdown.parse(aligner.source):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append((kind.split("_")[0], int(token.attrGet("start") or 1)))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open" and lists:
            sort, number = lists[-1]
            item_number = number if sort == "ordered" else None
            if sort == "ordered":
                lists[-1] = (sort, number + 1)
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "thead_open":
            table_header = True
        elif kind == "tbody_open":
            table_header = False
        elif kind == "tr_open":
            block = Block(next(keys), "row", header=table_header)
            row_cells = 0
            row_end = aligner.line_span(token.map[0], token.map[0] + 1)[0] if token.map else 0
        elif kind == "heading_open":
            block = Block(next(keys), "heading", int(token.tag[1:]))
        elif kind == "paragraph_open":
            if lists:
                block = Block(next(keys), lists[-1][0], len(lists), item_number)
                item_number = None
            else:
                block = Block(next(keys), "quote" if quote else "paragraph")
        elif kind in ("fence", "code_block") and token.map:
            block = Block(next(keys), "code")
            start, end = aligner.line_span(token.map[0] + 1, token.map[1] - 1)
            places = aligner.locate(token.content.rstrip("\n"), start, max(start, end))
            for place in places:
                aligner.show(place, Shown(" " if source[place] == "\n" else source[place], block, Format(code=True)))
        elif kind == "inline" and token.map and block is not None:
            start, end = aligner.line_span(token.map[0], token.map[1])
            if block.kind == "row":
                if row_cells:  # the pipe before this cell shows as the step to the next cell
                    pipe = source.find("|", row_end, end)
                    if pipe >= 0:
                        aligner.show(pipe, Shown(CELL, block))
                        row_end = pipe + 1
                start = max(start, row_end)
                row_cells += 1
            places = aligner.locate(token.content, start, end)
            _inline(aligner, token, block, places)
            if places and block.kind == "row":
                row_end = places[-1] + 1
    # A newline that no inline shows ends a block: the next shown character opens a new line.
    shown = aligner.shown
    for index, char in enumerate(source):
        if char == "\n" and not shown[index].text:
            shown[index] = Shown(BREAK)
    return shown
