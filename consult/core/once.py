"""Once, and only once: a form that creates something stores it once, however often it is sent.

A double click, or "Senden" pressed again after an answer that never arrived,
sends the same form twice. Every form that creates something (a comment, a
reply, an amendment, a support, a report, an invitation, a vote) therefore
carries a one-time key in a hidden field `once_key`, and the view runs its
service through `create_once()`:

- the key is claimed first, as a row of `submission_key` (person, key) under a
  UNIQUE constraint, in the same transaction as the object it then records;
- a key sent again finds that row: nothing is stored again, and the view answers
  with what the first sending stored (the same redirect or fragment);
- two identical POSTs at the same moment: the second's INSERT waits on the unique
  index until the first commits, then fails; it rolls back and answers with the
  first's result (had the first been refused and rolled back, the second goes on).

The key is unique per rendering of a form: templates write a placeholder
(`once_field()`, `once_key()`), and each placeholder of an HTML response is
replaced by a fresh random key on the way out (`fill_keys`). A page served from
the page cache (consult.core.page_cache) or an htmx fragment thus never shares a
key with another rendering, nor with another person. A form re-rendered after a
refusal keeps the key that was sent with it (the first sending stored nothing,
so the key is still free); after a successful create the next empty form is a
new rendering, with a new key. Keys are scoped to the person who sent them.

A POST without a key (a page from before keys, an API client) is accepted as
before, without the protection; a malformed key counts as no key.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from markupsafe import Markup
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from consult.core.db import UTCDateTime, utcnow
from consult.core.forms import Form
from consult.core.i18n import lazy_gettext as _l
from consult.core.refusals import InvalidInput
from consult.extensions import Model, db

FIELD = "once_key"
# Stands for a fresh key in rendered HTML until the response leaves. The NUL bytes keep it
# apart from anything a person can type (refused as input, never written by a template).
PLACEHOLDER = "\x00once\x00"
_PLACEHOLDER_BYTES = PLACEHOLDER.encode()
KEY = re.compile(r"[A-Za-z0-9_-]{16,40}")
# The answer to a form sent again whose first result is gone since (e.g. a comment deleted by its author).
ALREADY_SENT = _l("This form was already sent; nothing was stored again.")


class SubmissionKey(Model):
    """A form's one-time key as it was first sent: by whom, what it created (kind and id)."""

    __tablename__ = "submission_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "comment", "vote"
    object_id: Mapped[int | None] = mapped_column(Integer)  # what the first sending created, if one row
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OnceKeyField(HiddenField):
    """The hidden one-time key. Its data is the key that was sent, or None (none, or malformed)."""

    def process_formdata(self, valuelist):
        value = valuelist[0] if valuelist else None
        self.data = value if isinstance(value, str) and KEY.fullmatch(value) else None

    def __call__(self, **kwargs):
        return once_field(self.data)


class OnceForm(Form):
    """A form that creates something: mix in (or use alone, for a button-only create)."""

    once_key = OnceKeyField()


def _sent_key(form) -> str | None:
    field = getattr(form, FIELD, None)
    return field.data if field is not None else None


def once_key(form=None) -> str:
    """The key for a form being rendered: the one it was sent with (re-rendered after a
    refusal), else the placeholder that becomes a fresh key on the way out."""
    key = form if isinstance(form, str) else _sent_key(form) if form is not None else None
    return key or PLACEHOLDER


def once_field(form=None) -> Markup:
    """`<input type="hidden" name="once_key" …>` for a form being rendered (see `once_key`)."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{once_key(form)}">')


def fill_keys(response):
    """Replace every placeholder of an HTML response by its own fresh key (after_request)."""
    if response.direct_passthrough or response.is_streamed or response.mimetype != "text/html":
        return response
    body = response.get_data()
    if _PLACEHOLDER_BYTES in body:
        parts = body.split(_PLACEHOLDER_BYTES)
        keys = [secrets.token_urlsafe(16).encode() for _ in range(len(parts) - 1)]
        response.set_data(b"".join(part for pair in zip(parts, keys + [b""], strict=True) for part in pair))
    return response


@dataclass(frozen=True)
class Outcome:
    """What a form's sending stands for: the id of what was created (None if not one row), and
    `again`: True when this key was sent before and nothing new was stored now."""

    object_id: int | None
    again: bool
    result: object = None  # what `make()` returned (None when sent again)


def _first(user_id: int, key: str, kind: str) -> Outcome | None:
    row = db.session.execute(
        select(SubmissionKey.kind, SubmissionKey.object_id).where(
            SubmissionKey.user_id == user_id, SubmissionKey.key == key
        )
    ).first()
    if row is None:
        return None
    if row.kind != kind:  # a key copied from another form: not this form's sending
        raise InvalidInput(_l("This form was already sent. Please reload the page and try again."))
    return Outcome(row.object_id, again=True)


def create_once(user, form, kind: str, make: Callable[[], object], scope: str | None = None) -> Outcome:
    """Run `make()` (the service that creates) once per key of `form`, and say what it created.

    The key is claimed before `make()` runs, in the caller's transaction; the caller commits
    once, as always. When the key was sent before (now, or by a parallel request that
    committed first), the transaction is rolled back and the first sending's outcome is
    returned with `again=True`: the caller answers as it did then. `make()` may return the
    created row (its id is kept) or anything else (nothing kept). Refusals of `make()` pass
    through (the caller rolls back, and the key stays free for the corrected form).
    `scope` splits the key of one form whose buttons create different things (the page's one
    plain vote form, whose buttons vote on different questions): one key per scope.
    """
    key = _sent_key(form)
    if key and scope:
        key = f"{key}.{scope[:23]}"
    if not key or not getattr(user, "is_authenticated", False):
        created = make()
        return Outcome(getattr(created, "id", None), again=False, result=created)
    user_id = user.id
    claim = SubmissionKey(user_id=user_id, key=key, kind=kind, created_at=utcnow())
    db.session.add(claim)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        first = _first(user_id, key, kind)
        if first is None:  # cannot be: the row that made the INSERT fail is committed
            raise
        return first
    created = make()
    object_id = getattr(created, "id", None)
    if object_id is not None:
        claim.object_id = object_id
    return Outcome(object_id, again=False, result=created)


def init_app(app) -> None:
    app.jinja_env.globals.update(once_field=once_field, once_key=once_key)
    app.after_request(fill_keys)
