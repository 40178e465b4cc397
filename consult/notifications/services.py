"""Notifying people: `notify()` records an event for each person who opted into its topic and, for those who
want it at once, writes the e-mail; `send_digests()` and `notify_deadlines()` are the scheduled steps;
`save_settings()` and `unsubscribe()` change what a person wants.

The areas below do not call this module (it stands above them): the view that called their service
composes the two (consult/notifications/events.py), and scheduled work (deadlines, digests) calls it from
`flask run-scheduled`. Nothing here commits, except the scheduled steps (like the outbox's `send_pending`:
each person's digest is its own transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import Role, User, UserRole
from consult.core.tokens import LinkExpired, sign_timed, unsign_timed
from consult.drafts.models import Draft, DraftDeadline, Phase
from consult.extensions import db
from consult.mail.services import absolute_url, links_for_mail, queue_mail
from consult.notifications.models import (
    TOPIC_OF,
    Notification,
    NotificationKind,
    NotificationMode,
    NotificationSetting,
    Topic,
)
from consult.notifications.texts import describe
from consult.organisations.models import Organisation

# A daily digest waits this long after the last one.
DIGEST_EVERY = timedelta(hours=24)
# "A deadline in 48 hours": a phase's deadline this close (and not yet passed) is announced, once.
DEADLINE_AHEAD = timedelta(hours=48)
# An unsubscribe link works this long: old mails in an inbox still work for a while, not for ever.
UNSUBSCRIBE_MAX_AGE = timedelta(days=60)
UNSUBSCRIBE_PURPOSE = "notifications.unsubscribe"
# Mailed notifications are kept this long (the data download shows them; a deadline's once_key must outlive
# the 48 hours before it), then deleted: the table is no archive.
KEEP_MAILED = timedelta(days=90)
ALL = "all"


def setting_of(user) -> NotificationSetting:
    """The person's settings as stored, or (not stored: notifications are opt-in) off, not added."""
    return db.session.get(NotificationSetting, user.id) or NotificationSetting(
        user_id=user.id, mode=NotificationMode.OFF, replies=True, amendments=True, phases=True, internal=True
    )


def personal_data(user) -> dict:
    """For the person's data download (consult.profile): their settings and the notifications stored for
    them, with what each said, in the current language."""
    setting = db.session.get(NotificationSetting, user.id)
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at, Notification.id)
    )
    return {
        "settings": None
        if setting is None
        else {
            "mode": setting.mode.value,
            **{topic.value: getattr(setting, topic.value) for topic in Topic},
            "last_digest_at": setting.last_digest_at.isoformat() if setting.last_digest_at else None,
        },
        "received": [
            {
                "kind": n.kind.value,
                "text": describe(n),
                "link": n.link,
                "created_at": n.created_at.isoformat(),
                "mailed_at": n.mailed_at.isoformat() if n.mailed_at else None,
            }
            for n in notifications
        ],
    }


def save_settings(user, mode: NotificationMode, topics: Iterable[Topic], now: datetime) -> NotificationSetting:
    """How and about what the person wants e-mail. Topics not named are turned off."""
    setting = db.session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    chosen = {Topic(topic) for topic in topics}
    setting.mode = NotificationMode(mode)
    for topic in Topic:
        setattr(setting, topic.value, topic in chosen)
    setting.updated_at = now
    _settle_unwanted(setting, now)
    return setting


