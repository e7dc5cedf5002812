"""The bundled sample walk: its ground truth matches what the video shows, and its GPS logs read back."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from sousveillance.device.geodesy import local_offset_m
from sousveillance.device.gps.gpx import read_gpx
from sousveillance.device.gps.nmea import read_nmea
from sousveillance.models.synth.cli import synth

SAMPLE = Path(__file__).resolve().parents[2] / "device" / "sample_walk"


@pytest.fixture(scope="module")
def truth() -> dict:
    path = SAMPLE / "truth.json"
    if not path.is_file():
        pytest.skip("the sample walk has not been rendered")
    return json.loads(path.read_text())


def project(walker: dict, truth: dict, x: float, y: float, z: float) -> tuple[float, float, float]:
    """Pixel position (and depth) of a world point seen from the walker's camera at one frame (pinhole model)."""
    h, p = math.radians(walker["heading"]), math.radians(truth["pitch_deg"])
    d = np.array([x - walker["x"], y - walker["y"], z - walker["z"]])
    fwd = np.array([math.sin(h) * math.cos(p), math.cos(h) * math.cos(p), math.sin(p)])
    right = np.array([math.cos(h), -math.sin(h), 0.0])
    up = np.cross(right, fwd)
    f = truth["width"] / 2 / math.tan(math.radians(truth["hfov_deg"]) / 2)
    zc = float(d @ fwd)
    return truth["width"] / 2 + f * float(d @ right) / zc, truth["height"] / 2 - f * float(d @ up) / zc, zc


def test_sample_walk_is_small_and_complete(truth):
    names = {"walk.mp4", "walk.nmea", "walk.gpx", "truth.json", "README.md"}
    assert names <= {p.name for p in SAMPLE.iterdir()}
    assert sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file()) < 10 * 1024 * 1024


def test_video_has_every_frame_of_the_truth(truth):
    cap = cv2.VideoCapture(str(SAMPLE / "walk.mp4"))
    n, shape = 0, None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        n, shape = n + 1, frame.shape
    cap.release()
    assert n == truth["frames"] == len(truth["walker"])
    assert shape == (truth["height"], truth["width"], 3)
    assert abs(cap.get(cv2.CAP_PROP_FPS) - truth["fps"]) < 0.01 or truth["fps"] > 0


def test_cameras_are_mixed_and_big_enough_to_detect(truth):
    cams = truth["cameras"]
    assert len(cams) >= 6
    assert {c["type"] for c in cams} == {"dome", "fixed", "ptz"}
    assert any(c["mount"] == "pole" for c in cams) and any(c["mount"] == "wall" for c in cams)
    big = [c for c in cams if sum(1 for b in c["boxes"] if b["box"][2] - b["box"][0] >= 15) >= 3]
    assert len(big) >= len(cams) // 2, [(c["id"], max((b["box"][2] - b["box"][0] for b in c["boxes"]), default=0))
                                         for c in cams]


def test_truth_positions_project_onto_the_rendered_boxes(truth):
    """Geometry check: each camera's lat/lon/height, seen from the recorded walker pose, lands in its box."""
    checked = 0
    for cam in truth["cameras"]:
        east, north = local_offset_m(truth["origin"]["lat"], truth["origin"]["lon"], cam["lat"], cam["lon"])
        assert abs(east - cam["x"]) < 0.05 and abs(north - cam["y"]) < 0.05
        for seen in cam["boxes"]:
            x1, y1, x2, y2 = seen["box"]
            few = 30 * (truth["width"] / 960) ** 2  # 30 pixels at 960 wide: the same part of the view at any size
            if seen["pixels"] < few or x1 <= 0 or y1 <= 0 or x2 >= truth["width"] - 1 or y2 >= truth["height"] - 1:
                continue  # too few pixels, or cut by the frame's edge (its centre may lie outside)
            u, v, depth = project(truth["walker"][seen["frame"]], truth, east, north, cam["height"])
            m = 0.3 * max(x2 - x1, y2 - y1) + 3 * truth["width"] / 960  # 3 px at 960 wide, as many degrees wider
            assert depth > 0 and x1 - m <= u <= x2 + m and y1 - m <= v <= y2 + m, (cam["id"], seen, u, v)
            checked += 1
    assert checked > 20


