"""The paragraph of the zone's work report, written from the report's figures the way the
office writes it (the seed report's 招商引智 paragraph): the year to date first (今年以来…),
then the period in a sentence of its own; in Chinese or English.

Its clauses, in the seed's order: the activities (开展山海协作结对活动…，外出招商…，接待客商…);
the signings, with the zone's tiers listing each project with its amount, largest first, and
the relocations (搬迁：…) inside the lower tier's list; the contracted total and its growth
(同比增长约…%); the land transferred; the framework agreements; and 另有在谈重点项目 by the
zone's rule. The zone's settings say how counts are written (`counts approx`: 23 → 20余次)
and how many digits the growth keeps. Only the paragraphs are printed, ready to paste."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from crm.domain.values import WAN, YI, canonical
from crm.text.tables import money_yi


def amount_words(amount: Decimal | None, lang: str) -> str:
    """An amount as the report writes one: 12亿元, 1.5亿元, 9999万元 (exact, no padding)."""
    if amount is None:
        return "金额未定" if lang == "zh" else "amount not yet known"
    if amount >= YI:
        text = f"{format(canonical(amount / YI), 'f')}亿元"
    else:
        text = f"{format(canonical(amount / WAN), 'f')}万元"
    return text if lang == "zh" else text.replace("亿元", "亿 yuan").replace("万元", "万 yuan")


def tier_words(tier: Decimal, lang: str) -> str:
    """A tier's threshold as the report names it: 10亿元以上, 亿元以上 (1亿), 5000万元以上."""
    if lang != "zh":
        return f"{amount_words(tier, 'en')} or more"
    if tier == YI:
        return "亿元以上"
    return amount_words(tier, "zh") + "以上"


def _named(details: Sequence[dict[str, Any]], lang: str) -> list[str]:
    """Each project by its short name when it has one, with its amount."""
    if lang == "zh":
        return [f"{d['short'] or d['project']}（{amount_words(d['amount'], lang)}）"
                for d in details]
    return [f"{d['short'] or d['project']} ({amount_words(d['amount'], lang)})" for d in details]


def count_words(n: int, approximate: bool) -> str:
    """A count as the report writes it: exactly, or (`counts approx`) 23 as 20余."""
    if not approximate or n < 10:
        return str(n)
    step = 10 ** (len(str(n)) - 1) if n >= 100 else 10
    floor = n // step * step
    return str(n) if floor == n else f"{floor}余"


def growth_words(fraction: Decimal | None, digits: int, lang: str) -> str:
    """Year-on-year growth in words (同比增长约96%): never "null%"."""
    if fraction is None:
        return "上年同期无签约" if lang == "zh" else \
            "with no signings in the same period last year to compare"
    quantum = Decimal(1).scaleb(-digits)
    pct = (abs(fraction) * 100).quantize(quantum, rounding=ROUND_HALF_EVEN)
    if pct == 0:
        return "与上年同期持平" if lang == "zh" else "level with last year"
    exact = abs(fraction) * 100 == pct
    if lang == "zh":
        return f"同比{'增长' if fraction > 0 else '下降'}{'' if exact else '约'}{pct}%"
    return f"{'up' if fraction > 0 else 'down'} {'' if exact else 'about '}{pct}% year on year"


