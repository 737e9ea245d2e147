"""Addresses: the client network as the unit of abuse control (throttles, click dedupe), which
addresses are public (outbound webhooks, website redirects), and which URLs may be shown."""

import ipaddress
import socket
from urllib.parse import urlsplit

from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_network(ip: str | None) -> str:
    """The unit one machine controls: an IPv4 address, or an IPv6 /64 (a host picks any address
    in its /64 at will, so per-address counting would not hold it). IPv4-mapped IPv6 is IPv4.
    A request without an address (a WSGI server that sets no REMOTE_ADDR) is one shared unit."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def address_is_public(ip: IPAddress) -> bool:
    """True only for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in EXTRA_BLOCKED_NET_RANGES if net.version == ip.version):
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and (ip.is_site_local or ip.sixtofour or ip.teredo))
    )


def _ip_literal(host: str) -> IPAddress | None:
    """The address a browser would take ``host`` for, legacy IPv4 spellings included
    (``2130706433``, ``0x7f.1``, ``127.1`` all mean 127.0.0.1 to a browser)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if host and all(ch in "0123456789abcdefx." for ch in host.lower()) and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def public_web_url(url: str) -> bool:
    """True for an absolute http(s) URL whose host is a name or a public IP literal: what a
    pro's website may be, and what the website click may redirect to (issue #12 item 7). No
    credentials, whitespace, control characters or backslashes (browsers read ``\\`` as ``/``)."""
    if not url or len(url) > 2000 or any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme.lower() not in ("http", "https") or not host or parts.username or parts.password:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".home.arpa")):
        return False
    literal = _ip_literal(host)
    return literal is None or address_is_public(literal)
