"""Two-factor sign-in (TOTP): setting it up, the code step of signing in, no replay, and the
requirement for moderators, board and admins (REQUIRE_2FA)."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from html import unescape

import pyotp
import pytest
from sqlalchemy import select

from consult.accounts import two_factor
from consult.accounts.models import Role, User
from consult.audit.models import AuditEntry
from consult.core import clock
from consult.extensions import db
from tests import factories
from tests.conftest import Auth, IsolatedClient, csrf_token

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Codes are made for NOW; `frozen_clock.move(seconds)` moves the app's clock."""

    class Clock:
        now = NOW

        def move(self, seconds: int) -> None:
            self.now = self.now + timedelta(seconds=seconds)

    frozen = Clock()
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    return frozen


def code_at(moment: datetime, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(moment)


@pytest.fixture
def required(app):
    app.config["REQUIRE_2FA"] = True


@pytest.fixture
def moderator(app):
    person = factories.user(email="mod@example.org", roles=(Role.MODERATOR,), name="Leyla Hoffmann")
    db.session.commit()
    return person


@pytest.fixture
def delegate(app):
    person = factories.user(email="amina@example.org", name="Amina Yılmaz")
    db.session.commit()
    return person


def switch_on(user: User, secret: str = SECRET) -> None:
    user.totp_secret = secret
    user.totp_enabled_at = NOW - timedelta(days=1)
    db.session.commit()


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def post_code(client, code: str, path: str = "/login/code", **extra):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"code": code, "csrf_token": csrf_token(page), **extra})


def shown_secret(page: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page)
    assert match, "no secret on the setup page"
    return match.group(1).replace(" ", "")


# --- required for moderators, board and admins --------------------------------------------


def test_moderator_without_second_factor_sets_it_up_before_reaching_the_queue(client, auth, moderator, required):
    assert auth.login("mod@example.org", factories.PASSWORD).status_code == 302
    response = client.get("/moderation")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-factor?next=/moderation"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zwei-Faktor-Anmeldung ist für Moderation, Vorstand und Administration vorgeschrieben" in page
    assert "<svg" in page and "<title>" in page  # the QR code, with a text alternative
    secret = shown_secret(page)
    assert re.search(r'<code id="totp-secret">(\w{4} )+\w{1,4}</code>', page)  # groups of four
    # Every other page, and every POST, leads there too; signing out and the language switch do not.
    assert client.get("/").headers["Location"].startswith("/account/two-factor")
    posted = client.post("/moderation/comments/1", data={"decision": "publish", "csrf_token": csrf_token(page)})
    assert posted.headers["Location"] == "/account/two-factor"
    htmx = client.get("/moderation", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/account/two-factor"
    language = client.post(
        "/language", data={"language": "en", "next": "/account/two-factor", "csrf_token": csrf_token(page)}
    )
    assert language.headers["Location"] == "/account/two-factor"

    # The right code switches it on, and the person goes on to the queue.
    setup_page = client.get("/account/two-factor?next=%2Fmoderation").get_data(as_text=True)
    response = client.post(
        "/account/two-factor?next=%2Fmoderation",
        data={"code": code_at(NOW, secret), "csrf_token": csrf_token(setup_page)},
    )
    assert response.headers["Location"] == "/moderation"
    assert client.get("/moderation").status_code == 200
    assert reload(moderator).two_factor_enabled


@pytest.mark.parametrize("role", [Role.BOARD, Role.ADMIN])
def test_board_and_admins_are_asked_as_well_delegates_are_not(client, auth, required, role):
    factories.user(email="p@example.org", roles=(role,))
    factories.user(email="d@example.org")
    db.session.commit()
    auth.login("p@example.org", factories.PASSWORD)
    assert client.get("/").headers["Location"] == "/account/two-factor?next=/"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account/two-factor").get_data(as_text=True))})
    auth.login("d@example.org", factories.PASSWORD)
    assert client.get("/").status_code == 200


def test_sign_out_works_while_the_setup_waits(client, auth, moderator, required):
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert "Leyla Hoffmann" not in client.get("/").get_data(as_text=True)


def test_without_the_requirement_nobody_is_sent_to_the_setup(client, auth, moderator):
    auth.login("mod@example.org", factories.PASSWORD)
    assert client.get("/moderation").status_code == 200


# --- the notice while the requirement is off -----------------------------------------------

NOTICE = "Test-Installation: Die Zwei-Faktor-Anmeldung ist hier"


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.BOARD, Role.ADMIN])
def test_requirement_off_shows_the_notice_on_privileged_pages(client, auth, role):
    factories.user(email="p@example.org", roles=(role,))
    draft = factories.draft(slug="teilhabe")
    db.session.commit()
    auth.login("p@example.org", factories.PASSWORD)
    for path in ("/", f"/drafts/{draft.slug}", "/account/two-factor"):
        assert NOTICE in client.get(path).get_data(as_text=True), path


