"""Helpers for read-model tests: generated logs on either store, and table dumps."""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from sqlalchemy import inspect, select

from crm.app.log import ProjectLog
from crm.app.reads import projector_for
from projections import schema


class ZoneSources:
    """Synthetic zones' logs, generated once per session and size, handed out as copies: a
    copied SQLite file, or a PostgreSQL database made from a template database."""

    def __init__(self, folder: Path, pg_url: str | None):
        self.folder, self.pg_url = folder, pg_url
        self.files: dict[tuple[int, int], Path] = {}
        self.templates: dict[tuple[int, int], str] = {}

    def sqlite(self, events: int, seed: int) -> Path:
        if (events, seed) not in self.files:
            path = self.folder / f"zone-{events}-{seed}.sqlite"
            _generate(str(path), events, seed)
            self.files[(events, seed)] = path
        return self.files[(events, seed)]

    def template(self, events: int, seed: int) -> str:
        import psycopg

        if (events, seed) not in self.templates:
            name = f"crm_zone_{os.getpid()}_{events}_{seed}"
            with psycopg.connect(self.pg_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"CREATE DATABASE {name}")
            _generate(self.pg_url.rsplit("/", 1)[0] + "/" + name, events, seed)
            self.templates[(events, seed)] = name
        return self.templates[(events, seed)]

    def close(self) -> None:
        import psycopg

        if self.templates:
            with psycopg.connect(self.pg_url, autocommit=True) as admin:
                for name in self.templates.values():
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _generate(store: str, events: int, seed: int) -> None:
    from crm.app.synthetic import generate

    app = ProjectLog(store=store, user="generator")
    generate(app, events, seed=seed)
    app.close()


def copy_of(sources: ZoneSources, backend: str, tmp_path: Path, stack: contextlib.ExitStack,
            events: int, seed: int = 7) -> Path | str:
    if backend == "sqlite":
        target = tmp_path / f"zone-{events}-{len(list(tmp_path.iterdir()))}.sqlite"
        shutil.copy(sources.sqlite(events, seed), target)
        return target
    from tests.conftest import fresh_database

    return stack.enter_context(fresh_database(template=sources.template(events, seed)))


def dump(store: Path | str) -> dict[str, list[tuple]]:
    """Every read-model row, in a fixed order: equal dumps, equal read models."""
    app = ProjectLog(store=str(store))
    projector = projector_for(app)
    out = {}
    with projector.engine.connect() as conn:
        for table in (schema.projects, schema.facts, schema.history, schema.deals,
                      schema.pipeline_days, schema.tracking):
            columns = list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(*columns).order_by(*columns))]
        inspector = inspect(conn)
        out["indexes"] = sorted(index["name"] for table in schema.metadata.tables
                                for index in inspector.get_indexes(table))
    projector.engine.dispose()
    app.close()
    return out


def rebuilt(store: Path | str) -> dict[str, list[tuple]]:
    app = ProjectLog(store=str(store))
    projector = projector_for(app)
    projector.rebuild()
    projector.engine.dispose()
    app.close()
    return dump(store)
