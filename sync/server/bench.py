"""Load benchmark of the campaign server over loopback, SQLite and PostgreSQL, beside its ceiling in the same run.

The server runs as ``sousveillance server run`` in its own process; a lean asyncio client (``loadgen.py``) drives
it with one keep-alive connection per device and measures its own CPU. The ceiling is a minimal Starlette endpoint
under the same uvicorn that checks the token and inserts the JSON into SQLite (``ceiling.py``). Afterwards the
database is counted: every acknowledged camera stored once (lost, duplicates). Prints figures; asserts nothing.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click

from . import loadgen

log = logging.getLogger(__name__)

TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    sent: int
    out: loadgen.Outcome
    server_cpu_s: float
    db_cpu_s: float | None = None
    lost: int | None = None
    duplicates: int | None = None
    features: int | None = None

    @property
    def rate(self) -> float:
        return len(self.out.acked) / self.out.wall_s if self.out.wall_s else 0.0

    def pct(self, q: float) -> float:
        lat = sorted(self.out.latencies) or [0.0]
        return lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]

    def line(self) -> str:
        n = max(1, len(self.out.latencies))
        text = (
            f"{self.name:9s} {len(self.out.acked):6d} submissions in {self.out.wall_s:6.2f} s = {self.rate:7.1f}/s  "
            f"p50 {statistics.median(self.out.latencies or [0.0]):6.1f} ms  p99 {self.pct(0.99):6.1f} ms  "
            f"CPU/request: server {self.server_cpu_s / n * 1000:.2f} ms"
        )
        if self.db_cpu_s is not None:
            text += f", database {self.db_cpu_s / n * 1000:.2f} ms"
        text += f", client {self.out.cpu_s / n * 1000:.2f} ms  errors {self.out.errors}"
        if self.lost is not None:
            text += f"  duplicates {self.duplicates}  lost {self.lost}  map features {self.features}"
        if self.out.reads:
            text += f"  reader {self.out.reads} pages ({self.out.read_features} features)"
        return text


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children_cpu(parent: int) -> float:
    total = cpu_seconds(parent)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                total += cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return total


def _wait_healthy(url: str, proc: subprocess.Popen, what: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2) as r:  # loopback
                if r.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise click.ClickException(f"{what}: the server did not start") from None
            time.sleep(0.2)


def _serve(cmd: list[str], port: int, what: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, what)
    except BaseException:
        proc.kill()
        raise
    return proc, url


def _work(url: str, tokens: list[str], per_device: int, seed: int) -> list[list[tuple[str, bytes]]]:
    host = url.split("//", 1)[1]
    return [
        [(f["id"], loadgen.put_request(host, tok, f)) for f in loadgen.features(i, per_device, seed)]
        for i, tok in enumerate(tokens)
    ]


def run_ceiling(devices: int, per_device: int, processes: int, max_seconds: float) -> Result:
    from .auth import hash_token
    from .pgtemp import free_port

    with tempfile.TemporaryDirectory() as tmp:
        tokens = [f"sv_ceiling_{i:04d}" for i in range(devices)]
        hashes = Path(tmp) / "tokens"
        hashes.write_text("\n".join(hash_token(t) for t in tokens))
        port = free_port()
        db = str(Path(tmp) / "ceiling.db")
        cmd = [sys.executable, "-m", "sousveillance.sync.server.ceiling", db, str(port), str(hashes)]
        proc, url = _serve(cmd, port, "ceiling")
        try:
            work = _work(url, tokens, per_device, seed=1)
            before = cpu_seconds(proc.pid)
            out = loadgen.run_load(url, work, processes=processes, max_seconds=max_seconds)
            server_cpu = cpu_seconds(proc.pid) - before
        finally:
            proc.terminate()
            proc.wait(10)
    return Result("ceiling", devices * per_device, out, server_cpu)


def _count(db_url: str, acked: list[str]) -> tuple[int, int, int]:
    """(lost, duplicates, map features): acknowledged cameras missing, and submissions stored or counted twice."""
    from .repo import Repository

    repo = Repository(db_url)
    try:
        uuids, rows, counted = repo.stored()
        n_features = repo.counts()["features"]
    finally:
        repo.close()
    lost = len(set(acked) - uuids)
    duplicates = (len(acked) - len(set(acked))) + (rows - len(uuids)) + abs(counted - rows)
    return lost, duplicates, n_features


def _warm(url: str) -> None:
    """Ask for the whole map once, as a server that has served it before holds every feature's GeoJSON."""
    import urllib.request

    with urllib.request.urlopen(f"{url}/api/v1/features", timeout=300) as r:  # loopback
        r.read()


