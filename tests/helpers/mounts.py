"""Real file systems for tests: a small tmpfs (a disk that fills up) and a read-only mount, as root only.

Mounting needs root (or CAP_SYS_ADMIN); without it the test that asks skips with the reason.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=False)


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (e.g. ``"600k"``) mounted on ``where``; unmounted after (lazily if still busy)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    where.mkdir(parents=True, exist_ok=True)
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if _run("umount", str(where)).returncode != 0:
            _run("umount", "-l", str(where))


def remount_read_only(where: Path) -> None:
    """Make a mounted tmpfs read-only (what a card with its lock switch set, or ``mount -o ro``, gives)."""
    done = _run("mount", "-o", "remount,ro", str(where))
    if done.returncode != 0:
        pytest.fail(f"cannot remount {where} read-only: {done.stderr.strip()}")
