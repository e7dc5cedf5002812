"""Run cut-out rendering in N worker processes (one Blender each), resumable and deterministic by seed.

Cut-out ``i`` always gets the seed ``render.item_seed(seed, i)``, whatever the number of workers; worker ``k`` renders
the indices ``k, k + W, k + 2W, ...`` that have no label file yet.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .labels import cutout_paths

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderRun:
    out: Path
    count: int
    seed: int
    workers: int = 1
    samples: int = 16
    long_side: int = 256
    threads: int | None = None  # Cycles threads per worker; default: cores / workers


@dataclass(frozen=True, slots=True)
class RenderSummary:
    rendered: int
    skipped: int
    seconds: float

    @property
    def seconds_per_cutout(self) -> float:
        return self.seconds / self.rendered if self.rendered else 0.0


def pending(out: Path, count: int) -> list[int]:
    """Indices below ``count`` whose label file does not exist yet."""
    return [i for i in range(count) if not cutout_paths(out, f"{i:06d}")[2].exists()]


def _run_worker(args: tuple) -> int:
    # a parent that imported bpy passes on Blender's script folders, whose bpy/ package would shadow the real one
    sys.path[:] = [p for p in sys.path if "/bpy/" not in p.replace("\\", "/") or p.endswith("site-packages")]
    from .render import worker

    return worker(*args)


def run(spec: RenderRun) -> RenderSummary:
    """Render every missing cut-out of ``spec``; blocks until all workers finish."""
    spec.out.mkdir(parents=True, exist_ok=True)
    todo = pending(spec.out, spec.count)
    skipped = spec.count - len(todo)
    t0 = time.time()
    if not todo:
        return RenderSummary(0, skipped, 0.0)
    workers = max(1, min(spec.workers, len(todo)))
    threads = spec.threads or max(1, (os.cpu_count() or 1) // workers)
    chunks = [todo[k::workers] for k in range(workers)]
    args = [(str(spec.out), chunk, spec.seed, threads, spec.samples, spec.long_side) for chunk in chunks]
    log.info("rendering %d cut-outs (%d already there) with %d worker(s) x %d thread(s)", len(todo), skipped,
             workers, threads)
    ctx = mp.get_context("spawn")  # a fresh Blender per worker, never a forked one
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():  # kill -TERM: stop the workers too (resumable)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with ctx.Pool(workers, maxtasksperchild=1) as pool:
            rendered = sum(pool.map(_run_worker, args, chunksize=1))
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
    return RenderSummary(rendered, skipped, time.time() - t0)
