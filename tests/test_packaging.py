"""Packaging: every package folder is in the distribution, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

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
