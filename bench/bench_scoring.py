"""Lead-score agreement with a sales manager's labels (tests/data/scoring_set.jsonl).

Each case is a short conversation (customer messages, optionally a stock car the customer
came from) labelled with the band a Dutch sales manager would give it, and why. Every
message runs through the same pure steps as ConversationWorkflow: understand (rules
engine), stock search, conversation memory, reply, lead score. Prints the agreement and
every disagreement.

    .venv/bin/python bench/bench_scoring.py
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.booking_models import BookedDrive  # noqa: E402
from agents.context import absorb_reply, absorb_understanding, prepare_context  # noqa: E402
from agents.models import Car, ConversationContext, CRMOutput, ReplyRequest  # noqa: E402
from agents.rules.engine import RulesEngine  # noqa: E402
from agents.scoring import score_lead  # noqa: E402
from inventory.search import InventoryIndex, InventorySearchRequest  # noqa: E402

DATA = ROOT / "tests" / "data"
SET = DATA / "scoring_set.jsonl"
# 20 more conversations, labelled after the rules were tuned on SET and measured once before
# any change (18/20); the two misses were then fixed, so it is no longer a clean hold-out.
HOLDOUT = DATA / "scoring_holdout.jsonl"
STOCK = DATA / "scoring_stock.json"
# A Tuesday morning in Harderwijk: "vandaag" is a Tuesday, "morgen" a Wednesday, "zaterdag" four days away.
NOW = datetime(2026, 12, 8, 9, 30, tzinfo=timezone.utc)
CAR_INTENTS = ("car_inquiry", "test_drive", "financing_inquiry", "price_negotiation", "trade_in")


def load(path: Path = SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def stock(path: Path = STOCK) -> list[Car]:
    return [Car.model_validate(car) for car in json.loads(path.read_text(encoding="utf-8"))]


def _wants_inventory(understanding) -> bool:
    extraction = understanding.extraction
    return bool(understanding.router.intent in CAR_INTENTS or extraction.asks_availability
                or extraction.refers_to_previous_car or extraction.asks_monthly_payment
                or (extraction.car_preferences.make and understanding.router.intent not in ("complaint", "greeting")))


def run_case(case: dict, engine: RulesEngine, index: InventoryIndex, cars: dict[str, Car]) -> CRMOutput:
    """The lead score after the case's last message, computed as the workflow computes it."""
    shown = [cars[car_id] for car_id in case.get("shown", [])]
    context = ConversationContext(last_cars=shown, opted_out=bool(case.get("opted_out")))
    if case.get("test_drive_booked"):  # as the test-drive agenda records a booking
        car = shown[0]
        start = NOW + timedelta(days=2)
        booking = BookedDrive(booking_id=f"td-{case['id']}", car_id=car.id, car_title=car.title, start=start,
                              end=start + timedelta(minutes=30))
        context.test_drive.bookings.append(booking)
    previous: CRMOutput | None = None
    at = NOW
    for text in case["messages"]:
        context = prepare_context(context, at)
        understanding = engine.understand(text, context)
        inventory = None
        if _wants_inventory(understanding) and not understanding.expertise.escalation_decision.escalate:
            inventory = index.search(InventorySearchRequest(
                preferences=understanding.extraction.car_preferences,
                asks_availability=understanding.extraction.asks_availability,
                referenced_car_ids=[car.id for car in context.last_cars], text=text))
        after = absorb_understanding(context, text, at, understanding)
        reply = engine.reply_sync(ReplyRequest(text=text, context=context, router=understanding.router,
                                               extraction=understanding.extraction, expertise=understanding.expertise,
                                               inventory=inventory))
        previous = score_lead(after, understanding, escalated=after.escalated, previous=previous, now=at, inventory=inventory)
        candidates = list(after.last_cars) + ([m.car for m in inventory.matches] if inventory else [])
        if inventory and inventory.asked_car:
            candidates.append(inventory.asked_car)
        by_id = {car.id: car for car in candidates}
        shown = [by_id[car_id] for car_id in reply.mentioned_car_ids if car_id in by_id]
        context = absorb_reply(after, reply.response_text, at + timedelta(seconds=5), shown)
        at += timedelta(minutes=2)
    assert previous is not None
    return previous


def evaluate(cases: list[dict], engine: RulesEngine | None = None) -> dict:
    engine = engine or RulesEngine(now=lambda: NOW)
    cars = {car.id: car for car in stock()}
    index = InventoryIndex(list(cars.values()))
    rows = []
    for case in cases:
        crm = run_case(case, engine, index, cars)
        missing_tags = [tag for tag in case.get("tags", []) if tag not in crm.tags]
        rows.append({"id": case["id"], "expected": case["band"], "got": crm.lead_quality, "score": crm.lead_score,
                     "agree": crm.lead_quality == case["band"], "missing_tags": missing_tags,
                     "explanation": crm.explanation, "why": case["why"]})
    agreed = sum(row["agree"] for row in rows)
    return {"cases": len(rows), "agreed": agreed, "agreement": agreed / len(rows) if rows else 0.0, "rows": rows}


def main() -> None:
    paths = [Path(arg) for arg in sys.argv[1:]] or [SET, HOLDOUT]
    engine = RulesEngine(now=lambda: NOW)
    for path in paths:
        result = evaluate(load(path), engine)
        print(f"{path.name}:")
        for row in result["rows"]:
            if not row["agree"] or row["missing_tags"]:
                print(f"- {row['id']}: label {row['expected']}, scored {row['got']} ({row['score']})"
                      + (f", missing tags {row['missing_tags']}" if row["missing_tags"] else "")
                      + f"\n    label: {row['why']}\n    score: {row['explanation']}")
        print(f"  agreement with the sales manager's bands: {result['agreed']}/{result['cases']} = {result['agreement']:.1%}")


if __name__ == "__main__":
    main()
