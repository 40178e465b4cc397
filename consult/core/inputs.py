"""What a request may carry: the one gate every route and form goes through.

- Ids in paths and query strings fit the database's INTEGER columns (32 bits on PostgreSQL);
  a larger or negative number names nothing, so it is a 404 before any query is sent.
- Text is refused when it holds what no person types and the database cannot store or
  would store wrongly: NUL and the other C0 control characters (tab, newline and carriage
  return excepted), DEL, lone surrogates, and U+FFFD, which is what the decoding of invalid
  UTF-8 leaves behind (a `%C0%AF` would otherwise be stored as a replacement character).
- A field that is read as one value must come once: `a=1&a=2` is a question with two answers.

The checks live in the request's own parameter store (`request.args`, `request.form`,
`request.values`), so a view that reads a value directly gets a 400 page in the person's
language. Forms read through `consult.core.forms.Form`, which instead removes the characters
and shows the form again with the text and a message (see there).
"""

from __future__ import annotations

import re
from typing import Any, Callable, TypeVar, overload
from urllib.parse import parse_qsl

from flask import Request, abort, current_app, g, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError
from werkzeug.utils import cached_property

from consult.core.i18n import lazy_gettext as _l
from consult.core.refusals import Refusal

# PostgreSQL's INTEGER, the type of every id column (SQLite's are wider, so this is the bound).
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1

T = TypeVar("T")

_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffd]")


def unreadable(text: str) -> bool:
    """True if `text` holds a character that is refused (see the module's docstring)."""
    return _UNREADABLE.search(text) is not None


def without_unreadable(text: str) -> str:
    """`text` with the refused characters removed."""
    return _UNREADABLE.sub("", text)


def fits_database(number: int) -> bool:
    return DB_INT_MIN <= number <= DB_INT_MAX


def database_id(text: str | None) -> int | None:
    """`text` as an id when it is one (ASCII digits, within the database's range), else None.
    (`str.isdigit` alone would let "¹" through, which `int` refuses.)"""
    if not text or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if fits_database(number) else None


class UnreadableText(BadRequest):
    """A query or form value holds refused characters; the error page explains it."""

    description = "unreadable text"


REMOVED = _l(
    "The text contained characters that cannot be stored (such as control characters). "
    "They were removed: please check the text and send it again."
)


class TextRemoved(Refusal):
    """Refused characters were removed from a text a view shows again (see `cleaned_text`)."""

    status = 400


class RepeatedField(BadRequest):
    """A field expected once came more than once."""

    description = "repeated field"


class CheckedParameters(ImmutableMultiDict[str, str]):
    """`request.args` / `request.form`: each value read is checked (see the module's docstring).

    `get(name, type=int)` (the one way the views read a number) answers 404 for a number outside
    the database's range, so a page or an id from a query string never reaches a query unbounded.
    """

    def _checked(self, key, values: list):
        for value in values:
            if isinstance(value, str) and unreadable(value):
                raise UnreadableText()
        return values

    def __getitem__(self, key):
        values = self._checked(key, super().getlist(key))
        if len(values) > 1:
            raise RepeatedField()
        return super().__getitem__(key)

    # The signatures of Werkzeug's MultiDict.get, which this one keeps (only the checks are added).
    # The ignore is Werkzeug's own on MultiDict.get: it differs from dict.get, and its 4th overload lets
    # `type` come second, which no implementation accepts (here it is keyword-only, as called).
    @overload  # type: ignore[override]
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str) -> str: ...
    @overload
    def get(self, key: str, default: T) -> str | T: ...
    @overload
    def get(self, key: str, *, type: Callable[[str], T]) -> T | None: ...
    @overload
    def get(self, key: str, default: T, type: Callable[[str], T]) -> T: ...

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        values = self._checked(key, super().getlist(key))
        if len(values) > 1:
            raise RepeatedField()
        if not values:
            return default
        value = values[0]
        if type is None:
            return value
        try:
            converted = type(value)
        except (ValueError, TypeError):
            return default
        if type is int and not fits_database(converted):
            abort(404)
        return converted

    def getlist(self, key, type=None):
        self._checked(key, super().getlist(key))
        return super().getlist(key, type=type)

    def unchecked(self) -> ImmutableMultiDict:
        """The same values without the checks: for a form, which cleans them itself."""
        return ImmutableMultiDict(self.items(multi=True))


def _decoded(raw: bytes) -> list[tuple[str, str]]:
    """Query-string pairs with invalid UTF-8 decoded as U+FFFD, which the checks then refuse.
    (Werkzeug keeps invalid bytes as the text "%C0%AF", which would be stored as if typed.)"""
    return parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True, errors="replace")


class _FormParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        return stream, self.cls(_decoded(stream.read())), self.cls()


class ConsultRequest(Request):
    parameter_storage_class = CheckedParameters
    form_data_parser_class = _FormParser

    @cached_property
    def args(self) -> CheckedParameters:
        return self.parameter_storage_class(_decoded(self.query_string))


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: a non-negative number that fits an id column, else the rule does not
    match (404)."""

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """`<slug>`, `<token>`, `<name>`: a path part with a refused character names nothing (404)."""

    def to_python(self, value: str) -> str:
        if unreadable(value):
            raise ValidationError()
        return value


def cleaned_text(name: str) -> str:
    """For a view that reads a long text from the form itself (no form class): the text as typed,
    minus refused characters, so that the page can show it again. `refuse_cleaned_text` then refuses
    the request if any were removed."""
    form = request.form
    values = (form.unchecked() if isinstance(form, CheckedParameters) else form).getlist(name)
    if len(values) > 1:
        raise RepeatedField()
    text = values[0] if values else ""
    if unreadable(text):
        g.refused_text = True
        return without_unreadable(text)
    return text


def refuse_cleaned_text() -> None:
    """Raise `TextRemoved` (400) when `cleaned_text` removed characters in this request."""
    if g.get("refused_text"):
        raise TextRemoved(REMOVED)


def _upload_limit():
    """A view marked with `accepts_upload` may receive the larger body of a file upload."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "accepts_upload", False):
        request.max_content_length = current_app.config["MAX_UPLOAD_LENGTH"]


def accepts_upload(view):
    """Mark a view that receives an uploaded file: its body may be as large as MAX_UPLOAD_LENGTH
    instead of MAX_CONTENT_LENGTH."""
    view.accepts_upload = True
    return view


def init_app(app) -> None:
    """Before any route is added: the converters; before any other hook: the upload limit."""
    app.request_class = ConsultRequest
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.before_request(_upload_limit)
    app.after_request(_refused_text_status)


def _refused_text_status(response):
    """A form shown again because its text held refused characters answers 400 (see Form.validate),
    whatever status the view gives an invalid form."""
    if g.get("refused_text") and response.status_code < 500 and not 300 <= response.status_code < 400:
        response.status_code = 400
    return response
