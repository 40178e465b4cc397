"""The change document: version 1 of a draft changed into the document's text, every change credited.

Paragraphs are followed by identity (`Paragraph.id`) through the chain of versions 1 -> 2 -> ... ->
the document's version, never paired by position: a paragraph inserted in version 3 is one
insertion, one removed is one deletion, one left alone carries no mark.

Each paragraph is a sequence of source tokens (consult/amendments/diff.py), each known as original
(in version 1) or inserted by someone, and as kept or deleted by someone. Every step to the next
version diffs the visible text against the next text: kept tokens stay; an original token it removes
is marked deleted by the step's author; a token an earlier step inserted and this one removes
disappears (it is in neither version 1 nor the final text); new tokens are inserted by the step's
author. So "accept all" gives the document's text and "reject all" gives version 1.

The author of a change in the step to version N is the amendment applied in version N to that
paragraph: with one amendment, it; with several merged into one paragraph, each keeps its own
words (the hunk's tokens go to the amendment whose own diff, base text -> result, changed them);
where the moderation resolved a collision, words no single amendment accounts for are the
editorial office's ("Redaktion"), dated when the collision was resolved. An author is the
proposing organisation with the amendment's number, dated at the amendment's decision.

The tokens are shown as what the reader sees, never as Markdown: `layout` tells for each source
character its block (heading, list item, table row ...) and emphasis, from the text the token comes
from (version 1 for deleted tokens, the final text for the rest). Written as DOCX by changes_docx.py
(`w:ins`/`w:del`, paragraph marks included) and as HTML/PDF by changes_page.py (`<ins>`/`<del>` with
`datetime` and a visible label).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import select

from consult.amendments.diff import WordMatcher, diff, tokens
from consult.drafts.models import ParagraphText, Version
from consult.exports.document import DecidedAmendment, Document
from consult.exports.layout import BREAK, CELL, Block, Format, layout
from consult.extensions import db

# -- Who changed what ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    """Who made a change: `name` for Word's w:author, `label` shown beside the change, `moment` its date."""

    name: str
    label: str
    moment: datetime | None
    number: int | None = None  # the amendment's number (None: the editorial office)
    organisation: str = ""


def _short_name(label: str) -> str:
    """ "KURZ" of the document's organisation label "Name (KURZ)"."""
    name, bracket, rest = label.rpartition(" (")
    return rest[:-1] if bracket and rest.endswith(")") else label


def amendment_author(amendment: DecidedAmendment) -> Author:
    title = _("Amendment %(num)d", num=amendment.number)
    organisation = amendment.organisation
    return Author(
        name=f"{organisation} · {title}" if organisation else title,
        label=_("[Amendment %(num)d, %(organisation)s]", num=amendment.number, organisation=_short_name(organisation))
        if organisation
        else f"[{title}]",
        moment=amendment.decided_at,
        number=amendment.number,
        organisation=organisation,
    )


def editorial_author(moment: datetime | None) -> Author:
    name = _("Editorial office")
    return Author(name=name, label=f"[{name}]", moment=moment)


# -- The tracked text ---------------------------------------------------------------------------------


@dataclass
class Tracked:
    text: str
    inserted: Author | None = None  # None: in version 1
    deleted: Author | None = None  # None: still in the text


@dataclass
class TrackedParagraph:
    paragraph_id: int
    tokens: list[Tracked]
    inserted: Author | None = None  # the paragraph itself is new
    deleted: Author | None = None  # the paragraph itself is gone
    position: int | None = None  # its number (§) in the document's version

    @property
    def visible(self) -> str:
        return "".join(t.text for t in self.tokens if t.deleted is None)

    @property
    def original(self) -> str:
        return "".join(t.text for t in self.tokens if t.inserted is None)

    @property
    def changed(self) -> bool:
        return (
            self.inserted is not None
            or self.deleted is not None
            or any(t.inserted is not None or t.deleted is not None for t in self.tokens)
        )


