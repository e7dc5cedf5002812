"""The review pages on a phone (390x844) and a laptop (1280x800) in a real Chromium: layout, accessibility, offline."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sousveillance.device.review.security import Guard
from sousveillance.device.store import Store

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / ".node" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "review"
SIZES = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}
TAPPABLE = "button, a[href], select, input, .leaflet-control a, path.cam-hit"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(params=sorted(SIZES))
def size(request) -> str:
    return request.param


@pytest.fixture
def page(browser, size):
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone")
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.outside = []  # every request that left the loopback, aborted
    def guard(route):
        if urlparse(route.request.url).hostname == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            pg.outside.append(route.request.url)
            route.abort()
    pg.route("**/*", guard)
    pg.viewport = SIZES[size]
    yield pg
    context.close()


@pytest.fixture
def mapped(walk_db, make_extract, tmp_path):
    """A basemap beside the walk database, built from a small extract by the project's own command."""
    from sousveillance.device.basemap.build import build

    made = make_extract(tmp_path / "town.osm.pbf", walk_db)
    build(tmp_path / "town.osm.pbf", walk_db.path)
    return made


def _review(page, base: str, walk_id: int) -> None:
    page.goto(f"{base}/walks/{walk_id}/review")
    page.wait_for_selector("#review[data-ready='1']")
    page.wait_for_function("document.getElementById('best-crop').naturalWidth > 0")


def _no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport["width"], f"{what}: {width} px wide in a {page.viewport['width']} px viewport"


def _in_first_viewport(page, selector: str) -> None:
    for i in range(page.locator(selector).count()):
        box = page.locator(selector).nth(i).bounding_box()
        assert box is not None, f"{selector} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport["width"] + 0.5, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= page.viewport["height"] + 0.5, (selector, box)


