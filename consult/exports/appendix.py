"""The words of a document's appendix that need more than the document model: how the text came about
(`provenance()`), the figures of a question in words, the results chart, and the notes on decisions and
collisions. The print page (PDF, HTML), the Word export and the Markdown writer share them, so that they say
the same.
Called inside `document_locale()` (consult.exports.page): every word in the draft's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_date, format_time
from flask_babel import gettext as _

from consult.exports.document import DecidedAmendment, Document, ResolvedCollision
from consult.results.live_record import ProxyRecord, SessionRecord
from consult.results.queries import DraftResults, EntitledOrganisation, QuestionResult


def decided_when(moment: datetime | None) -> str:
    """ "3. März 2026, 14:05": the date and time of a decision, in the document's language and time zone."""
    if moment is None:
        return ""
    return f"{format_date(moment, format='long')}, {format_time(moment, format='short')}"


def question_label(question: QuestionResult) -> str:
    """ "Gesamter Text", "§ 4" or "Änderungsantrag 12 (§ 4)": a question of the vote as the documents name it."""
    if question.is_amendment:
        label = _("Amendment %(num)d", num=question.amendment_id)
        return f"{label} (§ {question.position})" if question.position else label
    return _("Whole text") if question.is_whole_draft else f"§ {question.position}"


def chart_label(question: QuestionResult) -> str:
    """The question's name beside its bar, short enough for the chart's label column: "Antrag 12" for an
    amendment, else as `question_label`."""
    return _("Amend. %(num)d", num=question.amendment_id) if question.is_amendment else question_label(question)


def figure(question: QuestionResult, choice: str) -> str:
    """ "4" or, where the draft weighs votes, "4 (5)": organisations, and in brackets the weighted votes."""
    shown = str(getattr(question.counts, choice))
    return f"{shown} ({getattr(question.weighted, choice)})" if question.weighted is not None else shown


def turnout(question: QuestionResult) -> str:
    """ "4 von 5 Organisationen haben abgestimmt"."""
    return _("%(voted)d of %(entitled)d organisations voted", voted=question.voted, entitled=question.entitled)


def outcome(question: QuestionResult) -> str:
    """ "angenommen" or "abgelehnt"; "erledigt" for an alternative that lapsed because one voted before it passed
    (whatever its own figures)."""
    if question.status is not None and question.status.value == "lapsed":
        return _("lapsed")
    return _("carried") if question.carried else _("not carried")


def results_row(question: QuestionResult) -> tuple[str, ...]:
    """A question's row of the results table: question, yes, no, abstain, turnout, result."""
    return (
        question_label(question),
        figure(question, "yes"),
        figure(question, "no"),
        figure(question, "abstain"),
        turnout(question),
        outcome(question),
    )


def figures_line(question: QuestionResult, strong=str) -> str:
    """ "Ja 3 · Nein 1 · Enthaltung 0 · 4 von 5 Organisationen haben abgestimmt · angenommen": one question's
    figures in words, as the results table gives them (weighted votes in brackets); `strong` marks the
    outcome (the Markdown writer's bold)."""
    return " · ".join(
        (
            f"{_('Yes')} {figure(question, 'yes')}",
            f"{_('No')} {figure(question, 'no')}",
            f"{_('Abstain')} {figure(question, 'abstain')}",
            turnout(question),
            strong(outcome(question)),
        )
    )


# How the votes came in (issue 16): for each question whether it was decided in the live session or online, its
# counted votes by channel, the proxies used and the paper ballots; the live sessions' confirmed proxies; the marks
# in who voted how. Organisations by their short names, as in who voted how; no people.


def decided_label(question: QuestionResult) -> str:
    """ "In der Live-Sitzung entschieden" (an agenda item for it was closed in a live session) or "Online
    abgestimmt"."""
    return _("Decided in the live session") if question.decided_live else _("Voted online")