def run_server(name: str, db_url: str, devices: int, per_device: int, processes: int, max_seconds: float,
               *, pg_pid: int | None = None, read_box: tuple | None = None, seed: int = 1,
               warm: bool = False, read_pause: float = 0.5) -> Result:  # fmt: skip
    from .pgtemp import free_port
    from .repo import Repository

    repo = Repository(db_url)
    tokens = [repo.add_device(f"bench-{seed}-{i}") for i in range(devices)]
    repo.close()
    port = free_port()
    code = "from sousveillance.sync.server.cli import server; server()"
    cmd = [sys.executable, "-c", code, "run", "--db", db_url, "--port", str(port), "--no-access-log"]
    proc, url = _serve(cmd, port, name)
    try:
        if warm:
            _warm(url)
        work = _work(url, tokens, per_device, seed)
        before, db_before = cpu_seconds(proc.pid), _children_cpu(pg_pid) if pg_pid else 0.0
        out = loadgen.run_load(
            url, work, processes=processes, max_seconds=max_seconds, read_box=read_box, read_pause=read_pause
        )
        server_cpu = cpu_seconds(proc.pid) - before
        db_cpu = _children_cpu(pg_pid) - db_before if pg_pid else None
    finally:
        proc.terminate()
        proc.wait(10)
    lost, dups, n_features = _count(db_url, out.acked)
    return Result(name, devices * per_device, out, server_cpu, db_cpu, lost, dups, n_features)


PRELOAD_BOX = (2.25, 48.80, 2.45, 48.90)  # west, south, east, north: Paris, around the load's 2 km square


def preload(db_url: str, count: int) -> None:
    """``count`` map features (one submission each) spread over ``PRELOAD_BOX``, written in bulk."""
    import random
    import uuid as uuidlib

    from .repo import Repository
    from .writes import now

    rng, stamp = random.Random(5), now()
    west, south, east, north = PRELOAD_BOX
    feats, subs = [], []
    for i in range(count):
        lat, lon, kind = rng.uniform(south, north), rng.uniform(west, east), rng.choice(["dome", "fixed", "ptz"])
        common = {
            "latitude": lat, "longitude": lon, "uncertainty_m": 4.0, "camera_type": kind, "mount": "wall",
            "sightings": 3, "updated_at": stamp,
        }  # fmt: skip
        feats.append({
            **common, "id": i + 1, "uuid": str(uuidlib.uuid4()), "direction": None, "surveillance": "public",
            "contributors": 1, "submissions": 1, "conflicts": 0, "check_date": "2026-11-20", "created_at": stamp,
        })  # fmt: skip
        subs.append({
            **common, "uuid": str(uuidlib.uuid4()), "feature_id": i + 1, "payload": "{}", "payload_hash": "0" * 64,
            "walk_uuid": str(uuidlib.uuid4()), "reviewed_at": "2026-11-20T10:00:00Z", "received_at": stamp,
        })  # fmt: skip
    repo = Repository(db_url)
    try:
        repo.bulk_load("preload", feats, subs)
    finally:
        repo.close()


def _pg_start():
    from .pgtemp import PostgresUnavailable, TempPostgres

    try:
        return TempPostgres().start()
    except PostgresUnavailable as exc:
        click.echo(f"postgres  skipped: {exc}")
        return None


@dataclass
class Plan:
    devices: int
    per_device: int
    clients: int
    max_seconds: float
    reader: int
    read_pause: float = 0.5
    read_per_device: int = 200
    ceiling: Result | None = None

    def ratio(self, res: Result) -> None:
        if self.ceiling is not None and self.ceiling.rate:
            click.echo(f"{'':9s} {res.rate / self.ceiling.rate:.2f} of the ceiling")


