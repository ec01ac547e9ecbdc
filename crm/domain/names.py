"""Names are unique, and the store enforces it.

A name (under `name_key`) owns a row of slots: slot 1 has the id a project contacted under
that name has always had (`project_id`), slots 2, 3 … follow. A slot is taken when an
aggregate exists at its id: the project contacted under the name, or a `NameClaim` written
in the same transaction as a rename (or a contact reusing a voided name) pointing at the
project that now carries it. Two writers claiming one name write the same slot at version 1,
and the store's primary key lets exactly one of them succeed. A slot is the name's while its
project is live and still carries the name; a voided project, or one renamed away, leaves
the slot standing and the name free for the next slot."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from crm.domain.naming import slot_id  # noqa: F401 - where a claim is, by name


class NameClaim(Aggregate):
    """A name taken by a project other than by its contact: `project` carries it."""

    def __init__(self, id: uuid.UUID, timestamp: datetime, name: str, held_by: str,
                 recorded_by: str) -> None:
        self.name = name
        self.project = uuid.UUID(held_by)

    @staticmethod
    def create_id(id: uuid.UUID, **_: Any) -> uuid.UUID:
        return id

    class Claimed(Aggregate.Created):
        name: str
        held_by: str  # the project's id (hex)
        recorded_by: str

    @classmethod
    def claim(cls, *, slot: uuid.UUID, name: str, project: uuid.UUID, recorded_by: str,
              timestamp: datetime) -> NameClaim:
        return cls(id=slot, timestamp=timestamp, name=name, held_by=project.hex,
                   recorded_by=recorded_by)
