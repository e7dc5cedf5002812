"""The addresses a phone can open the review page at: this device's own IPv4 addresses, per network interface.

Bound to 0.0.0.0 the server answers on every interface; the walker needs the real address (the hotspot's,
usually 10.42.0.1 with NetworkManager), not a placeholder. Linux only (``SIOCGIFADDR``), standard library only.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import struct
from dataclasses import dataclass

log = logging.getLogger(__name__)

SIOCGIFADDR = 0x8915
ANY_HOSTS = ("0.0.0.0", "::", "")


@dataclass(frozen=True, slots=True)
class Address:
    interface: str
    address: str


def interface_addresses() -> list[Address]:
    """This machine's non-loopback IPv4 addresses, one per interface that has one, in interface order."""
    try:
        import fcntl  # POSIX only

        names = [name for _, name in socket.if_nameindex()]
    except (ImportError, OSError) as exc:
        log.info("cannot list network interfaces: %s", exc)
        return []
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for name in names:
            try:
                answer = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
            except OSError:  # no IPv4 address on this interface
                continue
            address = socket.inet_ntoa(answer[20:24])
            if not ipaddress.ip_address(address).is_loopback:
                found.append(Address(name, address))
    return found


def review_urls(host: str, port: int, scheme: str) -> list[str]:
    """The URLs to print: the bound address itself, or every real address when bound to all of them."""
    if host not in ANY_HOSTS:
        shown = f"[{host}]" if ":" in host else host
        return [f"{scheme}://{shown}:{port}/"]
    return [f"{scheme}://{a.address}:{port}/  ({a.interface})" for a in interface_addresses()]