def _aligned(a: list[str], b: list[str]) -> dict[int, int]:
    """Index in `a` -> index in `b` of the tokens the two lists share."""
    if a == b:
        return {i: i for i in range(len(a))}
    pairs = {}
    # The diff's matcher: as fast on a long paragraph as its diff (difflib's own grows with the square).
    for block in WordMatcher(None, a, b).get_matching_blocks():
        pairs.update({block.a + k: block.b + k for k in range(block.size)})
    return pairs


def _own_changes(base: str, result: str) -> tuple[set[int], set[int]]:
    """The base tokens an amendment's own diff deletes and the result tokens it inserts (indexes)."""
    deleted: set[int] = set()
    inserted: set[int] = set()
    i = j = 0
    for segment in diff(base, result):
        n = len(tokens(segment.text))
        if segment.kind in ("equal", "delete"):
            if segment.kind == "delete":
                deleted.update(range(i, i + n))
            i += n
        if segment.kind in ("equal", "insert"):
            if segment.kind == "insert":
                inserted.update(range(j, j + n))
            j += n
    return deleted, inserted


@dataclass
class _Step:
    """The authors of one paragraph's change in one step of the chain."""

    amendments: list[DecidedAmendment]
    fallback: Author  # for words no amendment accounts for
    resolved: bool = False  # the moderation wrote the text: unaccounted words are its own

    def owners(self, old: str, new: str) -> tuple[list[Author | None], list[Author | None]]:
        """Per token of `old` that disappears / of `new` that appears: the one amendment whose own diff
        made that change (None: none or several)."""
        old_tokens, new_tokens = tokens(old), tokens(new)
        if len(self.amendments) < 2 and not self.resolved:  # `fill` gives every token to the one (or none)
            return [None] * len(old_tokens), [None] * len(new_tokens)
        claims_old: list[set[int]] = [set() for _ in old_tokens]
        claims_new: list[set[int]] = [set() for _ in new_tokens]
        for index, amendment in enumerate(self.amendments):
            base = tokens(amendment.base_text)
            if amendment.kind == "delete":
                deleted, inserted, result = set(range(len(base))), set[int](), []
            else:
                text = amendment.adopted_text if amendment.status == "accepted_modified" else amendment.proposed_text
                result = tokens(text or "")
                deleted, inserted = _own_changes(amendment.base_text, text or "")
            for b, o in _aligned(base, old_tokens).items():
                if b in deleted:
                    claims_old[o].add(index)
            for r, n in _aligned(result, new_tokens).items():
                if r in inserted:
                    claims_new[n].add(index)

        def one(claims: set[int]) -> Author | None:
            if len(claims) == 1 or (claims and not self.resolved):
                return amendment_author(self.amendments[min(claims)])
            return None

        return [one(c) for c in claims_old], [one(c) for c in claims_new]

    def fill(self, hunk: list[Author | None]) -> list[Author]:
        """Authors for the tokens of one hunk: a single amendment takes all; otherwise a token no amendment
        accounts for goes to the editorial office after a collision, else to its nearest claimed neighbour."""
        if len(self.amendments) == 1 and not self.resolved:
            return [amendment_author(self.amendments[0])] * len(hunk)
        if self.resolved:
            return [a or self.fallback for a in hunk]
        filled: list[Author] = []
        for index, author in enumerate(hunk):
            if author is None:
                neighbours = [a for a in hunk[index::-1] + hunk[index:] if a is not None]
                author = (
                    neighbours[0]
                    if neighbours
                    else (amendment_author(self.amendments[0]) if self.amendments else self.fallback)
                )
            filled.append(author)
        return filled


