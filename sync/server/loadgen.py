"""A lean load client for the server benchmark: raw HTTP/1.1 keep-alive over asyncio streams, one connection per
device, requests built before the clock starts, and its own CPU time measured (an HTTP library would cost more CPU
per request than the server under test). Loopback only; bounded in count and time.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import multiprocessing
import random
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one client process saw: latencies (ms) of answered requests, UUIDs acknowledged, failures."""

    latencies: list[float] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    repeated: int = 0  # answered "unchanged" although sent once: the server had it already (a duplicate)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    cpu_s: float = 0.0
    wall_s: float = 0.0
    reads: int = 0  # reader pages fetched
    read_features: int = 0

    def add(self, other: Outcome) -> None:
        self.latencies += other.latencies
        self.acked += other.acked
        self.repeated += other.repeated
        self.errors += other.errors
        for k, v in other.statuses.items():
            self.statuses[k] = self.statuses.get(k, 0) + v
        self.cpu_s += other.cpu_s
        self.wall_s = max(self.wall_s, other.wall_s)
        self.reads += other.reads
        self.read_features += other.read_features


def features(device: int, count: int, seed: int) -> list[dict]:
    """``count`` cameras of one device in a 2 km square of Paris; one in five is also seen by another device."""
    from sousveillance.device.store import CameraRow, WalkRow

    from ..wire import camera_feature

    rng = random.Random(seed * 1000 + device)
    walk = WalkRow(
        id=device, uuid=str(uuidlib.uuid4()), started_at="2026-11-20T09:00:00Z", status="completed",
        device_id=f"bench-{device}", model="bench", model_version="1",
    )  # fmt: skip
    out = []
    for i in range(count):
        spot = rng.randrange(count * 40) if rng.random() < 0.8 else i
        lat = 48.85 + (spot % 200) * 0.0001 + rng.gauss(0, 0.00002)
        lon = 2.30 + (spot // 200) * 0.00015 + rng.gauss(0, 0.00002)
        camera = CameraRow(
            id=i, uuid=str(uuidlib.uuid4()), walk_id=device, camera_type=rng.choice(["dome", "fixed", "ptz"]),
            mount="wall", latitude=lat, longitude=lon, uncertainty_m=rng.uniform(1.5, 8), review_state="confirmed",
            reviewer="bench", reviewed_at="2026-11-20T10:00:00Z", sightings_count=3,
            direction=rng.choice([None, rng.uniform(0, 359)]),
        )  # fmt: skip
        out.append(camera_feature(camera, walk))
    return out


def put_request(host: str, token: str, feature: dict) -> bytes:
    body = json.dumps(feature, separators=(",", ":")).encode()
    head = (
        f"PUT /api/v1/cameras/{feature['id']} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    line = await reader.readline()
    if not line:
        raise ConnectionError("connection closed")
    status, length = int(line[9:12]), 0
    while True:
        header = await reader.readline()
        if header in (b"\r\n", b""):
            break
        if header[:15].lower() == b"content-length:":
            length = int(header[15:])
    return status, await reader.readexactly(length)


async def _device(addr: tuple[str, int], requests: list[tuple[str, bytes]], out: Outcome) -> None:
    conn = None
    for uuid, raw in requests:
        start = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection(*addr)
            conn[1].write(raw)
            status, body = await _response(conn[0])
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            out.errors += 1
            if conn is not None:
                conn[1].close()
            conn = None
            continue
        out.latencies.append((time.perf_counter() - start) * 1000)
        out.statuses[status] = out.statuses.get(status, 0) + 1
        if status in (200, 201):
            out.acked.append(uuid)
            if b'"unchanged"' in body:
                out.repeated += 1
        else:
            out.errors += 1
    if conn is not None:
        conn[1].close()


async def _reader(
    addr: tuple[str, int], box: tuple[float, float, float, float], stop: asyncio.Event, out: Outcome, pause: float
) -> None:
    """Page the map by random boxes (1/16 of ``box``: west, south, east, north), following the next links without
    a pause and without ETags (every page is built and sent, gzipped); ``pause`` seconds between two boxes, as a
    person panning the map waits (0: a client paging as fast as it can)."""
    rng = random.Random(3)
    reader, writer = await asyncio.open_connection(*addr)
    host = f"{addr[0]}:{addr[1]}"
    west, south, east, north = box
    try:
        while not stop.is_set():
            dx, dy = (east - west) / 4, (north - south) / 4
            w, s = rng.uniform(west, east - dx), rng.uniform(south, north - dy)
            path: str | None = f"/collections/cameras/items?bbox={w:.5f},{s:.5f},{w + dx:.5f},{s + dy:.5f}&limit=1000"
            while path and not stop.is_set():
                request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/geo+json\r\n"
                writer.write(f"{request}Accept-Encoding: gzip\r\n\r\n".encode())  # as GDAL and browsers ask
                status, body = await _response(reader)
                if status != 200:
                    out.errors += 1
                    break
                page = json.loads(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
                out.reads += 1
                out.read_features += len(page["features"])
                nxt = next((lk["href"] for lk in page.get("links", []) if lk["rel"] == "next"), None)
                path = urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
            if pause:
                try:
                    await asyncio.wait_for(stop.wait(), pause)
                except TimeoutError:
                    pass
    finally:
        writer.close()


async def _run(url: str, work: list[list[tuple[str, bytes]]], max_seconds: float) -> Outcome:
    parts = urlsplit(url)
    addr = (parts.hostname or "127.0.0.1", parts.port or 80)
    out = Outcome()
    cpu, start = time.process_time(), time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.gather(*(_device(addr, w, out) for w in work)), timeout=max_seconds)
    except TimeoutError:
        log.warning("load stopped after %.0f s", max_seconds)
    out.wall_s = time.perf_counter() - start
    out.cpu_s = time.process_time() - cpu
    return out


def _writers(url: str, work: list[list[tuple[str, bytes]]], max_seconds: float, start_at: float, queue) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    queue.put(asyncio.run(_run(url, work, max_seconds)))


def _read_until(url: str, box: tuple, pause: float, stop, queue) -> None:
    """The reader, in a process of its own (its JSON decoding must not slow the writers' client)."""
    parts = urlsplit(url)
    addr = (parts.hostname or "127.0.0.1", parts.port or 80)

    async def main() -> Outcome:
        out, done = Outcome(), asyncio.Event()

        async def watch() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.02)
            done.set()

        watcher = asyncio.ensure_future(watch())
        try:
            await _reader(addr, box, done, out, pause)
        except Exception as exc:  # noqa: BLE001 - a reader failure is counted, the write figures stand
            log.warning("reader: %s", exc)
            out.errors += 1
        await watcher
        return out

    queue.put(asyncio.run(main()))


def run_load(url: str, work: list[list[tuple[str, bytes]]], *, processes: int = 1, max_seconds: float = 120.0,
             read_box: tuple | None = None, read_pause: float = 0.5) -> Outcome:  # fmt: skip
    """Send every device's requests (one connection per device), spread over ``processes`` client processes;
    with ``read_box``, one more process pages the map meanwhile (its reads are counted, its CPU is not)."""
    ctx = multiprocessing.get_context("fork")
    reader, stop, queue = None, ctx.Event(), ctx.Queue()
    if read_box is not None:
        reader = ctx.Process(target=_read_until, args=(url, read_box, read_pause, stop, queue))
        reader.start()
        time.sleep(0.3)  # already paging when the writers start
    if processes <= 1:
        total = asyncio.run(_run(url, work, max_seconds))
    else:
        start_at = time.time() + 0.5
        procs = [ctx.Process(target=_writers, args=(url, work[i::processes], max_seconds, start_at, queue))
                 for i in range(processes)]  # fmt: skip
        for p in procs:
            p.start()
        total = Outcome()
        for _ in procs:
            total.add(queue.get(timeout=max_seconds + 60))
        for p in procs:
            p.join(10)
    if reader is not None:
        stop.set()
        read = queue.get(timeout=60)
        reader.join(10)
        total.reads, total.read_features, total.errors = read.reads, read.read_features, total.errors + read.errors
    return total
