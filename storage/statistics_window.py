"""The conditions /stats counts cases by, for one window in the session's SQL dialect: whether
a moment falls in the period or had happened by its end, durations exact to the microsecond,
the desks' response targets, and which cases matter for the period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Interval,
    and_,
    case,
    cast,
    extract,
    literal,
    or_,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case
from storage.statistics_shapes import CaseWindow
from storage.statistics_tallies import at, micros


class WindowConditions:
    """The window's conditions as SQL expressions (a NULL never counts)."""

    def __init__(self, session: AsyncSession, window: CaseWindow) -> None:
        self.session = session
        self.w = window
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def _inside(self, column: Any) -> ColumnElement[bool]:
        w = self.w
        return and_(column >= at(w.start), column < at(w.end), column <= at(w.now))

    def _by_end(self, column: Any) -> ColumnElement[bool]:
        """It had happened when the period ended (or now, for a period still running)."""
        return and_(column.is_not(None), column < at(self.w.end), column <= at(self.w.now))

    def _not_by_end(self, column: Any) -> ColumnElement[bool]:
        return or_(column.is_(None), column >= at(self.w.end), column > at(self.w.now))

    def _elapsed(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        """`later - earlier`, exact to the microsecond as Python's timedelta: an interval on
        PostgreSQL, seconds on SQLite (compare it with `_span`)."""
        if self.postgres:
            return type_coerce(later - earlier, Interval())
        return type_coerce((micros(later) - micros(earlier)), Float) / 1_000_000.0

    def _span(self, minutes: float) -> ColumnElement[Any]:
        """A number of minutes as `_elapsed` gives them. Comparing exact spans gives what
        Python's float minutes give, since every microsecond is a different float there."""
        if self.postgres:
            return literal(timedelta(minutes=minutes), Interval())
        return literal(minutes * 60.0, Float)

    def _minutes(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        """As Python computes them: float seconds divided by 60."""
        elapsed = self._elapsed(later, earlier)
        seconds = extract("epoch", elapsed) if self.postgres else elapsed  # numeric: exact
        return cast(seconds, Float) / 60.0

    def _target(self) -> ColumnElement[Any]:
        """The case's desk's response target as a span (NULL: none)."""
        if not self.w.targets:
            return literal(None, Interval() if self.postgres else Float())
        spans = {code: self._span(minutes) for code, minutes in self.w.targets.items()}
        return case(spans, value=Case.desk)

    def _deadline_passed(self) -> ColumnElement[bool]:
        """created_at + target <= as_of, as created_at <= as_of - target per desk."""
        if not self.w.targets:
            return literal(False)
        cutoffs = {
            code: at(self.w.as_of - timedelta(minutes=minutes))
            for code, minutes in self.w.targets.items()
        }
        return Case.created_at <= case(cutoffs, value=Case.desk)

    def _matters(self) -> list[ColumnElement[bool]]:
        """Opened in the period, or opened before it and not closed before it started."""
        w = self.w
        found = [
            Case.created_at < at(w.end),
            or_(
                Case.created_at >= at(w.start),
                Case.closed_at.is_(None),
                Case.closed_at >= at(w.start),
            ),
        ]
        if w.desks is not None:
            found.append(Case.desk.in_(list(w.desks)))
        return found

    def _is_opened(self) -> ColumnElement[bool]:
        return self._inside(Case.created_at)

    def _replied(self) -> ColumnElement[bool]:
        return and_(self._is_opened(), self._by_end(Case.first_reply_at))
