"""A write that does not get its turn in time answers 503 with Retry-After and the error model,
never a bare 500; once the other writer is done, the same request goes through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.helpers import World, token_for
from truce.api.errors import RETRY_AFTER_BUSY
from truce.bootstrap import Truce
from truce.store.db import Database
from truce.web.app import create_app

API = "/api/v1"
WAIT_MS = 300  # how long a writer waits for its turn here, instead of 30 s


@pytest.fixture
def impatient(world: World) -> Iterator[Truce]:
    """The world's Truce on its own engines, whose writers wait ``WAIT_MS`` for their turn."""
    db = Database(world.truce.db.url, wait_ms=WAIT_MS)
    yield replace(world.truce, db=db)
    db.dispose()


def commit_for_the_fsa(client: TestClient, world: World, token: str) -> object:
    body = {"agreement_id": world.agreement_id, "party_id": world.parties["fsa"], "guarantor": "US"}
    headers = {"Authorization": f"Bearer {token}"}
    return client.post(f"{API}/commitments", json=body, headers=headers)


def assert_busy(response: object) -> None:
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    assert response.headers["retry-after"] == str(RETRY_AFTER_BUSY)  # type: ignore[attr-defined]
    assert response.json() == {  # type: ignore[attr-defined]
        "detail": "the database is busy; retry shortly",
        "code": "unavailable",
        "field": None,
        "retry_after": RETRY_AFTER_BUSY,
    }


def test_a_write_waiting_past_its_turn_is_a_503_then_goes_through(
    world: World, impatient: Truce
) -> None:
    """Another writer of this process holds its turn: on SQLite the one writer connection
    (the pool's wait runs out), on PostgreSQL the ledger head's lock (the lock wait runs out)."""
    token = token_for(world, "liaison")
    with TestClient(create_app(impatient), raise_server_exceptions=False) as client:
        with impatient.uow() as holder:
            holder.ledger.head()  # the writer's turn is taken from here on
            assert_busy(commit_for_the_fsa(client, world, token))
        with world.truce.uow(write=False) as uow:
            assert uow.commitments.list(world.agreement_id) == []  # nothing half-written
        done = commit_for_the_fsa(client, world, token)
        assert done.status_code == 201, done.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_sqlite_database_locked_by_another_process_is_a_503(
    world: World, impatient: Truce
) -> None:
    """Another process (here: other engines on the same file) holds SQLite's write lock."""
    token = token_for(world, "liaison")
    with TestClient(create_app(impatient), raise_server_exceptions=False) as client:
        with world.truce.db.writer_engine.connect() as other:
            other.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the file's write lock
            assert_busy(commit_for_the_fsa(client, world, token))
        assert commit_for_the_fsa(client, world, token).status_code == 201  # type: ignore[attr-defined]
