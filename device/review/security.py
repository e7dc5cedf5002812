"""Access control of the review web view: PIN login, signed session cookie, CSRF tokens, read-only mode.

- Bound to loopback, no PIN is asked, but every write still needs the page's CSRF token (another web site open in
  the same browser cannot post to 127.0.0.1) and the Host header must name the loopback (no DNS rebinding).
- Bound to any other address (the Pi's hotspot), a PIN shown on the device's console is required first. Wrong PINs
  lock out the client that typed them (by address), never the walker's own phone; only a flood of wrong PINs from
  many addresses makes every login wait.
- Sessions are HMAC-signed cookies with a per-process secret: restarting the app logs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

log = logging.getLogger(__name__)

COOKIE = "sv_session"
CSRF_HEADER = "x-csrf-token"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_PATHS = ("/login", "/static/")  # reachable before the PIN
MAX_FAILURES = 5  # wrong PINs in a row from one client (phone, by its address) before that client waits
LOCKOUT_S = 60.0
FLOOD_FAILURES = 50  # wrong PINs from all clients together within FLOOD_WINDOW_S: a flood, every login waits
FLOOD_WINDOW_S = 300.0
MAX_CLIENTS = 1024  # clients remembered at once (the oldest are forgotten first)


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class Session:
    sid: str
    authed: bool
    csrf: str
    new: bool = False


@dataclass(slots=True)
class Guard:
    """Everything the middleware and the login page need to decide who may do what."""

    pin: str | None  # None: no PIN asked (loopback)
    read_only: bool = False
    allowed_hosts: tuple[str, ...] | None = None  # None: any Host header
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    failures: dict[str, int] = field(default_factory=dict)  # wrong PINs in a row, per client
    locked_until: dict[str, float] = field(default_factory=dict)  # per client
    recent_failures: deque[float] = field(default_factory=deque)  # times of wrong PINs, all clients
    flood_until: float = 0.0
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def for_host(cls, host: str, *, pin: str | None = None, read_only: bool = False) -> Guard:
        if is_loopback(host):
            return cls(pin=None, read_only=read_only, allowed_hosts=("127.0.0.1", "localhost", "[::1]", "::1"))
        return cls(pin=pin or f"{secrets.randbelow(10**6):06d}", read_only=read_only)

    # -- cookie ----------------------------------------------------------------------------------------------
    def _sign(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()[:40]

    def csrf_for(self, sid: str) -> str:
        return self._sign(f"csrf|{sid}")

    def cookie_value(self, session: Session) -> str:
        body = f"{session.sid}.{int(session.authed)}"
        return f"{body}.{self._sign(body)}"

    def session_from(self, request: Request) -> Session:
        raw = request.cookies.get(COOKIE, "")
        parts = raw.split(".")
        if len(parts) == 3 and hmac.compare_digest(self._sign(f"{parts[0]}.{parts[1]}"), parts[2]):
            authed = parts[1] == "1" or self.pin is None
            return Session(parts[0], authed, self.csrf_for(parts[0]))
        sid = secrets.token_urlsafe(18)
        return Session(sid, self.pin is None, self.csrf_for(sid), new=True)

    # -- PIN -------------------------------------------------------------------------------------------------
    def check_pin(self, attempt: str, client: str = "") -> str | None:
        """None when the PIN is right, else the one-line reason; ``client`` is the address it came from."""
        now = self.clock()
        if now < self.flood_until:
            return f"too many wrong PINs from many devices: every login waits {int(self.flood_until - now) + 1} s"
        if now < self.locked_until.get(client, 0.0):
            return f"too many wrong PINs: wait {int(self.locked_until[client] - now) + 1} s"
        if self.pin is not None and hmac.compare_digest(attempt.strip().encode(), self.pin.encode()):
            self.failures.pop(client, None)
            self.locked_until.pop(client, None)
            return None
        self._count_failure(client, now)
        return "wrong PIN"

    def _count_failure(self, client: str, now: float) -> None:
        self.failures[client] = self.failures.pop(client, 0) + 1  # re-inserted: the dict stays oldest first
        if self.failures[client] >= MAX_FAILURES:
            del self.failures[client]
            self.locked_until[client] = now + LOCKOUT_S
            log.warning("review web view: %d wrong PINs from %s, that client waits %d s", MAX_FAILURES,
                        client or "an unknown address", LOCKOUT_S)
        for table in (self.failures, self.locked_until):
            while len(table) > MAX_CLIENTS:
                del table[next(iter(table))]
        self.recent_failures.append(now)
        while self.recent_failures and self.recent_failures[0] < now - FLOOD_WINDOW_S:
            self.recent_failures.popleft()
        if len(self.recent_failures) >= FLOOD_FAILURES:
            self.recent_failures.clear()
            self.flood_until = now + LOCKOUT_S
            log.warning("review web view: %d wrong PINs within %d s from several clients: every login waits %d s",
                        FLOOD_FAILURES, FLOOD_WINDOW_S, LOCKOUT_S)

    def check_csrf(self, session: Session, token: str | None) -> bool:
        return token is not None and token != "" and hmac.compare_digest(token.encode(), session.csrf.encode())


def _host_name(header: str) -> str:
    if header.startswith("["):
        return header.split("]")[0] + "]"
    return header.rsplit(":", 1)[0]


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/crops/", "/tiles/", "/export/")) or "json" in request.headers.get("accept", "")


def _deny(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return Response(message + "\n", status_code=status, media_type="text/plain")


class GuardMiddleware(BaseHTTPMiddleware):
    """Attaches ``request.state.session`` and enforces host, PIN, CSRF and read-only rules on every request."""

    def __init__(self, app, guard: Guard):
        super().__init__(app)
        self.guard = guard

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        guard = self.guard
        host = _host_name(request.headers.get("host") or "")
        if guard.allowed_hosts is not None and host not in guard.allowed_hosts:
            return _deny(request, 400, f"unexpected Host header {host!r}: open the page as http://127.0.0.1")
        session = guard.session_from(request)
        request.state.session = session
        request.state.guard = guard
        path = request.url.path
        response: Response
        if not session.authed and not path.startswith(OPEN_PATHS):
            if request.method in WRITE_METHODS or _wants_json(request):
                response = _deny(request, 401, "PIN required: log in first")
            else:
                response = RedirectResponse("/login", status_code=303)
        elif request.method in WRITE_METHODS and path != "/login":
            origin = request.headers.get("origin")
            if origin and origin.split("://", 1)[-1] != request.headers.get("host"):
                response = _deny(request, 403, "cross-origin write refused")
            elif not guard.check_csrf(session, request.headers.get(CSRF_HEADER)):
                response = _deny(request, 403, "missing or wrong CSRF token: reload the page")
            elif guard.read_only:
                response = _deny(request, 403, "read-only mode: changes are refused")
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        session = request.state.session  # the login page may have replaced it
        if session.new or getattr(request.state, "session_changed", False):
            response.set_cookie(COOKIE, guard.cookie_value(session), httponly=True, samesite="strict", path="/",
                                secure=request.url.scheme == "https")  # over HTTPS, never sent in clear
        return response

