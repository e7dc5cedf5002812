"""Load benchmark of the campaign server: many devices submitting at once over loopback, SQLite and PostgreSQL.

Prints figures; asserts nothing about speed. The server runs in its own process (``sousveillance server run``) so
that the load generator does not share its interpreter.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from dataclasses import dataclass
from pathlib import Path

import click

log = logging.getLogger(__name__)


@dataclass
class BenchResult:
    backend: str
    submissions: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    features: int

    def line(self) -> str:
        rate = self.submissions / self.seconds if self.seconds else 0.0
        return (
            f"{self.backend:9s} {self.submissions:6d} submissions in {self.seconds:6.2f} s = {rate:7.1f}/s  "
            f"p50 {self.p50_ms:6.1f} ms  p99 {self.p99_ms:6.1f} ms  errors {self.errors}  map features {self.features}"
        )


def _features(device: int, count: int, rng: random.Random) -> list[dict]:
    from sousveillance.device.store import CameraRow, WalkRow

    from ..wire import camera_feature

    walk = WalkRow(id=device, uuid=str(uuidlib.uuid4()), started_at="2026-11-20T09:00:00Z", status="completed",
                   device_id=f"bench-{device}", model="bench", model_version="1")
    out = []
    for i in range(count):
        # a 2 km square; one camera in five is one another device also saw (same spot, a few metres off)
        spot = rng.randrange(count * 40) if rng.random() < 0.8 else i
        lat = 48.85 + (spot % 200) * 0.0001 + rng.gauss(0, 0.00002)
        lon = 2.30 + (spot // 200) * 0.00015 + rng.gauss(0, 0.00002)
        camera = CameraRow(
            id=i, uuid=str(uuidlib.uuid4()), walk_id=device, camera_type=rng.choice(["dome", "fixed", "ptz"]),
            mount="wall", latitude=lat, longitude=lon, uncertainty_m=rng.uniform(1.5, 8), review_state="confirmed",
            reviewer="bench", reviewed_at="2026-11-20T10:00:00Z", sightings_count=3,
        )
        out.append(camera_feature(camera, walk))
    return out


async def _device(client, token: str, feats: list[dict], latencies: list[float], errors: list[int]) -> None:  # noqa: ANN001
    headers = {"Authorization": f"Bearer {token}"}
    for feat in feats:
        start = time.perf_counter()
        try:
            response = await client.put(f"/api/v1/cameras/{feat['id']}", json=feat, headers=headers)
            ok = response.status_code in (200, 201)
        except Exception:  # noqa: BLE001 - counted, the run goes on
            ok = False
        latencies.append((time.perf_counter() - start) * 1000)
        if not ok:
            errors.append(1)


async def _load(url: str, tokens: list[str], per_device: int, max_seconds: float) -> tuple[list[float], int, float]:
    import httpx

    rng = random.Random(7)
    work = [_features(i, per_device, rng) for i in range(len(tokens))]
    latencies: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=len(tokens) + 5)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        start = time.perf_counter()
        tasks = [_device(client, t, w, latencies, errors) for t, w in zip(tokens, work, strict=True)]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=max_seconds)
        except asyncio.TimeoutError:
            log.warning("benchmark stopped after %.0f s", max_seconds)
        elapsed = time.perf_counter() - start
    return latencies, len(errors), elapsed


def run_backend(backend: str, db_url: str, devices: int, per_device: int, max_seconds: float) -> BenchResult:
    import httpx

    from .pgtemp import free_port
    from .repo import Repository

    repo = Repository(db_url)
    tokens = [repo.add_device(f"bench-{i}") for i in range(devices)]
    port = free_port()
    code = "from sousveillance.sync.server.cli import server; server()"
    cmd = [sys.executable, "-c", code, "run", "--db", db_url, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise click.ClickException(f"{backend}: the server did not start") from None
                time.sleep(0.2)
        latencies, errors, elapsed = asyncio.run(_load(url, tokens, per_device, max_seconds))
    finally:
        proc.terminate()
        proc.wait(10)
    lat = sorted(latencies) or [0.0]
    p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
    result = BenchResult(
        backend, len(latencies) - errors, errors, elapsed, statistics.median(lat), p99, repo.counts()["features"]
    )
    repo.close()
    return result


@click.command(
    "server",
    epilog="""\b
Example:
  sousveillance bench server                       # 50 devices x 20 cameras, SQLite and PostgreSQL
  sousveillance bench server --backend sqlite --devices 10 --per-device 5""",
)
@click.option("--devices", default=50, show_default=True, type=click.IntRange(1, 500), help="Concurrent devices.")
@click.option("--per-device", default=20, show_default=True, type=click.IntRange(1, 1000), help="Cameras each sends.")
@click.option("--backend", type=click.Choice(["sqlite", "postgres", "both"]), default="both", show_default=True)
@click.option("--max-seconds", default=120.0, show_default=True, help="Stop each backend's run after this long.")
def bench_server(devices: int, per_device: int, backend: str, max_seconds: float) -> None:
    """Submissions per second and p99 latency of the campaign server under concurrent devices on loopback."""
    from .pgtemp import PostgresUnavailable, TempPostgres

    click.echo(f"{devices} devices x {per_device} cameras each, over HTTP on 127.0.0.1")
    if backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            click.echo(run_backend("sqlite", str(Path(tmp) / "bench.db"), devices, per_device, max_seconds).line())
    if backend in ("postgres", "both"):
        try:
            pg = TempPostgres().start()
        except PostgresUnavailable as exc:
            click.echo(f"postgres  skipped: {exc}")
            return
        try:
            click.echo(run_backend("postgres", pg.new_database(), devices, per_device, max_seconds).line())
        finally:
            pg.stop()
