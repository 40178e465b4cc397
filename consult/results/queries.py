"""The results of a draft's votes, as plain data for the results page and the exports.

`results(draft)` counts the current `Vote` rows of the draft in seven queries, whatever the
number of paragraphs and organisations (the entitled organisations; the votes of the draft with how each came
in; the questions closed in a live session; the version voted on and its paragraphs; the amendments voted on;
the live sessions and their proxies). It reads no request state, so a PDF or DOCX
appendix can call it as the page does.

The rules it applies:

- **Questions**: each paragraph that is not a heading, in order, of the version adopted
  (`Draft.adopted_version_id`, once the draft is adopted) or else of the current version;
  and the whole draft (`paragraph_id` None). Votes on paragraphs that are not in that
  version are not shown.
- **Entitled** are the active member organisations (`is_member` and `is_active`). Only
  their votes count; the votes of others stay in the database and are left out here.
- **Counts**: yes, no and abstain, one per organisation. When the draft weighs votes
  (`Draft.weighted_votes`), also the weighted sums, each vote counting its organisation's
  `vote_weight`.
- **Turnout**: organisations that voted (abstentions included) of the entitled ones; when
  weighted, also the weight that voted of the entitled weight.
- **Majority**: the votes cast are yes + no (an abstention is not a cast vote).
  `SIMPLE`: carried when yes > no. `TWO_THIRDS`: carried when 3 × yes ≥ 2 × (yes + no)
  and at least one vote was cast. When the draft weighs votes, the rule is applied to
  the weighted sums, otherwise to the counts.
- **Who voted how**: every entitled organisation's choice; and the entitled
  organisations that have not voted on the question (for the office's reminders).
- **Amendments** the organisations vote on (`amendments.queries.voted_amendments`: put to the vote, or
  decided or lapsed by their vote) are questions too, oldest first (`amendment_groups`: as they are voted, each
  alternatives set together in its voting order), counted, weighed and decided by the
  same rules; their § is the paragraph's number in the version voted on (None when it is not in it) and
  their excerpt the proposed text's first words (empty for a deletion).
- **How each vote came in** (`Way`): the channel of the organisation's current vote — online, in the live
  session by its own delegate, by proxy (then the organisation holding the proxy, whose delegate cast it) or on
  a paper ballot the office entered; per question the count of each channel among the counted votes, the
  proxies used and the paper ballots. And whether the question was **decided in the live session** (an agenda
  item for it was closed in a live session of the draft, `consult.results.live_record`) or online. The draft's
  live sessions with the proxies the office confirmed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import aliased

from consult.amendments.alternatives import VotingGroup, voting_groups
from consult.amendments.models import AmendmentKind, AmendmentStatus
from consult.amendments.queries import voted_amendments
from consult.core.markdown import plain_text
from consult.drafts.models import Draft, MajorityRule, Version
from consult.drafts.services import current_version, is_heading, paragraph_rows
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.results.live_record import NamedOrganisation, SessionRecord, decided_live, question_key, sessions
from consult.votes.models import Channel, Choice, Vote

EXCERPT_LENGTH = 80


@dataclass(frozen=True)
class EntitledOrganisation:
    """A member organisation entitled to vote, as the results name it."""

    id: int
    name: str
    short_name: str
    vote_weight: int


@dataclass(frozen=True)
class Figures:
    """Yes, no and abstain on one question: organisations counted once, or by their weight."""

    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def cast(self) -> int:
        """The votes cast: yes and no (an abstention is not a cast vote)."""
        return self.yes + self.no

    @property
    def total(self) -> int:
        """Everything that voted, abstentions included (the base of turnout and of the chart's shares)."""
        return self.yes + self.no + self.abstain

    def share(self, choice: Choice | str) -> float:
        """The share of `choice` in everything that voted (0 when nothing was voted)."""
        return getattr(self, Choice(choice).value) / self.total if self.total else 0.0

    @property
    def yes_share_of_cast(self) -> float:
        """The share of yes in the votes cast (what the majority rule looks at)."""
        return self.yes / self.cast if self.cast else 0.0


@dataclass(frozen=True)
class Way:
    """How an organisation's counted vote came in: its channel, and for a proxy vote the organisation holding
    the proxy (whose delegate cast it)."""

    channel: Channel = Channel.ONLINE
    via: NamedOrganisation | None = None


ONLINE = Way()


@dataclass(frozen=True)
class ChannelCounts:
    """The counted votes of one question by how they came in (organisations, not weights)."""

    online: int = 0
    live: int = 0
    proxy: int = 0
    paper: int = 0

    def __getitem__(self, channel: Channel | str) -> int:
        return getattr(self, Channel(channel).value)

    @property
    def beyond_online(self) -> bool:
        """Whether any vote came in other than online (the live session, a proxy, paper)."""
        return bool(self.live or self.proxy or self.paper)


def majority_met(rule: MajorityRule, figures: Figures) -> bool:
    """SIMPLE: more yes than no. TWO_THIRDS: at least two thirds of the votes cast (yes + no) are yes,
    and at least one vote was cast."""
    if rule == MajorityRule.TWO_THIRDS:
        return figures.cast > 0 and 3 * figures.yes >= 2 * figures.cast
    return figures.yes > figures.no


@dataclass(frozen=True)
class QuestionResult:
    """The result of one question: a paragraph (`paragraph_id`, § `position`) or the whole draft (both None)."""

    paragraph_id: int | None
    position: int | None
    excerpt: str  # the paragraph's first words as plain text; "" for the whole draft
    counts: Figures  # one per organisation
    weighted: Figures | None  # by vote_weight; None when the draft does not weigh votes
    entitled: int  # number of entitled organisations
    entitled_weight: int  # their summed vote_weight
    ballots: tuple[tuple[EntitledOrganisation, Choice], ...]  # who voted how, by organisation name
    not_voted: tuple[EntitledOrganisation, ...]  # entitled, but no vote on this question
    carried: bool  # the draft's majority rule is met
    amendment_id: int | None = None  # an amendment's question (`paragraph_id` is then its paragraph)
    kind: AmendmentKind | None = None  # an amendment's: replace / delete / insert
    status: AmendmentStatus | None = None  # an amendment's: put to the vote, or what the vote decided
    alternative_set_id: int | None = None  # an amendment's alternatives set, voted in order
    alternative_position: int | None = None  # its place in that order (1 = voted first)
    decided_live: bool = False  # an agenda item for it was closed in a live session (else: online)
    # organisation id -> how its counted vote came in; organisations missing here voted online
    ways: Mapping[int, Way] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_whole_draft(self) -> bool:
        return self.paragraph_id is None and self.amendment_id is None

    @property
    def is_amendment(self) -> bool:
        return self.amendment_id is not None

    @property
    def deciding(self) -> Figures:
        """The figures the majority rule is applied to: weighted when the draft weighs votes."""
        return self.weighted if self.weighted is not None else self.counts

    @property
    def voted(self) -> int:
        """Organisations that voted, abstentions included."""
        return self.counts.total

    @property
    def turnout(self) -> float:
        return self.voted / self.entitled if self.entitled else 0.0

    @property
    def voted_weight(self) -> int | None:
        return self.weighted.total if self.weighted is not None else None

    @property
    def weighted_turnout(self) -> float | None:
        if self.weighted is None:
            return None
        return self.weighted.total / self.entitled_weight if self.entitled_weight else 0.0

    def organisations(self, choice: Choice | str) -> list[EntitledOrganisation]:
        """The organisations that chose `choice`, by name."""
        choice = Choice(choice)
        return [organisation for organisation, chosen in self.ballots if chosen == choice]

    def way(self, organisation: EntitledOrganisation) -> Way:
        """How `organisation`'s counted vote on this question came in."""
        return self.ways.get(organisation.id, ONLINE)

    @property
    def channels(self) -> ChannelCounts:
        """The counted votes by channel: online, live (the organisation's own delegate), proxy, paper."""
        counts = {channel: 0 for channel in Channel}
        for organisation, _choice in self.ballots:
            counts[self.way(organisation).channel] += 1
        return ChannelCounts(**{channel.value: count for channel, count in counts.items()})

    @property
    def proxies(self) -> list[tuple[EntitledOrganisation, NamedOrganisation | None]]:
        """(the organisation whose vote it is, the organisation that cast it holding its proxy), by the first's
        name: the proxies used on this question."""
        return [
            (organisation, self.way(organisation).via)
            for organisation, _choice in self.ballots
            if self.way(organisation).channel == Channel.PROXY
        ]

    @property
    def on_paper(self) -> list[EntitledOrganisation]:
        """The organisations whose counted vote on this question is a paper ballot, by name."""
        return [
            organisation for organisation, _choice in self.ballots if self.way(organisation).channel == Channel.PAPER
        ]


@dataclass(frozen=True)
class DraftResults:
    """The results of a draft: the whole draft first, then each paragraph put to the vote, in order."""

    draft: Draft
    rule: MajorityRule
    weighted: bool
    version_number: int | None
    entitled: tuple[EntitledOrganisation, ...]
    whole: QuestionResult
    paragraphs: tuple[QuestionResult, ...]
    # The amendments the organisations vote on (put to the vote, or decided by their vote), oldest first.
    amendments: tuple[QuestionResult, ...] = ()
    # The draft's live sessions, oldest first, with the proxies the office confirmed in each.
    sessions: tuple[SessionRecord, ...] = ()

    @property
    def had_live_session(self) -> bool:
        return bool(self.sessions)

    @property
    def questions(self) -> tuple[QuestionResult, ...]:
        return (self.whole, *self.paragraphs, *self.amendments)

    def amendment(self, amendment_id: int) -> QuestionResult | None:
        return next((q for q in self.amendments if q.amendment_id == amendment_id), None)

    @property
    def amendment_groups(self) -> list[VotingGroup]:
        """The amendment questions as they are voted: each alternatives set together in its voting order (by §),
        then the single amendments by §."""
        return voting_groups(
            self.amendments, lambda q: (q.alternative_set_id, q.alternative_position, q.position, q.amendment_id)
        )

    def settled_by(self, question: QuestionResult) -> int | None:
        """The amendment whose acceptance settled `question`: for an alternative that lapsed because one voted
        before it passed, that one's number; else None."""
        if question.status != AmendmentStatus.LAPSED or question.alternative_set_id is None:
            return None
        return next(
            (
                q.amendment_id
                for q in self.amendments
                if q.alternative_set_id == question.alternative_set_id
                and q.status in (AmendmentStatus.ACCEPTED, AmendmentStatus.ACCEPTED_MODIFIED)
            ),
            None,
        )


def _sort_key(name: str) -> tuple[str, str]:
    """Names in dictionary order, the same on every database: "Ärzte" beside "Arbeit", not after "Z"."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)), name


def entitled_organisations() -> list[EntitledOrganisation]:
    """The active member organisations, by name (one query)."""
    o = Organisation.__table__.c
    rows = db.session.execute(select(o.id, o.name, o.short_name, o.vote_weight).where(o.is_member, o.is_active))
    organisations = [EntitledOrganisation(r.id, r.name, r.short_name, r.vote_weight) for r in rows]
    organisations.sort(key=lambda org: (_sort_key(org.name), org.id))
    return organisations


def excerpt(markdown: str, length: int = EXCERPT_LENGTH) -> str:
    """The first words of a paragraph as plain text, cut at a word and ended with "…" when longer than `length`."""
    text = plain_text(markdown)
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + "…"


def _question(
    paragraph_id: int | None,
    position: int | None,
    text: str,
    rule: MajorityRule,
    weighted: bool,
    entitled: list[EntitledOrganisation],
    choices: dict[int, Choice],
    amendment=None,
    ways: dict[int, Way] | None = None,
    live: bool = False,
) -> QuestionResult:
    counts = {c: 0 for c in Choice}
    weights = {c: 0 for c in Choice}
    ballots, not_voted = [], []
    for organisation in entitled:
        choice = choices.get(organisation.id)
        if choice is None:
            not_voted.append(organisation)
            continue
        ballots.append((organisation, choice))
        counts[choice] += 1
        weights[choice] += organisation.vote_weight
    figures = Figures(counts[Choice.YES], counts[Choice.NO], counts[Choice.ABSTAIN])
    weighted_figures = Figures(weights[Choice.YES], weights[Choice.NO], weights[Choice.ABSTAIN]) if weighted else None
    return QuestionResult(
        paragraph_id=paragraph_id,
        position=position,
        excerpt=text,
        counts=figures,
        weighted=weighted_figures,
        entitled=len(entitled),
        entitled_weight=sum(o.vote_weight for o in entitled),
        ballots=tuple(ballots),
        not_voted=tuple(not_voted),
        carried=majority_met(rule, weighted_figures if weighted_figures is not None else figures),
        amendment_id=amendment.id if amendment is not None else None,
        kind=amendment.kind if amendment is not None else None,
        status=amendment.status if amendment is not None else None,
        alternative_set_id=amendment.alternative_set_id if amendment is not None else None,
        alternative_position=amendment.alternative_position if amendment is not None else None,
        decided_live=live,
        ways=MappingProxyType({o.id: ways[o.id] for o, _choice in ballots if ways and o.id in ways}),
    )


def _version_voted_on(draft: Draft) -> Version | None:
    """The version adopted, once the draft is adopted (its text is frozen), else the current one (one query)."""
    if draft.adopted_version_id is not None:
        return db.session.get(Version, draft.adopted_version_id)
    return current_version(draft)


def results(draft: Draft) -> DraftResults:
    """The results of every question of `draft` from its current votes (seven queries); see the module's rules."""
    rule, weighted = draft.majority_rule or MajorityRule.SIMPLE, bool(draft.weighted_votes)
    entitled = entitled_organisations()
    entitled_ids = {o.id for o in entitled}
    v = Vote.__table__.c
    via = aliased(Organisation)
    choices: dict[int | None, dict[int, Choice]] = {}
    on_amendments: dict[int, dict[int, Choice]] = {}
    ways: dict[tuple[int | None, int | None], dict[int, Way]] = {}
    for paragraph_id, amendment_id, organisation_id, choice, channel, via_id, via_name, via_short in db.session.execute(
        select(v.paragraph_id, v.amendment_id, v.organisation_id, v.choice, v.channel, via.id, via.name, via.short_name)
        .outerjoin(via, via.id == v.via_organisation_id)
        .where(v.draft_id == draft.id)
    ):
        if organisation_id in entitled_ids:
            (
                on_amendments.setdefault(amendment_id, {})
                if amendment_id is not None
                else choices.setdefault(paragraph_id, {})
            )[organisation_id] = Choice(choice)
            if Channel(channel) != Channel.ONLINE:
                holder = NamedOrganisation(via_id, via_name, via_short) if via_id is not None else None
                ways.setdefault(question_key(paragraph_id, amendment_id), {})[organisation_id] = Way(
                    Channel(channel), holder if Channel(channel) == Channel.PROXY else None
                )
    live = decided_live(draft.id)
    version = _version_voted_on(draft)
    rows = paragraph_rows(version) if version is not None else []
    texts = [t for t in rows if not is_heading(t.text)]
    positions = {t.paragraph_id: t.position for t in rows}
    return DraftResults(
        draft=draft,
        rule=rule,
        weighted=weighted,
        version_number=version.number if version is not None else None,
        entitled=tuple(entitled),
        whole=_question(
            None,
            None,
            "",
            rule,
            weighted,
            entitled,
            choices.get(None, {}),
            ways=ways.get((None, None)),
            live=(None, None) in live,
        ),
        paragraphs=tuple(
            _question(
                t.paragraph_id,
                t.position,
                excerpt(t.text),
                rule,
                weighted,
                entitled,
                choices.get(t.paragraph_id, {}),
                ways=ways.get((t.paragraph_id, None)),
                live=(t.paragraph_id, None) in live,
            )
            for t in texts
        ),
        amendments=tuple(
            _question(
                a.paragraph_id,
                positions.get(a.paragraph_id),
                excerpt(a.proposed_text or ""),
                rule,
                weighted,
                entitled,
                on_amendments.get(a.id, {}),
                amendment=a,
                ways=ways.get((None, a.id)),
                live=(None, a.id) in live,
            )
            for a in voted_amendments(draft.id)
        ),
        sessions=sessions(draft.id),
    )