def _backend(name: str, plan: Plan, tmp: Path) -> None:
    """The runs of one backend: the load alone; with --reader, writes on a big map alone and beside a reader."""
    pg = _pg_start() if name == "postgres" else None
    if name == "postgres" and pg is None:
        return
    pid = pg.postmaster_pid() if pg else None

    def fresh() -> str:
        return pg.new_database() if pg else str(tmp / f"bench-{time.time_ns()}.db")

    def run(label: str, db: str, seed: int, read_box: tuple | None = None, warm: bool = False, per: int = 0) -> Result:
        res = run_server(label, db, plan.devices, per or plan.per_device, plan.clients, plan.max_seconds,
                         pg_pid=pid, read_box=read_box, seed=seed, warm=warm, read_pause=plan.read_pause)  # fmt: skip
        click.echo(res.line())
        return res

    try:
        plan.ratio(run(name, fresh(), 1))
        if plan.reader:
            db = fresh()
            preload(db, plan.reader)
            click.echo(f"{'':9s} {plan.reader} map features (the server has served the whole map once before each run);"
                       f" {plan.devices} devices x {plan.read_per_device} cameras; the reader pauses"
                       f" {plan.read_pause:g} s between two boxes")  # fmt: skip
            # alone, reader, reader, alone: a machine getting busier or quieter meanwhile weighs on both sides alike
            alone: list[Result] = []
            both: list[Result] = []
            for seed, side in enumerate(("alone", "read", "read", "alone"), start=2):
                box = PRELOAD_BOX if side == "read" else None
                label = f"{name}+read" if box else f"{name}+{plan.reader // 1000}k"
                (both if box else alone).append(run(label, db, seed, box, warm=True, per=plan.read_per_device))
            rate_alone = sum(r.rate for r in alone) / len(alone)
            rate_both = sum(r.rate for r in both) / len(both)
            if rate_alone:
                ratio = rate_both / rate_alone
                fall = f"{1 - ratio:+.0%} fall; means of two"
                click.echo(f"{'':9s} writes beside the reader: {ratio:.2f} of writes alone ({fall})")
    finally:
        if pg is not None:
            pg.stop()


@click.command(
    "server",
    epilog="""\b
Example:
  sousveillance bench server                       # 50 devices x 40 cameras: ceiling, SQLite, PostgreSQL
  sousveillance bench server --backend sqlite --devices 10 --per-device 5
  sousveillance bench server --backend sqlite --reader 50000   # writes alone, then beside a map reader""",
)
@click.option("--devices", default=50, show_default=True, type=click.IntRange(1, 500), help="Concurrent devices.")
@click.option("--per-device", default=40, show_default=True, type=click.IntRange(1, 1000), help="Cameras each sends.")
@click.option("--backend", type=click.Choice(["sqlite", "postgres", "both"]), default="both", show_default=True)
@click.option("--clients", default=1, show_default=True, type=click.IntRange(1, 16), help="Load client processes.")
@click.option(
    "--reader", default=0, show_default=True, type=click.IntRange(0, 200_000),
    help="Preload this many map features, then measure writes alone and beside one reader paging by bbox.",
)  # fmt: skip
@click.option(
    "--read-pause", default=0.5, show_default=True, type=click.FloatRange(0, 10),
    help="With --reader: seconds the reader waits between two boxes (a person panning); 0: as fast as it can.",
)  # fmt: skip
@click.option(
    "--read-per-device",
    default=200,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="With --reader: cameras each device sends in the two reader runs (long enough to see the reader).",
)
@click.option("--no-ceiling", is_flag=True, help="Skip the minimal endpoint (the ratio is then not printed).")
@click.option("--max-seconds", default=120.0, show_default=True, help="Stop each run after this long.")
def bench_server(
    devices: int, per_device: int, backend: str, clients: int, reader: int, read_pause: float, read_per_device: int,
    no_ceiling: bool, max_seconds: float,
) -> None:  # fmt: skip
    """Submissions per second, p99 latency and CPU per request of the campaign server under concurrent devices
    on loopback, beside a minimal endpoint's (the ceiling) in the same run."""
    load = os.getloadavg()[0]
    click.echo(
        f"{devices} devices x {per_device} cameras each, HTTP/1.1 keep-alive on 127.0.0.1, {clients} client "
        f"process(es); {os.cpu_count()} CPUs, load average {load:.1f} before the run"
    )
    plan = Plan(devices, per_device, clients, max_seconds, reader, read_pause, read_per_device)
    if not no_ceiling:
        plan.ceiling = run_ceiling(devices, per_device, clients, max_seconds)
        click.echo(plan.ceiling.line())
    for name in ["sqlite", "postgres"] if backend == "both" else [backend]:
        with tempfile.TemporaryDirectory() as tmp:
            _backend(name, plan, Path(tmp))