def _apply(paragraph: TrackedParagraph, new: str, step: _Step) -> None:
    """One step of the chain: the paragraph's visible text becomes `new`."""
    old = paragraph.visible
    if old == new:
        return
    old_owner, new_owner = step.owners(old, new)
    segments = diff(old, new)
    # Hunks: each run of changed segments, with its removed and added tokens' owners filled together.
    out: list[Tracked] = []
    source = iter(paragraph.tokens)
    pending: list[Tracked] = []  # deleted tokens waiting before the next visible one
    old_index = new_index = 0
    new_tokens = tokens(new)

    def next_visible() -> Tracked:
        for token in source:
            if token.deleted is not None:
                pending.append(token)
                continue
            return token
        raise AssertionError("the visible tokens ran out before the diff did")

    def flush() -> None:
        out.extend(pending)
        pending.clear()

    k = 0
    while k < len(segments):
        segment = segments[k]
        if segment.kind == "equal":
            n = len(tokens(segment.text))
            for _token in range(n):
                token = next_visible()
                flush()
                out.append(token)
            old_index += n
            new_index += n
            k += 1
            continue
        removed: list[tuple[Tracked, bool]] = []  # (token, removed by this step); earlier deletions ride along
        added: list[str] = []
        start_old, start_new = old_index, new_index
        while k < len(segments) and segments[k].kind != "equal":
            n = len(tokens(segments[k].text))
            if segments[k].kind == "delete":
                for _token in range(n):
                    token = next_visible()
                    removed.extend((earlier, False) for earlier in pending)
                    pending.clear()
                    removed.append((token, True))
                old_index += n
            else:
                added.extend(new_tokens[new_index : new_index + n])
                new_index += n
            k += 1
        owners = step.fill(old_owner[start_old:old_index] + new_owner[start_new:new_index])
        removed_now = old_index - start_old
        authors_of_removed = iter(owners[:removed_now])
        for token, now in removed:
            if not now:
                out.append(token)
                continue
            author = next(authors_of_removed)
            if token.inserted is None:
                token.deleted = author
                out.append(token)
        flush()
        out.extend(Tracked(text, inserted=author) for text, author in zip(added, owners[removed_now:], strict=True))
    flush()
    out.extend(source)
    paragraph.tokens = out


def _remove(paragraph: TrackedParagraph, author: Author) -> None:
    paragraph.tokens = [t for t in paragraph.tokens if t.inserted is None]
    for token in paragraph.tokens:
        if token.deleted is None:
            token.deleted = author
    if paragraph.inserted is not None:
        paragraph.tokens = []
    paragraph.deleted = author


def _order(previous: list[int], current: list[int]) -> list[int]:
    """The current version's order, with paragraphs no longer in it kept after the one they followed."""
    present = set(current)
    after: dict[int | None, list[int]] = {}
    anchor: int | None = None
    for paragraph_id in previous:
        if paragraph_id in present:
            anchor = paragraph_id
        else:
            after.setdefault(anchor, []).append(paragraph_id)
    order = list(after.get(None, []))
    for paragraph_id in current:
        order.append(paragraph_id)
        order.extend(after.get(paragraph_id, []))
    return order


def _steps(document: Document) -> list[tuple[Version, dict[int, str]]]:
    """The versions from 1 to the document's, each with its paragraphs' texts (id -> Markdown), in order."""
    versions = list(
        db.session.scalars(
            select(Version)
            .where(Version.draft_id == document.draft.id, Version.number <= document.version.number)
            .order_by(Version.number)
        )
    )
    texts: dict[int, dict[int, str]] = {v.id: {} for v in versions}
    orders: dict[int, list[int]] = {v.id: [] for v in versions}
    for text in db.session.scalars(
        select(ParagraphText)
        .where(ParagraphText.version_id.in_(list(texts)))
        .order_by(ParagraphText.version_id, ParagraphText.position)
    ):
        texts[text.version_id][text.paragraph_id] = text.text
        orders[text.version_id].append(text.paragraph_id)
    return [(v, {pid: texts[v.id][pid] for pid in orders[v.id]}) for v in versions]


def _applied_in(amendment: DecidedAmendment, version: Version, last: bool) -> bool:
    """Whether an adopted amendment went into `version`: the version it names, or, for one not applied
    yet, the last version while it is in preparation (a preview)."""
    if amendment.applied_in_version is not None:
        return amendment.applied_in_version == version.number
    return last and version.published_at is None


