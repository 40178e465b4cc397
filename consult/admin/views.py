"""The administration's pages: organisations, people and the outbox (admins only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from consult.accounts.forms import EmptyForm
from consult.accounts.models import Role, User
from consult.admin.forms import OrganisationForm, PersonForm
from consult.admin.queries import all_organisations, organisation_rows, page_count, people
from consult.admin.services import save_organisation, set_organisation_active, set_person_active, update_person
from consult.config import mail_backend
from consult.core import clock
from consult.core.access import roles
from consult.core.forms import message_for
from consult.core.once import create_once
from consult.core.pages import check_not_beyond, page_number
from consult.core.refusals import Refusal
from consult.extensions import db
from consult.mail.display import STATES, kind_label
from consult.mail.display import row as outbox_row
from consult.mail.queries import kinds as outbox_kinds
from consult.mail.queries import outbox_page
from consult.mail.queries import page_count as outbox_page_count
from consult.mail.services import KEEP_SENT, send_pending
from consult.organisations.models import FEDERAL_STATES, Organisation, OrganisationLevel
from consult.translations.forms import TranslatorForm
from consult.translations.queries import translators_of

bp = Blueprint("admin", __name__, url_prefix="/admin")

NO_STORE = {"Cache-Control": "private, no-store"}


@bp.route("")
@roles(Role.ADMIN)
def index():
    """The administration starts with the organisations."""
    return redirect(url_for("admin.organisations"))


# --- organisations -------------------------------------------------------------------------------


@bp.route("/organisations")
@roles(Role.ADMIN)
def organisations():
    """Every organisation with its state, level, membership, vote weight and people, 50 to a page."""
    page = page_number()
    rows, total = organisation_rows(page)
    check_not_beyond(page, len(rows))
    return (
        render_template(
            "admin/organisations.html", rows=rows, total=total, page=page, pages=page_count(total), form=EmptyForm()
        ),
        200,
        NO_STORE,
    )


def _organisation_form(organisation=None, formdata=True) -> OrganisationForm:
    if formdata:
        form = OrganisationForm()
    else:
        form = OrganisationForm(
            formdata=None, obj=organisation, level=organisation.level.value, state=organisation.state or ""
        )
    if organisation is not None and organisation.state and organisation.state not in FEDERAL_STATES:
        form.state.choices = [*form.state.choices, SelectChoice(organisation.state, organisation.state)]
    return form


def _organisation_page(form, organisation=None, error=None, status=200):
    return (
        render_template(
            "admin/organisation.html", form=form, organisation=organisation, error=error, toggle=EmptyForm()
        ),
        status,
        NO_STORE,
    )


def _save(form, organisation):
    return save_organisation(
        current_user,
        organisation,
        name=form.name.data or "",
        short_name=form.short_name.data or "",
        state=form.state.data or None,
        level=OrganisationLevel(form.level.data),
        is_member=form.is_member.data,
        vote_weight=form.vote_weight.data,
        now=clock.now(),
        contact_submits_only=form.contact_submits_only.data,
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_organisation():
    """Create an organisation."""
    form = OrganisationForm()
    if request.method == "GET":
        return _organisation_page(form)
    if not form.validate_on_submit():
        return _organisation_page(form, error=message_for(form), status=422)
    try:  # sent again (a double click, a retry): the same answer, no second organisation
        outcome = create_once(current_user, form, "organisation", lambda: _save(form, None))
    except Refusal as refusal:
        db.session.rollback()
        return _organisation_page(form, error=message_for(form, refusal), status=refusal.status)
    db.session.commit()
    organisation = db.session.get(Organisation, outcome.object_id) or abort(404)
    flash(_("The organisation “%(name)s” was created.", name=organisation.name), "info")
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_organisation(organisation_id: int):
    """Change an organisation's name, short name, state, level, membership and vote weight."""
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    if request.method == "GET":
        return _organisation_page(_organisation_form(organisation, formdata=False), organisation)
    form = _organisation_form(organisation)
    if not form.validate_on_submit():
        return _organisation_page(form, organisation, message_for(form), 422)
    try:
        _save(form, organisation)
    except Refusal as refusal:
        db.session.rollback()
        return _organisation_page(form, organisation, message_for(form, refusal), refusal.status)
    db.session.commit()
    flash(_("The organisation “%(name)s” was saved.", name=organisation.name), "info")
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations/<int:organisation_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def organisation_active(organisation_id: int):
    """Deactivate (active=0) or reactivate (active=1) an organisation."""
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    set_organisation_active(current_user, organisation, active, clock.now())
    db.session.commit()
    flash(
        _("“%(name)s” is active again.", name=organisation.name)
        if active
        else _("“%(name)s” is deactivated: its delegates can no longer comment or vote.", name=organisation.name),
        "info",
    )
    return redirect(url_for("admin.organisations", page=request.args.get("page", type=int)))


# --- people --------------------------------------------------------------------------------------


