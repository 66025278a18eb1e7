"""The `seldenrijk` command.

Each command runs in a single event loop (one `asyncio.run`): Temporal clients must not
outlive their loop, and a second loop per process crashes at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable

from config import Settings, reload_settings


def _settings(args: argparse.Namespace) -> Settings:
    if getattr(args, "data_dir", None):
        os.environ["DATA_DIR"] = args.data_dir
    settings = reload_settings()
    from observability.logging import configure_logging

    configure_logging(settings)
    return settings


async def _client(settings: Settings, runtime=None):
    from starter.devstack import connect

    address = settings.temporal_address or "127.0.0.1:7233"
    return await connect(address, settings.temporal_namespace, wait_seconds=5, runtime=runtime)


def cmd_run(args, settings: Settings) -> Awaitable[None]:
    from starter.devstack import run_stack

    return run_stack(
        settings, port=args.port, temporal_port=args.temporal_port, ui_port=args.ui_port, host=args.host,
        worker_in_process=args.worker_in_process, worker_processes=args.worker_processes,
    )


async def cmd_worker(args, settings: Settings) -> None:
    import signal

    from observability.metrics import start_metrics_server
    from worker.build import running_worker

    from observability.metrics import sdk_runtime

    if settings.app_metrics_port:
        start_metrics_server(settings.app_metrics_port)
    client = await _client(settings, runtime=sdk_runtime(settings.worker_metrics_port))
    # Production runs `seldenrijk worker` (not `run`): the inventory schedule is ensured here, or
    # nothing would ever sync and the bot would answer from the sample cars forever. Idempotent,
    # so every replica may do it; a changed RAG_CACHE_DURATION_SECONDS updates the interval.
    from inventory.schedule import ensure_sync_schedule

    schedule_id = await ensure_sync_schedule(client, settings)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with running_worker(client, settings, role=args.role):
        what = {"all": "", "workflows": " for workflows", "activities": " for activities"}[args.role]
        print(f"worker polling task queue '{settings.temporal_task_queue}'{what} (schedule '{schedule_id}')", flush=True)
        await stop.wait()


async def cmd_api(args, settings: Settings) -> None:
    import uvicorn

    from starter.api import LazyTemporalClient, create_app

    address = settings.temporal_address or "127.0.0.1:7233"
    app = create_app(settings, LazyTemporalClient(settings, address))
    # log_config=None: uvicorn's records go through our masking JSON handler too.
    config = uvicorn.Config(app, host=args.host, port=args.port, log_config=None, access_log=False)
    await uvicorn.Server(config).serve()


def _use_model_cache(settings: Settings) -> None:
    """The rules' second opinion loads from MODEL_CACHE_DIR (DATA_DIR/cache) instead of retraining (agents/rules/model_cache.py)."""
    from agents.rules.model_cache import use_cache_dir

    use_cache_dir(settings.model_cache_path)


async def cmd_analyze(args, settings: Settings) -> None:
    import json

    from agents.rules import RulesEngine
    from agents.understanding import analyze_lines

    _use_model_cache(settings)
    if settings.anthropic_api_key:
        from integrations.claude import ClaudeBackend

        backend = ClaudeBackend(settings)
    else:
        backend = RulesEngine()
    lines = (line.rstrip("\n") for line in sys.stdin)
    async for row in analyze_lines(lines, backend):
        print(json.dumps(row, ensure_ascii=False), flush=True)


async def cmd_inventory(args, settings: Settings) -> int:
    from inventory import cli as inventory_cli

    if args.inventory_command == "sync":
        return await inventory_cli.sync_async(settings, sys.stdout)
    if args.inventory_command == "search":
        _use_model_cache(settings)
        return inventory_cli.search(settings, " ".join(args.query), limit=args.limit, as_json=args.json)
    if args.inventory_command == "status":
        return inventory_cli.status(settings)
    return inventory_cli.list_cars(settings, as_json=args.json)


async def cmd_chatwoot(args, settings: Settings) -> None:
    import json

    from starter.chatwoot_setup import run_setup

    print(json.dumps(await run_setup(settings), indent=2, ensure_ascii=False))


async def cmd_escalations(args, settings: Settings) -> None:
    from starter import escalations_cli

    client = await _client(settings)
    if args.escalation_command == "list":
        statuses = await escalations_cli.list_escalations(client)
        facts = await escalations_cli.conversation_facts(client, statuses)
        escalations_cli.print_escalations(statuses, args.json, facts=facts)
    elif args.escalation_command == "ack":
        await escalations_cli.ack(client, args.escalation_id, args.by)
        print(f"acknowledged {args.escalation_id}")
    elif args.escalation_command == "resolve":
        await escalations_cli.resolve(client, args.escalation_id, args.outcome, args.by)
        print(f"resolved {args.escalation_id}")


async def cmd_tradein(args, settings: Settings) -> int:
    from starter import tradein_cli

    client = await _client(settings)
    try:
        value = await tradein_cli.set_value(client, args.phone, args.amount, args.by)
    except tradein_cli.TradeInCliError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    print(f"indicatieve inruilwaarde voor {args.phone}: € {value.amount_eur:,}".replace(",", "."))
    return 0


