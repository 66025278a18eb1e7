"""The Temporal Schedule that keeps the inventory snapshot fresh."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from config import Settings
from inventory.models import InventorySyncInput
from workflows.inventory_sync import InventorySyncWorkflow

SCHEDULE_ID = "inventory-sync"
WORKFLOW_ID = "inventory-sync"  # the schedule appends the start time


def build_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            InventorySyncWorkflow.run,
            InventorySyncInput(sources=list(settings.inventory_sources)),
            id=WORKFLOW_ID,
            task_queue=settings.temporal_task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.rag_cache_duration_seconds))]),
        # A slow scrape must not pile up runs; a worker that was down catches up once, not N times.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(minutes=1)),
        state=ScheduleState(note="Keeps the local inventory snapshot fresh (website + Marktplaats)."),
    )


async def ensure_sync_schedule(client: Client, settings: Settings, schedule_id: str = SCHEDULE_ID) -> str:
    """Create the schedule (and run it once now), or update it to the current settings."""
    schedule = build_schedule(settings)
    try:
        await client.create_schedule(schedule_id, schedule, trigger_immediately=True)
    except ScheduleAlreadyRunningError:
        def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule.state = current.description.schedule.state  # keep a pause staff set
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(update)
    return schedule_id
