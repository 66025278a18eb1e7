"""Judging a customer's edit (issue 17): a local activity, so the decision is recorded in the
history and a later change to the rules cannot change a replayed workflow's path."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from temporalio import activity

from agents import edits


class EditJudgement(BaseModel):
    original: str | None = None  # None: the edited message is no longer known (older than we keep)
    edited: str
    now: datetime


class EditVerdict(BaseModel):
    changes_meaning: bool
    note: str  # for staff: what changed and what the bot does about it


@activity.defn
async def judge_edit(request: EditJudgement) -> EditVerdict:
    changed = edits.changes_meaning(request.original, request.edited, request.now)
    return EditVerdict(changes_meaning=changed, note=edits.edit_note(request.original, request.edited, changed))
