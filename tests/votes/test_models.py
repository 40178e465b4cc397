"""One vote per organisation per question is a rule of the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from consult.extensions import db
from consult.votes.models import Choice, Vote
from tests import factories


def test_one_vote_per_organisation_per_paragraph_and_on_the_whole(app):
    org, other = factories.organisation(), factories.organisation()
    draft = factories.draft(paragraphs=2)
    paragraph = draft.versions[0].texts[0].paragraph
    db.session.add_all(
        [
            Vote(draft=draft, paragraph=paragraph, organisation=org, choice=Choice.YES),
            Vote(draft=draft, paragraph=paragraph, organisation=other, choice=Choice.NO),
            Vote(draft=draft, paragraph=None, organisation=org, choice=Choice.ABSTAIN),
            Vote(draft=draft, paragraph=draft.versions[0].texts[1].paragraph, organisation=org, choice=Choice.YES),
        ]
    )
    db.session.commit()
    db.session.add(Vote(draft=draft, paragraph=paragraph, organisation=org, choice=Choice.NO))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Vote(draft=draft, paragraph=None, organisation=org, choice=Choice.NO))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
