"""The photo-walk page in a real Chromium: confirm, reject, draw a missed camera, fix a box, go to the next photo."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.photowalk import build_photo_walk
from helpers.webserver import serving

from sousveillance.device.review.app import build_app
from sousveillance.device.review.settings import ReviewSettings
from sousveillance.device.store import Store

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])  # fmt: skip
        pg = browser.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.errors = errors
        yield pg
        browser.close()


def _wait(db: Path, predicate, what: str):
    for _ in range(100):
        with Store(db) as store:
            value = predicate(store)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"the database never showed: {what}")


def _drag(page, x0: float, y0: float, x1: float, y1: float) -> None:
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()


def test_review_the_boxes_of_a_photo_draw_one_fix_one(tmp_path, page):
    walk = build_photo_walk(tmp_path / "labels" / "labels.db")
    (c1, c2), (s1, _) = walk.cameras[0], walk.sightings[0]
    with serving(build_app(walk.path, ReviewSettings(reviewer="tester"))) as url:
        page.goto(f"{url}/walks/{walk.walk_id}")  # the walk's page sends a photo walk to its photos
        page.wait_for_selector("#photos[data-ready='1']")
        assert page.url.endswith(f"/walks/{walk.walk_id}/photos")
        assert page.get_attribute("#photos", "data-photo") == str(walk.photos[0].id)
        assert page.locator(".pbox").count() == 2
        # box 1: pick it on the photo, confirm it with a click
        page.click(f".pbox[data-box='{s1}']")
        assert page.text_content("#box-state").lower() == "fixed · pending"
        page.click("#confirm")
        _wait(walk.path, lambda s: s.camera(c1).review_state == "confirmed", "box 1 confirmed")
        # box 2 is selected next (still pending): reject it with the keyboard
        page.wait_for_function("document.getElementById('box-state').textContent.startsWith('dome')")
        page.keyboard.press("x")
        _wait(walk.path, lambda s: s.camera(c2).review_state == "rejected", "box 2 rejected")
        # a camera the model missed: draw mode, type PTZ, drag a box around it
        img = page.locator("#photo").bounding_box()
        scale = img["width"] / walk.photos[0].width
        page.keyboard.press("a")
        page.keyboard.press("3")
        _drag(page, img["x"] + 100 * scale, img["y"] + 400 * scale, img["x"] + 180 * scale, img["y"] + 460 * scale)
        drawn = _wait(walk.path, lambda s: [b for b in s.photo_boxes(walk.photos[0]) if b.sighting.confidence is None],
                      "a drawn box")  # fmt: skip
        (d,) = drawn
        assert d.camera.camera_type == "ptz" and d.camera.review_state == "confirmed" and d.camera.reviewer == "tester"
        assert (d.sighting.x1, d.sighting.y1, d.sighting.x2, d.sighting.y2) == pytest.approx((100, 400, 180, 460),
                                                                                             abs=3)
        # fix box 1: select it, fix mode, drag the right box
        page.click(f".pbox[data-box='{s1}']")
        page.keyboard.press("f")
        _drag(page, img["x"] + 390 * scale, img["y"] + 110 * scale, img["x"] + 470 * scale, img["y"] + 170 * scale)
        fixed = _wait(walk.path, lambda s: (b := s.sighting(s1)) and b.x1 < 395 and b, "box 1 moved")
        assert (fixed.x1, fixed.y1, fixed.x2, fixed.y2) == pytest.approx((390, 110, 470, 170), abs=3)
        page.wait_for_function("document.querySelectorAll('.pbox').length === 3")
        # on to the next photo
        page.keyboard.press("j")
        page.wait_for_function(f"document.getElementById('photos').dataset.photo === '{walk.photos[1].id}'")
        assert page.locator(".pbox").count() == 1
        assert "Photo 2 of 3" in page.text_content("#progress")
    assert page.errors == []
