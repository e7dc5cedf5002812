"""``model train --recipe``: which settings each recipe stands for, and that the run's record names it
(no GPU needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sousveillance.models import card
from sousveillance.models.cli import model
from sousveillance.models.recipes import RecipeError, cuda_available, pick_recipe, settings_for
from sousveillance.models.ship import run_record
from sousveillance.models.train import _record_run

DATA = Path("/data/ds/data.yaml")


def test_auto_is_the_gpu_recipe_when_cuda_is_there_and_the_cpu_recipe_otherwise():
    gpu = settings_for(pick_recipe("auto", cuda=lambda: True), DATA)
    assert (gpu.recipe, gpu.imgsz, gpu.batch, gpu.epochs, gpu.device, gpu.workers) == ("gpu", 1280, 32, 150, "0", 8)
    cpu = settings_for(pick_recipe("auto", cuda=lambda: False), DATA)
    assert (cpu.recipe, cpu.imgsz, cpu.batch, cpu.epochs, cpu.device, cpu.threads) == ("cpu", 640, 8, 30, "cpu", 2)
    assert cpu.arch == gpu.arch == "yolov8n.yaml"  # the same network: the device runs it at 640 px either way


def test_explicit_values_win_and_a_gpu_recipe_without_a_gpu_is_refused():
    s = settings_for(pick_recipe("gpu", cuda=lambda: True), DATA, imgsz=960, epochs=5, arch="p2", name="x")
    assert (s.imgsz, s.batch, s.epochs, s.arch, s.name) == (960, 32, 5, "yolov8n-p2.yaml", "x")
    with pytest.raises(RecipeError, match="needs a CUDA device"):
        pick_recipe("gpu", cuda=lambda: False)
    assert pick_recipe("gpu", cuda=lambda: False, device="mps").name == "gpu"  # a device named by the user
    with pytest.raises(RecipeError, match="unknown architecture"):
        settings_for(pick_recipe("cpu"), DATA, arch="x")


def test_the_recipe_and_device_that_ran_reach_the_card(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUSVEILLANCE_CARD_DIR", str(tmp_path / "card"))
    run = tmp_path / "run"
    s = settings_for(pick_recipe("auto", cuda=lambda: True), tmp_path / "ds" / "data.yaml")
    _record_run(run, s, s.device, 3600.0, name="cuda:0 (NVIDIA H200)")
    (run / "args.yaml").write_text(yaml.safe_dump({"data": str(s.data), "imgsz": s.imgsz, "batch": s.batch}))
    rec = run_record(run)
    assert rec["recipe"] == "gpu" and rec["device"] == "cuda:0 (NVIDIA H200)" and rec["imgsz"] == 1280
    card.record("train", {**rec, "version": "v", "gflops": 8.7, "params": 3_000_000})
    text = card.render()
    assert "gpu recipe" in text and "cuda:0 (NVIDIA H200)" in text and "1280 px" in text


def test_cli_refuses_the_gpu_recipe_on_a_machine_without_one(tmp_path):
    if cuda_available():
        pytest.skip("this machine has a CUDA device")
    (tmp_path / "data.yaml").write_text("path: .\n")
    result = CliRunner().invoke(model, ["train", "--data", str(tmp_path / "data.yaml"), "--recipe", "gpu"])
    assert result.exit_code == 1 and "needs a CUDA device" in result.output
