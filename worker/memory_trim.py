"""Give the worker's freed memory back to the operating system now and then.

A conversation's run allocates and frees many small blocks (payloads, protobufs, the SDK core's
state machines), from the Python side and from the core's threads. glibc keeps freed memory in its
arenas, so the RSS kept climbing by tens of KiB per message even after the runs that used it had
continued as new; `malloc_trim(0)` every half minute returns it (docs/memory.md measures both).
Elsewhere than glibc (macOS, musl) this does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger(__name__)


def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


async def trim_memory_periodically(interval_seconds: float) -> None:
    """Run until cancelled: every `interval_seconds`, a full garbage collection, then malloc_trim(0)
    in a thread (it walks the heap; the loop keeps serving meanwhile)."""
    trim = _malloc_trim()
    if trim is None or interval_seconds <= 0:
        return
    trim.argtypes = [ctypes.c_size_t]
    while True:
        await asyncio.sleep(interval_seconds)
        gc.collect()
        released = await asyncio.to_thread(trim, 0)
        log.debug("malloc_trim released memory: %s", bool(released))