async def cmd_testdrives(args, settings: Settings) -> int:
    from datetime import date

    from starter import testdrives_cli

    if args.testdrive_command == "list":
        day = None
        if args.day:
            try:
                day = date.fromisoformat(args.day)
            except ValueError:
                print(f"--day wil een datum als 2026-12-12, niet {args.day!r}", file=sys.stderr)
                return 2
        testdrives_cli.print_bookings(settings, day, args.json)
        return 0
    client = await _client(settings)
    try:
        booking = await testdrives_cli.act(client, settings, args.booking_id, args.testdrive_command, args.by, via="cli")
    except testdrives_cli.BookingNotFound:
        print(f"onbekende proefrit: {args.booking_id}", file=sys.stderr)
        return 1
    except testdrives_cli.BookingClosed as exc:
        print(str(exc), file=sys.stderr)
        return 1
    done = {"confirm": "bevestigd", "cancel": "geannuleerd", "no-show": "als niet verschenen gemarkeerd"}
    print(f"{testdrives_cli.describe(booking, settings)} – {done[args.testdrive_command]}")
    return 0


async def cmd_privacy(args, settings: Settings) -> int:
    from starter import privacy_cli

    target = args.phone
    if args.privacy_command != "approve" and not privacy_cli.valid_phone(target):
        print(f"not a phone number: {target!r}", file=sys.stderr)
        return 2
    client = await _client(settings)
    if args.privacy_command == "export":
        privacy_cli.print_json(await privacy_cli.export(client, settings, target))
    elif args.privacy_command == "forget":
        report = await privacy_cli.forget(client, settings, target)
        privacy_cli.print_json(report.model_dump())
        return 1 if report.errors else 0
    else:
        try:
            status = await privacy_cli.approve(client, target, args.by)
        except privacy_cli.PrivacyRequestNotFound as exc:
            print(f"no privacy request {exc}", file=sys.stderr)
            return 1
        print(f"approved {status.request_id} ({status.input.kind})")
    return 0


async def cmd_converse(args, settings: Settings) -> int:
    from starter.converse import parse_script, play

    with open(args.file, encoding="utf-8") as handle:
        script = parse_script(handle)
    if not script:
        print(f"{args.file}: no messages in the script", file=sys.stderr)
        return 2
    await play(script, settings, sys.stdout)
    return 0


async def cmd_db(args, settings: Settings) -> int:
    from starter.db_cli import cmd_db as run

    return await run(args, settings)


async def cmd_leads(args, settings: Settings) -> None:
    from starter.leads_cli import print_leads

    print_leads(settings, as_json=args.json)


