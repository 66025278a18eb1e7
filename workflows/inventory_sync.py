"""InventorySyncWorkflow: scrape each live source and commit what it produced.

Started by the Temporal Schedule from `inventory/schedule.py`. Sources run side by side
(different hosts); a failing source only records its error, the others still commit.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.inventory import InventoryActivities
    from inventory.models import (
        CommitSnapshotRequest,
        CommitSnapshotResult,
        FetchSourceRequest,
        FetchSourceResult,
        InventorySyncInput,
        InventorySyncResult,
    )
    from inventory.sources import live_sources


@workflow.defn
class InventorySyncWorkflow:
    @workflow.run
    async def run(self, request: InventorySyncInput) -> InventorySyncResult:
        sources = live_sources(request.sources)
        commits = await asyncio.gather(*(self._sync(source, request) for source in sources))
        return InventorySyncResult(
            commits=list(commits),
            errors=[f"{commit.source}: {commit.note}" for commit in commits if commit.note],
        )

    async def _sync(self, source: str, request: InventorySyncInput) -> CommitSnapshotResult:
        try:
            fetched = await workflow.execute_activity_method(
                InventoryActivities.fetch_source,
                FetchSourceRequest(source=source),
                start_to_close_timeout=timedelta(seconds=request.fetch_timeout_seconds),
                heartbeat_timeout=timedelta(seconds=request.heartbeat_timeout_seconds),
                retry_policy=RetryPolicy(maximum_attempts=2, initial_interval=timedelta(seconds=30)),
            )
        except ActivityError as failure:
            cause = failure.cause or failure
            fetched = FetchSourceResult(
                source=source, error=f"fetch failed: {cause}", fetched_at=workflow.now()
            )
        return await workflow.execute_activity_method(
            InventoryActivities.commit_snapshot,
            CommitSnapshotRequest(result=fetched),
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
