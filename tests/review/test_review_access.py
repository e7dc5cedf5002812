"""The PIN lockout is per client, and the hotspot is served over HTTPS: through real servers on loopback.

Clients are told apart by address: each phone on the hotspot has its own. Here they connect from different
loopback addresses (127.0.0.2, 127.0.0.3, ...) to a server on 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
import re
import ssl
import subprocess
import sys
import time

import httpx
import pytest
from helpers.daemons import free_port
from helpers.webserver import serving

from sousveillance.device.review.app import build_app
from sousveillance.device.review.security import FLOOD_FAILURES, MAX_FAILURES, Guard
from sousveillance.device.review.settings import ReviewSettings

PIN = "4821"


def phone(base: str, address: str, **kw) -> httpx.Client:
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=address, **kw), **kw)


def login(client: httpx.Client, pin: str) -> httpx.Response:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    return client.post("/login", data={"pin": pin, "csrf_token": token})


@pytest.fixture
def pin_server(walk_db):
    app = build_app(walk_db.path, ReviewSettings(), guard=Guard(pin=PIN))
    with serving(app) as server:
        yield server


def test_wrong_pins_lock_out_only_the_phone_that_typed_them(pin_server, caplog):
    caplog.set_level(logging.WARNING, logger="sousveillance.device.review.security")
    with phone(pin_server, "127.0.0.2") as mallory, phone(pin_server, "127.0.0.3") as walker:
        for guess in range(MAX_FAILURES):
            r = login(mallory, f"{guess:04d}")
            assert r.status_code == 401 and "wrong PIN" in r.text
        r = login(mallory, PIN)  # even the right PIN waits now, from that phone
        assert r.status_code == 401 and "too many wrong PINs: wait" in r.text
        r = login(walker, PIN)
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert walker.get("/api/walks").status_code == 200
        assert mallory.get("/api/walks").status_code == 401
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [f"review web view: {MAX_FAILURES} wrong PINs from 127.0.0.2, that client waits 60 s"]


def test_only_a_flood_of_wrong_pins_from_many_phones_makes_every_login_wait(pin_server, caplog):
    caplog.set_level(logging.WARNING, logger="sousveillance.device.review.security")
    attackers = FLOOD_FAILURES // (MAX_FAILURES - 1) + 1
    wrong = 0
    for n in range(attackers):
        with phone(pin_server, f"127.0.1.{n + 1}") as attacker:
            for _ in range(MAX_FAILURES - 1):  # never locked out one by one
                if wrong < FLOOD_FAILURES:
                    assert login(attacker, "0000").status_code == 401
                    wrong += 1
    with phone(pin_server, "127.0.0.3") as walker:
        r = login(walker, PIN)
        assert r.status_code == 401 and "too many wrong PINs from many devices" in r.text
    assert any("from several clients: every login waits" in r.getMessage() for r in caplog.records)


def _fingerprint(cert) -> str:
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(cert)],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1]


@pytest.mark.skipif(not os.path.exists("/usr/bin/openssl"), reason="needs the openssl command")
def test_tls_serves_https_with_the_printed_certificate_and_a_secure_cookie(walk_db, tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOUSVEILLANCE_CONFIG": os.devnull}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sousveillance", "review", str(walk_db.path), "--host", "127.0.0.1", "--port", str(port),
         "--tls", "on"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**env, "XDG_STATE_HOME": str(tmp_path)},
    )
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[0] == f"Review web view: https://127.0.0.1:{port}/\n", lines
        printed = re.fullmatch(r"Certificate SHA-256: ([0-9A-F:]{95})\n", lines[1]).group(1)
        cert = walk_db.path.parent / "review-tls" / "cert.pem"
        assert printed == _fingerprint(cert)
        assert oct((walk_db.path.parent / "review-tls" / "key.pem").stat().st_mode & 0o777) == "0o600"
        context = ssl.create_default_context(cafile=str(cert))
        base = f"https://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/static/style.css", verify=context, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        r = httpx.get(base + "/", verify=context)
        assert r.status_code == 200
        cookie = r.headers["set-cookie"]
        assert "sv_session=" in cookie and "secure" in cookie.lower() and "httponly" in cookie.lower()
        with pytest.raises(httpx.TransportError):  # no plain HTTP on that port
            httpx.get(f"http://127.0.0.1:{port}/", timeout=3)
        with pytest.raises(httpx.ConnectError):  # and not an authority anyone else vouches for
            httpx.get(base + "/", timeout=3)
    finally:
        proc.terminate()
        proc.wait(10)
    assert not (tmp_path / "sousveillance").exists()  # kept next to the database, not in the user's state folder
    # the next start keeps the same certificate (the phone accepted it once)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sousveillance", "review", str(walk_db.path), "--port", str(port), "--tls", "on"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        assert lines[1] == f"Certificate SHA-256: {printed}\n"
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_printed_addresses_are_this_machines_own():
    from sousveillance.device.review.addresses import interface_addresses, review_urls

    found = interface_addresses()
    ip = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=False)
    if ip.returncode == 0:
        listed = {line.split()[3].split("/")[0] for line in ip.stdout.splitlines()}
        assert {a.address for a in found} <= listed  # one per interface (its first address)
        assert bool(found) == any(not a.startswith("127.") for a in listed)
    urls = review_urls("0.0.0.0", 8443, "https")
    assert urls == [f"https://{a.address}:8443/  ({a.interface})" for a in found]
    assert all("<" not in u and "0.0.0.0" not in u for u in urls)
    assert review_urls("10.42.0.1", 8080, "https") == ["https://10.42.0.1:8080/"]
