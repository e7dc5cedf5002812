"""The model card is generated from the records: walk measure, intervals, and the changelog's table of stages."""

from __future__ import annotations

import json
import shutil

import pytest

from sousveillance.models import card
from sousveillance.models.paths import MODELS_DIR

WALK = {  # the shape `sousveillance bench detect --json` prints
    "machine": "2 CPU cores", "model": "sousveillance-n_ncnn_model", "walks": ["a", "b"], "gate_m": 20.0,
    "schedules": {
        "whole": {"total": {"found": 2, "passed": 10, "found_within_15m": 2, "passed_within_15m": 8, "false": 0,
                            "fps": 6.1, "cost_ratio_time": 1.0,
                            "by_distance": {"0-5 m": {"found": 1, "passed": 2}, "5-10 m": {"found": 1, "passed": 4}}}},
        "rotate": {"total": {"found": 7, "passed": 10, "found_within_15m": 7, "passed_within_15m": 8, "false": 1,
                             "fps": 5.2, "cost_ratio_time": 1.18,
                             "by_distance": {"0-5 m": {"found": 2, "passed": 2}, "5-10 m": {"found": 3, "passed": 4}}}},
    },
}  # fmt: skip


@pytest.fixture
def records(tmp_path, monkeypatch):
    folder = tmp_path / "card"
    shutil.copytree(MODELS_DIR / "card", folder)
    shutil.copy(MODELS_DIR / "CHANGELOG.md", folder / "CHANGELOG.md")
    monkeypatch.setenv("SOUSVEILLANCE_CARD_DIR", str(folder))
    return folder


def test_walk_measure_section_is_fed_by_bench_detect_json(records):
    (records / "walk.json").unlink(missing_ok=True)
    assert "Not measured yet for this model" in card.render()
    card.record("walk", WALK)
    text = card.render()
    section = text[text.index("## Walk measure"): text.index("## Validation")]
    assert "| rotate | 7/10 | 7/8 | 1 | 5.20 | 1.18x |" in section
    assert "| whole | 2/10 | 2/8 | 0 | 6.10 | 1.00x |" in section
    assert "| rotate | 2/2 | 3/4 |" in section  # by distance band


def test_validation_shows_each_interval_and_the_set_it_was_measured_on(records):
    ev = card.load("eval")
    ev["intervals"] = {k: {"value": 0.5, "low": 0.25, "high": 0.75, "resamples": 1000, "level": 0.9, "seed": 0,
                           "of": 1000} for k in ("camera_ap50", "camera_recall", "small_recall", "fp_per_negative")}
    ev["data"] = {"name": "realset", "description": "the val split of the real-photo set"}
    ev["speed"] = [{"imgsz": 640, "ms_per_image": 393.0, "threads": 2, "runtime": "pytorch", "load_avg": 8.2,
                    "cores": 2}]
    card.record("eval", ev)
    text = card.render()
    assert "393 ms per image" in text and "load average 8.2 while measured: other work shared the cores" in text
    assert text.count("| [0.250, 0.750] |") == 4
    assert "Set: the val split of the real-photo set" in text and "1000 resamples" in text


def test_the_stage_table_is_rewritten_in_the_changelog_and_its_text_kept(records):
    cmp = card.load("compare")
    cmp["rows"].append({"name": "new-stage", "camera_ap50": 0.9, "camera_recall": 0.85, "map50": 0.8,
                        "command": "sousveillance model eval --as new-stage"})  # fmt: skip
    card.record("compare", cmp)
    before = (records / "CHANGELOG.md").read_text()
    card.write_card()
    after = (records / "CHANGELOG.md").read_text()
    assert "| new-stage | 0.900 | 0.850 | 0.800 | `sousveillance model eval --as new-stage` |" in after
    assert after.count("| new-stage |") == 1
    head = before[: before.index(card.COMPARE_BEGIN)]
    assert after.startswith(head)  # the hand-kept history is untouched
    card.write_card()
    assert (records / "CHANGELOG.md").read_text() == after  # rewriting is stable
    assert "new-stage" not in (records / "MODEL_CARD.md").read_text()  # the card stays about the shipped model
    json.loads((records / "compare.json").read_text())
