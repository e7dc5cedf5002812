"""The observers the survey service attaches to the loop, configured from one ``Config``."""

from __future__ import annotations

from pathlib import Path

from sousveillance.config import Config

from ..survey.observer import SurveyObserver
from .notify import NotifyObserver, SystemdNotifier
from .status import StatusObserver
from .storage import StorageObserver


def service_observers(config: Config, notifier: SystemdNotifier | None = None) -> list[SurveyObserver]:
    """systemd notify/watchdog, the field status file next to the database, and the free-space guard."""
    db = Path(config.store.database).expanduser()
    s = config.service
    return [
        NotifyObserver(notifier or SystemdNotifier()),
        StatusObserver(db, interval_s=s.status_interval_s, file_name=s.status_file),
        StorageObserver(db, s),
    ]
