"""Hands the intake's rows to Temporal, so the webhook can answer before Temporal does.

The webhook writes a row (integrations/intake_store.py) and calls `kick(chat_id)`; one task per
chat then delivers that chat's rows oldest first, so a chat's messages never overtake each other,
while different chats go in parallel (at most `concurrency` deliveries at once). A delivery that
fails because Temporal is unreachable is retried with backoff, for every chat together (one shared
gate, not a storm of retries); a row Temporal refuses for good (INVALID_ARGUMENT) is marked refused,
logged, counted and left for a person, and the chat goes on.

A sweep every third of the lease renews this process's claims and picks up rows nobody delivers:
left by an earlier process (at start) or by a crashed replica whose lease ran out (PostgreSQL,
several API hosts). Redelivering a row Temporal did take is harmless: ConversationWorkflow ignores a
message id it has seen.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timezone

from integrations.db import off_loop
from integrations.intake_store import IntakeRow, IntakeStore
from observability import metrics

log = logging.getLogger(__name__)
POLL_SECONDS = 0.05  # waiting for another replica's older row of the same chat, or for a chat to drain
MAX_BACKOFF_SECONDS = 5.0


class TemporalUnavailable(Exception):
    """Temporal cannot be reached now: try again later."""


class DeliveryRefused(Exception):
    """Temporal refused what the delivery asks for (INVALID_ARGUMENT): retrying cannot help."""


def _backoff(failures: int) -> float:
    return min(MAX_BACKOFF_SECONDS, 0.1 * 2 ** min(failures, 10)) * random.uniform(0.8, 1.2)


class IntakeForwarder:
    def __init__(self, store: IntakeStore, deliver: Callable[[IntakeRow], Awaitable[None]], *,
                 lease_seconds: float = 30.0, concurrency: int = 16, take_over_at_start: bool = False):
        self.store = store
        self.deliver = deliver
        self.lease_seconds = lease_seconds
        self.take_over_at_start = take_over_at_start
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._slots = asyncio.Semaphore(concurrency)
        self._chats: dict[str, asyncio.Task] = {}
        self._dirty: set[str] = set()
        self._sweeper: asyncio.Task | None = None
        self._down_failures = 0  # consecutive "Temporal unreachable": the shared gate's backoff
        self._retry_at = 0.0

    async def _run(self, call, *args):
        return await off_loop(self.store.db, call, *args)

    # --- the webhook's side -----------------------------------------------------------------------
    async def accept(self, chat_id: str, phone: str, sender_name: str | None, signal: str, payload: str) -> int:
        """Durably stored (and claimed by this process) before the webhook answers; delivered soon."""
        self.start()
        row_id = await self._run(self.store.add, chat_id, phone, sender_name, signal, payload,
                                 self.owner, time.time() + self.lease_seconds)
        self.kick(chat_id)
        return row_id

    def kick(self, chat_id: str) -> None:
        self._dirty.add(chat_id)
        task = self._chats.get(chat_id)
        if task is None or task.done():
            self._chats[chat_id] = asyncio.create_task(self._deliver_chat(chat_id), name=f"intake {chat_id}")

    async def drained(self, chat_ids: Iterable[str], timeout: float) -> bool:
        """True once none of these chats has a message waiting (an edit must not overtake its message)."""
        deadline = time.monotonic() + timeout
        for chat_id in set(chat_ids):
            while await self._run(self.store.waiting_in_chat, chat_id):
                if time.monotonic() > deadline:
                    return False
                self.kick(chat_id)
                await asyncio.sleep(POLL_SECONDS)
        return True

    # --- life cycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Idempotent: at the app's startup, or at the first webhook (an app run without lifespan)."""
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="intake sweep")

    async def stop(self) -> None:
        """Stop delivering; what is left stays in the store, released for the next process or replica."""
        tasks = [task for task in [self._sweeper, *self._chats.values()] if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._sweeper, self._chats = None, {}
        try:
            await self._run(self.store.release, self.owner)
        except Exception as exc:  # noqa: BLE001 - the lease runs out on its own
            log.warning("could not release intake rows", extra={"error": str(exc)[:200]})

    async def _sweep_forever(self) -> None:
        first = True
        while True:
            try:
                await self._sweep(first)
                first = False
            except Exception as exc:  # noqa: BLE001 - the database may be back at the next sweep
                log.warning("intake sweep failed", extra={"error": str(exc)[:200]})
            await asyncio.sleep(max(0.2, self.lease_seconds / 3))

    async def _sweep(self, first: bool) -> None:
        now = time.time()
        if first and self.take_over_at_start:
            await self._run(self.store.take_over_all, self.owner, now + self.lease_seconds)
        else:
            await self._run(self.store.renew, self.owner, now + self.lease_seconds)
        for chat_id in await self._run(self.store.chats_to_deliver, self.owner, now):
            self.kick(chat_id)

    # --- delivering ----------------------------------------------------------------------------------
    async def _deliver_chat(self, chat_id: str) -> None:
        try:
            await self._deliver_chat_rows(chat_id)
        finally:
            if self._chats.get(chat_id) is asyncio.current_task():  # a chat with nothing waiting holds no task
                del self._chats[chat_id]

    async def _deliver_chat_rows(self, chat_id: str) -> None:
        failures = 0
        while True:
            self._dirty.discard(chat_id)
            try:
                row = await self._run(self.store.head, chat_id)
                if row is None:
                    if chat_id in self._dirty:  # a row came in while we looked
                        continue
                    return
                now = time.time()
                if row.held_by_other(self.owner, now):
                    # An older message of this chat is another replica's: ours wait behind it.
                    if not await self._run(self.store.owns_any, chat_id, self.owner):
                        return
                    await asyncio.sleep(POLL_SECONDS)
                    continue
                if row.claimed_by != self.owner or (row.claim_until or 0) < now:
                    if not await self._run(self.store.claim, row.id, self.owner, now + self.lease_seconds, now):
                        continue  # another replica took it just now
                await self._deliver_row(row)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the store itself failing: try again later
                failures += 1
                log.warning("intake delivery loop failed", extra={"error": str(exc)[:200], "chat_id": chat_id})
                await asyncio.sleep(_backoff(failures))

    async def _deliver_row(self, row: IntakeRow) -> None:
        """Until Temporal took it or refused it for good (or it is no longer ours to deliver)."""
        failures = 0
        while True:
            while (wait := self._retry_at - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            if failures or self._down_failures:
                current = await self._run(self.store.get, row.id)
                if current is None or current.refused_at or current.held_by_other(self.owner, time.time()):
                    return  # forgotten (privacy), refused, or taken over while we waited
            try:
                async with self._slots:
                    await self.deliver(row)
            except DeliveryRefused as exc:
                log.error("Temporal refused an accepted message; kept in the intake as refused",
                          extra={"intake_id": row.id, "chat_id": row.chat_id, "error": str(exc)[:300]})
                metrics.INTAKE_REFUSED.inc()
                await self._run(self.store.refuse, row.id, f"refused by Temporal: {exc}")
                return
            except TemporalUnavailable as exc:
                self._down_failures += 1
                self._retry_at = max(self._retry_at, time.monotonic() + _backoff(self._down_failures))
                metrics.INTAKE_RETRIES.labels(reason="unavailable").inc()
                await self._note_failure(row, f"Temporal unreachable: {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - unknown: retried, never dropped
                failures += 1
                metrics.INTAKE_RETRIES.labels(reason="error").inc()
                log.warning("intake delivery failed; retrying",
                            extra={"intake_id": row.id, "error": f"{type(exc).__name__}: {exc}"[:300]})
                await self._note_failure(row, f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(_backoff(failures))
                continue
            self._down_failures = 0
            metrics.INTAKE_DELIVERY_SECONDS.observe(
                max(0.0, (datetime.now(timezone.utc) - row.accepted_at).total_seconds()))
            await self._run(self.store.delivered, row.id)
            return

    async def _note_failure(self, row: IntakeRow, error: str) -> None:
        try:
            await self._run(self.store.failed, row.id, error)
        except Exception:  # noqa: BLE001 - only bookkeeping
            pass
