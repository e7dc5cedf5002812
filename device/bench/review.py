"""``sousveillance bench review``: taps per camera and cameras per minute on the review page, on a phone.

A 24-camera walk (synthetic crops, proposals from a pretend detector, a known truth per camera) is served on
127.0.0.1 and reviewed in Chromium at 390x844 by a scripted walker who knows the truth: a one-tap profile when one
fits, else the chips that are wrong and Confirm. Every tap is counted. The cameras-per-minute figure is the page's
own pace with an instant walker (a person adds their looking time); taps per camera is what a person pays.
"""

from __future__ import annotations

import logging
import math
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

log = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
START = (43.29650, 5.37010)  # a walk along a Marseille street
T0 = datetime(2026, 5, 9, 9, 30, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Truth:
    camera_type: str
    mount: str
    surveillance: str


# What the 24 cameras are: 19 fit one of the default profiles, 5 do not.
TRUTHS = (
    [Truth("dome", "wall", "public")] * 10 + [Truth("fixed", "pole", "public")] * 6
    + [Truth("dome", "ceiling", "outdoor")] * 3
    + [Truth("ptz", "pole", "public"), Truth("fixed", "wall", "outdoor"), Truth("fixed", "wall", "outdoor"),
       Truth("fixed", "wall", "public"), Truth("dome", "pole", "public")]
)


@dataclass(frozen=True, slots=True)
class ReviewBench:
    cameras: int
    taps: int
    profile_taps: int
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"{self.cameras} cameras reviewed in {self.seconds:.1f} s at 390x844 (Chromium, loopback)",
            f"taps per camera: {self.taps / self.cameras:.2f} ({self.taps} taps; {self.profile_taps} cameras took one "
            "tap on a profile)",
            f"cameras per minute: {60 * self.cameras / self.seconds:.0f} (the page's pace with an instant walker)",
        ]


def build_walk(path: Path, truths: list[Truth] | tuple[Truth, ...] = TRUTHS) -> tuple[int, list[int]]:
    """A finished walk with one pending camera per truth; the detector's proposals are right about type 3 times in
    4 and never know the mount or what the camera watches. Returns the walk id and the camera ids in walk order."""
    import cv2
    import numpy as np

    from ..store import Store
    from ..types import Fix

    store = Store(path)
    walk_id = store.start_walk(source="bench", device_id="bench", model="sousveillance-n")
    fixes = [Fix(float(i), T0 + timedelta(seconds=i), START[0] + i * 0.00002, START[1] - i * 0.00001, eph=4.0)
             for i in range(24 * 30)]
    store.add_fixes(walk_id, fixes)
    ids = []
    rng = np.random.default_rng(7)
    wrong = {"dome": "fixed", "fixed": "dome", "ptz": "dome"}
    for n, truth in enumerate(truths):
        img = cv2.add(np.full((160, 200, 3), (150, 160, 170), np.uint8),
                      rng.integers(0, 25, (160, 200, 3), dtype=np.uint8))
        cv2.ellipse(img, (100, 70), (40 + n % 5, 34), 0, 0, 180, (235, 235, 235), -1)
        crop = store.save_crop(walk_id, f"bench-{n}", img)
        fix = fixes[n * 30]
        proposal = truth.camera_type if n % 4 else wrong[truth.camera_type]
        ids.append(store.add_camera(
            walk_id, n + 1, str(uuid.uuid4()), proposal, fix.utc.isoformat() if fix.utc else "", best_crop=crop,
            latitude=fix.latitude + 0.00005, longitude=fix.longitude + 0.00008 * math.cos(n), uncertainty_m=6.0,
            has_position=1, position_method="triangulation", confidence=0.5 + (n % 10) / 25, sightings_count=5,
        ))
    store.end_walk(walk_id, frames=24 * 300)
    store.close()
    return walk_id, ids


def _serve(db: Path, profiles):
    import uvicorn

    from ..review.app import build_app
    from ..review.settings import ReviewSettings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(db, ReviewSettings(port=port, reviewer="bench", poll_s=5.0, profiles=profiles))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def run(db: Path, walk_id: int, ids: list[int], truths=TRUTHS, profiles=None) -> ReviewBench:
    """Review every camera of the walk in ``db`` as the scripted walker; counts taps and time.

    ``profiles``: the page's one-tap profiles (default: the shipped ones; ``[]``: none, chips only)."""
    from playwright.sync_api import sync_playwright

    from ..review.settings import DEFAULT_PROFILES

    profiles = list(DEFAULT_PROFILES if profiles is None else profiles)
    truth_of = dict(zip(ids, truths, strict=False))
    server, thread, base = _serve(db, profiles)
    taps = profile_taps = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                       has_touch=True).new_page()
            page.goto(f"{base}/walks/{walk_id}/review")
            page.wait_for_selector("#review[data-ready='1']")
            start = time.perf_counter()
            for _ in ids:
                current = int(page.evaluate("document.getElementById('review').dataset.camera"))
                truth = truth_of[current]
                fit = next((i for i, p in enumerate(profiles) if (p.camera_type, p.mount, p.surveillance) ==
                            (truth.camera_type, truth.mount, truth.surveillance)), None)
                if fit is not None:
                    page.tap(f"[data-profile='{fit}']")
                    taps += 1
                    profile_taps += 1
                else:
                    for key, value in (("type", truth.camera_type), ("mount", truth.mount),
                                       ("surveillance", truth.surveillance)):
                        chip = page.locator(f"[data-{key}='{value}']")
                        if chip.get_attribute("aria-pressed") != "true":
                            chip.tap()
                            taps += 1
                            page.wait_for_function(f"document.querySelector(\"[data-{key}='{value}']\")"
                                                   ".getAttribute('aria-pressed') === 'true'")
                    page.tap("#confirm")
                    taps += 1
                page.wait_for_function(f"document.getElementById('review').dataset.camera !== '{current}' || "
                                       "!document.getElementById('done').hidden")
            page.wait_for_selector("#done:not([hidden])")
            seconds = time.perf_counter() - start
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
    return ReviewBench(len(ids), taps, profile_taps, seconds)


@click.command("review", epilog="""\b
Example:
  sousveillance bench review""")
def review() -> None:
    """Taps per camera and cameras per minute when reviewing a 24-camera walk on a phone-sized page.

    Runs twice on copies of the same walk: with the default one-tap profiles, and with none (chips and Confirm).
    """
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise click.ClickException("needs Playwright: pip install 'sousveillance[test]'") from None
    if not CHROMIUM.exists():
        raise click.ClickException(f"needs Chromium at {CHROMIUM} (Debian: apt install chromium)")
    for label, profiles in (("with the default profiles", None), ("without profiles (chips only)", [])):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "walks.db"
            walk_id, ids = build_walk(db)
            result = run(db, walk_id, ids, profiles=profiles)
        click.echo(f"-- {label}")
        for line in result.lines():
            click.echo(line)
