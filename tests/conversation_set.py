"""The scripted conversation set (issue 14): play each chat through the whole stack and check it.

Each file in tests/data/conversations/ is one WhatsApp chat: the customer's lines, sometimes a
staff line, and after each customer line what the dealer's number must (and must not) say and
what the dialogue state must hold. The chats run through the real API app, a Temporal dev
server and a worker with the rules engine, exactly as `seldenrijk converse` plays them.

Besides each turn's own expectations, every reply of every chat is checked for what a demanding
customer notices: an answer at all, the customer's language and register, no paragraph said
twice, no "ik snap het niet" where the message was clear.
"""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from agents.knowledge import financial
from agents.knowledge.dealer import load_dealer
from agents.language import detect_language
from starter.converse import Conversation
from config import PROJECT_ROOT
from workflows.models import ConversationSnapshot, conversation_workflow_id

DEALER = load_dealer(PROJECT_ROOT / "dealer.yaml")
CONVERSATIONS_DIR = Path(__file__).parent / "data" / "conversations"

# Said again on purpose: the AFM requires the credit warning with every example payment.
MAY_REPEAT = ("let op! geld lenen kost geld.",)
CONFUSED = re.compile(r"snap ik niet|begrijp ik niet|don't understand|do not understand|verstehe ich nicht|nicht verstanden", re.I)
# "je"/"jij" in a chat where the customer says "u"; and the informal greetings.
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie zien je|hoi|hey|doei)\b", re.I)
PARAGRAPH_MIN_CHARS = 30  # shorter lines ("Graag gedaan!") may come back


@dataclass
class Turn:
    speaker: str  # klant, medewerker
    text: str
    says: list[str] = field(default_factory=list)  # regexes that must all match (case-insensitive)
    not_says: list[str] = field(default_factory=list)
    cars: list[str] = field(default_factory=list)  # stock car ids whose title and price must be named
    payment: list[int | str] = field(default_factory=list)  # [car id, down payment, months]: the example named
    not_cars: list[str] = field(default_factory=list)  # stock car ids that must not be named
    state: dict[str, Any] = field(default_factory=dict)  # dotted path in the `state` snapshot -> value
    quiet: bool = False  # no reply expected (a person is chatting)
    confused_ok: bool = False


@dataclass
class Script:
    name: str
    title: str
    covers: list[str]
    language: str
    register: str
    profile_name: str
    turns: list[Turn]


@dataclass
class Played:
    script: Script
    replies: list[list[str]] = field(default_factory=list)  # per turn, what the dealer's number sent
    snapshots: list[dict] = field(default_factory=list)  # per turn, the workflow's state afterwards

    def transcript(self) -> str:
        lines = []
        for turn, replies in zip(self.script.turns, self.replies):
            lines.append(f"{turn.speaker}: {turn.text}")
            lines.extend("bot: " + reply.replace("\n", "\n     ") for reply in replies)
            lines.append("")
        return "\n".join(lines)


