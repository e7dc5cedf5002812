"""Real servers for tests: an ASGI app under uvicorn in a thread, on a random loopback port."""

from __future__ import annotations

import threading
import time
from typing import Any

from .daemons import free_port


class AppServer:
    """``with AppServer(app) as s: httpx.get(s.url + "/")`` (HTTPS when given ``ssl_certfile``/``ssl_keyfile``)."""

    def __init__(self, app: Any, **ssl: str) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"{'https' if ssl else 'http'}://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", **ssl)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "AppServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"server on port {self.port} did not come up")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
