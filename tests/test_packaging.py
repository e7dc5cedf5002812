"""Packaging: every package folder is in the distribution, and importing the package stays light."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers.baseinstall import run_base
from helpers.cli import one_error_line
from helpers.walkmaker import make_walk

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"device": "sousveillance.device", "models": "sousveillance.models", "sync": "sousveillance.sync"}


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {"sousveillance"}
    for folder, name in ROOTS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            if rel.parts and rel.parts[0] == "cli":
                continue  # device/cli is the root package itself
            found.add(".".join([name, *rel.parts]))
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - found == set(), "listed but missing"


def test_no_generic_top_level_names_and_light_imports():
    code = (
        "import sys, sousveillance, sousveillance.device, sousveillance.models, sousveillance.sync;"
        "import sousveillance.config, sousveillance.device.store, sousveillance.main;"
        "heavy = [m for m in ('torch', 'ultralytics', 'bpy', 'picamera2', 'starlette', 'osmium') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    import importlib.util

    for generic in ("device", "models", "sync"):
        spec = importlib.util.find_spec(generic)
        assert spec is None or "site-packages" not in str(spec.origin), f"'{generic}' leaked as a top-level name"


def _names(requirements: list[str]) -> set[str]:
    """Distribution names of PEP 508 requirement strings, normalised ("opencv_python" -> "opencv-python")."""
    return {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_the_base_install_has_no_pytorch_and_all_still_installs_everything():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base, extras = _names(project["dependencies"]), project["optional-dependencies"]
    assert not base & {"ultralytics", "torch", "torchvision", "opencv-python", "osmium", "psycopg", "bpy"}
    assert {"ncnn", "opencv-python-headless", "numpy"} <= base  # what the device needs to run the NCNN model
    assert "ultralytics" in _names(extras["train"])
    assert set(re.findall(r"[a-z]+", extras["all"][0].split("[", 1)[1])) == set(extras) - {"all", "pi"}


def test_the_demo_and_the_osm_file_run_without_the_extras(tmp_path):
    db = tmp_path / "walks.db"
    out = run_base(["demo", "--max-frames", "30", "--no-progress", "--db", db], cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr
    assert re.search(r"30 frames, \d+ cameras", out.stdout), out.stdout
    out = run_base(["export", db, "--format", "osm", "-o", tmp_path / "cameras.osm"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "cameras.osm").is_file()


@pytest.mark.parametrize(
    "args",
    [["model", "train", "--data", "data.yaml"], ["replay", "walk.mp4", "--model", "model.pt", "--db", "walks.db"]],
    ids=["model-train", "replay-pt-model"],
)
def test_a_command_that_needs_the_train_extra_names_it_in_one_line(tmp_path, args):
    make_walk(tmp_path, frames=5)  # walk.mp4
    (tmp_path / "model.pt").write_bytes(b"not needed: the check comes before the model is read")
    line = one_error_line(run_base(args, cwd=tmp_path))
    assert line.endswith("pip install 'sousveillance[train]'"), line
