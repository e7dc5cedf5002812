"""Direct upload of confirmed cameras to OpenStreetMap through osmapi: one changeset, never a second node.

Before each diff upload the changeset is marked ``uploading`` in the walk database; node ids are recorded in the
same transaction that marks it done. A run that died in between (power cut, lost response) finds the changeset
still ``uploading`` next time, downloads it from the API and records the nodes it already created instead of
creating them again. HTTP 429 waits (Retry-After) and retries; 413 splits the diff in halves. osmapi opens,
closes and downloads changesets; the diff upload itself is one POST sent here, never re-sent blindly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

import requests

from ..export.osm import CREATED_BY, NodeCheck, NodeDraft, osmchange_modify_xml, osmchange_xml
from ..repository import OsmNode, SyncRepository

log = logging.getLogger(__name__)

DEV_API = "https://master.apis.dev.openstreetmap.org"
PRODUCTION_API = "https://api.openstreetmap.org"


class OsmUploadError(Exception):
    """The upload stopped; what was recorded stays recorded and a retry continues from there."""


@dataclass
class UploadReport:
    changeset_id: int | None = None
    created: dict[str, int] = field(default_factory=dict)  # camera uuid -> node id
    already: list[str] = field(default_factory=list)  # uploaded by an earlier run
    recovered: dict[str, int] = field(default_factory=dict)  # found in an interrupted earlier changeset
    checked: dict[str, int] = field(default_factory=dict)  # seen again: camera uuid -> node given today's check_date
    gone: list[str] = field(default_factory=list)  # seen again, but the node was deleted from OSM since

    def summary(self) -> str:
        cs = f"changeset {self.changeset_id}" if self.changeset_id else "no new changeset"
        out = (
            f"{cs}: {len(self.created)} node(s) created, {len(self.recovered)} recovered from an interrupted run, "
            f"{len(self.already)} already uploaded"
        )
        if self.checked:
            out += f", check_date set on {len(self.checked)} node(s) seen again"
        if self.gone:
            out += f", {len(self.gone)} seen-again node(s) deleted from OSM since (not recreated)"
        return out


def bearer_session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _same(draft: NodeDraft, node: dict) -> bool:
    return (
        abs(float(node.get("lat", 0)) - draft.latitude) < 1e-6
        and abs(float(node.get("lon", 0)) - draft.longitude) < 1e-6
        and dict(node.get("tag") or {}) == draft.tags
    )


class OsmUploader:
    def __init__(
        self,
        records: SyncRepository,
        session: requests.Session,
        api_url: str = DEV_API,
        *,
        sleep: Callable[[float], None] = time.sleep,
        batch_size: int = 100,
        retries: int = 5,
        timeout: float = 120.0,
    ):
        import osmapi

        self.records = records
        self.api_url = api_url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.api = osmapi.OsmApi(api=self.api_url, session=session, created_by=CREATED_BY)
        self.errors = osmapi.errors
        self.sleep = sleep
        self.batch_size = batch_size
        self.retries = retries

    # -- walk database records ---------------------------------------------------------------------------
    def _record(self, cs_id: int, nodes: dict[str, tuple[NodeDraft, int, int]], state: str) -> None:
        found = [OsmNode(uuid, node_id, version, d.latitude, d.longitude)
                 for uuid, (d, node_id, version) in nodes.items()]
        self.records.record_nodes(cs_id, self.api_url, found, state)

    # -- recovery ----------------------------------------------------------------------------------------
    def _recover(self, drafts: list[NodeDraft], report: UploadReport) -> list[NodeDraft]:
        for cs_id in self.records.interrupted_changesets(self.api_url):
            try:
                changes = self.api.changeset_download(cs_id)
            except self.errors.OsmApiError as exc:
                raise OsmUploadError(f"cannot check interrupted changeset {cs_id}: {exc}") from exc
            created = [c["data"] for c in changes if c["action"] == "create" and c["type"] == "node"]
            found: dict[str, tuple[NodeDraft, int, int]] = {}
            for draft in drafts:
                match = next((n for n in created if _same(draft, n)), None)
                if match is not None:
                    created.remove(match)
                    found[draft.camera_uuid] = (draft, int(match["id"]), int(match.get("version") or 1))
            self._record(cs_id, found, "uploaded")
            report.recovered |= {u: v[1] for u, v in found.items()}
            log.warning("changeset %s was interrupted: %d node(s) found already created", cs_id, len(found))
        return [d for d in drafts if d.camera_uuid not in report.recovered]

    # -- upload ------------------------------------------------------------------------------------------
    def _post_diff(self, cs_id: int, osmchange: str) -> requests.Response:
        """POST the diff ourselves: osmapi re-sends a POST after a dropped connection, which could duplicate nodes."""
        body = osmchange.encode("utf-8")
        self.records.set_changeset_state(cs_id, "uploading")
        try:
            return self.session.post(
                f"{self.api_url}/api/0.6/changeset/{cs_id}/upload",
                data=body,
                headers={"Content-Type": "text/xml; charset=utf-8", "User-Agent": CREATED_BY},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:  # outcome unknown: the next run checks the changeset first
            raise OsmUploadError(f"connection lost during the upload ({exc}); run again to continue") from exc

    def _upload_chunk(self, cs_id: int, chunk: Sequence[NodeDraft], report: UploadReport) -> None:
        delay = 2.0
        for attempt in range(self.retries + 1):
            response = self._post_diff(cs_id, osmchange_xml(chunk, cs_id))
            if response.status_code == 200:
                nodes = self._diff_result(response.content, chunk)
                self._record(cs_id, nodes, "open")
                report.created |= {u: v[1] for u, v in nodes.items()}
                return
            self.records.set_changeset_state(cs_id, "open")  # an HTTP refusal: nothing was applied
            if response.status_code == 413 and len(chunk) > 1:
                half = len(chunk) // 2
                log.info("diff of %d node(s) too large (413): splitting", len(chunk))
                self._upload_chunk(cs_id, chunk[:half], report)
                self._upload_chunk(cs_id, chunk[half:], report)
                return
            if response.status_code == 429 and attempt < self.retries:
                retry_after = response.headers.get("Retry-After", "")
                wait = float(retry_after) if retry_after.isdigit() else delay
                log.info("rate limited by the OSM API (429): waiting %.0f s", wait)
                self.sleep(min(wait, 3600.0))
                delay = min(delay * 2, 300.0)
                continue
            raise OsmUploadError(f"OSM API refused the upload: HTTP {response.status_code} {response.text[:200]}")
        raise OsmUploadError("OSM API kept rate-limiting (429); try again later")

    @staticmethod
    def _diff_result(content: bytes, chunk: Sequence[NodeDraft]) -> dict[str, tuple[NodeDraft, int, int]]:
        try:
            root = ET.fromstring(content)
        except ET.ParseError as exc:
            raise OsmUploadError(f"unreadable diffResult from the OSM API: {exc}") from exc
        ids = {int(el.get("old_id", 0)): el for el in root.iter("node")}
        out = {}
        for d in chunk:
            el = ids.get(d.ref)
            new_id = el.get("new_id") if el is not None else None
            if el is None or not new_id:
                raise OsmUploadError(f"diffResult has no new id for placeholder {d.ref}")
            out[d.camera_uuid] = (d, int(new_id), int(el.get("new_version") or 1))
        return out

    # -- seen again --------------------------------------------------------------------------------------
    def _to_check(self, checks: Sequence[NodeCheck], report: UploadReport) -> list[tuple[NodeCheck, dict]]:
        """The nodes whose ``check_date`` is older than the reviewer's, read now (their version and tags) so the
        modify carries every tag as it is; a node already checked that day (an earlier run) is left alone."""
        out = []
        for check in checks:
            try:
                node = self.api.node_get(check.node_id)
            except (self.errors.ElementDeletedApiError, self.errors.ElementNotFoundApiError):
                report.gone.append(check.camera_uuid)
                log.warning("node %s (seen again as camera %s) is no longer in OSM: not recreated", check.node_id,
                            check.camera_uuid)  # fmt: skip
                continue
            except self.errors.OsmApiError as exc:
                raise OsmUploadError(f"cannot read node {check.node_id}: {exc}") from exc
            tags = dict(node.get("tag") or {})
            if tags.get("check_date", "") >= check.check_date:
                continue
            out.append((check, {**node, "tag": {**tags, "check_date": check.check_date}}))
        return out

    def _modify(self, cs_id: int, touched: list[tuple[NodeCheck, dict]], report: UploadReport) -> None:
        response = self._post_diff(cs_id, osmchange_modify_xml([n for _, n in touched], cs_id))
        if response.status_code == 409:
            self.records.set_changeset_state(cs_id, "open")
            raise OsmUploadError(f"a node seen again was edited in OSM meanwhile ({response.text[:200]}); run again")
        if response.status_code != 200:
            self.records.set_changeset_state(cs_id, "open")
            raise OsmUploadError(f"OSM API refused the check_date update: HTTP {response.status_code} "
                                 f"{response.text[:200]}")  # fmt: skip
        try:
            versions = {int(el.get("old_id", 0)): int(el.get("new_version") or 0)
                        for el in ET.fromstring(response.content).iter("node")}  # fmt: skip
        except ET.ParseError as exc:
            raise OsmUploadError(f"unreadable diffResult from the OSM API: {exc}") from exc
        self.records.record_nodes(cs_id, self.api_url, [
            OsmNode(c.camera_uuid, c.node_id, versions.get(c.node_id, int(n["version"]) + 1), float(n["lat"]),
                    float(n["lon"])) for c, n in touched], "open")  # fmt: skip
        report.checked |= {c.camera_uuid: c.node_id for c, _ in touched}

    def upload(
        self, drafts: Sequence[NodeDraft], cs_tags: dict[str, str], checks: Sequence[NodeCheck] = ()
    ) -> UploadReport:
        """Create one node per draft not yet uploaded to this API, and set ``check_date`` on the existing nodes of
        ``checks`` (cameras seen again), in one changeset."""
        report = UploadReport()
        done = self.records.uploaded_to(self.api_url)
        report.already = [d.camera_uuid for d in drafts if d.camera_uuid in done]
        todo = [d for d in drafts if d.camera_uuid not in done]
        if todo:
            todo = self._recover(todo, report)
        touched = self._to_check(checks, report)
        if not todo and not touched:
            log.info("nothing new to upload to %s", self.api_url)
            return report
        try:
            cs_id = self.api.changeset_create(dict(cs_tags))
        except self.errors.OsmApiError as exc:
            raise OsmUploadError(f"cannot open a changeset: {exc}") from exc
        report.changeset_id = cs_id
        self.records.open_changeset(cs_id, self.api_url, cs_tags.get("comment", ""))
        for start in range(0, len(todo), self.batch_size):
            self._upload_chunk(cs_id, todo[start : start + self.batch_size], report)
        if touched:
            self._modify(cs_id, touched, report)
        try:
            self.api.changeset_close()
        except self.errors.OsmApiError as exc:  # the nodes are recorded; OSM closes idle changesets itself
            log.warning("could not close changeset %s: %s", cs_id, exc)
        self.records.set_changeset_state(cs_id, "closed")
        log.info("OSM upload: %s", report.summary())
        return report
