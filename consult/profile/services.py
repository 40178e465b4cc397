"""A person's own account: name, password, language, their data as JSON, and deleting the account.

Deleting an account removes the person and every piece of personal data; their contributions
stay, attributed to their organisation ("former delegate of ORGANISATION"). `ERASURE` says for
every column that points at a person what happens to it; a test checks that it names every
foreign key to `user.id` in the schema, so a new one cannot be forgotten.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import aliased
from werkzeug.security import check_password_hash

from consult.accounts.forms import LANGUAGES
from consult.accounts.models import NAME_MAX_LENGTH, Role, User, UserRole, UserSession
from consult.accounts.services import MIN_PASSWORD_LENGTH, end_sessions, hash_password
from consult.amendments.models import AlternativeSet, Amendment, AmendmentAuthor, AmendmentConsent, AmendmentSupport
from consult.audit.models import AuditEntry
from consult.audit.services import record
from consult.comments.models import Comment, CommentAuthor
from consult.core.names import name_problem
from consult.core.once import SubmissionKey
from consult.core.refusals import FieldRefusal, NotAllowed
from consult.drafts.models import Draft, Paragraph, ParagraphText, VersionConflict
from consult.drafts.revision import touch
from consult.extensions import db
from consult.invitations.models import Invitation
from consult.live.models import CheckIn, LiveSession, Proxy, VoteConflict
from consult.mail.models import OutboxMessage
from consult.moderation.models import Report
from consult.notifications.models import Notification, NotificationSetting
from consult.notifications.services import personal_data as notification_data
from consult.organisations.models import Organisation
from consult.participation.models import Reminder
from consult.password_reset.models import PasswordReset
from consult.translations.models import ParagraphTranslation, Translator
from consult.votes.models import Vote, VoteCast
from consult.workspace.models import InternalAgreement, InternalAuthor, InternalDraft, InternalNote

# What deleting an account does to each column that names the person. "set null": the row stays (it is
# a contribution or a decision, or belongs to the organisation), without the person; "delete": the row
# goes with the person.
SET_NULL, DELETE = "set null", "delete"
ERASURE: dict[tuple[str, str], str] = {
    ("user_role", "user_id"): DELETE,  # their roles
    ("user_session", "user_id"): DELETE,  # their sign-ins
    ("comment", "author_id"): SET_NULL,  # the comment stays, by "former delegate of ORG"
    ("comment", "moderated_by_id"): SET_NULL,  # a moderation decision stays, without the moderator
    ("amendment", "author_id"): SET_NULL,  # the amendment is the organisation's proposal
    ("amendment", "decided_by_id"): SET_NULL,  # the decision stays, without who decided
    ("amendment", "recommended_by_id"): SET_NULL,  # a procedural recommendation stays, without the moderator
    ("amendment_support", "user_id"): SET_NULL,  # the support is the organisation's
    ("amendment_consent", "user_id"): SET_NULL,  # consent and requests for a vote are the organisation's
    ("alternative_set", "ordered_by_id"): SET_NULL,  # a voting order stays, with its reason
    ("vote", "cast_by_id"): SET_NULL,  # the vote is the organisation's
    ("vote_cast", "cast_by_id"): SET_NULL,  # the history of the organisation's casts
    ("live_session", "started_by_id"): SET_NULL,  # the session stays, without who started it (the audit line)
    ("live_check_in", "user_id"): SET_NULL,  # the presence is the organisation's
    ("live_proxy", "requested_by_id"): SET_NULL,  # a proxy is the organisation's; who asked and confirmed
    ("live_proxy", "confirmed_by_id"): SET_NULL,  # is in the audit log
    ("live_proxy", "withdrawn_by_id"): SET_NULL,
    ("live_vote_conflict", "confirmed_by_id"): SET_NULL,
    ("translator", "user_id"): DELETE,  # their role "Übersetzung" for a language
    ("translator", "granted_by_id"): SET_NULL,  # roles they granted stay (the audit line says who)
    ("paragraph_translation", "updated_by_id"): SET_NULL,  # a translation is the federation's text
    ("paragraph_translation", "checked_by_id"): SET_NULL,
    ("report", "reporter_id"): SET_NULL,  # a moderation decision may rest on it; the reason stays
    ("report", "decided_by_id"): SET_NULL,
    ("version_conflict", "resolved_by_id"): SET_NULL,
    ("audit_entry", "actor_id"): SET_NULL,  # the line stays; its stored name goes too (below)
    ("invitation", "invited_by_id"): SET_NULL,  # invitations they sent are the invitees' and the office's
    ("invitation", "user_id"): DELETE,  # the invitation that made their account holds their address
    ("password_reset", "user_id"): DELETE,
    ("submission_key", "user_id"): DELETE,  # the one-time keys of forms they sent
    ("comment_author", "user_id"): SET_NULL,  # an organisation's comment stays, "by a former delegate"
    ("amendment_author", "user_id"): SET_NULL,
    ("internal_draft", "created_by_id"): SET_NULL,  # an internal draft is the organisation's
    ("internal_draft", "updated_by_id"): SET_NULL,
    ("internal_draft", "submitted_by_id"): SET_NULL,
    ("internal_author", "user_id"): DELETE,  # the organisation's submitted text keeps its own authors
    ("internal_agreement", "user_id"): DELETE,  # their agreement goes with them
    ("internal_note", "author_id"): SET_NULL,  # an internal comment stays for the colleagues
    ("reminder", "sent_by_id"): SET_NULL,  # the reminder was the office's
    ("notification_setting", "user_id"): DELETE,
    ("notification", "user_id"): DELETE,
}
_TABLES = {
    model.__tablename__: model
    for model in (
        UserRole,
        UserSession,
        Comment,
        Amendment,
        AmendmentSupport,
        AmendmentConsent,
        AlternativeSet,
        Vote,
        VoteCast,
        Report,
        VersionConflict,
        AuditEntry,
        Invitation,
        PasswordReset,
        SubmissionKey,
        LiveSession,
        CheckIn,
        Proxy,
        VoteConflict,
        Translator,
        ParagraphTranslation,
        CommentAuthor,
        AmendmentAuthor,
        InternalDraft,
        InternalAuthor,
        InternalAgreement,
        InternalNote,
        Reminder,
        NotificationSetting,
        Notification,
    )
}


def _check_password(user: User, password: str, field: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise FieldRefusal(field, _l("This is not your current password."))


def change_name(user: User, name: str) -> None:
    """Refuses an empty name or one longer than 120 characters."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise FieldRefusal("name", _l("Please give your name (at most 120 characters)."))
    if (problem := name_problem(name, NAME_MAX_LENGTH)) is not None:
        raise FieldRefusal("name", problem)
    if name != user.name:
        user.name = name
        _touch_drafts_of(user.id)  # their name shows beside their comments on cached draft pages
        db.session.flush()


