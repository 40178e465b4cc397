"""No typed text is lost when a form cannot be accepted as it came.

A form that comes back with an aged CSRF token, or after the person's session ended (signed out
elsewhere, cookies cleared, a new password), used to get a bare error page; with htmx that page
replaced the thread and the text on screen was gone. Every state-changing form now gets the same
answer from one place (the CSRF error handler and the sign-in check of `consult.core.access`):
a page holding every field that was posted, the texts in editable fields under their labels,
with a fresh CSRF token and a button that sends it again to the same address. Where the session
ended, the page embeds the sign-in; signing in from it (`consult.accounts.views.login`) answers
with this page again, signed in, so the person checks the text and sends it.

For htmx the page replaces the content of `<body>` (HX-Retarget), so nothing the person typed is
swapped away into a fragment slot; the page's own form is a plain one, so it works without script.

Passwords and codes are never written back into a page: a form that carried one gets the short
"please reload" page instead. Neither does a POST from another site (an Origin or Sec-Fetch-Site
header saying so) get a ready-to-send copy of what it posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, render_template, request
from werkzeug.datastructures import MultiDict

from consult.core.i18n import lazy_gettext as _l
from consult.core.urls import is_local_path

# Fields that hold what a person wrote, shown as editable fields under these labels.
TEXT_LABELS = {
    "body": _l("Comment text"),
    "quote": _l("Quoted passage (optional)"),
    "text": _l("Proposed text"),
    "justification": _l("Justification"),
    "reason": _l("Reason"),
    "adopted_text": _l("Text as adopted (for “Accept modified”)"),
    "markdown": _l("Text"),
    "title": _l("Title"),
    "name": _l("Name"),
}
# Never written back into a page.
SECRETS = frozenset({"password", "current_password", "new_password", "repeat_password", "code"})
NOT_KEPT = frozenset({"csrf_token"})
# Fields of the embedded sign-in that carry the kept form (consult.accounts.views.login).
KEEP_PREFIX = "keep-"
KEEP_ACTION = "keep_action"


@dataclass(frozen=True)
class KeptField:
    name: str
    value: str
    label: str | None  # None: kept as a hidden field (ids, choices, one-time keys)


@dataclass(frozen=True)
class KeptForm:
    action: str
    fields: list[KeptField]

    @property
    def texts(self) -> list[KeptField]:
        return [field for field in self.fields if field.label is not None]


def kept_fields(form: MultiDict, prefix: str = "") -> list[KeptField]:
    """The posted fields (those named `prefix`+name), texts labelled, minus the CSRF token."""
    kept = []
    for key, values in form.lists():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        if name in NOT_KEPT or name in SECRETS or (prefix == "" and name == KEEP_ACTION):
            continue
        label = TEXT_LABELS.get(name)
        for value in values:
            kept.append(KeptField(name, value, str(label) if label is not None and value.strip() else None))
    return kept


def _same_site() -> bool:
    """False for a POST that says it came from another site (a forged form should not come back
    ready to send)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}:
        return False
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        ours = urlsplit(request.host_url)
        theirs = urlsplit(origin)
        return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)
    return True


def can_keep() -> bool:
    """Whether this request's form can come back as a kept form: a same-site POST without secrets."""
    return request.method == "POST" and _same_site() and not any(name in SECRETS for name in request.form)


def _view_is_public() -> bool:
    """Whether the route is open to guests (`consult.core.access.public`, which imports this module)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "access", None) == "public"


def page(kept: KeptForm, *, sign_in: bool, status: int, message: str, error: str | None = None, email: str = ""):
    """The kept-form page; for htmx, it takes the place of the whole body rather than a fragment."""
    html = render_template(
        "errors/kept_form.html",
        kept=kept,
        sign_in=sign_in,
        message=message,
        error=error,
        email=email,
        keep_prefix=KEEP_PREFIX,
        keep_action=KEEP_ACTION,
    )
    headers = {"Cache-Control": "private, no-store", "Vary": "HX-Request"}
    if request.headers.get("HX-Request") == "true":
        headers.update({"HX-Retarget": "body", "HX-Reswap": "innerHTML show:window:top"})
    return html, status, headers


SIGNED_OUT = _l(
    "You were signed out, so this was not sent yet. Your text is kept below. "
    "Please sign in – then you can send it again."
)
SIGNED_IN_AGAIN = _l("You are signed in again. Your text is kept below: please check it and send it again.")


def answer_lost_form(signed_out: bool):
    """The answer to a POST whose form cannot be taken (aged token, or `signed_out`: no session),
    or None where nothing can be kept: not a POST, a form with a password, another site's form."""
    if request.method == "POST" and KEEP_ACTION in request.form and _same_site():
        kept = kept_from_sign_in()  # the kept form's own sign-in came back: keep it once more
        if kept is not None:
            from flask_login import current_user

            if current_user.is_authenticated:
                return page(kept, sign_in=False, status=400, message=SIGNED_IN_AGAIN)
            return page(kept, sign_in=True, status=401, message=SIGNED_OUT)
    if not can_keep():
        return None
    kept = KeptForm(request.full_path.rstrip("?"), kept_fields(request.form))
    if signed_out:
        # Without a text there is nothing to keep: the usual way to the sign-in page.
        return page(kept, sign_in=True, status=401, message=SIGNED_OUT) if kept.texts else None
    if not kept.texts:
        return page(
            kept,
            sign_in=False,
            status=400,
            message=_l("This form was open for a long time and was not sent, for your safety. Please send it again."),
        )
    return page(
        kept,
        sign_in=False,
        status=400,
        message=_l(
            "This form was open for a long time and was not sent, for your safety. Your text is kept "
            "below. Please check it and send it again."
        ),
    )


def kept_for_retry() -> KeptForm | None:
    """This POST's form, to send again to the same address: None where it cannot be kept (see
    `can_keep`) or holds no text of the person's. The outage page (consult.core.outage) shows it too."""
    if not can_keep():
        return None
    kept = KeptForm(request.full_path.rstrip("?"), kept_fields(request.form))
    return kept if kept.texts else None


def answer_unreadable_text():
    """A POST whose text held refused characters (consult.core.inputs) and that its view read
    directly: the kept form with those characters removed, and the message that says so; None
    where nothing can be kept (the error page explains the refusal then)."""
    from consult.core.inputs import REMOVED, without_unreadable

    kept = kept_for_retry()
    if kept is None:
        return None
    cleaned = KeptForm(
        kept.action, [KeptField(field.name, without_unreadable(field.value), field.label) for field in kept.fields]
    )
    return page(cleaned, sign_in=False, status=400, message=REMOVED)


def answer_csrf_error():
    """For the CSRF error handler: a kept form, with the sign-in where the session is gone and
    the route needs one."""
    from flask_login import current_user

    return answer_lost_form(signed_out=not current_user.is_authenticated and not _view_is_public())


def kept_from_sign_in() -> KeptForm | None:
    """The form carried through the embedded sign-in, or None for a plain sign-in."""
    action = request.form.get(KEEP_ACTION, "")
    if not is_local_path(action):
        return None
    return KeptForm(action, kept_fields(request.form, KEEP_PREFIX))
