"""A synthetic zone's log: projects across the sectors, every kind of event, realistic
dates, written through the application in batches. `crm demo` fills a store with two years
of it; the benchmarks (`python -m bench.generate`) make logs of any size.

Deterministic for a seed. About 9 events a project."""
from __future__ import annotations

import heapq
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from crm.domain.errors import RuleViolation
from crm.domain.project import Project

SECTORS = (("新材料", 25, ("新材", "硅材", "复合材料", "合成", "特种纤维")),
           ("新能源", 25, ("光伏", "电池", "储能", "氢能", "风电装备")),
           ("大健康", 20, ("医疗", "制药", "生物", "医疗器械", "康养")),
           ("数字经济", 20, ("数据", "智能", "软件", "动漫", "芯片")),
           ("其他", 10, ("文旅", "物流", "食品", "稻米油", "装备")))
PREFIXES = ("星河", "云栖", "华锂", "青山", "蓝海", "绿源", "银杏", "康宁", "智造", "天目", "钱江",
            "东方", "金石", "普康", "宝仓", "胡涂", "卡游", "爱津", "普林", "瑞丰", "恒信", "中科")
TEAM = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏")
CHANNELS = ("以商招商", "山海协作", "展会", "中介机构", "驻外招商", "网络")
REGIONS = ("上海", "杭州", "深圳", "苏州", "北京", "宁波", "广州", "香港")
KINDS = ("outbound", "reception", "pairing", "online")
WAN = Decimal(10_000)
LOCAL = timezone(timedelta(hours=8))


@dataclass
class Stats:
    projects: int = 0
    events: int = 0
    seconds: float = 0.0


