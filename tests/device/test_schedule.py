"""Detection schedules: the rotation looks at every part of the band at native resolution within one period, at a
bounded input size per frame; a mosaic gives every box back to the frame where it was."""

from __future__ import annotations

import numpy as np
import pytest

from sousveillance.device.detect.mosaic import compose, pack, unpack
from sousveillance.device.detect.schedule import BAND, ROTATE_COST, SCHEDULES, Pass, Region, plan_for
from sousveillance.device.types import Detection

FRAMES = [(1920, 1080), (2304, 1296), (1280, 720), (960, 540), (1280, 960)]


@pytest.mark.parametrize("size", FRAMES, ids=[f"{w}x{h}" for w, h in FRAMES])
def test_rotation_sees_every_pixel_of_the_band_at_native_resolution_within_one_period(size):
    width, height = size
    plan = plan_for("rotate", width, height)
    assert plan.tiles and plan.period == len(plan.tiles)
    seen = np.zeros((round(height * BAND), width), dtype=bool)
    for n in range(100, 100 + plan.period):  # any k consecutive frames, not only the first k
        passes = plan.passes(n)
        assert [p.kind for p in passes] == ["whole", "tile"]
        tile = passes[1]
        assert tile.scale == 1.0  # native resolution: one input pixel per frame pixel
        seen[tile.region.y0 : tile.region.y1, tile.region.x0 : tile.region.x1] = True
    assert seen.all()


@pytest.mark.parametrize("size", FRAMES, ids=[f"{w}x{h}" for w, h in FRAMES])
def test_one_frame_of_the_rotation_fits_one_input_of_at_most_the_budget(size):
    plan = plan_for("rotate", *size)
    crops = [Pass("roi", Region(10 * i, 10, 10 * i + 40, 50), (plan.crop_row, plan.crop_row)) for i in range(20)]
    for n in range(plan.period):
        passes = plan.passes(n)
        layout = pack([passes[:1], passes[1:], crops], plan.canvas[1], max_height=plan.canvas[0])
        h, w = layout.canvas_hw
        assert h % 32 == 0 and w % 32 == 0
        assert h * w <= ROTATE_COST * 640 * 640
        placed = [p.part.kind for p in layout.placements]
        assert placed[:2] == ["whole", "tile"] and 1 < placed.count("roi") < len(crops)  # the rest wait


def test_a_frame_no_bigger_than_the_input_has_no_tiles():
    plan = plan_for("rotate", 640, 480)
    assert plan.tiles == () and plan.whole.scale == 1.0


def test_the_old_static_tiles_are_schedules_and_unknown_names_are_refused():
    plan = plan_for("tiles-2", 960, 540)
    assert len(plan.passes(0)) == 3 and plan.passes(0) == plan.passes(7)  # whole + the same 2 tiles every frame
    assert set(SCHEDULES) >= {"whole", "rotate", "tiles-1", "tiles-4"}
    with pytest.raises(ValueError, match="rotate"):
        plan_for("spiral", 960, 540)


def test_mosaic_gives_each_box_back_in_frame_pixels_and_drops_boxes_in_the_gaps():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
    whole = Pass("whole", Region(0, 0, 1920, 1080), (360, 640))
    tile = Pass("tile", Region(640, 300, 1280, 580), (280, 640))
    layout = pack([[whole], [tile]], 640)
    canvas = compose(image, layout)
    t = next(p for p in layout.placements if p.part is tile)
    # the tile is pasted at native resolution: canvas pixels equal frame pixels
    assert np.array_equal(canvas[t.y : t.y + t.h, t.x : t.x + t.w], image[300:580, 640:1280])
    in_tile = Detection(t.x + 100, t.y + 50, t.x + 120, t.y + 70, 0.9, 0, "dome")
    in_whole = Detection(320, 90, 330, 100, 0.8, 1, "fixed")
    in_gap = Detection(10, 361, 14, 374, 0.7, 0, "dome")
    back = {d.class_name: d for _, d in unpack([in_tile, in_whole, in_gap], layout)}
    assert len(back) == 2
    assert (back["dome"].x1, back["dome"].y1, back["dome"].x2, back["dome"].y2) == (740, 350, 760, 370)
    assert back["fixed"].x1 == pytest.approx(960) and back["fixed"].y2 == pytest.approx(300)


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_schedule_setting_default_and_the_old_tiles_key(tmp_path):
    from sousveillance.config import ConfigError, load_config

    assert load_config(write(tmp_path, "")).detector.schedule == "rotate"
    assert load_config(write(tmp_path, "[detector]\ntiles = 2\n")).detector.schedule == "tiles-2"
    assert load_config(write(tmp_path, "[detector]\ntiles = 0\n")).detector.schedule == "whole"
    assert "tiles" not in load_config(write(tmp_path, "[detector]\ntiles = 2\n")).model_dump()["detector"]
    with pytest.raises(ConfigError, match="disagree"):
        load_config(write(tmp_path, '[detector]\ntiles = 2\nschedule = "rotate"\n'))
    with pytest.raises(ConfigError, match="replaced by schedule"):
        load_config(write(tmp_path, "[detector]\ntiles = 9\n"))
    with pytest.raises(ConfigError, match="whole, rotate"):
        load_config(write(tmp_path, '[detector]\nschedule = "spiral"\n'))
