"""HTTPS for the review page on the hotspot: a self-signed certificate per device, made once with ``openssl``.

A phone on the Pi's hotspot is on a radio link anyone nearby can listen to; over plain HTTP the PIN and the
session cookie would cross it in clear. The certificate is self-signed (there is no authority to vouch for a
Pi in the street), so the phone warns once: the walker compares the SHA-256 fingerprint the phone shows with the
one ``sousveillance review`` prints, then accepts it. The key never leaves the device (mode 600).

``openssl`` (Debian and Raspberry Pi OS install it with ca-certificates) makes the certificate: the project has no
Python cryptography dependency, and this is the only place that needs one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import shutil
import ssl
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DIR_NAME = "review-tls"
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
DAYS = 3650


class TlsError(Exception):
    """The certificate cannot be made or read (one-line message)."""


@dataclass(frozen=True, slots=True)
class Certificate:
    cert: Path
    key: Path
    sha256: str  # "AB:CD:...", as browsers show it

    @classmethod
    def read(cls, cert: Path, key: Path) -> Certificate:
        try:
            der = ssl.PEM_cert_to_DER_cert(cert.read_text(encoding="ascii"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise TlsError(f"unreadable certificate {cert}: {exc}") from None
        if not key.is_file():
            raise TlsError(f"the certificate's key {key} is missing")
        digest = hashlib.sha256(der).hexdigest().upper()
        return cls(cert, key, ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)))


def default_folder(db_path: Path) -> Path:
    """``review-tls/`` next to the walk database, or the user's state folder when that is read-only media."""
    folder = db_path.expanduser().resolve().parent / DIR_NAME
    if (folder / CERT_FILE).is_file() or os.access(folder.parent, os.W_OK):
        return folder
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "sousveillance" / DIR_NAME


def device_certificate(folder: Path, addresses: Sequence[str] = ()) -> Certificate:
    """The certificate in ``folder``, made on first use (valid for localhost, 127.0.0.1 and ``addresses``)."""
    cert, key = folder / CERT_FILE, folder / KEY_FILE
    if not cert.is_file():
        _generate(folder, cert, key, addresses)
    return Certificate.read(cert, key)


def _generate(folder: Path, cert: Path, key: Path, addresses: Sequence[str]) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TlsError("HTTPS on the hotspot needs the openssl command (sudo apt install openssl); "
                       "or set review.tls = \"off\" to serve plain HTTP (the PIN then crosses the air in clear)")
    names = ["DNS:localhost", "IP:127.0.0.1"]
    for address in addresses:
        try:
            names.append(f"IP:{ipaddress.ip_address(address)}")
        except ValueError:
            continue
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise TlsError(f"cannot create {folder} for the certificate: {exc}") from None
    tmp_cert, tmp_key = cert.with_suffix(".tmp"), key.with_suffix(".tmp")
    args = [
        openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(tmp_key), "-out", str(tmp_cert), "-days", str(DAYS), "-subj", "/CN=sousveillance review",
        "-addext", "subjectAltName=" + ",".join(dict.fromkeys(names)),
    ]  # fmt: skip
    old_umask = os.umask(0o077)  # the key is readable by this user only, from its first byte
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    finally:
        os.umask(old_umask)
    if done.returncode != 0:
        tmp_key.unlink(missing_ok=True)
        tmp_cert.unlink(missing_ok=True)
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise TlsError(f"openssl could not make the certificate: {last}")
    os.replace(tmp_key, key)
    os.replace(tmp_cert, cert)
    log.info("made the review page's certificate %s", cert)
