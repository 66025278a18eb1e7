from temporalio import workflow
from temporalio.worker import Worker
from datetime import timedelta

@workflow.defn
class _Sleepy:
    @workflow.run
    async def run(self) -> str:
        await workflow.sleep(timedelta(hours=3))
        return "awake"

async def test_dev_server(temporal_env, task_queue):
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=[_Sleepy]):
        h = await temporal_env.client.start_workflow(_Sleepy.run, id=task_queue, task_queue=task_queue)
        assert (await h.describe()).status is not None

async def test_time_skipping(time_env, task_queue):
    async with Worker(time_env.client, task_queue=task_queue, workflows=[_Sleepy]):
        assert await time_env.client.execute_workflow(_Sleepy.run, id=task_queue, task_queue=task_queue) == "awake"