def _settle_unwanted(setting: NotificationSetting, now: datetime) -> None:
    """What waits for a digest on a topic the person just turned off (or everything, turned off) is never
    sent: marked done now, so that turning it on again later does not bring back old news."""
    unwanted = [kind for kind, topic in TOPIC_OF.items() if not setting.wants(topic)]
    if unwanted:
        db.session.execute(
            update(Notification)
            .where(
                Notification.user_id == setting.user_id,
                Notification.mailed_at.is_(None),
                Notification.kind.in_(unwanted),
            )
            .values(mailed_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()


def unsubscribe_token(user, topic: Topic | str, now: datetime) -> str:
    """The signed, expiring token of an unsubscribe link: the person and the topic it turns off (or "all")."""
    return sign_timed(UNSUBSCRIBE_PURPOSE, {"u": user.id, "t": str(topic)}, now)


def read_unsubscribe_token(token: str, now: datetime) -> tuple[User, str] | None:
    """(person, topic or "all") of a genuine token; None when it is forged, altered or names nobody who is
    still here. Raises LinkExpired when it is older than UNSUBSCRIBE_MAX_AGE."""
    return _named(unsign_timed(UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE, now))


def _named(value) -> tuple[User, str] | None:
    if not isinstance(value, dict) or value.get("t") not in {*(t.value for t in Topic), ALL}:
        return None
    user = db.session.get(User, value["u"]) if isinstance(value.get("u"), int) else None
    return (user, value["t"]) if user is not None else None


def expired_token_owner(expired: LinkExpired) -> User | None:
    """Whom an expired (but genuine) unsubscribe link was for: its refusal speaks their language."""
    named = _named(expired.value)
    return named[0] if named else None


def unsubscribe(user, topic: str, now: datetime) -> NotificationSetting:
    """Turn one topic off, or (ALL) every notification. Without settings there is nothing on to turn off."""
    setting = db.session.get(NotificationSetting, user.id)
    if setting is None:
        return setting_of(user)
    if topic == ALL:
        setting.mode = NotificationMode.OFF
    else:
        setattr(setting, Topic(topic).value, False)
    setting.updated_at = now
    _settle_unwanted(setting, now)
    return setting


def notify(
    recipients: Iterable,
    kind: NotificationKind,
    *,
    link: str,
    now: datetime,
    draft=None,
    params: dict | None = None,
    once_key: str | None = None,
) -> list[Notification]:
    """A notification of `kind` for each of `recipients` (people) who opted into its topic; for those who
    want e-mail at once, the e-mail is written now (in the outbox, in their language) and the notification
    marked mailed; the others wait for their daily digest.

    `params` are what the text needs (plain JSON values: a paragraph's number, an organisation's name);
    `link` is the path the e-mail points to. With `once_key`, a person who already has a notification with
    that key gets no second one (the scheduled run finds a deadline again every few minutes).
    Never commits."""
    people = {person.id: person for person in recipients if person is not None}
    if not people:
        return []
    topic = TOPIC_OF[kind]
    settings = {
        setting.user_id: setting
        for setting in db.session.scalars(select(NotificationSetting).where(NotificationSetting.user_id.in_(people)))
    }
    wanting = [
        user_id for user_id, setting in settings.items() if setting.wants(topic) and people[user_id].is_active_account
    ]
    if once_key is not None and wanting:
        have = set(
            db.session.scalars(
                select(Notification.user_id).where(Notification.user_id.in_(wanting), Notification.once_key == once_key)
            )
        )
        wanting = [user_id for user_id in wanting if user_id not in have]
    made = [
        Notification(
            user_id=user_id,
            kind=kind,
            draft_id=getattr(draft, "id", None),
            params=params or {},
            link=link,
            once_key=once_key,
            created_at=now,
        )
        for user_id in sorted(wanting)
    ]
    db.session.add_all(made)
    db.session.flush()
    for notification in made:
        if settings[notification.user_id].mode == NotificationMode.IMMEDIATE:
            _mail_one(people[notification.user_id], notification, now)
    return made


def _unsubscribe_link(user, topic: str, now: datetime) -> str:
    return absolute_url("notifications.unsubscribe", token=unsubscribe_token(user, topic, now))


def _mail_one(user, notification: Notification, now: datetime) -> None:
    with links_for_mail():
        message = queue_mail(
            user.email,
            "notification",
            user.locale,
            notification=notification,
            unsubscribe=_unsubscribe_link(user, TOPIC_OF[notification.kind], now),
            topic=TOPIC_OF[notification.kind],
        )
    _due(message, now)
    notification.mailed_at = now


def _due(message, now: datetime) -> None:
    """Due from `now`: the outbox step of the same scheduled run (given the run's start) sends it, rather
    than the next run."""
    message.next_attempt_at = now


def _claim_digest(user_id: int, last: datetime | None, now: datetime) -> bool:
    """Take a person's digest: only one of two runs at once wins it (a conditional UPDATE on the time of
    the last digest, as it was read)."""
    condition = (
        NotificationSetting.last_digest_at.is_(None) if last is None else NotificationSetting.last_digest_at == last
    )
    claimed = db.session.execute(
        update(NotificationSetting)
        .where(NotificationSetting.user_id == user_id, condition)
        .values(last_digest_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(claimed, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    return claimed.rowcount == 1


def send_digests(now: datetime) -> int:
    """One e-mail to each person on the daily digest whose last digest is a day old (or who never had one)
    and who has notifications no e-mail carried yet: grouped by draft, then by kind, a link each. (Someone
    who switched from the digest to "at once" gets what still waited in one last digest.) What the person
    turned off meanwhile (all of it, or a topic) is not sent, and marked so that it is not found again.
    Safe to run twice at once: a person's digest is claimed before it is written. Commits per person
    (a scheduled step: one person's trouble does not undo the others'). Returns how many mails it wrote."""
    due = db.session.execute(
        select(NotificationSetting.user_id, NotificationSetting.last_digest_at)
        .where(
            NotificationSetting.mode != NotificationMode.OFF,
            or_(NotificationSetting.last_digest_at.is_(None), NotificationSetting.last_digest_at <= now - DIGEST_EVERY),
        )
        .where(
            select(Notification.id)
            .where(Notification.user_id == NotificationSetting.user_id, Notification.mailed_at.is_(None))
            .exists()
        )
        .order_by(NotificationSetting.user_id)
    ).all()
    db.session.commit()
    written = 0
    for user_id, last in due:
        if not _claim_digest(user_id, last, now):
            db.session.rollback()
            continue
        setting = db.session.get_one(NotificationSetting, user_id)  # claimed just now
        waiting = list(
            db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user_id, Notification.mailed_at.is_(None))
                .order_by(Notification.id)
            )
        )
        wanted = [n for n in waiting if setting.wants(TOPIC_OF[n.kind])]
        for notification in waiting:
            notification.mailed_at = now  # also the unwanted ones: turned off means not sent, ever
        if wanted and setting.user.is_active_account:
            user = setting.user
            with links_for_mail():
                message = queue_mail(
                    user.email,
                    "digest",
                    user.locale,
                    groups=digest_groups(wanted),
                    unsubscribe=_unsubscribe_link(user, ALL, now),
                )
            _due(message, now)
            written += 1
        db.session.commit()
    return written


def digest_groups(
    notifications: list[Notification],
) -> list[tuple[str, list[tuple[NotificationKind, list[Notification]]]]]:
    """[(draft title, [(kind, [notification, ...]), ...]), ...]: drafts in the order of their first
    notification, kinds in the order of NotificationKind, notifications oldest first. Notifications without
    a draft gather under an empty title."""
    drafts: dict[int | None, dict[NotificationKind, list[Notification]]] = {}
    titles: dict[int | None, str] = {}
    for notification in notifications:
        drafts.setdefault(notification.draft_id, {}).setdefault(NotificationKind(notification.kind), []).append(
            notification
        )
        titles.setdefault(notification.draft_id, (notification.params or {}).get("draft", ""))
    order = list(NotificationKind)
    return [
        (titles[draft_id], sorted(kinds.items(), key=lambda item: order.index(item[0])))
        for draft_id, kinds in drafts.items()
    ]


def notify_deadlines(now: datetime) -> int:
    """ "A deadline in 48 hours": for each draft whose current phase ends within DEADLINE_AHEAD, a notification
    to everyone who takes part in it (`audience`), once per person and deadline (`once_key` names the draft,
    the phase and the deadline: a moved deadline is announced again). Returns how many it made."""
    rows = db.session.execute(
        select(Draft, DraftDeadline.ends_at)
        .join(DraftDeadline, (DraftDeadline.draft_id == Draft.id) & (DraftDeadline.phase == Draft.phase))
        .where(
            DraftDeadline.ends_at > now, DraftDeadline.ends_at <= now + DEADLINE_AHEAD, Draft.phase != Phase.PREPARATION
        )
    ).all()
    made = 0
    for draft, ends_at in rows:
        iso = ends_at.isoformat()
        with links_for_mail():
            link = url_for("reading.draft", slug=draft.slug)
        made += len(
            notify(
                audience(draft),
                NotificationKind.DEADLINE_SOON,
                link=link,
                now=now,
                draft=draft,
                params={"draft": draft.title, "phase": draft.phase.value, "deadline": iso},
                once_key=f"deadline:{draft.id}:{draft.phase.value}:{iso}",
            )
        )
    return made


def audience(draft: Draft) -> list[User]:
    """Who takes part in a draft's phases: active delegates of active member organisations (when the draft
    is past preparation) and the office and board (moderators, board members)."""
    staff = select(UserRole.user_id).where(UserRole.role.in_((Role.MODERATOR, Role.BOARD)))
    delegates = (
        select(UserRole.user_id)
        .join(User, User.id == UserRole.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(UserRole.role == Role.DELEGATE, Organisation.is_member.is_(True), Organisation.is_active.is_(True))
    )
    who = User.id.in_(staff) if draft.phase == Phase.PREPARATION else or_(User.id.in_(staff), User.id.in_(delegates))
    return list(db.session.scalars(select(User).where(User.is_active_account.is_(True), who).order_by(User.id)))


def run_scheduled_step(now: datetime) -> str:
    """The notifications' step of `flask run-scheduled`: announce deadlines in 48 hours (committed; a run
    at the same moment that announced them first wins, the unique once_key refuses the second), then write
    the daily digests that are due; delete what was mailed long ago (KEEP_MAILED). One line saying what it did."""
    try:
        deadlines = notify_deadlines(now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        deadlines = 0
    digests = send_digests(now)
    db.session.execute(delete(Notification).where(Notification.mailed_at < now - KEEP_MAILED))
    db.session.commit()
    return f"{deadlines} about deadlines, {digests} daily digests written."
