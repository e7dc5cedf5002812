"""What the device sees of the models package: the default weights and the version, without heavy imports."""

import subprocess
import sys

from sousveillance.models import MODEL_VERSION, default_model_path


def test_import_is_light():
    code = "import sys, sousveillance.models; print('torch' in sys.modules or 'ultralytics' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_ncnn_folder_preferred_when_present(tmp_path):
    assert default_model_path(tmp_path) == tmp_path / "sousveillance-n.pt"
    ncnn_dir = tmp_path / "sousveillance-n_ncnn_model"
    ncnn_dir.mkdir()
    assert default_model_path(tmp_path).name == "sousveillance-n.pt"  # an empty folder is not a model
    (ncnn_dir / "model.ncnn.param").write_text("7767517\n")
    (ncnn_dir / "model.ncnn.bin").write_bytes(b"")
    assert default_model_path(tmp_path) == ncnn_dir  # ncnn is installed in the test environment


def test_shipped_weights_and_version():
    path = default_model_path()
    assert path.exists(), f"shipped model missing: {path}"
    assert MODEL_VERSION.startswith("sousveillance-n ")
