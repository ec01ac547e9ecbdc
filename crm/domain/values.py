"""Value types of the domain: stages, visit kinds, sectors, names, exact money and areas."""
from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date
from decimal import Decimal

LEAD = "lead"
NEGOTIATING = "negotiating"
FRAMEWORK = "framework"
SIGNED = "signed"
LAND = "land"
STARTED = "started"  # 开工: construction started
CAPITAL = "capital"
PRODUCING = "producing"  # 投产: production started
DROPPED = "dropped"

#: Stages a project moves through, in the only order it may move.
FORWARD_STAGES = (LEAD, NEGOTIATING, FRAMEWORK, SIGNED, LAND, STARTED, CAPITAL, PRODUCING)
STAGES = FORWARD_STAGES + (DROPPED,)
STAGE_RANK = {stage: rank for rank, stage in enumerate(FORWARD_STAGES)}
#: 在谈 (under negotiation) and 签约 (signed and beyond), the two headline groups.
NEGOTIATING_STAGES = (NEGOTIATING, FRAMEWORK)
SIGNED_STAGES = (SIGNED, LAND, STARTED, CAPITAL, PRODUCING)

VISIT_KINDS = ("outbound", "reception", "pairing", "aftercare", "online")

#: The zone's "3+1" leading industries, and a catch-all.
DEFAULT_SECTORS = ("新材料", "新能源", "大健康", "数字经济", "其他")

YI = Decimal(100_000_000)  # 亿
WAN = Decimal(10_000)  # 万
FEN = Decimal("0.01")
#: Areas are kept to a ten-thousandth of a 亩 (about 0.07 m²).
AREA_QUANTUM = Decimal("0.0001")
TEN_YI = 10 * YI

_NAMESPACE = uuid.UUID("6f1c2f0e-2b9a-4b7e-9d38-3f0c1a7e5d21")
_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """The form under which names are unique: without invisible format characters (Unicode
    category Cf: zero-width spaces and joiners, BOMs, soft hyphens, direction marks), NFKC,
    case-folded, spaces collapsed — so 华锂\u200b新材 is 华锂新材."""
    if not name.isprintable():  # (a format character is never printable: the rest is quick)
        name = "".join(c for c in name if unicodedata.category(c) != "Cf")
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _SPACES.sub(" ", folded).strip()


def project_id(name: str) -> uuid.UUID:
    """A project's identity is derived from its name key, so the store's primary key
    on (aggregate id, version 1) is what makes names unique, atomically, across processes."""
    return uuid.uuid5(_NAMESPACE, name_key(name))


def canonical(amount: Decimal) -> Decimal:
    """The same number without exponent or trailing zeros (3.5E+8 -> 350000000)."""
    if amount == amount.to_integral_value():
        return Decimal(int(amount))
    text = format(amount, "f").rstrip("0").rstrip(".")
    return Decimal(text)


def investment_of(planned: Decimal | None, framework: Decimal | None,
                  contracted: Decimal | None) -> Decimal:
    """The amount a project stands for in the pipeline: contracted once signed,
    else the framework amount once agreed, else the planned amount."""
    for amount in (contracted, framework, planned):
        if amount is not None:
            return amount
    return Decimal(0)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end_month = 3 * quarter
    end = date(year + (end_month == 12), end_month % 12 + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)
