"""Outbound HTTP to URLs that users type (pro webhooks): public addresses only.

The rule (DESIGN.md Rule 11, issue #12 item 1): a URL a user gave us is reached only on a
public address — never loopback, private, link-local, shared (CG-NAT), multicast, reserved or
unspecified, IPv4 or IPv6, IPv4-mapped IPv6 included — over https, without following
redirects, within a bounded time and response size. Hosts named in the
``WEBHOOK_ALLOWED_HOSTS`` setting (empty by default) are exempt from the address and scheme
checks, for local integration testing only.

The check runs twice: ``outbound_url_check`` when the URL is saved (the caller turns the
error into a 400 naming its field), and again inside ``outbound_post`` at send time, where
``requests-hardened`` resolves the host once, refuses a non-public answer and connects to
*that* address (TLS still verified against the host name), so a DNS answer that changes
between the check and the connection (DNS rebinding) reaches nothing. Our stricter address
policy (``address_is_public``) runs on the address the library pinned.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

from marketplace.network import IPAddress, address_is_public

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 5.0
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "leadmarket-webhooks/1"


class OutboundRefused(Exception):
    """The URL may not be reached: bad scheme, no host, or a host that is not public.
    Permanent for this URL: retrying cannot help."""


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes  # at most MAX_RESPONSE_BYTES; the rest is never read


def host_is_allow_listed(host: str, port: int | None) -> bool:
    """``WEBHOOK_ALLOWED_HOSTS`` entries are ``host`` (any port) or ``host:port``."""
    host = host.lower().strip("[]")
    for entry in getattr(settings, "WEBHOOK_ALLOWED_HOSTS", ()):
        entry = entry.strip().lower()
        if not entry:
            continue
        entry_host, sep, entry_port = entry.rpartition(":") if entry.count(":") == 1 else ("", "", "")
        if sep and entry_port.isdigit():
            if entry_host.strip("[]") == host and port == int(entry_port):
                return True
        elif entry.strip("[]") == host:
            return True
    return False


def _split(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused("Not a valid URL.") from exc
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise OutboundRefused("Must be an https URL with a host name.")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused("Credentials in the URL are not allowed.")
    return parts.scheme.lower(), host, port


def outbound_url_check(url: str) -> None:
    """Raise ``OutboundRefused`` unless ``url`` is https on a host whose every address is public
    (or its host is allow-listed). Resolves the host name now; a name that does not resolve is
    refused too (fail closed: it is checked again at send time anyway)."""
    scheme, host, port = _split(url)
    if host_is_allow_listed(host, port):
        return
    if scheme != "https":
        raise OutboundRefused("Must be an https URL.")
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise OutboundRefused("The host name does not resolve.") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses or not all(address_is_public(address) for address in addresses):
        raise OutboundRefused("The host must resolve to public internet addresses only.")


class _PublicAddressAdapter(IPFilterAdapter):
    """requests-hardened's adapter (resolve once, refuse private answers, connect to the
    checked address) plus our stricter ``address_is_public`` on the pinned address."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        pinned = ipaddress.ip_address(host_params["host"].strip("[]"))
        if not address_is_public(pinned):
            raise InvalidIPAddress(pinned)
        return host_params, pool_kwargs


def _session(*, filtered: bool) -> requests.Session:
    config = Config(
        ip_filter_enable=False,  # our adapter below is the filter, mounted explicitly
        ip_filter_allow_loopback_ips=False,
        never_redirect=True,
        default_timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
        user_agent_override=USER_AGENT,
    )
    session = HTTPSession(config)
    session.trust_env = False  # no proxy or .netrc from the environment
    if filtered:
        session.mount("https://", _PublicAddressAdapter(is_https_proto=True))
    return session


def outbound_post(url: str, *, body: bytes, headers: dict[str, str]) -> OutboundResponse:
    """POST ``body`` to ``url`` under the rules above. Raises ``OutboundRefused`` for a URL that
    may not be reached (permanent) and ``requests.RequestException`` for network failures
    (transient). A redirect is returned as its 3xx status, never followed."""
    scheme, host, port = _split(url)
    allow_listed = host_is_allow_listed(host, port)
    if not allow_listed and scheme != "https":
        raise OutboundRefused("Must be an https URL.")
    try:
        with _session(filtered=not allow_listed) as session:
            response = session.post(
                url,
                data=body,
                headers={**headers, "Accept-Encoding": "identity"},
                stream=True,
                allow_redirects=False,
            )
            with response:  # read at most MAX_RESPONSE_BYTES, undecoded (no decompression bomb)
                return OutboundResponse(
                    status=response.status_code, body=response.raw.read(MAX_RESPONSE_BYTES, decode_content=False)
                )
    except InvalidIPAddress as exc:
        raise OutboundRefused("The host resolves to an address that is not public.") from exc
