"""OSM files on the base install (no pyosmium): written, read back and only then put in place; pyosmium, where it
is installed, reads them exactly as the standard library's parser does."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from helpers.baseinstall import run_base
from helpers.cli import one_error_line
from sync_helpers import Cam, make_walk_db

from sousveillance.sync.export.osm import (
    NodeDraft,
    OsmFileError,
    changeset_tags,
    changeset_xml,
    josm_xml,
    osmchange_xml,
)
from sousveillance.sync.osm.files import read_with_osmium, read_with_xml, write_verified

# What a walker may type as a changeset comment, and what a reviewer's edits may put in a tag.
COMMENT = 'Survey of rue "Saint-Ferréol" <north side> & Cours Julien\'s end, 7 °C'
HOSTILE = {"man_made": "surveillance", "note": 'a <b> & "c" \'d\'\nsecond line\ttab', "name": "Caméra 🎥 ]]>"}


def _walk(tmp_path: Path) -> Path:
    db = tmp_path / "walk.db"
    make_walk_db(db, [Cam(48.85, 2.30, "dome", "wall"), Cam(48.851, 2.30, "ptz", "pole", direction=272.4)]).close()
    return db


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


def test_josm_and_osmchange_files_are_written_and_checked_without_pyosmium(tmp_path):
    db = _walk(tmp_path)
    josm = tmp_path / "cameras.osm"
    out = run_base(["osm", "josm", db, "-o", josm, "--comment", COMMENT], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "2 new camera node(s), verified with the XML parser" in out.stderr
    osc = tmp_path / "cameras.osc"
    out = run_base(["export", db, "--format", "osc", "-o", osc], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert _leftovers(tmp_path) == []

    root = ET.parse(josm).getroot()
    assert root.tag == "osm" and root.get("upload") == "true"
    assert {t.get("k"): t.get("v") for t in root.find("changeset")}["comment"] == COMMENT
    nodes = root.findall("node")
    assert sorted(n.get("lat") for n in nodes) == ["48.8500000", "48.8510000"]
    assert all(int(n.get("id")) < 0 and n.get("action") == "modify" for n in nodes)
    created = ET.parse(osc).getroot().find("create").findall("node")
    types = sorted({t.get("k"): t.get("v") for t in n}["camera:type"] for n in created)
    assert types == ["dome", "panning"]
    assert (tmp_path / "cameras.changeset.osm").is_file()


@pytest.mark.parametrize(
    "args",
    [["upload", "walk.db", "--comment", "survey"], ["josm", "walk.db", "-o", "cameras.osm", "--existing", "area.osm"]],
    ids=["upload", "existing-extract"],
)
def test_what_needs_pyosmium_or_osmapi_names_the_server_extra_in_one_line(tmp_path, args):
    _walk(tmp_path)
    (tmp_path / "area.osm").write_text('<osm version="0.6"/>')
    line = one_error_line(run_base(["osm", *args], cwd=tmp_path))
    assert line.endswith("pip install 'sousveillance[server]'"), line
    assert not (tmp_path / "cameras.osm").exists() and _leftovers(tmp_path) == []


def test_a_file_that_does_not_read_back_is_not_left_behind(tmp_path):
    drafts = [NodeDraft(-1, "u-1", 48.85, 2.30, {"man_made": "surveillance"})]
    wrong = [NodeDraft(-1, "u-1", 48.85, 2.30, {"man_made": "surveillance", "camera:type": "dome"})]
    with pytest.raises(OsmFileError, match="tags read back"):
        write_verified(tmp_path / "cameras.osm", josm_xml(drafts, changeset_tags()), wrong, None)
    assert list(tmp_path.iterdir()) == []


def test_the_standard_library_reads_back_what_pyosmium_reads(tmp_path):
    pytest.importorskip("osmium", reason="pyosmium is in the server extra: pip install 'sousveillance[server]'")
    drafts = [
        NodeDraft(-1, "u-1", 48.8500001, 2.2999999, HOSTILE),
        NodeDraft(-2, "u-2", -33.8688, 151.2093, {"man_made": "surveillance", "camera:direction": "272"}),
    ]
    cs = changeset_tags(COMMENT, {"hashtags": "#cctv;#survey"})
    for name, text, expected_cs in [
        ("josm.osm", josm_xml(drafts, cs), cs),
        ("change.osc", osmchange_xml(drafts), None),
        ("change.changeset.osm", changeset_xml(cs), cs),
    ]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        ours, reference = read_with_xml(path), read_with_osmium(path)
        assert ours.changeset_tags == reference.changeset_tags == expected_cs, name
        assert ours.nodes.keys() == reference.nodes.keys(), name
        for ref, (lat, lon, tags) in reference.nodes.items():
            assert ours.nodes[ref][2] == tags, name
            assert ours.nodes[ref][:2] == pytest.approx((lat, lon), abs=1e-7), name
    assert read_with_xml(tmp_path / "josm.osm").nodes[-1][2] == HOSTILE
