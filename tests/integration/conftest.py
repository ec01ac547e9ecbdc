"""Generated zones' logs for the read-model tests, on whichever store the test runs on."""
from __future__ import annotations

import contextlib

import pytest

from tests.conftest import PG_URL
from tests.integration.helpers import ZoneSources, copy_of


@pytest.fixture(scope="session")
def zone_sources(tmp_path_factory):
    sources = ZoneSources(tmp_path_factory.mktemp("zones"), PG_URL)
    yield sources
    sources.close()


@pytest.fixture
def zone(backend, tmp_path, zone_sources):
    """zone(events) -> a fresh copy of a synthetic zone's log of about that many events."""
    with contextlib.ExitStack() as stack:
        yield lambda events, seed=7: copy_of(zone_sources, backend, tmp_path, stack, events, seed)
