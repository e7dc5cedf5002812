"""``server dump``: the whole map as GeoJSON and as vector tiles (MBTiles) that GDAL reads back."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess

import pytest
from click.testing import CliRunner

from sousveillance.sync.server.cli import server
from sousveillance.sync.server.exports import export_text
from sousveillance.sync.server.repo import Repository

OGRINFO = shutil.which("ogrinfo")


@pytest.fixture
def campaign(tmp_path, feature):
    db = str(tmp_path / "campaign.db")
    repo = Repository(db)
    device = repo.authenticate(repo.add_device("alice"))
    for i in range(30):  # three streets of ten cameras, 55 m apart
        repo.put_camera(device, feature(48.85 + i % 10 * 0.0005, 2.30 + i // 10 * 0.001, "fixed", direction=i * 12))
    yield db, repo
    repo.close()


def _ogr(path, zoom: int) -> str:
    done = subprocess.run([OGRINFO, "-ro", "-al", str(path), "-oo", f"ZOOM_LEVEL={zoom}"], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_dump_writes_the_geojson_export_and_vector_tiles(campaign, tmp_path):
    db, repo = campaign
    out = tmp_path / "site"
    done = CliRunner().invoke(server, ["dump", "--db", db, "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "30 cameras" in done.output and "cameras.mbtiles" in done.output
    geojson = json.loads((out / "cameras.geojson").read_text())
    assert geojson == json.loads(export_text(repo, "geojson"))  # the export's own shape
    with sqlite3.connect(out / "cameras.mbtiles") as conn:
        meta = dict(conn.execute("SELECT name, value FROM metadata"))
        zooms = [z for (z,) in conn.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY 1")]
    assert meta["format"] == "pbf" and json.loads(meta["json"])["vector_layers"][0]["id"] == "cameras"
    assert zooms == list(range(15))


@pytest.mark.skipif(OGRINFO is None, reason="needs GDAL's ogrinfo (apt-get install gdal-bin)")
def test_gdal_reads_every_camera_at_the_top_zoom_and_counts_at_the_bottom(campaign, tmp_path):
    db, repo = campaign
    out = tmp_path / "site"
    assert CliRunner().invoke(server, ["dump", "--db", db, "-o", str(out)]).exit_code == 0
    top = _ogr(out / "cameras.mbtiles", 14)
    uuids = set(re.findall(r"uuid \(String\) = (\S+)", top))
    assert uuids == {f["uuid"] for f in repo.features()}
    assert "camera:direction (String) = 348" in top and "camera:type (String) = fixed" in top
    world = _ogr(out / "cameras.mbtiles", 0)  # one tile for the world: nearby cameras drawn as one, counted
    assert sum(float(n) for n in re.findall(r"count \(Real\) = ([0-9.]+)", world)) == 30


def test_dump_without_tiles_and_with_a_bad_zoom_range(campaign, tmp_path):
    db, _ = campaign
    runner = CliRunner()
    assert runner.invoke(server, ["dump", "--db", db, "-o", str(tmp_path / "a"), "--no-tiles"]).exit_code == 0
    assert not (tmp_path / "a" / "cameras.mbtiles").exists()
    bad = runner.invoke(server, ["dump", "--db", db, "-o", str(tmp_path / "b"), "--min-zoom", "9", "--max-zoom", "3"])
    assert bad.exit_code != 0 and "--min-zoom" in bad.output
