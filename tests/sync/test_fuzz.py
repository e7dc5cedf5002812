"""Schemathesis fuzzes the running server from its own /openapi.json: never a 500, every 405 says which methods
are allowed (Allow), and the database stays consistent."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest


def _st() -> str | None:
    found = Path(sys.executable).with_name("st")
    return str(found) if found.exists() else shutil.which("st")


@pytest.mark.slow
def test_fuzzing_the_openapi_spec_finds_no_server_error(live, feature, tmp_path):
    st = _st()
    if st is None:
        pytest.skip("schemathesis is not installed (test extra)")
    token = live.repo.add_device("fuzzer")
    other = live.repo.add_device("other")
    known = feature(48.86, 2.35)
    assert (
        httpx.put(
            f"{live.url}/api/v1/cameras/{known['id']}", json=known, headers={"Authorization": f"Bearer {other}"}
        ).status_code
        == 201
    )
    cmd = [
        st, "run", f"{live.url}/openapi.json", "--checks",
        "not_a_server_error,unsupported_method,allow_header_conformance",
        "--max-examples", "30", "--max-time", "40", "--seed", "20261123", "--workers", "1", "--request-timeout", "20",
        "--header", f"Authorization: Bearer {token}", "--suppress-health-check", "all", "--no-color",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    # nothing corrupted: the other device's camera is untouched, every submission belongs to a map feature
    feats = httpx.get(f"{live.url}/api/v1/features").json()["features"]
    assert any(f["geometry"]["coordinates"] == known["geometry"]["coordinates"] for f in feats)
    counts = live.repo.counts()
    assert counts["features"] <= counts["submissions"]
    assert sum(f["properties"]["submissions"] for f in feats) == counts["submissions"]
