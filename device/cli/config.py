"""One validated configuration, read once: CLI options -> config file -> constructors.

Each section is owned by its subsystem (``device/capture/settings.py`` for ``[capture]``, ``sync/settings.py``
for ``[sync]``...); this module, part of the command-line layer, is the one place that composes them. Every field
has a default, a description and bounds; unknown keys are errors. Secrets (the sync token) never live here: they
come from the environment or a systemd credential.
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from sousveillance.device.capture.settings import CaptureSettings
from sousveillance.device.detect.settings import DetectorSettings
from sousveillance.device.geo.settings import GeoSettings
from sousveillance.device.gps.settings import GpsSettings
from sousveillance.device.review.settings import ReviewSettings
from sousveillance.device.service.settings import ServiceSettings
from sousveillance.device.store.settings import PrivacySettings, StoreSettings
from sousveillance.device.track.settings import TrackerSettings
from sousveillance.sync.settings import SyncSettings

log = logging.getLogger(__name__)

DEFAULT_CONFIG_PATHS = (Path("/etc/sousveillance/config.toml"), Path("~/.config/sousveillance/config.toml"))


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capture: CaptureSettings = CaptureSettings()
    gps: GpsSettings = GpsSettings()
    detector: DetectorSettings = DetectorSettings()
    tracker: TrackerSettings = TrackerSettings()
    geo: GeoSettings = GeoSettings()
    store: StoreSettings = StoreSettings()
    review: ReviewSettings = ReviewSettings()
    privacy: PrivacySettings = PrivacySettings()
    service: ServiceSettings = ServiceSettings()
    sync: SyncSettings = SyncSettings()

    @model_validator(mode="before")
    @classmethod
    def _legacy_privacy_zones(cls, data: Any) -> Any:
        """``review.privacy_zones`` (before zones applied to everything) still works: it joins ``privacy.zones``."""
        review = data.get("review") if isinstance(data, dict) else None
        if isinstance(review, dict) and "privacy_zones" in review:
            review = dict(review)
            legacy = review.pop("privacy_zones") or []
            privacy = dict(data.get("privacy") or {})
            privacy["zones"] = [*(privacy.get("zones") or []), *legacy]
            log.warning("config: review.privacy_zones is now [privacy] zones (it hides cameras too); please move it")
            data = {**data, "review": review, "privacy": privacy}
        return data


class ConfigError(Exception):
    pass


def load_config(path: str | os.PathLike | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read the config file (explicit path, $SOUSVEILLANCE_CONFIG, or the default places) and apply overrides.

    ``overrides`` uses dotted keys: ``{"detector.imgsz": 960}``; None values are ignored.
    """
    data: dict[str, Any] = {}
    candidates = [Path(path)] if path else []
    if not path and os.environ.get("SOUSVEILLANCE_CONFIG"):
        candidates = [Path(os.environ["SOUSVEILLANCE_CONFIG"])]
    if not candidates:
        candidates = [p.expanduser() for p in DEFAULT_CONFIG_PATHS if p.expanduser().exists()][:1]
    for candidate in candidates:
        try:
            data = tomllib.loads(candidate.expanduser().read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {candidate}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {candidate} is not valid TOML: {exc}") from None
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from None
