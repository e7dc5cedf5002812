"""``sousveillance bench geolocate``: position error and de-duplication on simulated walks with ground truth."""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import click
import numpy as np

from ..store import CameraRow, SightingRow

log = logging.getLogger(__name__)


@dataclass(slots=True)
class WalkScore:
    errors: list[float] = field(default_factory=list)  # matched cameras, after finalize
    baseline: list[float] = field(default_factory=list)  # walker position at the best sighting
    live: list[float] = field(default_factory=list)  # per track, as the survey loop placed it
    true_seen: int = 0
    not_seen: int = 0
    estimated: int = 0
    duplicates: int = 0
    missed: int = 0
    facing: list[float] = field(default_factory=list)
    fixed_matched: int = 0
    mount: Counter = field(default_factory=Counter)
    causes: Counter = field(default_factory=Counter)  # why a camera was missed or duplicated


def score_walk(sim, workdir: Path, profile, *, reheading: bool = True) -> WalkScore:
    from ..geo import GeoSettings, finalize_walk
    from ..geo.simworld import write_walk
    from ..geodesy import angle_diff
    from ..store import Store

    out = WalkScore()
    with Store(workdir / f"walk-{sim.config.seed}.db") as store:
        walk_id = write_walk(store, sim, profile)
        frame = sim.frame
        objects = {o.key: o for o in sim.world.objects}

        def err(lat, lon, key):
            e, n = frame.to_local(lat, lon)
            return math.hypot(float(e) - objects[key].east, float(n) - objects[key].north)

        for row in store.walk_cameras(walk_id):
            if row.latitude is not None:
                out.live.append(err(row.latitude, row.longitude, sim.truth[row.track_id]))
        finalize_walk(store, walk_id, GeoSettings(reheading=reheading))
        seen = {sim.truth[t] for t, c in sim.track_class.items() if c != "pole"}
        cams = [o for o in sim.world.objects if o.class_name != "pole"]
        out.true_seen, out.not_seen = len(seen), len(cams) - len(seen)
        visible = store.cameras(walk_id)
        out.estimated = len(visible)
        by_key: dict[str, list[tuple[int, CameraRow, list[tuple[str, SightingRow]]]]] = {}
        for cam in visible:
            rows = [(sim.truth[r.track_id], r) for r in store.group_sightings(cam.id)]
            key = Counter(k for k, _ in rows).most_common(1)[0][0]
            by_key.setdefault(key, []).append((len(rows), cam, rows))
        for key in seen:
            found = sorted(by_key.get(key, []), key=lambda x: -x[0])
            if not found:
                out.missed += 1
                out.causes[_missed_cause(key, by_key, objects)] += 1
                continue
            out.duplicates += len(found) - 1
            for _, extra, extra_rows in found[1:]:
                out.causes[_duplicate_cause(found[0][2], extra_rows, extra)] += 1
            _, cam, rows = found[0]
            if cam.latitude is not None:
                out.errors.append(err(cam.latitude, cam.longitude, key))
            placed = [r for _, r in rows if r.latitude is not None]
            if placed:
                best = max(placed, key=lambda r: (r.confidence or 0) * math.sqrt(max((r.x2 - r.x1) * (r.y2 - r.y1), 0)))
                out.baseline.append(err(best.latitude, best.longitude, key))
            truth = objects[key]
            out.mount[(truth.mount, cam.mount)] += 1
            if truth.class_name == "fixed":
                out.fixed_matched += 1
                if cam.direction is not None:
                    out.facing.append(abs(float(angle_diff(cam.direction, truth.facing))))
    return out


def _missed_cause(key: str, by_key: dict, objects: dict) -> str:
    """Why a detected camera has no record of its own: its tracks were all merged into (or outvoted in) another's."""
    for other, entries in by_key.items():
        for _, _, rows in entries:
            if any(k == key for k, _ in rows):
                kind = "same type" if objects[other].class_name == objects[key].class_name else "other type"
                near = math.hypot(objects[other].east - objects[key].east,
                                  objects[other].north - objects[key].north) < 1.0
                return f"missed: merged into {'a camera on the same pole' if near else 'a neighbour'} ({kind})"
    return "missed: no placed track"


