"""Benchmark: frames per second of the whole survey loop next to bare ``model.predict`` on the same frames.

Both run in one process, one after the other, on the same video (the bundled sample walk by default), so the
ratio is measured side by side. Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import click
import cv2

from ..detect.base import Model
from ..detect.scheduled import ScheduledDetector
from ..detect.settings import DEFAULT_SCHEDULE, SCHEDULES
from ..extras import require


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover
        return float("nan")


class _Timed:
    """The benchmark's model wrapper: the same model, with the time spent inside its forward passes."""

    names: dict[int, str]
    model_path: str
    conf: float
    iou: float
    input_hw: tuple[int, int]
    any_size: bool

    def __init__(self, model: Model):
        self.inner, self.seconds = model, 0.0
        for name in ("names", "model_path", "conf", "iou", "input_hw", "any_size"):
            setattr(self, name, getattr(model, name))

    def predict(self, image, **kwargs):
        t0 = time.perf_counter()
        try:
            return self.inner.predict(image, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0


@click.command()
@click.option("--video", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Video (default: the sample walk).")
@click.option("--gps", "gps_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="NMEA or GPX of the video.")
@click.option("--frames", type=int, default=100, show_default=True, help="Frames to time.")
@click.option("--model", help="Model (default: the shipped one).")
@click.option("--imgsz", type=int, default=640, show_default=True)
@click.option("--backend", type=click.Choice(["auto", "ncnn", "ultralytics"]), default="auto", show_default=True)
@click.option("--threads", type=int, default=0, help="torch threads (0 = leave as is).")
@click.option("--schedule", type=click.Choice(list(SCHEDULES)), default=DEFAULT_SCHEDULE, show_default=True,
              help="Detection schedule of the loop (the bare run is always the whole frame at the model's input).")
def loop(video, gps_file, frames, model, imgsz, backend, threads, schedule):
    """Whole-loop fps vs bare model.predict on the same frames, and peak memory.

    \b
    Example:
      sousveillance bench loop --frames 100
      sousveillance bench loop --schedule whole
    """
    from sousveillance.config import load_config

    from ..commands import SAMPLE_WALK, replay_walk
    from ..detect import open_detector

    if threads:
        require("torch", "train", "--threads (PyTorch's thread count)").set_num_threads(threads)
    video = video or SAMPLE_WALK / "walk.mp4"
    gps_file = gps_file or (SAMPLE_WALK / "walk.nmea" if video.parent == SAMPLE_WALK else None)
    rss_start = _current_rss_mb()
    detector = open_detector(model, backend=backend, imgsz=imgsz)
    cap = cv2.VideoCapture(str(video))
    n, bare = 0, 0.0
    while n < frames:  # one frame at a time: holding 100 frames of 1920x1080 would be 600 MB of the peak RSS
        ok, img = cap.read()
        if not ok:
            break
        if n == 0:
            detector.predict_raw(img)  # warm-up, outside both timings
        t0 = time.perf_counter()
        detector.predict_raw(img)
        bare += time.perf_counter() - t0
        n += 1
    cap.release()
    if n == 0:
        raise click.ClickException(f"no frames decoded from {video}")
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(None, {"store.database": str(Path(tmp) / "bench.db"), "detector.imgsz": imgsz,
                                    "detector.model": model, "detector.backend": backend,
                                    "detector.schedule": schedule})
        t0 = time.perf_counter()
        timed = _Timed(detector)
        store, result = replay_walk(video, gps_file, config, max_frames=n, progress=False,
                                    detector=ScheduledDetector(timed, schedule))
        whole = time.perf_counter() - t0
        store.close()
    per_frame = whole - result.finalize_s  # the frame loop itself; the end-of-walk step runs once per walk
    bare_fps, loop_fps = n / bare, result.frames / per_frame
    overhead = (per_frame / result.frames) / (bare / n) - 1.0
    click.echo(f"machine: {os.cpu_count()} CPU cores; model {Path(detector.model_path).name} "
               f"({type(detector).__name__}) at imgsz {imgsz}; video {video.name}; schedule {schedule}")
    click.echo(f"frames: {n}")
    click.echo(f"bare model.predict: {bare_fps:6.2f} fps ({1000 * bare / n:.1f} ms/frame)")
    click.echo(f"whole survey loop:  {loop_fps:6.2f} fps ({1000 * per_frame / result.frames:.1f} ms/frame: decode, "
               f"GPS, detect ({schedule}), track, store)")
    click.echo(f"end of walk (triangulation, de-duplication): {result.finalize_s:.2f} s once")
    inside = (per_frame - timed.seconds) / timed.seconds
    click.echo(f"loop vs the separate bare run: {100 * overhead:+.1f}% (the schedule's extra passes included; noisy: "
               "separate runs share 2 cores unevenly; `bench detect` measures the schedule side by side)")
    click.echo(f"loop overhead within the same run (time outside the model's forward passes / time in them): "
               f"{100 * inside:+.1f}% (target < 10%)")
    click.echo(f"cameras found: {result.cameras}")
    click.echo(f"peak RSS: {_rss_mb():.0f} MB (process start {rss_start:.0f} MB; target < 600 MB)")
