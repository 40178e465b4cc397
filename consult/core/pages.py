"""Lists shown in pages (a thread, the people, the audit log): which page was asked for.

The number comes from `?page=`; one that is not a number is the first page, one beyond the
database's integer range is a 404 (see consult.core.inputs). A page after the last one shows
nothing that exists, so it is a 404 too, not an empty page that looks like an empty list.
"""

from __future__ import annotations

from flask import abort, request


def page_number() -> int:
    """The page asked for, counted from 1."""
    return max(1, request.args.get("page", 1, type=int) or 1)


def check_not_beyond(page: int, rows_shown: int) -> None:
    """404 for a page after the last one: past the first page and nothing on it."""
    if page > 1 and not rows_shown:
        abort(404)