def _zh_block(b: dict[str, Any], data: dict[str, Any], key: dict[str, Any] | None,
              growth: Decimal | None) -> str:
    approx = data.get("counts") == "approx"
    a = b["activities"]

    def times(n: int) -> str:
        return f"{count_words(n, approx)}次"

    parts = [f"{verb}{noun}{times(a[kind])}" for kind, verb, noun in (
        ("pairing", "开展", "山海协作结对活动"), ("outbound", "", "外出招商"),
        ("reception", "", "接待客商"), ("online", "", "线上洽谈"),
        ("aftercare", "", "走访服务签约项目")) if a[kind]]
    sentences = [("，".join(parts) if parts else "未开展招商活动") + "。"]
    s = b["signed"]
    high, low = (Decimal(t) for t in data.get("tiers") or (10 * YI, YI))
    details = s.get("details", [])
    if s["count"]:
        signed = f"共签约项目{s['count']}个"
        top = [d for d in details if d["amount"] is not None and d["amount"] >= high]
        big = [d for d in details if d["amount"] is not None and d["amount"] >= low]
        if top:
            signed += f"，其中{tier_words(high, 'zh')}项目{len(top)}个（{'、'.join(_named(top, 'zh'))}）"
        if big:
            plain = [d for d in big if not d["relocation"]]
            moved = [d for d in big if d["relocation"]]
            listing = "、".join(_named(plain, "zh"))
            if moved:
                listing += ("，" if listing else "") + "搬迁：" + "、".join(_named(moved, "zh"))
            signed += (f"，{'' if top else '其中'}{tier_words(low, 'zh')}项目{len(big)}个"
                       f"（{listing}）")
        small_moves = [d for d in details if d["relocation"] and d not in big]
        if small_moves:
            signed += f"，另有搬迁项目{len(small_moves)}个（{'、'.join(_named(small_moves, 'zh'))}）"
        signed += f"，协议总投资额达{money_yi(s['contracted_investment'])}亿元"
        if growth is not False:
            signed += "，" + growth_words(growth, int(data.get("yoy_digits") or 0), "zh")
        sentences.append(signed)
    else:
        sentences.append("暂无新签约项目")
    if b["land"]["parcels"]:
        sentences[-1] += f"，已出让土地约{format(canonical(b['land']['mu']), 'f')}亩"
    sentences[-1] += "。"
    f = b["framework_agreements"]
    tail = ""
    if f["count"]:
        tail = f"签订框架协议{f['count']}个（{'、'.join(_named(f.get('details', []), 'zh'))}）"
    if key is not None and key["count"]:
        tail += ("，另有" if tail else "另有") + (f"在谈重点项目{key['count']}个，预计总投资额"
                                                  f"{money_yi(key['investment'])}亿元")
    if tail:
        sentences.append(tail + "。")
    if b["capital_arrived"]:
        sentences.append(f"项目到位资金{money_yi(b['capital_arrived'])}亿元。")
    started, producing = (b.get(k, {}).get("count", 0) for k in ("started", "producing"))
    if started or producing:
        sentences.append(f"新开工项目{started}个，新投产项目{producing}个。")
    return "".join(sentences)


_TARGET_ZH = {"projects": ("新引项目", "个"), "contracted": ("协议投资额", "亿元"),
              "capital": ("实际到位资金", "亿元")}


def _zh_targets(data: dict[str, Any]) -> str:
    """The year's targets as the work report states them: 新引项目N个，占年度任务的X%."""
    parts = []
    for kind, target in data.get("targets", {}).items():
        what, unit = _TARGET_ZH[kind]
        actual = target["actual"] if kind == "projects" else money_yi(target["actual"])
        pct = (Decimal(target["rate"]) * 100).quantize(Decimal(1))
        part = f"{what}{actual}{unit}，占年度任务的{pct}%"
        unfinished = str(data.get("figures_to")) < f"{data['ytd']['end'].year}-12-31" \
            if data.get("figures_to") else False
        if Decimal(target["rate"]) >= 1:
            part += "，提前超额完成" if unfinished else "，超额完成"
        parts.append(part)
    return ("；".join(parts) + "。") if parts else ""


