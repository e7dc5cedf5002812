"""The field status: one line a walker checks from the phone (review page, ``sousveillance status``).

The running survey publishes its figures through ``StatusObserver``: a small JSON file next to the walk database
(``status.json``), replaced atomically at most once a second. ``field_status(db_path)`` reads it, adds what the
device itself knows (free disk, temperature, throttling) and the walk database's own record, and returns a dict
ready for JSON, with ``line`` the one-line summary and ``warnings`` what the walker should act on.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..store import Store, StoreError
from ..store.identity import device_pseudonym, read_pseudonym
from ..survey.observer import LoopStats
from .health import cpu_temperature_c, free_mb, throttling
from .notify import FIX_NAMES
from .settings import ServiceSettings

log = logging.getLogger(__name__)


class StatusObserver:
    """A ``SurveyObserver`` writing the status file atomically: on ready, at most every ``interval_s`` from the
    frame loop, and at the end.

    ``path`` is the status file itself when it ends in ``.json``, otherwise the walk database, and the file is
    ``file_name`` next to it (where ``field_status`` looks).
    """

    stop_requested = False

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        interval_s: float = 1.0,
        file_name: str = "status.json",
        clock: Callable[[], float] = time.monotonic,
    ):
        path = Path(path).expanduser()
        self.path = path if path.suffix == ".json" else path.parent / file_name
        self.interval_s = interval_s
        self.clock = clock
        self._last = float("-inf")

    def on_ready(self, stats: LoopStats) -> None:
        self._write(stats, "recording")

    def on_frame(self, stats: LoopStats) -> None:
        if self.clock() - self._last >= self.interval_s:
            self._write(stats, "recording")

    def on_end(self, stats: LoopStats, status: str) -> None:
        self._write(stats, status)

    def on_starting(self, message: str, walk_id: int | None = None) -> None:
        """Before the walk records (waiting for the GPS fix, loading the model): say why on the phone."""
        self._write(None, "starting", message=message, walk_id=walk_id)

    def _write(self, stats: LoopStats | None, state: str, **extra: object) -> None:
        self._last = self.clock()
        data = {
            **(asdict(stats) if stats else {}),
            **extra,
            "state": state,
            "pid": os.getpid(),
            "updated_at": time.time(),
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(data))
            os.replace(tmp, self.path)
        except OSError as exc:  # a full disk must not end the walk from here; the storage observer handles it
            log.warning("could not write status file %s: %s", self.path, exc)
            tmp.unlink(missing_ok=True)


@dataclass(slots=True)
class FieldStatus:
    recording: bool
    state: str  # starting | recording | completed | interrupted | failed | stopped | no walk
    message: str = ""  # what the survey is doing while starting (e.g. waiting for a GPS fix)
    walk_id: int | None = None
    frames: int | None = None
    fps: float | None = None
    cameras: int | None = None
    fix_mode: int | None = None
    fix: str = "no fix"
    updated_at: str | None = None  # UTC ISO time of the last status update
    age_s: float | None = None
    disk_free_mb: float | None = None
    disk_level: str = "ok"
    temperature_c: float | None = None
    throttled_now: list[str] = field(default_factory=list)
    throttled_since_boot: list[str] = field(default_factory=list)
    device: str | None = None  # the pseudonym submissions carry (device/store/identity.py)
    warnings: list[str] = field(default_factory=list)
    line: str = ""


def field_status(
    db_path: str | os.PathLike,
    settings: ServiceSettings | None = None,
    *,
    sys_root: str | os.PathLike = "/",
    vcgencmd: str = "vcgencmd",
    now: float | None = None,
) -> dict[str, Any]:
    """The device's field status as a JSON-ready dict (see ``FieldStatus``); never raises for a missing walk."""
    from .storage import disk_level

    s = settings or ServiceSettings()
    db = Path(db_path).expanduser()
    now = time.time() if now is None else now
    st = FieldStatus(recording=False, state="no walk")
    published = _read_status_file(db.parent / s.status_file)
    if published:
        st.walk_id = published.get("walk_id")
        st.frames = published.get("frames")
        st.fps = published.get("fps")
        st.cameras = published.get("cameras")
        st.fix_mode = published.get("fix_mode")
        updated = float(published.get("updated_at") or 0)
        st.age_s = round(max(0.0, now - updated), 1)
        st.updated_at = datetime.fromtimestamp(updated, tz=UTC).isoformat(timespec="seconds")
        st.state = published.get("state", "recording")
        st.message = str(published.get("message") or "")
        if st.state in ("recording", "starting") and st.age_s > s.status_stale_s:
            st.state = "stopped"
            st.warnings.append(f"survey not responding: last status {st.age_s:.0f} s ago")
        st.recording = st.state == "recording"
    _from_database(db, st)
    st.device = _pseudonym(db)
    st.fix = FIX_NAMES.get(st.fix_mode or 0, "no fix")
    if st.recording and (st.fix_mode or 0) < 2:
        st.warnings.append("no GPS fix: cameras are recorded without a position")
    st.disk_free_mb = round(free_mb(db.parent), 1)
    st.disk_level = disk_level(st.disk_free_mb, s)
    if st.disk_level != "ok":
        st.warnings.append(f"disk {st.disk_level}: {st.disk_free_mb:.0f} MB free")
    st.temperature_c = cpu_temperature_c(sys_root)
    if st.temperature_c is not None and st.temperature_c >= s.temperature_warn_c:
        st.warnings.append(f"hot: {st.temperature_c:.0f} °C")
    thr = throttling(vcgencmd)
    if thr is not None:
        st.throttled_now, st.throttled_since_boot = list(thr.now), list(thr.since_boot)
        if thr.now:
            st.warnings.append("throttled: " + ", ".join(thr.now))
    st.line = _line(st)
    return asdict(st)


