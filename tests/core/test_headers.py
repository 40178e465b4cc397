"""Every response carries the security headers (issue 13, point 7).

One policy for every kind of response: a page, an htmx fragment, a redirect, an error page, a
refused form, a static file and a download. The Content-Security-Policy is compared directive by
directive with the expected one, and no script or style source may be `unsafe-inline`, `unsafe-eval`
or a wildcard. HSTS is sent only when the request came over HTTPS (directly, or through a trusted
proxy's X-Forwarded-Proto when PROXY_COUNT is set), never over plain HTTP, where it would be ignored
and, behind a proxy that is not trusted, could be forged.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from consult import create_app
from consult.accounts.models import Role
from consult.board.services import adopt
from consult.core import clock
from consult.drafts.models import Phase
from consult.extensions import db
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories
from tests.conftest import TEST_CONFIG

HX = {"HX-Request": "true"}
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Each feature the policy switches off; `=()` means: allowed to no origin, this page's included.
DENIED_FEATURES = {
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "serial",
    "hid",
    "midi",
    "accelerometer",
    "gyroscope",
    "magnetometer",
    "display-capture",
    "browsing-topics",
}


def csp_directives(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"{words[0]} appears twice"
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response, *, https: bool = False) -> None:
    response.close()  # a static file's response holds the file open
    what = f"{response.request.method} {response.request.path} ({response.status_code})"
    headers = response.headers
    assert len(headers.getlist("Content-Security-Policy")) == 1, what
    directives = csp_directives(headers["Content-Security-Policy"])
    assert directives == EXPECTED_CSP, what
    for name in ("default-src", "script-src", "style-src"):
        for source in directives[name]:
            assert source not in (
                "'unsafe-inline'",
                "'unsafe-eval'",
                "'unsafe-hashes'",
                "*",
                "data:",
                "http:",
                "https:",
            ), f"{what}: {name} {source}"
    assert headers["X-Content-Type-Options"] == "nosniff", what
    assert headers["Referrer-Policy"] == "same-origin", what
    assert headers["X-Frame-Options"] == "DENY", what
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", what
    features = dict(item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(","))
    assert DENIED_FEATURES <= set(features), f"{what}: not denied: {DENIED_FEATURES - set(features)}"
    assert all(allowed == "()" for allowed in features.values()), what
    if https:
        assert headers["Strict-Transport-Security"] == "max-age=31536000", what
    else:
        assert "Strict-Transport-Security" not in headers, what


@pytest.fixture
def adopted(app):
    """Delegate, moderator and board; one draft in commenting and one adopted (with its stored documents)."""
    board = factories.user(email="board@example.org", roles=(Role.BOARD,))
    delegate = factories.user(email="delegate@example.org")
    open_draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="offen")
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="teilhabe")
    cast_vote(delegate, draft, None, Choice.YES, clock.now())
    with app.test_request_context():
        adopt(board, draft, Phase.VOTING, clock.now())
    db.session.commit()
    return {"draft": draft, "paragraph": open_draft.versions[0].texts[0].paragraph_id}


def test_every_kind_of_response_carries_the_headers(client, auth, adopted):
    responses = [
        client.get("/login"),  # a page, signed out
        client.get("/account"),  # a redirect to the sign-in
        client.get("/static/css/consult.css"),  # a static file
        client.get("/static/js/consult.js"),
        client.get("/no/such/page"),  # an error page
        client.post("/login", data={"email": "x", "password": "y"}),  # refused: no CSRF token (400)
        client.get("/positions/teilhabe"),  # the public position page
        client.get("/positions/teilhabe/download/html"),  # a public download
        client.get("/positions/teilhabe/download/md"),
    ]
    auth.login("delegate@example.org", factories.PASSWORD)
    responses += [
        client.get("/drafts/offen"),  # a page, signed in
        client.get(f"/drafts/offen/paragraphs/{adopted['paragraph']}/thread", headers=HX),  # an htmx fragment
        client.get("/drafts/teilhabe/results"),
        client.get("/account"),
        client.get("/account/data.json"),  # a JSON download
        client.get("/drafts/offen/settings"),  # forbidden (403) or not found
        client.post("/drafts/offen/votes", data={}),  # refused form
    ]
    responses.append(auth.logout())
    auth.login("board@example.org", factories.PASSWORD)
    responses += [client.get(f"/drafts/teilhabe/export/{name}") for name in ("html", "comments.csv", "json")]
    statuses = sorted({response.status_code for response in responses})
    assert {200, 302, 400, 404} <= set(statuses), statuses
    downloads = [r for r in responses if "attachment" in r.headers.get("Content-Disposition", "")]
    assert len(downloads) >= 5
    for response in responses:
        assert_security_headers(response)


def test_hsts_only_over_https(client, adopted):
    assert_security_headers(client.get("/login", base_url="https://localhost"), https=True)
    assert_security_headers(client.get("/static/css/consult.css", base_url="https://localhost"), https=True)
    assert_security_headers(client.get("/no/such/page", base_url="https://localhost"), https=True)
    assert_security_headers(client.get("/login"))
    # Without a trusted proxy, X-Forwarded-Proto is only a claim of the client: no HSTS.
    assert_security_headers(client.get("/login", headers={"X-Forwarded-Proto": "https"}))


def test_hsts_behind_a_trusted_proxy(database_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "PROXY_COUNT": 1})
    client = app.test_client()
    assert_security_headers(
        client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}), https=True
    )
    assert_security_headers(
        client.get("/login", headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.9"})
    )


# What the policy would block in a page: style attributes, inline handlers, htmx attributes that
# evaluate code, javascript: links, and <style> blocks (only the standalone HTML file has one,
# admitted by its own policy's hash: consult/exports/page.py; the change document's and a translation's likewise).
BLOCKED_MARKUP = re.compile(r"""\sstyle\s*=|\son[a-z]+\s*=|hx-on|hx-vars|["'\s]js:|javascript:|<style\b""", re.I)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)