def _en_count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _en_times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _en_block(b: dict[str, Any], data: dict[str, Any], key: dict[str, Any] | None,
              growth: Decimal | None) -> str:
    a = b["activities"]
    parts = []
    if a["pairing"]:
        parts.append(f"held {_en_count(a['pairing'], 'pairing activity', 'pairing activities')}"
                     f" (山海协作)")
    if a["outbound"]:
        parts.append(f"made {_en_count(a['outbound'], 'outbound investment trip')}")
    if a["reception"]:
        parts.append(f"received investors {_en_times(a['reception'])}")
    if a["online"]:
        parts.append(f"met investors online {_en_times(a['online'])}")
    if a["aftercare"]:
        parts.append(f"paid {_en_count(a['aftercare'], 'aftercare visit')} to signed projects")
    if not parts:
        sentences = ["we held no investment-promotion activities."]
    elif len(parts) == 1:
        sentences = [f"we {parts[0]}."]
    else:
        sentences = ["we " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."]
    s = b["signed"]
    high, low = (Decimal(t) for t in data.get("tiers") or (10 * YI, YI))
    details = s.get("details", [])
    if s["count"]:
        signed = f"{_en_count(s['count'], 'project was', 'projects were')} signed"
        top = [d for d in details if d["amount"] is not None and d["amount"] >= high]
        big = [d for d in details if d["amount"] is not None and d["amount"] >= low]
        tiers = []
        if top:
            tiers.append(f"{len(top)} of {tier_words(high, 'en')} ({', '.join(_named(top, 'en'))})")
        if big:
            tiers.append(f"{len(big)} of {tier_words(low, 'en')} ({', '.join(_named(big, 'en'))})")
        if tiers:
            signed += ", " + " and ".join(tiers)
        moved = [d for d in details if d["relocation"]]
        if moved:
            signed += (f"; {_en_count(len(moved), 'relocation')} of local companies "
                       f"({', '.join(_named(moved, 'en'))})")
        signed += (f"; total contracted investment reached "
                   f"{money_yi(s['contracted_investment'])}亿 yuan")
        if growth is not False:
            signed += ", " + growth_words(growth, int(data.get("yoy_digits") or 0), "en")
        sentences.append(signed[0].upper() + signed[1:])
    else:
        sentences.append("No project was signed")
    if b["land"]["parcels"]:
        sentences[-1] += (f", and {format(canonical(b['land']['mu']), 'f')} mu of land "
                          f"({_en_count(b['land']['parcels'], 'parcel')}) was transferred")
    sentences[-1] += "."
    f = b["framework_agreements"]
    if f["count"]:
        sentences.append(f"{_en_count(f['count'], 'framework agreement was', 'framework agreements were')} "
                         f"signed ({', '.join(_named(f.get('details', []), 'en'))}).")
    if key is not None and key["count"]:
        sentences.append(f"A further {_en_count(key['count'], 'key project is', 'key projects are')} "
                         f"under negotiation, with expected investment of "
                         f"{money_yi(key['investment'])}亿 yuan.")
    if b["capital_arrived"]:
        sentences.append(f"Capital in place: {money_yi(b['capital_arrived'])}亿 yuan.")
    started, producing = (b.get(k, {}).get("count", 0) for k in ("started", "producing"))
    if started or producing:
        sentences.append(f"{_en_count(started, 'project')} started construction and "
                         f"{_en_count(producing, 'project')} started production.")
    for kind, target in data.get("targets", {}).items() if growth is not False else ():
        pct = (Decimal(target["rate"]) * 100).quantize(Decimal(1))
        sentences.append(f"Target for {kind}: {pct}% done.")
    return " ".join(sentences)


_QUARTERS_ZH = "一二三四"


def narrative(data: dict[str, Any], lang: str) -> str:
    """The work report's paragraphs, ready to paste: year to date first (今年以来…, or the
    whole year), then the quarter alone."""
    ytd, period = data["year_to_date"], data["quarter"]
    key = data.get("key_projects")
    growth = data["yoy"]["contracted_investment"]
    label = data["period"]["label"]
    if "-" in label:  # whole years summed: 五年来，累计…
        first, last = (int(y) for y in label.split("-"))
        years = last - first + 1
        if lang == "zh":
            spoken = "一二三四五六七八九十"[years - 1] if years <= 10 else str(years)
            return f"{spoken}年来，累计{_zh_block(ytd, data, None, growth)}"
        return f"Over {years} years ({label}), {_en_block(ytd, data, None, growth)}"
    whole_year = "Q" not in label
    to = data.get("figures_to")
    unfinished = to is not None and str(to) < str(data["period"]["end"])
    if lang == "zh":
        first = _zh_block(ytd, data, key, growth)
        first += _zh_targets(data)
        if unfinished:
            day = to if isinstance(to, date) else date.fromisoformat(str(to))
            text = f"截至{day.month}月{day.day}日，{first}"
        else:
            text = f"{label}年全年，{first}" if whole_year else f"今年以来，{first}"
        if not whole_year:
            quarter = _QUARTERS_ZH[int(label[-1]) - 1]
            text += f"\n其中第{quarter}季度，{_zh_block(period, data, None, False)}"
        return text
    first = _en_block(ytd, data, key, growth)
    if unfinished:
        text = f"Up to {to}, {first}"
    else:
        text = f"In {label}, {first}" if whole_year else f"Since the start of the year, {first}"
    if not whole_year:
        text += f"\nIn {label} alone, {_en_block(period, data, None, False)}"
    return text
