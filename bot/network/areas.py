"""Where and what: areas (a polygon or a centre lets a shared location pick one), report
categories, and the alert topics residents can follow."""

from __future__ import annotations

from pydantic import field_validator

from bot.network.base import Named
from bot.network.geometry import Point, centroid
from bot.network.standards import CapCategory


class Area(Named):
    """A neighbourhood or district; a polygon or a centre lets a shared location pick it."""

    polygon: tuple[tuple[float, float], ...] | None = None
    centre: tuple[float, float] | None = None
    radius_km: float | None = None

    @field_validator("polygon")
    @classmethod
    def _real_polygon(
        cls, value: tuple[tuple[float, float], ...] | None
    ) -> tuple[tuple[float, float], ...] | None:
        if value is not None and len(value) < 3:
            msg = "a polygon needs at least three [lat, lon] points"
            raise ValueError(msg)
        return value

    def middle(self) -> Point | None:
        if self.centre is not None:
            return self.centre
        return centroid(self.polygon) if self.polygon else None


class Category(Named):
    """A kind of report (burglary, traffic, ...)."""


class Topic(Named):
    """A kind of alert citizens can follow (burglary wave, traffic, missing person, ...)."""

    cap_category: CapCategory | None = None  # its CAP category (else [cap] category)
