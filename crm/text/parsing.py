"""What a person types -> domain values: amounts, areas, dates, kinds, sectors, names.

Each parser accepts the forms a zone's staff write (3.5亿, 35000万元, 2021年8月3日, 外出招商)
and refuses anything else with `InvalidValue` naming the option (or column) and the value.
Plain functions, no pydantic: spreadsheets use them row by row (`crm.text.ledgers`), and the
command line bundles them into models per command (`crm.text.inputs`)."""
from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal, localcontext
from typing import Any

from crm.domain.values import (
    AREA_QUANTUM,
    DEFAULT_SECTORS,
    FEN,
    STAGES,
    VISIT_KINDS,
    WAN,
    YI,
    canonical,
)
from crm.text.errors import InvalidValue

AMOUNT_EXPECTED = "an amount in yuan such as 350000000, 3.5亿, 3.5亿元, 35000万 or 35000万元"
AREA_EXPECTED = "an area in 亩 such as 120.5"
DATE_EXPECTED = "a date such as 2021-08-03, 2021/8/3 or 2021年8月3日"

_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_AMOUNT = re.compile(rf"({_NUMBER})(亿元|亿|万元|万|元)?")
_AREA = re.compile(rf"({_NUMBER})(亩)?")
_DATES = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
)
_QUARTER = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)
#: The largest single amount accepted: 10,000亿元 (a trillion yuan), more than any zone
#: signs; sums of any number of them stay exact (see `projections.exact`).
MAX_AMOUNT = Decimal(10) ** 12
MAX_AREA = Decimal(10) ** 9
_UNITS = {None: Decimal(1), "元": Decimal(1), "万": WAN, "万元": WAN, "亿": YI, "亿元": YI}

VISIT_KIND_ALIASES = {
    **{kind: kind for kind in VISIT_KINDS},
    "外出招商": "outbound", "外出": "outbound", "出访": "outbound",
    "接待客商": "reception", "接待": "reception", "来访": "reception",
    "山海协作": "pairing", "结对": "pairing", "结对活动": "pairing",
    "山海协作结对活动": "pairing", "对接": "pairing",
    "服务": "aftercare", "回访": "aftercare", "跟踪服务": "aftercare", "签约后服务": "aftercare",
    "走访服务": "aftercare", "走访服务签约项目": "aftercare", "签约项目服务": "aftercare",
    "线上": "online", "在线": "online", "视频": "online", "网上": "online",
    "线上洽谈": "online", "视频洽谈": "online",
    # every label the tool prints for a kind, in English (spaces are not compared)
    "outboundtrip": "outbound", "investorreception": "reception",
    "pairingactivity": "pairing", "aftercarevisit": "aftercare", "onlinemeeting": "online",
}

SECTOR_ALIASES = {
    "new-materials": "新材料", "new materials": "新材料", "materials": "新材料",
    "new-energy": "新能源", "new energy": "新能源", "energy": "新能源",
    "big-health": "大健康", "big health": "大健康", "health": "大健康",
    "digital-economy": "数字经济", "digital economy": "数字经济", "digital": "数字经济",
    "other": "其他", "others": "其他", "其它": "其他",
}


