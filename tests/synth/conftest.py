"""Fixtures for the synthetic world: a tiny set of rendered cut-outs (Blender) shared by the tests of a session."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HAS_BPY = importlib.util.find_spec("bpy") is not None
# one of each class (dome, fixed, ptz, a mast carrying cameras) plus a hard negative
TINY_ASSETS = ["dome_wall", "bullet_wall", "ptz_pendant_wall", "mast", "alpr_wall", "neg_smoke_detector"]


@pytest.fixture(scope="session")
def tiny_cutouts(tmp_path_factory) -> Path:
    """Six cut-outs rendered at 128 px with 4 samples (well under a minute on 2 cores)."""
    if not HAS_BPY:
        pytest.skip("bpy (Blender as a Python module) is not installed: pip install 'sousveillance[synth]'")
    from sousveillance.models.synth.render import render_cutout

    out = tmp_path_factory.mktemp("cutouts")
    for i, asset in enumerate(TINY_ASSETS):
        render_cutout(out, i, seed=7, threads=2, samples=4, asset=asset, long_side=128)
    return out
