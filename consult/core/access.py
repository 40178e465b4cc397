"""Who may use a route: every view declares it with one of these decorators.

`public`, `signed_in` and `roles(...)` check the session before the view runs and
mark the view with `access`, which a test reads for every rule in `app.url_map`,
so that no route can be added without saying who may use it. Checks on the
object a route touches (`can_view_draft` and the like) still happen in the view.
"""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user

from consult.core import kept_text
from consult.extensions import login_manager

PUBLIC = "public"
SIGNED_IN = "signed in"


def _declare(view: Callable, access: str, check: Callable[[], object] | None) -> Callable:
    @wraps(view)
    def guarded(*args, **kwargs):
        if check is not None:
            refusal = check()
            if refusal is not None:
                return refusal
        return view(*args, **kwargs)

    # The mark tests/core/test_access.py reads; mypy knows no attributes of a function beyond its own.
    guarded.access = access  # type: ignore[attr-defined]
    return guarded


def _require_sign_in():
    """Others go to the sign-in page; a form sent after the session ended comes back with its text
    and a sign-in (consult.core.kept_text), so nothing typed is lost."""
    if not current_user.is_authenticated:
        return kept_text.answer_lost_form(signed_out=True) or login_manager.unauthorized()
    return None


def public(view: Callable) -> Callable:
    """Anyone, signed in or not; the view checks the object itself."""
    return _declare(view, PUBLIC, None)


def signed_in(view: Callable) -> Callable:
    """Any signed-in person; others go to the sign-in page and come back."""
    return _declare(view, SIGNED_IN, _require_sign_in)


def roles(*names: str) -> Callable[[Callable], Callable]:
    """Signed-in people holding at least one of the given roles; others get 403."""

    def check():
        refusal = _require_sign_in()
        if refusal is not None:
            return refusal
        if not current_user.has_role(*names):
            abort(403)
        return None

    def decorator(view: Callable) -> Callable:
        return _declare(view, "roles: " + ", ".join(sorted(str(n) for n in names)), check)

    return decorator
