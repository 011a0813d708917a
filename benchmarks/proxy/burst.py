#!/usr/bin/env python3
"""A cold burst: N concurrent GETs of one URL, all sent at the same moment.

Opens N connections to 127.0.0.1:PORT first, then writes one request on each of them at once (HTTP/1.1,
Connection: close), reads every response to the end and checks it is a 200 with the expected body length.
Prints "ok=<n> failed=<n> seconds=<wall time from first write to last byte>" and exits 1 if any request failed.
"""
import argparse
import asyncio
import sys
import time


async def one(port, path, expected_length, connected, go):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    connected.release()
    await go.wait()
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1] if head else b"?"
    chunked = b"transfer-encoding: chunked" in head.lower()
    return status == b"200" and (chunked or len(body) == expected_length), status


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--length", type=int, default=2048)
    args = parser.parse_args()
    connected = asyncio.Semaphore(0)
    go = asyncio.Event()
    tasks = [asyncio.create_task(one(args.port, args.path, args.length, connected, go)) for _ in range(args.n)]
    for _ in range(args.n):
        await asyncio.wait_for(connected.acquire(), 30)
    start = time.monotonic()
    go.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    elapsed = time.monotonic() - start
    ok = sum(1 for r in results if not isinstance(r, BaseException) and r[0])
    failed = len(results) - ok
    statuses = sorted({(r[1].decode() if not isinstance(r, BaseException) else type(r).__name__) for r in results})
    print(f"ok={ok} failed={failed} seconds={elapsed:.3f} statuses={','.join(statuses)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
