"""Run the ``sousveillance`` CLI as on the base install: the extras' libraries cannot be imported.

The process gets an import hook that answers "No module named ..." for every library of an extra (PyTorch,
Ultralytics, Pillow, pyosmium, osmapi, psycopg, Blender, the ONNX and TFLite tools), exactly what Python says when
they are not installed. So the test venv, which has them all, checks what a Pi or a reviewer without them gets.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sousveillance.device.extras import EXTRA_OF

# every library of the train, server and synth extras (the test extra's are what runs the tests)
EXTRA_MODULES = tuple(module for module, extra in EXTRA_OF.items() if extra != "test")

_PROLOGUE = """
import importlib.abc, sys

class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
from sousveillance.main import main
code = main(ARGS)
loaded = sorted(m for m in BLOCKED if m in sys.modules)
assert not loaded, f"imported despite the hook: {loaded}"
sys.exit(code)
"""


def run_base(args: Sequence[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``sousveillance ARGS`` without the extras' libraries; returns the finished process (text output)."""
    code = f"BLOCKED = {set(EXTRA_MODULES)!r}\nARGS = {[str(a) for a in args]!r}\n{_PROLOGUE}"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=timeout)
