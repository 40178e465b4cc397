"""Long drafts are sent by § ranges, so that the first view carries only what it shows.

A draft of more than `DRAFT_RANGE_PARAGRAPHS` paragraphs is cut into ranges of that many paragraphs, counted
from the first: § 1–100, § 101–200, ... The draft page shows one range (the first, or the one holding
`?from=N`, or the one holding the open thread `?open=PARAGRAPH`), with a link to the range before it and a link
"Continue from § N" after it. That link is a plain link to the page of the next range (it works without
JavaScript); with htmx it loads the next range's paragraphs in place when it scrolls into view
(`hx-trigger="revealed"`). Ranges start at fixed places, so each one is one page-cache entry, whatever § the
reader asked for; a link to § N goes through `paragraph_url`, which names the range that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from flask import current_app, url_for


def size() -> int:
    """Paragraphs per range (the setting; at least one)."""
    return max(1, int(current_app.config.get("DRAFT_RANGE_PARAGRAPHS", 100)))


@dataclass(frozen=True)
class Range:
    """Paragraphs `texts[start:stop]` of `total`, and the positions (§) of the ranges around them."""

    start: int
    stop: int
    total: int
    earlier_from: int | None  # § where the range before this one begins
    earlier_to: int | None  # § where it ends
    later_from: int | None  # § where the range after this one begins

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.stop == self.total

    @property
    def key(self) -> int:
        """What tells this range apart in the page cache: its first index."""
        return self.start


def choose(texts: Sequence, from_position: int | None = None, open_id: int | None = None) -> Range:
    """The range of `texts` (rows with `.position` and `.paragraph_id`, in order) to show: the one holding the
    paragraph `open_id`, else the first paragraph at or after § `from_position`, else the first."""
    total, per = len(texts), size()
    index = 0
    if open_id is not None:
        index = next((i for i, t in enumerate(texts) if t.paragraph_id == open_id), 0)
    elif from_position is not None:
        index = next((i for i, t in enumerate(texts) if t.position >= from_position), max(total - 1, 0))
    start = index // per * per
    stop = min(start + per, total)
    earlier = start - per if start else None
    return Range(
        start,
        stop,
        total,
        texts[earlier].position if earlier is not None else None,
        texts[start - 1].position if earlier is not None else None,
        texts[stop].position if stop < total else None,
    )


MAX_CACHED_RANGES = 1000  # ranges of one draft kept by the page cache at most (100,000 paragraphs by default)


def start_of(position: int) -> int:
    """The § where the range holding § `position` begins."""
    return (max(position, 1) - 1) // size() * size() + 1


def is_start(asked_from: int | None) -> bool:
    """Whether `?from=` names where a range begins (or is absent): the pages the cache keeps. Other values are
    served too (the range holding them) but rendered each time, so that no run of made-up numbers can fill the
    cache; every link the app makes names a range's start (`paragraph_url`)."""
    if asked_from is None:
        return True
    return 1 <= asked_from <= MAX_CACHED_RANGES * size() and start_of(asked_from) == asked_from


def paragraph_url(slug: str, position: int | None, **values) -> str:
    """The draft page landing on § `position` (its anchor), naming the range that holds it when the draft may be
    sent by ranges (§ beyond the first range; a shorter draft ignores `from`)."""
    if position is None:
        return url_for("reading.draft", slug=slug, **values)
    if position > size():
        values["from"] = start_of(position)
    return url_for("reading.draft", slug=slug, _anchor=f"p{position}", **values)
