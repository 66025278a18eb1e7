"""The worker's periodic malloc_trim gives freed memory back to the OS (worker/memory_trim.py)."""

from __future__ import annotations

import asyncio
import sys

import psutil
import pytest

from worker.memory_trim import trim_memory_periodically


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
async def test_freed_memory_goes_back_to_the_os():
    process = psutil.Process()
    blocks = [bytes(1000) + i.to_bytes(4, "little") for i in range(100_000)]  # ~100 MiB from malloc's heap
    blocks = blocks[::16]  # free 15 of every 16: holes between the survivors, which glibc keeps without a trim
    held = process.memory_info().rss
    trimming = asyncio.create_task(trim_memory_periodically(0.01))
    try:
        for _ in range(200):
            await asyncio.sleep(0.01)
            if process.memory_info().rss < held - 20 * 2**20:
                break
    finally:
        trimming.cancel()
    assert process.memory_info().rss < held - 20 * 2**20  # at least 20 MiB of the ~90 MiB freed went back
    del blocks


async def test_zero_turns_it_off():
    await asyncio.wait_for(trim_memory_periodically(0), 1)  # returns at once instead of looping
