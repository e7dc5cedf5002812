"""The device's pseudonym: a random name created once, the only device identity that leaves the device.

Walks record it as their ``device_id`` and every submission and export carries it, instead of the host name (which
often holds a person's name: ``alices-pi``). It lives in a small file next to the walk database (the state folder,
``/var/lib/sousveillance`` on a Pi), so every walk recorded there shares it; ``sousveillance status`` shows it. A
walker who wants a chosen name sets ``store.device_id`` in the config instead.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "device-pseudonym"
PATTERN = re.compile(r"^sv-[0-9a-f]{12}$")


def pseudonym_path(db_path: str | os.PathLike) -> Path:
    return Path(db_path).expanduser().resolve().parent / FILE_NAME


def read_pseudonym(db_path: str | os.PathLike) -> str | None:
    """The pseudonym next to this walk database, or None when there is none yet (or it is unreadable)."""
    try:
        text = pseudonym_path(db_path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if PATTERN.match(text) else None


def device_pseudonym(db_path: str | os.PathLike) -> str:
    """The pseudonym next to this walk database, created (``sv-`` and 12 random hex digits) on first use.

    Raises OSError when there is none and the folder cannot hold one (read-only media).
    """
    existing = read_pseudonym(db_path)
    if existing:
        return existing
    path = pseudonym_path(db_path)
    name = f"sv-{secrets.token_hex(6)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: never replaces a pseudonym another process created meanwhile
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(name + "\n")
    chosen = read_pseudonym(db_path)
    if chosen is None:
        raise OSError(f"unreadable device pseudonym in {path}")
    if chosen == name:
        log.info("created the device pseudonym %s in %s", name, path)
    return chosen