def ways_note(question: QuestionResult) -> str:
    """ "In der Live-Sitzung entschieden. Gezählte Stimmen: online 1, in der Live-Sitzung 1, per
    Stimmübertragung 1, auf Papierstimmzettel 1. Genutzte Stimmübertragungen: BKB stimmte für AEV ab.
    Papierstimmzettel: BKB." — where a question was decided and how its counted votes came in (a channel no
    vote came in by is left out)."""
    sentences = [f"{decided_label(question)}."]
    if question.ballots:
        channels = question.channels
        counted = ", ".join(
            words
            for words, number in (
                (_("online %(num)d", num=channels.online), channels.online),
                (_("in the live session %(num)d", num=channels.live), channels.live),
                (_("by proxy %(num)d", num=channels.proxy), channels.proxy),
                (_("on paper ballots %(num)d", num=channels.paper), channels.paper),
            )
            if number
        )
        label = _("Counted votes:")
        sentences.append(f"{label} {counted}.")
    if question.proxies:
        used = "; ".join(
            _("%(holder)s voted for %(giver)s", holder=holder.short_name if holder else "–", giver=giver.short_name)
            for giver, holder in question.proxies
        )
        label = _("Proxies used:")
        sentences.append(f"{label} {used}.")
    if question.on_paper:
        label = _("Paper ballots:")
        sentences.append(f"{label} {', '.join(o.short_name for o in question.on_paper)}.")
    return " ".join(sentences)


def session_title(session: SessionRecord) -> str:
    """ "Live-Sitzung vom 14. November 2026, 10:00 bis 14. November 2026, 13:30"."""
    if session.ended_at is None:
        return _("Live session since %(start)s (still running)", start=decided_when(session.started_at))
    return _(
        "Live session from %(start)s to %(end)s",
        start=decided_when(session.started_at),
        end=decided_when(session.ended_at),
    )


def proxy_note(proxy: ProxyRecord) -> str:
    """ "Ägyptischer Elternverein (AEV) an Bosnischer Kulturbund (BKB), bestätigt am …; zurückgezogen am …": a
    proxy the office confirmed."""
    note = _(
        "%(giver)s to %(holder)s, confirmed %(when)s",
        giver=f"{proxy.giver.name} ({proxy.giver.short_name})",
        holder=f"{proxy.holder.name} ({proxy.holder.short_name})",
        when=decided_when(proxy.confirmed_at),
    )
    if proxy.withdrawn_at is not None:
        withdrawn = _("withdrawn %(when)s", when=decided_when(proxy.withdrawn_at))
        note = f"{note}; {withdrawn}"
    return note


def ballot_name(question: QuestionResult, organisation: EntitledOrganisation) -> str:
    """An organisation in who voted how: its short name, "AEV (per Stimmübertragung: BKB)" for a proxy vote,
    "BKB (Papierstimmzettel)" for a paper ballot."""
    way = question.way(organisation)
    if way.channel.value == "proxy":
        mark = _("by proxy: %(holder)s", holder=way.via.short_name if way.via else "–")
        return f"{organisation.short_name} ({mark})"
    if way.channel.value == "paper":
        mark = _("paper ballot")
        return f"{organisation.short_name} ({mark})"
    return organisation.short_name


# The results chart: one bar per question, its yes / no / abstain shares side by side. Geometry in the
# SVG's own units (the figure is scaled to the column's width); colours as presentation attributes
# (no style attribute: the HTML file's Content-Security-Policy allows only its one stylesheet).
CHART_WIDTH, CHART_ROW, CHART_BAR = 600, 14, 10
CHART_LABEL, CHART_BAR_WIDTH = 80, 360
CHART_COLOURS = {"yes": "#2e7d32", "no": "#b71c1c", "abstain": "#9e9e9e"}


@dataclass(frozen=True)
class ChartSegment:
    choice: str
    x: float
    width: float
    colour: str


@dataclass(frozen=True)
class ChartRow:
    label: str
    y: int
    segments: tuple[ChartSegment, ...]
    note: str  # the outcome, or "no votes yet"


@dataclass(frozen=True)
class Chart:
    alt: str  # the figures in words: the figure's alternative text (the PDF's /Alt, the SVG's <title>)
    width: int
    height: int
    rows: tuple[ChartRow, ...]
    legend_y: int
    legend: tuple[tuple[str, str, int], ...]  # (label, colour, x)
    bar_x: int = CHART_LABEL
    bar_width: int = CHART_BAR_WIDTH
    note_x: int = CHART_LABEL + CHART_BAR_WIDTH + 10


CHART_ROWS_PER_FIGURE = 40  # about 16 cm: a figure is never split across pages, so a long vote gets several


def results_charts(results: DraftResults) -> tuple[Chart, ...]:
    """Bar charts of the deciding figures of every question, at most CHART_ROWS_PER_FIGURE bars each, and
    each with an alternative text stating the figures and outcome of its questions."""
    questions = results.questions
    return tuple(
        _chart(questions[start : start + CHART_ROWS_PER_FIGURE], results.weighted)
        for start in range(0, len(questions), CHART_ROWS_PER_FIGURE)
    )


