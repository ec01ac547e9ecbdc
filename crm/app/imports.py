"""Bringing ledgers and visit logs in, and a whole exported log back, through the domain.

A ledger row implies a project's events (contact, framework agreement, signing, land,
capital, drop) at the row's own dates; a visit-log row, one visit. Everything is checked
before anything is written: each row through the same rules as the command line, each bad
row reported as `FILE:ROW: message`. Importing the same file again adds nothing; a row that
differs from what the log now holds is a conflict, never silently applied."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crm.app import clock
from crm.app.errors import ImportConflicts, ImportProblems
from crm.domain import errors
from crm.domain.facts import (
    AGREEMENT,
    CAPITAL_ARRIVAL,
    CONTACT,
    DROP,
    LAND_TRANSFER,
    SIGNING,
    VISIT,
)
from crm.domain.project import Project
from crm.domain.values import name_key, project_id
from crm.text.errors import MissingValue, UnpairedValue
from crm.text.messages import error_message
from crm.text.sheets import HEADERS_ZH, LEDGER, VISITS, Sheet

_VISITS_NAMESPACE = uuid.UUID("0b8f4d4e-7d7c-4c1e-9a55-1f3a2f6c9e10")
BATCH = 2000
#: Within one business day, the order a ledger's facts happened in.
_ORDER = {CONTACT: 0, VISIT: 1, AGREEMENT: 2, SIGNING: 3, LAND_TRANSFER: 4,
          CAPITAL_ARRIVAL: 5, DROP: 6}
_PROFILE = ("investor", "sector", "relocation", "owner", "channel", "region")


@dataclass
class Plan:
    """What an import would write, and why it would not."""

    projects: dict[str, Project] = field(default_factory=dict)  # name key -> aggregate
    new_rows: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(len(p.pending_events) for p in self.projects.values())


@dataclass
class _Fact:
    """One fact a row implies, before it is recorded."""

    on: date
    event: str
    where: str  # FILE:ROW
    key: str  # the project's name key
    values: dict[str, Any]


def plan(app: Any, sheets: list[Sheet], user: str) -> Plan:
    """Check every row against the rules and the log, and build what would be written."""
    result = Plan()
    for sheet in sheets:
        result.errors += sheet.errors
    now, today = clock.now(), clock.today()
    existing = {pid.hex for pid in app.project_ids()}
    facts: list[_Fact] = []
    names: dict[str, tuple[str, str]] = {}  # name key -> (name, where first named)
    for sheet in sheets:
        if sheet.kind != LEDGER:
            continue
        for row_number, row in sheet.rows:
            where = f"{sheet.source}:{row_number}"
            key = name_key(row.get("name", ""))
            if key in names:
                result.errors.append(f"{where}: {row['name']!r} is already on "
                                     f"{names[key][1]}: name each project once")
                continue
            names[key] = (row.get("name", ""), where)
            try:
                implied = _ledger_facts(row, where, key)
            except errors.CrmError as e:
                result.errors.append(f"{where}: {error_message(e, 'en')}")
                continue
            if existing and project_id(row["name"]).hex in existing:
                project = app.repository.get(project_id(row["name"]))
                difference = _difference(project, implied)
                if difference:
                    result.conflicts.append(f"{where}: {row['name']!r} differs from the log "
                                            f"({difference}): use `crm correct` to change it")
                else:
                    result.unchanged += 1
                continue
            facts += implied
            result.new_rows += 1
    visits_seen: dict[tuple[date, frozenset[str], str], str] = {}
    loaded: dict[str, Project] = {}
    for sheet in sheets:
        if sheet.kind != VISITS:
            continue
        for row_number, row in sheet.rows:
            where = f"{sheet.source}:{row_number}"
            missing = [f for f in ("date", "kind", "projects") if f not in row]
            if missing:
                result.errors.append(f"{where}: no {', '.join(missing)}: a visit needs its date, "
                                     f"kind and projects")
                continue
            keys = frozenset(name_key(n) for n in row["projects"])
            identity = (row["date"], keys, row["kind"])
            if identity in visits_seen:
                result.errors.append(f"{where}: the same visit is already on {visits_seen[identity]}")
                continue
            visits_seen[identity] = where
            unknown = [n for n in row["projects"] if name_key(n) not in names
                       and project_id(n).hex not in existing]
            if unknown:
                result.errors.append(f"{where}: no project named {', '.join(map(repr, unknown))}: "
                                     f"add it to the ledger or `crm contact` it first")
                continue
            recorded = _recorded_visit(app, loaded, row, keys, existing)
            if recorded is not None:
                if recorded:
                    result.conflicts.append(f"{where}: the visit of {row['date']} to "
                                            f"{'、'.join(row['projects'])} differs from the log "
                                            f"({recorded}): use `crm correct` to change it")
                else:
                    result.unchanged += 1
                continue
            facts.append(_Fact(row["date"], VISIT, where, "", row))
            result.new_rows += 1
    # The rows that could be read are checked against the rules even when others could
    # not: every bad row is reported at once.
    _apply_in_order(app, facts, loaded, result, today, now, user)
    result.errors.sort(key=_where)
    return result


def _where(line: str) -> tuple[str, int]:
    """(file, row) of a `FILE:ROW: message` line, to list problems in file order."""
    source, _, rest = line.partition(":")
    row = rest.split(":", 1)[0]
    return source, int(row) if row.isdigit() else 0


def _ledger_facts(row: dict[str, Any], where: str, key: str) -> list[_Fact]:
    """The facts a ledger row implies, in the order they happened."""
    def pair(amount: str, day: str, event: str) -> _Fact | None:
        if (amount in row) != (day in row):
            given, wanting = (amount, day) if amount in row else (day, amount)
            raise UnpairedValue(given=_described(given), value=str(row[given]),
                                       missing=_described(wanting))
        if amount not in row:
            return None
        return _Fact(row[day], event, where, key, {"value": row[amount]})

    for required in ("name", "investor", "sector"):
        if required not in row:
            raise MissingValue(what=_described(required))
    dated = [row[d] for d in ("contact_date", "framework_date", "signed_date", "land_date",
                              "capital_date", "dropped_on") if d in row]
    if not dated:
        raise MissingValue(what=_described("contact_date"))
    contact = {k: row.get(k) for k in ("name", "investor", "sector", "relocation", "owner",
                                       "channel", "region", "note")}
    contact["planned"] = row.get("planned") or row.get("framework_amount") or row.get("contracted")
    if contact["planned"] is None:
        raise MissingValue(what=_described("planned"))
    if "contact_date" not in row:
        contact["note"] = "; ".join(filter(None, [contact.get("note"),
                                                  "接洽日期未填：取台账中最早的日期"]))
    facts = [_Fact(row.get("contact_date") or min(dated), CONTACT, where, key, contact)]
    for amount, day, event in (("framework_amount", "framework_date", AGREEMENT),
                               ("contracted", "signed_date", SIGNING),
                               ("land_mu", "land_date", LAND_TRANSFER),
                               ("capital", "capital_date", CAPITAL_ARRIVAL)):
        fact = pair(amount, day, event)
        if fact is not None:
            facts.append(fact)
    if "dropped_on" in row:
        facts.append(_Fact(row["dropped_on"], DROP, where, key,
                           {"value": row.get("drop_reason") or "台账记为终止"}))
    return facts


def _described(field: str) -> str:
    """A field as a person knows it: its name and its usual Chinese header."""
    return f"{field.replace('_', ' ')} ({HEADERS_ZH.get(field, field)})"


def _difference(project: Project, implied: list[_Fact]) -> str | None:
    """How a project already in the log differs from what its ledger row implies (None: not
    at all). Visits and corrections made since are part of the log, not of the row."""
    mine = sorted(f"{f.event} {f.on} {f.values.get('value', f.values.get('planned'))}"
                  for f in implied)
    theirs = sorted(f"{f.event} {f.occurred_on} "
                    f"{f.get('amount', f.get('mu', f.get('reason', f.get('planned'))))}"
                    for f in project.facts if f.event in _ORDER and f.event != VISIT)
    if mine != theirs:
        extra = sorted(set(theirs) - set(mine))
        missing = sorted(set(mine) - set(theirs))
        parts = []
        if missing:
            parts.append("the file has " + "; ".join(missing))
        if extra:
            parts.append("the log has " + "; ".join(extra))
        return ", ".join(parts)
    state = project.state
    contact = implied[0].values
    for name in _PROFILE:
        theirs_value = getattr(state, name)
        mine_value = contact.get(name) if name != "relocation" else bool(contact.get(name))
        if mine_value != theirs_value and not (mine_value is None and name != "relocation"):
            return f"{name}: {theirs_value!r} in the log, {mine_value!r} in the file"
    return None


def _visit_id(row: dict[str, Any], keys: frozenset[str]) -> uuid.UUID:
    """A visit is its day, its projects and its kind: the same row always gets the same id."""
    return uuid.uuid5(_VISITS_NAMESPACE,
                      f"{row['date']}|{'|'.join(sorted(keys))}|{row['kind']}")


def _recorded_visit(app: Any, loaded: dict[str, Project], row: dict[str, Any],
                    keys: frozenset[str], existing: set[str]) -> str | None:
    """None when the log has no such visit; '' when it has it as the row says; else what
    differs."""
    first = next(iter(sorted(keys)))
    if project_id(first).hex not in existing:
        return None
    project = loaded.get(first) or app.repository.get(project_id(first))
    loaded[first] = project
    visit_id = _visit_id(row, keys)
    for fact in project.facts:
        if fact.event == VISIT and fact.get("visit_id") == visit_id:
            theirs = (fact.get("participants"), fact.get("note"))
            mine = (row.get("participants"), row.get("note"))
            return "" if theirs == mine else f"{theirs} in the log, {mine} in the file"
    return None


def _apply_in_order(app: Any, facts: list[_Fact], loaded: dict[str, Project], result: Plan,
                    today: date, now: datetime, user: str) -> None:
    """Record the facts on their projects in business order, each through the domain's
    rules; a refusal becomes the row's error."""
    facts.sort(key=lambda f: (f.on, _ORDER[f.event]))
    projects = result.projects
    refused: set[str] = set()
    for fact in facts:
        if fact.key in refused:
            continue
        common = {"occurred_on": fact.on, "today": today, "timestamp": now,
                  "recorded_by": user, "note": None}
        try:
            if fact.event == CONTACT:
                values = dict(fact.values)
                note = values.pop("note", None)
                values["relocation"] = bool(values.get("relocation"))
                common.pop("note")
                projects[fact.key] = Project.make_contact(note=note, **values, **common)
            elif fact.event == VISIT:
                row = fact.values
                keys = [name_key(n) for n in row["projects"]]
                named = [_project(app, projects, loaded, k) for k in keys]
                visit_id = _visit_id(row, frozenset(keys))
                for project in named:
                    project.log_visit(kind=row["kind"], visit_id=visit_id,
                                      projects=[p.name for p in named],
                                      participants=row.get("participants"),
                                      **{**common, "note": row.get("note")})
            else:
                project = projects[fact.key]
                value = fact.values["value"]
                if fact.event == AGREEMENT:
                    project.sign_framework(amount=value, **common)
                elif fact.event == SIGNING:
                    project.sign_contract(amount=value, **common)
                elif fact.event == LAND_TRANSFER:
                    project.transfer_land(mu=value, parcel=None, price=None, **common)
                elif fact.event == CAPITAL_ARRIVAL:
                    project.receive_capital(amount=value, **common)
                elif fact.event == DROP:
                    project.drop(reason=value, **common)
        except errors.CrmError as e:
            result.errors.append(f"{fact.where}: {error_message(e, 'en')}")
            refused.add(fact.key)


