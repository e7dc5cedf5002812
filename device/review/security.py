"""Access control of the review web view: PIN login, signed session cookie, CSRF tokens, read-only mode.

- Bound to loopback, no PIN is asked, but every write still needs the page's CSRF token (another web site open in
  the same browser cannot post to 127.0.0.1) and the Host header must name the loopback (no DNS rebinding).
- Bound to any other address (the Pi's hotspot), a PIN shown on the device's console is required first.
- Sessions are HMAC-signed cookies with a per-process secret: restarting the app logs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from dataclasses import dataclass, field

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

log = logging.getLogger(__name__)

COOKIE = "sv_session"
CSRF_HEADER = "x-csrf-token"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_PATHS = ("/login", "/static/")  # reachable before the PIN
MAX_FAILURES = 5
LOCKOUT_S = 60.0


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
    failures: int = 0
    locked_until: float = 0.0

    @classmethod
    def for_host(cls, host: str, *, pin: str | None = None, read_only: bool = False) -> "Guard":
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
    def check_pin(self, attempt: str) -> str | None:
        """None when the PIN is right, else the one-line reason."""
        now = time.monotonic()
        if now < self.locked_until:
            return f"too many wrong PINs: wait {int(self.locked_until - now) + 1} s"
        if self.pin is not None and hmac.compare_digest(attempt.strip().encode(), self.pin.encode()):
            self.failures = 0
            return None
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            self.failures = 0
            self.locked_until = now + LOCKOUT_S
            log.warning("review web view: %d wrong PINs, locked for %d s", MAX_FAILURES, LOCKOUT_S)
        return "wrong PIN"

    def check_csrf(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), session.csrf.encode())


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
            response.set_cookie(COOKIE, guard.cookie_value(session), httponly=True, samesite="strict", path="/")
        return response

