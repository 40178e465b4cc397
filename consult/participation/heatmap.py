"""The heat map of the overview: organisations × paragraphs, drawn on the server as SVG.

Every cell says what happened by shape and number, not by colour alone, so it reads in print and in grey:
the number is how many comments (in voting: votes) the organisation gave on that § (or group of §s), an
outlined triangle marks an amendment it proposed there, a filled dot an amendment it supported there; the
shade only repeats the number. A long draft groups its §s (at most MAX_COLUMNS columns, "§ 41–45"), and the
organisations are the page of the table shown with it, so neither dimension grows without limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from consult.participation.queries import OrganisationParticipation, Overview, counts_votes

MAX_COLUMNS = 40
CELL = 26  # px: one cell
LABEL = 150  # px: the organisations' column
HEAD = 34  # px: the row of § numbers


@dataclass(frozen=True)
class MapColumn:
    first: int  # § numbers it covers
    last: int
    paragraph_ids: tuple
    whole: bool = False  # the vote on the whole text (voting phase only)

    @property
    def label(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


@dataclass(frozen=True)
class Cell:
    number: int
    proposed: bool
    supported: bool

    @property
    def empty(self) -> bool:
        return not (self.number or self.proposed or self.supported)

    @property
    def shade(self) -> int:
        """0 (nothing) to 3 (four or more): the background, repeating the number."""
        return 0 if not self.number else 1 if self.number == 1 else 2 if self.number < 4 else 3


@dataclass(frozen=True)
class MapRow:
    organisation: OrganisationParticipation
    cells: tuple


@dataclass(frozen=True)
class HeatMap:
    columns: tuple
    rows: tuple
    grouped: bool
    votes: bool
    width: int
    height: int
    # The geometry the template draws with.
    label: int = LABEL
    cell: int = CELL
    head: int = HEAD


def _columns(data: Overview) -> tuple[list[MapColumn], bool]:
    texts = [c for c in data.columns if not c.heading] or list(data.columns)
    size = max(1, ceil(len(texts) / MAX_COLUMNS))
    columns = [
        MapColumn(chunk[0].position, chunk[-1].position, tuple(c.paragraph_id for c in chunk))
        for chunk in (texts[i : i + size] for i in range(0, len(texts), size))
    ]
    # Headings' comments belong to the column of the § after them (or the last one).
    headings = [c for c in data.columns if c.heading and c not in texts]
    if headings and columns:
        extra: dict[int, list[int]] = {i: [] for i in range(len(columns))}
        for heading in headings:
            index = next((i for i, col in enumerate(columns) if col.first > heading.position), len(columns) - 1)
            extra[index].append(heading.paragraph_id)
        columns = [MapColumn(col.first, col.last, col.paragraph_ids + tuple(extra[i])) for i, col in enumerate(columns)]
    if counts_votes(data.phase):
        columns.append(MapColumn(0, 0, (), whole=True))
    return columns, size > 1


def _cell(org: OrganisationParticipation, column: MapColumn, votes: bool, amendment_paragraphs: dict) -> Cell:
    if votes:
        if column.whole:
            return Cell(org.votes.get(None, 0), False, False)
        on_amendments = sum(1 for a in org.voted_amendments if amendment_paragraphs.get(a) in column.paragraph_ids)
        return Cell(sum(org.votes.get(p, 0) for p in column.paragraph_ids) + on_amendments, False, False)
    return Cell(
        sum(org.comments.get(p, 0) for p in column.paragraph_ids),
        any(p in org.proposed for p in column.paragraph_ids),
        any(p in org.supported for p in column.paragraph_ids),
    )


def build(data: Overview, organisations: list[OrganisationParticipation]) -> HeatMap:
    """The heat map of `organisations` (a page of the table) in `data`'s phase."""
    columns, grouped = _columns(data)
    votes = counts_votes(data.phase)
    rows = tuple(
        MapRow(org, tuple(_cell(org, col, votes, data.amendment_paragraphs) for col in columns))
        for org in organisations
    )
    return HeatMap(tuple(columns), rows, grouped, votes, LABEL + CELL * len(columns) + 4, HEAD + CELL * len(rows) + 4)
