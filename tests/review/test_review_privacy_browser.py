"""Privacy zones in a real Chromium: a zone set from the walk map (right-click, "add a zone here"), the camera inside
it marked on both pages, released from the review page; the CLI export applies the zone set in the browser."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.webserver import serving

from sousveillance.device.review.app import build_app
from sousveillance.device.review.settings import ReviewSettings
from sousveillance.device.store import Store

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def _export(db: Path) -> list[str]:
    from sousveillance.sync.cli import export

    result = CliRunner().invoke(export, [str(db)], env={"SOUSVEILLANCE_CONFIG": ""})
    assert result.exit_code == 0, result.output
    return [f["id"] for f in json.loads(result.output)["features"]]


def test_a_zone_set_on_the_map_hides_a_camera_until_it_is_released(walk_db, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    cam_id = walk_db.camera_ids[1]
    with Store(walk_db.path) as store:
        for cid in walk_db.camera_ids[:2]:
            store.update_camera(cid, {"review_state": "confirmed"})
        cam = store.camera(cam_id)
    assert cam.uuid in _export(walk_db.path)
    app = build_app(walk_db.path, ReviewSettings(poll_s=1.0, reviewer="walker-7"))
    with serving(app) as server:
        page.goto(f"{server}/walks/{walk_db.walk_id}")
        page.wait_for_selector("#map[data-ready='1']")
        page.wait_for_selector("#zone-none:visible")
        # a right-click (a long-press on the phone) right on the camera
        page.locator("#map .cam").first.wait_for()
        box = page.locator("#map").bounding_box()
        at = page.evaluate("([lat, lon]) => SV.walkMapInstance.latLngToContainerPoint([lat, lon])",
                           [cam.latitude, cam.longitude])
        x, y = box["x"] + at["x"], box["y"] + at["y"]
        assert box["y"] <= y <= box["y"] + box["height"]
        page.mouse.click(x, y, button="right")
        page.wait_for_selector(".zone-popup")
        page.select_option("#zone-radius", "25")
        page.click("text=Add a privacy zone here")
        page.wait_for_selector("path.privacy-zone")
        page.wait_for_selector("#zone-list li")
        assert "25 m" in page.locator("#zone-list li").first.inner_text()
        page.wait_for_selector("#cam-list >> text=inside a privacy zone")
        with Store(walk_db.path) as store:
            zones = list(store.db.query("SELECT * FROM privacy_zones"))
        assert len(zones) == 1 and zones[0]["radius_m"] == 25 and zones[0]["created_by"] == "walker-7"
        assert cam.uuid not in _export(walk_db.path)  # the CLI applies the zone set in the browser

        page.goto(f"{server}/walks/{walk_db.walk_id}/review?camera={cam_id}")
        page.wait_for_selector("#review[data-ready='1']")
        page.wait_for_function(f"document.getElementById('review').dataset.camera === '{cam_id}'")
        page.wait_for_selector("#privacy-state >> text=Inside a privacy zone")
        page.click("text=Release this camera")
        page.wait_for_selector("#privacy-state >> text=Released from its privacy zone")
        for _ in range(50):
            if cam.uuid in _export(walk_db.path):
                break
            time.sleep(0.1)
        assert cam.uuid in _export(walk_db.path)
        with Store(walk_db.path) as store:
            decision = store.decisions(walk_db.walk_id)[0]
        assert (decision.action, decision.camera_id, decision.reviewer) == ("release", cam_id, "walker-7")
    context.close()
    assert errors == []
