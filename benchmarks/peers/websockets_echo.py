"""A WebSocket echo server on Python's `websockets` (Debian's python3-websockets), the peer
benchmarks/websocket_echo.mjs measures cairn-http-example's GET /ws/echo against.

    /usr/bin/python3 benchmarks/peers/websockets_echo.py

Listens on 127.0.0.1, a free port chosen by the kernel, and prints {"port": N} on one line once
it accepts connections. Every path echoes: text as text, binary as binary. Its natural shape:
one process, one thread, asyncio's default event loop. permessage-deflate is off (websockets
offers it by default; cairn has no compression, and the benchmark's client does not ask for it).
Serves until stdin closes, SIGTERM or SIGINT.
"""

import asyncio
import json
import signal
import sys

import websockets


async def echo(ws, _path):
    async for message in ws:
        await ws.send(message)


async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    # stdin closing (the benchmark exited without a signal) stops the server too.
    loop.add_reader(sys.stdin.fileno(), lambda: stop.done() or (
        sys.stdin.buffer.raw.read(4096) or stop.set_result(None)))
    async with websockets.serve(echo, "127.0.0.1", 0, compression=None,
                                max_size=1 << 20) as server:
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"port": port}), flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main())
