"""How event fields are written into a stored event's state: the library's JSON
transcoder, with dates as ISO text."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def register(transcoder: Any) -> None:
    """Add our transcodings to a transcoder the library has set up."""
    transcoder.register(SameMomentAsISO())
    transcoder.register(DateAsISO())


def transcoder() -> JSONTranscoder:
    """A stand-alone transcoder reading and writing events as the store does."""
    from eventsourcing.persistence import DecimalAsStr, UUIDAsHex

    made = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr()):
        made.register(transcoding)
    register(made)
    return made


class SameMomentAsISO(DatetimeAsISO):
    """The library's datetime transcoding; a command's events share one record time, so the
    last one's text is kept rather than written again for each."""

    def __init__(self) -> None:
        self._last: tuple[datetime, str] | None = None

    def encode(self, obj: datetime) -> str:
        if self._last is None or self._last[0] is not obj:
            self._last = (obj, obj.isoformat())
        return self._last[1]
