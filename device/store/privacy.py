"""The store's edge: privacy zones (config + ``privacy_zones`` table) applied to what may leave the device.

``confirmed_cameras()`` is the one read behind every export (CLI, review page), ``sync`` and ``osm``: a camera
inside a zone is left out unless a reviewer released it (``privacy_released_at``, a recorded decision), and the
cameras near a zone lose their times (review and edit times cut to the day, first/last seen dropped). The review
page of the device itself reads cameras through ``cameras()`` and marks them with ``privacy_state``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .cameras import CameraRecords
from .connection import SQLITE_INT_MAX, inserted_id, utcnow
from .rows import CameraRow, ConfirmedCamera, PrivacyZoneRow, WalkRow, from_mapping
from .settings import PrivacySettings, PrivacyZone
from .zones import inside, near


def _day(text: str | None) -> str | None:
    """An ISO time cut to its UTC day (``2026-05-09T00:00:00Z``)."""
    return f"{text[:10]}T00:00:00Z" if text and len(text) >= 10 else None


class PrivacyRecords(CameraRecords):
    privacy: PrivacySettings = PrivacySettings()  # the config's [privacy] section; set by Store(privacy=...)

    # -- zones ---------------------------------------------------------------------------------------------------
    def privacy_zone_rows(self) -> list[PrivacyZoneRow]:
        """Every zone in force: the config's first, then those set on this device's map."""
        rows = [PrivacyZoneRow(None, z.latitude, z.longitude, z.radius_m, "config") for z in self.privacy.zones]
        if self.db["privacy_zones"].exists():
            rows += [
                PrivacyZoneRow(r["id"], r["latitude"], r["longitude"], r["radius_m"], "device", r["created_at"],
                               r["created_by"])
                for r in self.db.query("SELECT * FROM privacy_zones ORDER BY id")
            ]  # fmt: skip
        return rows

    def privacy_zones(self) -> list[PrivacyZone]:
        return [PrivacyZone(latitude=r.latitude, longitude=r.longitude, radius_m=r.radius_m)
                for r in self.privacy_zone_rows()]

    def add_privacy_zone(self, zone: PrivacyZone, created_by: str = "") -> int:
        with self.batch() as db:
            table = db.table("privacy_zones")
            table.insert({"latitude": zone.latitude, "longitude": zone.longitude, "radius_m": zone.radius_m,
                          "created_at": utcnow(), "created_by": created_by})
            return inserted_id(table)

    def remove_privacy_zone(self, zone_id: int) -> bool:
        """Remove a zone set on the map; False when there is no such zone."""
        if not -SQLITE_INT_MAX - 1 <= zone_id <= SQLITE_INT_MAX:
            return False
        with self.batch() as db:
            cursor = db.execute("DELETE FROM privacy_zones WHERE id = ?", [zone_id])
            return cursor.rowcount > 0

    # -- cameras -------------------------------------------------------------------------------------------------
    def privacy_state(self, camera: CameraRow, zones: list[PrivacyZone] | None = None) -> str | None:
        """``inside`` (kept on the device), ``released`` (inside, but released by a reviewer) or None."""
        zones = self.privacy_zones() if zones is None else zones
        if camera.latitude is None or camera.longitude is None or not inside(camera.latitude, camera.longitude, zones):
            return None
        return "released" if camera.privacy_released_at else "inside"

    def confirmed_cameras(self, walk_id: int | None = None) -> list[ConfirmedCamera]:
        """Confirmed cameras with a position, outside every privacy zone, with their walk: the one read behind every
        export and sync. Only what a person confirmed leaves the device; merged duplicates fold into the camera they
        were merged into; cameras near a zone come without their times.
        """
        sql = (
            "SELECT * FROM cameras WHERE review_state = 'confirmed' AND merged_into IS NULL "
            "AND latitude IS NOT NULL AND longitude IS NOT NULL"
        )
        args: list[Any] = []
        if walk_id is not None:
            sql += " AND walk_id = ?"
            args.append(walk_id)
        zones = self.privacy_zones()
        out = []
        for row in self.db.query(sql + " ORDER BY first_seen, id", args):
            camera = from_mapping(CameraRow, row)
            if self.privacy_state(camera, zones) == "inside":
                continue
            if near(camera.latitude, camera.longitude, zones, self.privacy.time_margin_m):
                camera = replace(camera, reviewed_at=_day(camera.reviewed_at), updated_at=None, first_seen=None,
                                 last_seen=None)
            out.append(camera)
        walks = {r["id"]: WalkRow.of(r) for r in self.db.query("SELECT * FROM walks")} if out else {}
        return [ConfirmedCamera(c, walks[c.walk_id]) for c in out]
