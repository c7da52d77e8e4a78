"""Links that take a traveller to a venue: their phone's maps app, or OpenStreetMap.

Pure. Nothing is requested from another site until the visitor taps one, and
the coordinates go with the tap, not the page.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

OSM = "https://www.openstreetmap.org"


def geo_uri(latitude: float, longitude: float, label: str) -> str:
    """An RFC 5870 `geo:` URI that phones open in their maps app, pin named `label`.

    The `q=lat,lon(label)` query is how Android and most apps put a named pin there.
    """
    point = f"{latitude:.6f},{longitude:.6f}"
    return f"geo:{point}?q={quote(f'{point}({label})', safe=',()')}"


def osm_directions(latitude: float, longitude: float) -> str:
    """OpenStreetMap's route planner with the venue as destination, the start left open."""
    return f"{OSM}/directions?" + urlencode({"route": f";{latitude:.6f},{longitude:.6f}"})


def osm_map(latitude: float, longitude: float, zoom: int = 18) -> str:
    """OpenStreetMap centred on the venue, with a marker."""
    query = urlencode({"mlat": f"{latitude:.6f}", "mlon": f"{longitude:.6f}"})
    return f"{OSM}/?{query}#map={zoom}/{latitude:.6f}/{longitude:.6f}"
