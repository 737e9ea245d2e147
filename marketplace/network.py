"""Client addresses as the unit of abuse control (throttles, click dedupe)."""

import ipaddress


def client_network(ip: str) -> str:
    """The unit one machine controls: an IPv4 address, or an IPv6 /64 (a host picks any address
    in its /64 at will, so per-address counting would not hold it). IPv4-mapped IPv6 is IPv4."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