def _duplicate_cause(kept_rows: list[tuple[str, SightingRow]], extra_rows: list[tuple[str, SightingRow]],
                     extra: CameraRow) -> str:
    """Why a second record of one camera was not merged: a revisit or a re-found track, and whether it was placed."""
    if extra.latitude is None:
        return "duplicate: unplaced track"
    gap = min(abs(a.t - b.t) for _, a in kept_rows for _, b in extra_rows)
    return f"duplicate: {'re-found track' if gap < 30.0 else 'pass on the way back'} not merged"


def _pct(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q):.1f}" if values else "-"


@click.command("geolocate")
@click.option("--walks", default=24, show_default=True,
              help="Simulated walks per GPS noise level (24: a median within about 0.2 m; 6 moves it by 0.4 m).")
@click.option("--gps-sigma", "sigmas", multiple=True, type=float, default=(3.0,), show_default=True,
              help="Horizontal RMS GPS error in metres (repeat for several levels).")
@click.option("--profile", "profiles", multiple=True, default=("pi3", "pi3-wide"), show_default=True,
              help="Camera profile (pi3, pi3-wide, pi-hq-6mm, usb); repeat for several.")
@click.option("--seed", default=0, show_default=True, help="First random seed.")
@click.option("--no-reheading", is_flag=True, help="Keep the live (trailing) headings instead of re-smoothing.")
@click.option("--sample", "sample_db", type=click.Path(dir_okay=False, path_type=Path),
              help="Instead of simulating, score this walk database (e.g. from `sousveillance demo`) against --truth.")
