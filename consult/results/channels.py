"""How the votes on each question of a draft came in, for readers that count with `votes.queries.tallies`
(the open-data API) rather than with the full `results()`: per question the counted votes by channel, the proxies
used, the paper ballots, and whether it was decided in the live session.

The rules are the results' (`consult.results.queries`): only the votes of active member organisations count; a
question is decided in the live session when an agenda item for it was closed in a session of the draft. Three
queries whatever the size of the draft: the counts grouped by question and channel, the proxy and paper votes
with their organisations' short names, the questions closed in a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from consult.extensions import db
from consult.organisations.models import Organisation
from consult.results.live_record import QuestionKey, decided_live, question_key
from consult.results.queries import ChannelCounts
from consult.votes.models import Channel, Vote


@dataclass
class QuestionMarks:
    """One question's marks: where it was decided, its counted votes by channel, the proxies used as
    (organisation whose vote it is, organisation that cast it) short names, the paper ballots' organisations."""

    decided_live: bool = False
    counts: dict[str, int] = field(default_factory=lambda: {channel.value: 0 for channel in Channel})
    proxies: list[tuple[str, str | None]] = field(default_factory=list)
    paper: list[str] = field(default_factory=list)

    @property
    def channels(self) -> ChannelCounts:
        return ChannelCounts(**self.counts)

    def as_json(self) -> dict:
        """The marks as the API and the JSON export name them."""
        return {
            "decided": "live" if self.decided_live else "online",
            "channels": dict(self.counts),
            "proxies": [{"organisation": giver, "via": holder} for giver, holder in self.proxies],
            "paper": list(self.paper),
        }


def question_marks(draft_id: int) -> dict[QuestionKey, QuestionMarks]:
    """(paragraph id, amendment id) -> its marks, for every question of the draft with a counted vote or closed
    in a live session ((None, None): the whole draft; an amendment's key names the amendment alone). Questions
    missing here have no counted vote and were not decided live: `QuestionMarks()`. Three queries."""
    v = Vote.__table__.c
    giver, holder = aliased(Organisation), aliased(Organisation)
    entitled = (giver.is_member.is_(True), giver.is_active.is_(True))
    marks: dict[QuestionKey, QuestionMarks] = {}
    for paragraph_id, amendment_id, channel, count in db.session.execute(
        select(v.paragraph_id, v.amendment_id, v.channel, func.count())
        .join(giver, giver.id == v.organisation_id)
        .where(v.draft_id == draft_id, *entitled)
        .group_by(v.paragraph_id, v.amendment_id, v.channel)
    ):
        marks.setdefault(question_key(paragraph_id, amendment_id), QuestionMarks()).counts[Channel(channel).value] += (
            count
        )
    for paragraph_id, amendment_id, channel, giver_short, holder_short in db.session.execute(
        select(v.paragraph_id, v.amendment_id, v.channel, giver.short_name, holder.short_name)
        .join(giver, giver.id == v.organisation_id)
        .outerjoin(holder, holder.id == v.via_organisation_id)
        .where(v.draft_id == draft_id, v.channel.in_((Channel.PROXY, Channel.PAPER)), *entitled)
        .order_by(giver.short_name)
    ):
        found = marks.setdefault(question_key(paragraph_id, amendment_id), QuestionMarks())
        if Channel(channel) == Channel.PROXY:
            found.proxies.append((giver_short, holder_short))
        else:
            found.paper.append(giver_short)
    for key in decided_live(draft_id):
        marks.setdefault(key, QuestionMarks()).decided_live = True
    return marks
