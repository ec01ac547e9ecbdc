"""The zone's own rules, kept in the log as events so that every team member on a shared
store counts the same way, and a report printed on a past day is reproduced under the rules
in force then: its name, its sectors, the tiers of signed projects, which negotiating
projects are 在谈重点项目, the guards against slips, the stall thresholds, how counts and
growth are written, and the year's targets.

Each setting is stored in a canonical form (amounts as yuan strings, days as integers), so
the read models and every reader see one value however it was typed."""
from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from decimal import Decimal
from typing import Any

from crm.domain import errors
from crm.domain.values import DEFAULT_SECTORS, TEN_YI, YI, canonical, quarter_bounds

ZONE_ID = uuid.UUID("3d0b6a55-0c55-4c5e-8e61-6f2b1f0d7a11")
#: The topic of the zone's events (the read models tell them from projects' events by it).
ZONE_TOPIC = "crm.domain.zone:Zone"
FLAG = "重点"  # the one flag a project may carry: the zone's key projects

#: Every setting and its default, in canonical form.
DEFAULTS: dict[str, Any] = {
    "name": None,
    "sectors": list(DEFAULT_SECTORS),
    "tiers": [str(TEN_YI), str(YI)],
    "key-projects": f"planned>={YI}",
    "guard.min-amount": "1000000",
    "guard.max-ratio": "10",
    "guard.max-mu": "5000",
    "stall.negotiating": 60,
    "stall.framework": 90,
    "stall.signed": 90,
    "stall.unsigned": 180,  # a framework agreement with no signing after this many days
    "counts": "exact",
    "yoy-digits": 0,
}
STALL_STAGES = ("negotiating", "framework", "signed")
TARGETS = ("projects", "contracted", "capital")
_TARGET = re.compile(r"target\.(\d{4})\.(projects|contracted|capital)")
#: A reported period's close: closed.2021Q3 or closed.2021 (a whole year).
_CLOSED = re.compile(r"closed\.(\d{4})(?:Q([1-4]))?")


def known_key(key: str) -> bool:
    return key in DEFAULTS or bool(_TARGET.fullmatch(key)) or bool(_CLOSED.fullmatch(key))


def period_span(label: str) -> tuple[date, date]:
    """The first and last day of 2021Q3 or 2021."""
    match = _CLOSED.fullmatch(f"closed.{label}")
    assert match is not None, label
    year, quarter = int(match.group(1)), match.group(2)
    if quarter is None:
        return date(year, 1, 1), date(year, 12, 31)
    return quarter_bounds(year, int(quarter))


def check(key: str, value: Any) -> Any:
    """A setting's value in canonical form, or the rule it breaks."""
    if not known_key(key):
        raise errors.UnknownSetting(key=key, known=", ".join([*DEFAULTS, "target.YEAR.KIND"]))

    def bad(expected: str) -> errors.BadSetting:
        return errors.BadSetting(key=key, value=_shown(value), expected=expected)

    if key.startswith("closed."):  # {"closed": bool, "reason": why it was closed or reopened}
        if not isinstance(value, dict) or not isinstance(value.get("closed"), bool) \
                or not isinstance(value.get("reason"), str) or not value["reason"].strip():
            raise bad("a close or a reopening with its reason")
        return {"closed": value["closed"], "reason": value["reason"].strip()}

    if key == "name":
        if not isinstance(value, str) or not value.strip():
            raise bad("the zone's name")
        return value.strip()
    if key == "sectors":
        names = [str(v).strip() for v in value] if isinstance(value, (list, tuple)) else []
        if not names or any(not n for n in names) or len(set(names)) != len(names):
            raise bad("sector names, each once, comma-separated")
        return names
    if key == "tiers":
        tiers = [Decimal(v) for v in value] if isinstance(value, (list, tuple)) else []
        if len(tiers) != 2 or not tiers[0] > tiers[1] > 0:
            raise bad("two amounts, the larger first, e.g. 10亿,1亿")
        return [_plain(t) for t in tiers]
    if key == "key-projects":
        if value == "flag":
            return value
        if isinstance(value, Decimal) and value > 0:  # the AMOUNT of planned>=AMOUNT
            return f"planned>={_plain(value)}"
        raise bad("planned>=AMOUNT (e.g. planned>=1亿) or flag")
    if key in ("guard.min-amount", "guard.max-ratio", "guard.max-mu"):
        if not isinstance(value, Decimal) or value <= 0:
            raise bad("a positive number")
        return _plain(value)
    if key.startswith("stall.") or key == "yoy-digits":
        low, high = (0, 3) if key == "yoy-digits" else (1, 3650)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise bad("a whole number from 0 to 3" if key == "yoy-digits"
                      else "a whole number of days from 1 to 3650")
        return value
    if key == "counts":
        if value not in ("exact", "approx"):
            raise bad("exact or approx")
        return value
    kind = key.rsplit(".", 1)[1]  # a target
    if kind == "projects":
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise bad("a positive whole number of projects")
        return value
    if not isinstance(value, Decimal) or value <= 0:
        raise bad("a positive amount, e.g. 20亿")
    return _plain(value)


