"""InventorySyncWorkflow and its Schedule on the real Temporal dev server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.worker import Worker

from activities.inventory import InventoryActivities
from agents.models import CarPreferences
from config import Settings
from inventory.models import InventorySyncInput
from inventory.schedule import ensure_sync_schedule
from inventory.search import InventorySearchRequest
from tests.peers.http_peer import ThreadedServer
from tests.peers.inventory_site import SELLER_ID, InventorySite, mp_listing
from tests.test_inventory_http import seldenrijk_stock
from workflows.inventory_sync import InventorySyncWorkflow


@pytest.fixture(scope="module")
def site():
    site = InventorySite(seldenrijk_cars=seldenrijk_stock(20), per_page=15)
    site.mp_listings = [mp_listing({"itemId": "m4000000001", "title": "Tesla Model 3 Long Range AWD",
                                    "priceCents": 3195000, "attributes": {"constructionYear": 2022, "mileage": 48100,
                                                                          "fuel": "Elektrisch"}})]
    with ThreadedServer(site.app()) as server:
        site.url = server.url
        yield site


def make_settings(site, tmp_path, task_queue: str) -> Settings:
    return Settings(
        data_dir=tmp_path, inventory_sources=["website", "marktplaats", "sample"], temporal_task_queue=task_queue,
        inventory_website_url=f"{site.url}/aanbod-occasions", marktplaats_base_url=site.url,
        marktplaats_seller_id=SELLER_ID, scraper_delay_seconds=0, scraper_timeout_seconds=2,
    )


def worker(client, task_queue: str, activities: InventoryActivities) -> Worker:
    return Worker(client, task_queue=task_queue, workflows=[InventorySyncWorkflow],
                  activities=[activities.fetch_source, activities.commit_snapshot, activities.search_inventory])


async def test_sync_workflow_commits_each_source_and_search_sees_it(temporal_env, task_queue, site, tmp_path):
    settings = make_settings(site, tmp_path, task_queue)
    activities = InventoryActivities(settings)
    before = await activities.search_inventory(InventorySearchRequest(preferences=CarPreferences(make="Tesla")))
    assert before.is_sample_data
    site.fail("marktplaats", 1, status=403)
    async with worker(temporal_env.client, task_queue, activities):
        result = await temporal_env.client.execute_workflow(
            InventorySyncWorkflow.run, InventorySyncInput(sources=settings.inventory_sources),
            id=f"inventory-sync-{uuid.uuid4().hex[:8]}", task_queue=task_queue,
        )
        assert [(c.source, c.car_count, c.kept_previous) for c in result.commits] == [
            ("website", 20, False), ("marktplaats", 0, True)]
        assert result.errors == [f"marktplaats: SourceError: {site.url}/lrp/api/search: HTTP 403"]
        # The next run gets Marktplaats too, and the Tesla merges into the live index.
        await temporal_env.client.execute_workflow(
            InventorySyncWorkflow.run, InventorySyncInput(sources=settings.inventory_sources),
            id=f"inventory-sync-{uuid.uuid4().hex[:8]}", task_queue=task_queue,
        )
    after = await activities.search_inventory(InventorySearchRequest(preferences=CarPreferences(make="Tesla")))
    assert not after.is_sample_data and after.relaxed == []
    assert after.matches[0].car.id == "mp-m4000000001" and after.matches[0].car.fuel_type == "electric"
    assert activities.store.status("website").complete
    # the fetch activity also read each car's detail page and cached it with the snapshot
    assert all(car.details_at is not None for car in activities.store.listings(["website"]))
    assert len(activities.store.cached_details("website")) == 20


async def until(handle, condition, attempts: int = 300):
    for _ in range(attempts):
        info = (await handle.describe()).info
        if condition(info):
            return info
        await asyncio.sleep(0.05)
    raise AssertionError(f"schedule never reached the expected state: {info}")


async def test_schedule_is_idempotent_and_runs_the_sync(temporal_env, task_queue, site, tmp_path):
    settings = make_settings(site, tmp_path, task_queue)
    schedule_id = f"inventory-sync-test-{uuid.uuid4().hex[:8]}"
    activities = InventoryActivities(settings)
    async with worker(temporal_env.client, task_queue, activities):
        assert await ensure_sync_schedule(temporal_env.client, settings, schedule_id) == schedule_id
        handle = temporal_env.client.get_schedule_handle(schedule_id)
        try:
            described = await handle.describe()
            assert described.schedule.spec.intervals[0].every == timedelta(seconds=600)
            action = described.schedule.action
            assert isinstance(action, ScheduleActionStartWorkflow)
            assert action.workflow == "InventorySyncWorkflow" and action.task_queue == task_queue
            # Again, with a new interval: updated in place, not duplicated.
            faster = settings.model_copy(update={"rag_cache_duration_seconds": 300})
            await ensure_sync_schedule(temporal_env.client, faster, schedule_id)
            assert (await handle.describe()).schedule.spec.intervals[0].every == timedelta(seconds=300)
            await until(handle, lambda info: info.num_actions >= 1 and not info.running_actions)
            await handle.trigger()  # with the first run done: not skipped as an overlap
            info = await until(handle, lambda info: info.num_actions >= 2 and not info.running_actions)
            assert info.num_actions_skipped_overlap == 0
            status = activities.store.status("website")
            assert status.car_count == 20 and status.last_success is not None and status.complete
        finally:
            await handle.delete()
