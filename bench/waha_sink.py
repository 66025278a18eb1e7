"""A light WAHA stand-in for the benchmarks: records every sendText and answers 201.

Runs in its own process so it does not compete with the load generator's GIL. Each row is
(chatId, text, receive time on the system-wide monotonic clock), which the load generator
compares with its own send times. `GET /_bench/received?after=N` returns rows N and later;
`GET /_bench/wait?chat=C&count=N&timeout=S` answers once chat C has N replies (or after S s),
so a simulated customer can wait for its answer without polling. Other WAHA calls (seen,
typing) are answered 200 and not recorded.

    python bench/waha_sink.py --port 8123
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from urllib.parse import parse_qs

received: list[tuple[str, str, float]] = []
per_chat: dict[str, int] = defaultdict(int)
waiters: dict[str, list[tuple[int, asyncio.Future]]] = defaultdict(list)


def _record(chat_id: str, text: str, at: float) -> None:
    received.append((chat_id, text, at))
    per_chat[chat_id] += 1
    still = []
    for count, future in waiters.pop(chat_id, []):
        if per_chat[chat_id] >= count:
            if not future.done():
                future.set_result(None)
        else:
            still.append((count, future))
    if still:
        waiters[chat_id] = still


async def _wait(chat_id: str, count: int, timeout: float) -> int:
    if per_chat[chat_id] < count:
        future = asyncio.get_running_loop().create_future()
        waiters[chat_id].append((count, future))
        try:
            await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            pass
    return per_chat[chat_id]


async def _body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _answer(send, status: int, payload: object) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    path, method = scope["path"], scope["method"]
    if method == "POST" and path == "/api/sendText":
        at = time.monotonic()
        try:
            request = json.loads(await _body(receive))
            chat_id, text = request["chatId"], request["text"]
        except (ValueError, KeyError, TypeError):
            await _answer(send, 400, {"error": "chatId and text are required"})
            return
        _record(chat_id, text, at)
        await _answer(send, 201, {"id": f"true_{chat_id}_BENCH{len(received):08d}", "body": text})
    elif method == "GET" and path == "/_bench/received":
        after = int(parse_qs(scope["query_string"].decode()).get("after", ["0"])[0])
        await _answer(send, 200, received[after:])
    elif method == "GET" and path == "/_bench/wait":
        query = parse_qs(scope["query_string"].decode())
        got = await _wait(query["chat"][0], int(query["count"][0]), float(query.get("timeout", ["60"])[0]))
        await _answer(send, 200, {"count": got})
    elif method == "POST" and path.startswith("/api/"):
        await _body(receive)
        await _answer(send, 200, {})  # sendSeen, startTyping, ...: accepted, not a reply
    elif method == "GET" and path == "/health":
        await _answer(send, 200, {"status": "ok"})
    else:
        await _answer(send, 404, {"error": "not found"})


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_level="warning")