@bp.route("/people")
@roles(Role.ADMIN)
def people_list():
    """People found by name, e-mail or organisation, 50 to a page."""
    search = request.args.get("q", "")[:200]
    page = page_number()
    rows, total = people(search, page)
    check_not_beyond(page, len(rows))
    return (
        render_template("admin/people.html", rows=rows, total=total, search=search, page=page, pages=page_count(total)),
        200,
        NO_STORE,
    )


def _person_form(person: User, formdata=True) -> PersonForm:
    if formdata:
        form = PersonForm()
    else:
        form = PersonForm(
            formdata=None,
            roles=sorted(role.value for role in person.roles),
            organisation=str(person.organisation_id or ""),
            is_contact_person=person.is_contact_person,
        )
    form.organisation.choices = [SelectChoice("", _("none"))] + [
        SelectChoice(str(o.id), f"{o.name} ({o.short_name})" + ("" if o.is_active else " – " + _("inactive")))
        for o in all_organisations()
    ]
    return form


def _person_page(person, form, error=None, status=200):
    translator_form = TranslatorForm(formdata=None, languages=translators_of(person.id))  # role "Übersetzung"
    return (
        render_template(
            "admin/person.html",
            person=person,
            form=form,
            error=error,
            toggle=EmptyForm(),
            translator_form=translator_form,
        ),
        status,
        NO_STORE,
    )


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_person(person_id: int):
    """Set a person's roles, organisation and contact-person flag."""
    person = db.session.get(User, person_id) or abort(404)
    if request.method == "GET":
        return _person_page(person, _person_form(person, formdata=False))
    form = _person_form(person)
    if not form.validate_on_submit():
        return _person_page(person, form, message_for(form), 422)
    organisation = db.session.get(Organisation, int(form.organisation.data)) if form.organisation.data else None
    try:
        update_person(
            current_user,
            person,
            roles=[Role(r) for r in form.roles.data],
            organisation=organisation,
            is_contact_person=form.is_contact_person.data,
            now=clock.now(),
        )
    except Refusal as refusal:
        db.session.rollback()
        return _person_page(db.session.get(User, person_id), form, message_for(form, refusal), refusal.status)
    db.session.commit()
    flash(_("The changes to %(name)s were saved.", name=person.name), "info")
    return redirect(url_for("admin.people_list"))


@bp.route("/people/<int:person_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def person_active(person_id: int):
    """Deactivate (active=0: no sign-in, open sessions end) or reactivate (active=1) a person."""
    person = db.session.get(User, person_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        set_person_active(current_user, person, active, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        return _person_page(person, _person_form(person, formdata=False), str(refusal.message), refusal.status)
    db.session.commit()
    flash(
        _("%(name)s can sign in again.", name=person.name)
        if active
        else _("%(name)s is deactivated and signed out everywhere.", name=person.name),
        "info",
    )
    return redirect(url_for("admin.edit_person", person_id=person.id))


# --- outbox --------------------------------------------------------------------------------------


def _outbox_filters() -> dict[str, str]:
    """The outbox's filters from the query string, as given (the page checks the state)."""
    return {key: value for key in ("state", "kind") if (value := request.args.get(key, "")[:60])}


@bp.route("/outbox")
@roles(Role.ADMIN)
def outbox():
    """Every e-mail the app wrote, the newest first, 50 to a page, by state and kind, each with its text and
    clickable links: where no mail server is set (development, the demo) an invitation or a reset can be
    followed here. Admins only, never cached: the texts hold invitation and password-reset links."""
    filters = _outbox_filters()
    error, status = None, 200
    if filters.get("state") not in (None, *STATES):
        error, status = _("There is no such state; all messages are shown."), 400
        filters.pop("state")
    page = page_number()
    messages, total = outbox_page(filters.get("state"), filters.get("kind"), page)
    check_not_beyond(page, len(messages))
    return (
        render_template(
            "admin/outbox.html",
            rows=[outbox_row(m) for m in messages],
            total=total,
            page=page,
            pages=outbox_page_count(total),
            filters=filters,
            kinds=[(kind, kind_label(kind)) for kind in outbox_kinds()],
            error=error,
            mail_backend=mail_backend(current_app.config),
            keep_days=KEEP_SENT.days,
            form=EmptyForm(),
        ),
        status,
        NO_STORE,
    )


@bp.route("/outbox/send", methods=["POST"])
@roles(Role.ADMIN)
def outbox_send():
    """Send what is due in the outbox now (as `flask run-scheduled` would), and say how it went."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    counts = send_pending(limit=500, now=clock.now())  # commits per message: a slow server loses nothing
    flash(
        _("Sent: %(sent)d · failed: %(failed)d · still waiting: %(waiting)d.", **counts),
        "error" if counts["failed"] else "info",
    )
    filters: dict[str, Any] = _outbox_filters()  # url_for takes them as the query's values
    return redirect(url_for("admin.outbox", **filters))