def _project(app: Any, projects: dict[str, Project], loaded: dict[str, Project],
             key: str) -> Project:
    if key not in projects:
        projects[key] = loaded.get(key) or app.repository.get(project_id(key))
    return projects[key]


def write(app: Any, result: Plan, progress: Callable[[int], None] | None = None) -> int:
    """Store everything the plan holds in one transaction: the import happens whole or not
    at all. Each event is recorded at the import's own moment."""
    to_stored = app.mapper.to_stored_event
    pending = [p for p in result.projects.values() if p.pending_events]
    moment = clock.now()

    def produce(_tx: Any) -> Iterable[list[Any]]:
        for i in range(0, len(pending), BATCH):
            events = [e for p in pending[i:i + BATCH] for e in p.collect_events()]
            yield [(to_stored(e), moment) for e in events]
            if progress:
                progress(len(events))

    return app.recorder.insert_all(produce)


# -- the use cases -------------------------------------------------------------------------


@dataclass
class Imported:
    """What an import did: rows new and already in the log, events written, conflicts
    skipped; for an exported log, the head it verifies to."""

    file: str
    rows: int = 0
    unchanged: int = 0
    events: int = 0
    skipped: list[str] = field(default_factory=list)
    head: str | None = None


def import_sheets(app: Any, path: Path, *, mapping: dict[str, str], kind: str | None,
                  skip_conflicts: bool, user: str,
                  progress: Callable[[int], None] | None = None,
                  on_total: Callable[[int], None] | None = None) -> Imported:
    """A ledger or visit log (CSV, Excel): every row checked first; nothing written when a
    row is bad, or differs from the log (unless its conflicts are to be skipped)."""
    from crm.text import sheets as reading
    from crm.text.errors import UsageProblem

    tables = reading.read(path, mapping, kind)
    if not tables:
        raise UsageProblem(message=f"{path.name}: found no ledger or visit log: name its "
                                   f"columns with --map HEADER=FIELD, or give --kind")
    result = plan(app, tables, user)
    if result.errors:
        raise ImportProblems(lines=result.errors, summary="import_problems",
                             count=len(result.errors), file=path.name)
    if result.conflicts and not skip_conflicts:
        raise ImportConflicts(lines=result.conflicts, summary="import_conflicts",
                              count=len(result.conflicts), file=path.name)
    if on_total:
        on_total(result.events)
    written = write(app, result, progress=progress)
    return Imported(path.name, rows=result.new_rows, unchanged=result.unchanged,
                    events=written, skipped=result.conflicts)
