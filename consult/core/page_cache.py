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
only for GET requests without a query string (other variants stay uncached).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

TOKEN_PLACEHOLDER = "\x00csrf\x00"


class PageCache:
    """Least-recently-used strings, bounded by their total length (characters)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            page = self._entries.get(key)
            if page is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: Hashable, page: str, limit: int) -> None:
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
    return (user.id, user.name, tuple(sorted(user.roles)),
            (organisation.id, organisation.name, organisation.short_name, organisation.is_member,
             organisation.is_active) if organisation is not None else None)


def cached_page(key: tuple, render: Callable[[], str], enabled: bool = True) -> str:
    """The page for `key` from the cache, or `render()` (then stored) when it is not there.
    `enabled=False` renders every time (e.g. for moderators, whose navigation counts the queue)."""
    app = current_app._get_current_object()
    limit = app.config.get("PAGE_CACHE_BYTES", 0)
    if not enabled or not limit or request.method != "GET" or request.query_string or session.get("_flashes"):
        return render()
    token = generate_csrf()
    full_key = (request.path, str(get_locale()), viewer_key(), *key)
    cache = _cache(app)
    page = cache.get(full_key)
    if page is not None:
        return page.replace(TOKEN_PLACEHOLDER, token)
    page = render()
    cache.put(full_key, page.replace(token, TOKEN_PLACEHOLDER), limit)
    return page


def clear(app) -> None:
    _cache(app).clear()
