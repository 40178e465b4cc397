"""What every template can use: the CSRF token, the language form, phase names."""

from __future__ import annotations

from flask import g, url_for
from flask_babel import format_date, format_datetime, format_time, format_timedelta, get_locale

from consult.core.db import utcnow
from consult.core.i18n import gettext, ngettext, text_direction
from consult.core.i18n import lazy_gettext as _l
from consult.core.markdown import number_lines
from consult.core.names import isolate, isolate_text

PHASE_LABELS = {
    "preparation": _l("Preparation"),
    "commenting": _l("Commenting"),
    "editing": _l("Editing"),
    "voting": _l("Voting"),
    "adopted": _l("Adopted"),
    "archived": _l("Archived"),
}


STANCE_LABELS = {"support": _l("Support"), "concern": _l("Concern"), "neutral": _l("Neutral")}
VOTE_LABELS = {"yes": _l("Yes"), "no": _l("No"), "abstain": _l("Abstain")}
AMENDMENT_STATUS_LABELS = {
    "submitted": _l("Waiting for a decision"),
    "withdrawn": _l("Withdrawn"),
    "accepted": _l("Accepted"),
    "accepted_modified": _l("Accepted in modified form"),
    "rejected": _l("Rejected"),
    "merged": _l("Merged into another amendment"),
    "hidden": _l("Hidden by the moderation"),
    "put_to_vote": _l("Put to the vote"),
    "lapsed": _l("Lapsed"),
}

# A procedural recommendation (Verfahrensvorschlag), in the words of the decision it proposes.
RECOMMENDATION_LABELS = {
    "accept": _l("Accept"),
    "accept_modified": _l("Accept modified"),
    "reject": _l("Reject"),
    "merge": _l("Settled by another amendment"),
}


def deadline_text(moment) -> str:
    """'in 9 days' / 'vor 2 Tagen' relative to now, for a deadline."""
    return format_timedelta(moment - utcnow(), granularity="day", threshold=2, add_direction=True)


def ago_text(moment) -> str:
    """'vor 3 Stunden' / '2 days ago': how long something has waited."""
    return format_timedelta(moment - utcnow(), add_direction=True)


ACTION_LABELS = {
    "amendment.accept": _l("Amendment accepted"),
    "amendment.accept_modified": _l("Amendment accepted in modified form"),
    "amendment.reject": _l("Amendment rejected"),
    "amendment.merge": _l("Amendment merged into another"),
    "amendment.recommend": _l("Procedural recommendation made"),
    "amendment.consent": _l("Agreed to the modified text"),
    "amendment.insist": _l("Put the original to the vote"),
    "amendment.request_vote": _l("Asked for a vote"),
    "amendment.settled_by_consent": _l("Amendment taken over by consent"),
    "amendment.put_to_vote": _l("Amendment put to the vote"),
    "amendment.published": _l("Amendment published: supporter quorum reached"),
    "amendment.lapsed": _l("Amendment lapsed: supporter quorum not reached"),
    "comment.publish": _l("Comment published"),
    "comment.reject": _l("Comment rejected"),
    "report.hide": _l("Reported content hidden"),
    "report.dismiss": _l("Report dismissed"),
    "version.start": _l("New version started"),
    "version.publish": _l("Version published"),
    "version.resolve_text": _l("Collision resolved with a common text"),
    "version.resolve_remove": _l("Collision resolved by removing the paragraph"),
    "phase.change": _l("Phase changed"),
    "participation.reminder": _l("Reminder sent"),
    "two_factor.enable": _l("Two-factor sign-in switched on"),
    "two_factor.disable": _l("Two-factor sign-in switched off"),
    "two_factor.reset": _l("Two-factor sign-in reset"),
    "invitation.create": _l("Person invited"),
    "invitation.revoke": _l("Invitation withdrawn"),
    "invitation.accept": _l("Invitation accepted"),
    "account.password_reset": _l("Password reset by e-mail link"),
    "organisation.create": _l("Organisation created"),
    "organisation.update": _l("Organisation changed"),
    "organisation.deactivate": _l("Organisation deactivated"),
    "organisation.activate": _l("Organisation reactivated"),
    "person.update": _l("Roles or organisation of a person changed"),
    "person.deactivate": _l("Person deactivated"),
    "person.activate": _l("Person reactivated"),
    "account.delete": _l("Account deleted by its owner"),
    "live.start": _l("Live session started"),
    "live.move": _l("Agenda item moved"),
    "live.open": _l("Question opened"),
    "live.close": _l("Question closed"),
    "live.reopen": _l("Question reopened"),
    "live.check_in": _l("Organisation checked in"),
    "live.check_out": _l("Organisation checked out"),
    "live.paper_ballot": _l("Paper ballot entered"),
    "live.conflict_seen": _l("Vote conflict confirmed"),
    "live.quorum": _l("Quorum of the live session changed"),
    "live.end": _l("Live session ended"),
}

