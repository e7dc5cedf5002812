"""A small, realistic walk database (a walk along Rue de la République, Marseille) and in-process API clients."""

from __future__ import annotations

import asyncio
import math
import socket
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
import uvicorn

from sousveillance.device.review.app import build_app
from sousveillance.device.review.settings import ReviewSettings
from sousveillance.device.store import Store

CHROMIUM = Path("/usr/bin/chromium")
START = (43.29650, 5.37010)  # near the Vieux-Port (inside the test privacy zone)
END = (43.30290, 5.36680)  # towards La Joliette
T0 = datetime(2026, 5, 9, 9, 30, tzinfo=UTC)
# (type, mount, direction, fraction along the walk, offset east m, offset north m)
CAMERAS = [
    ("dome", "wall", None, 0.30, 9.0, 2.0),
    ("fixed", "pole", 120.0, 0.50, -8.0, 1.0),
    ("ptz", "pole", None, 0.70, 10.0, -3.0),
    ("fixed", "wall", 300.0, 0.85, -7.0, 0.0),
    ("fixed", "wall", 300.0, 0.852, -6.0, 2.0),  # a duplicate of the previous one (two tracks, one camera)
]


def _crop(kind: str, seed: int) -> np.ndarray:
    """A plausible camera crop: wall texture and a dome/box/PTZ drawn on it."""
    rng = np.random.default_rng(seed)
    img = np.full((160, 200, 3), (150, 160, 170), np.uint8)
    img = cv2.add(img, rng.integers(0, 25, img.shape, dtype=np.uint8))
    if kind == "dome":
        cv2.ellipse(img, (100, 60), (45, 40), 0, 0, 180, (235, 235, 235), -1)
        cv2.circle(img, (100, 80), 12, (20, 20, 20), -1)
    elif kind == "fixed":
        cv2.rectangle(img, (50, 60), (150, 95), (230, 230, 225), -1)
        cv2.rectangle(img, (140, 65), (165, 90), (30, 30, 30), -1)
        cv2.line(img, (90, 95), (90, 140), (90, 90, 90), 6)
    else:
        cv2.circle(img, (100, 85), 40, (225, 225, 225), -1)
        cv2.circle(img, (100, 95), 15, (15, 15, 25), -1)
        cv2.rectangle(img, (92, 20), (108, 48), (120, 120, 120), -1)
    return img


def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return lat + north_m / 111_320, lon + east_m / (111_320 * math.cos(math.radians(lat)))


@dataclass
class WalkDB:
    path: Path
    walk_id: int
    camera_ids: list[int] = field(default_factory=list)
    fixes: list[tuple[float, float]] = field(default_factory=list)

    def store(self) -> Store:
        return Store(self.path)


def build_walk_db(path: Path, n_fixes: int = 120) -> WalkDB:
    store = Store(path)
    walk_id = store.start_walk(source="test.mp4", device_id="pi-test", model="sv-yolo", model_version="0.1")
    fixes = []
    with store.batch() as db:
        for i in range(n_fixes):
            f = i / (n_fixes - 1)
            lat = START[0] + (END[0] - START[0]) * f
            lon = START[1] + (END[1] - START[1]) * f + 0.00003 * math.sin(i / 7)
            fixes.append((lat, lon))
            db["fixes"].insert({"walk_id": walk_id, "t": float(i * 6),
                                "utc": (T0 + timedelta(seconds=i * 6)).isoformat(),
                                "latitude": lat, "longitude": lon, "course": 340.0, "speed": 1.3, "eph": 4.0,
                                "mode": 3})
    result = WalkDB(path, walk_id, fixes=fixes)
    for n, (kind, mount, direction, frac, east, north) in enumerate(CAMERAS):
        k = int(frac * (n_fixes - 1))
        lat, lon = _offset(*fixes[k], east, north)
        utc = (T0 + timedelta(seconds=k * 6)).isoformat()
        best = store.save_crop(walk_id, f"cam{n}-best", _crop(kind, n))
        with store.batch() as db:
            cams = db["cameras"]
            cams.insert({
                "uuid": str(uuid.uuid4()), "walk_id": walk_id, "track_id": n + 1, "camera_type": kind, "mount": mount,
                "direction": direction, "latitude": lat, "longitude": lon, "uncertainty_m": 6.0 + n,
                "position_method": "triangulation", "has_position": 1, "confidence": 0.6 + n * 0.05,
                "sightings_count": 3, "first_seen": utc, "last_seen": utc, "best_crop": best,
                "review_state": "pending", "updated_at": utc,
            })
            cam_id = int(cams.last_pk)
        for s in range(3):
            rel = best if s == 0 else store.save_crop(walk_id, f"cam{n}-s{s}", _crop(kind, 100 * n + s))
            with store.batch() as db:
                db["sightings"].insert({
                    "walk_id": walk_id, "track_id": n + 1, "camera_id": cam_id, "frame_index": k * 10 + s,
                    "t": k * 6.0 + s * 0.3, "utc": utc, "class_name": kind, "confidence": 0.5 + s * 0.1,
                    "x1": 10, "y1": 10, "x2": 60, "y2": 50, "frame_width": 1280, "frame_height": 720,
                    "latitude": fixes[k][0], "longitude": fixes[k][1], "heading": 340.0, "eph": 4.0,
                    "bearing": 70.0, "crop": rel,
                })
        result.camera_ids.append(cam_id)
    store.end_walk(walk_id, frames=n_fixes * 10)
    with store.batch() as db:  # a realistic morning walk, not the test's run time
        db["walks"].update(walk_id, {"started_at": T0.isoformat(),
                                     "ended_at": (T0 + timedelta(seconds=(n_fixes - 1) * 6)).isoformat()})
    store.close()
    return result


