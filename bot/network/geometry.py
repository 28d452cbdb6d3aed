"""Small geometry for areas: point in polygon and great-circle distance (no GIS needed)."""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]  # (latitude, longitude)
EARTH_RADIUS_KM = 6371.0


def contains(polygon: Sequence[Point], point: Point) -> bool:
    """Ray casting; fine for neighbourhood-sized polygons away from the poles and date line."""
    lat, lon = point
    inside = False
    for (lat1, lon1), (lat2, lon2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (lon1 > lon) != (lon2 > lon):
            crossing = lat1 + (lon - lon1) * (lat2 - lat1) / (lon2 - lon1)
            if lat < crossing:
                inside = not inside
    return inside


def distance_km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def centroid(polygon: Sequence[Point]) -> Point:
    return (
        sum(p[0] for p in polygon) / len(polygon),
        sum(p[1] for p in polygon) / len(polygon),
    )


# About 500 m: a latitude degree is 111 km everywhere; a longitude degree shrinks towards the
# poles, so its step grows with 1 / cos(latitude).
ROUNDING_M = 500.0
METRES_PER_DEGREE = 111_320.0


def round_location(latitude: float, longitude: float) -> tuple[float, float]:
    """The middle of the ~500 m square the point lies in: near, but not where someone stands."""
    lat_step = ROUNDING_M / METRES_PER_DEGREE
    lon_step = lat_step / max(math.cos(math.radians(latitude)), 0.01)
    return (
        (math.floor(latitude / lat_step) + 0.5) * lat_step,
        (math.floor(longitude / lon_step) + 0.5) * lon_step,
    )
