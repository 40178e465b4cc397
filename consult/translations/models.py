"""Who translates into which language, and the translated paragraphs.

A translation hangs on a paragraph's identity (`Paragraph`, the same in every version of its draft) and a
language, and keeps the German text it was made from (`source_text`). So it carries over to every later version
by itself: where a new version left the German words as they were, the translation still fits; where the words
changed, `source_text` differs from the paragraph's text in that version and the translation is outdated
(`consult.translations.queries.is_outdated`, the one place that decides it).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.extensions import Model

LANGUAGE_LENGTH = 16  # a BCP 47 tag such as "tr", "ar" or "de-x-ls"


class TranslationStatus(enum.StrEnum):
    DRAFT = "draft"  # Entwurf: written, not yet checked
    CHECKED = "checked"  # geprüft: checked by the board or a translator of the language


class Translator(Model):
    """The role "Übersetzung" for one language: this person may write and check translations into it.
    Granted by an administrator (the person page); the board translates into every language without it."""

    __tablename__ = "translator"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(LANGUAGE_LENGTH), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ParagraphTranslation(Model):
    """One paragraph of a draft in one reading language: Markdown (rendered by the one renderer, raw HTML
    off), the German text it was made from, and its status with who set it and when."""

    __tablename__ = "paragraph_translation"
    __table_args__ = (UniqueConstraint("paragraph_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(LANGUAGE_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str] = mapped_column(Text)
    status: Mapped[TranslationStatus] = mapped_column(
        str_enum(TranslationStatus, "translation_status"), default=TranslationStatus.DRAFT
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
