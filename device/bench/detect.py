"""``sousveillance bench detect``: cameras found on walks with ground truth, and what each schedule costs.

Every walk (the bundled sample walk, and rendered walks given with ``--walks``) is replayed through the survey
loop once per schedule, with one model loaded once. Each frame the bare model (the whole frame letterboxed to its
square input: what ``whole`` runs) is timed on the same image right before or after the schedule (alternating), so
the cost ratio is measured side by side in the same run, on the same frames. Cameras are scored against the truth
boxes (``walktruth``), by distance of closest approach and by apparent size.
"""

from __future__ import annotations

import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from ..detect.schedule import SCHEDULES
from ..detect.scheduled import FrameDetections, ScheduledDetector

if TYPE_CHECKING:
    from ..detect.base import Model
from .walktruth import DISTANCE_BANDS, NEAR_M, SIZE_BANDS, Walk, WalkError, band_name, find_walks, load_walk, score_walk

DEFAULT_WALKS = Path("~/.cache/sousveillance/walks")


class PairedSchedule(ScheduledDetector):
    """The schedule under test, with the bare model timed on the same frame (before it on even runs, after on odd)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.bare_s = self.schedule_s = self.pixel_cost = 0.0
        self.ratios: list[float] = []  # per frame: schedule time / bare time (robust to a busy machine's spikes)

    def detect_frame(self, image) -> FrameDetections:
        bare_first = self.runs % 2 == 0
        bare = self._bare(image) if bare_first else 0.0
        t0 = time.perf_counter()
        result = super().detect_frame(image)
        spent = time.perf_counter() - t0
        self.schedule_s += spent
        self.pixel_cost += result.cost
        if not bare_first:
            bare = self._bare(image)
        self.ratios.append(spent / bare)
        return result

    def _bare(self, image) -> float:
        t0 = time.perf_counter()
        cast("Model", self.model).predict_raw(image)  # the bench builds it on open_detector's model
        spent = time.perf_counter() - t0
        self.bare_s += spent
        return spent


@dataclass
class Tally:
    """Counts over one or more walks for one schedule."""

    passed: int = 0
    found: int = 0
    tracked: int = 0  # seen by a track, before the end-of-walk de-duplication and placing
    near_passed: int = 0
    near_found: int = 0
    false: int = 0
    duplicates: int = 0
    frames: int = 0
    loop_s: float = 0.0
    bare_s: float = 0.0
    schedule_s: float = 0.0
    pixel_cost: float = 0.0
    ratios: list[float] = field(default_factory=list)
    by_distance: dict[str, list[int]] = field(
        default_factory=lambda: {band_name(b, "m"): [0, 0] for b in DISTANCE_BANDS})
    by_size: dict[str, list[int]] = field(default_factory=lambda: {band_name(b, "px"): [0, 0] for b in SIZE_BANDS})
    cameras: list[dict] = field(default_factory=list)  # each camera passed: id, distance, size, found

    def add(self, other: Tally) -> None:
        for name in ("passed", "found", "tracked", "near_passed", "near_found", "false", "duplicates", "frames",
                     "loop_s", "bare_s", "schedule_s", "pixel_cost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.cameras += other.cameras
        self.ratios += other.ratios
        for mine, theirs in ((self.by_distance, other.by_distance), (self.by_size, other.by_size)):
            for key, (f, p) in theirs.items():
                mine[key][0] += f
                mine[key][1] += p

    @property
    def fps(self) -> float:
        return self.frames / self.loop_s if self.loop_s else 0.0

    @property
    def ratio(self) -> float:
        return self.schedule_s / self.bare_s if self.bare_s else 0.0

    @property
    def median_ratio(self) -> float:
        return float(statistics.median(self.ratios)) if self.ratios else 0.0

    def as_dict(self) -> dict:
        return {
            "found": self.found, "passed": self.passed, "tracked": self.tracked,
            f"found_within_{NEAR_M:g}m": self.near_found,
            f"passed_within_{NEAR_M:g}m": self.near_passed, "false": self.false, "duplicates": self.duplicates,
            "frames": self.frames, "fps": round(self.fps, 2),
            "ms_per_frame": round(1000 * self.loop_s / max(self.frames, 1), 1),
            "cost_ratio_time": round(self.ratio, 3), "cost_ratio_time_median_frame": round(self.median_ratio, 3),
            "cost_ratio_pixels": round(self.pixel_cost / max(self.frames, 1), 3),
            "bare_ms_per_frame": round(1000 * self.bare_s / max(self.frames, 1), 1),
            "by_distance": {k: {"found": f, "passed": p} for k, (f, p) in self.by_distance.items()},
            "by_size": {k: {"found": f, "passed": p} for k, (f, p) in self.by_size.items()},
            "cameras": self.cameras,
        }


def _band(value: float, bands: tuple) -> int:
    return next(i for i, (lo, hi) in enumerate(bands) if lo <= value < hi)


def run_walk_once(walk: Walk, model, schedule: str, workdir: Path, *, gate_m: float, max_frames: int | None) -> Tally:
    from sousveillance.config import load_config

    from ..commands import replay_walk

    config = load_config(None, {"store.database": str(workdir / f"{walk.name}-{schedule}.db"),
                                "detector.schedule": schedule})
    detector = PairedSchedule(model, schedule)
    t0 = time.perf_counter()
    store, result = replay_walk(walk.video, walk.gps, config, video_start=datetime.fromisoformat(walk.start_utc),
                                max_frames=max_frames, progress=False, detector=detector)
    wall = time.perf_counter() - t0
    try:
        recorded = [(row, store.group_sightings(row.id)) for row in store.cameras(result.walk_id)]
        tracks = [store.sightings(row.id) for row in store.walk_cameras(result.walk_id)]
    finally:
        store.close()
    score = score_walk(walk.first(result.frames), recorded, gate_m=gate_m, tracks=tracks)
    out = Tally(false=score.false, duplicates=score.duplicates, frames=result.frames,
                loop_s=wall - result.finalize_s - detector.bare_s, bare_s=detector.bare_s,
                schedule_s=detector.schedule_s, pixel_cost=detector.pixel_cost, ratios=detector.ratios)
    for cam in score.passed:
        hit = cam.id in score.found
        out.cameras.append({"walk": walk.name, "id": cam.id, "type": cam.type, "closest_m": round(cam.closest_m, 1),
                            "max_width_px": cam.max_width_px, "found": hit, "tracked": cam.id in score.tracked})
        out.passed += 1
        out.tracked += cam.id in score.tracked
        out.found += hit
        if cam.closest_m <= NEAR_M:
            out.near_passed += 1
            out.near_found += hit
        for counts, key in ((out.by_distance, band_name(DISTANCE_BANDS[_band(cam.closest_m, DISTANCE_BANDS)], "m")),
                            (out.by_size, band_name(SIZE_BANDS[_band(cam.max_width_px, SIZE_BANDS)], "px"))):
            counts[key][0] += hit
            counts[key][1] += 1
    return out


def _frac(found: int, passed: int) -> str:
    return f"{found}/{passed}" if passed else "-"


def print_tables(results: dict[str, dict[str, Tally]], totals: dict[str, Tally]) -> None:
    click.echo(f"\n{'schedule':<9} {'walk':<22} {'found':>7} {'tracked':>7} {'<=' + format(NEAR_M, 'g') + ' m':>7} "
               f"{'false':>5} {'dup':>4} {'fps':>6} {'ms/frame':>8} {'bare ms':>7} {'cost/bare':>9} {'median':>6} "
               f"{'pixels':>6}")
    for schedule, walks in results.items():
        rows = [*walks.items(), ("all walks", totals[schedule])] if len(walks) > 1 else list(walks.items())
        for name, t in rows:
            click.echo(f"{schedule:<9} {name[:22]:<22} {_frac(t.found, t.passed):>7} {_frac(t.tracked, t.passed):>7} "
                       f"{_frac(t.near_found, t.near_passed):>7} "
                       f"{t.false:>5} {t.duplicates:>4} {t.fps:>6.2f} {1000 * t.loop_s / max(t.frames, 1):>8.1f} "
                       f"{1000 * t.bare_s / max(t.frames, 1):>7.1f} {t.ratio:>8.2f}x {t.median_ratio:>5.2f}x "
                       f"{t.pixel_cost / max(t.frames, 1):>5.2f}x")
    for title, attr in (("distance of closest approach", "by_distance"), ("apparent size (widest box)", "by_size")):
        keys = list(getattr(next(iter(totals.values())), attr))
        click.echo(f"\nfound/passed by {title}, all walks:")
        click.echo(f"{'schedule':<9} " + " ".join(f"{k:>9}" for k in keys))
        for schedule, t in totals.items():
            click.echo(f"{schedule:<9} " + " ".join(f"{_frac(*getattr(t, attr)[k]):>9}" for k in keys))


@click.command("detect")
@click.option("--walks", "walk_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help=f"A rendered walk folder, or a folder of them (repeatable) [default: {DEFAULT_WALKS} if present].")
@click.option("--no-sample", is_flag=True, help="Leave out the bundled sample walk.")
@click.option("--schedule", "schedules", multiple=True, type=click.Choice(list(SCHEDULES)),
              help="Schedule to measure (repeatable) [default: whole and rotate].")
@click.option("--model", help="Model: .pt, .onnx or an NCNN folder (default: the shipped model).")
@click.option("--backend", type=click.Choice(["auto", "ncnn", "ultralytics"]), default="auto", show_default=True)
@click.option("--max-frames", type=int, help="Stop each walk after this many frames.")
@click.option("--gate", "gate_m", type=float, default=20.0, show_default=True,
              help="A found camera placed further than this (m) from the camera it saw counts as false.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
def detect(walk_dirs, no_sample, schedules, model, backend, max_frames, gate_m, as_json):
    """Cameras found / passed per schedule on walks with ground truth, with fps and cost vs the bare model.

    A camera is passed when it is visible in 3 frames or more; found when a recorded camera's sightings overlap
    its rendered boxes and it is placed within --gate of it. Render walks for it with
    `sousveillance model synth walk --out ~/.cache/sousveillance/walks/seed2 --seed 2 --duration 20 --width 1920
    --height 1080` (needs bpy).

    \b
    Examples:
      sousveillance bench detect
      sousveillance bench detect --walks ~/.cache/sousveillance/walks --schedule whole --schedule rotate
      sousveillance bench detect --model runs/new/weights/best_ncnn_model --json
    """
    from ..commands import SAMPLE_WALK
    from ..detect import DetectorError, open_detector

    folders = [] if no_sample else [SAMPLE_WALK]
    for root in walk_dirs:
        found = find_walks(root.expanduser())
        if not found:
            raise click.ClickException(f"no rendered walk (a folder with truth.json) in {root}")
        folders += found
    if not walk_dirs:
        folders += find_walks(DEFAULT_WALKS.expanduser())  # rendered once into the cache, if they are there
    if not folders:
        raise click.ClickException("no walk to measure: leave out --no-sample or give --walks")
    try:
        walks = [load_walk(f) for f in folders]
        detector = open_detector(model, backend=backend)
    except (WalkError, DetectorError) as exc:
        raise click.ClickException(str(exc)) from None
    schedules = schedules or ("whole", "rotate")
    detector.predict_raw(_first_frame(walks[0]))  # warm-up, outside every timing
    results: dict[str, dict[str, Tally]] = {s: {} for s in schedules}
    totals = {s: Tally() for s in schedules}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-detect-") as tmp:
        for walk in walks:
            for schedule in schedules:
                tally = run_walk_once(walk, detector, schedule, Path(tmp), gate_m=gate_m, max_frames=max_frames)
                results[schedule][f"{walk.name} {walk.width}x{walk.height}"] = tally
                totals[schedule].add(tally)
    header = {"command": shlex.join(["sousveillance", *sys.argv[1:]]), "machine": f"{os.cpu_count()} CPU cores",
              "model": Path(detector.model_path).name,
              "backend": type(detector).__name__, "walks": [str(w.folder) for w in walks], "gate_m": gate_m,
              "seconds": round(time.perf_counter() - started)}
    if as_json:
        click.echo(json.dumps({**header, "schedules": {
            s: {"walks": {k: t.as_dict() for k, t in results[s].items()},
                "total": totals[s].as_dict()} for s in schedules}},
            indent=1))
        return
    click.echo(f"machine: {header['machine']}; model {header['model']} ({header['backend']}); {len(walks)} walk(s); "
               f"{header['seconds']} s")
    print_tables(results, totals)
    click.echo(f"\nfound = a recorded camera overlaps its rendered boxes and is placed within {gate_m:g} m; tracked = "
               "a track saw it (before the end-of-walk de-duplication, which may merge it into a neighbour); false = "
               "recorded cameras that are none (or placed further); dup = second records of one camera. cost/bare = "
               "time in the detector per frame / the bare model's (whole frame at its square input) on the same "
               "frames, side by side (median: of the per-frame ratios); pixels = the schedule's input pixels / the "
               "bare model's.")


def _first_frame(walk: Walk):
    import cv2

    cap = cv2.VideoCapture(str(walk.video))
    ok, image = cap.read()
    cap.release()
    if not ok:
        raise click.ClickException(f"cannot decode {walk.video}")
    return image