def test_requirement_off_shows_no_notice_to_delegates_and_guests(client, auth, delegate):
    factories.draft(slug="teilhabe", public=True)
    db.session.commit()
    assert NOTICE not in client.get("/drafts/teilhabe").get_data(as_text=True)
    auth.login("amina@example.org", factories.PASSWORD)
    for path in ("/", "/drafts/teilhabe", "/account/two-factor"):
        assert NOTICE not in client.get(path).get_data(as_text=True), path


def test_requirement_on_shows_no_notice(client, auth, moderator, required):
    switch_on(moderator)
    auth.login("mod@example.org", factories.PASSWORD)
    post_code(client, code_at(NOW))
    assert NOTICE not in client.get("/moderation").get_data(as_text=True)


def test_the_setting_comes_from_the_environment(monkeypatch, tmp_path):
    from consult import config

    monkeypatch.delenv("CONSULT_REQUIRE_2FA", raising=False)
    assert config.from_environment(tmp_path)["REQUIRE_2FA"] is True
    monkeypatch.setenv("CONSULT_REQUIRE_2FA", "0")
    assert config.from_environment(tmp_path)["REQUIRE_2FA"] is False


# --- switching on and off -----------------------------------------------------------------


def test_switching_on_needs_a_correct_code(client, auth, delegate):
    auth.login("amina@example.org", factories.PASSWORD)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Zwei-Faktor-Anmeldung einschalten" in page
    secret = shown_secret(page)
    assert client.get("/account/two-factor").status_code == 200
    assert shown_secret(client.get("/account/two-factor").get_data(as_text=True)) == secret  # a reload keeps it

    wrong = client.post(
        "/account/two-factor",
        data={"code": "000000" if code_at(NOW, secret) != "000000" else "111111", "csrf_token": csrf_token(page)},
    )
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "Dieser Code ist nicht richtig" in text and 'aria-invalid="true"' in text
    assert shown_secret(text) == secret
    assert not reload(delegate).two_factor_enabled

    empty = client.post("/account/two-factor", data={"code": "", "csrf_token": csrf_token(page)})
    assert empty.status_code == 422 and "Bitte geben Sie den sechsstelligen Code" in empty.get_data(as_text=True)

    right = client.post(
        "/account/two-factor",
        data={"code": code_at(NOW, secret)[:3] + " " + code_at(NOW, secret)[3:], "csrf_token": csrf_token(page)},
    )
    assert right.status_code == 302
    person = reload(delegate)
    assert person.two_factor_enabled and person.totp_secret == secret
    assert person.totp_last_counter == pyotp.TOTP(secret).timecode(NOW)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "two_factor.enable"))
    assert entry.actor_id == delegate.id and entry.subject == f"user:{delegate.id}"
    assert "Die Zwei-Faktor-Anmeldung ist eingeschaltet" in client.get("/account/two-factor").get_data(as_text=True)


