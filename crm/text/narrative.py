"""The paragraph of the zone's work report, written from the report's figures: the year
to date first (今年以来…), then the period in a sentence of its own, in Chinese or English."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crm.domain.values import canonical
from crm.text.messages import label
from crm.text.report import cutoff_parts
from crm.text.tables import money_yi


def _names(names: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(names)


_GROWTH = {  # (no base, up, down, level)
    "zh": ("上年同期无签约", "同比增长{}%", "同比下降{}%", "与上年同期持平"),
    "en": ("with no signings in the same period last year to compare",
           "up {}% year on year", "down {}% year on year", "level with last year"),
}


def _growth(fraction: Decimal | None, lang: str) -> str:
    """Year-on-year growth in words: never "null%"."""
    none, up, down, level = _GROWTH["zh" if lang == "zh" else "en"]
    if fraction is None:
        return none
    pct = (abs(fraction) * 100).quantize(Decimal("0.1"))
    return up.format(pct) if fraction > 0 else down.format(pct) if fraction < 0 else level


def _zh_block(b: dict[str, Any], pipeline: dict[str, Any] | None) -> str:
    a = b["activities"]
    verbs = {"pairing": "开展", "aftercare": ""}
    objects = {"aftercare": "签约项目"}
    activity_parts = [f"{verbs.get(k, '')}{label(k, 'zh')}{objects.get(k, '')}{a[k]}次"
                      for k in ("pairing", "outbound", "reception", "online", "aftercare")
                      if a[k]]
    sentences = [("，".join(activity_parts) if activity_parts else "未开展招商活动") + "。"]
    s = b["signed"]
    if s["count"]:
        signed = f"共签约项目{s['count']}个"
        top, big = s["at_least_10yi"], s["at_least_1yi"]
        if top["count"]:
            signed += f"，其中10亿元以上项目{top['count']}个（{_names(top['projects'], 'zh')}）"
        if big["count"]:
            relocated = set(s["relocations"]["projects"])
            plain = [n for n in big["projects"] if n not in relocated]
            moved = [n for n in big["projects"] if n in relocated]
            listing = _names(plain, "zh")
            if moved:
                listing += ("，" if listing else "") + "搬迁：" + _names(moved, "zh")
            signed += f"，{'其中' if not top['count'] else ''}亿元以上项目{big['count']}个（{listing}）"
        small_moves = [n for n in s["relocations"]["projects"] if n not in set(big["projects"])]
        if small_moves:
            signed += f"，另有搬迁项目{len(small_moves)}个（{_names(small_moves, 'zh')}）"
        signed += f"，协议总投资额达{money_yi(s['contracted_investment'])}亿元"
        sentences.append(signed)
    else:
        sentences.append("暂无新签约项目")
    if b["land"]["parcels"]:
        sentences[-1] += f"，已出让土地约{format(canonical(b['land']['mu']), 'f')}亩"
    sentences[-1] += "。"
    f = b["framework_agreements"]
    tail = ""
    if f["count"]:
        tail = f"签订框架协议{f['count']}个（{_names(f['projects'], 'zh')}）"
    if pipeline is not None and pipeline["count"]:
        tail += ("，" if tail else "") + (f"另有在谈重点项目{pipeline['count']}个，预计总投资额"
                                          f"{money_yi(pipeline['investment'])}亿元")
    if tail:
        sentences.append(tail + "。")
    if b["capital_arrived"]:
        sentences.append(f"项目到位资金{money_yi(b['capital_arrived'])}亿元。")
    return "".join(sentences)


def _en_count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _en_times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _en_block(b: dict[str, Any], pipeline: dict[str, Any] | None) -> str:
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
    if s["count"]:
        signed = f"{_en_count(s['count'], 'project was', 'projects were')} signed"
        top, big = s["at_least_10yi"], s["at_least_1yi"]
        tiers = []
        if top["count"]:
            tiers.append(f"{top['count']} of 1 billion yuan (10亿) or more "
                         f"({_names(top['projects'], 'en')})")
        if big["count"]:
            tiers.append(f"{big['count']} of 100 million yuan (1亿) or more "
                         f"({_names(big['projects'], 'en')})")
        if tiers:
            signed += ", " + " and ".join(tiers)
        if s["relocations"]["count"]:
            signed += (f"; {_en_count(s['relocations']['count'], 'relocation')} of local "
                       f"companies ({_names(s['relocations']['projects'], 'en')})")
        signed += (f"; total contracted investment reached "
                   f"{money_yi(s['contracted_investment'])}亿 yuan")
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
                         f"signed ({_names(f['projects'], 'en')}).")
    if pipeline is not None and pipeline["count"]:
        sentences.append(f"A further {_en_count(pipeline['count'], 'key project is', 'key projects are')} "
                         f"under negotiation, with expected investment of "
                         f"{money_yi(pipeline['investment'])}亿 yuan.")
    if b["capital_arrived"]:
        sentences.append(f"Capital in place: {money_yi(b['capital_arrived'])}亿 yuan.")
    return " ".join(sentences)


def narrative(data: dict[str, Any], lang: str) -> str:
    """The work report's paragraph: year to date first (今年以来…), then the period."""
    ytd, period = data["year_to_date"], data["quarter"]
    negotiating = data["pipeline"]["negotiating"]
    growth = data["yoy"]["contracted_investment"]
    label = data["period"]["label"]
    whole_year = "Q" not in label
    if lang == "zh":
        first = _zh_block(ytd, negotiating)
        if ytd["signed"]["count"]:
            first = first.replace(f"协议总投资额达{money_yi(ytd['signed']['contracted_investment'])}亿元",
                                  f"协议总投资额达{money_yi(ytd['signed']['contracted_investment'])}"
                                  f"亿元，{_growth(growth, 'zh')}", 1)
        text = f"{data['period']['label']}年全年，{first}" if whole_year else f"今年以来，{first}"
        if not whole_year:
            quarter_name = "一二三四"[int(label[-1]) - 1]
            text += f"\n其中第{quarter_name}季度，{_zh_block(period, None)}"
        return text + "\n（" + "；".join(f"{k}{v}" for k, v in cutoff_parts(data, "zh")) + "）"
    first = _en_block(ytd, negotiating)
    if ytd["signed"]["count"]:
        marker = f"{money_yi(ytd['signed']['contracted_investment'])}亿 yuan"
        first = first.replace(marker, f"{marker}, {_growth(growth, 'en')}", 1)
    text = f"In {label}, {first}" if whole_year else f"Since the start of the year, {first}"
    if not whole_year:
        text += f"\nIn {label} alone, {_en_block(period, None)}"
    return text + "\n(" + "; ".join(f"{k} {v}" for k, v in cutoff_parts(data, "en")) + ")"
