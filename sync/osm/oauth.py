"""OAuth 2.0 for the OSM API, out-of-band: suits a headless Pi (open the link on a phone, paste the code back).

Authorization code flow with PKCE and ``redirect_uri=urn:ietf:wg:oauth:2.0:oob``; register the application on the
OSM instance (for the dev sandbox: https://master.apis.dev.openstreetmap.org/oauth2/applications) with that redirect
URI and the ``write_api`` scope. The access token is kept in a file readable by its owner only, or given by env
``SOUSVEILLANCE_OSM_TOKEN`` / the systemd credential ``osm-token``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

OOB = "urn:ietf:wg:oauth:2.0:oob"


class OAuthError(Exception):
    """The authorization server refused the code or answered something unexpected."""


@dataclass(frozen=True)
class OAuthClient:
    base_url: str  # the OSM web site, e.g. https://master.apis.dev.openstreetmap.org
    client_id: str
    client_secret: str = ""
    scope: str = "write_api"


@dataclass(frozen=True)
class AuthRequest:
    url: str
    verifier: str
    state: str


def start(client: OAuthClient) -> AuthRequest:
    """The URL the user opens in any browser, plus the PKCE verifier to keep until the code comes back."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": OOB,
            "scope": client.scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return AuthRequest(f"{client.base_url.rstrip('/')}/oauth2/authorize?{query}", verifier, state)


def exchange(
    client: OAuthClient, request: AuthRequest, code: str, *, transport: httpx.BaseTransport | None = None
) -> str:
    """Trade the pasted authorization code for an access token."""
    form = {
        "grant_type": "authorization_code", "code": code.strip(), "redirect_uri": OOB,
        "client_id": client.client_id, "code_verifier": request.verifier,
    }  # fmt: skip
    if client.client_secret:
        form["client_secret"] = client.client_secret
    with httpx.Client(transport=transport, timeout=30) as http:
        try:
            response = http.post(f"{client.base_url.rstrip('/')}/oauth2/token", data=form)
        except httpx.HTTPError as exc:
            raise OAuthError(f"cannot reach {client.base_url}: {exc}") from exc
    if response.status_code != 200:
        raise OAuthError(f"token request refused (HTTP {response.status_code}): {response.text[:200]}")
    try:
        return str(response.json()["access_token"])
    except (ValueError, KeyError) as exc:
        raise OAuthError("token response has no access_token") from exc


def save_token(path: Path, token: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")


def load_token(env: dict[str, str], path: Path | None) -> str:
    token = env.get("SOUSVEILLANCE_OSM_TOKEN", "").strip()
    if token:
        return token
    cred = env.get("CREDENTIALS_DIRECTORY")
    for candidate in ([Path(cred) / "osm-token"] if cred else []) + ([path] if path else []):
        if candidate.is_file():
            return candidate.read_text().strip()
    return ""


def default_token_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sousveillance" / "osm-token"
