"""``sousveillance bench detect`` on the sample walk: one run per schedule, scored against the truth boxes."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from sousveillance.device.bench.detect import detect
from sousveillance.device.commands import SAMPLE_WALK
from sousveillance.models import NCNN_DIR

pytest.importorskip("ncnn")
pytestmark = pytest.mark.skipif(not (NCNN_DIR / "model.ncnn.param").exists() or not (SAMPLE_WALK / "walk.mp4").exists(),
                                reason="the shipped NCNN model or the sample walk is missing")


def test_json_report_has_every_schedule_and_band_and_counts_only_frames_replayed(tmp_path):
    # HOME elsewhere: the walks a developer rendered into ~/.cache stay out of it
    out = CliRunner().invoke(detect, ["--max-frames", "12", "--schedule", "whole", "--schedule", "rotate", "--json"],
                             env={"HOME": str(tmp_path)})
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert set(report["schedules"]) == {"whole", "rotate"}
    for s in report["schedules"].values():
        total = s["total"]
        assert total["frames"] == 12
        assert 0 <= total["found"] <= total["passed"] and 0 <= total["tracked"] <= total["passed"]
        # passed = visible in 3 of the 12 frames replayed, wherever the rest of the walk goes
        assert sum(b["passed"] for b in total["by_distance"].values()) == total["passed"]
        assert sum(b["passed"] for b in total["by_size"].values()) == total["passed"]
        assert total["cost_ratio_time"] > 0 and total["bare_ms_per_frame"] > 0
    assert report["schedules"]["whole"]["total"]["cost_ratio_pixels"] == 1.0
    assert report["schedules"]["rotate"]["total"]["cost_ratio_pixels"] <= 1.2


def test_a_folder_that_is_no_walk_is_one_clear_error(tmp_path):
    out = CliRunner().invoke(detect, ["--no-sample", "--walks", str(tmp_path)])
    assert out.exit_code != 0 and "no rendered walk" in out.output and "Traceback" not in out.output
    walk = tmp_path / "broken"
    walk.mkdir()
    shutil.copy(SAMPLE_WALK / "walk.mp4", walk / "walk.mp4")
    (walk / "truth.json").write_text("{not json")
    out = CliRunner().invoke(detect, ["--no-sample", "--walks", str(walk)])
    assert out.exit_code != 0 and "truth.json" in out.output and "Traceback" not in out.output
