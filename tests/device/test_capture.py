"""Frame sources: real video files decoded by OpenCV, image folders, and the Picamera2 adapter."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers.walkmaker import make_walk

from sousveillance.device.capture import CaptureError, ImageFolderSource, Picamera2Source, VideoFileSource
from sousveillance.device.capture.standin import VideoPicamera2


def test_video_frames_are_bgr_with_increasing_times(tmp_path):
    walk = make_walk(tmp_path, frames=20)
    source = VideoFileSource(walk.video)
    frames = list(source)
    assert len(frames) == 20
    assert frames[0].image.dtype == np.uint8 and frames[0].image.shape == (360, 640, 3)
    times = [f.t for f in frames]
    assert times == sorted(times) and times[-1] == pytest.approx(19 / walk.fps, abs=0.05)
    # the background colour the maker painted in BGR comes back in BGR order
    assert tuple(int(v) for v in frames[0].image[5, 5]) == pytest.approx((90, 100, 110), abs=6)


def test_not_a_video_is_a_clear_error(tmp_path):
    bad = tmp_path / "walk.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(CaptureError, match="cannot decode video"):
        VideoFileSource(bad)


def test_truncated_video_yields_what_it_can_then_says_so(tmp_path):
    walk = make_walk(tmp_path, frames=60)
    data = walk.video.read_bytes()
    cut = tmp_path / "cut.mp4"
    # keep the header (moov is at the end for mp4v from OpenCV) -> cut the middle of the media data instead
    cut.write_bytes(data[: len(data) // 2] + b"\0" * 4096 + data[len(data) // 2 + 4096 :])
    try:
        source = VideoFileSource(cut)
    except CaptureError:
        return  # unreadable from the start is also a clear error
    got = []
    try:
        for frame in source:
            got.append(frame.index)
    except CaptureError as exc:
        assert "truncated or corrupt" in str(exc)
    assert got == list(range(len(got)))


def test_image_folder(tmp_path):
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i:03d}.jpg"), np.full((40, 60, 3), i * 40, np.uint8))
    frames = list(ImageFolderSource(tmp_path, fps=2))
    assert [f.t for f in frames] == [0.0, 0.5, 1.0]
    with pytest.raises(CaptureError, match="no images"):
        ImageFolderSource(tmp_path / "nothing" if (tmp_path / "nothing").mkdir() is None else tmp_path)


def test_picamera2_adapter_asks_for_bgr_and_timestamps_from_the_same_request(tmp_path):
    walk = make_walk(tmp_path, frames=12)
    standin = VideoPicamera2(walk.video)
    source = Picamera2Source(width=320, height=180, fps=30, factory=lambda: standin)
    frames = []
    for frame in source:
        frames.append(frame)
        if len(frames) == 5:
            break
    source.close()
    assert frames[0].image.shape == (180, 320, 3)
    assert all("SensorTimestamp" in f.metadata for f in frames)
    gaps = np.diff([f.t for f in frames])
    assert np.all(gaps > 0) and np.all(gaps < 0.5)  # sensor time moved onto the monotonic timeline
    assert not standin.started  # close() stopped the camera
