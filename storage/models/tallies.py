"""Counts the database keeps so that /stats reads a few rows per desk, hour or area instead of
every case or resident (bench.seeded). Triggers (migrations 0012 to 0015) write them in the same
transaction as every change of the rows they count, whoever makes it; nothing else writes
them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class AreaFollowers(Base):
    """How many residents who can be reached (consented, not blocked) follow each area today."""

    __tablename__ = "area_followers"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class CaseTally(Base):
    """What happened to a desk's cases in one UTC hour: opened (created_at), closed
    (closed_at, with the rating it has by stars), reminded and escalated. A case counts under
    its current desk, as everywhere in /stats, so a transfer moves its whole history."""

    __tablename__ = "case_tally"

    hour: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    desk: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    reminded: Mapped[int] = mapped_column(Integer)
    escalated: Mapped[int] = mapped_column(Integer)
    rated_1: Mapped[int] = mapped_column(Integer)
    rated_2: Mapped[int] = mapped_column(Integer)
    rated_3: Mapped[int] = mapped_column(Integer)
    rated_4: Mapped[int] = mapped_column(Integer)
    rated_5: Mapped[int] = mapped_column(Integer)


class CaseOpen(Base):
    """How many of a desk's cases are open now (no closed_at)."""

    __tablename__ = "case_open"

    desk: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class CaseDuration(Base):
    """How many of a desk's cases opened on UTC day `opened_on` had their first reply
    (`measure` "reply") or were closed ("closing") on UTC day `done_on`, `upto` minutes or
    less after the opening and more than the bin below (storage.statistics_shapes.bin_upto)."""

    __tablename__ = "case_duration"

    opened_on: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    done_on: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    desk: Mapped[str] = mapped_column(String(32), primary_key=True)
    measure: Mapped[str] = mapped_column(String(8), primary_key=True)
    upto: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class DailyDeskTally:
    """A count per UTC day and desk, and per the two columns a subclass adds between them
    and the count (the key is the day, the desk and those)."""

    day: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True, sort_order=-1)
    desk: Mapped[str] = mapped_column(String(32), primary_key=True, sort_order=-1)
    count: Mapped[int] = mapped_column(Integer, sort_order=1)


class CaseOpened(DailyDeskTally, Base):
    """How many of a desk's cases opened on UTC day `day` have `value` as their `trait`
    ("category", "area", "language" or "privacy"): each case counts once per trait."""

    __tablename__ = "case_opened"

    trait: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(32), primary_key=True)


class ReferralTally(DailyDeskTally, Base):
    """How many referrals proposed on UTC day `day` on cases now of `desk` went to `partner`
    and have `status` now (a transfer of the case moves them to its new desk)."""

    __tablename__ = "referral_tally"

    partner: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