def test_no_template_has_markup_the_policy_blocks():
    found = []
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 30
    for path in templates:
        name = path.relative_to(TEMPLATES).as_posix()
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)  # comments say why
        for match in BLOCKED_MARKUP.finditer(text):
            if not (
                name in ("exports/print.html", "exports/changes.html", "translations/print.html")
                and match.group().lower() == "<style"
            ):
                found.append(f"{name}: {match.group()!r}")
        for tag in SCRIPT_TAG.findall(text):
            # A script from a file, or a data block the browser never runs.
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{name}: {tag}")
    assert not found, "\n".join(found)


def test_the_html_file_admits_its_own_stylesheet_only(client, auth, adopted):
    auth.login("board@example.org", factories.PASSWORD)
    html = client.get("/drafts/teilhabe/export/html").get_data(as_text=True)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert csp_directives(policy.replace("&#39;", "'")) == {
        "default-src": ["'none'"],
        "style-src": [f"'sha256-{digest}'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
    assert html.index("Content-Security-Policy") < html.index("<style>")


def test_a_server_error_page_carries_the_headers_too(app, client):
    """Even when a before-request hook fails (the error page is made by the error handler)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.before_request
    def fail():
        raise RuntimeError("a failing hook")

    response = client.get("/login")
    assert response.status_code == 500
    assert_security_headers(response)


def test_pages_with_a_token_in_their_address_keep_the_referer_on_the_site(client):
    """Their views ask for no-referrer; they get same-origin: the token reaches no other site, and over
    HTTPS their own form's POST still has the Referer that Flask-WTF demands (WTF_CSRF_SSL_STRICT)."""
    for path in ("/invitations/accept/nonsense", "/password/reset/nonsense"):
        response = client.get(path, base_url="https://localhost")
        assert response.headers["Cache-Control"] == "no-store", path
        assert_security_headers(response, https=True)
