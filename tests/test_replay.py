"""Recorded workflow histories replay without non-determinism errors against the current code."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from workflows.converter import data_converter
from temporalio.worker import Replayer

from worker.build import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "data" / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_recorded_history_replays(path: Path):
    history = WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


def test_the_released_shapes_are_kept():
    """Histories are added, never re-recorded or dropped (docs/versioning.md)."""
    assert {"conversation", "escalation", "inventory_sync"} <= {path.stem for path in HISTORIES}


def test_every_patch_id_is_unique_and_documented():
    """workflows/patches.py holds the ids; docs/versioning.md says what each guards."""
    from workflows import patches

    ids = [value for name, value in vars(patches).items() if name.startswith("PATCH_")]
    assert ids and len(ids) == len(set(ids))
    docs = (Path(__file__).parent.parent / "docs" / "versioning.md").read_text()
    assert [patch_id for patch_id in ids if f"`{patch_id}`" not in docs] == []