def load_scripts(directory: Path = CONVERSATIONS_DIR) -> list[Script]:
    scripts = []
    for path in sorted(directory.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        turns = []
        for item in raw["turns"]:
            speaker = "medewerker" if "medewerker" in item else "klant"
            turns.append(Turn(
                speaker=speaker,
                text=str(item[speaker]),
                says=list(item.get("says", [])),
                not_says=list(item.get("not_says", [])),
                cars=list(item.get("cars", [])),
                payment=list(item.get("payment", [])),
                not_cars=list(item.get("not_cars", [])),
                state=dict(item.get("state", {})),
                quiet=bool(item.get("quiet", speaker == "medewerker")),
                confused_ok=bool(item.get("confused_ok", False)),
            ))
        scripts.append(Script(
            name=path.stem,
            title=raw["title"],
            covers=list(raw.get("covers", [])),
            language=raw.get("language", "nl"),
            register=raw.get("register", "je"),
            profile_name=raw.get("name", ""),
            turns=turns,
        ))
    return scripts


async def play_script(chat: Conversation, script: Script) -> Played:
    played = Played(script)
    handle = chat.client.get_workflow_handle(conversation_workflow_id(chat.phone))
    for turn in script.turns:
        if turn.speaker == "medewerker":
            replies = [reply for reply in await chat.staff_says(turn.text) if reply != turn.text]
        else:
            replies = await chat.say(turn.text, script.profile_name)
        snapshot = await handle.query("state", result_type=ConversationSnapshot)
        played.replies.append(replies)
        played.snapshots.append(json.loads(snapshot.model_dump_json()))
    return played


async def play_all(make_chat, scripts: list[Script], parallel: int = 4) -> dict[str, Played]:
    """Play every script, a few chats at a time (each on its own phone number)."""
    gate = asyncio.Semaphore(parallel)

    async def one(script: Script) -> tuple[str, Played | BaseException]:
        async with gate:
            try:
                return script.name, await play_script(make_chat(), script)
            except Exception as exc:  # reported by that script's own test
                return script.name, exc

    return dict(await asyncio.gather(*(one(script) for script in scripts)))


# --- checks ---------------------------------------------------------------------------------
def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(reply: str) -> list[str]:
    return [_norm(part) for part in re.split(r"\n\s*\n", reply) if part.strip()]


def dotted(data: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(data, list):
            data = data[int(key)] if key.lstrip("-").isdigit() else [dotted(item, key) for item in data]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def problems(played: Played, cars: dict) -> list[str]:
    """Everything a demanding customer would object to, turn by turn (empty when all is well)."""
    script, found, said = played.script, [], set()
    for index, (turn, replies, snapshot) in enumerate(zip(script.turns, played.replies, played.snapshots), 1):
        where = f"turn {index} ({turn.text!r})"
        text = "\n\n".join(replies)
        if turn.quiet:
            if replies:
                found.append(f"{where}: the bot spoke while a person was chatting: {text!r}")
            continue
        if not replies:
            found.append(f"{where}: no reply")
            continue
        for paragraph in paragraphs(text):
            if len(paragraph) >= PARAGRAPH_MIN_CHARS and paragraph not in MAY_REPEAT and paragraph in said:
                found.append(f"{where}: said again: {paragraph!r}")
        said.update(paragraphs(text))
        if not turn.confused_ok and CONFUSED.search(text):
            found.append(f"{where}: the bot did not understand: {text!r}")
        language = detect_language(_without_cars(text, cars))
        if language != script.language:
            found.append(f"{where}: reply in {language}, the chat is in {script.language}: {text!r}")
        if script.language == "nl" and script.register == "u" and INFORMAL.search(text):
            found.append(f"{where}: 'je' or 'hoi' to a customer who says 'u': {INFORMAL.search(text).group(0)!r} in {text!r}")
        for pattern in turn.says:
            if not re.search(pattern, text, re.I):
                found.append(f"{where}: missing /{pattern}/ in {text!r}")
        for pattern in turn.not_says:
            if re.search(pattern, text, re.I):
                found.append(f"{where}: should not say /{pattern}/: {text!r}")
        for car_id in turn.cars:
            car = cars[car_id]
            if car.title not in text or not re.search(money_pattern(car.price_eur), text):
                found.append(f"{where}: {car.title} ({financial.format_eur(car.price_eur)}) not named: {text!r}")
        if turn.payment:
            car_id, down, months = turn.payment
            months = DEALER.financing.default_months if months == "default" else int(months)
            example = financial.example_payment(cars[car_id].price_eur, DEALER, months, int(down))
            if not re.search(money_pattern(example.monthly_payment_eur, cents=True), text):
                found.append(f"{where}: the example payment {example.monthly_payment_eur:.2f} per month is missing: {text!r}")
        for car_id in turn.not_cars:
            if cars[car_id].title in text:
                found.append(f"{where}: named {cars[car_id].title}, which it should not: {text!r}")
        for path, expected in turn.state.items():
            actual = dotted(snapshot, path)
            if not _matches(actual, expected):
                found.append(f"{where}: state {path} is {actual!r}, expected {expected!r}")
    return found


def money_pattern(amount: float, cents: bool = False) -> str:
    """€ 23.950 (Dutch, German) or €23,950 (English); with cents € 390,06 or €390.06."""
    whole = f"{int(amount):,}".replace(",", "[.,]")
    if not cents:
        return rf"€\s?{whole}(?![.,]?\d)"
    return rf"€\s?{whole}[.,]{round(amount * 100) % 100:02d}"


def _matches(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and expected.startswith("~"):  # a regex on the text of the value
        return actual is not None and re.search(expected[1:], str(actual), re.I) is not None
    return actual == expected


def _without_cars(text: str, cars: dict) -> str:
    """Car titles and links say nothing about the language."""
    for car in cars.values():
        text = text.replace(car.title, " ")
    return re.sub(r"https?://\S+", " ", text)
