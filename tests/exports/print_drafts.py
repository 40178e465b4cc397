"""Drafts for the tests of the print page (PDF, HTML) and the Markdown export: one whose text decisions
shaped (amendments of three organisations, supporters, every kind of decision, a resolved collision, votes),
and a long one for the layout of the results table."""

from __future__ import annotations

from dataclasses import dataclass

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentKind
from consult.amendments.services import decide, propose, support
from consult.board.services import adopt
from consult.core import clock
from consult.drafts.models import Draft, Phase
from consult.drafts.services import import_draft, is_heading, set_phase
from consult.extensions import db
from consult.versions.queries import conflicts_of
from consult.versions.services import publish_version, resolve_conflict, start_version
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories

SHAPED_MARKDOWN = (
    "\n\n".join(
        [
            "# Teilhabe vor Ort",
            "Die Mitgliedsorganisationen beraten über Teilhabe und Vielfalt in den Kommunen.",
            "Wir schlagen vor, dass jede Kommune einen Beirat einrichtet.",
            "Der Beirat tagt viermal im Jahr öffentlich.",
            "Die Kosten trägt das Land.",
            "Dieser Absatz wird gestrichen.",
            "Die Geschäftsstelle berichtet jährlich.",
        ]
    )
    + "\n"
)
MODERATOR = "Mara Moderatorin"
COMMON_TEXT = "Der Beirat tagt sechsmal im Jahr, davon zweimal öffentlich."


@dataclass
class Shaped:
    """The shaped draft and its parts, by what the tests look for."""

    draft: Draft
    orgs: dict[str, object]  # short name -> Organisation
    replaced: Amendment  # TEB's, supported by NAV and PSR, accepted as proposed (§ 3)
    modified: Amendment  # NAV's, accepted in modified form (§ 2)
    inserted: Amendment  # PSR's new paragraph after § 5
    deleted: Amendment  # TEB's deletion of "Dieser Absatz wird gestrichen."
    rejected: Amendment  # PSR's, rejected with a reason (§ 7)
    colliding: tuple[Amendment, Amendment]  # TEB's and NAV's on § 4, resolved by COMMON_TEXT


def shaped_draft(app, show_ballots: bool = True) -> Shaped:
    """Adopted: version 2 took up five amendments and a resolved collision; three organisations voted."""
    now = clock.now()
    orgs = {
        short: factories.organisation(name, short)
        for short, name in (
            ("TEB", "Türkischer Elternbund e.V."),
            ("NAV", "Netzwerk Arabischer Vereine"),
            ("PSR", "Polnischer Sozialrat"),
        )
    }
    delegates = {short: factories.user(org=org) for short, org in orgs.items()}
    moderator = factories.user(roles=(Role.MODERATOR,), name=MODERATOR)
    board = factories.user(roles=(Role.BOARD,))
    draft = import_draft(SHAPED_MARKDOWN, "Teilhabe vor Ort", f"teilhabe-{id(orgs)}")
    draft.phase = Phase.COMMENTING
    db.session.flush()
    texts = draft.versions[0].texts
    with app.test_request_context():
        replaced = propose(
            delegates["TEB"],
            draft,
            texts[2],
            AmendmentKind.REPLACE,
            "Wir fordern, dass jede Kommune einen Beirat einrichtet.",
            "Deutlicher.",
            now,
        )
        support(delegates["NAV"], replaced, draft, now)
        support(delegates["PSR"], replaced, draft, now)
        modified = propose(
            delegates["NAV"],
            draft,
            texts[1],
            AmendmentKind.REPLACE,
            "Die Mitgliedsorganisationen beraten über Teilhabe, Vielfalt und Bildung.",
            "Bildung fehlt.",
            now,
        )
        inserted = propose(
            delegates["PSR"],
            draft,
            texts[4],
            AmendmentKind.INSERT,
            "Das Land richtet einen Fonds für Beiräte ein.",
            "Geld folgt Aufgabe.",
            now,
        )
        deleted = propose(delegates["TEB"], draft, texts[5], AmendmentKind.DELETE, None, "Überflüssig.", now)
        rejected = propose(
            delegates["PSR"],
            draft,
            texts[6],
            AmendmentKind.REPLACE,
            "Die Geschäftsstelle berichtet monatlich.",
            "Öfter ist besser.",
            now,
        )
        first = propose(
            delegates["TEB"],
            draft,
            texts[3],
            AmendmentKind.REPLACE,
            "Der Beirat tagt sechsmal im Jahr öffentlich.",
            "Öfter.",
            now,
        )
        second = propose(
            delegates["NAV"],
            draft,
            texts[3],
            AmendmentKind.REPLACE,
            "Der Beirat tagt zweimal im Jahr öffentlich.",
            "Seltener reicht.",
            now,
        )
        decide(moderator, replaced, draft, "accept", "", now)
        decide(
            moderator,
            modified,
            draft,
            "accept_modified",
            "Kürzer gefasst.",
            now,
            adopted_text="Die Mitgliedsorganisationen beraten über Teilhabe und Bildung.",
        )
        decide(moderator, inserted, draft, "accept", "", now)
        decide(moderator, deleted, draft, "accept", "", now)
        decide(moderator, rejected, draft, "reject", "Einmal im Jahr genügt.", now)
        decide(moderator, first, draft, "accept", "", now)
        decide(moderator, second, draft, "accept", "", now)
        version = start_version(moderator, draft, now)
        (conflict,) = conflicts_of(version)
        resolve_conflict(moderator, conflict, COMMON_TEXT, now)
        publish_version(moderator, version, now)
    draft.appendix_shows_ballots = show_ballots
    set_phase(draft, Phase.VOTING)
    db.session.flush()
    questions = [t.paragraph_id for t in draft.versions[-1].texts if not is_heading(t.text)]
    choices = {"TEB": Choice.YES, "NAV": Choice.NO, "PSR": Choice.ABSTAIN}
    for short, delegate in delegates.items():
        cast_vote(delegate, draft, None, Choice.YES, now)
        for paragraph_id in questions:
            cast_vote(delegate, draft, paragraph_id, choices[short], now)
    with app.test_request_context():
        adopt(board, draft, Phase.VOTING, now)
    db.session.commit()
    return Shaped(draft, orgs, replaced, modified, inserted, deleted, rejected, (first, second))


def long_draft(app, paragraphs: int = 40, organisations: int = 5, weighted: bool = False) -> Draft:
    """A draft of `paragraphs` paragraphs in the voting phase, every paragraph voted on by `organisations`
    (weighted: the first organisation's vote weighs 12, so that figures read "2 (13)")."""
    now = clock.now()
    draft = factories.draft(paragraphs=paragraphs, phase=Phase.VOTING)
    draft.weighted_votes = weighted
    voters = [factories.user() for _ in range(organisations)]
    if weighted:
        voters[0].organisation.vote_weight = 12
    questions = [t.paragraph_id for t in draft.versions[-1].texts if not is_heading(t.text)]
    for index, voter in enumerate(voters):
        cast_vote(voter, draft, None, Choice.YES, now)
        for number, paragraph_id in enumerate(questions):
            cast_vote(voter, draft, paragraph_id, (Choice.YES, Choice.NO, Choice.ABSTAIN)[(index + number) % 3], now)
    db.session.commit()
    return draft
