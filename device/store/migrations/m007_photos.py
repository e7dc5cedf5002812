"""Photo labelling: photos kept as the frames of a walk without GPS (``sousveillance label``), one row each."""

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("photos").create(
        {
            "id": int,
            "walk_id": int,
            "frame_index": int,  # the photo's frame in its walk: sightings.frame_index
            "file": str,  # the photo's file name in the folder it was labelled from
            "frame": str,  # the kept copy, relative to the database folder: frames/<walk_id>/<frame_index>.jpg
            "width": int,
            "height": int,
            "sha256": str,  # of the original file: the same photo is not labelled twice
            "proposals": int,  # boxes the detector proposed
            "added_at": str,
        },
        pk="id",
        not_null={"walk_id", "frame_index", "file", "frame"},
        foreign_keys=[("walk_id", "walks", "id")],
    )
    db.table("photos").create_index(["walk_id", "frame_index"], unique=True)
    db.table("photos").create_index(["sha256"])
