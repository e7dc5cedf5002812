"""Privacy: zones set on the review page's map, per-camera releases, and no OS names in recorded provenance.

Before this migration a walk recorded the host name as its device and a review recorded the OS user name as its
reviewer (the defaults then). Both would leave the device with every sync and export, so the rows that carry this
machine's host or user name are blanked once here; new walks record the device's random pseudonym
(``device/store/identity.py``) and the reviewer's chosen handle (empty by default).
"""

import getpass
import json
import socket

import sqlite_utils


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def up(db: sqlite_utils.Database) -> None:
    db.table("privacy_zones").create(
        {
            "id": int,
            "latitude": float,  # centre, WGS84
            "longitude": float,
            "radius_m": float,
            "created_at": str,  # ISO 8601 UTC
            "created_by": str,  # the reviewer's handle ("" when none)
        },
        pk="id",
        not_null={"latitude", "longitude", "radius_m", "created_at"},
        if_not_exists=True,
    )
    if "privacy_released_at" not in db["cameras"].columns_dict:
        # set by a reviewer's "release" decision: this camera inside a zone may leave the device after all
        db.table("cameras").add_column("privacy_released_at", str)
    host, user = socket.gethostname(), _user()
    if host:
        db.execute("UPDATE walks SET device_id = '' WHERE device_id = ?", [host])
    if user:
        db.execute("UPDATE cameras SET reviewer = '' WHERE reviewer = ?", [user])
        # the decisions' snapshots too, or undoing an old decision would write the name back
        named, blank = f'"reviewer": {json.dumps(user)}', '"reviewer": ""'
        db.execute("UPDATE decisions SET reviewer = '' WHERE reviewer = ?", [user])
        db.execute("UPDATE decisions SET before = replace(before, ?, ?), after = replace(after, ?, ?)",
                   [named, blank, named, blank])
