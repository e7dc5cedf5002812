"""Device uploader: empties the outbox into the campaign server, with bounded retries and backoff.

The network is one seam (an ``httpx`` transport, passed in) and so is waiting (``sleep``), so tests run a real
server and make the wait restart it instead of sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sousveillance import __version__
from sousveillance.device.store import Store, StoreError

from . import outbox
from .repository import SyncRepository
from .settings import SyncSettings

log = logging.getLogger(__name__)

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


class SyncAuthError(Exception):
    """The server refused this device's token (unknown, revoked): nothing more can be sent until it is fixed."""


class _Transient(Exception):
    """A failure worth retrying: connection cut, timeout, server busy or restarting."""


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    crops: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)  # no longer confirmed: withdrawn from the server
    rejected: list[str] = field(default_factory=list)  # "uuid: reason"
    pending: int = 0  # still in the outbox after this run (server unreachable)
    stopped: str | None = None  # why the run stopped early
    refused: bool = False  # the server refused the device token: retrying will not help until it is fixed

    @property
    def sent(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)

    def summary(self) -> str:
        text = (
            f"sent {self.sent} camera(s) ({len(self.created)} new, {len(self.updated)} updated, "
            f"{len(self.unchanged)} already there), {len(self.crops)} crop(s), {len(self.retracted)} withdrawn; "
            f"{len(self.rejected)} rejected; {self.pending} still queued"
        )
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")


class Uploader:
    """Sends one walk database's confirmed cameras (and their crops) to a campaign server."""

    def __init__(
        self,
        store: Store,
        settings: SyncSettings,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_sent: Callable[[str], None] | None = None,
    ):
        if not settings.server_url:
            raise ValueError("no campaign server URL (--server or server_url)")
        self.store = store
        self.records = SyncRepository.beside(store)
        self.settings = settings
        self.sleep = sleep
        self.on_sent = on_sent
        self.client = httpx.Client(
            base_url=settings.server_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"sousveillance/{__version__}"},
            timeout=settings.timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()
        self.records.close()

    def __enter__(self) -> Uploader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request with retries ------------------------------------------------------------------------
    def _request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        delay = self.settings.backoff_initial_s
        for attempt in range(1, self.settings.retries + 2):
            try:
                response = self.client.request(method, url, **kwargs)  # type: ignore[arg-type]
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in TRANSIENT_STATUS:
                    return response
                reason = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    delay = max(delay, min(float(retry_after), self.settings.backoff_max_s))
            if attempt > self.settings.retries:
                raise _Transient(reason)
            log.info("%s %s failed (%s), retry %d in %.1f s", method, url, reason, attempt, delay)
            self.sleep(delay)
            delay = min(delay * 2, self.settings.backoff_max_s)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _error(response: httpx.Response) -> tuple[str, str]:
        try:
            body = response.json()
            return str(body.get("error", "")), str(body.get("detail", ""))[:300]
        except ValueError:
            return "", response.text[:300]

    def _check_auth(self, response: httpx.Response) -> None:
        code, detail = self._error(response)
        if response.status_code == 401 or (response.status_code == 403 and code != "foreign_camera"):
            raise SyncAuthError(f"server refused the device token (HTTP {response.status_code}): {detail or code}")

    # -- the run -----------------------------------------------------------------------------------------
    def run(self) -> SyncReport:
        """Queue confirmed cameras, then send everything due; stops early when the server stays unreachable."""
        report = SyncReport()
        outbox.enqueue_confirmed(self.store, self.records)
        for item in outbox.due(self.records):
            try:
                if item.action == "camera":
                    self._send_camera(item, report)
                elif item.action == "retract":
                    self._retract(item.camera_uuid, report)
                else:
                    self._send_crop(item.camera_uuid, item.crop_path, report)
            except _Transient as exc:
                retry_at = time.time() + self.settings.backoff_max_s
                self.records.mark_failed(item.camera_uuid, str(exc), retry_at=retry_at)
                report.stopped = f"server unreachable ({exc}); will resume on the next run"
                break
            except SyncAuthError as exc:
                report.stopped, report.refused = str(exc), True
                break
        report.pending = sum(1 for _ in outbox.due(self.records, now=float("inf")))
        log.info("sync: %s", report.summary())
        return report

    def _send_camera(self, item: outbox.OutboxItem, report: SyncReport) -> None:
        uuid = item.camera_uuid
        response = self._request("PUT", f"/api/v1/cameras/{uuid}", json=item.feature)
        if response.status_code in (200, 201):
            body = response.json()
            status = body.get("status", "created")
            self.records.mark_sent(uuid, status, body.get("feature"), bool(body.get("crop_needed")))
            {"created": report.created, "updated": report.updated}.get(status, report.unchanged).append(uuid)
            if self.on_sent:
                self.on_sent(uuid)
            if body.get("crop_needed") and item.crop_path:
                self._send_crop(uuid, item.crop_path, report)
            return
        self._check_auth(response)
        code, detail = self._error(response)
        self.records.mark_failed(uuid, f"HTTP {response.status_code} {code}: {detail}", retry_at=None)
        report.rejected.append(f"{uuid}: HTTP {response.status_code} {code} {detail}".strip())

    def _retract(self, uuid: str, report: SyncReport) -> None:
        response = self._request("DELETE", f"/api/v1/cameras/{uuid}")
        if response.status_code == 200:
            self.records.mark_retracted(uuid)
            report.retracted.append(uuid)
            return
        self._check_auth(response)
        code, detail = self._error(response)
        self.records.mark_failed(uuid, f"withdraw HTTP {response.status_code}: {detail}", retry_at=None)
        report.rejected.append(f"{uuid}: withdraw HTTP {response.status_code} {code}".strip())

    def _send_crop(self, uuid: str, rel: str | None, report: SyncReport) -> None:
        if not rel:
            self.records.mark_crop_sent(uuid)
            return
        try:
            data = self.store.resolve_crop(rel).read_bytes()
        except (OSError, StoreError) as exc:  # a missing crop must not block the cameras
            self.records.mark_failed(uuid, f"crop unreadable: {exc}", retry_at=None, crop=True)
            report.rejected.append(f"{uuid}: crop unreadable")
            return
        response = self._request(
            "PUT", f"/api/v1/cameras/{uuid}/crop", content=data, headers={"Content-Type": "image/jpeg"}
        )
        if response.status_code in (200, 201):
            self.records.mark_crop_sent(uuid)
            report.crops.append(uuid)
            return
        self._check_auth(response)
        code, detail = self._error(response)
        self.records.mark_failed(uuid, f"crop HTTP {response.status_code}: {detail}", retry_at=None, crop=True)
        report.rejected.append(f"{uuid}: crop HTTP {response.status_code} {code}".strip())


def read_token(env: dict[str, str]) -> str:
    """The device token: env ``SOUSVEILLANCE_TOKEN``, else ``$CREDENTIALS_DIRECTORY/sync-token`` (systemd)."""
    token = env.get("SOUSVEILLANCE_TOKEN", "").strip()
    if token:
        return token
    cred_dir = env.get("CREDENTIALS_DIRECTORY")
    if cred_dir:
        path = Path(cred_dir) / "sync-token"
        if path.is_file():
            return path.read_text().strip()
    return ""
