"""The worker runs workflows unsandboxed for speed; CI still runs them in the default sandbox.

A non-deterministic call (datetime.now, random, I/O) in workflow code fails the workflow
task in the sandbox, so the conversation below would never be answered.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event
from worker.build import running_worker

TEXTS = ["Hoi, hebben jullie een Volkswagen Golf?", "Staat die nog?", "Wat zijn jullie openingstijden op zaterdag?"]


async def test_a_conversation_runs_in_the_default_sandbox(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue), worker=False) as p:
        async with running_worker(temporal_env.client, p.settings, runner=SandboxedWorkflowRunner()):
            for number, text in enumerate(TEXTS, start=1):
                assert (await p.post(message_event(phone, text))).status_code == 200
                assert len(await p.waha.wait_for(number, chat, timeout=15)) == number
            state = await p.wait_until(phone, lambda s: s.messages_processed == 3 and not s.crm_pending)
    assert [record.error_occurred for record in state.recent] == [False, False, False]

