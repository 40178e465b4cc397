"""The one Markdown renderer of the app, and the splitter that cuts a document into paragraphs.

Every piece of user Markdown goes through `render_block()`: markdown-it-py's
`js-default` preset (raw HTML escaped), only the rules we use switched on, links
other than http(s), mailto and relative ones dropped, links out of the site marked
`rel="nofollow noopener ugc"`, and a length cap. Drafts
store the HTML once when a version is saved, never per view.

Line numbers: the text of a block is wrapped at `LINE_WIDTH` characters when it
is rendered; each line starts with an empty `<span class="ln">`, and the line
breaks are real `<br>`s, so that "§ 4, lines 12–14" means the same lines on every
screen wide enough. The stored HTML carries no numbers (a paragraph's first line
moves when an earlier paragraph changes): `number_lines()` writes them into the
markers as `data-line` when a page shows the block, and the stylesheet shows that
attribute. (Not a `style="counter-reset: …"`: the Content-Security-Policy allows
no style attributes.) On a phone the 80-character lines would break again into short
pieces, so there the stylesheet hides the wrapping `<br>`s (not the writer's own,
`class="br-hard"`) and shows each number as a small mark where its line begins.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

LINE_WIDTH = 80
HEADING_WIDTH = 50  # headings are set larger, so their lines are shorter
LINE_MARKER = '<span class="ln" aria-hidden="true"></span>'
_MARKER_PATTERN = re.compile(re.escape(LINE_MARKER))
_NUMBERED_MARKER = '<span class="ln" aria-hidden="true" data-line="{}"></span>'
DEFAULT_MAX_LENGTH = 20_000
LINK_REL = "nofollow noopener ugc"

# Block rules a draft uses; everything else (raw HTML blocks, reference
# definitions, indented code, setext headings) stays off. Horizontal rules are
# parsed so that a `---` divider is not mistaken for text, and skipped when splitting.
_BLOCK_RULES = ["table", "blockquote", "hr", "heading", "list", "paragraph", "fence"]
_INLINE_RULES = ["text", "newline", "escape", "backticks", "emphasis", "link", "autolink"]
_SAFE_SCHEMES = {"http", "https", "mailto"}

# Top-level block tokens that each become one paragraph of a draft.
_BLOCK_OPENERS = {
    "heading_open",
    "paragraph_open",
    "bullet_list_open",
    "ordered_list_open",
    "blockquote_open",
    "table_open",
    "fence",
}


class MarkdownError(ValueError):
    """Markdown that cannot be stored (too long, empty)."""


def _validate_link(url: str) -> bool:
    """Allow http(s), mailto, and links within the site; drop javascript:, data:, file: and the rest."""
    url = url.strip()
    # Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)
    scheme = urlsplit(cleaned).scheme.lower()
    if not scheme:
        return not cleaned.startswith("//")
    return scheme in _SAFE_SCHEMES


class _Parser(MarkdownIt):
    """markdown-it-py with our test of link targets (`_validate_link`) in place of its own."""

    def validateLink(self, url: str) -> bool:
        return _validate_link(url)


def _make_parser(block_rules: list[str]) -> MarkdownIt:
    """markdown-it-py's `js-default` (raw HTML escaped) with only `block_rules` and our inline rules on."""
    md = _Parser("js-default", {"html": False, "linkify": False, "typographer": False, "breaks": True})
    for chain in ("block", "inline", "inline2"):
        md.disable(md.get_all_rules()[chain], ignoreInvalid=True)
    md.enable(block_rules)
    md.enable(_INLINE_RULES)
    md.enable(["balance_pairs", "fragments_join", "emphasis"])
    md.add_render_rule("link_open", _link_open)
    return md


def _link_open(self, tokens: list[Token], idx: int, options, env) -> str:
    """A link that leaves the site says it is the writer's, not ours (`ugc`), earns no ranking
    (`nofollow`) and gives the page it opens no handle on ours (`noopener`)."""
    token = tokens[idx]
    href = token.attrGet("href")
    href = href.strip() if isinstance(href, str) else ""  # the parser sets href as text
    if urlsplit(href).scheme or href.startswith("//"):
        token.attrSet("rel", LINK_REL)
    return self.renderToken(tokens, idx, options, env)


def _hardbreak(self, tokens: list[Token], idx: int, options, env) -> str:
    """A break the writer made (two spaces or a backslash at the end of a line) is marked, so that
    phones, which let the 80-character lines flow together, keep it (static/css/consult.css)."""
    return '<br class="br-hard">\n'


_parser = _make_parser(_BLOCK_RULES)
_parser.add_render_rule("hardbreak", _hardbreak)
# Comments: paragraphs and lists only (no headings, tables, quotes or code blocks).
_comment_parser = _make_parser(["list", "paragraph"])