@click.option("--truth", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Ground truth for --sample [default: device/sample_walk/truth.json].")
def geolocate(
    walks: int, sigmas: tuple[float, ...], profiles: tuple[str, ...], seed: int, no_reheading: bool,
    sample_db: Path | None, truth: Path | None,
) -> None:
    """Score triangulation and de-duplication on simulated city walks with ground truth.

    Each walk follows three streets with two corners and walks two of them back; cameras sit on both façades, on
    poles (some two to a pole) and at the street ends. GPS error is a Gauss-Markov bias (30 s) plus jitter, with
    dropouts. Prints position error of matched cameras against the baseline "camera = walker position at best
    sighting", unique-camera count error, duplicates and missed cameras.

    \b
    Example:
      sousveillance bench geolocate --walks 24 --gps-sigma 3 --profile pi3
      sousveillance bench geolocate --sample walk.db --truth device/sample_walk/truth.json
    """
    if sample_db is not None:
        score_sample(sample_db, truth or Path(__file__).resolve().parents[1] / "sample_walk" / "truth.json")
        return
    from ..geo import profile_for
    from ..geo.simulate import SimConfig, simulate
    from ..geo.simworld import city_world

    lenses = []
    for name in profiles:
        try:
            lenses.append(profile_for(name))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--profile") from None
    click.echo(f"{walks} walk(s) per row, seeds {seed}..{seed + walks - 1}; GPS m = horizontal RMS error; "
               "targets: median <= 3 m, p90 <= 8 m at 3 m GPS, count error <= 5%")
    click.echo(f"{'lens':<9} {'GPS m':>5} {'tracks':>6} {'true':>5} {'est':>5} {'count err':>9} {'dup':>4} "
               f"{'missed':>6} {'median m':>8} {'p90 m':>6} {'base med':>8} {'base p90':>8} {'live med':>8} "
               f"{'facing':>11} {'mount ok':>8}")
    started = time.perf_counter()
    not_seen = 0
    with tempfile.TemporaryDirectory(prefix="geobench-") as tmp:
        for lens in lenses:
            for sigma in sigmas:
                total = WalkScore()
                tracks = 0
                for k in range(walks):
                    cfg = replace(SimConfig(), gps_sigma_m=sigma, seed=seed + k, profile=lens.name)
                    sim = simulate(city_world(seed + k), cfg, lens)
                    tracks += sum(1 for c in sim.track_class.values() if c != "pole")
                    s = score_walk(sim, Path(tmp) / f"{lens.name}-{sigma:g}", lens, reheading=not no_reheading)
                    for name in ("errors", "baseline", "live", "facing"):
                        getattr(total, name).extend(getattr(s, name))
                    for name in ("true_seen", "not_seen", "estimated", "duplicates", "missed", "fixed_matched"):
                        setattr(total, name, getattr(total, name) + getattr(s, name))
                    total.mount.update(s.mount)
                    total.causes.update(s.causes)
                not_seen += total.not_seen
                count_err = abs(total.estimated - total.true_seen) / max(total.true_seen, 1) * 100
                mount_known = sum(n for (t, p), n in total.mount.items() if p != "unknown")
                mount_ok = sum(n for (t, p), n in total.mount.items() if t == p)
                facing = f"{_pct(total.facing, 50)}° {len(total.facing)}/{total.fixed_matched}"
                click.echo(
                    f"{lens.name:<9} {sigma:>5g} {tracks:>6} {total.true_seen:>5} {total.estimated:>5} "
                    f"{count_err:>8.1f}% {total.duplicates:>4} {total.missed:>6} {_pct(total.errors, 50):>8} "
                    f"{_pct(total.errors, 90):>6} {_pct(total.baseline, 50):>8} {_pct(total.baseline, 90):>8} "
                    f"{_pct(total.live, 50):>8} {facing:>11} {mount_ok:>4}/{mount_known:<3}"
                )
                if total.causes:
                    click.echo("    " + "; ".join(f"{cause}: {n}" for cause, n in sorted(total.causes.items())))
    click.echo(f"true = cameras detected at least once ({not_seen} never detected are left out); est = cameras after "
               "de-duplication; base = walker position at the best sighting; live = per track as the survey loop "
               f"placed it; facing = median error, proposed/fixed cameras; mount ok = right/proposed. "
               f"{time.perf_counter() - started:.0f} s")


def score_sample(db_path: Path, truth_path: Path, gate_m: float = 15.0) -> None:
    """Match a walk database's cameras to a rendered walk's truth.json (nearest first) and print the figures."""
    import json

    from ..geodesy import LocalFrame
    from ..store import Store, StoreError

    try:
        truth = json.loads(truth_path.read_text())
        cams = [c for c in truth["cameras"] if c.get("in_view_frames", [1])] or truth["cameras"]
    except (OSError, ValueError, KeyError) as exc:
        raise click.ClickException(f"cannot read ground truth {truth_path}: {exc}") from None
    try:
        store = Store(db_path, readonly=True)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    with store:
        found = [c for c in store.cameras() if c.latitude is not None]
        best: dict[int, tuple[float, float] | None] = {}
        for c in found:
            row = store.sighting(c.best_sighting_id) if c.best_sighting_id is not None else None
            best[c.id] = ((row.latitude, row.longitude)
                          if row and row.latitude is not None and row.longitude is not None else None)
    frame = LocalFrame(truth["origin"]["lat"], truth["origin"]["lon"])
    tx = {t["id"]: frame.point(t["lat"], t["lon"]) for t in cams}
    pairs = []
    for c in found:
        assert c.latitude is not None and c.longitude is not None  # found: placed cameras only
        p = frame.point(c.latitude, c.longitude)
        for t in cams:
            d = math.hypot(p.east - tx[t["id"]].east, p.north - tx[t["id"]].north)
            if d <= gate_m:
                pairs.append((d + (0 if c.camera_type == t["type"] else 2.0), d, c, t))
    pairs.sort(key=lambda x: x[0])
    used_c, used_t, errors, baseline = set(), set(), [], []
    for _, d, c, t in pairs:
        if c.id in used_c or t["id"] in used_t:
            continue
        used_c.add(c.id)
        used_t.add(t["id"])
        errors.append(d)
        at_best = best.get(c.id)
        if at_best:
            q = frame.point(*at_best)
            baseline.append(math.hypot(q.east - tx[t["id"]].east, q.north - tx[t["id"]].north))
    extra = len(found) - len(used_c)
    count_err = abs(len(found) - len(cams)) / max(len(cams), 1) * 100
    click.echo(f"sample {db_path.name} vs {truth_path}: {len(cams)} true cameras in view, {len(found)} placed")
    click.echo(f"matched {len(errors)}, unmatched (duplicates or false) {extra}, missed {len(cams) - len(used_t)}, "
               f"count error {count_err:.1f}%")
    click.echo(f"position error median {_pct(errors, 50)} m, p90 {_pct(errors, 90)} m; baseline (walker at best "
               f"sighting) median {_pct(baseline, 50)} m, p90 {_pct(baseline, 90)} m")
