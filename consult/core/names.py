"""The rule for the names people and organisations are shown by, and how pages show them.

A name is shown to others next to their words and votes, so it must read as what it is:
- No bidi controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, the marks
  U+200E, U+200F and U+061C): they let a name turn text around it ("‮lin.exe" showing as "exe.nil").
- No zero-width characters (U+200B–U+200D, U+2060, U+FEFF): they make two names that look the same
  differ, so one person or organisation can pass as another.
- At most as many characters as the column holds (`max_length`), said in the person's language
  rather than failing in the database.

Right-to-left names themselves are welcome; on pages every name is shown isolated (`isolate`,
the template filter, `<bdi>`), so that a name in one direction never reorders the text around it.
The general refusal of NUL and other control characters lives in consult/core/forms.py; this
rule is only about names.
"""

from __future__ import annotations

import re

from flask import current_app, has_request_context
from markupsafe import Markup, escape
from wtforms.validators import ValidationError

from consult.core.i18n import in_language
from consult.core.i18n import lazy_gettext as _l

BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b-\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH}]")


def name_problem(name: str, max_length: int):
    """Why `name` cannot be a name (a message in the person's language), or None when it can."""
    if _INVISIBLE.search(name or ""):
        return _l(
            "A name cannot contain invisible characters that change the direction of text or hide "
            "between letters. Please type the name again without them."
        )
    if len((name or "").strip()) > max_length:
        return _l("A name has at most %(max)d characters.", max=max_length)
    return None


def name_refusal(name: str, max_length: int) -> str | None:
    """`name_problem` as text now, for the services the command line calls: in the request's language,
    or, outside a request, in the default language (German)."""
    problem = name_problem(name, max_length)
    if problem is None or has_request_context():
        return None if problem is None else str(problem)
    with in_language(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(problem)


class NameRule:
    """WTForms validator: the field holds a name (see the module's rule), at most `max_length` characters."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    def __call__(self, form, field) -> None:
        problem = name_problem(field.data or "", self.max_length)
        if problem is not None:
            raise ValidationError(str(problem))


def isolate(name) -> Markup:
    """A name on a page, isolated from the text around it (`<bdi>`): the `isolate` template filter."""
    return Markup("<bdi>%s</bdi>") % escape("" if name is None else name)


def isolate_text(name) -> str:
    """A name where no HTML element may stand (an SVG `<text>` or `<title>`), isolated by the Unicode marks
    FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE, as `<bdi>` does: the `isolate_text` template filter."""
    return "\u2068" + ("" if name is None else str(name)) + "\u2069"
