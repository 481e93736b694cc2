"""Geographic positions from ISO 6709 strings and EXIF GPS tags."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

# ISO 6709 as phones write it: latitude, longitude, optional altitude, "/".
# Each coordinate may be decimal degrees (+DD.D), degrees and minutes
# (+DDMM.M) or degrees, minutes and seconds (+DDMMSS.S).
_ISO6709_RE = re.compile(
    r"^(?P<lat>[+-]\d{2}(?:\d{2}){0,2}(?:\.\d+)?)"
    r"(?P<lon>[+-]\d{3}(?:\d{2}){0,2}(?:\.\d+)?)"
    r"(?P<alt>[+-]\d+(?:\.\d+)?)?(?:CRS[^/]*)?/?$"
)


@dataclasses.dataclass(frozen=True)
class GeoPoint:
    """A position in decimal degrees (WGS 84), with where it was read from."""

    latitude: float
    longitude: float
    altitude: float | None
    source: str
    original: str

    def to_dict(self) -> dict[str, object]:
        return {
            "latitude": round(self.latitude, 7),
            "longitude": round(self.longitude, 7),
            "altitude": self.altitude,
            "source": self.source,
            "original": self.original,
        }


def _sexagesimal(text: str, degree_digits: int) -> float:
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole, _, fraction = body.partition(".")
    frac = float("0." + fraction) if fraction else 0.0
    degrees = int(whole[:degree_digits])
    rest = whole[degree_digits:]
    if not rest:
        return sign * (degrees + frac)
    minutes = int(rest[:2])
    if len(rest) == 2:
        return sign * (degrees + (minutes + frac) / 60)
    seconds = int(rest[2:4]) + frac
    return sign * (degrees + minutes / 60 + seconds / 3600)


def parse_iso6709(text: str, source: str) -> GeoPoint | None:
    """Parse an ISO 6709 point such as ``+50.4501+030.5234+150.000/``."""
    match = _ISO6709_RE.match(text.strip())
    if not match:
        return None
    lat = _sexagesimal(match["lat"], 2)
    lon = _sexagesimal(match["lon"], 3)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    alt = float(match["alt"]) if match["alt"] else None
    return GeoPoint(lat, lon, alt, source, text)


def from_exif_dms(
    lat: Sequence[float], lat_ref: str, lon: Sequence[float], lon_ref: str,
    alt: float | None, alt_ref: int | None, source: str,
) -> GeoPoint | None:  # fmt: skip
    """Build a point from EXIF degrees/minutes/seconds triples and N/S/E/W refs."""

    def to_decimal(dms: Sequence[float]) -> float:
        parts = [*dms, 0.0, 0.0]
        return float(parts[0]) + float(parts[1]) / 60 + float(parts[2]) / 3600

    latitude = to_decimal(lat) * (-1 if lat_ref.upper().startswith("S") else 1)
    longitude = to_decimal(lon) * (-1 if lon_ref.upper().startswith("W") else 1)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    altitude = None
    if alt is not None:
        altitude = -float(alt) if alt_ref == 1 else float(alt)
    original = f"{list(lat)} {lat_ref}, {list(lon)} {lon_ref}"
    return GeoPoint(latitude, longitude, altitude, source, original)