ROLE_LABELS = {
    "delegate": _l("Delegate"),
    "moderator": _l("Moderator"),
    "board": _l("Board"),
    "admin": _l("Administrator"),
}
AGENDA_STATE_LABELS = {"waiting": _l("waiting"), "open": _l("open"), "closed": _l("closed")}
LEVEL_LABELS = {"federal": _l("Federal level"), "state": _l("State level"), "local": _l("Local level")}

# The fields whose changes the audit log shows (before → after).
AUDIT_FIELD_LABELS = {
    "name": _l("Name"),
    "short_name": _l("Short name"),
    "state": _l("Federal state"),
    "level": _l("Level"),
    "is_member": _l("Member"),
    "vote_weight": _l("Vote weight"),
    "is_active": _l("Active"),
    "roles": _l("Roles"),
    "organisation": _l("Organisation"),
    "is_contact_person": _l("Contact person"),
}

_LABELS = {
    "phase": PHASE_LABELS,
    "stance": STANCE_LABELS,
    "vote": VOTE_LABELS,
    "amendment_status": AMENDMENT_STATUS_LABELS,
    "action": ACTION_LABELS,
    "recommendation": RECOMMENDATION_LABELS,
    "audit_field": AUDIT_FIELD_LABELS,
    "role": ROLE_LABELS,
    "level": LEVEL_LABELS,
    "agenda_state": AGENDA_STATE_LABELS,
}


def labels(kind: str) -> dict[str, str]:
    """The translated names of phases, stances or vote choices, resolved once per request."""
    cache = g.setdefault("_consult_labels", {})
    if kind not in cache:
        cache[kind] = {key: str(value) for key, value in _LABELS[kind].items()}
    return cache[kind]


def role_names(roles) -> str:
    """ "Delegierte*r, Vorstand": a person's or an invitation's roles in words."""
    names = labels("role")
    return ", ".join(names[str(role)] for role in roles)


def comment_words(count: int, can_comment: bool, position: int) -> tuple[str, str]:
    """A paragraph's comment link: its words ("3 Kommentare", "Kommentieren", "Keine Kommentare") and its
    name for a screen reader, which says the paragraph ("3 Kommentare zu § 8"). Each count's words are
    translated once per request: the draft page has a link under each of its paragraphs."""
    cache = g.setdefault("_consult_comment_words", {})
    words = cache.get((count, can_comment))
    if words is None:
        if count:
            words = ngettext("%(num)d comment", "%(num)d comments", count)
        else:
            words = gettext("Comment") if can_comment else gettext("No comments")
        cache[(count, can_comment)] = words
    return words, f"{words} {gettext('on § %(num)d', num=position)}"


_PLACEHOLDER = "2147483647"


def url_for_each(endpoint: str, key: str, value, **values) -> str:
    """`url_for(endpoint, key=value, **values)`, building the route once per request.

    A page that links every one of 200 paragraphs would otherwise spend most of its
    time in URL building: the route is built once with a placeholder for `value`, and kept split there."""
    cache = g.setdefault("_consult_urls", {})
    cache_key = (endpoint, key, *values.items())  # a call site names its values in one order
    parts = cache.get(cache_key)
    if parts is None:
        parts = cache[cache_key] = url_for(endpoint, **{**values, key: _PLACEHOLDER}).split(_PLACEHOLDER)
    return str(value).join(parts)


def init_app(app) -> None:
    # `draft_lang`: the language the drafts are written in (German, the default locale), whatever the reader
    # chose: a draft's text carries it (`lang`, with `dir="auto"`), so that a screen reader reads it as German
    # and its punctuation stays in place on an Arabic page. A global, so that macros imported without the
    # context see it too. `direction_of(lang)`: "rtl" or "ltr" for a document written in `lang` (the exports'
    # `<html lang dir>`).
    app.jinja_env.globals.update(
        url_for_each=url_for_each,
        comment_words=comment_words,
        labels=labels,
        role_names=role_names,
        draft_lang=app.config["BABEL_DEFAULT_LOCALE"],
        direction_of=text_direction,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def locale_for_templates():
        # Runs for every page and fragment: keep it to what costs nothing.
        locale = str(get_locale())
        return {"current_locale": locale, "text_direction": text_direction(locale)}

    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt)
    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt)
    app.jinja_env.filters["time"] = lambda value, fmt="short": format_time(value, fmt)
    app.jinja_env.filters["deadline"] = deadline_text
    app.jinja_env.filters["ago"] = ago_text
    app.jinja_env.filters["number_lines"] = number_lines
    app.jinja_env.filters["isolate"] = isolate
    app.jinja_env.filters["isolate_text"] = isolate_text

    @app.after_request
    def vary_on_htmx(response):
        response.vary.add("HX-Request")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
