"""Helpers for sync tests: walk databases with reviewed cameras, campaign servers on loopback."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from sousveillance.device.store.db import Store, utcnow
from sousveillance.sync.server.pgtemp import free_port


@dataclass
class Cam:
    lat: float
    lon: float
    camera_type: str = "dome"
    mount: str = "wall"
    direction: float | None = None
    uncertainty_m: float = 3.0
    state: str = "confirmed"
    surveillance: str | None = "public"
    crop: bool = True
    uuid: str = ""


def make_walk_db(path: Path, cams: list[Cam], device_id: str = "pi-1") -> Store:
    """A walk database as the survey + review would leave it: one walk, cameras with crops and review states."""
    store = Store(path)
    walk_id = store.start_walk(source="test.mp4", model="yolo11n-cctv", model_version="2026.11", device_id=device_id)
    store.end_walk(walk_id)
    rng = np.random.default_rng(0)
    with store.batch() as db:
        for i, cam in enumerate(cams):
            cam.uuid = cam.uuid or str(uuidlib.uuid4())
            crop = None
            if cam.crop:
                crop = store.save_crop(walk_id, f"cam{i}", rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
            db["cameras"].insert(
                {
                    "uuid": cam.uuid,
                    "walk_id": walk_id,
                    "track_id": i + 1,
                    "camera_type": cam.camera_type,
                    "mount": cam.mount,
                    "direction": cam.direction,
                    "latitude": cam.lat,
                    "longitude": cam.lon,
                    "uncertainty_m": cam.uncertainty_m,
                    "position_method": "triangulation",
                    "has_position": 1,
                    "confidence": 0.8,
                    "sightings_count": 5,
                    "first_seen": f"2026-11-20T10:00:{i:02d}Z",
                    "best_crop": crop,
                    "review_state": cam.state,
                    "surveillance": cam.surveillance,
                    "reviewer": "alice" if cam.state != "pending" else None,
                    "reviewed_at": utcnow() if cam.state != "pending" else None,
                    "updated_at": utcnow(),
                }
            )
    return store


def wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up")


class ThreadServer:
    """The campaign app under uvicorn in a thread of the test process, on a random loopback port."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_healthy(self.url)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class ProcessServer:
    """``sousveillance server run`` as a separate process, so a test can kill it mid-upload and restart it."""

    def __init__(self, db: str, port: int | None = None) -> None:
        self.db = db
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ProcessServer:
        code = "from sousveillance.sync.server.cli import server; server()"
        cmd = [sys.executable, "-c", code, "run", "--db", self.db, "--port", str(self.port)]
        self.log = tempfile.NamedTemporaryFile(prefix="sv-server-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        wait_healthy(self.url)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def build_feature(lat: float, lon: float, camera_type: str = "dome", **kw) -> dict:
    """A valid wire feature built the way a device builds it (``camera_feature`` over a camera row)."""
    from sousveillance.device.store import CameraRow, WalkRow
    from sousveillance.sync.wire import camera_feature

    camera = CameraRow(
        id=1, uuid=kw.pop("uuid", None) or str(uuidlib.uuid4()), walk_id=1, camera_type=camera_type,
        mount=kw.pop("mount", "wall"), direction=kw.pop("direction", None), latitude=lat, longitude=lon,
        uncertainty_m=kw.pop("uncertainty_m", 3.0), review_state="confirmed", reviewer="alice",
        reviewed_at="2026-11-20T10:00:00Z", surveillance=kw.pop("surveillance", "public"), sightings_count=4,
    )
    walk = WalkRow(id=1, uuid=str(uuidlib.uuid4()), started_at="2026-11-20T09:00:00Z", status="completed",
                   device_id="pi", model="m", model_version="1")
    return camera_feature(camera, walk, kw.pop("crop", None))


class RecordingTransport(httpx.HTTPTransport):
    """A real HTTP transport that keeps a copy of every request it sends (method, URL, headers, body)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url} {request.headers} {request.read().decode('latin-1')}")
        return super().handle_request(request)
