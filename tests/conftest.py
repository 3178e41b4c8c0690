"""Shared fixtures: real servers (PostgreSQL), the sample sites, temporary data dirs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from spiders.sample_server import RunningSamples, serve_sample_sites

PG_URL = os.environ.get("CHARITYNEWS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_SERVICES = os.environ.get("CHARITYNEWS_REQUIRE_SERVICES") == "1"


def _unavailable(service: str, reason: str) -> None:
    message = f"{service} not reachable ({reason})"
    if REQUIRE_SERVICES:
        pytest.fail(message + " and CHARITYNEWS_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL at " + PG_URL, str(exc).strip().splitlines()[0])
    return PG_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema in the real PostgreSQL, dropped afterwards."""
    schema = f"cn_test_{uuid.uuid4().hex[:10]}"
    dsn = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{postgres_server}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Every warehouse test runs on SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def sample_sites() -> Iterator[RunningSamples]:
    with serve_sample_sites() as running:
        yield running
