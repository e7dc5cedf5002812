"""OGC API - Features on the campaign server, read by GDAL's own client (ogrinfo) and over plain HTTP: paging,
bbox, datetime, single items; ETag and 304, gzip, CORS; /api/v1/features by bbox and limit."""

from __future__ import annotations

import gzip
import shutil
import subprocess

import httpx
import pytest

OGRINFO = shutil.which("ogrinfo")
# Twelve cameras on a line going north in Paris, 0.001 degrees (111 m) apart: never merged.
LINE = [(48.850 + i * 0.001, 2.300) for i in range(12)]
WEST_HALF = (2.2995, 48.8495, 2.3005, 48.8555)  # lon/lat box holding the first six


@pytest.fixture
def mapped(live, feature):
    token = live.repo.add_device("alice")
    headers = {"Authorization": f"Bearer {token}"}
    for lat, lon in LINE:
        feat = feature(lat, lon, "fixed", direction=45.0)
        assert httpx.put(f"{live.url}/api/v1/cameras/{feat['id']}", json=feat, headers=headers).status_code == 201
    return live


def _bbox(box) -> str:
    return ",".join(str(v) for v in box)


def test_landing_conformance_and_collection_describe_the_map(mapped):
    url = mapped.url
    landing = httpx.get(f"{url}/", headers={"Accept": "application/json"}).json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= set(rels)
    assert httpx.get(f"{url}/").text.startswith("<!doctype html>")  # a browser still gets the map page
    conf = httpx.get(rels["conformance"]).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf
    coll = httpx.get(rels["data"]).json()["collections"]
    assert [c["id"] for c in coll] == ["cameras"]
    west, south, east, north = coll[0]["extent"]["spatial"]["bbox"][0]
    assert (south, north) == pytest.approx((48.850, 48.861)) and west == east == pytest.approx(2.3)
    assert httpx.get(f"{url}/collections/elsewhere").status_code == 404


