"""The public campaign map in a real Chromium: markers for merged features, popups with tags and contributors,
a metric scale bar, field-of-view cones, features loaded by the box in view as the map moves, and nothing fetched
from outside the campaign server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sync_helpers import ThreadServer, build_feature

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@contextmanager
def campaign(tmp_path: Path, walkers: dict[str, list[dict]], **app_options) -> Iterator[ThreadServer]:
    """A campaign server on loopback whose walkers (name -> their wire features) have submitted their cameras."""
    from sousveillance.sync.server.app import create_app
    from sousveillance.sync.server.repo import Repository

    repo = Repository(str(tmp_path / "campaign.db"))
    tokens = {name: repo.add_device(name) for name in walkers}
    with ThreadServer(create_app(repo, **app_options)) as server:
        for name, feats in walkers.items():
            headers = {"Authorization": f"Bearer {tokens[name]}"}
            for feat in feats:
                response = httpx.put(f"{server.url}/api/v1/cameras/{feat['id']}", json=feat, headers=headers)
                assert response.status_code == 201
        yield server


@pytest.mark.parametrize("tiles", ["/no-tiles/{z}/{x}/{y}.png", "none"], ids=["own-tiles", "no-tiles"])
def test_public_map_shows_merged_cameras_offline(tmp_path, browser, tiles):
    walkers = {
        "alice": [build_feature(48.86, 2.35, "dome")],
        "bob": [build_feature(48.86002, 2.35002, "dome"), build_feature(48.861, 2.352, "ptz", direction=90)],
    }
    with campaign(tmp_path, walkers, tiles=tiles, title="Carte de test") as server:
        requested: list[str] = []
        page = browser.new_page()
        page.on("request", lambda r: requested.append(r.url))
        page.goto(server.url + "/")
        page.wait_for_function("document.getElementById('count').textContent.includes('cameras')")
        assert page.text_content("#count") == "2 cameras"
        assert page.title() == "Carte de test"
        assert page.text_content(".leaflet-control-scale").strip().endswith("m")  # metric scale bar
        assert page.locator(".leaflet-control-attribution a").count() == 0  # no link to leafletjs.com
        if tiles == "none":  # a blank background: no tile layer, no tile request
            assert page.locator("img.leaflet-tile").count() == 0
            assert not [u for u in requested if "/none" in u]
        else:  # the campaign's own tile server is asked, at the given template
            assert [u for u in requested if "/no-tiles/" in u and u.endswith(".png")]
        markers = page.locator("path.leaflet-interactive")
        assert markers.count() == 2
        for i in range(2):
            markers.nth(i).click(force=True)
            text = page.text_content(".leaflet-popup-content")
            if "2 walker(s)" in text:
                assert "camera:type=dome" in text
                break
        else:
            pytest.fail("no popup shows the merged camera with two walkers")
        page.close()
        assert [u for u in requested if not u.startswith(server.url)] == []  # no CDN, nothing leaves the server


def test_public_map_loads_the_box_in_view_and_draws_cones(tmp_path, browser):
    walkers = {
        "alice": [
            build_feature(48.86, 2.35, "fixed", direction=90),  # Paris: a fixed camera facing east (a cone)
            build_feature(48.861, 2.352, "dome"),  # a dome turns: no cone
            build_feature(45.76, 4.83, "fixed", direction=180),  # Lyon, 390 km away
        ]
    }
    with campaign(tmp_path, walkers, tiles="none") as server:
        items: list[str] = []
        page = browser.new_page()
        page.on("request", lambda r: items.append(r.url) if "/collections/cameras/items" in r.url else None)
        page.goto(server.url + "/")
        page.wait_for_function("document.getElementById('count').textContent === '3 cameras'")
        assert page.locator("path.view-cone").count() == 2
        page.evaluate("window.campaignMap.setView([45.76, 4.83], 17)")  # the walker pans to Lyon
        page.wait_for_function("document.getElementById('count').textContent === '1 cameras'")
        assert page.locator("path.view-cone").count() == 1
        assert page.locator("path.leaflet-interactive").count() == 1
        page.close()
        boxes = {u.split("bbox=")[1] for u in items if "bbox=" in u}
        assert len(boxes) >= 2  # one request per view, each for the box in view
        shared = httpx.get(f"{server.url}/static/map-draw.js").text  # the review page's own drawing code
        assert "SV.cone = function" in shared
