"""`FLOOR=1 TARGETS=render_nocache bench/annotate.sh` measures the ceiling of the draft page's markup: gunicorn
serves bench/stack_floor.py, whose draft view reads the page's data once per process and renders the template
from it on every request. That figure means something only while the floor renders the very page the real view
renders (else it measures another page) and reads none of its data again (else it measures the queries too).
These tests hold both, on the benchmark's own kind of draft (bench/seed.py, made smaller)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import consult.reading.views as reading_views
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[2]
# What two views of one page differ in: the vote boxes' and the vote form's fresh one-time keys
# (consult.core.once), and the CSRF token, signed anew each second.
_FRESH = re.compile(r'(?<="once_key": ")[^"]*|(?<=name="once_key" value=")[^"]*')


def _page(client, url: str, **kwargs) -> str:
    page = _FRESH.sub("", client.get(url, **kwargs).get_data(as_text=True))
    return page.replace(csrf_token(page), "") if 'name="csrf_token"' in page else page


@pytest.fixture
def extra_config() -> dict:
    return {"PAGE_CACHE_BYTES": 0}  # as the benchmark's render_nocache server: every view renders


def _bench_module(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def seeded(app, client, monkeypatch):
    """bench/seed.py's draft in the voting phase (paragraphs, comments on passages, every organisation's votes),
    with its first delegate signed in."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    seeding = _bench_module("seed")
    info = seeding.seed("bench", paragraphs=12, comments=60, organisations=4)
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login", data={"email": info["email"], "password": info["password"], "csrf_token": csrf_token(page)}
    )
    assert answer.status_code == 302
    return info


@pytest.fixture
def install_floor(app, monkeypatch):
    """Serves `app` as bench/stack_floor.py serves wsgi's app (its import patches the reading views: undone after)."""
    monkeypatch.setattr(reading_views, "_render_draft", reading_views._render_draft)
    monkeypatch.setitem(sys.modules, "wsgi", SimpleNamespace(app=app))
    return lambda: _bench_module("stack_floor")


def test_the_floor_renders_the_real_page_and_reads_none_of_its_data_again(client, seeded, install_floor, count_queries):
    url = f"/drafts/{seeded['slug']}"
    real_page = _page(client, url)
    assert 'name="vote"' in real_page and "data-marks=" in real_page and "comment-count" in real_page
    with count_queries() as real:
        assert _page(client, url) == real_page

    install_floor()
    assert _page(client, url) == real_page  # the first view reads the data, as the real view
    with count_queries() as floor:
        page = _page(client, url)
    assert page == real_page
    read_again = [s for s in floor.statements if "FROM comment" in s or "FROM paragraph_text" in s]
    assert read_again == [], read_again
    assert floor.count < real.count


def test_the_floor_renders_the_next_range_of_a_long_draft_as_the_real_view_does(app, client, seeded, install_floor):
    app.config["DRAFT_RANGE_PARAGRAPHS"] = 5
    url = f"/drafts/{seeded['slug']}/paragraphs?from=6"
    real = _page(client, url, headers={"HX-Request": "true"})
    assert 'id="p6"' in real and 'id="p5"' not in real
    install_floor()
    for _ in range(2):
        assert _page(client, url, headers={"HX-Request": "true"}) == real
