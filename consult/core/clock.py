"""The current time, in one place, so that tests can freeze it (`monkeypatch.setattr(clock, "now", ...)`)."""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)
