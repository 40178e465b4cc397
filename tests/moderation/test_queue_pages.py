"""The moderation queue in pages (issue 17, point 5): 50 items a page, oldest first across pages, with
paging links that keep the filters, a count of everything that waits, and decisions that come back to
the page they were made on."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from consult.comments.models import Comment, CommentStatus
from consult.core import clock
from consult.extensions import db
from consult.moderation.queries import PAGE_SIZE
from tests import factories
from tests.moderation.test_queue import HX, _token, fixture_world  # noqa: F401  (the fixture world)


@pytest.fixture
def many(world):
    """120 held comments on the held draft, one a minute (the oldest is "Kommentar 0"), 3 on the open one."""
    start = clock.now() - timedelta(hours=3)

    def add(draft, n, offset=0):
        text = draft.versions[0].texts[1]
        db.session.add_all(
            Comment(
                paragraph_id=text.paragraph_id,
                version_id=text.version_id,
                author_id=world["a1"].id,
                organisation_id=world["a1"].organisation_id,
                body=f"Kommentar {offset + i}",
                body_html=f"<p>Kommentar {offset + i}</p>",
                status=CommentStatus.PENDING,
                created_at=start + timedelta(minutes=offset + i),
            )
            for i in range(n)
        )

    add(world["held"], 120)
    add(world["open"], 3, offset=200)
    db.session.commit()
    return world


def _query(href: str) -> dict:
    url = urlsplit(href.replace("&amp;", "&"))
    assert url.path == "/moderation"
    return parse_qs(url.query)


def _shown(html: str) -> list[str]:
    return re.findall(r"<p>(Kommentar \d+)</p>", html)


def test_the_queue_shows_50_items_a_page_oldest_first_across_pages(client, auth, many):
    auth.login("mod@example.org", factories.PASSWORD)
    first = client.get("/moderation").get_data(as_text=True)
    assert _shown(first) == [f"Kommentar {i}" for i in range(PAGE_SIZE)]
    assert "123 Einträge warten, die ältesten zuerst." in first and "Angezeigt: 1 bis 50." in first
    assert "Seite 1 von 3" in first
    third = client.get("/moderation?page=3").get_data(as_text=True)
    assert _shown(third) == [f"Kommentar {i}" for i in range(100, 120)] + [f"Kommentar {i}" for i in (200, 201, 202)]
    assert "Angezeigt: 101 bis 123." in third
    # After the last page: the last page (decisions shorten the queue under a moderator's feet).
    assert _shown(client.get("/moderation?page=9").get_data(as_text=True)) == _shown(third)


def test_paging_links_are_plain_links_that_keep_the_filter(client, auth, many):
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/moderation?draft=gehalten&kind=comment&page=2").get_data(as_text=True)
    nav = page.split('<nav class="pager" id="pager-top"', 1)[1].split("</nav>", 1)[0]
    links = {text: _query(href) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}
    filters = {"draft": ["gehalten"], "kind": ["comment"]}
    assert links == {
        "Erste Seite": filters,
        "Vorherige Seite": filters,
        "Nächste Seite": {**filters, "page": ["3"]},
        "Letzte Seite": {**filters, "page": ["3"]},
    }
    assert 'aria-current="page">Seite 2 von 3<' in nav
    assert _shown(page) == [f"Kommentar {i}" for i in range(50, 100)]  # only the held draft's
    assert 'id="pager-bottom"' in page


def test_a_short_queue_has_no_paging_links(client, auth, world):
    auth.login("mod@example.org", factories.PASSWORD)
    assert 'class="pager"' not in client.get("/moderation").get_data(as_text=True)


def test_a_decision_without_javascript_comes_back_to_its_page(client, auth, many):
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/moderation?kind=comment&page=2").get_data(as_text=True)
    action = re.search(r'<form method="post" action="(/moderation/comments/(\d+)\?[^"]+)"', page)
    url = action.group(1).replace("&amp;", "&")
    assert "kind=comment" in url and "page=2" in url
    response = client.post(url, data={"csrf_token": _token(client), "decision": "publish"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert _query(location.path + "?" + location.query) == {"kind": ["comment"], "page": ["2"]}
    assert location.fragment == f"item-comment-{action.group(2)}"
    assert db.session.get(Comment, int(action.group(2))).status == CommentStatus.PUBLISHED


def test_deciding_in_place_on_a_later_page_answers_the_item_only(client, auth, many):
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/moderation?page=2").get_data(as_text=True)
    comment_id = int(re.search(r'hx-post="/moderation/comments/(\d+)\?page=2"', page).group(1))
    assert f'id="item-comment-{comment_id}"' in page
    answer = client.post(
        f"/moderation/comments/{comment_id}?page=2",
        headers=HX,
        data={"csrf_token": _token(client), "decision": "publish"},
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "<html" not in html and f'id="item-comment-{comment_id}"' in html
    assert "Der Kommentar wurde veröffentlicht." in html
