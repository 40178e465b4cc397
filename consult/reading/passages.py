"""The quoted passages to highlight on the draft page, as places in the paragraph's text.

A comment on a passage stores the words and up to 32 characters before and after them
(consult.comments.services.locate_quote), measured in the paragraph's plain text, which is the text the page
shows (consult.core.markdown.plain_text). The page needs only where each passage stands, so it gets
`[comment id, start, end]` per passage (offsets in that text, as static/js/consult.js counts them), found here
the way the browser found them before: the words with their context first, else the words alone. A paragraph
quoted 100 times then costs about 1.5 KB instead of 15 KB of repeated words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Mapping

from consult.core.markdown import plain_text

_SPACES = re.compile(r"\s+")
# White space other than single spaces: rarely there (stored texts are squashed).
_ODD_SPACE = re.compile(r"[^\S ]| {2}")


def _squash(text: str) -> str:
    """Runs of white space as one space, as the browser counts the text."""
    return _SPACES.sub(" ", text) if _ODD_SPACE.search(text) else text


@lru_cache(maxsize=4096)
def _plain(markdown: str) -> str:
    """A paragraph's plain text, kept per process: a version's texts never change, and parsing them is most of
    the cost here."""
    return plain_text(markdown)


def place(text: str, quote: Mapping) -> tuple[int, int] | None:
    """(start, end) of `quote` ({exact, prefix, suffix}) in the paragraph's plain `text`, or None."""
    return _place(text, quote["exact"], quote["prefix"], quote["suffix"])


@lru_cache(maxsize=16384)
def _place(text: str, exact: str, prefix: str, suffix: str) -> tuple[int, int] | None:
    """`place`, kept per process: a version's text and a comment's passage never change, and the draft page
    places every passage of its paragraphs on each view."""
    whole = prefix + exact + suffix
    if _ODD_SPACE.search(whole) or exact != exact.strip():
        # Stored passages are squashed already (locate_quote); others as the browser would squash them.
        exact, prefix, whole = _squash(exact).strip(), _squash(prefix), _squash(whole)
    if not exact:
        return None
    at = text.find(whole)
    start = at + len(prefix) if at >= 0 else text.find(exact)
    return None if start < 0 else (start, start + len(exact))


def marks(texts: Iterable, quotes: Mapping[int, list[dict]]) -> dict[int, list[list[int]]]:
    """Per paragraph id of `texts` (rows with .paragraph_id and .text, the Markdown): its passages as
    `[comment id, start, end]`, for the quotes of `quotes` (consult.comments.queries.visible_quotes)."""
    found: dict[int, list[list[int]]] = {}
    for row in texts:
        wanted = quotes.get(row.paragraph_id)
        if not wanted:
            continue
        text = _plain(row.text)
        places = ((quote["id"], place(text, quote)) for quote in wanted)
        found[row.paragraph_id] = [[comment_id, *at] for comment_id, at in places if at is not None]
    return found
