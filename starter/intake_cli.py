"""`seldenrijk intake`: customer messages the webhook accepted that Temporal does not have yet.

Normally empty or seconds old. While Temporal is down they wait here and go out when it is
back; one Temporal refused for good stays here as refused until a person sends it again
(`retry`, after fixing the cause) or deletes it (`drop`). Staff-facing output is Dutch.
"""

from __future__ import annotations

from typing import TextIO

from config import Settings
from integrations.intake_store import IntakeRow, IntakeStore


def _line(row: IntakeRow) -> str:
    when = row.accepted_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    error = f"  laatste fout: {row.last_error[:160]}" if row.last_error else ""
    return f"  #{row.id:<6} {when}  {row.phone:<16} pogingen {row.attempts}{error}"


def show(settings: Settings, out: TextIO) -> int:
    store = IntakeStore.from_settings(settings)
    try:
        waiting, refused = store.waiting(), store.refused()
    finally:
        store.close()
    print(f"Wachtend op Temporal: {len(waiting)}", file=out)
    for row in waiting:
        print(_line(row), file=out)
    print(f"Geweigerd door Temporal: {len(refused)}", file=out)
    for row in refused:
        print(_line(row), file=out)
    if refused:
        print("Opnieuw versturen: seldenrijk intake retry ID; weggooien: seldenrijk intake drop ID", file=out)
    return 0


def act(settings: Settings, action: str, row_id: int, out: TextIO) -> int:
    store = IntakeStore.from_settings(settings)
    try:
        done = store.retry_refused(row_id) if action == "retry" else store.drop_refused(row_id)
    finally:
        store.close()
    if not done:
        print(f"Geen geweigerd bericht #{row_id} in de intake.", file=out)
        return 1
    print(f"Bericht #{row_id} " + ("staat weer in de rij; de API verstuurt het bij de volgende ronde."
                                    if action == "retry" else "is verwijderd."), file=out)
    return 0


async def cmd_intake(args, settings: Settings) -> int:
    import sys

    if args.intake_command in ("retry", "drop"):
        return act(settings, args.intake_command, args.id, sys.stdout)
    return show(settings, sys.stdout)
