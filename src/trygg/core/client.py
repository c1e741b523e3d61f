"""The client's network address, read in one place for every per-address limit.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address: counting limits on it puts
every visitor in one bucket (one person's wrong codes lock everyone out). The client's
address is taken from a header only when the operator names the header
(``TRYGG_TRUSTED_PROXY_HEADER``) *and* the request comes from one of the proxies in
``TRYGG_TRUSTED_PROXIES``; otherwise the header is ignored, because anyone can send it.

An IPv6 client usually holds a whole /64, so limits count per /64 (``client_address``);
``client_ip`` gives the address itself.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


#: In TRYGG_TRUSTED_PROXIES: the proxy talks to the application over a Unix socket, where
#: REMOTE_ADDR is empty.
UNIX_SOCKET = "unix"


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(s.strip(), strict=False)
        for s in spec
        if s.strip() and s.strip().lower() != UNIX_SOCKET
    )


def _proxy_spec() -> tuple[str, ...]:
    raw = getattr(settings, "TRYGG_TRUSTED_PROXIES", ()) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return tuple(raw)


def trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return _networks(_proxy_spec())


def _parse(text: str | None) -> IPAddress | None:
    text = (text or "").strip().strip('"')
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, proxies) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def _client(request) -> IPAddress | None:
    if request is None:
        return None
    peer = _parse(request.META.get("REMOTE_ADDR"))
    header = getattr(settings, "TRYGG_TRUSTED_PROXY_HEADER", "") or ""
    proxies = trusted_proxies()
    if not header:
        return peer
    if peer is None:
        # No address: a Unix socket, trusted only when the operator says so.
        if request.META.get("REMOTE_ADDR") or UNIX_SOCKET not in (
            p.strip().lower() for p in _proxy_spec()
        ):
            return None
    elif not proxies or not _trusted(peer, proxies):
        return peer
    # Each proxy appends the address it saw: read from the right, skipping our own proxies;
    # the first address not ours is the client. Entries left of it were sent by the client
    # and prove nothing.
    hops = [h for h in (request.headers.get(header) or "").split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, proxies):
            break
    return client


def client_ip(request) -> str:
    """The client's own address ("" when unknown)."""
    address = _client(request)
    return str(address) if address is not None else ""


def client_address(request) -> str:
    """The address a per-address limit counts on: IPv4 as is, IPv6 as its /64 network
    address (a valid address, so it fits every IP address field)."""
    address = _client(request)
    if address is None:
        return ""
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Address(int(address) >> 64 << 64))
    return str(address)