def _chart(questions: tuple[QuestionResult, ...], weighted: bool) -> Chart:
    rows, described = [], []
    names = {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain")}
    for index, question in enumerate(questions):
        figures, x, segments = question.deciding, float(CHART_LABEL), []
        for choice in ("yes", "no", "abstain"):
            width = round(CHART_BAR_WIDTH * figures.share(choice), 2)
            if width:
                segments.append(ChartSegment(choice, x, width, CHART_COLOURS[choice]))
            x += width
        result = outcome(question)
        rows.append(
            ChartRow(
                chart_label(question),
                index * CHART_ROW,
                tuple(segments),
                result if figures.total else _("No votes yet."),
            )
        )
        described.append(
            f"{question_label(question)}: {names['yes']} {figures.yes}, {names['no']} {figures.no}, "
            f"{names['abstain']} {figures.abstain}, {result}"
        )
    alt = (
        _("Bar chart of the results, by weighted votes: %(rows)s", rows="; ".join(described))
        if weighted
        else _("Bar chart of the results: %(rows)s", rows="; ".join(described))
    )
    legend_y = len(rows) * CHART_ROW + 6
    legend = tuple(
        (names[choice], CHART_COLOURS[choice], CHART_LABEL + 110 * i)
        for i, choice in enumerate(("yes", "no", "abstain"))
    )
    return Chart(alt, CHART_WIDTH, legend_y + CHART_ROW, tuple(rows), legend_y, legend)


@dataclass(frozen=True)
class ShapedParagraph:
    """A paragraph the decisions shaped: the adopted amendments that changed, made or removed it, the
    collisions among them the moderation resolved, and the paragraph's vote."""

    paragraph_id: int
    position: int | None  # its § in the document (None: the paragraph was removed)
    text: str  # its Markdown in the document (a removed one: the text it had)
    amendments: tuple[DecidedAmendment, ...]  # oldest first
    collisions: tuple[ResolvedCollision, ...]
    vote: QuestionResult | None


@dataclass(frozen=True)
class Provenance:
    shaped: tuple[ShapedParagraph, ...]  # paragraphs of the text, in order
    removed: tuple[ShapedParagraph, ...]  # paragraphs taken out of the text
    not_adopted: tuple[DecidedAmendment, ...]  # rejected, or merged into another

    def __bool__(self) -> bool:
        return bool(self.shaped or self.removed or self.not_adopted)


def provenance(document: Document) -> Provenance:
    """How the text came about, for the appendix of every format: for each paragraph of the document's
    text that adopted amendments or a resolved collision shaped, those amendments and collisions (and the
    vote on it); the paragraphs they removed; the amendments not adopted."""
    votes = {q.paragraph_id: q for q in document.results.paragraphs} if document.results else {}
    collisions: dict[int, list] = {}
    for collision in document.collisions:
        collisions.setdefault(collision.paragraph_id, []).append(collision)

    def shaped(paragraph_id: int, position: int | None, text: str) -> ShapedParagraph:
        return ShapedParagraph(
            paragraph_id,
            position,
            text,
            document.changed_by(paragraph_id),
            tuple(collisions.get(paragraph_id, ())),
            votes.get(paragraph_id),
        )

    in_text = [shaped(b.paragraph_id, b.position, b.markdown) for b in document.blocks]
    present = {b.paragraph_id for b in document.blocks}
    gone = [a.paragraph_id for a in document.removed]
    gone += [c.paragraph_id for c in document.collisions if c.text is None]
    removed, seen = [], set()
    for paragraph_id in gone:
        if paragraph_id in present or paragraph_id in seen:
            continue
        seen.add(paragraph_id)
        changes = document.changed_by(paragraph_id)
        removed.append(shaped(paragraph_id, None, changes[0].base_text if changes else ""))
    return Provenance(tuple(p for p in in_text if p.amendments or p.collisions), tuple(removed), document.rejected)


STATUS_LABELS = {
    "accepted": "Accepted",
    "accepted_modified": "Accepted in modified form",
    "rejected": "Rejected",
    "merged": "Merged into another amendment",
    "lapsed": "Lapsed",
    "put_to_vote": "Put to the vote",
}


def status_label(status: str) -> str:
    """An amendment's decision as the documents name it."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def lapse_label(amendment: DecidedAmendment) -> str:
    """Why an amendment lapsed, in the words of its decision: "Erledigt durch Annahme von Änderungsantrag 7"
    (an alternative voted after the one that passed) or "Erledigt: Unterstützungsquorum nicht erreicht"."""
    if amendment.settled_by is not None:
        return _("Lapsed by the adoption of amendment %(num)d", num=amendment.settled_by)
    if amendment.lapse_reason == "quorum":
        return _("Lapsed: supporter quorum not reached")
    return status_label(amendment.status)


def alternative_label(amendment: DecidedAmendment) -> str:
    """ "Alternative 2 von 3 zu § 4": an amendment's place in the voting order of its alternatives set ("" for
    one that was in none)."""
    if not amendment.alternative_place:
        return ""
    if amendment.position:
        return _(
            "Alternative %(num)d of %(count)d to § %(position)d",
            num=amendment.alternative_place,
            count=amendment.alternatives,
            position=amendment.position,
        )
    return _("Alternative %(num)d of %(count)d", num=amendment.alternative_place, count=amendment.alternatives)


def kind_label(kind: str) -> str:
    """What an amendment does, where it is more than a new wording."""
    return {"insert": _("New paragraph"), "delete": _("Removal of the paragraph")}.get(kind, "")


def amendment_title(amendment: DecidedAmendment) -> str:
    """ "Änderungsantrag 4 · Neuer Absatz", and "· § 3" for one not adopted (an adopted one stands under its
    paragraph)."""
    title = _("Amendment %(num)d", num=amendment.number)
    if kind_label(amendment.kind):
        title = f"{title} · {kind_label(amendment.kind)}"
    if amendment.position and not amendment.adopted:
        title = f"{title} · § {amendment.position}"
    return title


def decision(amendment: DecidedAmendment) -> str:
    """ "Übernommen · Fassung 2": how an amendment was decided, and the version that took it in. Where the
    organisations decided it: "… · durch Zustimmung von <Organisation>" (the "Decided by" line names the
    person and the date) or "… · durch Abstimmung der Organisationen", and for an alternative its place in
    the voting order ("Alternative 2 von 3 zu § 4"); a lapsed one says why it lapsed."""
    parts = [lapse_label(amendment) if amendment.status == "lapsed" else status_label(amendment.status)]
    if amendment.decided_how == "consent":
        parts.append(_("by consent of %(organisation)s", organisation=amendment.organisation))
    elif amendment.decided_how == "vote":
        parts.append(_("by the organisations' vote"))
    if alternative_label(amendment):
        parts.append(alternative_label(amendment))
    if amendment.applied_in_version:
        parts.append(_("Version %(number)d", number=amendment.applied_in_version))
    return " · ".join(parts)


def recommendation_note(amendment: DecidedAmendment) -> str:
    """ "Modifiziert übernehmen (Mona Muster, 3. März 2026, 14:05)": the moderation's procedural
    recommendation, where the organisations decided ("" where there was none)."""
    if not amendment.recommendation:
        return ""
    if amendment.recommendation == "merge" and amendment.recommended_merge_into:
        words = _("Settled by amendment %(num)d", num=amendment.recommended_merge_into)
    else:
        words = {
            "accept": _("Accept"),
            "accept_modified": _("Accept modified"),
            "reject": _("Reject"),
            "merge": _("Settled by another amendment"),
        }.get(amendment.recommendation, amendment.recommendation)
    who = ", ".join(part for part in (amendment.recommended_by, decided_when(amendment.recommended_at)) if part)
    return f"{words} ({who})" if who else words


def vote_requests_note(amendment: DecidedAmendment) -> str:
    """ "Verein (KURZ), 3. März 2026, 14:05; …": the organisations that asked for a vote, and when."""
    return "; ".join(f"{organisation}, {decided_when(when)}" for organisation, when in amendment.vote_requests)


def collision_note(collision: ResolvedCollision) -> str:
    """What the moderation did where adopted amendments collided."""
    numbers = ", ".join(str(n) for n in collision.amendment_numbers)
    when = decided_when(collision.resolved_at)
    if collision.text is None:
        return _(
            "Amendments %(numbers)s collided; the moderation removed the paragraph in version %(version)d (%(when)s).",
            numbers=numbers,
            version=collision.version,
            when=when,
        )
    return _(
        "Amendments %(numbers)s collided; the moderation wrote the common text in version %(version)d (%(when)s).",
        numbers=numbers,
        version=collision.version,
        when=when,
    )
