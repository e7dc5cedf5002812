"""Review in the street: a blurred context crop per camera, and what the reviewer learnt from OpenStreetMap."""

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    cameras = db.table("cameras")
    existing = set(cameras.columns_dict)
    for name, kind in (
        ("context_crop", str),  # wider view around the best sighting, people and plates blurred (path beside the db)
        ("osm_node_id", int),  # the OpenStreetMap node of this camera when the reviewer saw it again
        ("check_date", str),  # YYYY-MM-DD the reviewer saw an already-mapped camera again (OSM check_date)
    ):
        if name not in existing:
            cameras.add_column(name, kind)
