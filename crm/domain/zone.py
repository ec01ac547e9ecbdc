"""The zone's settings as an aggregate: one a store, changed one setting at a time (see
`crm.domain.settings` for what each means)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from crm.domain.settings import ZONE_ID, ZoneSettings, check


class Zone(Aggregate):
    """The zone's settings: one aggregate a store, changed one setting at a time."""

    def __init__(self, id: uuid.UUID, timestamp: datetime, recorded_by: str) -> None:
        self.recorded: dict[str, Any] = {}

    @staticmethod
    def create_id(id: uuid.UUID, **_: Any) -> uuid.UUID:
        return id

    class Started(Aggregate.Created):
        recorded_by: str

    class SettingChanged(Aggregate.Event):
        recorded_by: str
        key: str
        value: Any

        def apply(self, zone: Zone) -> None:
            zone.recorded[self.key] = self.value

    @classmethod
    def start(cls, *, recorded_by: str, timestamp: datetime) -> Zone:
        return cls(id=ZONE_ID, timestamp=timestamp, recorded_by=recorded_by)

    def change(self, *, key: str, value: Any, recorded_by: str, timestamp: datetime) -> bool:
        """Record a setting; False (nothing recorded) when it already has that value."""
        value = check(key, value)
        if ZoneSettings.of(self.recorded).values.get(key) == value and key in self.recorded:
            return False
        self.trigger_event(self.SettingChanged, key=key, value=value, recorded_by=recorded_by,
                           timestamp=timestamp)
        return True

    @property
    def settings(self) -> ZoneSettings:
        return ZoneSettings.of(self.recorded)