def _plain(amount: Decimal) -> str:
    return format(canonical(amount), "f")


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class ZoneSettings:
    """The settings in force: every key with its value (the default where none was set)."""

    values: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULTS))
    #: The keys recorded in the log (the others are defaults).
    recorded: frozenset[str] = frozenset()

    @classmethod
    def of(cls, recorded: Mapping[str, Any]) -> ZoneSettings:
        return cls({**DEFAULTS, **recorded}, frozenset(recorded))

    @property
    def name(self) -> str | None:
        return self.values["name"]

    @property
    def sectors(self) -> tuple[str, ...]:
        return tuple(self.values["sectors"])

    @property
    def tiers(self) -> tuple[Decimal, Decimal]:
        high, low = self.values["tiers"]
        return Decimal(high), Decimal(low)

    @property
    def key_rule(self) -> Decimal | None:
        """The planned investment from which a negotiating project is a key project; None
        when the zone flags its key projects by hand (`crm flag NAME 重点`)."""
        rule = self.values["key-projects"]
        return None if rule == "flag" else Decimal(rule.split(">=")[1])

    @property
    def guards(self) -> dict[str, Decimal]:
        return {k.split(".", 1)[1]: Decimal(self.values[k])
                for k in ("guard.min-amount", "guard.max-ratio", "guard.max-mu")}

    @property
    def stall_days(self) -> dict[str, int]:
        return {stage: int(self.values[f"stall.{stage}"]) for stage in STALL_STAGES}

    @property
    def unsigned_days(self) -> int:
        return int(self.values["stall.unsigned"])

    @property
    def approximate_counts(self) -> bool:
        return self.values["counts"] == "approx"

    @property
    def yoy_digits(self) -> int:
        return int(self.values["yoy-digits"])

    def targets(self, year: int) -> dict[str, Decimal | int]:
        """The year's targets, by kind (projects, contracted, capital), where set."""
        found: dict[str, Decimal | int] = {}
        for kind in TARGETS:
            value = self.values.get(f"target.{year}.{kind}")
            if value is not None:
                found[kind] = value if kind == "projects" else Decimal(value)
        return found

    def closed_periods(self) -> list[tuple[str, date, date, str]]:
        """The periods closed now: (label, first day, last day, reason)."""
        return list(self._closed)

    @cached_property
    def _closed(self) -> tuple[tuple[str, date, date, str], ...]:
        # asked of every fact a write or an import records: worked out once per settings
        found = []
        for key, value in self.values.items():
            if key.startswith("closed.") and isinstance(value, dict) and value.get("closed"):
                label = key.split(".", 1)[1]
                found.append((label, *period_span(label), value["reason"]))
        return tuple(sorted(found, key=lambda c: c[1]))

    def closed_on(self, day: date) -> tuple[str, date, date, str] | None:
        """The closed period that holds this business day, if any."""
        return next((c for c in self._closed if c[1] <= day <= c[2]), None)

    def target_years(self) -> list[int]:
        return sorted({int(m.group(1)) for k in self.values if (m := _TARGET.fullmatch(k))})


def check_stored(key: str, value: Any) -> Any:
    """A setting as the log stores it (canonical), checked as if typed anew: the value an
    exported log says was recorded, refused unless the zone would have recorded exactly it."""
    typed: Any = value
    if key == "tiers" and isinstance(value, list):
        typed = [Decimal(str(v)) for v in value]
    elif key == "key-projects" and isinstance(value, str) and value.startswith("planned>="):
        typed = Decimal(value.split(">=", 1)[1])
    elif isinstance(value, str) and (key.startswith("guard.") or key.endswith(
            (".contracted", ".capital"))):
        typed = Decimal(value)
    canonical_value = check(key, typed)
    if canonical_value != value:
        raise errors.BadSetting(key=key, value=_shown(value), expected=_shown(canonical_value))
    return value