def test_items_page_with_next_links_until_every_camera_is_read(mapped):
    seen, url, pages = [], f"{mapped.url}/collections/cameras/items?limit=5", 0
    while url:
        page = httpx.get(url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("application/geo+json")
        body = page.json()
        assert body["numberMatched"] == 12 and body["numberReturned"] == len(body["features"])
        seen += [f["id"] for f in body["features"]]
        url = next((lk["href"] for lk in body["links"] if lk["rel"] == "next"), None)
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 12


def test_items_by_bbox_datetime_and_one_item(mapped):
    url = f"{mapped.url}/collections/cameras/items"
    west = httpx.get(url, params={"bbox": _bbox(WEST_HALF)}).json()
    lats = sorted(f["geometry"]["coordinates"][1] for f in west["features"])
    assert lats == pytest.approx([la for la, _ in LINE[:6]]) and west["numberMatched"] == 6
    assert httpx.get(url, params={"datetime": "2000-01-01T00:00:00Z/2000-12-31T00:00:00Z"}).json()["numberMatched"] == 0
    assert httpx.get(url, params={"datetime": "2000-01-01T00:00:00Z/.."}).json()["numberMatched"] == 12
    one = west["features"][0]
    item = httpx.get(f"{url}/{one['id']}")
    assert item.status_code == 200 and item.json()["id"] == one["id"]
    assert item.json()["properties"]["tags"]["camera:direction"] == "45"
    assert httpx.get(f"{url}/{'0' * 8}-0000-4000-8000-{'0' * 12}").status_code == 404
    bad_values = [{"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"limit": "-1"}, {"limit": "\u00b2"}, {"offset": "9" * 30},
                  {"datetime": "yesterday"}, {"colour": "red"}]  # fmt: skip
    for bad in bad_values:
        response = httpx.get(url, params=bad)
        assert response.status_code == 400 and response.json()["field"] == next(iter(bad)), bad


def test_etag_gives_304_and_changes_with_the_map(mapped, feature):
    url = f"{mapped.url}/collections/cameras/items?limit=100"
    first = httpx.get(url)
    etag = first.headers["etag"]
    again = httpx.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    token = mapped.repo.add_device("bob")
    feat = feature(48.86002, 2.3, "fixed", direction=45.0)  # joins one of the line's cameras: that one changes
    httpx.put(f"{mapped.url}/api/v1/cameras/{feat['id']}", json=feat, headers={"Authorization": f"Bearer {token}"})
    changed = httpx.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    walkers = sorted(f["properties"]["contributors"] for f in changed.json()["features"])
    assert walkers == [1] * 11 + [2]  # the page is made again for what changed, not served from memory
    whole = httpx.get(f"{mapped.url}/api/v1/features")
    assert (
        httpx.get(f"{mapped.url}/api/v1/features", headers={"If-None-Match": whole.headers["etag"]}).status_code == 304
    )


def test_gzip_and_cors_for_map_readers(mapped):
    raw = httpx.get(
        f"{mapped.url}/api/v1/features", headers={"Accept-Encoding": "gzip", "Origin": "https://umap.example"}
    )
    assert raw.headers["content-encoding"] == "gzip"  # httpx decodes it; the header says it came compressed
    assert len(raw.json()["features"]) == 12
    assert raw.headers["access-control-allow-origin"] == "*"
    with httpx.stream("GET", f"{mapped.url}/api/v1/features", headers={"Accept-Encoding": "gzip"}) as streamed:
        wire = b"".join(streamed.iter_raw())
    assert len(wire) < len(gzip.decompress(wire)) / 3
    preflight = httpx.options(
        f"{mapped.url}/collections/cameras/items",
        headers={"Origin": "https://qgis.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "if-none-match"},
    )  # fmt: skip
    assert preflight.status_code == 200 and "GET" in preflight.headers["access-control-allow-methods"]
    refused = httpx.options(
        f"{mapped.url}/api/v1/cameras/{'0' * 8}-0000-4000-8000-{'0' * 12}",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"},
    )
    assert refused.status_code == 400  # no browser page elsewhere may PUT


def test_features_endpoint_honours_bbox_and_limit_and_still_returns_everything_without(mapped):
    url = f"{mapped.url}/api/v1/features"
    assert len(httpx.get(url).json()["features"]) == 12  # existing clients: the whole map
    assert len(httpx.get(url, params={"bbox": _bbox(WEST_HALF)}).json()["features"]) == 6
    assert len(httpx.get(url, params={"limit": "4"}).json()["features"]) == 4
    assert len(httpx.get(url, params={"limit": "4", "offset": "10"}).json()["features"]) == 2


def test_405_declares_allow(mapped):
    response = httpx.post(f"{mapped.url}/api/v1/cameras/{'0' * 8}-0000-4000-8000-{'0' * 12}")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"PUT", "GET", "DELETE"}
    assert httpx.delete(f"{mapped.url}/collections/cameras/items").status_code == 405


def _ogrinfo(*args: str) -> str:
    done = subprocess.run([OGRINFO, "-ro", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(OGRINFO is None, reason="needs GDAL's ogrinfo (apt-get install gdal-bin)")
def test_gdal_lists_the_collection_and_reads_a_bbox_page_by_page(mapped):
    source = f"OAPIF:{mapped.url}/"
    listed = _ogrinfo(source)
    assert "1: cameras" in listed
    summary = _ogrinfo("-so", source, "cameras")
    assert "Feature Count: 12" in summary
    # a box of the west half, read two features per request: GDAL follows the next links
    west, south, east, north = WEST_HALF
    page = _ogrinfo(
        "-q", source, "cameras", "-spat", str(west), str(south), str(east), str(north), "-oo", "PAGE_SIZE=2"
    )
    points = [line.strip() for line in page.splitlines() if line.strip().startswith("POINT")]
    assert len(points) == 6
    assert sorted(float(p.split()[2].rstrip(")")) for p in points) == pytest.approx([la for la, _ in LINE[:6]])


def test_bbox_edges_count_and_a_box_across_the_antimeridian(mapped, feature):
    token = mapped.repo.add_device("pacific")
    for lon in (179.95, -179.95):  # two cameras on either side of the date line
        feat = feature(0.0, lon, "dome")
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.put(f"{mapped.url}/api/v1/cameras/{feat['id']}", json=feat, headers=auth).status_code == 201
    url = f"{mapped.url}/collections/cameras/items"
    across = httpx.get(url, params={"bbox": "179.9,-1,-179.9,1"}).json()
    assert sorted(f["geometry"]["coordinates"][0] for f in across["features"]) == [-179.95, 179.95]
    on_edge = httpx.get(url, params={"bbox": "2.3,48.85,2.3,48.85"}).json()  # a box of no size on a camera
    assert on_edge["numberMatched"] == 1 and len(on_edge["features"]) == 1
    paged = httpx.get(url, params={"bbox": _bbox(WEST_HALF), "limit": "4"}).json()
    assert paged["numberMatched"] == 6 and len(paged["features"]) == 4  # counted from the index, the same six
