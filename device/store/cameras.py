"""Cameras, poles and sightings: written by the survey loop, re-placed after the walk, read by review and exports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..types import Sighting
from .connection import Connection, inserted_id, iso, utcnow
from .rows import (
    CAMERA_COLUMNS,
    POLE_COLUMNS,
    CameraRow,
    PoleRow,
    ReviewedSighting,
    SightingRow,
    from_mapping,
)


def _check(values: Mapping[str, Any], allowed: frozenset[str], table: str) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not columns of {table}: {', '.join(sorted(unknown))}")


def sighting_values(walk_id: int, camera_id: int | None, s: Sighting) -> dict[str, Any]:
    d, p = s.detection, s.position
    return {
        "walk_id": walk_id,
        "track_id": s.track_id,
        "camera_id": camera_id,
        "frame_index": s.frame_index,
        "t": s.t,
        "utc": iso(s.utc),
        "class_name": d.class_name,
        "confidence": d.confidence,
        "x1": d.x1,
        "y1": d.y1,
        "x2": d.x2,
        "y2": d.y2,
        "frame_width": s.frame_width,
        "frame_height": s.frame_height,
        "latitude": p.latitude if p else None,
        "longitude": p.longitude if p else None,
        "heading": p.heading if p else None,
        "eph": p.eph if p else None,
        "bearing": s.bearing,
    }


class CameraRecords(Connection):
    # -- reading cameras ---------------------------------------------------------------------------------------
    def cameras(self, walk_id: int | None = None, state: str | None = None) -> list[CameraRow]:
        """Visible cameras (not merged into another), in the order they were first seen."""
        where, args = ["merged_into IS NULL"], list[Any]()
        if walk_id is not None:
            where.append("walk_id = ?")
            args.append(walk_id)
        if state is not None:
            where.append("review_state = ?")
            args.append(state)
        sql = f"SELECT * FROM cameras WHERE {' AND '.join(where)} ORDER BY first_seen, id"
        return self.rows(CameraRow, sql, args)

    def camera(self, camera_id: int) -> CameraRow | None:
        return self.row(CameraRow, "SELECT * FROM cameras WHERE id = ?", [camera_id])

    def members(self, camera_id: int) -> list[CameraRow]:
        """The camera rows merged into ``camera_id`` (automatically or by a reviewer)."""
        return self.rows(CameraRow, "SELECT * FROM cameras WHERE merged_into = ? ORDER BY id", [camera_id])

    def walk_cameras(self, walk_id: int) -> list[CameraRow]:
        """Every camera row of a walk, merged ones too, by id."""
        return self.rows(CameraRow, "SELECT * FROM cameras WHERE walk_id = ? ORDER BY id", [walk_id])

    def position_methods(self, walk_id: int) -> dict[str, int]:
        """How the visible cameras of a walk were placed: ``{method: count}``."""
        rows = self.db.query(
            "SELECT position_method, count(*) AS n FROM cameras WHERE walk_id = ? AND merged_into IS NULL "
            "GROUP BY position_method",
            [walk_id],
        )
        return {r["position_method"] or "none": r["n"] for r in rows}

    # -- writing cameras and poles -------------------------------------------------------------------------------
    def add_camera(
        self, walk_id: int, track_id: int, uuid: str, camera_type: str, first_seen: str | None, **values: Any
    ) -> int:
        """A new camera row (pending review, not yet placed unless ``values`` say so); returns its id."""
        _check(values, CAMERA_COLUMNS, "cameras")
        row = {
            "uuid": uuid,
            "walk_id": walk_id,
            "track_id": track_id,
            "camera_type": camera_type,
            "first_seen": first_seen,
            "review_state": "pending",
            "mount": "unknown",
            "position_method": "none",
            "has_position": 0,
            "updated_at": utcnow(),
            **values,
        }
        with self.batch() as db:
            table = db.table("cameras")
            table.insert(row)
            return inserted_id(table)

    def _update(self, table: str, row_id: int, values: Mapping[str, Any], columns: frozenset[str]) -> None:
        _check(values, columns, table)
        if values:
            with self.batch() as db:
                db.table(table).update(row_id, dict(values))

    def update_camera(self, camera_id: int, values: Mapping[str, Any]) -> None:
        self._update("cameras", camera_id, values, CAMERA_COLUMNS)

    def add_pole(self, walk_id: int, track_id: int, first_seen: str | None, **values: Any) -> int:
        _check(values, POLE_COLUMNS, "poles")
        with self.batch() as db:
            table = db.table("poles")
            table.insert(
                {"walk_id": walk_id, "track_id": track_id, "first_seen": first_seen, "sightings_count": 0, **values}
            )
            return inserted_id(table)

    def update_pole(self, pole_id: int, values: Mapping[str, Any]) -> None:
        self._update("poles", pole_id, values, POLE_COLUMNS)

    def place_pole(self, walk_id: int, track_id: int, values: Mapping[str, Any]) -> None:
        """Write a pole track's position: its row if it has one, else a new row."""
        _check(values, POLE_COLUMNS, "poles")
        with self.batch() as db:
            row = next(db["poles"].rows_where("walk_id = ? AND track_id = ?", [walk_id, track_id]), None)
            if row:
                db.table("poles").update(row["id"], dict(values))
            else:
                db.table("poles").insert({"walk_id": walk_id, "track_id": track_id, **values})

    def poles(self, walk_id: int) -> list[PoleRow]:
        return self.rows(PoleRow, "SELECT * FROM poles WHERE walk_id = ? ORDER BY id", [walk_id])

    # -- sightings -----------------------------------------------------------------------------------------------
    def add_sighting(self, walk_id: int, camera_id: int | None, sighting: Sighting, crop: str | None = None) -> int:
        """Store one sighting (``camera_id`` None for a pole's); returns its id."""
        with self.batch() as db:
            table = db.table("sightings")
            table.insert({**sighting_values(walk_id, camera_id, sighting), "crop": crop})
            return inserted_id(table)

    def set_sighting_crop(self, sighting_id: int, crop: str | None) -> None:
        with self.batch() as db:
            db.table("sightings").update(sighting_id, {"crop": crop})

    def sighting(self, sighting_id: int) -> SightingRow | None:
        return self.row(SightingRow, "SELECT * FROM sightings WHERE id = ?", [sighting_id])

    def sightings(self, camera_id: int) -> list[SightingRow]:
        """One camera row's own sightings, in time order."""
        return self.rows(SightingRow, "SELECT * FROM sightings WHERE camera_id = ? ORDER BY t", [camera_id])

    def group_sightings(self, camera_id: int) -> list[SightingRow]:
        """A camera's sightings including those of the camera rows merged into it, in time order."""
        return self.rows(
            SightingRow,
            "SELECT * FROM sightings WHERE camera_id = ? OR camera_id IN "
            "(SELECT id FROM cameras WHERE merged_into = ?) ORDER BY t, id",
            [camera_id, camera_id],
        )

    def crop_sightings(self, camera_ids: Iterable[int]) -> list[SightingRow]:
        """Sightings of these camera rows that kept a crop, in time order."""
        ids = list(camera_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self.rows(
            SightingRow, f"SELECT * FROM sightings WHERE camera_id IN ({marks}) AND crop IS NOT NULL ORDER BY t", ids
        )

    def walk_sightings(self, walk_id: int) -> list[SightingRow]:
        return self.rows(SightingRow, "SELECT * FROM sightings WHERE walk_id = ? ORDER BY t, id", [walk_id])

    def reviewed_sightings(self) -> list[ReviewedSighting]:
        """Every camera sighting with its camera's review state and type (training data from walks)."""
        rows = self.db.query(
            "SELECT s.*, c.review_state AS _state, c.camera_type AS _type FROM sightings s "
            "JOIN cameras c ON c.id = s.camera_id ORDER BY s.id"
        )
        return [ReviewedSighting(from_mapping(SightingRow, r), r["_state"], r["_type"]) for r in rows]
