"""Who is posting: the client's address grouped into its network, and keyed hashes so no address is stored."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def network_of(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) a client address belongs to: one household or office counts as one client."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of a value for one purpose: linkable within this site, useless without the secret."""
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
