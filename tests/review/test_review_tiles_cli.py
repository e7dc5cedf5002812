"""Offline basemap tiles from an MBTiles file, and the ``sousveillance review`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sousveillance.device.review.cli import review
from sousveillance.device.review.tiles import TilesError, open_tiles


def test_mbtiles_served_as_basemap(make_client, walk_db, tmp_path, make_mbtiles):
    lat, lon = walk_db.fixes[60]
    made = make_mbtiles(tmp_path / "marseille.mbtiles", lat, lon)
    c = make_client(tiles=str(tmp_path / "marseille.mbtiles"))
    (z, x, y), data = next(iter(made.items()))
    r = c.get(f"/tiles/{z}/{x}/{y}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content == data
    assert c.get("/tiles/15/0/0").status_code == 204  # outside the file: blank
    assert c.get("/tiles/3/99/0").status_code == 404
    assert '"url": "/tiles/{z}/{x}/{y}"' in c.get(f"/walks/{walk_db.walk_id}").text


def test_without_tiles_the_page_has_no_tile_url(client, walk_db):
    page = client.get(f"/walks/{walk_db.walk_id}").text
    assert '"tiles": null' in page and '"osm": false' in page
    assert client.get("/tiles/15/1/1").status_code == 404


def test_vector_or_broken_tile_files_are_refused_clearly(tmp_path, make_mbtiles):
    make_mbtiles(tmp_path / "vector.mbtiles", 43.3, 5.37, zooms=(14,), fmt="pbf")
    with pytest.raises(TilesError, match="only raster"):
        open_tiles(tmp_path / "vector.mbtiles")
    (tmp_path / "junk.mbtiles").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(TilesError, match="not an MBTiles file"):
        open_tiles(tmp_path / "junk.mbtiles")
    with pytest.raises(TilesError, match=r"give a \.mbtiles or \.pmtiles"):
        open_tiles(tmp_path / "map.tif")


def test_cli_help_has_an_example():
    result = CliRunner().invoke(review, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "--privacy-zone" in result.output


def test_cli_bad_input_is_one_line_error(walk_db, tmp_path):
    runner = CliRunner()
    r = runner.invoke(review, [str(walk_db.path), "--privacy-zone", "43.3,5.37"])
    assert r.exit_code == 2 and "LAT,LON,RADIUS_M" in r.output
    (tmp_path / "junk.mbtiles").write_bytes(b"junk" * 400)
    r = runner.invoke(review, [str(walk_db.path), "--tiles", str(tmp_path / "junk.mbtiles")])
    assert r.exit_code == 1 and "Error: " in r.output and "not an MBTiles file" in r.output
    r = runner.invoke(review, [str(tmp_path / "none.db"), "--read-only"])
    assert r.exit_code == 1 and "no walk database at" in r.output
    (tmp_path / "notes.db").write_text("shopping list\n" * 200)
    r = runner.invoke(review, [str(tmp_path / "notes.db")])
    assert r.exit_code == 1 and "not a usable walk database" in r.output


def test_cli_serves_on_the_hotspot_with_the_printed_pin(walk_db):
    """The real command: prints the addresses, the certificate and a PIN; the PIN opens the API over real HTTPS."""
    import os
    import re
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOUSVEILLANCE_CONFIG": os.devnull}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sousveillance", "review", str(walk_db.path), "--host", "0.0.0.0", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith(("PIN:", "Error")):
            lines.append(proc.stdout.readline())
            assert lines[-1], "".join(lines)
        pin = re.fullmatch(r"PIN: (\d{6})\n", lines[-1]).group(1)
        assert "<this device's address>" not in "".join(lines)
        import ssl

        cert = ssl.create_default_context(cafile=str(walk_db.path.parent / "review-tls" / "cert.pem"))
        base = f"https://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/login", timeout=1, verify=cert)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, follow_redirects=True, verify=cert) as client:
            assert client.get("/api/walks").status_code == 401
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
            r = client.post("/login", data={"pin": pin, "csrf_token": token})
            assert r.status_code == 200 and "Walks" in r.text
            assert client.get("/api/walks").json()["walks"][0]["cameras"] == 5
    finally:
        proc.terminate()
        proc.wait(10)


def make_pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> None:
    """A PMTiles v3 archive written by the reference ``pmtiles`` package (an independent writer)."""
    writer_mod = pytest.importorskip("pmtiles.writer")
    from pmtiles.tile import Compression, TileType, zxy_to_tileid

    with writer_mod.write(str(path)) as writer:
        for (z, x, y), data in sorted(tiles.items(), key=lambda kv: zxy_to_tileid(*kv[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        writer.finalize(
            {"tile_type": TileType.PNG, "tile_compression": Compression.NONE,
             "min_lon_e7": int(5.36e7), "min_lat_e7": int(43.29e7), "max_lon_e7": int(5.38e7),
             "max_lat_e7": int(43.31e7),
             "center_zoom": 15, "center_lon_e7": int(5.37e7), "center_lat_e7": int(43.30e7)},
            {"name": "Marseille test", "attribution": "test tiles"},
        )


def test_pmtiles_served_as_basemap(make_client, walk_db, tmp_path, make_mbtiles):
    lat, lon = walk_db.fixes[60]
    tiles = make_mbtiles(tmp_path / "source.mbtiles", lat, lon, zooms=(14, 15, 16, 17))
    make_pmtiles(tmp_path / "marseille.pmtiles", tiles)
    source = open_tiles(tmp_path / "marseille.pmtiles")
    assert (source.info.minzoom, source.info.maxzoom, source.info.attribution) == (14, 17, "test tiles")
    for (z, x, y), data in tiles.items():
        assert source.get(z, x, y) == data, (z, x, y)
    assert source.get(15, 0, 0) is None and source.get(3, 1, 1) is None
    c = make_client(tiles=str(tmp_path / "marseille.pmtiles"))
    (z, x, y), data = next(iter(tiles.items()))
    r = c.get(f"/tiles/{z}/{x}/{y}")
    assert r.status_code == 200 and r.content == data and r.headers["content-type"] == "image/png"


def test_pmtiles_hilbert_ids_match_the_reference():
    reference = pytest.importorskip("pmtiles.tile").zxy_to_tileid

    from sousveillance.device.review.pmtiles import zxy_to_tileid

    for z in range(9):
        for x in range(0, 1 << z, max(1, (1 << z) // 7)):
            for y in range(0, 1 << z, max(1, (1 << z) // 5)):
                assert zxy_to_tileid(z, x, y) == reference(z, x, y)
    assert zxy_to_tileid(17, 67000, 47900) == reference(17, 67000, 47900)


def test_broken_pmtiles_refused(tmp_path):
    (tmp_path / "x.pmtiles").write_bytes(b"PMTiles\x02" + b"\0" * 200)
    with pytest.raises(TilesError, match="version 2"):
        open_tiles(tmp_path / "x.pmtiles")
    (tmp_path / "y.pmtiles").write_bytes(b"hello")
    with pytest.raises(TilesError, match="not a PMTiles file"):
        open_tiles(tmp_path / "y.pmtiles")


def test_pmtiles_with_leaf_directories(tmp_path):
    """Large archives split their directory into leaves: build one with tiny leaves from the reference parts."""
    tile = pytest.importorskip("pmtiles.tile")
    from pmtiles.writer import build_roots_leaves

    tiles = {(z, x, y): b"tile %d/%d/%d" % (z, x, y) for z in range(5) for x in range(1 << z) for y in range(1 << z)}
    ordered = sorted(tiles, key=lambda k: tile.zxy_to_tileid(*k))
    data, entries = b"", []
    for k in ordered:
        entries.append(tile.Entry(tile.zxy_to_tileid(*k), len(data), len(tiles[k]), 1))
        data += tiles[k]
    root, leaves, n_leaves = build_roots_leaves(entries, 7)
    assert n_leaves > 10
    header = {
        "root_offset": 127, "root_length": len(root), "metadata_offset": 127 + len(root), "metadata_length": 0,
        "leaf_directory_offset": 127 + len(root), "leaf_directory_length": len(leaves),
        "tile_data_offset": 127 + len(root) + len(leaves), "tile_data_length": len(data), "clustered": True,
        "internal_compression": tile.Compression.GZIP, "tile_compression": tile.Compression.NONE,
        "tile_type": tile.TileType.PNG, "min_zoom": 0, "max_zoom": 4,
    }
    (tmp_path / "leaves.pmtiles").write_bytes(tile.serialize_header(header) + root + leaves + data)
    source = open_tiles(tmp_path / "leaves.pmtiles")
    for k, value in tiles.items():
        assert source.get(*k) == value, k
    assert source.get(5, 0, 0) is None
