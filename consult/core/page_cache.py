"""A per-process cache of whole rendered pages, for pages that are read far more often than they change.

A page is stored under a key that names everything it shows: the path, the
language, who is looking (their id, organisation, roles, name), and what the
caller adds (for a draft: its revision counter and the entitled organisations).
When any of those changes, the key changes, and the old entry is simply never
asked for again; the least recently used entries go when the cache is full
(`PAGE_CACHE_BYTES` per process; 0 switches the cache off).

The person's CSRF token is the one thing in a page that differs between two
sessions of the same person: it is stored as a placeholder and put back on the
way out. Pages are never cached while a flash message waits to be shown, and
only for GET requests without a query string (other variants stay uncached), unless the caller's key names
what the query string changes (`query_in_key`).

Parts of a page that change far more often than the rest (the vote boxes of a
draft during voting: every vote changes a tally) are left out of the cached
page as holes (`hole(name)` in the rendered page) and filled for each request
by the caller (`fill(names)`), so that such a change does not throw the whole
page away: the page is stored split at its holes, and a request joins it with
its parts.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Callable, Hashable, Iterable, Mapping

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

TOKEN_PLACEHOLDER = "\x00csrf\x00"
# A hole for a per-request part: NUL bytes keep it apart from anything a person can type.
_HOLE = re.compile("\x00hole:([^\x00]*)\x00")


def hole(name: str) -> Markup:
    """Where the per-request part `name` goes in a page rendered for `cached_page(..., fill=...)`."""
    return Markup(f"\x00hole:{name}\x00")


class _Split:
    """A page split at its holes: `pieces` is text, hole name, text, hole name, ..., text."""

    __slots__ = ("pieces", "size")

    def __init__(self, page: str) -> None:
        self.pieces = _HOLE.split(page)
        self.size = sum(len(piece) for piece in self.pieces[::2])

    def __len__(self) -> int:  # what the cache's size limit counts
        return self.size

    @property
    def names(self) -> list[str]:
        return self.pieces[1::2]

    def join(self, parts: Mapping[str, str]) -> str:
        pieces = self.pieces.copy()
        pieces[1::2] = (parts.get(name, "") for name in self.pieces[1::2])
        return "".join(pieces)


class PageCache:
    """Least-recently-used strings (or split pages), bounded by their total length (characters)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, str | _Split] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> str | _Split | None:
        with self._lock:
            page = self._entries.get(key)
            if page is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: Hashable, page: str | _Split, limit: int) -> None:
        if len(page) > limit:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._entries[key] = page
            self._size += len(page)
            while self._size > limit:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


def _cache(app) -> PageCache:
    cache = app.extensions.get("consult_page_cache")
    if cache is None:
        cache = app.extensions["consult_page_cache"] = PageCache()
    return cache


def viewer_key() -> tuple:
    """Who is looking, as far as a page can differ between people."""
    user = current_user
    if not user.is_authenticated:
        return ("guest",)
    organisation = user.organisation
    return (
        user.id,
        user.name,
        tuple(sorted(user.roles)),
        (organisation.id, organisation.name, organisation.short_name, organisation.is_member, organisation.is_active)
        if organisation is not None
        else None,
    )


def cached_page(
    key: tuple,
    render: Callable[[], str],
    enabled: bool = True,
    fill: Callable[[Iterable[str]], Mapping[str, str]] | None = None,
    query_in_key: bool = False,
) -> str:
    """The page for `key` from the cache, or `render()` (then stored) when it is not there.
    `enabled=False` renders every time (e.g. for moderators, whose navigation counts the queue).
    A request with a query string is rendered every time, unless the caller says `query_in_key`: that `key`
    names everything the query string changes in the page (e.g. the § range of a long draft).
    With `fill`, the page's holes (`hole(name)`) are filled on every request with `fill(names)[name]`:
    the cached page does not depend on what is in them, so `key` need not name it."""
    # The app itself, not the proxy, for the several reads below. Flask types current_app as the app.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    limit = app.config.get("PAGE_CACHE_BYTES", 0)
    if (
        not enabled
        or not limit
        or request.method != "GET"
        or (request.query_string and not query_in_key)
        or session.get("_flashes")
    ):
        page = render()
        return _Split(page).join(fill(_HOLE.findall(page))) if fill is not None else page
    token = generate_csrf()
    full_key = (request.path, str(get_locale()), viewer_key(), *key)
    cache = _cache(app)
    stored = cache.get(full_key)
    if stored is None:
        page = render()
        stored = (
            _Split(page.replace(token, TOKEN_PLACEHOLDER))
            if fill is not None
            else page.replace(token, TOKEN_PLACEHOLDER)
        )
        cache.put(full_key, stored, limit)
    if isinstance(stored, _Split):  # stored with `fill` (a key's pages are all made alike): holes filled now
        page = stored.join(fill(stored.names) if fill is not None else {})
    else:
        page = stored
    return page.replace(TOKEN_PLACEHOLDER, token)


def clear(app) -> None:
    _cache(app).clear()