def number_lines(html: str, first_line: int) -> Markup:
    """`html` of a rendered block with its line markers numbered from `first_line` on."""
    numbers = itertools.count(first_line)
    return Markup(_MARKER_PATTERN.sub(lambda _: _NUMBERED_MARKER.format(next(numbers)), html))


@dataclass(frozen=True)
class Rendered:
    html: str
    line_count: int


def _marker() -> Token:
    token = Token("html_inline", "", 0)
    token.content = LINE_MARKER
    return token


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _break() -> Token:
    return Token("softbreak", "br", 0)


def _wrap_inline(children: list[Token], width: int) -> tuple[list[Token], int]:
    """Re-break an inline run at `width` visible characters; a marker opens each line."""
    out: list[Token] = [_marker()]
    lines = 1
    column = 0

    def new_line() -> None:
        nonlocal column, lines
        out.append(_break())
        out.append(_marker())
        lines += 1
        column = 0

    for token in children:
        if token.type in ("softbreak",):
            token = _text(" ")
        if token.type == "hardbreak":
            out.append(token)
            out.append(_marker())
            lines += 1
            column = 0
            continue
        if token.type == "text":
            pending = ""
            for piece in re.split(r"( +)", token.content):
                if not piece:
                    continue
                if piece.isspace():
                    if column > 0:
                        pending += " "
                        column += 1
                    continue
                if column > 0 and column + len(piece) > width:
                    pending = pending.rstrip(" ")
                    if pending:
                        out.append(_text(pending))
                    pending = ""
                    new_line()
                pending += piece
                column += len(piece)
            if pending:
                out.append(_text(pending))
            continue
        if token.type == "code_inline":
            if column > 0 and column + len(token.content) > width:
                _strip_trailing_space(out)
                new_line()
            column += len(token.content)
        out.append(token)
    return out, lines


def _strip_trailing_space(out: list[Token]) -> None:
    if out and out[-1].type == "text":
        out[-1].content = out[-1].content.rstrip(" ")


def render_block(source: str, *, max_length: int = DEFAULT_MAX_LENGTH, width: int = LINE_WIDTH) -> Rendered:
    """Render Markdown to safe HTML with line markers; raise MarkdownError if empty or too long."""
    if len(source) > max_length:
        raise MarkdownError(f"text too long ({len(source)} characters, at most {max_length})")
    if not source.strip():
        raise MarkdownError("empty text")
    tokens = _parser.parse(source)
    lines = 0
    first_cell = False
    previous = None
    for token in tokens:
        in_cell = previous is not None and previous.type in ("th_open", "td_open")
        in_heading = previous is not None and previous.type == "heading_open"
        previous = token
        if token.type in ("heading_open", "heading_close"):
            # The page title is the only h1; a draft's own headings start at h2.
            token.tag = f"h{min(6, int(token.tag[1]) + 1)}"
        if token.type == "tr_open":
            first_cell = True
        elif token.type == "inline" and in_cell:
            # A table row is one line: its number goes on the first cell only.
            if first_cell:
                token.children = [_marker(), *(token.children or [])]
                lines += 1
            first_cell = False
        elif token.type == "inline":
            limit = min(width, HEADING_WIDTH) if in_heading else width
            token.children, count = _wrap_inline(token.children or [], limit)
            lines += count
        elif token.type in ("fence", "code_block"):
            lines += max(1, token.content.count("\n"))
    html = _parser.renderer.render(tokens, _parser.options, {})
    return Rendered(html=html, line_count=lines)


def render_comment(source: str, *, max_length: int = 5_000) -> str:
    """Render a comment: emphasis, links, lists and line breaks only; no headings, images or HTML."""
    if len(source) > max_length:
        raise MarkdownError(f"text too long ({len(source)} characters, at most {max_length})")
    if not source.strip():
        raise MarkdownError("empty text")
    return _comment_parser.render(source)


def plain_text(source: str) -> str:
    """The words of a block as the page reads them: no Markdown marks, link text without URL,
    one space between words, lines and blocks. Quoted passages and their offsets (in the
    browser too) are measured in this text."""
    parts: list[str] = []
    for token in _parser.parse(source):
        if token.type != "inline":
            continue
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def split_blocks(document: str) -> list[str]:
    """Cut a Markdown document into its top-level blocks, each returned as its own source text.

    Headings, paragraphs, lists, block quotes, tables and fenced code become one
    block each; the text of each block is kept exactly as written.
    """
    lines = document.splitlines()
    blocks: list[str] = []
    for token in _parser.parse(document):
        if token.level == 0 and token.type in _BLOCK_OPENERS and token.map:
            start, end = token.map
            text = "\n".join(lines[start:end]).strip("\n")
            if text.strip():
                blocks.append(text)
    return blocks
