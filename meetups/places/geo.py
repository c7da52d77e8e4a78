"""Distances on the Earth and the boxes that prefilter a near-a-point search.

Pure: a box query on indexed latitude/longitude keeps the cost proportional to
the venues nearby; the exact great-circle distance then decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from meetups.texts import N_

EARTH_RADIUS_KM = 6371.0088
# Searches near a point: the default radius and the range a visitor or the API may ask for.
DEFAULT_RADIUS_KM = 5.0
MIN_RADIUS_KM = 0.1
MAX_RADIUS_KM = 300.0
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True)
class Box:
    """Latitude and longitude ranges, inclusive; never crossing the antimeridian."""

    south: float
    north: float
    west: float
    east: float


def check_point(latitude: float, longitude: float) -> None:
    """Refuse coordinates no place has, with a message a person can act on."""
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise ValueError(N_("Latitude must be a number between -90 and 90."))
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise ValueError(N_("Longitude must be a number between -180 and 180."))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), accurate to well under 0.5% for our radii."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_boxes(latitude: float, longitude: float, radius_km: float) -> list[Box]:
    """Boxes that contain every point within `radius_km`: one, or two across the antimeridian.

    Near a pole (or with a radius that reaches it) every longitude is in range.
    """
    check_point(latitude, longitude)
    delta_lat = radius_km / KM_PER_DEGREE_LATITUDE
    south, north = max(-90.0, latitude - delta_lat), min(90.0, latitude + delta_lat)
    if south <= -90 or north >= 90:
        return [Box(south, north, -180.0, 180.0)]
    # The exact widest longitude offset of a spherical circle (Matuschek's bounding box).
    ratio = math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(latitude))
    if ratio >= 1:
        return [Box(south, north, -180.0, 180.0)]
    delta_lon = math.degrees(math.asin(ratio))
    west, east = longitude - delta_lon, longitude + delta_lon
    if west < -180:
        return [Box(south, north, west + 360, 180.0), Box(south, north, -180.0, east)]
    if east > 180:
        return [Box(south, north, west, 180.0), Box(south, north, -180.0, east - 360)]
    return [Box(south, north, west, east)]
