"""Each event notifies who it concerns, through the real routes: never the person who acted, never someone who
did not opt in or turned the topic off."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus, Recommendation
from consult.amendments.procedure import recommend
from consult.amendments.services import propose
from consult.comments.models import Comment, CommentStatus, Stance
from consult.comments.services import post_comment
from consult.core import clock
from consult.drafts.models import AmendmentProcedure, DraftDeadline, ModerationPolicy, Phase
from consult.extensions import db
from consult.notifications.models import NotificationKind, NotificationMode, Topic
from consult.notifications.services import notify, notify_deadlines
from tests import factories
from tests.notifications.conftest import mails, notified, opt_in, post, who

NEW = "Absatz 2: Die Mitgliedsorganisationen beraten gemeinsam über *Teilhabe* und Vielfalt."


def _comment(world, author, **kwargs) -> Comment:
    draft = world["draft"]
    comment = post_comment(
        author, draft, draft.versions[0].texts[1], "Wir sehen das so.", Stance.SUPPORT, clock.now(), **kwargs
    )
    db.session.commit()
    return comment


def _amendment(world) -> Amendment:
    draft = world["draft"]
    amendment = propose(
        world["a1"], draft, draft.versions[0].texts[1], AmendmentKind.REPLACE, NEW, "Grund.", clock.now()
    )
    db.session.commit()
    return amendment


def _reply(client, auth, world, parent: Comment, email="x1@example.org", url=None, login=True):
    if login:
        auth.login(email, factories.PASSWORD)
    url = url or f"/drafts/teilhabe/paragraphs/{world['pid']}/comments"
    return post(client, "/drafts/teilhabe", url, body="Da stimmen wir zu.", stance="support", parent_id=str(parent.id))


def test_a_reply_notifies_the_comments_author_and_nobody_else(client, auth, world):
    opt_in(world["a1"], world["a2"], world["x1"])
    parent = _comment(world, world["a1"])
    assert _reply(client, auth, world, parent).status_code == 302
    [notification] = notified(kind=NotificationKind.REPLY)
    assert notification.user_id == world["a1"].id and notification.params == {
        "draft": "Teilhabegesetz",
        "name": "Xaver",
    }
    assert notification.link.startswith("/drafts/teilhabe?open=") and "#comment-" in notification.link
    # The author replying in their own thread is told nothing.
    auth.logout()
    _reply(client, auth, world, parent, email="a1@example.org")
    assert len(notified(kind=NotificationKind.REPLY)) == 1


def test_no_notification_without_opting_in_or_with_the_topic_off(client, auth, world):
    parent = _comment(world, world["a1"])  # a1 never opted in: no row is off
    _reply(client, auth, world, parent)
    assert notified() == []
    opt_in(world["a1"], topics=(Topic.PHASES, Topic.AMENDMENTS))  # replies off
    _reply(client, auth, world, parent, login=False)
    assert notified() == []
    opt_in(world["a1"], mode=NotificationMode.OFF)  # all off, topics on
    _reply(client, auth, world, parent, login=False)
    assert notified() == []


def test_a_held_reply_notifies_when_the_moderation_publishes_it(client, auth, world):
    opt_in(world["a1"])
    parent = _comment(world, world["a1"])
    world["draft"].moderation_policy = ModerationPolicy.HOLD
    db.session.commit()
    _reply(client, auth, world, parent)
    reply = db.session.scalars(select(Comment).where(Comment.parent_id == parent.id)).one()
    assert reply.status == CommentStatus.PENDING and notified() == []
    auth.logout()
    auth.login("mod@example.org", factories.PASSWORD)
    response = post(client, "/moderation", f"/moderation/comments/{reply.id}", decision="publish")
    assert response.status_code == 302
    assert who(NotificationKind.REPLY) == {"a1@example.org"}


def test_a_support_notifies_the_proposing_organisation(client, auth, world):
    opt_in(world["a1"], world["a2"], world["x1"])
    amendment = _amendment(world)
    auth.login("x1@example.org", factories.PASSWORD)
    response = post(client, "/drafts/teilhabe", f"/drafts/teilhabe/amendments/{amendment.id}/support")
    assert response.status_code == 302
    assert who(NotificationKind.AMENDMENT_SUPPORTED) == {"a1@example.org", "a2@example.org"}
    assert notified(world["a1"])[0].params["organisation"] == "Verein Xenia e.V."


def test_a_moderators_decision_notifies_the_proposing_organisation(client, auth, world):
    opt_in(world["a1"], world["a2"], world["mod"])
    amendment = _amendment(world)
    auth.login("mod@example.org", factories.PASSWORD)
    response = post(
        client,
        "/drafts/teilhabe",
        f"/drafts/teilhabe/amendments/{amendment.id}/decision",
        decision="reject",
        reason="Passt nicht.",
    )
    assert response.status_code == 302
    assert who(NotificationKind.AMENDMENT_DECIDED) == {"a1@example.org", "a2@example.org"}
    assert notified(world["a2"])[0].params["status"] == "rejected"


def test_a_decision_from_the_queue_notifies_too(client, auth, world):
    opt_in(world["a1"])
    amendment = _amendment(world)
    auth.login("mod@example.org", factories.PASSWORD)
    assert post(client, "/moderation", f"/moderation/amendments/{amendment.id}", decision="accept").status_code == 302
    assert [n.params["status"] for n in notified(world["a1"])] == ["accepted"]


def test_a_recommendation_notifies_where_the_organisations_decide(client, auth, world):
    opt_in(world["a1"])
    world["draft"].amendment_procedure = AmendmentProcedure.ORGANISATIONS
    db.session.commit()
    amendment = _amendment(world)
    auth.login("mod@example.org", factories.PASSWORD)
    assert post(client, "/moderation", f"/moderation/amendments/{amendment.id}", decision="accept").status_code == 302
    [notification] = notified(world["a1"])
    assert notification.kind == NotificationKind.AMENDMENT_RECOMMENDED
    assert notification.params["recommendation"] == "accept" and notification.link.endswith("#recommendation-title")


def test_a_comment_in_the_amendments_discussion_notifies_its_organisation(client, auth, world):
    opt_in(world["a1"], world["a2"], world["x1"])
    amendment = _amendment(world)
    auth.login("x1@example.org", factories.PASSWORD)
    response = post(
        client,
        "/drafts/teilhabe",
        f"/drafts/teilhabe/amendments/{amendment.id}/comments",
        body="Gute Idee.",
        stance="support",
    )
    assert response.status_code == 302
    assert who(NotificationKind.AMENDMENT_COMMENTED) == {"a1@example.org", "a2@example.org"}
    assert notified(world["a1"])[0].link.startswith(f"/drafts/teilhabe/amendments/{amendment.id}#comment-")


def test_a_reply_in_the_discussion_is_one_notification_for_the_replied_to(client, auth, world):
    opt_in(world["a1"], world["a2"])
    amendment = _amendment(world)
    parent = _comment(world, world["a2"], amendment=amendment)
    notified_before = len(notified())
    _reply(client, auth, world, parent, url=f"/drafts/teilhabe/amendments/{amendment.id}/comments")
    new = notified()[notified_before:]
    assert sorted((n.user.email, n.kind.value) for n in new) == [
        ("a1@example.org", "commented"),
        ("a2@example.org", "reply"),
    ]


def test_a_phase_change_notifies_everyone_taking_part_but_the_board_member_who_made_it(client, auth, world):
    outsider_org = factories.organisation(short_name="OUT")
    outsider_org.is_member = False
    outsider = factories.user(email="guest@example.org", org=outsider_org)
    opt_in(world["a1"], world["x1"], world["mod"], world["board"], outsider)
    opt_in(world["a2"], topics=(Topic.REPLIES,))
    auth.login("board@example.org", factories.PASSWORD)
    response = post(
        client, "/drafts/teilhabe/phase?to=editing", "/drafts/teilhabe/phase", to="editing", **{"from": "commenting"}
    )
    assert response.status_code == 302
    assert who(NotificationKind.PHASE_STARTED) == {"a1@example.org", "x1@example.org", "mod@example.org"}
    assert notified(world["mod"])[0].params == {"draft": "Teilhabegesetz", "phase": "editing"}


def test_a_phase_change_from_the_command_line_notifies_as_the_board_s_page_does(runner, world):
    opt_in(world["a1"], world["x1"], world["mod"], world["board"])
    result = runner.invoke(args=["set-phase", "teilhabe", "editing"])
    assert result.exit_code == 0, result.output
    assert who(NotificationKind.PHASE_STARTED) == {
        "a1@example.org",
        "x1@example.org",
        "mod@example.org",
        "board@example.org",
    }
    assert {m.recipient for m in mails("notification")} == who(NotificationKind.PHASE_STARTED)


def test_amendments_settled_by_consent_at_the_step_into_voting_notify_their_organisation(client, auth, world):
    draft = world["draft"]
    draft.amendment_procedure = AmendmentProcedure.ORGANISATIONS
    db.session.commit()
    amendment = _amendment(world)
    draft.phase = Phase.EDITING
    db.session.commit()
    recommend(world["mod"], amendment, draft, Recommendation.ACCEPT.value, "", clock.now())
    db.session.commit()
    opt_in(world["a1"])
    auth.login("board@example.org", factories.PASSWORD)
    response = post(
        client, "/drafts/teilhabe/phase?to=voting", "/drafts/teilhabe/phase", to="voting", **{"from": "editing"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Amendment, amendment.id).status == AmendmentStatus.ACCEPTED
    assert {(n.kind.value, n.params.get("status")) for n in notified(world["a1"])} == {
        ("phase_started", None),
        ("decided", "accepted"),
    }


def test_a_deadline_in_48_hours_notifies_once_and_again_when_it_moves(app, world, monkeypatch):
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now)
    opt_in(world["a1"], world["mod"])
    draft = world["draft"]
    deadline = DraftDeadline(draft_id=draft.id, phase=Phase.COMMENTING, ends_at=now + timedelta(hours=49))
    db.session.add(deadline)
    db.session.commit()
    assert notify_deadlines(now) == 0  # 49 hours ahead: not yet
    assert notify_deadlines(now + timedelta(hours=2)) == 2
    db.session.commit()
    assert notify_deadlines(now + timedelta(hours=3)) == 0  # the next run finds it again: nothing new
    assert who(NotificationKind.DEADLINE_SOON) == {"a1@example.org", "mod@example.org"}
    deadline.ends_at = now + timedelta(hours=60)  # moved: announced again when it comes near
    db.session.commit()
    assert notify_deadlines(now + timedelta(hours=20)) == 2
    db.session.commit()
    assert len(notified(kind=NotificationKind.DEADLINE_SOON)) == 4
    deadline.ends_at = now - timedelta(hours=1)  # passed: nothing
    db.session.commit()
    assert notify_deadlines(now) == 0


def test_agreement_wanted_is_recorded_and_mailed_for_those_who_opted_in(app, world):
    opt_in(world["a2"])
    opt_in(world["a1"], topics=(Topic.REPLIES,))
    made = notify(
        [world["a1"], world["a2"]],
        NotificationKind.AGREEMENT_WANTED,
        link="/drafts/teilhabe",
        now=clock.now(),
        draft=world["draft"],
        params={"draft": "Teilhabegesetz"},
    )
    db.session.commit()
    assert [n.user_id for n in made] == [world["a2"].id]
    [mail] = mails("notification")
    assert mail.recipient == "a2@example.org"
    assert "Ein interner Entwurf Ihrer Organisation zu „Teilhabegesetz“ wartet auf Ihr Einverständnis." in mail.body


def test_agreement_wanted_names_who_asks_and_the_paragraph(app, world):
    """What the workspace sends (consult.workspace.notices): who asks, and for which §."""
    opt_in(world["a2"])
    notify(
        [world["a2"]],
        NotificationKind.AGREEMENT_WANTED,
        link="/drafts/teilhabe/workspace/1",
        now=clock.now(),
        draft=world["draft"],
        params={
            "draft": "Teilhabegesetz",
            "paragraph": 4,
            "by": "Aylin",
            "organisation": "Verein Alpha e.V.",
            "kind": "amendment",
        },
    )
    db.session.commit()
    [mail] = mails("notification")
    assert (
        "Aylin bittet um Ihr Einverständnis: ein Entwurf Ihrer Organisation zu § 4 von „Teilhabegesetz“." in mail.body
    )