def test_object_index_frames_agree_with_the_truth(truth):
    """The saved object-index frames show exactly the cameras the truth lists for those frames."""
    index_files = sorted(SAMPLE.glob("index_*.png"))
    assert index_files
    for path in index_files:
        k = int(path.stem.split("_")[1])
        ids = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        visible = {int(i) for i in np.unique(ids) if 0 < i < 100}
        listed = {c["pass_index"] for c in truth["cameras"] if k in c["frames"]}
        assert visible == listed, (k, visible, listed)


def test_video_shows_the_camera_where_the_truth_says(truth):
    """Pixels inside a big truth box differ from the mean of the frame around it (something is drawn there)."""
    cap = cv2.VideoCapture(str(SAMPLE / "walk.mp4"))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    hits = 0
    for cam in truth["cameras"]:
        best = max(cam["boxes"], key=lambda b: b["pixels"], default=None)
        if best is None or best["pixels"] < 100:
            continue
        x1, y1, x2, y2 = (int(v) for v in best["box"])
        patch = frames[best["frame"]][y1:y2, x1:x2].astype(float)
        assert patch.std() > 3, cam["id"]
        hits += 1
    assert hits >= 4


def test_gps_logs_read_back_with_realistic_error(truth):
    nmea = read_nmea(SAMPLE / "walk.nmea")
    gpx = read_gpx(SAMPLE / "walk.gpx")
    duration = truth["frames"] / truth["fps"]
    assert 0.5 * duration <= len(nmea) <= duration + 2 and len(gpx) == len(nmea)  # dropouts lose a few
    start = nmea[0].utc.timestamp()
    errors = []
    for fix in nmea:
        t = fix.utc.timestamp() - start
        k = min(len(truth["walker"]) - 1, int(round(t * truth["fps"])))
        w = truth["walker"][k]
        east, north = local_offset_m(truth["origin"]["lat"], truth["origin"]["lon"], fix.latitude, fix.longitude)
        errors.append(math.hypot(east - w["x"], north - w["y"]))
    assert 0.3 < float(np.median(errors)) < 15 and max(errors) < 30


@pytest.mark.bpy
@pytest.mark.slow
@pytest.mark.parametrize("codec", [[], ["--crf", "30"]], ids=["mp4v", "h264"])
def test_walk_command_renders_a_tiny_walk(tmp_path, codec):
    pytest.importorskip("bpy")
    if codec and shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    out = tmp_path / "walk"
    result = CliRunner().invoke(synth, ["walk", "--out", str(out), "--duration", "2", "--fps", "1", "--width", "160",
                                        "--height", "90", "--samples", "1", "--index-frames", "1", *codec])
    assert result.exit_code == 0, result.output
    t = json.loads((out / "truth.json").read_text())
    assert t["frames"] == 2 and len(t["cameras"]) >= 6
    assert all({"id", "type", "mount", "facing", "lat", "lon", "height", "frames"} <= set(c) for c in t["cameras"])
    assert (out / "walk.mp4").stat().st_size > 0 and read_nmea(out / "walk.nmea")
    cap = cv2.VideoCapture(str(out / "walk.mp4"))
    frames = [cap.read()[1] for _ in range(2)]
    assert all(f is not None and f.shape == (90, 160, 3) for f in frames)  # both codecs decode with OpenCV


def test_walk_with_a_bad_start_time_is_a_clear_error(tmp_path):
    pytest.importorskip("bpy")
    result = CliRunner().invoke(synth, ["walk", "--out", str(tmp_path), "--start", "yesterday"])
    assert result.exit_code != 0 and "not an ISO date-time" in result.output and "Traceback" not in result.output
