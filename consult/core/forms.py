"""The base of every form: Flask-WTF's, with WTForms' own messages translated once per language,
and the request's text checked once for every form (see consult.core.inputs).

Text with characters that are refused (NUL and other control characters, lone surrogates,
the U+FFFD left by invalid UTF-8) is not an error page: the form comes back (status 400)
with the text as typed minus those characters, and a message on the field that says so.
A field sent twice where the form reads one value is a 400.

Flask-WTF looks up WTForms' catalogue (the messages of its validators, the
default labels) again in every request, which parses the catalogue file each
time a form is made. The catalogue of a language does not change while the app
runs, so it is read once per process and language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import BadRequest
from wtforms import IntegerField, MultipleFileField, SelectMultipleField
from wtforms.i18n import get_translations

from consult.core.inputs import REMOVED, CheckedParameters, RepeatedField, fits_database, unreadable, without_unreadable

TOO_LARGE = _l("This number is too large.")
# Fields that read a list of values; every other field reads one.
_MANY = (SelectMultipleField, MultipleFileField)


@lru_cache(maxsize=None)
def _catalogue(locale: str):
    return get_translations([locale])


def _cleaned(form, formdata):
    """The request's values for `form`: refused characters removed (the names kept in
    `form.cleaned_fields`), a 400 for a single-value field that came more than once."""
    parts = formdata.dicts if isinstance(formdata, CombinedMultiDict) else [formdata]
    items: list[tuple[str, Any]] = []
    for part in parts:
        items += part.unchecked().items(multi=True) if isinstance(part, CheckedParameters) else part.items(multi=True)
    cleaned: set[str] = set()
    values: MultiDict[str, Any] = MultiDict()
    for name, value in items:
        if isinstance(value, str) and unreadable(value):
            cleaned.add(name)
            value = without_unreadable(value)
        values.add(name, value)
    for name, field in form._fields.items():
        if not isinstance(field, _MANY) and len(values.getlist(name)) > 1:
            raise RepeatedField()
    form.cleaned_fields = cleaned
    return values


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _catalogue(str(get_locale()))

        def wrap_formdata(self, form, formdata):
            try:
                data = super().wrap_formdata(form, formdata)
            except (TypeError, ValueError):  # a JSON body that is not an object of fields
                raise BadRequest() from None
            # Also a JSON body, which Flask-WTF reads into a plain MultiDict.
            if isinstance(data, (MultiDict, CombinedMultiDict)):
                return _cleaned(form, data)
            return data

    cleaned_fields: set[str] | frozenset[str] = frozenset()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        refused = [name for name in self.cleaned_fields if name in self._fields]
        for name in refused:
            self[name].errors = [*self[name].errors, str(REMOVED)]
        if refused:
            g.refused_text = True
        # Every number a form reads ends up in, or is compared with, an INTEGER column.
        too_large = [
            field
            for field in self
            if isinstance(field, IntegerField) and isinstance(field.data, int) and not fits_database(field.data)
        ]
        for field in too_large:
            field.errors = [*field.errors, str(TOO_LARGE)]
        return valid and not refused and not too_large


def message_for(form, refusal=None) -> str | None:
    """Where a refused form's message goes: onto the field a `FieldRefusal` names (None is returned),
    else the page-level message to show. A form without its CSRF token is a 400, not a message."""
    from flask import abort

    from consult.core.refusals import FieldRefusal

    if "csrf_token" in form.errors:
        abort(400)
    if isinstance(refusal, FieldRefusal) and refusal.field in form:
        form[refusal.field].errors = [*form[refusal.field].errors, str(refusal.message)]
        return None
    return str(refusal.message) if refusal is not None else None