def build_parser() -> argparse.ArgumentParser:
    data_dir_help = "where state, outboxes and the dev server's database live (DATA_DIR, default var/)"
    parser = argparse.ArgumentParser(prog="seldenrijk", description="Seldenrijk Auto WhatsApp sales agent")
    parser.add_argument("--data-dir", help=data_dir_help)
    # Every command also takes --data-dir after its name (`seldenrijk run --data-dir x`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=data_dir_help)
    commands = parser.add_subparsers(dest="command", required=True)

    def add_command(name: str, **kwargs) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[common], **kwargs)

    run = add_command("run", help="start the local stack: Temporal dev server + UI, worker, API")
    run.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    run.add_argument("--temporal-port", type=int, default=7233)
    run.add_argument("--ui-port", type=int, default=8233)
    run.add_argument("--host", default="127.0.0.1",
                     help="address the API listens on (default 127.0.0.1: this machine only; 0.0.0.0 for the LAN)")
    run.add_argument("--worker-in-process", action="store_true",
                     help="run the worker on the API's event loop instead of as its own process (slower; for comparison)")
    run.add_argument("--worker-processes", type=int, choices=[1, 2], default=2,
                     help="2 (default): one for the workflows and their local activities, one for the activities; "
                          "1: one process for both (for comparison)")
    run.set_defaults(handler=cmd_run)

    worker = add_command("worker", help="run only the Temporal worker")
    worker.add_argument("--role", choices=["all", "workflows", "activities"], default="all",
                        help="all (default); or workflows with their local activities, or only the activities, "
                             "as two processes (what `run` starts)")
    worker.set_defaults(handler=cmd_worker)

    api = add_command("api", help="run only the webhook API")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--host", default="0.0.0.0")
    api.set_defaults(handler=cmd_api)

    add_command(
        "analyze", help="read messages from stdin, print router/extraction/expertise as JSON lines"
    ).set_defaults(handler=cmd_analyze)

    inventory = add_command("inventory", help="the car inventory snapshot")
    inventory_commands = inventory.add_subparsers(dest="inventory_command", required=True)
    inventory_commands.add_parser("sync", parents=[common], help="sync every source now")
    search = inventory_commands.add_parser("search", parents=[common], help='e.g. seldenrijk inventory search "golf diesel tot 25k"')
    search.add_argument("query", nargs="+")
    search.add_argument("--json", action="store_true", help="the full search result as JSON")
    search.add_argument("--limit", type=int, default=10, help="how many cars to show (default 10)")
    inventory_commands.add_parser("status", parents=[common], help="per-source status and snapshot age")
    listing = inventory_commands.add_parser("list", parents=[common], help="every car in the snapshot")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    inventory.set_defaults(handler=cmd_inventory)

    chatwoot = add_command("chatwoot", help="Chatwoot account set-up")
    chatwoot_commands = chatwoot.add_subparsers(dest="chatwoot_command", required=True)
    chatwoot_commands.add_parser("setup", parents=[common], help="create custom attributes and labels (idempotent)")
    chatwoot.set_defaults(handler=cmd_chatwoot)

    escalations = add_command("escalations", help="open escalations: list, ack, resolve")
    escalation_commands = escalations.add_subparsers(dest="escalation_command", required=True)
    listing = escalation_commands.add_parser("list", parents=[common])
    listing.add_argument("--json", action="store_true")
    ack = escalation_commands.add_parser("ack", parents=[common])
    ack.add_argument("escalation_id")
    ack.add_argument("--by", default=os.environ.get("USER"))
    resolve = escalation_commands.add_parser("resolve", parents=[common])
    resolve.add_argument("escalation_id")
    resolve.add_argument("--outcome", default="resolved")
    resolve.add_argument("--by", default=os.environ.get("USER"))
    escalations.set_defaults(handler=cmd_escalations)

    tradein = add_command("tradein", help="trade-ins: enter an indicative value (then 'bijbetalen' can be computed)")
    tradein_commands = tradein.add_subparsers(dest="tradein_command", required=True)
    value = tradein_commands.add_parser("value", parents=[common], help="seldenrijk tradein value PHONE AMOUNT")
    value.add_argument("phone", help="the customer's number, e.g. +31612345678")
    value.add_argument("amount", help="indicative value in euros, e.g. 6000, 6.000 or 6k")
    value.add_argument("--by", default=os.environ.get("USER"))
    tradein.set_defaults(handler=cmd_tradein)

    testdrives = add_command("testdrives", help="test drives: list, confirm, cancel, no-show")
    testdrive_commands = testdrives.add_subparsers(dest="testdrive_command", required=True)
    listing = testdrive_commands.add_parser("list", parents=[common], help="day, time, car, customer, state")
    listing.add_argument("--day", help="only this day, e.g. 2026-12-12")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    for action in ("confirm", "cancel", "no-show"):
        command = testdrive_commands.add_parser(action, parents=[common])
        command.add_argument("booking_id")
        command.add_argument("--by", default=os.environ.get("USER"))
    testdrives.set_defaults(handler=cmd_testdrives)
    privacy = add_command("privacy", help="AVG: export or forget everything about a phone, approve a request")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)
    for name, what in (("export", "print everything held about PHONE as JSON"),
                       ("forget", "delete everything about PHONE (audited without personal data)")):
        command = privacy_commands.add_parser(name, parents=[common], help=what)
        command.add_argument("phone")
    approve = privacy_commands.add_parser("approve", parents=[common], help="approve a waiting privacy request")
    approve.add_argument("phone", metavar="PHONE_OR_REQUEST_ID")
    approve.add_argument("--by", default=os.environ.get("USER"))
    privacy.set_defaults(handler=cmd_privacy)

    converse = add_command("converse", help="play a scripted conversation through the whole stack, print the transcript")
    converse.add_argument("file", help='one message a line: "klant: ...", "medewerker: ...", "naam: ..."')
    converse.set_defaults(handler=cmd_converse)

    database = add_command("db", help="the stores' database (DATABASE_URL)")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    imported = database_commands.add_parser(
        "import-sqlite", parents=[common],
        help="copy the SQLite stores of a data dir (default DATA_DIR) into the PostgreSQL of DATABASE_URL")
    imported.add_argument("--from", dest="from_dir", help="the data dir whose *.sqlite3 files to copy")
    database.set_defaults(handler=cmd_db)

    from starter.intake_cli import cmd_intake

    intake = add_command("intake", help="customer messages accepted by the webhook, not yet in Temporal")
    intake_commands = intake.add_subparsers(dest="intake_command")
    for action, what in (("retry", "send a message Temporal refused again"), ("drop", "delete a refused message")):
        command = intake_commands.add_parser(action, parents=[common], help=what)
        command.add_argument("id", type=int)
    intake.set_defaults(handler=cmd_intake)

    leads = add_command("leads", help="leads in the local CRM record, hottest first")
    leads.add_argument("--json", action="store_true")
    leads.set_defaults(handler=cmd_leads)
    return parser


def _loop_factory(args: argparse.Namespace):
    """uvloop for the API (a cheaper event loop per webhook), also under `run` when the worker has its own
    process; the default loop elsewhere."""
    if args.command == "api" or (args.command == "run" and not args.worker_in_process):
        try:
            import uvloop

            return uvloop.new_event_loop
        except ImportError:
            pass
    return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = _settings(args)
    handler: Callable = args.handler
    try:
        with asyncio.Runner(loop_factory=_loop_factory(args)) as runner:
            code = runner.run(handler(args, settings))
    except KeyboardInterrupt:
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
