"""The base of every form: Flask-WTF's, with WTForms' own messages translated once per language.

Flask-WTF looks up WTForms' catalogue (the messages of its validators, the
default labels) again in every request, which parses the catalogue file each
time a form is made. The catalogue of a language does not change while the app
runs, so it is read once per process and language.
"""
from __future__ import annotations

from functools import lru_cache

from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import get_translations


@lru_cache(maxsize=None)
def _catalogue(locale: str):
    return get_translations([locale])


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _catalogue(str(get_locale()))


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
