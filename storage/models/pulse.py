"""The trust pulse: who was last asked, and the answers counted per area and month."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class PulseAsk(Base):
    """When a resident who opted in to the trust pulse was last asked, about which area, and
    whether that question still waits for its answer. It never holds the answer."""

    __tablename__ = "pulse_ask"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    question: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(32))  # "" when the resident follows no area
    waiting: Mapped[bool] = mapped_column(default=True)


class PulseTally(Base):
    """Trust-pulse answers, counted: how many residents of an area gave a score to a question in
    a month. No row says who answered, or when within the month."""

    __tablename__ = "pulse_tally"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first local day
    area: Mapped[str] = mapped_column(String(32), primary_key=True)
    question: Mapped[str] = mapped_column(String(16), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)
