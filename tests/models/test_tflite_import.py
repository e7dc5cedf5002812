"""The COCO YOLOv8n rebuilt from the INT8 TFLite export reproduces the TFLite interpreter's detections."""

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is in the train extra: pip install 'sousveillance[train]'")

from click.testing import CliRunner  # noqa: E402

from sousveillance.device.types import box_iou  # noqa: E402
from sousveillance.models import tflite_import as ti  # noqa: E402
from sousveillance.models.cli import model  # noqa: E402
from sousveillance.models.paths import ultralytics_asset  # noqa: E402

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def imported(shared):
    pytest.importorskip("ai_edge_litert")
    torch.set_num_threads(2)
    path = shared / "weights" / "yolov8n_int8.tflite"
    convs = ti.read_convolutions(path)
    return path, convs, ti.build_model(convs, ti.coco_names(path.parent / "metadata.yaml"))


def test_every_layer_maps(imported):
    _, convs, m = imported
    assert len(convs) == 63  # 57 conv+BN blocks and the head's 6 output convolutions (DFL excluded)
    assert m.names[0] == "person" and m.names[5] == "bus"


def test_bus_predictions_match_the_interpreter(imported):
    path, _, m = imported
    cmp = ti.verify(m, path, ultralytics_asset("bus.jpg"))
    names = [m.names[b.class_id] for b in cmp.tflite]
    assert sorted(names) == ["bus", "person", "person", "person"]
    assert cmp.agrees  # same boxes (IoU >= 0.9), same classes, none extra
    assert cmp.max_abs_score < 0.15  # the interpreter quantises activations too: scores agree to ~0.1
    for t in cmp.tflite:
        p = max(cmp.torch, key=lambda b: box_iou(b, t))
        assert abs(p.confidence - t.confidence) < 0.03


def test_bn_recalibration_keeps_predictions(imported, shared):
    import copy

    import cv2

    _path, _, m = imported
    m2 = copy.deepcopy(m)
    ti.calibrate_bn(m2, [cv2.imread(str(ultralytics_asset("zidane.jpg")))], imgsz=320)
    x = torch.rand(1, 3, 192, 192)
    with torch.no_grad():
        a, b = m.eval()(x)[0], m2.eval()(x)[0]
    assert torch.allclose(a, b, atol=1e-3)
    bn = next(mod.bn for mod in m2.modules() if hasattr(mod, "bn"))
    assert not torch.allclose(bn.running_var, torch.ones_like(bn.running_var), atol=0.01)  # real statistics


def test_cli_reports_the_comparison(shared, tmp_path):
    pytest.importorskip("ai_edge_litert")
    out = tmp_path / "coco.pt"
    result = CliRunner().invoke(model, ["import-tflite", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "matched 4" in result.output and out.is_file()
    from ultralytics import YOLO

    r = YOLO(str(out))(str(ultralytics_asset("bus.jpg")), imgsz=640, verbose=False)[0]
    assert {r.names[int(c)] for c in r.boxes.cls} >= {"person", "bus"}


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="TFLite model not found"):
        ti.read_convolutions(tmp_path / "nope.tflite")
    result = CliRunner().invoke(model, ["import-tflite", "--tflite", str(tmp_path / "nope.tflite")])
    assert result.exit_code != 0 and "TFLite model not found" in result.output
