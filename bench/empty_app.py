"""Floor for the webhook benchmark: the same FastAPI + uvicorn set-up with an empty endpoint.

It reads the body like the real webhook does and answers the same shape, but does no
parsing and no Temporal call. Uvicorn gets the options `seldenrijk api` uses.

    python bench/empty_app.py --port 8124
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import API_UVICORN_OPTIONS  # noqa: E402

app = FastAPI()


@app.post("/webhook/waha")
async def webhook(request: Request):
    await request.body()
    return {"status": "queued"}


@app.get("/health")
async def health():
    return {"status": "ok"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # Served the way `seldenrijk api` serves (starter/cli.py cmd_api): Server.serve in asyncio.run.
    asyncio.run(uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=args.port, **API_UVICORN_OPTIONS)).serve())