def _pseudonym(db: Path) -> str | None:
    """The device's pseudonym, made now if the state folder exists and can hold it (so it can be registered with
    a campaign before the first walk)."""
    if not db.parent.is_dir():
        return None
    try:
        return device_pseudonym(db)
    except OSError:
        return read_pseudonym(db)


def _read_status_file(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("unreadable status file %s: %s", path, exc)
        return None
    return data if isinstance(data, dict) else None


def _from_database(db: Path, st: FieldStatus) -> None:
    """The latest walk's state and camera count from the database (read-only), when the status file is silent."""
    if not db.exists():
        return
    try:
        with Store(db, readonly=True) as store:
            walk = store.latest_walk()
            if walk is None:
                return
            cameras = sum(store.camera_counts(walk.id).values())
    except (StoreError, sqlite3.Error) as exc:
        log.warning("cannot read walk database %s: %s", db, exc)
        return
    if st.state == "starting":
        return  # the walk about to start is not in the database yet
    if st.walk_id is None or st.walk_id != walk.id:
        st.walk_id, st.frames, st.cameras = walk.id, walk.frames, cameras
        if not st.recording:
            st.state = walk.status
    elif st.cameras is None:
        st.cameras = cameras


def _line(st: FieldStatus) -> str:
    if st.recording:
        parts = [f"● recording walk {st.walk_id}"]
    elif st.state == "starting":
        parts = ["○ starting" + (f": {st.message}" if st.message else "")]
    else:
        parts = [f"○ {st.state}" + (f" (walk {st.walk_id})" if st.walk_id else "")]
    if st.recording:
        parts.append(st.fix)
        parts.append(f"{st.fps or 0:.1f} fps")
    if st.cameras is not None:
        parts.append(f"{st.cameras} cameras")
    if st.disk_free_mb is not None:
        parts.append(
            f"disk {st.disk_free_mb / 1000:.1f} GB free"
            if st.disk_free_mb >= 1000
            else f"disk {st.disk_free_mb:.0f} MB free"
        )
    if st.temperature_c is not None:
        parts.append(f"{st.temperature_c:.0f} °C")
    if st.throttled_now:
        parts.append("THROTTLED")
    if st.device:
        parts.append(f"device {st.device}")
    line = " · ".join(parts)
    if st.warnings:
        line += " — " + "; ".join(st.warnings)
    return line