class ZoneGenerator:
    """Builds projects one at a time; each is a plausible life from first contact on."""

    def __init__(self, total_events: int, seed: int = 2021, end: date | None = None,
                 start: date | None = None, numbered: bool = True, pace: float = 1.0,
                 scale: float = 1.0, margin: int = 240):
        self.rng = random.Random(seed)
        self.end = end or date.today() - timedelta(days=1)
        self.total = total_events
        projects = max(1, total_events // 10)
        years = min(10, max(2, -(-projects // 2000)))
        self.start = start or date(self.end.year - years, 1, 1)
        self.span = max(30, (self.end - self.start).days - margin)
        self.pace = pace  # how fast projects move: a multiplier of the days between events
        self.scale = scale  # a multiplier of the amounts
        self.count = 0
        self.shared = 0  # visits added to earlier projects of the batch
        self.numbered = numbered
        self.names: set[str] = set()

    def when(self, on: date) -> datetime:
        """Recorded the same day or a little later, in office hours (UTC+8)."""
        lag = self.rng.choice((0, 0, 0, 1, 2, 5))
        day = min(on + timedelta(days=lag), self.end)
        moment = datetime.combine(day, dtime(self.rng.randint(9, 17), self.rng.randint(0, 59),
                                             self.rng.randint(0, 59)), LOCAL)
        return moment.astimezone(timezone.utc)

    def amount(self, low_wan: int, high_wan: int) -> Decimal:
        if self.rng.random() < 0.05:
            return Decimal(self.rng.choice((100_000_000, 1_000_000_000, 99_990_000)))
        wan = int(low_wan * (high_wan / low_wan) ** self.rng.random() * self.scale)
        return Decimal(max(wan, 1)) * WAN

    def common(self, on: date, *after: Project) -> dict[str, Any]:
        """An event's common fields; recorded after every event of the projects it follows
        (a project's own, and a shared visit's partners'), as a real log would be."""
        moment = self.when(on)
        for project in after:
            moment = max(moment, project.modified_on + timedelta(microseconds=1))
        return {"occurred_on": on, "today": self.end, "timestamp": moment,
                "recorded_by": self.rng.choice(TEAM), "note": None}

    def project(self, batch: list[Project]) -> Project:
        rng = self.rng
        self.count += 1
        sector, _, suffixes = rng.choices(SECTORS, weights=[s[1] for s in SECTORS])[0]
        name = f"{rng.choice(PREFIXES)}{rng.choice(suffixes)}"
        if self.numbered:
            name += f"{self.count:06d}"
        else:
            for phase in ("", "二期", "三期", "四期", "五期"):
                if name + phase not in self.names:
                    name += phase
                    break
            else:
                name += str(self.count)
        self.names.add(name)
        on = self.start + timedelta(days=rng.randrange(self.span))
        planned = self.amount(2_000, 500_000)
        c = self.common(on)
        c.pop("note")
        p = Project.make_contact(
            name=name, investor=name[:2] + rng.choice(("集团", "股份", "科技", "控股")),
            sector=sector, planned=planned, channel=rng.choice(CHANNELS),
            region=rng.choice(REGIONS), owner=rng.choice(TEAM),
            relocation=rng.random() < 0.05, note=None, **c)
        day = on

        def later(low: int, high: int) -> date | None:
            nonlocal day
            nxt = day + timedelta(days=max(1, round(rng.randint(low, high) * self.pace)))
            if nxt > self.end:
                return None
            day = nxt
            return nxt

        for _ in range(rng.randint(2, 5)):
            if (d := later(5, 45)) is None:
                return p
            self.visit(p, d, batch)
        if rng.random() < 0.1:
            if (d := later(10, 90)) is None:
                return p
            p.drop(reason="投资方战略调整", **self.common(d, p))
            if rng.random() < 0.5 or (d2 := later(30, 200)) is None:
                return p
            p.reopen(**self.common(d2, p))
        if rng.random() < 0.55:
            if (d := later(20, 200)) is None:
                return p
            p.sign_framework(amount=self.amount(2_000, 500_000), **self.common(d, p))
        if rng.random() < 0.2:
            return p
        if (d := later(20, 200)) is None:
            return p
        contracted = self.amount(2_000, 800_000)
        p.sign_contract(amount=contracted, **self.common(d, p))
        for _ in range(rng.choice((0, 1, 1, 2))):
            if (d := later(20, 200)) is None:
                return p
            p.transfer_land(mu=Decimal(rng.randint(100, 3000)) / 10,
                            parcel=f"{d.year}-{rng.randint(1, 60)}号",
                            price=self.amount(500, 20_000), **self.common(d, p))
        for _ in range(rng.randint(1, 6)):
            if (d := later(20, 120)) is None:
                return p
            share = Decimal(rng.randint(5, 30)) / 100
            p.receive_capital(amount=(contracted * share).quantize(WAN), **self.common(d, p))
            if rng.random() < 0.3 and (d := later(5, 60)) is not None:
                self.visit(p, d, batch, kind="aftercare")
        return p

    def visit(self, p: Project, on: date, batch: list[Project], kind: str | None = None) -> None:
        kind = kind or self.rng.choice(KINDS)
        visit_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        other = None
        if kind == "pairing" and batch and self.rng.random() < 0.5:
            other = self.rng.choice(batch[-20:])
        common = self.common(on, p, *([other] if other is not None else []))
        names = [p.name] if other is None else [p.name, other.name]
        if other is not None:
            try:  # the partner first: a visit it cannot take is not shared
                other.log_visit(kind=kind, visit_id=visit_id, projects=names,
                                participants=None, **common)
                self.shared += 1
            except RuleViolation:
                names = [p.name]
        try:
            p.log_visit(kind=kind, visit_id=visit_id, projects=names, participants=None,
                        **common)
        except RuleViolation:
            return


def generate(app: Any, total_events: int, *, seed: int = 2021, batch_size: int = 500,
             progress: bool = False, projects: int | None = None,
             generator: ZoneGenerator | None = None,
             save: Callable[[list[Project]], Any] | None = None) -> Stats:
    """Write about `total_events` events (or exactly `projects` projects) through `app`,
    `batch_size` projects a save (`save`: how a batch is saved; default: in the order it
    was recorded, as `write_in_record_order` does)."""
    save = save or (lambda batch: write_in_record_order(app, batch))
    gen = generator or ZoneGenerator(total_events if projects is None else projects * 9, seed)
    stats = Stats()
    started = time.perf_counter()
    batch: list[Project] = []
    pending = 0

    def more() -> bool:
        if projects is not None:
            return stats.projects + len(batch) < projects
        return stats.events + pending < total_events

    while more():
        shared_before = gen.shared
        project = gen.project(batch)
        batch.append(project)
        pending += len(project.pending_events) + gen.shared - shared_before
        if len(batch) >= batch_size:
            save(batch)
            stats.projects += len(batch)
            stats.events += pending
            batch, pending = [], 0
            if progress:
                print(f"\r{stats.events:,} events", end="", file=sys.stderr, flush=True)
    if batch:
        save(batch)
        stats.projects += len(batch)
        stats.events += pending
    stats.seconds = time.perf_counter() - started
    if progress:
        print(file=sys.stderr)
    return stats


def in_record_order(histories: list[list[Any]]) -> list[Any]:
    """Every project's events merged by record time, each project's in its own order."""
    queue = [(h[0].timestamp, i, 0) for i, h in enumerate(histories) if h]
    heapq.heapify(queue)
    merged = []
    while queue:
        _, i, j = heapq.heappop(queue)
        merged.append(histories[i][j])
        if j + 1 < len(histories[i]):
            heapq.heappush(queue, (histories[i][j + 1].timestamp, i, j + 1))
    return merged


def write_in_record_order(app: Any, projects: list[Project]) -> int:
    """Store what the projects decided, all in one transaction, in the order it was
    recorded: a shared visit after the contact of every project it names."""
    events = in_record_order([p.collect_events() for p in projects])
    to_stored = app.mapper.to_stored_event
    return app.recorder.insert_all(lambda _tx: [[(to_stored(e), e.timestamp) for e in events]])