def tracked_paragraphs(document: Document) -> list[TrackedParagraph]:
    """Every paragraph of version 1 and of the versions after it, up to the document's, in the document's
    order (removed ones where they stood), with its changes and their authors."""
    chain = _steps(document)
    if not chain:
        return []
    first_version, first = chain[0]
    paragraphs = {pid: TrackedParagraph(pid, [Tracked(t) for t in tokens(text)]) for pid, text in first.items()}
    order = list(first)
    adopted = [a for a in document.amendments if a.adopted]
    last = chain[-1][0]
    previous = first
    for version, texts in chain[1:]:
        here = [a for a in adopted if _applied_in(a, version, last=version is last)]
        collisions = {c.paragraph_id: c for c in document.collisions if c.version == version.number}
        fallback = editorial_author(version.published_at or version.created_at)
        for pid in set(previous) | set(texts):
            new = texts.get(pid)
            collision = collisions.get(pid)
            if collision is not None:
                step = _Step(
                    [a for a in here if a.number in collision.amendment_numbers]
                    or [a for a in here if a.paragraph_id == pid and a.kind != "insert"],
                    editorial_author(collision.resolved_at),
                    resolved=True,
                )
            else:
                step = _Step([a for a in here if a.paragraph_id == pid and a.kind != "insert"], fallback)
            if pid not in paragraphs:
                inserting = [a for a in here if a.kind == "insert" and a.inserted_paragraph_id == pid]
                author = amendment_author(inserting[0]) if inserting else fallback
                paragraphs[pid] = TrackedParagraph(
                    pid, [Tracked(t, inserted=author) for t in tokens(new or "")], inserted=author
                )
                continue
            paragraph = paragraphs[pid]
            if paragraph.deleted is not None:
                continue
            if new is None or not new.strip():
                deleting = [a for a in step.amendments if a.kind == "delete"]
                if collision is not None and len(deleting) != 1:
                    author = step.fallback
                elif deleting:
                    author = amendment_author(deleting[0])
                elif step.amendments:
                    author = amendment_author(step.amendments[0])
                else:
                    author = fallback
                _remove(paragraph, author)
            else:
                _apply(paragraph, new, step)
        order = _order(order, list(texts))
        previous = texts
    positions = document.positions
    result = []
    for pid in order:
        paragraph = paragraphs[pid]
        paragraph.position = positions.get(pid)
        if paragraph.tokens or paragraph.deleted is None:
            result.append(paragraph)
    return result


# -- From tokens to lines of the page -----------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    text: str
    block: Block | None
    format: Format
    inserted: Author | None
    deleted: Author | None
    was: Format | None = None  # a kept word's formatting in version 1, when a change of its
    reformatted_by: Author | None = None  # markers (`**`, `*`, a link) changed it, and by whom


@dataclass
class Line:
    """One line of the page (a Word paragraph): its pieces, and the marks of the break that ends it."""

    pieces: list[Piece] = field(default_factory=list)
    inserted: Author | None = None
    deleted: Author | None = None

    @property
    def block(self) -> Block:
        for piece in self.pieces:
            if piece.deleted is None and piece.block is not None:
                return piece.block
        return next((p.block for p in self.pieces if p.block is not None), Block(0, "paragraph"))


def _marker_authors(paragraph: TrackedParagraph, shown_old: list, shown_new: list) -> list[Author | None]:
    """Per token: the author of the nearest inserted or deleted token that shows nothing (a Markdown
    marker), the one who changed the formatting around it (None: no such token)."""
    changed: list[tuple[int, Author]] = []
    at_old = at_new = 0
    for index, token in enumerate(paragraph.tokens):
        n = len(token.text)
        shown = shown_new[at_new : at_new + n] if token.deleted is None else shown_old[at_old : at_old + n]
        author = token.deleted or token.inserted
        if author is not None and not any(c.text for c in shown):
            changed.append((index, author))
        at_old += n if token.inserted is None else 0
        at_new += n if token.deleted is None else 0
    if not changed:
        return [None] * len(paragraph.tokens)
    return [min(changed, key=lambda c: abs(c[0] - index))[1] for index in range(len(paragraph.tokens))]


