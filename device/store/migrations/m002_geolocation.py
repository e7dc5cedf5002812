"""Geolocation: triangulation diagnostics on cameras and the record of de-duplication merges (undoable)."""

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    cameras = db.table("cameras")
    existing = set(cameras.columns_dict)
    for name, kind in (
        ("geo_rays", int),  # bearing rays used to place the camera
        ("bearing_spread_deg", float),  # angle the rays span (triangulation needs several degrees)
        ("residual_m", float),  # weighted RMS distance of the rays from the triangulated point
        ("geo_note", str),  # why triangulation was not used, e.g. "rays too parallel"; "" when it was
        ("mount_evidence", str),  # what the mount proposal rests on, e.g. "pole box in 12/15 frames"
        ("direction_uncertainty_deg", float),  # spread of the facing estimate; NULL without a direction
        ("height_m", float),  # rough height above ground (level lens at 1.5 m assumed); tells cameras on a pole apart
    ):
        if name not in existing:
            cameras.add_column(name, kind)
    db.table("camera_merges").create(
        {
            "id": int,
            "walk_id": int,
            "kept_camera_id": int,  # the camera row that stays and aggregates the group
            "merged_camera_id": int,  # the camera row hidden by cameras.merged_into (its sightings stay on it)
            "reason": str,  # refound (track lost and found again) | revisit (seen again later, e.g. on the way back)
            "distance_m": float,  # distance between the two estimates when merged
            "score": float,  # distance divided by the combined uncertainty
            "created_at": str,
            "undone_at": str,  # set when a reviewer undoes the merge; an undone pair is never merged again
        },
        pk="id",
        foreign_keys=[("walk_id", "walks", "id"), ("kept_camera_id", "cameras", "id"),
                      ("merged_camera_id", "cameras", "id")],
        if_not_exists=True,
    )
    db.table("camera_merges").create_index(["walk_id"], if_not_exists=True)
    db.table("camera_merges").create_index(["merged_camera_id"], if_not_exists=True)
