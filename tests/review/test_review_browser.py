"""The review pages in a real Chromium (Debian's, driven by Playwright) against uvicorn on 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sousveillance.device.store import Store

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "review"
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=LAPTOP)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    yield pg
    context.close()


def _wait_camera(page, camera_id: int) -> None:
    page.wait_for_function(f"document.getElementById('review').dataset.camera === '{camera_id}'", timeout=10_000)


def _wait_db(path: Path, predicate, what: str) -> dict:
    """Poll the database until a decision is visible there (the page writes it asynchronously)."""
    for _ in range(100):
        with Store(path) as store:
            rows = {r["id"]: r for r in store.db.query("SELECT * FROM cameras")}
        if predicate(rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"database never showed: {what}")


def test_review_three_cameras_with_keyboard_and_clicks_drag_and_undo(server, page, walk_db):
    c1, c2, c3 = walk_db.camera_ids[:3]
    page.goto(server + "/")
    page.click(f"[data-walk='{walk_db.walk_id}'] >> text=Review")
    page.wait_for_selector("#review[data-ready='1']")
    _wait_camera(page, c1)
    # camera 1: keyboard only: mount pole, type dome, confirm with Enter
    page.keyboard.press("p")
    _wait_db(walk_db.path, lambda r: r[c1]["mount"] == "pole", "mount pole")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    _wait_camera(page, c2)
    # camera 2: clicks: turn the facing right by 15 degrees, then Confirm
    page.click("[data-turn='15']")
    _wait_db(walk_db.path, lambda r: r[c2]["direction"] == 135, "facing 135")
    page.wait_for_function("document.getElementById('facing-value').textContent === '135°'")
    page.click("#confirm")
    _wait_camera(page, c3)
    # camera 3: drag its marker to the east, then reject with the keyboard
    before = _wait_db(walk_db.path, lambda r: True, "")[c3]
    marker = page.locator("#mini-map .leaflet-marker-icon")
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y, steps=5)
    page.mouse.move(x + 60, y + 5, steps=5)
    page.mouse.up()
    rows = _wait_db(walk_db.path, lambda r: r[c3]["position_method"] == "reviewer", "dragged position")
    assert rows[c3]["longitude"] > before["longitude"] and rows[c3]["uncertainty_m"] == 5.0
    page.keyboard.press("x")
    _wait_db(walk_db.path, lambda r: r[c3]["review_state"] == "rejected", "camera 3 rejected")
    # undo the rejection with the keyboard: camera 3 is pending again, its corrected position stays
    page.keyboard.press("u")
    rows = _wait_db(walk_db.path, lambda r: r[c3]["review_state"] == "pending", "reject undone")
    _wait_camera(page, c3)
    assert rows[c1]["review_state"] == "confirmed" and rows[c1]["mount"] == "pole" and rows[c1]["reviewer"] == "tester"
    assert rows[c2]["review_state"] == "confirmed" and rows[c2]["direction"] == 135
    assert rows[c3]["position_method"] == "reviewer"
    with Store(walk_db.path) as store:
        log = [(d["camera_id"], d["action"], d["undone"])
               for d in store.db.query("SELECT * FROM decisions ORDER BY id")]
    assert log == [(c1, "set", 0), (c1, "set", 0), (c1, "confirm", 0), (c2, "set", 0), (c2, "confirm", 0),
                   (c3, "move", 0), (c3, "reject", 1)]
    assert page.errors == []


def test_screenshots_phone_and_laptop(server, browser, walk_db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                      is_mobile=name == "phone", has_touch=name == "phone")
        page = context.new_page()
        page.goto(f"{server}/walks/{walk_db.walk_id}")
        page.wait_for_selector("#map[data-ready='1']")
        page.wait_for_selector("#map path.cam")
        assert page.locator("#map path.track").count() >= 1
        assert page.locator("#map path.view-cone").count() == 3  # the fixed cameras with a facing
        page.screenshot(path=str(ARTIFACTS / f"map-{name}.png"))
        page.goto(f"{server}/walks/{walk_db.walk_id}/review")
        page.wait_for_selector("#review[data-ready='1']")
        page.wait_for_function("document.getElementById('best-crop').naturalWidth > 0")
        confirm = page.locator("#confirm").bounding_box()
        assert confirm["height"] >= 44 and confirm["width"] >= 44  # a thumb-sized target
        assert confirm["y"] + confirm["height"] <= viewport["height"]  # visible without scrolling
        page.screenshot(path=str(ARTIFACTS / f"review-{name}.png"))
        page.locator(".edit-card").scroll_into_view_if_needed()
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(200)
        page.screenshot(path=str(ARTIFACTS / f"review-{name}-edit.png"))
        page.goto(f"{server}/")
        page.screenshot(path=str(ARTIFACTS / f"walks-{name}.png"))
        context.close()
    assert len(list(ARTIFACTS.glob("*.png"))) >= 6


def test_pages_work_with_every_outbound_request_blocked(server, page, walk_db):
    blocked = _block_outbound(page)
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(req.url))
    page.goto(f"{server}/walks/{walk_db.walk_id}")
    page.wait_for_selector("#map[data-ready='1']")
    assert page.locator("#map path.cam").count() == 5
    assert page.locator(".leaflet-control-scale").is_visible()
    # let the map's crop thumbnails finish: leaving earlier aborts them, which is not a blocked request
    page.wait_for_function("[...document.images].every(i => i.complete)")
    page.goto(f"{server}/walks/{walk_db.walk_id}/review")
    page.wait_for_selector("#review[data-ready='1']")
    page.wait_for_function("document.getElementById('best-crop').naturalWidth > 0")
    assert blocked == [] and failed == []
    assert page.errors == []


def test_new_cameras_appear_without_reload(server, page, walk_db):
    page.goto(f"{server}/walks/{walk_db.walk_id}")
    page.wait_for_selector("#map[data-ready='1']")
    page.evaluate("window.__marker = 'same page'")
    assert page.locator("#map path.cam").count() == 5
    lat, lon = walk_db.fixes[100]
    with Store(walk_db.path) as store:  # the survey loop finds one more camera
        store.db["cameras"].insert({"uuid": "live-cam", "walk_id": walk_db.walk_id, "track_id": 77,
                                    "camera_type": "dome", "latitude": lat, "longitude": lon + 0.0001,
                                    "uncertainty_m": 8.0, "first_seen": "2026-05-09T09:45:00+00:00"})
    page.wait_for_function("document.querySelectorAll('#map path.cam').length === 6", timeout=10_000)
    assert page.evaluate("window.__marker") == "same page"
    assert page.locator("[data-count='pending']").text_content() == "6"


def _block_outbound(page) -> list[str]:
    blocked: list[str] = []

    def guard(route):
        if urlparse(route.request.url).hostname == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return blocked


def test_offline_basemap_from_mbtiles_and_camera_list(serve, page, walk_db, tmp_path, make_mbtiles):
    lat, lon = walk_db.fixes[60]
    make_mbtiles(tmp_path / "marseille.mbtiles", lat, lon, zooms=(15, 16, 17))
    base = serve(tiles=str(tmp_path / "marseille.mbtiles"), osm_tiles=True)
    blocked = _block_outbound(page)
    page.goto(f"{base}/walks/{walk_db.walk_id}")
    page.wait_for_selector("#map[data-ready='1']")
    page.wait_for_function("document.querySelectorAll('#map img.leaflet-tile-loaded').length > 0", timeout=10_000)
    assert blocked == []  # OSM is offered in the layer control but never fetched unless chosen
    assert page.locator(".leaflet-control-layers").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-basemap-laptop.png"))
    assert page.locator("#cam-list li").count() == 5
    page.click("[data-filter='confirmed']")
    assert page.locator("#cam-list li").count() == 0
    assert page.locator("#map path.cam").count() == 0
    page.click("[data-filter='all']")
    assert page.locator("#map path.cam").count() == 5


def test_place_a_camera_without_gps_and_name_the_reviewer(server, page, walk_db):
    with Store(walk_db.path) as store:
        cams = store.db["cameras"]
        cams.insert({"uuid": "no-gps", "walk_id": walk_db.walk_id, "track_id": 50, "camera_type": "fixed",
                     "has_position": 0, "position_method": "none", "first_seen": "2026-05-09T09:31:00+00:00"})
        cam = int(cams.last_pk)
    page.goto(f"{server}/walks/{walk_db.walk_id}/review?camera={cam}")
    page.wait_for_selector("#review[data-ready='1']")
    _wait_camera(page, cam)
    assert "tap the map" in page.locator("#map-hint").text_content()
    page.fill("#reviewer", "Awa")
    page.press("#reviewer", "Enter")
    page.click("#reviewer")
    page.locator("#reviewer").blur()
    box = page.locator("#mini-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    rows = _wait_db(walk_db.path, lambda r: r[cam]["latitude"] is not None, "placed by tapping the map")
    assert rows[cam]["position_method"] == "reviewer" and rows[cam]["reviewer"] == "Awa"
    page.click("[data-surveillance='public']")
    _wait_db(walk_db.path, lambda r: r[cam]["surveillance"] == "public", "surveillance=public")
    page.keyboard.press("?")
    assert page.locator("#help").get_attribute("open") is not None
    assert page.errors == []