_PLAIN = re.compile(r"\d{1,15}(?:\.\d{1,4})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# -- what no text field may hold ---------------------------------------------------------
# Each kind of character a text field refuses, and what the one-line error tells the person
# to remove (the value itself is shown as Python writes it, each such character escaped).
CONTROL_EXPECTED = ("text without control characters (tabs, carriage returns, escape "
                    "sequences, bells): remove them")
LINE_BREAK_EXPECTED = "text on one line: remove the line break"
SEPARATOR_EXPECTED = ("line breaks as plain new lines: remove the Unicode line or paragraph "
                      "separator (U+2028, U+2029)")
INVISIBLE_EXPECTED = ("text without invisible characters (zero-width spaces, joiners and "
                      "non-joiners, byte order marks, soft hyphens, direction marks and "
                      "overrides): remove them")
COMBINING_EXPECTED = ("text with no combining mark (an accent on nothing) at its start or "
                      "after a space: remove the mark")
SURROGATE_EXPECTED = "text in UTF-8: remove the bytes that are not"

#: The fields whose text may keep line breaks: notes and reasons, as the command line names
#: them (--note, --reason), as a log file does (note, reason, drop_reason) and as a ledger's
#: headers do (备注, 项目进展情况, 终止原因, 活动内容, 事由 …): a name with one of these words
#: in it (plain words, not a pattern: compiling one cost every command at start-up).
_MULTILINE = ("note", "reason", "remark", "备注", "说明", "进展", "情况", "内容", "事由", "原因")


def multiline(option: str) -> bool:
    """Whether the field `option` names may hold several lines (a note or a reason)."""
    name = unicodedata.normalize("NFKC", str(option)).casefold()
    return any(word in name for word in _MULTILINE)


def text_problem(value: str, lines: bool = False) -> str | None:
    """What `value` holds that no text field may — as the `expected` of the error that
    refuses it — or None: a control character (Unicode category Cc; a line break only where
    `lines` allows it), a line or paragraph separator, an invisible format character (Cf:
    zero-width space, joiner and non-joiner, BOM, word joiner, soft hyphen, bidi marks,
    embeddings, overrides and isolates), half of a surrogate pair (bytes that were not
    UTF-8), or a combining mark (Mn, Me) that starts the text or follows a space."""
    if value.isascii():
        if value.isprintable():  # the common case, quickly
            return None
        for c in value:
            if c == "\n":
                if not lines:
                    return LINE_BREAK_EXPECTED
            elif not c.isprintable():
                return CONTROL_EXPECTED
        return None
    previous = " "  # a mark at the very start has nothing to sit on either
    for c in value:
        kind = unicodedata.category(c)
        if kind[0] in "CZ" and kind not in ("Zs", "Co", "Cn"):
            if kind == "Cc":
                if c != "\n":
                    return CONTROL_EXPECTED
                if not lines:
                    return LINE_BREAK_EXPECTED
            elif kind == "Cf":
                return INVISIBLE_EXPECTED
            elif kind == "Cs":
                return SURROGATE_EXPECTED
            else:  # Zl, Zp
                return SEPARATOR_EXPECTED if lines else LINE_BREAK_EXPECTED
        elif kind in ("Mn", "Me") and previous.isspace():
            return COMBINING_EXPECTED
        previous = c
    return None


def check_text(value: str, option: str, lines: bool = False) -> str:
    """`value` itself, or `InvalidValue` naming the option and what to remove."""
    problem = text_problem(value, lines)
    if problem is not None:
        raise InvalidValue(option=option, value=value, expected=problem)
    return value


def _clean(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")


def _parse_quantity(text: Any, option: str, pattern: re.Pattern[str], units: dict[Any, Decimal],
                    expected: str, limit: tuple[Decimal, str],
                    quantum: tuple[Decimal, str]) -> Decimal:
    """A number with an optional unit, exact, within `limit`, to no finer than `quantum`."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, str) and _PLAIN.fullmatch(text):  # the common case, quickly
        value = Decimal(text)
        if value <= limit[0] and value == value.quantize(quantum[0], rounding="ROUND_DOWN"):
            return canonical(value)
    cleaned = _clean(text)
    match = pattern.fullmatch(cleaned) if len(cleaned) <= 40 else None
    if match is None:
        raise InvalidValue(option=option, value=str(text), expected=expected)
    with localcontext(prec=100):
        value = Decimal(match.group(1).replace(",", "")) * units[match.group(2)]
    if abs(value) > limit[0]:
        raise InvalidValue(option=option, value=str(text), expected=f"{expected} ({limit[1]})")
    if value != value.quantize(quantum[0], rounding="ROUND_DOWN"):
        raise InvalidValue(option=option, value=str(text), expected=f"{expected} ({quantum[1]})")
    return canonical(value)


def parse_amount(text: Any, option: str = "--amount") -> Decimal:
    """Exact yuan from `350000000`, `3.5亿`, `3.5亿元`, `35000万`, `35000万元`."""
    return _parse_quantity(text, option, _AMOUNT, _UNITS, AMOUNT_EXPECTED,
                           (MAX_AMOUNT, "at most 10,000亿"), (FEN, "to the fen, 0.01 yuan"))


def parse_area(text: Any, option: str = "--mu") -> Decimal:
    """Exact 亩 from `120.5` or `120.5亩`, to a ten-thousandth of a 亩."""
    return _parse_quantity(text, option, _AREA, {None: Decimal(1), "亩": Decimal(1)},
                           AREA_EXPECTED, (MAX_AREA, "at most 1,000,000,000 亩"),
                           (AREA_QUANTUM, "at most 4 decimal places"))


def parse_date(text: Any, option: str = "--date") -> date:
    """A calendar date from `2021-08-03`, `2021/8/3` or `2021年8月3日`."""
    if isinstance(text, date):
        return text
    if isinstance(text, str) and _ISO_DATE.fullmatch(text):  # the common case, quickly
        with contextlib.suppress(ValueError):
            return date.fromisoformat(text)
    cleaned = _clean(text)
    for pattern in _DATES:
        match = pattern.fullmatch(cleaned)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                raise InvalidValue(option=option, value=str(text),
                                   expected=DATE_EXPECTED + " that exists on the calendar") from None
    raise InvalidValue(option=option, value=str(text), expected=DATE_EXPECTED)


#: Compiled when first used (by `re`'s own cache): its Chinese characters make it slow to
#: compile, and most commands parse no quarter.
_QUARTER_ZH = r"(\d{4})年?(?:第)?([一二三四1-4])季度?"
_QUARTER_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4}


QUARTER_RANGE_EXPECTED = "a quarter from 1900Q1 to 2999Q4, such as 2021Q3 or 2021年第三季度"


def parse_quarter(text: Any, option: str = "QUARTER") -> tuple[int, int]:
    """A quarter as the tool prints it, in either language: 2021Q3, 2021-Q3, 2021年第三季度,
    2021年三季度, 2021年3季度."""
    cleaned = _clean(text)
    expected = "a quarter such as 2021Q3 or 2021年第三季度"
    match = _QUARTER.fullmatch(cleaned.replace("-", "").replace("年", "").upper())
    if match is not None:
        year, quarter = int(match.group(1)), int(match.group(2))
    else:
        match = re.fullmatch(_QUARTER_ZH, cleaned)
        if match is None or not ("季" in cleaned or "第" in cleaned):
            raise InvalidValue(option=option, value=str(text), expected=expected)
        number = match.group(2)
        year, quarter = int(match.group(1)), _QUARTER_NUMBERS.get(number) or int(number)
    if not 1900 <= year <= 2999:  # as years are (parse_year): a report compares a year before
        raise InvalidValue(option=option, value=str(text), expected=QUARTER_RANGE_EXPECTED)
    return year, quarter


def parse_visit_kind(text: Any, option: str = "--kind") -> str:
    key = _clean(text).lower()
    kind = VISIT_KIND_ALIASES.get(key)
    if kind is None:
        raise InvalidValue(option=option, value=str(text),
                           expected="one of " + ", ".join(VISIT_KINDS)
                           + " (外出招商, 接待客商, 山海协作结对活动, 走访服务, 线上洽谈)")
    return kind


#: Every label the tool prints for a stage or a group of stages, and the common words.
STAGE_ALIASES = {
    "线索": ("lead",), "在谈": ("negotiating", "framework"), "在谈项目": ("negotiating", "framework"),
    "洽谈": ("negotiating",), "洽谈中": ("negotiating",),
    "框架协议": ("framework",), "已签框架协议": ("framework",),
    "签约": ("signed", "land", "started", "capital", "producing"),
    "签约项目": ("signed", "land", "started", "capital", "producing"),
    "已签约": ("signed",), "供地": ("land",), "已供地": ("land",), "资金到位": ("capital",),
    "终止": ("dropped",), "已终止": ("dropped",),
    "开工": ("started",), "已开工": ("started",), "投产": ("producing",), "已投产": ("producing",),
}


def parse_stage(text: Any, option: str = "--stage") -> tuple[str, ...]:
    """One stage, or a group: 在谈 is negotiating and framework, 签约 is signed and beyond."""
    key = _clean(text).lower()
    if key in STAGES:
        return (key,)
    if key in STAGE_ALIASES:
        return STAGE_ALIASES[key]
    raise InvalidValue(option=option, value=str(text),
                       expected="one of " + ", ".join(STAGES) + " (or 在谈, 签约)")


def parse_position(text: Any, option: str = "EVENT") -> int:
    """An event's number in a project's history (1 is the first contact)."""
    cleaned = _clean(text).lstrip("#")
    if not cleaned.isdigit() or int(cleaned) < 1:
        raise InvalidValue(option=option, value=str(text),
                           expected="an event number from `crm history NAME`, such as 3")
    return int(cleaned)


#: The sectors of the zone the command works on (its setting, read from the log by the
#: command line before it reads any input naming a sector).
ZONE_SECTORS: ContextVar[tuple[str, ...] | None] = ContextVar("zone_sectors", default=None)


def seed_sectors() -> tuple[str, ...]:
    """A team member's `CRM_SECTORS` (comma-separated): only the seed of a store's list."""
    configured = os.environ.get("CRM_SECTORS", "")
    return tuple(s.strip() for s in re.split(r"[,，、]", configured) if s.strip())


def sectors() -> tuple[str, ...]:
    """The zone's sectors: its setting, else the default "3+1" and 其他."""
    return ZONE_SECTORS.get() or seed_sectors() or DEFAULT_SECTORS


def parse_sector(text: Any, option: str = "--sector") -> str:
    known = sectors()
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    by_key = {unicodedata.normalize("NFKC", s).casefold(): s for s in known}
    sector = by_key.get(raw.casefold()) or SECTOR_ALIASES.get(raw.casefold())
    if sector is None or sector not in known:
        raise InvalidValue(option=option, value=str(text), expected="one of " + ", ".join(known))
    return sector


def parse_name(text: Any, option: str = "NAME") -> str:
    """A project name: NFC, on one line, free of control, invisible and stray combining
    characters (see `text_problem`), 1 to 100 characters."""
    name = unicodedata.normalize("NFC", str(text)).strip()
    if not name or len(name) > 100:
        raise InvalidValue(option=option, value=str(text),
                           expected="a project name of 1 to 100 printable characters")
    problem = text_problem(name)
    if problem is not None:
        raise InvalidValue(option=option, value=str(text), expected=problem)
    return name


def parse_text(text: Any, option: str, lines: bool | None = None) -> str | None:
    """Free text (an investor, a note, a reason, an owner …) without the whitespace around
    it, or None when nothing is left. Refused, naming `option` and what to remove: what
    `text_problem` finds, a line break included unless the field is a note or a reason
    (`lines`; by default, what `multiline` says of `option`)."""
    if text is None:
        return None
    value = str(text).strip()
    check_text(value, option, multiline(option) if lines is None else lines)
    return value or None


def parse_year(value: Any, option: str = "--year") -> int:
    """A year: 2021, or 2021年."""
    text = _clean(value).removesuffix("年") if not isinstance(value, int) else str(value)
    if not text.isdigit() or not 1900 <= int(text) <= 2999:
        raise InvalidValue(option=option, value=str(value), expected="a year such as 2021")
    return int(text)


@dataclass(frozen=True)
class RecordCutoff:
    """`--known-on`: the end of a local day, or a full timestamp."""

    label: str  # as a report states it
    moment: datetime  # aware, UTC


def parse_known_on(text: str, option: str = "--known-on") -> RecordCutoff:
    """A record-time cut-off: a date (the end of that local day) or a timestamp."""
    cleaned = text.strip()
    if len(cleaned) > 10 and cleaned[:4].isdigit():
        try:
            moment = datetime.fromisoformat(cleaned.replace(" ", "T", 1))
        except ValueError:
            raise InvalidValue(option=option, value=text,
                               expected="a date such as 2021-07-05, or a timestamp such as "
                                        "2021-07-05T17:30:00+08:00") from None
        if moment.tzinfo is None:
            moment = _local(moment)  # a bare timestamp is local time
        return RecordCutoff(moment.isoformat(), _utc(moment))
    day = parse_date(text, option)
    end_of_day = _local(datetime.combine(day, time.max))
    return RecordCutoff(day.isoformat(), _utc(end_of_day))


def _local(moment: datetime) -> datetime:
    """A bare moment as local time; at the calendar's very ends (0001-01-01, 9999-12-31),
    where the local offset cannot be looked up, as UTC: a cut-off before every record or
    after all of them all the same."""
    try:
        return moment.astimezone()
    except (ValueError, OverflowError):
        return moment.replace(tzinfo=timezone.utc)


def _utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return moment.replace(tzinfo=timezone.utc)


def parse_head(text: str, option: str = "--extends") -> tuple[int, bytes]:
    """A published log head, `POSITION:HASH` as `crm verify --head` prints it."""
    position, _, digest = text.strip().partition(":")
    try:
        value = bytes.fromhex(digest)
        if len(value) == 32 and 0 < int(position) < 2 ** 63:  # a position a store can hold
            return int(position), value
    except ValueError:
        pass
    raise InvalidValue(option=option, value=text,
                       expected="a head POSITION:HASH as `crm verify --head` prints it")


def parse_setting(key: str, text: str) -> Any:
    """`crm zone set KEY VALUE`'s value, typed for the zone's check (which gives it its
    canonical form): amounts as yuan, day counts as integers, lists split on commas."""
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    option = f"zone {key}"
    check_text(raw, option)  # a sector's or the zone's name is shown in every table
    parts = [p.strip() for p in re.split(r"[,，、]", raw) if p.strip()]
    if key == "sectors":
        return parts
    if key == "tiers":
        return [parse_amount(p, option) for p in parts]
    if key == "key-projects":
        if raw.casefold() in ("flag", "重点", "标记"):
            return "flag"
        match = re.fullmatch(r"planned\s*>=\s*(.+)", raw, re.IGNORECASE) or \
            re.fullmatch(r"计划投资\s*>=\s*(.+)", raw)
        if match is None:
            raise InvalidValue(option=option, value=raw,
                               expected="planned>=AMOUNT (e.g. planned>=1亿) or flag")
        return parse_amount(match.group(1), option)
    if key in ("guard.min-amount",) or key.endswith((".contracted", ".capital")):
        return parse_amount(raw, option)
    if key in ("guard.max-ratio", "guard.max-mu"):
        try:
            return Decimal(raw.removesuffix("亩").removesuffix("倍"))
        except ArithmeticError:
            raise InvalidValue(option=option, value=raw, expected="a number") from None
    if key.startswith("stall.") or key == "yoy-digits" or key.endswith(".projects"):
        digits = raw.removesuffix("天").removesuffix("个").removesuffix("days")
        if not digits.strip().isdigit():
            raise InvalidValue(option=option, value=raw, expected="a whole number")
        return int(digits)
    if key == "counts":
        return {"精确": "exact", "约数": "approx", "余": "approx"}.get(raw, raw.casefold())
    return raw


def parse_years(text: Any, option: str = "YEARS") -> tuple[int, int]:
    """A span of whole years: 2017-2021, 2017—2021, 2017年-2021年, 2017至2021."""
    parts = [p for p in re.split(r"[-–—~至到]+", _clean(text).replace("年", "")) if p]
    if len(parts) != 2 or not all(p.isdigit() for p in parts) \
            or not 1900 <= int(parts[0]) <= int(parts[1]) <= 2999:
        raise InvalidValue(option=option, value=str(text), expected="years such as 2017-2021")
    return int(parts[0]), int(parts[1])


def parse_period(text: Any, option: str = "QUARTER") -> str:
    """A quarter (any form parse_quarter reads) or a whole year, as its label: 2021Q3, 2021."""
    cleaned = _clean(text).removesuffix("年")
    if cleaned.isdigit():
        return str(parse_year(cleaned, option))
    year, quarter = parse_quarter(text, option)
    return f"{year}Q{quarter}"
