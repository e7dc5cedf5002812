"""The review benchmark's scripted walker: one tap per camera when a profile fits (what README's figure rests on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sousveillance.device.bench.review import Truth, build_walk, run
from sousveillance.device.store import Store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def test_one_tap_per_camera_when_a_profile_fits_and_more_when_none_does(tmp_path):
    truths = [Truth("dome", "wall", "public"), Truth("fixed", "pole", "public"), Truth("ptz", "wall", "indoor")]
    walk_id, ids = build_walk(tmp_path / "walks.db", truths)
    result = run(tmp_path / "walks.db", walk_id, ids, truths)
    assert (result.cameras, result.profile_taps) == (3, 2)
    assert result.taps == 2 + 3  # the PTZ (its type proposed right): mount, watches, then Confirm
    with Store(tmp_path / "walks.db") as store:
        rows = [store.camera(i) for i in ids]
    assert [(r.camera_type, r.mount, r.surveillance, r.review_state) for r in rows] == [
        (t.camera_type, t.mount, t.surveillance, "confirmed") for t in truths]
