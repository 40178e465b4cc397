"""`seed-demo` fills an empty database with realistic data and refuses any other."""

from __future__ import annotations

from sqlalchemy import func, select

from consult.accounts.models import Role, User
from consult.comments.models import Comment
from consult.core.markdown import plain_text
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.votes.models import Vote


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_fills_an_empty_database(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "konsultation-demo" in result.output
    organisations = db.session.scalars(select(Organisation)).all()
    assert len(organisations) >= 12
    assert len({o.state for o in organisations}) >= 12
    users = db.session.scalars(select(User)).all()
    for org in organisations:
        assert any(u.organisation_id == org.id and Role.DELEGATE in u.roles for u in users)
    for role in (Role.MODERATOR, Role.BOARD, Role.ADMIN):
        assert sum(role in u.roles for u in users) == 1
    drafts = {d.slug: d for d in db.session.scalars(select(Draft))}
    assert set(drafts) == {"participation-law", "diversity-council"}
    for draft in drafts.values():
        assert 15 <= len(draft.versions[0].texts) <= 30
    comments = db.session.scalars(select(Comment)).all()
    assert sum(c.parent_id is None for c in comments) >= 10
    assert sum(c.parent_id is not None for c in comments) >= 5
    quoted = [c for c in comments if c.quote_exact]
    assert quoted
    for comment in quoted:
        text = next(t for t in comment.version.texts if t.paragraph_id == comment.paragraph_id)
        plain = plain_text(text.text)
        assert comment.quote_prefix + comment.quote_exact + comment.quote_suffix in plain
    voting = drafts["diversity-council"]
    assert voting.phase == Phase.VOTING
    assert _count(Vote) > 0
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.draft_id != voting.id)) == 0


def test_seed_demo_refuses_a_database_with_data(runner):
    runner.invoke(args=["create-organisation", "Schon da e.V.", "--short-name", "DA"])
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "already holds data" in result.output
    assert _count(Organisation) == 1 and _count(Draft) == 0
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "not seeded" in result.output
    assert _count(Organisation) == 1
