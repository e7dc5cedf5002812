"""One-epoch training on a tiny generated set runs end to end, and an interrupted run resumes."""

import cv2
import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from sousveillance.models.cli import model
from sousveillance.models.data.assemble import assemble, folder_source
from sousveillance.models.train import TrainSettings, train

pytestmark = [pytest.mark.slow, pytest.mark.needs("ultralytics")]


def _tiny_set(root, n=6, size=96):
    """Grey street-ish images with a dark 'dome' (class 0) and a light 'fixed' box (class 1)."""
    rng = np.random.default_rng(0)
    for split, count in (("train", n), ("val", 2)):
        for i in range(count):
            img = np.full((size, size, 3), int(rng.integers(60, 200)), np.uint8)
            lines = []
            for cls, colour in ((0, (20, 20, 20)), (1, (240, 240, 240))):
                w, h = rng.integers(12, 30, 2)
                x, y = rng.integers(0, size - w), rng.integers(0, size - h)
                cv2.rectangle(img, (int(x), int(y)), (int(x + w), int(y + h)), colour, -1)
                lines.append(f"{cls} {(x + w / 2) / size:.6f} {(y + h / 2) / size:.6f} {w / size:.6f} {h / size:.6f}")
            (root / split / "images").mkdir(parents=True, exist_ok=True)
            (root / split / "labels").mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / split / "images" / f"im{i}.jpg"), img)
            (root / split / "labels" / f"im{i}.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    _tiny_set(root / "src")
    srcs = [folder_source("gen", root / "src" / "train"), folder_source("gen", root / "src" / "val", split="val")]
    summary = assemble(root / "ds", srcs, imgsz=64, tile=False)
    assert summary.images[("gen", "train")] == 6 and summary.boxes[("val", "dome")] == 2
    return summary.data_yaml


class Interrupted(Exception):
    pass


def crash_after_first_save(trainer):
    raise Interrupted("power cut after epoch 1")


def test_one_epoch_then_resume_after_a_crash(tiny_data, tmp_path):
    s = TrainSettings(tiny_data, name="tiny", init="scratch", epochs=2, imgsz=64, batch=4, device="cpu", workers=0)
    with pytest.raises(Interrupted):
        train(s, project=tmp_path, callbacks={"on_model_save": crash_after_first_save})
    run = tmp_path / "tiny"
    assert (run / "weights" / "last.pt").is_file()
    assert len((run / "results.csv").read_text().splitlines()) == 2  # header + epoch 1

    r = train(s, project=tmp_path)  # the next session: continues at epoch 2
    assert r.resumed
    assert len((run / "results.csv").read_text().splitlines()) == 3
    from ultralytics import YOLO

    m = YOLO(str(r.best))
    assert m.names == {0: "dome", 1: "fixed", 2: "ptz", 3: "pole"}
    assert m.predict(np.zeros((96, 96, 3), np.uint8), imgsz=64, verbose=False)[0].boxes is not None

    again = train(s, project=tmp_path)  # a complete run is not trained twice
    assert not again.resumed and again.seconds == 0.0


def test_cli_one_epoch_and_bad_data(tiny_data, tmp_path):
    args = ["train", "--data", str(tiny_data), "--name", "cli", "--init", "scratch", "--epochs", "1",
            "--imgsz", "64", "--batch", "4", "--device", "cpu", "--project", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(model, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli" / "weights" / "best.pt").is_file()
    meta = yaml.safe_load((tmp_path / "cli" / "sousveillance.json").read_text())
    assert meta["sessions"] == 1 and meta["seconds"] > 0

    result = CliRunner().invoke(model, ["train", "--data", str(tmp_path / "none.yaml")])
    assert result.exit_code != 0 and "data.yaml not found" in result.output


def test_eval_writes_the_card_from_its_numbers(tiny_data, tmp_path, monkeypatch):
    s = TrainSettings(tiny_data, name="ev", init="scratch", epochs=1, imgsz=64, batch=4, device="cpu", workers=0)
    r = train(s, project=tmp_path)
    monkeypatch.setenv("SOUSVEILLANCE_CARD_DIR", str(tmp_path / "card"))
    (tmp_path / "card").mkdir()
    (tmp_path / "card" / "missed-9.jpg").write_bytes(b"a crop of an earlier model's miss")
    val = tiny_data.parent / "images" / "val"
    result = CliRunner().invoke(
        model, ["eval", "--model", str(r.best), "--val", str(val), "--negatives", str(val), "--imgsz", "64"]
    )
    assert result.exit_code == 0, result.output
    import json

    rec = json.loads((tmp_path / "card" / "eval.json").read_text())
    assert rec["metrics"]["images"] == 2 and rec["metrics"]["camera_boxes"] == 4
    card = (tmp_path / "card" / "MODEL_CARD.md").read_text()
    assert "## Validation" in card and f"{rec['metrics']['camera_ap50']:.3f}" in card
    assert "sousveillance model eval" in card
    # every missed camera is on the card with what the model scored it, and no crop of an earlier run is left over
    missed = [f for f in rec["failures"] if f.startswith("missed-")]
    assert len(missed) == round(4 * (1 - rec["metrics"]["camera_recall"]))
    assert all(", best score " in f or ", never boxed" in f for f in missed)
    crops = sorted(p.name for p in (tmp_path / "card").glob("missed-*.jpg"))
    assert crops == sorted(f.split(":")[0] for f in missed) and "missed-9.jpg" not in card

    result = CliRunner().invoke(model, ["eval", "--model", str(tmp_path / "missing.pt"), "--val", str(val)])
    assert result.exit_code != 0 and "model not found" in result.output
    result = CliRunner().invoke(model,
                                ["eval", "--model", str(r.best), "--val", str(val), "--negatives",
                                 str(tmp_path / "no")])
    assert result.exit_code != 0 and "--negatives" in result.output


def test_ship_copies_the_chosen_epoch_and_records_the_choice(tiny_data, tmp_path, monkeypatch):
    import json

    from sousveillance.models.ship import ship

    s = TrainSettings(tiny_data, name="sh", init="scratch", epochs=1, imgsz=64, batch=4, device="cpu", workers=0)
    r = train(s, project=tmp_path)
    monkeypatch.setenv("SOUSVEILLANCE_CARD_DIR", str(tmp_path / "card"))
    dest = ship(r.best.parent.parent, tmp_path / "weights", pick="last")
    assert dest == tmp_path / "weights" / "sousveillance-n.pt" and dest.stat().st_size > 0
    rec = json.loads((tmp_path / "card" / "train.json").read_text())
    assert rec["picked"] == "last" and rec["epochs"] == 1
    assert "1 epochs" in (tmp_path / "weights" / "VERSION").read_text()
    with pytest.raises(ValueError, match="best, last or soup"):
        ship(r.best.parent.parent, tmp_path / "weights", pick="newest")


def _float_state(model):
    return {k: v.detach().float().cpu().clone() for k, v in model.state_dict().items()}


def _start_state(states):
    """A callback that records the network the trainer starts its first batch from."""
    return {"on_train_start": lambda trainer: states.append(_float_state(trainer.model))}


def _differing(a, b):
    import torch

    return sorted(k for k in a if k not in b or a[k].shape != b[k].shape or not torch.equal(a[k], b[k]))


def test_fine_tuning_the_shipped_model_keeps_every_weight_also_after_a_resume(tiny_data, tmp_path):
    """A campaign training on its own walks from the shipped model must start from all of it, classifier included."""
    import torch

    from sousveillance.models import PT_PATH

    shipped = torch.load(PT_PATH, map_location="cpu", weights_only=False)
    init = _float_state(shipped["ema"] or shipped["model"])
    s = TrainSettings(tiny_data, name="ft", init=str(PT_PATH), epochs=2, imgsz=64, batch=4, device="cpu", workers=0)
    states = []
    with pytest.raises(Interrupted):
        train(s, project=tmp_path, callbacks={**_start_state(states), "on_model_save": crash_after_first_save})
    assert _differing(init, states[0]) == []

    last = tmp_path / "ft" / "weights" / "last.pt"
    ckpt = torch.load(last, map_location="cpu", weights_only=False)
    saved = _float_state(ckpt["ema"])
    assert _differing(saved, init) != []  # epoch 1 did train
    r = train(s, project=tmp_path, callbacks=_start_state(states))
    assert r.resumed and _differing(saved, states[1]) == []


def _coco_like_checkpoint(tmp_path):
    """An 80-class YOLOv8n checkpoint, as the COCO import writes it."""
    from ultralytics.nn.tasks import DetectionModel

    from sousveillance.models.tflite_import import save_checkpoint

    coco_like = DetectionModel("yolov8n.yaml", nc=80, verbose=False)
    coco_like.names = {i: f"coco{i}" for i in range(80)}
    return save_checkpoint(coco_like, tmp_path / "coco_like.pt", tmp_path / "coco_like.tflite")


def test_a_start_with_other_classes_keeps_all_but_the_class_outputs(tiny_data, tmp_path):
    """The COCO start: 80 classes in, our 4 out; only the three class-output convolutions are new."""
    import torch

    path = _coco_like_checkpoint(tmp_path)
    init = _float_state(torch.load(path, map_location="cpu", weights_only=False)["model"])
    states = []
    s = TrainSettings(tiny_data, name="co", init=str(path), epochs=1, imgsz=64, batch=4, device="cpu", workers=0)
    r = train(s, project=tmp_path, callbacks=_start_state(states))
    outputs = [f"model.22.cv3.{i}.2.{p}" for i in range(3) for p in ("bias", "weight")]
    assert _differing(init, states[0]) == outputs
    assert all(states[0][k].shape[0] == 4 for k in outputs)
    from ultralytics import YOLO

    assert YOLO(str(r.last)).names == {0: "dome", 1: "fixed", 2: "ptz", 3: "pole"}


def test_soup_averages_a_fine_tune_with_the_shipped_model_and_ships_it(tiny_data, tmp_path, monkeypatch):
    """`model soup` writes the midpoint of a fine-tune and its start; `export --ship --soup` ships that average."""
    import torch
    from ultralytics import YOLO

    from sousveillance.models import PT_PATH
    from sousveillance.models.ship import ship

    s = TrainSettings(tiny_data, name="walks", init=str(PT_PATH), epochs=1, imgsz=64, batch=4, device="cpu", workers=0)
    r = train(s, project=tmp_path)
    result = CliRunner().invoke(model, ["soup", "--run", str(r.run_dir)])
    assert result.exit_code == 0, result.output
    soup = r.run_dir / "weights" / "soup.pt"
    tuned, start, mixed = (_float_state(YOLO(str(p)).model) for p in (r.last, PT_PATH, soup))
    moved = [k for k in _differing(tuned, start) if tuned[k].is_floating_point()]
    assert len(moved) > 100  # the fine-tune changed the network
    for k in moved:  # stored in half precision, as Ultralytics stores weights
        assert torch.allclose(mixed[k], (tuned[k] + start[k]) / 2, rtol=1e-2, atol=1e-3), k
    image = next((tiny_data.parent / "images" / "val").iterdir())
    assert YOLO(str(soup)).predict(str(image), imgsz=64, verbose=False)[0].boxes is not None

    monkeypatch.setenv("SOUSVEILLANCE_CARD_DIR", str(tmp_path / "card"))
    dest = ship(r.run_dir, tmp_path / "weights", pick="soup")
    assert _differing(_float_state(YOLO(str(dest)).model), mixed) == []
    assert "averaged 0.50/0.50 with sousveillance-n" in (tmp_path / "weights" / "VERSION").read_text()

    # a start with other classes, a missing run, a weight out of range: clear errors, nothing written
    other = _coco_like_checkpoint(tmp_path)
    result = CliRunner().invoke(model, ["soup", "--run", str(r.run_dir), "--with", str(other)])
    assert result.exit_code != 0 and "different classes" in result.output
    result = CliRunner().invoke(model, ["soup", "--run", str(tmp_path / "nope")])
    assert result.exit_code != 0 and "weights not found" in result.output
    result = CliRunner().invoke(model, ["soup", "--run", str(r.run_dir), "--weight", "1.5"])
    assert result.exit_code != 0 and "--weight" in result.output
    assert _differing(_float_state(YOLO(str(soup)).model), mixed) == []


def test_p2_architecture_option_trains_a_stride_4_head(tiny_data, tmp_path):
    from sousveillance.models.recipes import pick_recipe, settings_for

    s = settings_for(pick_recipe("cpu"), tiny_data, arch="p2", name="p2", init="scratch", epochs=1, imgsz=64,
                     batch=4)  # fmt: skip
    r = train(s, project=tmp_path)
    from ultralytics import YOLO

    m = YOLO(str(r.best)).model
    assert [int(x) for x in m.model[-1].stride] == [4, 8, 16, 32]
    meta = yaml.safe_load((tmp_path / "p2" / "sousveillance.json").read_text())
    assert (meta["recipe"], meta["arch"], meta["device_name"]) == ("cpu", "yolov8n-p2.yaml", "cpu")
