"""The replay check bites: an unguarded change to a workflow's commands fails the replay of
every recorded history of that workflow, and the same change behind `workflow.patched` passes.

The variants below are registered under the real workflow names, exactly as a careless edit
of workflows/*.py would be deployed.
"""

from __future__ import annotations

import inspect
import typing
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from workflows.converter import data_converter
from temporalio.worker import Replayer

from inventory.models import InventorySyncInput, InventorySyncResult
from worker.build import WORKFLOWS
from workflows.conversation import ConversationWorkflow
from workflows.escalation import EscalationWorkflow
from workflows.inventory_sync import InventorySyncWorkflow
from workflows.models import ConversationInput, EscalationInput, EscalationStatus, PrivacyRequestInput, PrivacyStatus
from workflows.privacy import PrivacyRequestWorkflow

HISTORIES = sorted((Path(__file__).parent / "data" / "histories").glob("*.json"))


def workflow_type(history: WorkflowHistory) -> str:
    return history.events[0].workflow_execution_started_event_attributes.workflow_type.name


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())


# --- careless edits: a new timer before the first step -------------------------------------
@workflow.defn(name="ConversationWorkflow", sandboxed=False)
class ConversationWithExtraTimer(ConversationWorkflow):
    @workflow.run
    async def run(self, state: ConversationInput) -> None:
        await workflow.sleep(timedelta(seconds=1))  # e.g. "wait a moment before answering"
        await super().run(state)


@workflow.defn(name="EscalationWorkflow", sandboxed=False)
class EscalationWithExtraTimer(EscalationWorkflow):
    @workflow.run
    async def run(self, input: EscalationInput) -> EscalationStatus:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(input)


@workflow.defn(name="InventorySyncWorkflow", sandboxed=False)
class InventoryWithoutFetch(InventorySyncWorkflow):
    """An activity removed: commit the previous snapshot without scraping first."""

    @workflow.run
    async def run(self, request: InventorySyncInput) -> InventorySyncResult:
        return InventorySyncResult()


@workflow.defn(name="PrivacyRequestWorkflow", sandboxed=False)
class PrivacyWithExtraTimer(PrivacyRequestWorkflow):
    @workflow.run
    async def run(self, input: PrivacyRequestInput) -> PrivacyStatus:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(input)


# --- the same edits behind a patch: old histories take the old path -------------------------
@workflow.defn(name="ConversationWorkflow", sandboxed=False)
class ConversationWithPatchedTimer(ConversationWorkflow):
    @workflow.run
    async def run(self, state: ConversationInput) -> None:
        if workflow.patched("test-extra-timer"):
            await workflow.sleep(timedelta(seconds=1))
        await super().run(state)


@workflow.defn(name="EscalationWorkflow", sandboxed=False)
class EscalationWithPatchedTimer(EscalationWorkflow):
    @workflow.run
    async def run(self, input: EscalationInput) -> EscalationStatus:
        if workflow.patched("test-extra-timer"):
            await workflow.sleep(timedelta(seconds=1))
        return await super().run(input)


@workflow.defn(name="InventorySyncWorkflow", sandboxed=False)
class InventoryWithPatchedSkip(InventorySyncWorkflow):
    @workflow.run
    async def run(self, request: InventorySyncInput) -> InventorySyncResult:
        if workflow.patched("test-skip-fetch"):
            return InventorySyncResult()
        return await super().run(request)


@workflow.defn(name="PrivacyRequestWorkflow", sandboxed=False)
class PrivacyWithPatchedTimer(PrivacyRequestWorkflow):
    @workflow.run
    async def run(self, input: PrivacyRequestInput) -> PrivacyStatus:
        if workflow.patched("test-extra-timer"):
            await workflow.sleep(timedelta(seconds=1))
        return await super().run(input)


CARELESS = {
    "ConversationWorkflow": ConversationWithExtraTimer,
    "EscalationWorkflow": EscalationWithExtraTimer,
    "InventorySyncWorkflow": InventoryWithoutFetch,
    "PrivacyRequestWorkflow": PrivacyWithExtraTimer,
}
GUARDED = {
    "ConversationWorkflow": ConversationWithPatchedTimer,
    "EscalationWorkflow": EscalationWithPatchedTimer,
    "InventorySyncWorkflow": InventoryWithPatchedSkip,
    "PrivacyRequestWorkflow": PrivacyWithPatchedTimer,
}


def _variant(cls, guarded: bool):
    """Any other workflow (one argument): the same extra timer first, guarded or not."""
    definition = workflow._Definition.must_from_class(cls)
    hints = typing.get_type_hints(cls.run)
    argument = next(name for name in hints if name != "return")

    async def run(self, arg):
        if not guarded or workflow.patched("test-extra-timer"):
            await workflow.sleep(timedelta(seconds=1))
        return await cls.run(self, arg)

    run.__annotations__ = {argument: hints[argument], "return": hints.get("return")}
    run.__signature__ = inspect.signature(cls.run)  # the same parameters as the real run and init
    name = f"{'Patched' if guarded else 'Careless'}{cls.__name__}"
    run.__qualname__ = f"{name}.run"  # the SDK refuses handlers of local classes
    variant = type(name, (cls,), {"run": workflow.run(run), "__module__": __name__, "__qualname__": name})
    return workflow.defn(name=definition.name, sandboxed=False)(variant)


def variant_for(kind: str, guarded: bool):
    chosen = (GUARDED if guarded else CARELESS).get(kind)
    if chosen is not None:
        return chosen
    [cls] = [cls for cls in WORKFLOWS if workflow._Definition.must_from_class(cls).name == kind]
    return _variant(cls, guarded)


def replayer_with(variant) -> Replayer:
    others = [cls for cls in WORKFLOWS if not issubclass(variant, cls)]
    return Replayer(workflows=[*others, variant], data_converter=data_converter)


def test_each_workflow_has_a_recorded_history():
    types = {workflow_type(load(path)) for path in HISTORIES}
    assert types >= set(CARELESS)


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_an_unguarded_change_fails_the_replay(path: Path):
    history = load(path)
    replayer = replayer_with(variant_for(workflow_type(history), guarded=False))
    with pytest.raises(workflow.NondeterminismError):
        await replayer.replay_workflow(history, raise_on_replay_failure=True)


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_the_same_change_behind_a_patch_replays(path: Path):
    history = load(path)
    replayer = replayer_with(variant_for(workflow_type(history), guarded=True))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
