"""Helpers for read-model tests: generated logs and table dumps."""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select, text

from crm.application import ProjectLog
from projections import schema
from projections.projector import Projector

_GENERATED: dict[tuple[int, int], Path] = {}


def generated_store(tmp_path: Path, events: int, seed: int = 7, cache: Path | None = None) -> Path:
    """A copy of a synthetic zone's log of about `events` events."""
    from crm.synthetic import generate

    target = tmp_path / f"zone-{events}.sqlite"
    source = _GENERATED.get((events, seed))
    if source is None or not source.exists():
        source = (cache or tmp_path) / f"source-{events}-{seed}.sqlite"
        app = ProjectLog(store=str(source), user="generator")
        generate(app, events, seed=seed)
        app.close()
        _GENERATED[(events, seed)] = source
    shutil.copy(source, target)
    return target


def dump(store: Path) -> dict[str, list[tuple]]:
    """Every read-model row, in a fixed order: equal dumps, equal read models."""
    app = ProjectLog(store=str(store))
    projector = Projector(app)
    out = {}
    with projector.engine.connect() as conn:
        for table in (schema.projects, schema.facts, schema.history, schema.deals, schema.pipeline_days,
                      schema.tracking):
            columns = list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(*columns).order_by(*columns))]
        out["indexes"] = sorted(r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'rm_%'")))
    projector.engine.dispose()
    app.close()
    return out


def rebuilt(store: Path) -> dict[str, list[tuple]]:
    app = ProjectLog(store=str(store))
    Projector(app).rebuild()
    app.close()
    return dump(store)
