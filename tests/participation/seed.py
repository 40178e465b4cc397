"""A draft with several organisations' contributions, some of which must not count (held, rejected, withdrawn
comments; withdrawn and hidden amendments; an inactive and a non-member organisation), for the participation
tests. Everything goes through the services, as the app writes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind, AmendmentStatus
from consult.amendments.services import propose, support, withdraw
from consult.comments.models import CommentStatus
from consult.comments.services import post_comment, withdraw_comment
from consult.drafts.models import Phase
from consult.extensions import db
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)


@dataclass
class Seeded:
    draft: object
    organisations: dict  # letter -> Organisation
    delegates: dict  # letter -> User (a delegate of it)
    texts: list  # the ParagraphTexts of version 1, in order


def seed(paragraphs: int = 6) -> Seeded:
    draft = factories.draft(paragraphs=paragraphs, phase=Phase.COMMENTING)
    texts = sorted(draft.versions[0].texts, key=lambda t: t.position)
    orgs, people = {}, {}
    for letter in "ABCDEFGH":
        orgs[letter] = factories.organisation(name=f"Verein {letter} e.V.", short_name=f"V{letter}")
        people[letter] = factories.user(org=orgs[letter], name=f"Delegierte {letter}")
    # H is not a member any more, I (below) is inactive: neither is listed, whatever they did.
    orgs["H"].is_member = False
    inactive = factories.organisation(name="Verein I e.V.", short_name="VI")
    people["I"] = factories.user(org=inactive, name="Delegierte I")
    inactive.is_active = False
    db.session.flush()
    a, b, c, d, e, f, g = (people[x] for x in "ABCDEFG")
    # A: two comments on § 2, one on § 3, and a reply on § 3 (replies are comments too)
    post_comment(a, draft, texts[1], "Erstens.", None, NOW)
    post_comment(a, draft, texts[1], "Zweitens.", None, NOW)
    first = post_comment(a, draft, texts[2], "Drittens.", None, NOW)
    post_comment(a, draft, texts[2], "Antwort.", None, NOW, parent=first)
    # B: a comment held for moderation, C: a rejected one, D: a withdrawn one: none of them counts
    post_comment(b, draft, texts[1], "Wartet.", None, NOW).status = CommentStatus.PENDING
    post_comment(c, draft, texts[1], "Abgelehnt.", None, NOW).status = CommentStatus.REJECTED
    withdraw_comment(d, post_comment(d, draft, texts[3], "Zurück.", None, NOW), draft, NOW)
    # E proposes an amendment on § 4 that A supports; F withdraws its amendment; G's is hidden by moderation
    amendment = propose(e, draft, texts[3], AmendmentKind.REPLACE, "Neuer Text.", "Besser.", NOW)
    support(a, amendment, draft, NOW)
    withdraw(f, propose(f, draft, texts[4], AmendmentKind.DELETE, None, "Weg damit.", NOW), draft, NOW)
    propose(g, draft, texts[4], AmendmentKind.REPLACE, "Anders.", "So.", NOW).status = AmendmentStatus.HIDDEN
    db.session.flush()
    return Seeded(draft, orgs, people, texts)


def vote(seeded: Seeded, letters: str, questions) -> None:
    """Move the draft to voting and let the organisations `letters` vote yes on `questions` (paragraph
    indexes into `texts`, None: the whole text)."""
    seeded.draft.phase = Phase.VOTING
    db.session.flush()
    for letter in letters:
        for index in questions:
            cast_vote(
                seeded.delegates[letter],
                seeded.draft,
                None if index is None else seeded.texts[index].paragraph_id,
                Choice.YES,
                NOW,
            )
    db.session.flush()


def office(role: Role = Role.MODERATOR, email: str = "office@example.org"):
    return factories.user(email=email, roles=(role,), name="Büro")