def test_switching_off_needs_the_password_and_a_current_code(client, auth, delegate, frozen_clock):
    switch_on(delegate)
    auth.login("amina@example.org", factories.PASSWORD)
    post_code(client, code_at(NOW))
    frozen_clock.move(30)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and "autofocus" not in page  # only the code page focuses it
    token = csrf_token(page)
    wrong_password = client.post(
        "/account/two-factor/off",
        data={"password": "nicht das Passwort", "code": code_at(frozen_clock.now), "csrf_token": token},
    )
    assert wrong_password.status_code == 422
    assert "Das Passwort ist nicht richtig" in wrong_password.get_data(as_text=True)
    used = client.post(
        "/account/two-factor/off", data={"password": factories.PASSWORD, "code": code_at(NOW), "csrf_token": token}
    )
    assert used.status_code == 422 and "bereits verwendet" in used.get_data(as_text=True)
    assert reload(delegate).two_factor_enabled

    done = client.post(
        "/account/two-factor/off",
        data={"password": factories.PASSWORD, "code": code_at(frozen_clock.now), "csrf_token": token},
    )
    assert done.status_code == 302
    person = reload(delegate)
    assert not person.two_factor_enabled and person.totp_secret is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "two_factor.disable")) is not None
    auth.logout()
    assert auth.login("amina@example.org", factories.PASSWORD).headers["Location"] == "/"


