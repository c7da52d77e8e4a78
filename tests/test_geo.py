"""Great-circle distances and the boxes that prefilter near-a-point searches."""

from __future__ import annotations

import math
import random

import pytest

from meetups.places.geo import bounding_boxes, check_point, distance_km


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((48.8566, 2.3522), (50.6292, 3.0573), 204.0),  # Paris–Lille
        ((51.5074, -0.1278), (40.7128, -74.0060), 5570.0),  # London–New York
        ((0, 179.9), (0, -179.9), 22.2),  # across the antimeridian
        ((89.9, 0), (89.9, 180), 22.2),  # across the pole
    ],
)
def test_distances_match_known_values(a, b, km):
    assert distance_km(*a, *b) == pytest.approx(km, rel=0.01)


def inside(boxes, lat, lon) -> bool:
    return any(b.south <= lat <= b.north and b.west <= lon <= b.east for b in boxes)


@pytest.mark.parametrize(
    ("lat", "lon", "km"),
    [
        (48.85, 2.35, 3),
        (-33.86, 151.2, 10),
        (0.0, 179.95, 50),  # Fiji-like: the circle crosses the antimeridian
        (-16.5, -179.99, 25),
        (64.1, -21.9, 100),  # Reykjavík: high latitude widens the box
        (89.5, 10.0, 80),  # the circle reaches the North Pole
        (-89.99, 0.0, 5),
        (85.0, 0.0, 300),
    ],
)
def test_every_point_within_the_radius_is_inside_the_boxes(lat, lon, km):
    boxes = bounding_boxes(lat, lon, km)
    rng = random.Random(f"{lat},{lon},{km}")

    for _ in range(3000):
        bearing = rng.uniform(0, 2 * math.pi)
        distance = km * math.sqrt(rng.random()) * 0.999
        p_lat, p_lon = _destination(lat, lon, bearing, distance)
        assert distance_km(lat, lon, p_lat, p_lon) <= km
        assert inside(boxes, p_lat, p_lon), (p_lat, p_lon)
    assert all(-180 <= b.west <= b.east <= 180 and -90 <= b.south <= b.north <= 90 for b in boxes)


def test_a_circle_across_the_antimeridian_gets_two_boxes():
    boxes = bounding_boxes(0.0, 179.95, 50)

    assert len(boxes) == 2
    assert inside(boxes, 0.0, -179.9) and inside(boxes, 0.0, 179.9)
    assert not inside(boxes, 0.0, 0.0)


def test_the_box_stays_small_away_from_poles():
    (box,) = bounding_boxes(48.85, 2.35, 3)

    assert box.north - box.south == pytest.approx(6 / 111.2, rel=0.01)
    assert box.east - box.west < 0.1


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (91, 0, "Latitude"),
        (-90.5, 0, "Latitude"),
        (0, 180.1, "Longitude"),
        (math.nan, 0, "Latitude"),
        (0, math.inf, "Longitude"),
    ],
)
def test_impossible_points_are_refused(lat, lon, message):
    with pytest.raises(ValueError, match=message):
        check_point(lat, lon)


def _destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """The point `km` away along `bearing` on the sphere (to generate test points)."""
    delta = km / 6371.0088
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lambda2) + 540) % 360 - 180
