"""The member organisation: the unit that votes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.extensions import Model


class OrganisationLevel(enum.StrEnum):
    FEDERAL = "federal"
    STATE = "state"
    LOCAL = "local"


# The sixteen federal states (Länder), in the form `Organisation.state` stores them.
FEDERAL_STATES = (
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
)

NAME_MAX_LENGTH = 200  # checked by consult/core/names.py


class Organisation(Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True)
    short_name: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str | None] = mapped_column(String(60))
    level: Mapped[OrganisationLevel] = mapped_column(
        str_enum(OrganisationLevel, "organisation_level"), default=OrganisationLevel.STATE, server_default="state"
    )
    is_member: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Counts this many times in drafts that weigh votes (Draft.weighted_votes); 1 by default.
    vote_weight: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who submits the organisation's internal drafts (consult.workspace): any of its delegates, or with
    # this set only its contact persons.
    contact_submits_only: Mapped[bool] = mapped_column(default=False, server_default="0")

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name}>"
