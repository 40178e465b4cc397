"""Each organisation sees its own progress on the draft page: paragraphs commented and (in voting) questions voted
on, right after a vote although the page itself is cached (votes do not raise the draft's revision)."""

from __future__ import annotations

import re

import pytest

from consult.accounts.models import Role
from consult.amendments.models import AmendmentStatus
from consult.drafts.models import Phase
from consult.extensions import db
from consult.participation.progress import progress
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories
from tests.participation.seed import NOW, office, seed, vote


def _line(client, slug) -> str | None:
    match = re.search(
        r'<p class="own-progress"[^>]*>(.*?)</p>', client.get(f"/drafts/{slug}").get_data(as_text=True), re.S
    )
    return " ".join(match.group(1).split(" · <a ")[0].split()) if match else None


def test_commenting_shows_the_paragraphs_commented(app, client, auth):
    seeded = seed()  # 6 paragraphs, the first a heading: 5 to comment on; A commented on § 2 and § 3
    db.session.commit()
    auth.login(seeded.delegates["A"].email, factories.PASSWORD)
    assert _line(client, seeded.draft.slug) == "Ihre Organisation: 2 von 5 Absätzen kommentiert"
    # ... with the way to what the organisation prepares together.
    page = client.get(f"/drafts/{seeded.draft.slug}").get_data(as_text=True)
    assert f'<a href="/drafts/{seeded.draft.slug}/workspace">Entwürfe unserer Organisation</a></p>' in page
    auth.logout()
    auth.login(seeded.delegates["B"].email, factories.PASSWORD)  # B's comment waits for moderation
    assert _line(client, seeded.draft.slug) == "Ihre Organisation: 0 von 5 Absätzen kommentiert"


def test_voting_line_follows_each_vote_on_the_cached_page(app, client, auth):
    seeded = seed()
    vote(seeded, "A", [1])
    db.session.commit()
    slug = seeded.draft.slug
    auth.login(seeded.delegates["A"].email, factories.PASSWORD)
    # questions: 5 paragraphs and the whole text
    assert _line(client, slug) == "Ihre Organisation: 2 von 5 Absätzen kommentiert, 1 von 6 Fragen abgestimmt"
    assert client.application.config["PAGE_CACHE_BYTES"] > 0
    revision = seeded.draft.revision
    cast_vote(seeded.delegates["A"], seeded.draft, seeded.texts[2].paragraph_id, Choice.NO, NOW)
    db.session.commit()
    db.session.refresh(seeded.draft)
    assert seeded.draft.revision == revision, "a vote leaves the cached page as it is"
    assert _line(client, slug) == "Ihre Organisation: 2 von 5 Absätzen kommentiert, 2 von 6 Fragen abgestimmt"


def test_in_the_amendment_round_the_questions_are_the_amendments_put_to_the_vote(app):
    seeded = seed()
    seeded.draft.phase = Phase.VOTING
    from consult.amendments.models import Amendment

    amendment = db.session.scalars(db.select(Amendment).where(Amendment.status == AmendmentStatus.SUBMITTED)).first()
    amendment.status = AmendmentStatus.PUT_TO_VOTE
    db.session.flush()
    c = seeded.delegates["C"]
    assert progress(seeded.draft, c.organisation_id).questions == 1
    cast_vote(c, seeded.draft, None, Choice.YES, NOW, amendment=amendment)
    assert progress(seeded.draft, c.organisation_id).voted == 1


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.BOARD])
def test_not_shown_to_the_office(app, client, auth, role):
    seeded = seed()
    person = office(role)
    db.session.commit()
    auth.login(person.email, factories.PASSWORD)
    assert _line(client, seeded.draft.slug) is None


def test_one_query_for_the_line(app, count_queries):
    seeded = seed()
    vote(seeded, "A", [1, None])
    with count_queries() as counter:
        result = progress(seeded.draft, seeded.delegates["A"].organisation_id)
    assert (result.commented, result.voted, result.questions) == (2, 2, 6)
    assert counter.count == 1
