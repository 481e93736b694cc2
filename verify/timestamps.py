"""Parse the many ways media files write a date, keeping what they said."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

_ISO_RE = re.compile(
    r"^(?P<date>\d{4}[-:]\d{2}[-:]\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?P<frac>\.\d+)?)?"
    r"\s*(?P<zone>Z|UTC|[+-]\d{2}:?\d{2})?$"
)
# Dates that are really "unset": the QuickTime epoch (1904) and the Unix
# epoch (1970), which devices with no clock and some tools write as zero.
EPOCHS = (
    dt.datetime(1904, 1, 1, tzinfo=dt.timezone.utc),
    dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc),
)


@dataclasses.dataclass(frozen=True)
class RecordedTime:
    """A timestamp as a file records it.

    ``local`` is the wall-clock time written; ``zone`` the offset written with
    it (None if none). ``utc`` is set when the zone is known or, for container
    fields that the MP4/QuickTime specification defines as UTC, assumed.
    """

    source: str
    original: str
    local: str
    zone: str | None
    utc: dt.datetime | None
    assumed_utc: bool = False
    zone_source: str | None = None  # where the zone came from, if not written with the time

    @property
    def utc_iso(self) -> str | None:
        return format_utc(self.utc) if self.utc else None

    @property
    def at_epoch(self) -> bool:
        return self.utc is not None and any(
            abs(self.utc - e) <= dt.timedelta(days=1) for e in EPOCHS
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "utc": self.utc_iso,
            "local": self.local,
            "zone": self.zone,
            "original": self.original,
            "source": self.source,
            "assumed_utc": self.assumed_utc,
            "zone_source": self.zone_source,
        }


def format_utc(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, to the second."""
    return (
        moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def parse_recorded_time(
    text: str,
    source: str,
    *,
    zone: str | None = None,
    zone_source: str | None = None,
    naive_is_utc: bool = False,
) -> RecordedTime | None:
    """Parse ``text``; ``zone`` supplies an offset written elsewhere (EXIF OffsetTime*).

    ``zone_source`` names where that offset came from (a tag, the GPS clock).

    Returns None for text that is not a date, so callers can skip junk tags.
    """
    match = _ISO_RE.match(text.strip())
    if not match:
        return None
    date = match["date"].replace(":", "-")
    clock = match["time"] or "00:00:00"
    if len(clock) == 5:
        clock += ":00"
    try:
        local = dt.datetime.fromisoformat(f"{date}T{clock}")
    except ValueError:
        return None
    written_zone = match["zone"] or zone
    zone_source = zone_source if not match["zone"] and zone else None
    offset = _parse_offset(written_zone) if written_zone else None
    assumed = False
    if offset is not None:
        utc = local.replace(tzinfo=offset).astimezone(dt.timezone.utc)
        zone_text = _format_offset(offset)
    elif naive_is_utc:
        utc, zone_text, assumed = local.replace(tzinfo=dt.timezone.utc), None, True
    else:
        utc, zone_text = None, None
    return RecordedTime(
        source, text, local.isoformat(), zone_text, utc, assumed, zone_source if utc else None
    )


def _parse_offset(text: str) -> dt.timezone | None:
    if text in {"Z", "UTC"}:
        return dt.timezone.utc
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text.strip())
    if not match:
        return None
    sign = -1 if match[1] == "-" else 1
    hours, minutes = int(match[2]), int(match[3])
    if hours > 14 or minutes > 59:
        return None
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _format_offset(offset: dt.timezone) -> str:
    delta = offset.utcoffset(None)
    total = int(delta.total_seconds()) // 60
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"


def timestamp_label(seconds: float) -> str:
    """``HH:MM:SS.mmm`` for people (more hour digits if need be; a leading ``-`` before 0).

    Damaged streams give times of thousands of hours, or before the start.
    """
    millis = round(seconds * 1000)
    sign, millis = ("-", -millis) if millis < 0 else ("", millis)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
