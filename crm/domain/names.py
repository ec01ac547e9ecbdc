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

import difflib
import re
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from crm.domain.values import _NAMESPACE, name_key


def slot_id(name: str, slot: int) -> uuid.UUID:
    key = name_key(name)
    return uuid.uuid5(_NAMESPACE, key if slot == 1 else f"{key}\x00{slot}")


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


#: Words a name may end with that do not tell two projects apart (phases do: 一期, 二期).
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "项目")
_NOT_WORD = re.compile(r"[\W_]+")


def squeezed(name: str) -> str:
    """A name without spaces, punctuation or a common suffix (合成 新材料项目 → 合成新材料):
    two names that squeeze alike are one project typed twice, more likely than two."""
    text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", name).casefold())
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[:-len(suffix)], True
    return text


def near(name: str, names: Iterable[str], n: int = 3) -> list[str]:
    """The names nearest to `name`, nearest first: the same once squeezed, containing it or
    contained in it, then by spelling."""
    wanted = squeezed(name)
    pool = list(dict.fromkeys(names))
    same = [x for x in pool if squeezed(x) == wanted]
    parts = [x for x in pool if x not in same and wanted and (wanted in squeezed(x)
                                                              or squeezed(x) in wanted)]
    close = difflib.get_close_matches(wanted, {squeezed(x): x for x in pool}, n=n, cutoff=0.5)
    by_squeeze = {squeezed(x): x for x in pool}
    spelled = [by_squeeze[c] for c in close if by_squeeze[c] not in same + parts]
    return (same + parts + spelled)[:n]
