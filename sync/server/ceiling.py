"""The benchmark's ceiling: the least a server can do per submission on this machine, under the same uvicorn.

``PUT /api/v1/cameras/{uuid}`` checks the bearer token against the enrolled hashes and inserts the body as it came
into SQLite (WAL, one commit per request), nothing else: no validation, no merge. ``sousveillance bench server``
runs it beside the real server in the same run and prints the ratio of the two.

Run by the benchmark as ``python -m sousveillance.sync.server.ceiling DB PORT TOKEN_HASH_FILE``.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)


def create_ceiling(db: Path, token_hashes: set[str]) -> Starlette:
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS submissions (uuid TEXT PRIMARY KEY, payload TEXT NOT NULL)")

    async def put(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        if hashlib.sha256(header[7:].encode()).hexdigest() not in token_hashes:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        body = await request.body()
        uuid = request.path_params["uuid"]
        conn.execute("INSERT OR IGNORE INTO submissions VALUES (?, ?)", (uuid, body.decode()))
        return JSONResponse({"uuid": uuid, "status": "created"}, status_code=201)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/api/v1/cameras/{uuid}", put, methods=["PUT"]), Route("/api/v1/health", health)])


def main() -> None:
    import uvicorn

    db, port, hashes = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    app = create_ceiling(db, set(hashes.read_text().split()))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
