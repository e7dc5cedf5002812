"""Optional libraries (pip extras): import one where it is needed, or fail with one line naming the extra.

The base install (a Pi, a reviewer's laptop) has no PyTorch, Ultralytics, pyosmium, osmapi, psycopg or Blender.
A command that needs one of them raises ``MissingExtraError``; the CLI prints its message as one line and exits 1.

>>> require("json", "train", "nothing").__name__
'json'
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

# top-level module -> the pip extra that installs it (pyproject.toml [project.optional-dependencies])
EXTRA_OF = {
    "bpy": "synth",
    "osmium": "server",
    "osmapi": "server",
    "psycopg": "server",
    "onnx": "train",
    "onnxruntime": "train",
    "ai_edge_litert": "train",
    "pnnx": "train",
    "torch": "train",
    "torchvision": "train",
    "ultralytics": "train",
    "PIL": "train",
    "playwright": "test",
    "schemathesis": "test",
    "pmtiles": "test",
}


class MissingExtraError(ImportError):
    """An optional library is not installed; the message says which pip extra installs it."""


def install_hint(extra: str) -> str:
    return f"pip install 'sousveillance[{extra}]'"


def available(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` (from the ``extra``) or raise ``MissingExtraError``: "<purpose> needs <module> ...".

    A library that is installed but lacks one of its own dependencies (Ultralytics without torch) counts as
    missing too; a missing module of this project is a bug and is raised as it is.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "sousveillance":
            raise
        raise MissingExtraError(
            f"{purpose} needs {module.split('.')[0]}, which this installation lacks: {install_hint(extra)}"
        ) from None
