"""A period cut into parts (the chart's bars) counted from tallies kept per UTC day, exact to
the microsecond whatever the zone: each cut (the period's ends, the bars' first moments) is
moved to the UTC midnight nearest it, the tally's days between two moved cuts are read for
each part, and the rows between each cut and its midnight are counted from the table itself
and moved to the part they belong to.

With F(t) the rows before t, part n is F(cut n+1) - F(cut n); the tally gives
F(midnight n+1) - F(midnight n), and each slice F(midnight) - F(cut) is added to the part that
starts at the cut and taken off the part that ends there. In a zone a whole number of hours
from UTC a slice is at most 12 hours (one hour in Amsterdam in winter), against the whole
period from the table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, literal

from storage.statistics_tallies import at

DAY = timedelta(days=1)


def midnight_near(moment: datetime, *, later: bool = False) -> datetime:
    """The UTC midnight nearest `moment` (the next one when `later`: nothing is expected after
    a moment that is "now")."""
    floor = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if floor == moment:
        return floor
    return floor + DAY if later or moment - floor > DAY / 2 else floor


@dataclass(frozen=True)
class Slice:
    """The rows in [start, end), to add `factor` times to each `part`."""

    start: datetime
    end: datetime
    shares: tuple[tuple[int, int], ...]  # (part, factor)


@dataclass(frozen=True)
class Cuts:
    """The parts [moments[n], moments[n + 1]), and the same moved to UTC midnights (`days`)."""

    moments: tuple[datetime, ...]
    days: tuple[datetime, ...]

    @classmethod
    def of(
        cls, start: datetime, end: datetime, inner: Sequence[datetime] = (), *, now: bool = False
    ) -> Cuts | None:
        """[start, end) cut at the `inner` moments inside it (None when it is empty); `now`:
        the end is "now", so its slice is taken towards the next midnight."""
        if end <= start:
            return None
        moments = (start, *(moment for moment in inner if start < moment < end), end)
        days = (*(midnight_near(moment) for moment in moments[:-1]), midnight_near(end, later=now))
        return cls(moments, days)

    @property
    def parts(self) -> int:
        return len(self.moments) - 1

    def tallied(self, day: Any) -> list[ColumnElement[bool]]:
        """The tally's rows (by their `day` column) that any part reads."""
        return [day >= at(self.days[0]), day < at(self.days[-1])]

    def part(self, day: Any) -> ColumnElement[int]:
        """Which part a tally's row (by its `day` column) is read for."""
        if self.parts == 1:
            return literal(0)
        limbs = [(day < at(moment), n) for n, moment in enumerate(self.days[1:-1])]
        return case(*limbs, else_=self.parts - 1)

    def slices(self) -> list[Slice]:
        """For every cut off its midnight, the rows between them and the parts they move."""
        found = []
        for n, (moment, day) in enumerate(zip(self.moments, self.days, strict=True)):
            if moment == day:
                continue
            sign = 1 if moment < day else -1  # F(day) - F(moment)
            shares = ((n, sign), (n - 1, -sign))
            found.append(
                Slice(
                    min(moment, day),
                    max(moment, day),
                    tuple((part, factor) for part, factor in shares if 0 <= part < self.parts),
                )
            )
        return found
