"""Follow-up activities (issue 17): thin adapters from the conversation to agents/followup.py.

Both run as local activities: the dealer's hours, the worker's FOLLOW_UP_* settings and the
inventory are read here, and the history records the result, so a replay never re-reads them.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from temporalio import activity

from agents.followup import FollowUpDraft, FollowUpFacts, FollowUpPlan, draft_follow_up, is_open, next_open_moment, plan_follow_up, why_not
from agents.knowledge.dealer import dealer_facts
from config import Settings
from inventory.search import InventorySearchRequest
from observability import metrics


class PlanFollowUpRequest(BaseModel):
    facts: FollowUpFacts
    count_reply: bool = False  # the customer wrote within 48 hours of our follow-up: count it once


class PrepareFollowUpRequest(BaseModel):
    facts: FollowUpFacts
    number: int  # 1st or 2nd
    now: datetime
    language: str | None = "nl"
    address_form: str | None = "je"
    name: str | None = None
    car_id: str | None = None
    car: str | None = None  # "Volkswagen Golf Variant"
    wish: str | None = None  # "Volkswagen Golf" (preferences) when no single car was discussed


class PreparedFollowUp(BaseModel):
    draft: FollowUpDraft | None = None
    retry_at: datetime | None = None  # closed now: try again at the next opening
    reason: str = ""


def _short_title(car) -> str:
    return " ".join(part for part in (car.make, car.model) if part) or car.id


class FollowUpActivities:
    def __init__(self, settings: Settings, catalog=None):
        self.settings = settings
        self.catalog = catalog  # InventoryCatalog: is the car still for sale, and what is like it

    def _with_settings(self, facts: FollowUpFacts) -> FollowUpFacts:
        return facts.model_copy(update={
            "enabled": self.settings.follow_up_enabled,
            "after_hours": self.settings.follow_up_after_hours,
            "max_count": self.settings.follow_up_max,
            "second_after_days": self.settings.follow_up_second_after_days,
        })

    @activity.defn
    async def plan_follow_up(self, request: PlanFollowUpRequest) -> FollowUpPlan:
        if request.count_reply:
            metrics.FOLLOW_UP_REPLIES.inc()
        return plan_follow_up(self._with_settings(request.facts), dealer_facts(self.settings.dealer_config_file))

    @activity.defn
    async def prepare_follow_up(self, request: PrepareFollowUpRequest) -> PreparedFollowUp:
        """At the planned moment: every rule again (things change in a day), open now, the car still there."""
        dealer = dealer_facts(self.settings.dealer_config_file)
        facts = self._with_settings(request.facts)
        reason = why_not(facts)
        if reason:
            return PreparedFollowUp(reason=reason)
        if not is_open(request.now, dealer):
            return PreparedFollowUp(retry_at=next_open_moment(request.now, dealer), reason="gesloten: bij opening")
        car, sold, alternative = request.car, False, None
        if request.car_id and self.catalog is not None:
            index = self.catalog.index()
            found = index.get(request.car_id)
            if found is not None:
                car = _short_title(found)
                sold = found.sold
            if sold:
                result = index.search(InventorySearchRequest(
                    preferences={}, asks_availability=True, referenced_car_ids=[request.car_id], text="",
                ))
                others = [match.car for match in result.matches if match.car.id != request.car_id and not match.car.sold]
                alternative = _short_title(others[0]) if others else None
        draft = draft_follow_up(
            number=request.number, now=request.now, dealer=dealer, language=request.language,
            address_form=request.address_form, name=request.name, car=car, car_sold=sold,
            alternative=alternative, wish=request.wish,
        )
        return PreparedFollowUp(draft=draft, reason=draft.reason)
