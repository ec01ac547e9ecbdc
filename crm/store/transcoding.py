"""How event fields are written into a stored event's state: the library's JSON
transcoder, with dates as ISO text."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, StoredEvent, Transcoding
from eventsourcing.utils import get_topic


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
    """`transcoder.encode`, with the very same bytes, minus the check for circular
    references (a state read from JSON text has none): the public `check_circular` switch of
    a copy of the library transcoder's own JSON encoder. Anything but the library's JSON
    transcoder, as it is made, is left to encode for itself."""
    inner = getattr(transcoder, "encoder", None)
    if not isinstance(transcoder, JSONTranscoder) or type(inner) is not json.JSONEncoder:
        return transcoder.encode  # type: ignore[no-any-return]
    quick = json.JSONEncoder(skipkeys=inner.skipkeys, ensure_ascii=inner.ensure_ascii,
                             check_circular=False, allow_nan=inner.allow_nan,
                             sort_keys=inner.sort_keys, indent=inner.indent,
                             separators=(inner.item_separator, inner.key_separator),
                             default=inner.default)

    def encoded(obj: Any) -> bytes:
        return quick.encode(obj).encode("utf8")
    return encoded


def to_stored(mapper: Any) -> Callable[[Any], StoredEvent]:
    """`mapper.to_stored_event`, making the very same stored event for less: each event
    class's topic and class version found once, not for each event, and the state written
    by `encoder` (no check for circular references). Only for the library's own mapper,
    neither compressing nor encrypting; any other does it itself. Guarded by
    tests/unit/test_library_contracts.py, which compares the two on every kind of event."""
    if type(mapper) is not Mapper or mapper.compressor or mapper.cipher:
        return mapper.to_stored_event  # type: ignore[no-any-return]
    encode = encoder(mapper.transcoder)
    classes: dict[type, tuple[str, int]] = {}

    def stored(event: Any) -> StoredEvent:
        cls = event.__class__
        known = classes.get(cls)
        if known is None:
            known = classes[cls] = (get_topic(cls), getattr(cls, "class_version", 1))
        topic, class_version = known
        state = dict(vars(event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(originator_id=originator_id, originator_version=originator_version,
                           topic=topic, state=encode(state))
    return stored


class SameMomentAsISO(DatetimeAsISO):
    """The library's datetime transcoding; a command's events share one record time, so the
    last one's text is kept rather than written again for each."""

    def __init__(self) -> None:
        self._last: tuple[datetime, str] | None = None

    def encode(self, obj: datetime) -> str:
        if self._last is None or self._last[0] is not obj:
            self._last = (obj, obj.isoformat())
        return self._last[1]


# -- the stored form, read directly ----------------------------------------------------------

#: The JSON transcoder writes a value of a registered type as {"_type_": NAME, "_data_": TEXT}.
#: `as_text` reads that form itself: the one place that knows it. A rebuild reads a million
#: events, and the transcoder's object hook builds a date, a decimal or a UUID for each typed
#: value only for the read models to write it back as text. Guarded by
#: tests/unit/test_library_contracts.py, which compares it with the transcoder's `decode`.
_TYPE, _DATA = "_type_", "_data_"
_decode_json = json.JSONDecoder().decode
_scan_json = json.JSONDecoder().raw_decode


def as_text(state: bytes, typed: Iterable[str] = ()) -> dict[str, Any]:
    """A stored event's fields, with the `typed` ones (a date, a moment, a decimal, an id,
    or a list of them) as their stored text: a date or moment in ISO form, a decimal as
    written, an id as hex. The others stay as stored: read those through `decode`."""
    text = state.decode()
    try:  # the transcoder writes no white space around the value: scanned, quicker
        fields, end = _scan_json(text)
    except ValueError:
        end = -1
    if end != len(text):  # read as ever: white space around it allowed, anything else refused
        fields = _decode_json(text)
    for key in typed:
        value = fields.get(key)
        if value.__class__ is dict:
            fields[key] = value[_DATA]
        elif value.__class__ is list:
            fields[key] = [v[_DATA] if v.__class__ is dict else v for v in value]
    return fields
