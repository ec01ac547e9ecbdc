"""How event fields are written into a stored event's state: the library's JSON
transcoder, with dates as ISO text."""
from __future__ import annotations

import json
from collections.abc import Callable
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


def encoder(transcoder: Any) -> Callable[[Any], bytes]:
    """`transcoder.encode`, made once: the very same bytes, without the JSON encoder the
    library's transcoder sets up anew for every event (what writing a whole log spends
    most on after the fields themselves). Anything but the library's JSON transcoder, as
    it is made, is left to encode for itself."""
    inner = getattr(transcoder, "encoder", None)
    make = getattr(json.encoder, "c_make_encoder", None)
    if not isinstance(transcoder, JSONTranscoder) or type(inner) is not json.JSONEncoder \
            or make is None or inner.indent is not None or inner.ensure_ascii \
            or inner.sort_keys or inner.skipkeys or not inner.allow_nan:
        return transcoder.encode  # type: ignore[no-any-return]
    # As `JSONEncoder.iterencode` makes it for one object (`_one_shot`), without the check
    # for circular references: a stored state is read from JSON text, which has none.
    encode = make(None, inner.default, json.encoder.encode_basestring, None,
                  inner.key_separator, inner.item_separator, False, False, True)

    def encoded(obj: Any) -> bytes:
        if isinstance(obj, str):  # as `JSONEncoder.encode` has it
            return transcoder.encode(obj)  # type: ignore[no-any-return]
        return "".join(encode(obj, 0)).encode("utf8")
    return encoded


class SameMomentAsISO(DatetimeAsISO):
    """The library's datetime transcoding; a command's events share one record time, so the
    last one's text is kept rather than written again for each."""

    def __init__(self) -> None:
        self._last: tuple[datetime, str] | None = None

    def encode(self, obj: datetime) -> str:
        if self._last is None or self._last[0] is not obj:
            self._last = (obj, obj.isoformat())
        return self._last[1]
