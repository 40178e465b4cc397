"""Static files under content-hashed names (consult/core/static_files.py): pages link the hashed names,
those are cached for a year (immutable), and the old names still answer, revalidated."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from consult.core.static_files import IMMUTABLE

ROOT = Path(__file__).resolve().parents[2]


def _digest(name: str) -> str:
    return hashlib.sha256((ROOT / "static" / name).read_bytes()).hexdigest()[:10]


def test_a_page_links_stylesheet_scripts_and_htmx_by_their_content_hash(client):
    page = client.get("/login").get_data(as_text=True)
    links = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page))
    assert f"/static/css/consult.{_digest('css/consult.css')}.css" in links
    assert f"/static/js/consult.{_digest('js/consult.js')}.js" in links
    assert f"/static/vendor/htmx.min.{_digest('vendor/htmx.min.js')}.js" in links
    for url in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        plain = re.sub(r"\.[0-9a-f]{10}(\.[a-z]+)$", r"\1", url)
        assert response.get_data() == (ROOT / plain.removeprefix("/")).read_bytes(), url


def test_the_plain_name_still_answers_and_is_revalidated(client):
    response = client.get("/static/css/consult.css")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert response.get_data() == (ROOT / "static/css/consult.css").read_bytes()


def test_a_name_with_an_old_hash_gets_the_current_file_not_cached_for_a_year(client):
    response = client.get("/static/css/consult.0123456789.css")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert response.get_data() == (ROOT / "static/css/consult.css").read_bytes()


def test_a_hashed_name_is_revalidated_with_304_and_keeps_its_year(client):
    url = f"/static/js/consult.{_digest('js/consult.js')}.js"
    first = client.get(url, headers={"Accept-Encoding": "br"})
    with client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]}) as again:
        assert again.status_code == 304 and again.headers["Cache-Control"] == IMMUTABLE


def test_no_file_outside_the_static_folder_and_no_missing_file(client):
    assert client.get("/static/css/nothing.0123456789.css").status_code == 404
    assert client.get("/static/../consult/config.py").status_code == 404
    assert client.get("/static/..%2Fconsult%2Fconfig.0123456789.py").status_code == 404


def test_a_hashed_file_is_sent_compressed_at_the_highest_level_made_once(client):
    import gzip

    import brotli

    url = f"/static/vendor/htmx.min.{_digest('vendor/htmx.min.js')}.js"
    original = (ROOT / "static/vendor/htmx.min.js").read_bytes()
    br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.get_data()) == original
    assert len(br.get_data()) <= len(brotli.compress(original, quality=4))  # smaller than a page's level
    assert br.headers["ETag"].startswith('W/"') and br.headers["Cache-Control"] == IMMUTABLE
    assert client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"}).get_data() == br.get_data()
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == original