@pytest.fixture
def walk_db(tmp_path: Path) -> WalkDB:
    return build_walk_db(tmp_path / "walk" / "walks.db")


class Client:
    """A synchronous face over httpx.AsyncClient + ASGITransport (in-process), keeping cookies between calls."""

    def __init__(self, app, base_url: str = "http://127.0.0.1"):
        self.app, self.base_url, self.cookies = app, base_url, httpx.Cookies()

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=self.base_url, cookies=self.cookies) as client:
                response = await client.request(method, url, **kwargs)
                self.cookies.update(client.cookies)
                return response

        return asyncio.run(go())

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)

    def csrf(self) -> str:
        """Open the walks page like a browser and read the page's CSRF token."""
        import json
        import re

        html = self.get("/").text
        config = re.search(r'<script id="config" type="application/json">(.*?)</script>', html, re.S)
        return json.loads(config.group(1))["csrf"]


@pytest.fixture
def make_client(walk_db: WalkDB):
    def make(base_url: str = "http://127.0.0.1", privacy_zones=(), **settings) -> Client:
        from sousveillance.device.store.settings import PrivacySettings

        app = build_app(walk_db.path, ReviewSettings(**settings), privacy=PrivacySettings(zones=list(privacy_zones)))
        return Client(app, base_url)

    return make


@pytest.fixture
def client(make_client) -> Client:
    return make_client()


def tile_xy(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _make_mbtiles(
    path: Path, lat: float, lon: float, zooms=(15, 16), fmt: str = "png"
) -> dict[tuple[int, int, int], bytes]:
    """A raster MBTiles of a few tiles around a point; each tile image is distinct. Returns {(z, x, y): bytes}."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", [
        ("name", "Marseille test"), ("format", fmt), ("minzoom", str(min(zooms))), ("maxzoom", str(max(zooms))),
        ("bounds", "5.36,43.29,5.38,43.31"), ("attribution", "test tiles"),
    ])
    made = {}
    for z in zooms:
        cx, cy = tile_xy(lat, lon, z)
        for x in range(cx - 2, cx + 3):
            for y in range(cy - 2, cy + 3):
                img = np.full((256, 256, 3), (235, 240, 230), np.uint8)
                cv2.line(img, (0, 128), (255, 140), (200, 200, 255), 14)  # a street
                cv2.putText(img, f"{z}/{x}/{y}", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (120, 120, 120), 1)
                data = cv2.imencode(".png", img)[1].tobytes()
                conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
                made[(z, x, y)] = data
    conn.commit()
    conn.close()
    return made


@pytest.fixture
def make_mbtiles():
    """``make_mbtiles(path, lat, lon, zooms=(15, 16), fmt="png")``: a raster MBTiles file, returns its tiles."""
    return _make_mbtiles


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(walk_db):
    """Serve the review app with the given settings by uvicorn in a thread; returns its base URL."""
    servers = []

    def start(guard=None, **settings) -> str:
        port = _free_port()
        app = build_app(walk_db.path, ReviewSettings(port=port, reviewer="tester", poll_s=1.0, **settings), guard=guard)
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        servers.append((srv, thread))
        for _ in range(200):
            if srv.started:
                break
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    yield start
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture
def server(serve):
    return serve()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


def _make_extract(path: Path, walk: WalkDB, *, shift_deg: float = 0.0) -> dict[str, int]:
    """A small OpenStreetMap extract written by pyosmium's own writer: a street and a footpath along the walk, a
    building and a camera already mapped 4 m from the walk's first camera. ``shift_deg`` moves it all away."""
    import osmium

    with Store(walk.path) as store:
        first = store.cameras(walk.walk_id)[0]
    ids = iter(range(1, 10_000))
    with osmium.SimpleWriter(str(path)) as writer:
        def node(lat: float, lon: float, tags: dict[str, str] | None = None) -> int:
            nid = next(ids)
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(lon + shift_deg, lat + shift_deg),
                                                    tags=tags or {}))
            return nid

        street = [node(lat, lon) for lat, lon in walk.fixes[::10]]
        foot = [node(*_offset(lat, lon, 12.0, 0.0)) for lat, lon in walk.fixes[::20]]
        lat0, lon0 = walk.fixes[40]
        corners = [node(*_offset(lat0, lon0, e, n)) for e, n in ((-25, 5), (-10, 5), (-10, 20), (-25, 20))]
        mapped_lat, mapped_lon = _offset(first.latitude, first.longitude, 3.0, 2.0)
        camera = node(mapped_lat, mapped_lon, {"man_made": "surveillance", "surveillance:type": "camera",
                                               "camera:type": "dome"})
        node(*_offset(lat0, lon0, 30, 30), {"amenity": "bench"})
        writer.add_way(osmium.osm.mutable.Way(id=1, nodes=street, tags={"highway": "residential",
                                                                        "name": "Rue de la République"}))
        writer.add_way(osmium.osm.mutable.Way(id=2, nodes=foot, tags={"highway": "footway"}))
        writer.add_way(osmium.osm.mutable.Way(id=3, nodes=corners + corners[:1], tags={"building": "yes"}))
    return {"mapped_camera": camera, "near_camera": first.id}


@pytest.fixture
def make_extract():
    """``make_extract(path, walk_db, shift_deg=0.0)``: a .osm.pbf around the walk (pyosmium's writer)."""
    pytest.importorskip("osmium", reason="needs pyosmium (the basemap extra)")
    return _make_extract