def _small_targets(page) -> list[str]:
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)].filter(e => {
        const r = e.getBoundingClientRect(), s = getComputedStyle(e);
        if (!r.width || s.visibility === 'hidden' || e.type === 'hidden' || e.type === 'checkbox') return false;
        return r.width < 43.5 || r.height < 43.5;
      }).map(e => (e.id || e.className.baseVal || e.className || e.tagName) + ' '
        + Math.round(e.getBoundingClientRect().width) + 'x' + Math.round(e.getBoundingClientRect().height))""",
                         TAPPABLE)


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {n['target']}" for v in result["violations"] for n in v["nodes"]
            if v["impact"] in ("critical", "serious")]


def _pages(page, base: str, pin_base: str, walk_id: int):
    """Every page of the review web view, each loaded and settled: yields its name."""
    page.goto(base + "/")
    yield "walks"
    page.goto(f"{base}/walks/{walk_id}")
    page.wait_for_selector("#map[data-ready='1']")
    page.wait_for_selector("#map path.cam")
    yield "map"
    _review(page, base, walk_id)
    yield "review"
    page.click("#open-help")
    yield "help sheet"
    page.keyboard.press("Escape")
    page.click("#open-queue")
    yield "queue sheet"
    page.keyboard.press("Escape")
    page.goto(pin_base + "/login")
    yield "login"


def test_every_page_fits_the_width_has_big_targets_and_passes_axe(serve, page, walk_db, size, mapped):
    base, pin_base = serve(), serve(guard=Guard(pin="482100"))
    problems = []
    for name in _pages(page, base, pin_base, walk_db.walk_id):
        page.wait_for_timeout(150)
        _no_sideways_scroll(page, name)
        problems += [f"{name}: tap target {t}" for t in _small_targets(page)]
        if AXE.exists():
            problems += [f"{name}: {v}" for v in _axe(page)]
    assert not problems, "\n".join(problems)
    assert page.outside == [] and page.errors == []
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm install --prefix tests/.node axe-core@4): layout checked only")


def test_decision_controls_are_in_the_first_viewport(server, page, walk_db, size):
    _review(page, server, walk_db.walk_id)
    assert page.evaluate("window.scrollY") == 0
    for selector in ("#best-crop", "[data-profile]", "[data-type]", "[data-mount]", "[data-surveillance]",
                     "#confirm", "#reject", "#undo", "#progress"):
        _in_first_viewport(page, selector)
    assert page.locator("#progress").text_content() == "0 of 5 reviewed"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-first-viewport-{size}.png"))


def test_after_a_decision_the_next_crop_is_in_view(server, page, walk_db, size):
    _review(page, server, walk_db.walk_id)
    first, second = walk_db.camera_ids[:2]
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    if size == "phone":
        assert page.evaluate("window.scrollY") > 200  # the map and duplicates are further down
    if size == "phone":
        page.tap("#confirm")  # the decision bar stays at the bottom of the screen
    else:
        page.keyboard.press("c")
    page.wait_for_function(f"document.getElementById('review').dataset.camera === '{second}'")
    page.wait_for_function("document.getElementById('best-crop').complete")
    _in_first_viewport(page, "#best-crop")
    assert page.locator("#progress").text_content() == "1 of 5 reviewed"
    with Store(walk_db.path) as store:
        assert store.db["cameras"].get(first)["review_state"] == "confirmed"


def test_one_tap_profile_sets_tags_and_confirms_then_undo(server, page, walk_db, size):
    _review(page, server, walk_db.walk_id)
    cam = walk_db.camera_ids[0]
    page.click("[data-profile='1']")  # fixed · pole · public
    page.wait_for_function(f"document.getElementById('review').dataset.camera !== '{cam}'")
    with Store(walk_db.path) as store:
        row = store.db["cameras"].get(cam)
        assert (row["camera_type"], row["mount"], row["surveillance"], row["review_state"]) == (
            "fixed", "pole", "public", "confirmed")
        assert [d["action"] for d in store.db.query("SELECT action FROM decisions")] == ["confirm"]  # one tap
    page.click("#undo")
    page.wait_for_function(f"document.getElementById('review').dataset.camera === '{cam}'")
    with Store(walk_db.path) as store:
        row = store.db["cameras"].get(cam)
    assert (row["camera_type"], row["mount"], row["review_state"]) == ("dome", "wall", "pending")


def test_end_of_queue_replaces_the_last_camera(server, page, walk_db, size):
    _review(page, server, walk_db.walk_id)
    for _ in walk_db.camera_ids:
        page.click("[data-profile='0']")
        page.wait_for_timeout(100)
    page.wait_for_selector("#done:not([hidden])")
    assert not page.locator("#crop-card").is_visible() and not page.locator("#confirm").is_visible()
    _in_first_viewport(page, "#done h2")
    assert page.locator("#progress").text_content() == "5 of 5 reviewed"
    page.click("#done-undo")
    page.wait_for_selector("#done", state="hidden")
    assert page.locator("#crop-card").is_visible()


def test_help_is_a_bottom_sheet_on_the_phone(server, page, walk_db, size):
    _review(page, server, walk_db.walk_id)
    page.click("#open-help")
    sheet = page.locator("#help").bounding_box()
    assert page.locator("#help").is_visible()
    assert abs(sheet["y"] + sheet["height"] - page.viewport["height"]) <= 1  # it sits on the bottom edge
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()


def test_basemap_draws_streets_marks_mapped_cameras_and_stays_offline(serve, page, walk_db, mapped, size):
    base = serve()
    page.goto(f"{base}/walks/{walk_db.walk_id}")
    page.wait_for_selector("#map[data-ready='1']")
    page.wait_for_selector("#map path.basemap-street")
    assert page.locator("#map path.basemap-building").count() == 1
    assert page.locator("#map path.basemap-footway").count() == 1
    assert page.locator("#map path.osm-camera").count() == 1
    assert page.locator("#map path.cam-in-osm").count() == 1  # the walk's camera 4 m from it
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-basemap-{size}.png"))
    _review(page, base, walk_db.walk_id)
    assert page.locator("#osm-badge").is_visible() and page.locator("#seen-again").is_visible()
    page.wait_for_selector("#mini-map path.basemap-street")
    page.click("#confirm-seen")
    page.wait_for_function(f"document.getElementById('review').dataset.camera !== '{mapped['near_camera']}'")
    with Store(walk_db.path) as store:
        row = store.db["cameras"].get(mapped["near_camera"])
    assert row["review_state"] == "confirmed" and row["osm_node_id"] == mapped["mapped_camera"]
    assert row["check_date"] == time.strftime("%Y-%m-%d", time.gmtime())
    page.wait_for_timeout(300)
    assert page.outside == [] and page.errors == []


def test_batch_confirm_of_a_filtered_selection_and_one_undo(server, page, walk_db, size):
    _review(page, server, walk_db.walk_id)
    page.keyboard.press("q")
    page.select_option("#q-conf", "0.7")  # confidences are 0.60 ... 0.80: the last three
    page.select_option("#q-sort", "confidence")
    assert page.locator("#queue-list li").count() == 3
    page.click("#q-all")
    assert page.locator("#q-confirm").text_content() == "Confirm 3 selected"
    page.click("#q-confirm")
    page.wait_for_function("document.getElementById('progress').textContent === '3 of 5 reviewed'")
    with Store(walk_db.path) as store:
        states = {r["id"]: r["review_state"] for r in store.db.query("SELECT id, review_state FROM cameras")}
    assert [states[c] for c in walk_db.camera_ids] == ["pending", "pending", "confirmed", "confirmed", "confirmed"]
    page.keyboard.press("u")
    page.wait_for_function("document.getElementById('progress').textContent === '0 of 5 reviewed'")


def test_merging_different_types_asks_first(server, page, walk_db, size):
    with Store(walk_db.path) as store:  # the duplicate pair, one of them mistaken for a dome
        store.db["cameras"].update(walk_db.camera_ids[4], {"camera_type": "dome"})
    a, b = walk_db.camera_ids[3], walk_db.camera_ids[4]
    page.goto(f"{server}/walks/{walk_db.walk_id}/review?camera={a}")
    page.wait_for_function(f"document.getElementById('review').dataset.camera === '{a}'")
    page.keyboard.press("m")
    page.wait_for_selector("#ask[open]")
    text = page.locator("#ask-text").text_content()
    assert f"camera {a} is a fixed" in text and f"camera {b} is a dome" in text
    page.click("#ask-no")
    with Store(walk_db.path) as store:
        assert store.db["cameras"].get(a)["merged_into"] is None and store.db["decisions"].count == 0
    page.keyboard.press("m")
    page.click("#ask-yes")
    for _ in range(50):
        with Store(walk_db.path) as store:
            if store.db["cameras"].get(a)["merged_into"] == b:
                break
        time.sleep(0.1)
    else:
        raise AssertionError("merge anyway was not written")


def test_tap_the_picture_to_see_the_blurred_context(server, page, walk_db, size):
    import cv2
    import numpy as np

    from sousveillance.device.store.redact import context_of
    from sousveillance.device.types import Box

    frame = np.full((720, 1280, 3), 140, np.uint8)
    cv2.circle(frame, (640, 300), 30, (240, 240, 240), -1)
    with Store(walk_db.path) as store:
        rel = store.save_context(walk_db.walk_id, "cam0-context", *context_of(frame, Box(610, 270, 670, 330)))
        store.update_camera(walk_db.camera_ids[0], {"context_crop": rel})
    _review(page, server, walk_db.walk_id)
    page.click("#zoom-open")
    page.wait_for_function("document.getElementById('zoom-img').naturalWidth > 0")
    assert page.locator("#zoom-img").get_attribute("src").endswith("cam0-context.jpg")
    assert "blurred" in page.locator("#zoom-note").text_content()
    _in_first_viewport(page, "#zoom-img")
    page.keyboard.press("Escape")
    page.keyboard.press("j")  # the next camera has no context view: the close-up, said so
    page.wait_for_function(f"document.getElementById('review').dataset.camera === '{walk_db.camera_ids[1]}'")
    page.click("#zoom-open")
    assert "Only the close-up" in page.locator("#zoom-note").text_content()