def change_password(user: User, current: str, new: str, repeated: str) -> None:
    """A new password, after the current one; the same minimum length as every password. Ends every
    other session of the person (this one stays signed in)."""
    _check_password(user, current, "current_password")
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise FieldRefusal(
            "new_password", _l("The new password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
        )
    if new != repeated:
        raise FieldRefusal("repeat_password", _l("The two new passwords differ. Please type it twice the same."))
    user.password_hash = hash_password(new)
    end_sessions(user, keep_current=True)


def set_locale(user: User, locale: str) -> None:
    if locale not in {code for code, _ in LANGUAGES}:
        raise FieldRefusal("language", _l("Please choose one of the languages."))
    user.locale = locale
    db.session.flush()


# --- the person's data ----------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def personal_data(user: User) -> dict:
    """Everything the platform holds about `user` and everything they wrote or cast, and nothing of
    anyone else: profile, comments (every state), amendments, vote casts (on paragraphs, amendments and
    whole drafts; with how each came in: a paper ballot they entered for an organisation names it), supports,
    answers to procedural recommendations and requests for a vote, reports, from live sessions the
    check-ins, proxies (asked for, confirmed, withdrawn) and vote conflicts (confirmed) that name them, and from
    their organisation's workspace the internal drafts they wrote, their internal comments and agreements."""
    organisation = user.organisation
    comments = db.session.execute(
        select(Comment, Draft.slug, Draft.title, ParagraphText.position)
        .join(Paragraph, Comment.paragraph_id == Paragraph.id)
        .join(Draft, Paragraph.draft_id == Draft.id)
        .outerjoin(
            ParagraphText,
            (ParagraphText.paragraph_id == Comment.paragraph_id) & (ParagraphText.version_id == Comment.version_id),
        )
        .where(Comment.author_id == user.id)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    amendments = db.session.execute(
        select(Amendment, Draft.slug, Draft.title, ParagraphText.position)
        .join(Draft, Amendment.draft_id == Draft.id)
        .outerjoin(
            ParagraphText,
            (ParagraphText.paragraph_id == Amendment.paragraph_id) & (ParagraphText.version_id == Amendment.version_id),
        )
        .where(Amendment.author_id == user.id)
        .order_by(Amendment.created_at, Amendment.id)
    ).all()
    casts = db.session.execute(
        select(VoteCast, Draft.slug, Draft.title, Organisation.short_name)
        .join(Draft, VoteCast.draft_id == Draft.id)
        .join(Organisation, Organisation.id == VoteCast.organisation_id)
        .where(VoteCast.cast_by_id == user.id)
        .order_by(VoteCast.cast_at, VoteCast.id)
    ).all()
    supports = db.session.execute(
        select(AmendmentSupport, Draft.slug, Draft.title)
        .join(Amendment, AmendmentSupport.amendment_id == Amendment.id)
        .join(Draft, Amendment.draft_id == Draft.id)
        .where(AmendmentSupport.user_id == user.id)
        .order_by(AmendmentSupport.created_at, AmendmentSupport.id)
    ).all()
    consents = db.session.execute(
        select(AmendmentConsent, Draft.slug, Draft.title)
        .join(Amendment, AmendmentConsent.amendment_id == Amendment.id)
        .join(Draft, Amendment.draft_id == Draft.id)
        .where(AmendmentConsent.user_id == user.id)
        .order_by(AmendmentConsent.created_at, AmendmentConsent.id)
    ).all()
    organisations = aliased(Organisation)
    check_ins = db.session.execute(
        select(CheckIn, Organisation.short_name, Draft.slug, Draft.title)
        .join(LiveSession, LiveSession.id == CheckIn.session_id)
        .join(Draft, Draft.id == LiveSession.draft_id)
        .join(Organisation, Organisation.id == CheckIn.organisation_id)
        .where(CheckIn.user_id == user.id)
        .order_by(CheckIn.at, CheckIn.id)
    ).all()
    proxies = db.session.execute(
        select(Proxy, Organisation.short_name, organisations.short_name, Draft.slug, Draft.title)
        .join(LiveSession, LiveSession.id == Proxy.session_id)
        .join(Draft, Draft.id == LiveSession.draft_id)
        .join(Organisation, Organisation.id == Proxy.organisation_id)
        .join(organisations, organisations.id == Proxy.holder_id)
        .where(
            or_(Proxy.requested_by_id == user.id, Proxy.confirmed_by_id == user.id, Proxy.withdrawn_by_id == user.id)
        )
        .order_by(Proxy.requested_at, Proxy.id)
    ).all()
    conflicts_seen = db.session.execute(
        select(VoteConflict, Organisation.short_name, Draft.slug, Draft.title)
        .join(LiveSession, LiveSession.id == VoteConflict.session_id)
        .join(Draft, Draft.id == LiveSession.draft_id)
        .join(Organisation, Organisation.id == VoteConflict.organisation_id)
        .where(VoteConflict.confirmed_by_id == user.id)
        .order_by(VoteConflict.confirmed_at, VoteConflict.id)
    ).all()
    reports = db.session.execute(
        select(Report, Draft.slug, Draft.title)
        .join(Draft, Report.draft_id == Draft.id)
        .where(Report.reporter_id == user.id)
        .order_by(Report.created_at, Report.id)
    ).all()
    # The organisation's workspace: the internal drafts whose text they (co-)wrote, their internal comments and
    # their agreements. Nothing of a colleague's that they did not write: a colleague's internal comment is the
    # colleague's data.
    internal_drafts = db.session.execute(
        select(InternalDraft, Draft.slug, Draft.title)
        .join(Draft, InternalDraft.draft_id == Draft.id)
        .join(InternalAuthor, InternalAuthor.internal_draft_id == InternalDraft.id)
        .where(InternalAuthor.user_id == user.id)
        .order_by(InternalDraft.created_at, InternalDraft.id)
    ).all()
    internal_notes = db.session.execute(
        select(InternalNote, Draft.slug, Draft.title)
        .join(InternalDraft, InternalNote.internal_draft_id == InternalDraft.id)
        .join(Draft, InternalDraft.draft_id == Draft.id)
        .where(InternalNote.author_id == user.id)
        .order_by(InternalNote.created_at, InternalNote.id)
    ).all()
    internal_agreements = db.session.execute(
        select(InternalAgreement, Draft.slug, Draft.title)
        .join(InternalDraft, InternalAgreement.internal_draft_id == InternalDraft.id)
        .join(Draft, InternalDraft.draft_id == Draft.id)
        .where(InternalAgreement.user_id == user.id)
        .order_by(InternalAgreement.created_at)
    ).all()
    return {
        "profile": {
            "name": user.name,
            "email": user.email,
            "organisation": (
                {"name": organisation.name, "short_name": organisation.short_name} if organisation else None
            ),
            "contact_person": user.is_contact_person,
            "roles": sorted(role.value for role in user.roles),
            "language": user.locale,
            "created_at": _iso(user.created_at),
        },
        # Notification settings and the notifications stored for the person (consult.notifications).
        "notifications": notification_data(user),
        "comments": [
            {
                "id": c.id,
                "draft": {"slug": slug, "title": title},
                "paragraph": position,
                "version_id": c.version_id,
                "reply_to": c.parent_id,
                "amendment": c.amendment_id,
                "status": c.status.value,
                "stance": c.stance.value if c.stance else None,
                "quote": c.quote_exact,
                "text": c.body,
                "created_at": _iso(c.created_at),
                "updated_at": _iso(c.updated_at),
                "moderation_reason": c.moderation_reason,
            }
            for c, slug, title, position in comments
        ],
        "amendments": [
            {
                "id": a.id,
                "draft": {"slug": slug, "title": title},
                "paragraph": position,
                "kind": a.kind.value,
                "status": a.status.value,
                "base_text": a.base_text,
                "proposed_text": a.proposed_text,
                "justification": a.justification,
                "created_at": _iso(a.created_at),
                "updated_at": _iso(a.updated_at),
                "decision_reason": a.decision_reason,
            }
            for a, slug, title, position in amendments
        ],
        "vote_casts": [
            {
                "draft": {"slug": slug, "title": title},
                "paragraph_id": v.paragraph_id,
                "amendment": v.amendment_id,
                "whole_draft": v.paragraph_id is None and v.amendment_id is None,
                "choice": v.choice.value,
                "cast_at": _iso(v.cast_at),
                # How it came in: a paper ballot the person entered for an organisation (the office),
                # or a vote they cast for the organisation whose proxy theirs holds.
                "channel": v.channel.value,
                "organisation": organisation,
            }
            for v, slug, title, organisation in casts
        ],
        # The live sessions: presence they confirmed (or ticked for the office), proxies they asked for,
        # confirmed or withdrew, and conflicts between paper and phone they confirmed.
        "live_check_ins": [
            {
                "draft": {"slug": slug, "title": title},
                "organisation": organisation,
                "by_office": c.by_office,
                "at": _iso(c.at),
            }
            for c, organisation, slug, title in check_ins
        ],
        "live_proxies": [
            {
                "draft": {"slug": slug, "title": title},
                "organisation": giver,
                "holder": holder,
                "requested": p.requested_by_id == user.id,
                "requested_at": _iso(p.requested_at),
                "confirmed": p.confirmed_by_id == user.id,
                "confirmed_at": _iso(p.confirmed_at),
                "withdrawn": p.withdrawn_by_id == user.id,
                "withdrawn_at": _iso(p.withdrawn_at),
            }
            for p, giver, holder, slug, title in proxies
        ],
        "live_conflicts_confirmed": [
            {
                "draft": {"slug": slug, "title": title},
                "organisation": organisation,
                "paragraph_id": c.paragraph_id,
                "amendment": c.amendment_id,
                "confirmed_at": _iso(c.confirmed_at),
            }
            for c, organisation, slug, title in conflicts_seen
        ],
        # Supports given for the organisation, and reports filed: also things the person did.
        "supports": [
            {"amendment": s.amendment_id, "draft": {"slug": slug, "title": title}, "created_at": _iso(s.created_at)}
            for s, slug, title in supports
        ],
        # Answers to procedural recommendations and requests for a vote, given for the organisation.
        "consents": [
            {
                "amendment": c.amendment_id,
                "draft": {"slug": slug, "title": title},
                "kind": c.kind.value,
                "created_at": _iso(c.created_at),
            }
            for c, slug, title in consents
        ],
        "reports": [
            {
                "draft": {"slug": slug, "title": title},
                "comment": r.comment_id,
                "amendment": r.amendment_id,
                "reason": r.reason,
                "status": r.status.value,
                "created_at": _iso(r.created_at),
            }
            for r, slug, title in reports
        ],
        "internal_drafts": [
            {
                "id": i.id,
                "draft": {"slug": slug, "title": title},
                "kind": i.kind.value,
                "status": i.status.value,
                "text": i.body,
                "stance": i.stance.value if i.stance else None,
                "quote": i.quote_exact,
                "amendment_kind": i.amendment_kind.value if i.amendment_kind else None,
                "proposed_text": i.proposed_text,
                "justification": i.justification,
                "created_at": _iso(i.created_at),
                "updated_at": _iso(i.updated_at),
                "comment": i.comment_id,
                "amendment": i.amendment_id,
            }
            for i, slug, title in internal_drafts
        ],
        "internal_notes": [
            {
                "internal_draft": n.internal_draft_id,
                "draft": {"slug": slug, "title": title},
                "text": n.body,
                "created_at": _iso(n.created_at),
            }
            for n, slug, title in internal_notes
        ],
        "internal_agreements": [
            {
                "internal_draft": a.internal_draft_id,
                "draft": {"slug": slug, "title": title},
                "text_revision": a.text_revision,
                "created_at": _iso(a.created_at),
            }
            for a, slug, title in internal_agreements
        ],
    }


# --- deleting the account -------------------------------------------------------------------------


def _touch_drafts_of(user_id: int) -> None:
    """Raise the revision of every draft that shows something of the person (cached pages)."""
    drafts = set(
        db.session.scalars(
            select(Paragraph.draft_id)
            .join(Comment, Comment.paragraph_id == Paragraph.id)
            .where(Comment.author_id == user_id)
        )
    )
    drafts |= set(
        db.session.scalars(
            select(Amendment.draft_id).where((Amendment.author_id == user_id) | (Amendment.decided_by_id == user_id))
        )
    )
    # What an organisation submitted names its authors ("verfasst von A und B", consult.workspace).
    drafts |= set(
        db.session.scalars(
            select(Paragraph.draft_id)
            .join(Comment, Comment.paragraph_id == Paragraph.id)
            .join(CommentAuthor, CommentAuthor.comment_id == Comment.id)
            .where(CommentAuthor.user_id == user_id)
        )
    )
    drafts |= set(
        db.session.scalars(
            select(Amendment.draft_id)
            .join(AmendmentAuthor, AmendmentAuthor.amendment_id == Amendment.id)
            .where(AmendmentAuthor.user_id == user_id)
        )
    )
    touch(db.session.connection(), drafts)


def only_admin(user: User) -> bool:
    """Whether `user` is the last active administrator (who must not go)."""
    if not user.has_role(Role.ADMIN):
        return False
    others = db.session.scalar(
        select(User.id)
        .join(UserRole)
        .where(UserRole.role == Role.ADMIN, User.id != user.id, User.is_active_account)
        .limit(1)
    )
    return others is None


def delete_account(user: User, password: str, now: datetime) -> None:
    """Delete the person and their personal data after checking their password; their contributions
    stay with their organisation (see ERASURE). Refuses the last administrator."""
    _check_password(user, password, "password")
    if only_admin(user):
        raise NotAllowed(_l("You are the only administrator. Make someone else an administrator first."))
    organisation = user.organisation
    record(user, "account.delete", "user", now, organisation=organisation.short_name if organisation else None)
    db.session.flush()
    _touch_drafts_of(user.id)
    # Invitations to their address (looked up before ERASURE deletes the one that made the account).
    invitations = [
        f"invitation:{id_}" for id_ in db.session.scalars(select(Invitation.id).where(Invitation.email == user.email))
    ]
    for (table, column), action in ERASURE.items():
        model = _TABLES[table]
        target = getattr(model, column)
        if action == DELETE:
            db.session.execute(delete(model).where(target == user.id))
        else:
            values: dict[str, str | None] = {column: None}
            if model is AuditEntry:
                values["actor_name"] = ""  # an empty name reads "deleted account" in the log
            db.session.execute(
                update(model).where(target == user.id).values(**values),
                execution_options={"synchronize_session": False},
            )
    # Lines of the audit log about this person (roles given, deactivated ...) keep what was done, not to whom.
    db.session.execute(
        update(AuditEntry).where(AuditEntry.subject == f"user:{user.id}").values(subject="user", details={}),
        execution_options={"synchronize_session": False},
    )
    # Their address outside the foreign keys: invitations to it (and their lines in the audit log, which
    # name it), and e-mails to it still in the outbox.
    if invitations:
        db.session.execute(
            update(AuditEntry).where(AuditEntry.subject.in_(invitations)).values(subject="invitation", details={}),
            execution_options={"synchronize_session": False},
        )
    db.session.execute(delete(Invitation).where(Invitation.email == user.email))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == user.email))
    # E-mails to others that name them (an invitation they sent) name a former delegate instead.
    former = str(
        _l("former delegate of %(organisation)s", organisation=organisation.name)
        if organisation
        else _l("former delegate")
    )
    for message in db.session.scalars(
        select(OutboxMessage).where(
            or_(
                OutboxMessage.body.contains(user.name, autoescape=True),
                OutboxMessage.subject.contains(user.name, autoescape=True),
            )
        )
    ):
        message.body, message.subject = (
            message.body.replace(user.name, former),
            message.subject.replace(user.name, former),
        )
    db.session.execute(delete(User).where(User.id == user.id))
    db.session.expunge(user)
