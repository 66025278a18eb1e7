"""The worker's periodic malloc_trim gives freed memory back to the OS (worker/memory_trim.py).

Measured in a fresh interpreter, so what the test process itself holds cannot blur the RSS."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from worker.memory_trim import trim_memory_periodically

PROBE = r"""
import asyncio, json, psutil
from worker.memory_trim import trim_memory_periodically

async def main():
    process = psutil.Process()
    blocks = [bytes(1000) + i.to_bytes(4, "little") for i in range(100_000)]  # ~100 MiB from malloc's heap
    blocks = blocks[::16]  # free 15 of every 16: holes between the survivors, which glibc keeps
    await asyncio.sleep(0.2)
    held = process.memory_info().rss
    trimming = asyncio.create_task(trim_memory_periodically(0.05))
    await asyncio.sleep(0.5)
    trimming.cancel()
    print(json.dumps({"held": held, "after": process.memory_info().rss}))

asyncio.run(main())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_memory_goes_back_to_the_os():
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, check=True).stdout
    rss = json.loads(out.strip().splitlines()[-1])
    assert rss["after"] < rss["held"] - 20 * 2**20  # at least 20 MiB of the ~90 MiB freed went back


async def test_zero_turns_it_off():
    await asyncio.wait_for(trim_memory_periodically(0), 1)  # returns at once instead of looping
