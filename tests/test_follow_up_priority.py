"""Follow-ups are not customer replies: with a backlog on the task queue, the server hands every
reply's send to a worker before any follow-up's (Temporal priority keys, workflows/send_policy.py).

Temporal orders by priority within a task-queue partition; the production stack gives the agent's
queue one partition (deploy/temporal/dynamicconfig/production-sql.yaml), and so does the dev server
started here. On the shared test server (several partitions) the order is only mostly right.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.messaging import SendReplyRequest
from tests.pipeline import eventually
from workflows.send_policy import send_priority

SENDS = 10


@workflow.defn(name="SendPriorityProbe", sandboxed=False)
class SendPriorityProbe:
    """Schedules the follow-ups first, then the replies, all at once: a backlog like a busy evening."""

    @workflow.run
    async def run(self, count: int) -> None:
        requests = [SendReplyRequest(chat_id="x@c.us", text=f"follow-up {i}", reply_id=f"f{i}", follow_up_number=1)
                    for i in range(count)]
        requests += [SendReplyRequest(chat_id="x@c.us", text=f"reply {i}", reply_id=f"r{i}") for i in range(count)]
        await asyncio.gather(*(
            workflow.execute_activity("record_send", request, start_to_close_timeout=timedelta(seconds=30),
                                      priority=send_priority(request))
            for request in requests
        ))


async def test_replies_are_dispatched_before_follow_ups(task_queue):
    from workflows.converter import data_converter
    from temporalio.testing import WorkflowEnvironment

    from starter.binaries import temporal_cli

    order: list[str] = []

    @activity.defn(name="record_send")
    async def record_send(request: SendReplyRequest) -> None:
        order.append(request.text)

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()), data_converter=data_converter, ui=False,
        dev_server_log_level="error",
        dev_server_extra_args=[
            "--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
            "--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
        ],
    )
    try:
        await _play(env.client, task_queue, record_send)
    finally:
        await env.shutdown()
    assert sorted(order[:SENDS]) == sorted(f"reply {i}" for i in range(SENDS)), order
    assert all(text.startswith("follow-up") for text in order[SENDS:])


async def _play(client, task_queue: str, record_send) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[SendPriorityProbe],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        handle = await client.start_workflow(SendPriorityProbe.run, SENDS, id=f"probe-{uuid.uuid4().hex[:8]}",
                                             task_queue=task_queue)

        async def all_scheduled() -> bool:
            history = await handle.fetch_history()
            return sum(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED for e in history.events) == 2 * SENDS

        await eventually(all_scheduled)  # the backlog: nobody polls activities yet
        async with Worker(client, task_queue=task_queue, activities=[record_send], max_concurrent_activities=1):
            await asyncio.wait_for(handle.result(), 60)
