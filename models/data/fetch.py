"""Rebuild the real-photo set's image folder from its manifest: each original blob, checked, then normalised.

Blobs come from local bare git mirrors (``--mirror DIR`` holding ``owner+name/`` git directories, read with
``git --git-dir=... cat-file blob COMMIT:PATH``) or over HTTPS from raw.githubusercontent.com at the recorded commit.
A blob whose sha256 differs from the manifest is refused (one line; the rest are still fetched): an upstream file
rewritten, a mirror of another commit or a tampered copy never enters the set. Kept photos are normalised the way
``../shared/data/real`` is: EXIF orientation applied, long side at most 2048 px, JPEG.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .realset import MAX_SIDE, RealPhoto

log = logging.getLogger(__name__)

RAW_BASE = "https://raw.githubusercontent.com"
SOURCES_FILE = "sources.json"  # in the image folder: file -> sha256 of the blob it was made from
JPEG_QUALITY = 95


class FetchError(Exception):
    """One blob could not be had (one-line message naming it)."""


BlobGetter = Callable[[RealPhoto], bytes]


def _git_dir(mirror: Path, repo: str) -> Path:
    base = mirror / repo.replace("/", "+")
    for candidate in (base, base / "repo", base / "repo" / ".git", base / ".git"):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    raise FetchError(f"{repo}: no git mirror under {base}")


def from_mirror(mirror: Path) -> BlobGetter:
    """Blobs read from ``mirror/owner+name/`` git directories (bare, or ``repo/`` / ``repo/.git`` inside)."""

    def get(p: RealPhoto) -> bytes:
        git_dir = _git_dir(mirror, p.repo)
        try:
            done = subprocess.run(
                ["git", f"--git-dir={git_dir}", "cat-file", "blob", f"{p.commit}:{p.path}"],
                capture_output=True, timeout=120, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FetchError(f"{p.repo}: git failed: {exc}") from exc
        if done.returncode != 0:
            msg = done.stderr.decode(errors="replace").strip().splitlines()
            raise FetchError(
                f"{p.repo}@{p.commit[:12]}:{p.path}: not in the mirror ({msg[-1] if msg else 'git error'})")
        return done.stdout

    return get


def over_https(base: str = RAW_BASE, timeout_s: float = 60.0, client=None) -> BlobGetter:
    """Blobs downloaded from ``base/owner/name/commit/path`` (raw.githubusercontent.com by default)."""
    from urllib.parse import quote

    import httpx

    http = client or httpx.Client(timeout=timeout_s, follow_redirects=True)

    def get(p: RealPhoto) -> bytes:
        url = f"{base.rstrip('/')}/{p.repo}/{p.commit}/{quote(p.path)}"
        try:
            r = http.get(url)
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        if r.status_code != 200:
            raise FetchError(f"{url}: HTTP {r.status_code}")
        return r.content

    return get


def normalise(data: bytes, max_side: int = MAX_SIDE) -> np.ndarray:
    """Decoded pixels (EXIF orientation applied by OpenCV), shrunk so the long side is at most ``max_side``."""
    import cv2

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise FetchError("not a readable image")
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1:
        image = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return image


def _write_jpeg(image: np.ndarray, dest: Path) -> None:
    import cv2

    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise FetchError(f"cannot encode {dest.name}")
    tmp = dest.with_name(dest.name + ".part")
    tmp.write_bytes(buf.tobytes())
    os.replace(tmp, dest)


@dataclass(slots=True)
class FetchSummary:
    fetched: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already there, made from the same blob
    refused: list[str] = field(default_factory=list)  # one line each


def fetch_all(photos: list[RealPhoto], out: Path, get: BlobGetter, force: bool = False) -> FetchSummary:
    """Fetch, check and normalise every photo into ``out/`` (``out/sources.json`` records what each was made from)."""
    out.mkdir(parents=True, exist_ok=True)
    record_path = out / SOURCES_FILE
    try:
        made: dict[str, str] = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        made = {}
    summary = FetchSummary()
    for p in photos:
        dest = out / p.image_name
        if not force and dest.is_file() and made.get(p.image_name) == p.sha256:
            summary.kept.append(p.image_name)
            continue
        try:
            data = get(p)
            digest = hashlib.sha256(data).hexdigest()
            if digest != p.sha256:
                raise FetchError(f"sha256 {digest[:16]}... does not match the manifest's {p.sha256[:16]}...")
            _write_jpeg(normalise(data), dest)
        except FetchError as exc:
            if made.pop(p.image_name, None) is not None:
                dest.unlink(missing_ok=True)  # made from another blob: it must not stand in for this row
            line = f"{p.file}: refused: {exc}"
            summary.refused.append(line)
            log.warning("%s", line)
            continue
        made[p.image_name] = p.sha256
        summary.fetched.append(p.image_name)
    tmp = record_path.with_name(record_path.name + ".part")
    tmp.write_text(json.dumps(made, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, record_path)
    return summary
