"""The settings page, and unsubscribing by an e-mail's link without signing in: the GET changes nothing, the
POST (CSRF) switches off what the link names; expired and forged links are refused with a message."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from consult.core import clock
from consult.core.tokens import sign
from consult.extensions import db
from consult.notifications.models import NotificationKind, NotificationMode, NotificationSetting, Topic
from consult.notifications.services import notify, unsubscribe_token
from tests import factories
from tests.conftest import csrf_token
from tests.notifications.conftest import mails, opt_in


def _setting(person) -> NotificationSetting | None:
    db.session.expire_all()
    return db.session.get(NotificationSetting, person.id)


def test_the_settings_page_is_off_until_chosen_and_saves_the_choice(client, auth, world):
    assert client.get("/account/notifications").status_code == 302  # signed in only
    auth.login("a1@example.org", factories.PASSWORD)
    assert 'href="/account/notifications"' in client.get("/account").get_data(as_text=True)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "<h1>Benachrichtigungen</h1>" in page
    assert re.search(r'<input checked id="mode-0" name="mode" type="radio" value="off">', page)
    assert "Änderungsanträge meiner Organisation" in page and "wer von Ihnen sie auch geschrieben hat" in page
    assert re.search(r'<input aria-describedby="amendments-hint"[^>]* id="amendments"', page)
    response = client.post(
        "/account/notifications", data={"csrf_token": csrf_token(page), "mode": "daily", "replies": "y", "phases": "y"}
    )
    assert response.status_code == 302
    setting = _setting(world["a1"])
    assert setting.mode == NotificationMode.DAILY
    assert (setting.replies, setting.amendments, setting.phases, setting.internal) == (True, False, True, False)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Ihre Einstellungen für Benachrichtigungen wurden gespeichert." in page
    assert 'checked id="mode-2"' in page and 'checked id="replies"' in page and 'checked id="amendments"' not in page


def test_the_settings_refuse_a_bad_mode_and_a_missing_csrf_token(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get("/account/notifications").get_data(as_text=True)
    response = client.post(
        "/account/notifications", data={"csrf_token": csrf_token(page), "mode": "hourly", "replies": "y"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Bitte wählen Sie, wie Sie benachrichtigt werden möchten." in html
    assert 'checked id="replies"' in html  # what was chosen stays chosen
    assert client.post("/account/notifications", data={"mode": "daily"}).status_code == 400
    assert _setting(world["a1"]) is None


def _get_and_post(client, url):
    """The link opened, and its button sent (with a valid CSRF token from another page)."""
    yield client.get(url)
    yield client.post(url, data={"csrf_token": csrf_token(client.get("/login").get_data(as_text=True))})


def _link_of_mail(world) -> str:
    notify(
        [world["a1"]],
        NotificationKind.REPLY,
        link="/drafts/teilhabe",
        now=clock.now(),
        draft=world["draft"],
        params={"draft": "Teilhabegesetz", "name": "Xaver"},
    )
    db.session.commit()
    [mail] = mails("notification")
    return re.search(r"http://localhost(/notifications/unsubscribe/\S+)", mail.body).group(1)


def test_the_mails_link_names_the_setting_and_only_the_button_changes_it(client, world):
    opt_in(world["a1"])
    url = _link_of_mail(world)
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert "Antworten auf meine Kommentare: aus" in html and "Ausschalten" in html
    assert _setting(world["a1"]).replies is True  # opening the link changed nothing
    assert client.post(url, data={}).status_code == 400  # no CSRF token: nothing changes
    assert _setting(world["a1"]).replies is True
    done = client.post(url, data={"csrf_token": csrf_token(html)})
    assert done.status_code == 200 and "Gespeichert. Antworten auf meine Kommentare: aus." in done.get_data(
        as_text=True
    )
    setting = _setting(world["a1"])
    assert setting.replies is False and setting.mode == NotificationMode.IMMEDIATE
    assert (setting.amendments, setting.phases, setting.internal) == (True, True, True)


def test_the_page_speaks_the_persons_language_and_the_digests_link_switches_everything_off(client, world):
    world["a1"].locale = "ar"
    db.session.commit()
    opt_in(world["a1"], mode=NotificationMode.DAILY)
    url = f"/notifications/unsubscribe/{unsubscribe_token(world['a1'], 'all', clock.now())}"
    html = client.get(url).get_data(as_text=True)
    assert 'lang="ar"' in html and 'dir="rtl"' in html and "جميع الإشعارات" in html
    client.post(url, data={"csrf_token": csrf_token(html)})
    assert _setting(world["a1"]).mode == NotificationMode.OFF


def test_an_expired_link_is_refused_in_the_persons_language(client, world, monkeypatch):
    world["a1"].locale = "tr"
    db.session.commit()
    opt_in(world["a1"])
    now = clock.now()
    url = f"/notifications/unsubscribe/{unsubscribe_token(world['a1'], Topic.PHASES, now - timedelta(days=61))}"
    for response in _get_and_post(client, url):
        html = response.get_data(as_text=True)
        assert response.status_code == 410 and "60 gün" in html
        assert 'href="/account/notifications"' in html
    assert _setting(world["a1"]).phases is True
    # Frozen clock: a link made 59 days before still works.
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(days=59))
    link = f"/notifications/unsubscribe/{unsubscribe_token(world['a1'], Topic.PHASES, now)}"
    assert client.get(link).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(days=61))
    assert client.get(link).status_code == 410


@pytest.mark.parametrize("forge", ["altered", "other_person", "untimed", "garbage"])
def test_forged_and_altered_links_are_refused(client, world, forge):
    opt_in(world["a1"], world["a2"])
    token = unsubscribe_token(world["a1"], Topic.REPLIES, clock.now())
    payload, stamp, signature = token.split(".")
    if forge == "altered":
        token = f"{payload}.{stamp}.{signature[:-2]}xx"
    elif forge == "other_person":  # a2's id in a1's signed token
        other = unsubscribe_token(world["a2"], Topic.REPLIES, clock.now()).split(".")[0]
        token = f"{other}.{stamp}.{signature}"
    elif forge == "untimed":  # signed for another purpose (an amendment's support link)
        token = sign("amendment.support", {"u": world["a1"].id, "t": "replies"})
    else:
        token = "not-a-token"
    url = f"/notifications/unsubscribe/{token}"
    for response in _get_and_post(client, url):
        assert response.status_code == 400
        assert "Dieser Abmelde-Link ist ungültig" in response.get_data(as_text=True)
    assert _setting(world["a1"]).replies is True and _setting(world["a2"]).replies is True


def test_the_data_download_holds_the_persons_settings_and_notifications_only(client, auth, world):
    opt_in(world["a1"], mode=NotificationMode.DAILY, topics=(Topic.REPLIES,))
    opt_in(world["a2"])
    for person in (world["a1"], world["a2"]):
        notify(
            [person],
            NotificationKind.REPLY,
            link="/drafts/teilhabe",
            now=clock.now(),
            draft=world["draft"],
            params={"draft": "Teilhabegesetz", "name": "Xaver"},
        )
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    data = client.get("/account/data.json").get_json()["notifications"]
    assert data["settings"] == {
        "mode": "daily",
        "replies": True,
        "amendments": False,
        "phases": False,
        "internal": False,
        "last_digest_at": None,
    }
    assert [(n["kind"], n["text"], n["mailed_at"]) for n in data["received"]] == [
        ("reply", "Xaver hat auf Ihren Kommentar zu „Teilhabegesetz“ geantwortet.", None)
    ]