def _pieces(paragraph: TrackedParagraph) -> Iterator[Piece]:
    """Each token as what it shows: deleted ones as version 1 shows them, the others as the final text.
    A word in both whose formatting differs carries its old formatting (a formatting change)."""
    original, visible = paragraph.original, paragraph.visible
    shown_new = layout(visible)
    shown_old = shown_new if original == visible else layout(original)
    markers = _marker_authors(paragraph, shown_old, shown_new) if original != visible else None
    at_old = at_new = 0
    for index, token in enumerate(paragraph.tokens):
        n = len(token.text)
        if token.deleted is None:
            shown = shown_new[at_new : at_new + n]
        else:
            shown = shown_old[at_old : at_old + n]
        before = shown_old[at_old : at_old + n] if token.inserted is None and token.deleted is None else shown
        if token.inserted is None:
            at_old += n
        if token.deleted is None:
            at_new += n
        for character, old in zip(shown, before, strict=True):
            if not character.text:
                continue
            reformatted_by = markers[index] if markers is not None and old.format != character.format else None
            yield Piece(
                character.text,
                character.block,
                character.format,
                token.inserted,
                token.deleted,
                was=old.format if reformatted_by is not None else None,
                reformatted_by=reformatted_by,
            )


def lines(paragraph: TrackedParagraph) -> list[Line]:
    """The paragraph's lines: a BREAK ends a line (its marks are the line's paragraph mark's); the last
    line's mark is the paragraph's own."""
    result = [Line()]
    for piece in _pieces(paragraph):
        if piece.text == BREAK:
            if result[-1].pieces:
                result[-1].inserted, result[-1].deleted = piece.inserted, piece.deleted
                result.append(Line())
            continue
        result[-1].pieces.append(piece)
    if not result[-1].pieces and len(result) > 1:
        result.pop()
    result[-1].inserted, result[-1].deleted = paragraph.inserted, paragraph.deleted
    return result


def runs(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring pieces with the same formatting and marks joined."""
    joined: list[Piece] = []
    for piece in pieces:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.format == piece.format
            and last.inserted == piece.inserted
            and last.deleted == piece.deleted
            and last.was == piece.was
            and last.reformatted_by == piece.reformatted_by
            and CELL not in (last.text[-1:], piece.text)
        ):
            joined[-1] = replace(last, text=last.text + piece.text)
        else:
            joined.append(piece)
    return joined


def number_label(paragraph: TrackedParagraph) -> str:
    """ "§ N" in the document's numbering; "§ –" for a removed paragraph."""
    return f"§ {paragraph.position}" if paragraph.position is not None else "§ –"


def authors(paragraphs: list[TrackedParagraph]) -> list[Author]:
    """Everyone credited with a change, amendments by number, the editorial office last."""
    found: dict[tuple, Author] = {}
    for paragraph in paragraphs:
        for author in [
            paragraph.inserted,
            paragraph.deleted,
            *(a for t in paragraph.tokens for a in (t.inserted, t.deleted)),
        ]:
            if author is not None:
                found.setdefault((author.number is None, author.number or 0, author.name, author.moment), author)
    return [found[key] for key in sorted(found, key=lambda k: (k[0], k[1], k[2], timestamp(k[3])))]


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def timestamp(moment: datetime | None) -> str:
    """UTC, as Word and HTML's `datetime` want it: 2026-03-01T12:30:00Z."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown_date(moment: datetime | None) -> str:
    """The decision's date and time as the federation reads them (the app's time zone)."""
    if moment is None:
        return ""
    return f"{format_date(_utc(moment), format='medium')}, {format_time(_utc(moment), format='short')}"


def subtitle(document: Document) -> str:
    return _("Changes from version %(old)d to version %(new)d", old=1, new=document.version.number)


def legend() -> str:
    return _(
        "Inserted text is underlined, deleted text struck through. Each change names the amendment that "
        "made it, the organisation that proposed it and the time of the decision; where the moderation "
        "wrote a common text to resolve a collision of amendments, its words are marked "
        "“%(office)s”.",
        office=_("Editorial office"),
    )


def author_line(author: Author) -> str:
    """One entry of the legend: "[Antrag 12, NAVE] Netzwerk Afrikanischer Vereine (NAVE) · 02.03.2026, 11:07"."""
    return " · ".join(
        part for part in (f"{author.label} {author.organisation}".strip(), shown_date(author.moment)) if part
    )


def cells(line: Line) -> list[list[Piece]]:
    cells: list[list[Piece]] = [[]]
    for piece in line.pieces:
        if piece.text == CELL:
            cells.append([])
        else:
            cells[-1].append(piece)
    return cells