def test_where_it_is_required_it_cannot_be_switched_off(client, auth, moderator, required, frozen_clock):
    switch_on(moderator)
    auth.login("mod@example.org", factories.PASSWORD)
    post_code(client, code_at(NOW))
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "/account/two-factor/off" not in page
    frozen_clock.move(30)
    response = client.post(
        "/account/two-factor/off",
        data={"password": factories.PASSWORD, "code": code_at(frozen_clock.now), "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 403
    assert reload(moderator).two_factor_enabled


# --- signing in with a code ---------------------------------------------------------------


def test_the_password_alone_does_not_sign_in(client, auth, moderator, required):
    switch_on(moderator)
    response = auth.login("mod@example.org", factories.PASSWORD, next="/moderation")
    assert response.headers["Location"] == "/login/code"
    assert "Leyla Hoffmann" not in client.get("/").get_data(as_text=True)
    assert client.get("/moderation").headers["Location"].startswith("/login")
    page = client.get("/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page and "autofocus" in page

    signed_in = post_code(client, code_at(NOW))
    assert signed_in.headers["Location"] == "/moderation"
    assert "Leyla Hoffmann" in client.get("/moderation").get_data(as_text=True)


def test_a_wrong_code_is_refused_and_the_sign_in_goes_on(client, auth, moderator, required):
    switch_on(moderator)
    auth.login("mod@example.org", factories.PASSWORD, next="/moderation")
    wrong = post_code(client, "123456" if code_at(NOW) != "123456" else "654321")
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "Dieser Code ist nicht richtig" in text and 'aria-invalid="true"' in text
    assert "Leyla Hoffmann" not in client.get("/").get_data(as_text=True)
    assert post_code(client, "12ab56").status_code == 422
    assert post_code(client, code_at(NOW)).headers["Location"] == "/moderation"


def test_codes_of_the_neighbouring_time_steps_are_accepted_others_not(client, auth, moderator):
    switch_on(moderator)
    auth.login("mod@example.org", factories.PASSWORD)
    assert post_code(client, code_at(NOW - timedelta(seconds=60))).status_code == 422
    assert post_code(client, code_at(NOW - timedelta(seconds=30))).status_code == 302


def test_a_code_cannot_be_replayed(client, auth, moderator, required):
    switch_on(moderator)
    auth.login("mod@example.org", factories.PASSWORD)
    code = code_at(NOW)
    assert post_code(client, code).status_code == 302
    auth.logout()
    auth.login("mod@example.org", factories.PASSWORD)
    again = post_code(client, code)
    assert again.status_code == 422
    assert "Dieser Code wurde bereits verwendet" in again.get_data(as_text=True)
    # An older code (of the previous step, still within the window) is refused as well.
    assert post_code(client, code_at(NOW - timedelta(seconds=30))).status_code == 422
    assert "Leyla Hoffmann" not in client.get("/").get_data(as_text=True)


def test_two_parallel_requests_cannot_both_use_one_code(app, moderator, monkeypatch):
    """Both requests have checked the code before either writes: the conditional UPDATE lets one through."""
    switch_on(moderator)
    app.test_client_class = IsolatedClient
    clients = [app.test_client() for _ in range(2)]
    tokens = []
    for each in clients:
        Auth(each).login("mod@example.org", factories.PASSWORD)
        tokens.append(csrf_token(each.get("/login/code").get_data(as_text=True)))
    moderator_id = moderator.id
    db.session.remove()

    both_checked = threading.Barrier(2, timeout=10)
    original = two_factor.matching_step

    def matching_then_wait(*args):
        step = original(*args)
        both_checked.wait()
        return step

    monkeypatch.setattr(two_factor, "matching_step", matching_then_wait)
    statuses: list[int] = []

    def send(each, token):
        statuses.append(each.post("/login/code", data={"code": code_at(NOW), "csrf_token": token}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 422]
    assert db.session.get(User, moderator_id).totp_last_counter == pyotp.TOTP(SECRET).timecode(NOW)


def test_wrong_codes_count_towards_the_account_lock(client, auth, moderator, app):
    switch_on(moderator)
    auth.login("mod@example.org", factories.PASSWORD)
    wrong = "000000" if code_at(NOW) != "000000" else "111111"
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert post_code(client, wrong).status_code == 422
    locked = post_code(client, wrong)
    assert locked.status_code == 429
    assert "Zu viele falsche Codes" in locked.get_data(as_text=True)
    # The password does not clear the count, and the account now waits.
    assert auth.login("mod@example.org", factories.PASSWORD).status_code == 429


def test_the_code_page_expires(client, auth, moderator, app):
    switch_on(moderator)
    app.config["TWO_FACTOR_PENDING_SECONDS"] = -1
    auth.login("mod@example.org", factories.PASSWORD)
    response = client.get("/login/code")
    assert response.headers["Location"] == "/login"
    assert "Ihre Anmeldung ist abgelaufen" in client.get("/login").get_data(as_text=True)


def test_the_code_page_without_a_password_first_leads_to_sign_in(client):
    assert client.get("/login/code").headers["Location"] == "/login"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_the_code_step_never_leaves_the_site(client, auth, moderator, target):
    switch_on(moderator)
    auth.login("mod@example.org", factories.PASSWORD, next=target)
    assert post_code(client, code_at(NOW)).headers["Location"] == "/"


def test_a_new_password_ends_the_waiting_sign_in(client, auth, moderator):
    switch_on(moderator)
    auth.login("mod@example.org", factories.PASSWORD)
    moderator.session_version += 1
    db.session.commit()
    assert client.get("/login/code").headers["Location"] == "/login"


def test_the_qr_code_carries_the_otpauth_address(app, moderator):
    uri = two_factor.provisioning_uri(moderator, SECRET)
    assert uri.startswith("otpauth://totp/consult:mod%40example.org?secret=" + SECRET)
    svg = two_factor.qr_svg(uri, "QR-Code")
    assert unescape(str(svg)).startswith("<svg") and "<title>QR-Code</title>" in svg
    assert two_factor.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_the_office_resets_a_lost_second_factor_on_the_command_line(runner, moderator):
    switch_on(moderator)
    result = runner.invoke(args=["reset-two-factor", "MOD@example.org"])
    assert result.exit_code == 0, result.output
    assert not reload(moderator).two_factor_enabled
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "two_factor.reset"))
    assert entry.subject == f"user:{moderator.id}" and entry.actor_name == "command line"
    unknown = runner.invoke(args=["reset-two-factor", "nobody@example.org"])
    assert unknown.exit_code != 0 and "no person" in unknown.output
