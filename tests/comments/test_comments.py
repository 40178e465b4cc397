"""Commenting through the real routes: plain POST and htmx, every refusal, and what others see."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.comments.models import Comment, CommentStatus
from consult.core import clock
from consult.core.announce import announced_message
from consult.drafts.models import DraftDeadline, ModerationPolicy, Phase
from consult.extensions import db
from tests import factories
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}
PARAGRAPH_TEXT = "Absatz 2: Die Mitgliedsorganisationen beraten über Teilhabe und Vielfalt."


def _comments() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


@pytest.fixture
def world(app):
    org, other_org = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    people = {
        "amira": factories.user(email="amira@example.org", name="Amira", org=org),
        "bogdan": factories.user(email="bogdan@example.org", name="Bogdan", org=other_org),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "moderator": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
    }
    draft = factories.draft(paragraphs=4, phase=Phase.COMMENTING, slug="teilhabe")
    db.session.commit()
    text = draft.versions[0].texts[1]
    return {"draft": draft, "pid": text.paragraph_id, "org": org, "other_org": other_org, **people}


def _post(client, world, headers=None, **fields):
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "body": "Wir unterstützen das.", "stance": "support", **fields}
    return client.post(f"/drafts/teilhabe/paragraphs/{world['pid']}/comments", data=data, headers=headers or {})


def test_plain_post_redirects_to_the_paragraph(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = _post(client, world)
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    assert response.headers["Location"] == f"/drafts/teilhabe?open={world['pid']}#comment-{comment.id}"
    assert comment.status == CommentStatus.PUBLISHED and comment.organisation_id == world["org"].id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wir unterstützen das." in page and "1 Kommentar" in page


def test_htmx_post_returns_only_the_changed_fragments(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = _post(client, world, headers=HX, quote="Teilhabe und Vielfalt")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "site-header" not in html and "<footer" not in html
    assert f'id="thread-{world["pid"]}"' in html
    assert f'id="count-{world["pid"]}"' in html and 'hx-swap-oob="true"' in html
    # The message goes into the page's live region by its text (consult.core.announce), never as an element;
    # the new comment takes the focus.
    assert announced_message(response) == "Ihr Kommentar wurde veröffentlicht." and "live-region" not in html
    comment = db.session.scalar(select(Comment))
    assert re.search(rf'id="comment-{comment.id}">\s*<article tabindex="-1" data-focus', html)
    assert html.count("data-focus") == 1
    before = "Absatz 2: Die Mitgliedsorganisationen beraten über "
    assert (comment.quote_prefix, comment.quote_exact, comment.quote_suffix) == (
        before[-32:],
        "Teilhabe und Vielfalt",
        ".",
    )
    assert "Teilhabe und Vielfalt" in html and "data-quotes" in html


def test_passage_chosen_as_a_sentence_without_javascript(client, auth, app):
    org = factories.organisation()
    factories.user(email="s@example.org", org=org)
    from consult.drafts.services import import_draft

    draft = import_draft("Erster Satz hier. Zweiter Satz dort! Dritter Satz?\n", "Sätze", "saetze")
    draft.phase = Phase.COMMENTING
    db.session.commit()
    pid = draft.versions[0].texts[0].paragraph_id
    auth.login("s@example.org", factories.PASSWORD)
    page = client.get(f"/drafts/saetze?open={pid}").get_data(as_text=True)
    assert 'class="input sentence-picker"' in page
    client.post(
        f"/drafts/saetze/paragraphs/{pid}/comments",
        data={"csrf_token": csrf_token(page), "body": "x", "stance": "neutral", "sentence": "1", "quote": ""},
    )
    assert db.session.scalar(select(Comment.quote_exact)) == "Zweiter Satz dort!"


def test_quote_not_in_paragraph_is_refused_and_keeps_the_text(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = _post(client, world, headers=headers, body="Mein langer Text", quote="steht hier nicht")
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Die zitierte Stelle steht nicht in diesem Absatz" in html
        assert "Mein langer Text" in html and 'value="steht hier nicht"' in html
    assert _comments() == 0


def test_empty_comment_is_refused(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = _post(client, world, body="   ")
    assert response.status_code == 422 and "Bitte schreiben Sie einen Kommentar." in response.get_data(as_text=True)
    assert _comments() == 0


@pytest.mark.parametrize("who, status", [("board", 403), ("moderator", 403)])
def test_only_delegates_comment(client, auth, world, who, status):
    auth.login(f"{'mod' if who == 'moderator' else who}@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = _post(client, world, headers=headers)
        assert response.status_code == status
        assert "Nur Delegierte von Mitgliedsorganisationen" in response.get_data(as_text=True)
    assert _comments() == 0


def test_inactive_or_non_member_organisation_cannot_comment(client, auth, world):
    world["org"].is_active = False
    db.session.commit()
    auth.login("amira@example.org", factories.PASSWORD)
    assert _post(client, world).status_code == 403
    world["org"].is_active, world["org"].is_member = True, False
    db.session.commit()
    assert _post(client, world).status_code == 403
    assert _comments() == 0


def test_guest_is_sent_to_sign_in_and_nothing_is_written(client, world):
    world["draft"].is_public = True
    db.session.commit()
    response = _post(client, world)
    # The sign-in comes with the text kept (consult.core.kept_text), nothing is written.
    html = response.get_data(as_text=True)
    assert response.status_code == 401 and 'action="/login"' in html and "Wir unterstützen das." in html
    assert _comments() == 0


def test_missing_csrf_token_is_refused_also_for_htmx(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = client.post(
            f"/drafts/teilhabe/paragraphs/{world['pid']}/comments",
            data={"body": "x", "stance": "neutral"},
            headers=headers,
        )
        assert response.status_code == 400
    assert _comments() == 0


@pytest.mark.parametrize("phase", [Phase.PREPARATION, Phase.EDITING, Phase.VOTING, Phase.ADOPTED])
def test_comments_only_in_the_commenting_phase(client, auth, world, phase):
    world["draft"].phase = phase
    db.session.commit()
    auth.login("amira@example.org", factories.PASSWORD)
    response = _post(client, world, headers=HX)
    assert response.status_code in (404, 409)  # a draft in preparation is not visible to delegates at all
    assert _comments() == 0


def test_deadline_passed_between_page_load_and_submit(client, auth, world, monkeypatch):
    deadline = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    world["draft"].deadlines.append(DraftDeadline(phase=Phase.COMMENTING, ends_at=deadline))
    db.session.commit()
    auth.login("amira@example.org", factories.PASSWORD)
    monkeypatch.setattr(clock, "now", lambda: deadline - timedelta(minutes=1))
    page = client.get(f"/drafts/teilhabe?open={world['pid']}").get_data(as_text=True)
    assert 'class="comment-form"' in page
    monkeypatch.setattr(clock, "now", lambda: deadline + timedelta(seconds=1))
    response = client.post(
        f"/drafts/teilhabe/paragraphs/{world['pid']}/comments",
        data={"csrf_token": csrf_token(page), "body": "Zu spät?", "stance": "neutral"},
    )
    assert response.status_code == 409
    assert "Kommentierungsphase dieses Entwurfs ist beendet" in response.get_data(as_text=True)
    assert "Zu spät?" in response.get_data(as_text=True)
    assert _comments() == 0


def test_held_comment_shows_only_to_its_author_and_moderators(client, auth, world, app):
    world["draft"].moderation_policy = ModerationPolicy.HOLD
    db.session.commit()
    auth.login("amira@example.org", factories.PASSWORD)
    response = _post(client, world, headers=HX, body="Bitte prüfen", quote="Teilhabe")
    assert announced_message(response) == "Ihr Kommentar wartet auf Moderation."
    assert db.session.scalar(select(Comment.status)) == CommentStatus.PENDING
    held = db.session.scalar(select(Comment.id))  # its author sees it, marked, and continues there
    assert f'id="comment-{held}">\n  <article tabindex="-1" data-focus' in response.get_data(as_text=True)
    own = client.get(f"/drafts/teilhabe?open={world['pid']}").get_data(as_text=True)
    assert "Bitte prüfen" in own and "Wartet auf Moderation" in own
    held_id = db.session.scalar(select(Comment.id))
    assert held_id in _marked(own)  # its passage highlighted for its author
    auth.logout()
    for email in ("bogdan@example.org", "board@example.org"):
        auth.login(email, factories.PASSWORD)
        page = client.get(f"/drafts/teilhabe?open={world['pid']}").get_data(as_text=True)
        thread = client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread", headers=HX).get_data(as_text=True)
        api = client.get("/api/v1/drafts/teilhabe").get_json()
        assert "Bitte prüfen" not in page and "Bitte prüfen" not in thread
        assert held_id not in _marked(page)
        assert api["paragraphs"][1]["comments"] == 0
        auth.logout()
    auth.login("mod@example.org", factories.PASSWORD)
    assert "Bitte prüfen" in client.get(f"/drafts/teilhabe?open={world['pid']}").get_data(as_text=True)


def _marked(page: str) -> set[int]:
    """The comments whose passages the draft page highlights (data-marks: [comment id, start, end])."""
    return {place[0] for marks in re.findall(r'data-marks="([^"]*)"', page) for place in json.loads(unescape(marks))}


def _make_comment(world, author="amira", body="Erster Kommentar", **kw):
    text = world["draft"].versions[0].texts[1]
    user = world[author]
    comment = Comment(
        paragraph_id=text.paragraph_id,
        version_id=text.version_id,
        author_id=user.id,
        organisation_id=user.organisation_id,
        body=body,
        body_html=f"<p>{body}</p>",
        status=kw.pop("status", CommentStatus.PUBLISHED),
        **kw,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def _button(client, url, headers=None, **data):
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data}, headers=headers or {})


def test_author_edits_and_deletes_while_nobody_replied(client, auth, world):
    comment = _make_comment(world)
    auth.login("amira@example.org", factories.PASSWORD)
    response = _button(client, f"/comments/{comment.id}/edit", HX, body="Geänderter *Text*", stance="concern")
    assert response.status_code == 200 and "Geänderter <em>Text</em>" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).updated_at is not None
    assert _button(client, f"/comments/{comment.id}/delete").status_code == 302
    assert _comments() == 0


def test_someone_elses_comment_cannot_be_changed(client, auth, world):
    comment = _make_comment(world)
    auth.login("bogdan@example.org", factories.PASSWORD)
    for url, data in (
        (f"/comments/{comment.id}/edit", {"body": "gekapert", "stance": "neutral"}),
        (f"/comments/{comment.id}/delete", {}),
        (f"/comments/{comment.id}/withdraw", {}),
    ):
        for headers in ({}, HX):
            response = _button(client, url, headers, **data)
            assert response.status_code == 403
            assert "Nur die Person, die den Kommentar geschrieben hat" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Erster Kommentar"
    assert db.session.get(Comment, comment.id).status == CommentStatus.PUBLISHED


def test_after_a_reply_only_withdrawal_leaving_a_marker(client, auth, world):
    comment = _make_comment(world, body="Geheimer Gedanke")
    auth.login("bogdan@example.org", factories.PASSWORD)
    assert _post(client, world, body="Eine Antwort", parent_id=str(comment.id)).status_code == 302
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == comment.id))
    assert reply.body == "Eine Antwort"
    auth.logout()
    auth.login("amira@example.org", factories.PASSWORD)
    assert _button(client, f"/comments/{comment.id}/edit", body="neu", stance="neutral").status_code == 403
    assert _button(client, f"/comments/{comment.id}/delete").status_code == 403
    assert _button(client, f"/comments/{comment.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.WITHDRAWN
    auth.logout()
    auth.login("bogdan@example.org", factories.PASSWORD)
    page = client.get(f"/drafts/teilhabe?open={world['pid']}").get_data(as_text=True)
    assert "Dieser Kommentar wurde zurückgezogen." in page
    assert "Geheimer Gedanke" not in page and "Eine Antwort" in page
    assert "1 Kommentar" in page  # the reply; the withdrawn comment is not counted


def test_reply_to_a_reply_joins_the_thread(client, auth, world):
    top = _make_comment(world)
    reply = _make_comment(world, author="bogdan", body="Antwort", parent_id=top.id)
    auth.login("amira@example.org", factories.PASSWORD)
    _post(client, world, body="Antwort auf Antwort", parent_id=str(reply.id))
    assert db.session.scalar(select(Comment.parent_id).where(Comment.body == "Antwort auf Antwort")) == top.id


def test_reply_to_a_hidden_comment_is_refused(client, auth, world):
    held = _make_comment(world, author="bogdan", status=CommentStatus.PENDING)
    auth.login("amira@example.org", factories.PASSWORD)
    response = _post(client, world, body="Antwort", parent_id=str(held.id))
    assert response.status_code == 422
    assert _comments() == 1


PAYLOADS = {
    "script": '<script>alert("x")</script>',
    "javascript link": '[klick](javascript:alert(1)) und <a href="javascript:alert(2)">a</a>',
    "attributes": '<img src=x onerror="alert(1)"> <p style="color:red" onclick="alert(1)">p</p>',
    "htmx attributes": '<div hx-get="/logout" hx-trigger="load" hx-target="body">hx</div>',
    "data link": "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
}


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_comment_payloads_show_as_text(client, auth, world, name):
    payload = PAYLOADS[name]
    auth.login("amira@example.org", factories.PASSWORD)
    html = _post(client, world, headers=HX, body=payload).get_data(as_text=True)
    page = client.get(f"/drafts/teilhabe?open={world['pid']}").get_data(as_text=True)
    for rendered in (html, page):
        body = rendered.split('class="comment__body">', 1)[1].split("</div>", 1)[0]
        assert "<script" not in body and "<img" not in body and "<div" not in body and "<a " not in body
        assert "onerror=" not in body.replace("onerror=&#34;", "").replace("onerror=&quot;", "") or "&lt;img" in body
        assert not re.search(r"<[^>]+\b(hx-[a-z]+|on[a-z]+|style)=", body), body
        assert "&lt;" in body or "javascript" in body or "data:" in body


def test_thread_pages_through_long_threads(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    text = world["draft"].versions[0].texts[1]
    for i in range(45):
        db.session.add(
            Comment(
                paragraph_id=text.paragraph_id,
                version_id=text.version_id,
                author_id=world["bogdan"].id,
                body=f"K{i:02d}",
                body_html=f"<p>K{i:02d}</p>",
                status=CommentStatus.PUBLISHED,
                created_at=datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(minutes=i),
            )
        )
    db.session.commit()
    first = client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread", headers=HX).get_data(as_text=True)
    assert first.count("<p>K") == 20 and "K00" in first and "K19" in first and "K20" not in first
    assert "page=2" in first
    third = client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread?page=3", headers=HX).get_data(as_text=True)
    assert third.count("<p>K") == 5 and "K44" in third and "page=4" not in third
    assert "<section" not in third  # only the items, swapped in place of the "load more" button
    # The first comment it brings takes the focus (the "load more" link it replaces had it).
    assert third.count("data-focus") == 1 and re.search(
        r'data-focus aria-labelledby="comment-\d+-by">\s*<header[^>]*>'
        r"(?:(?!</article>).)*K40",
        third,
        re.S,
    )
    plain = client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread?page=2")
    assert plain.status_code == 302 and "open=" in plain.headers["Location"]


def test_draft_page_and_thread_queries_do_not_grow_with_comments(client, auth, world, count_queries):
    auth.login("amira@example.org", factories.PASSWORD)
    text = world["draft"].versions[0].texts[1]

    def add(n):
        for _ in range(n):
            db.session.add(
                Comment(
                    paragraph_id=text.paragraph_id,
                    version_id=text.version_id,
                    author_id=world["bogdan"].id,
                    organisation_id=world["other_org"].id,
                    body="x",
                    body_html="<p>x</p>",
                    quote_exact="Teilhabe",
                    quote_prefix="",
                    quote_suffix="",
                    status=CommentStatus.PUBLISHED,
                )
            )
        db.session.flush()
        tops = db.session.scalars(select(Comment.id).where(Comment.parent_id.is_(None))).all()
        for top in tops[:n]:
            db.session.add(
                Comment(
                    paragraph_id=text.paragraph_id,
                    version_id=text.version_id,
                    parent_id=top,
                    author_id=world["amira"].id,
                    body="r",
                    body_html="<p>r</p>",
                    status=CommentStatus.PUBLISHED,
                )
            )
        db.session.commit()

    def measure():
        with count_queries() as page:
            client.get(f"/drafts/teilhabe?open={world['pid']}")
        with count_queries() as thread:
            client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread", headers=HX)
        return page.count, thread.count

    add(2)
    few = measure()
    add(40)
    many = measure()
    assert many == few, f"queries grew with the comments: {few} -> {many}"


def test_refusal_page_numbers_the_lines_as_the_draft_does(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    page = _post(client, world, quote="steht hier nicht").get_data(as_text=True)
    text = world["draft"].versions[0].texts[1]
    assert f'<span class="ln" aria-hidden="true" data-line="{text.first_line}"></span>' in page


def test_guests_are_offered_to_sign_in_to_comment(client, world):
    world["draft"].is_public = True
    db.session.commit()
    thread = client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread", headers=HX).get_data(as_text=True)
    assert f'href="/login?next=/drafts/teilhabe?open%3D{world["pid"]}"' in thread


def test_the_thread_toggle_says_its_paragraph_and_whether_it_is_open(client, auth, world):
    """The count link is the thread's toggle: aria-controls and aria-expanded, "… zu § 2" for a screen reader;
    open, it closes the thread. Opening and closing through htmx answers with the toggle out of band, focused."""
    auth.login("amira@example.org", factories.PASSWORD)
    pid = world["pid"]
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    toggle = re.search(rf'<a class="comment-count" id="count-{pid}"[^>]*>.*?</a>', page, re.S).group(0)
    assert f'aria-controls="thread-{pid}" aria-expanded="false"' in toggle
    assert f'hx-get="/drafts/teilhabe/paragraphs/{pid}/thread"' in toggle
    assert 'aria-label="Kommentieren zu § 2">Kommentieren</a>' in toggle
    opened = client.get(f"/drafts/teilhabe/paragraphs/{pid}/thread", headers=HX).get_data(as_text=True)
    toggle = re.search(rf'<a class="comment-count" id="count-{pid}"[^>]*>', opened).group(0)
    assert 'hx-swap-oob="true"' in toggle and "data-focus" in toggle and 'aria-expanded="true"' in toggle
    assert f'hx-get="/drafts/teilhabe/paragraphs/{pid}/thread?close=1"' in toggle
    assert f'id="thread-{pid}"' in opened and "thread--open" in opened
    closed = client.get(f"/drafts/teilhabe/paragraphs/{pid}/thread?close=1", headers=HX).get_data(as_text=True)
    toggle = re.search(rf'<a class="comment-count" id="count-{pid}"[^>]*>', closed).group(0)
    assert 'aria-expanded="false"' in toggle and "data-focus" in toggle and "thread--open" not in closed
    # Without JavaScript the open page says the same.
    page = client.get(f"/drafts/teilhabe?open={pid}").get_data(as_text=True)
    toggle = re.search(rf'<a class="comment-count" id="count-{pid}"[^>]*>', page).group(0)
    assert 'aria-expanded="true"' in toggle and 'href="/drafts/teilhabe#p2"' in toggle and "data-focus" not in toggle
    # A passage chosen to comment on: the comment field takes the focus, not the toggle.
    quoted = client.get(f"/drafts/teilhabe/paragraphs/{pid}/thread?quote=Teilhabe", headers=HX).get_data(as_text=True)
    assert quoted.count("data-focus") == 1 and re.search(r"<textarea[^>]*data-focus", quoted)


def test_after_deleting_a_comment_the_focus_goes_to_the_threads_heading(client, auth, world):
    comment = _make_comment(world)
    auth.login("amira@example.org", factories.PASSWORD)
    response = _button(client, f"/comments/{comment.id}/delete", HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<h3 class="thread__title" id="discussion" tabindex="-1" data-focus>' in html
    assert announced_message(response) == "Ihr Kommentar wurde gelöscht."
