"""What a user sees when a command fails: one ``Error:`` line on stderr, exit status 1, never a traceback."""

from __future__ import annotations

import subprocess


def one_error_line(out: subprocess.CompletedProcess) -> str:
    lines = [line for line in out.stderr.strip().splitlines() if line.strip()]
    assert out.returncode == 1, out.stderr + out.stdout
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], out.stderr  # warnings may come first, never a traceback
    assert "Traceback" not in out.stderr
    return errors[0]
