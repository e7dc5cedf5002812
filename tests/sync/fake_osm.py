"""A small OSM API 0.6 on loopback (a real HTTP server): changesets, diff uploads (create and modify), node reads,
changeset downloads, and failure knobs."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl
from xml.etree import ElementTree as ET


class FakeOsm:
    def __init__(self) -> None:
        self.nodes: dict[int, dict] = {}  # id -> {lat, lon, tags, changeset, version, created_in}
        self.changesets: dict[int, dict] = {}  # id -> {tags, open}
        self.tokens_seen: list[str] = []
        self.rate_limit_next = 0  # answer 429 to this many uploads
        self.max_nodes_per_upload = 10_000  # more -> 413
        self.drop_next_upload_response = False  # apply the diff, then cut the connection without answering
        self.uploads = 0
        self.token_requests: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(
                self, status: int, body: str = "", ctype: str = "text/plain", headers: dict | None = None
            ) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_PUT(self) -> None:
                body = self._body()
                fake.tokens_seen.append(self.headers.get("Authorization", ""))
                if not self.headers.get("Authorization", "").startswith("Bearer "):
                    return self._send(401, "Unauthorized")
                parts = self.path.strip("/").split("/")
                if parts[-2:] == ["changeset", "create"]:
                    tags = {t.get("k"): t.get("v") for t in ET.fromstring(body).iter("tag")}
                    with fake.lock:
                        cs_id = 1000 + len(fake.changesets)
                        fake.changesets[cs_id] = {"tags": tags, "open": True}
                    return self._send(200, str(cs_id))
                if parts[-1] == "close":
                    fake.changesets[int(parts[-2])]["open"] = False
                    return self._send(200)
                return self._send(404, "no such call")

            def do_POST(self) -> None:
                body = self._body()
                if self.path == "/oauth2/token":
                    form = dict(parse_qsl(body.decode()))
                    fake.token_requests.append(form)
                    if form.get("code") != "good-code" or form.get("grant_type") != "authorization_code":
                        return self._send(400, '{"error": "invalid_grant"}', "application/json")
                    return self._send(200, '{"access_token": "tok-123", "token_type": "Bearer"}', "application/json")
                parts = self.path.strip("/").split("/")
                if parts[-1] != "upload":
                    return self._send(404)
                cs_id = int(parts[-2])
                root = ET.fromstring(body)
                created = [el for part in root.iter("create") for el in part.iter("node")]
                modified = [el for part in root.iter("modify") for el in part.iter("node")]
                fake.uploads += 1
                if fake.rate_limit_next:
                    fake.rate_limit_next -= 1
                    return self._send(429, "Too many requests", headers={"Retry-After": "7"})
                if len(created) > fake.max_nodes_per_upload:
                    return self._send(413, "Payload too large")
                if not fake.changesets.get(cs_id, {}).get("open"):
                    return self._send(409, f"The changeset {cs_id} was closed at 2026-01-01")
                result = ET.Element("diffResult", version="0.6")
                with fake.lock:
                    for el in modified:  # all or nothing, as the API: a stale version refuses the whole diff
                        node = fake.nodes.get(int(el.get("id")))
                        if node is None or int(el.get("version")) != node["version"]:
                            return self._send(409, f"Version mismatch: Provided {el.get('version')}, server had: "
                                                   f"{node and node['version']} of Node {el.get('id')}")  # fmt: skip
                    for el in modified:
                        node = fake.nodes[int(el.get("id"))]
                        node.update(lat=float(el.get("lat")), lon=float(el.get("lon")), changeset=cs_id,
                                    version=node["version"] + 1, tags={t.get("k"): t.get("v") for t in el.iter("tag")})
                        ET.SubElement(result, "node", old_id=el.get("id"), new_id=el.get("id"),
                                      new_version=str(node["version"]))  # fmt: skip
                    for el in created:
                        node_id = 5000 + len(fake.nodes)
                        fake.nodes[node_id] = {
                            "lat": float(el.get("lat")), "lon": float(el.get("lon")), "changeset": cs_id,
                            "tags": {t.get("k"): t.get("v") for t in el.iter("tag")}, "version": 1,
                            "created_in": cs_id,
                        }  # fmt: skip
                        ET.SubElement(result, "node", old_id=el.get("id"), new_id=str(node_id), new_version="1")
                if fake.drop_next_upload_response:
                    fake.drop_next_upload_response = False
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                return self._send(200, ET.tostring(result, encoding="unicode"), "application/xml")

            def do_GET(self) -> None:
                parts = self.path.strip("/").split("/")
                if parts[-1] == "download":
                    cs_id = int(parts[-2])
                    root = ET.Element("osmChange", version="0.6")
                    create = ET.SubElement(root, "create")
                    for node_id, n in fake.nodes.items():
                        if n.get("created_in") == cs_id:
                            el = ET.SubElement(create, "node", id=str(node_id), version="1", changeset=str(cs_id),
                                               lat=str(n["lat"]), lon=str(n["lon"]), visible="true",
                                               timestamp="2026-11-23T10:00:00Z", user="walker", uid="1")  # fmt: skip
                            for k, v in n["tags"].items():
                                ET.SubElement(el, "tag", k=k, v=v)
                    return self._send(200, ET.tostring(root, encoding="unicode"), "application/xml")
                if len(parts) >= 2 and parts[-2] == "node" and parts[-1].isdigit():
                    node = fake.nodes.get(int(parts[-1]))
                    if node is None:
                        return self._send(404, "Not found")
                    if node.get("deleted"):
                        return self._send(410, "Gone")
                    root = ET.Element("osm", version="0.6")
                    el = ET.SubElement(root, "node", id=parts[-1], version=str(node["version"]),
                                       changeset=str(node["changeset"]), lat=str(node["lat"]), lon=str(node["lon"]),
                                       visible="true", timestamp="2026-01-01T10:00:00Z", user="mapper", uid="2")
                    for k, v in node["tags"].items():
                        ET.SubElement(el, "tag", k=k, v=v)
                    return self._send(200, ET.tostring(root, encoding="unicode"), "application/xml")
                return self._send(404)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeOsm:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
