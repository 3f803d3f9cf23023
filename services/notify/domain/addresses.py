"""Where a webhook may point (pure): public addresses only, unless an operator's allow-list says otherwise.

A webhook URL is chosen by whoever holds a unit token, and the notify service POSTs to it from inside the
network, so an unchecked URL would let a unit token reach loopback services, the cloud metadata endpoint
(169.254.169.254) or private hosts (server-side request forgery). Every address a webhook's host stands for
must be public; `NOTIFY_WEBHOOK_ALLOW` (comma-separated host names, IP addresses or CIDR blocks) admits an
on-premises receiver explicitly."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
METADATA = ipaddress.ip_address("169.254.169.254")
PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


class AddressRefused(ValueError):
    """The webhook URL may not be used; the message says why (shown to the caller and kept as last_error)."""


@dataclass(frozen=True)
class AllowList:
    """Hosts (exact names, lower case) and networks an operator admits although they are not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    def admits_host(self, host: str) -> bool:
        return _norm_host(host) in self.hosts

    def admits(self, address: IPAddress) -> bool:
        plain = _embedded_v4(address) or address
        return any(address in net or plain in net for net in self.networks)


def parse_allow(spec: str | Iterable[str]) -> AllowList:
    """'127.0.0.1, 10.20.0.0/16, hooks.so-tttt.local' -> an AllowList; an entry with '/' must be a CIDR block."""
    entries = spec.split(",") if isinstance(spec, str) else list(spec)
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            continue
        except ValueError:
            if "/" in entry:
                raise ValueError(f"not a CIDR block: {entry!r}") from None
        if not all(c.isalnum() or c in "-._" for c in entry):
            raise ValueError(f"not a host name, address or CIDR block: {entry!r}")
        hosts.add(_norm_host(entry))
    return AllowList(frozenset(hosts), tuple(networks))


def _norm_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (::ffff:a.b.c.d, 64:ff9b::a.b.c.d NAT64, 2002:: 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def refusal(address: IPAddress) -> str | None:
    """Why address is not a public one a webhook may reach, or None when it is."""
    inner = _embedded_v4(address)
    if inner is not None:
        reason = refusal(inner)
        return f"{reason} ({address} carries the IPv4 address {inner})" if reason else None
    if address.is_unspecified:
        return f"{address} is the unspecified address"
    if address.is_loopback:
        return f"{address} is a loopback address"
    if address == METADATA:
        return f"{address} is link-local (the cloud metadata endpoint)"
    if address.is_link_local:
        return f"{address} is a link-local address"
    if address in CGNAT:
        return f"{address} is in the shared address space 100.64.0.0/10 (carrier-grade NAT)"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if any(address in net for net in PRIVATE):
        kind = "a unique local (private)" if isinstance(address, ipaddress.IPv6Address) else "a private"
        return f"{address} is {kind} address"
    if address.is_reserved:
        return f"{address} is a reserved address"
    if not address.is_global:
        return f"{address} is a special-purpose address, not a public one"
    return None


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; AddressRefused when it has no usable host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRefused("only http and https URLs are allowed")
    host = _norm_host(parts.hostname or "")
    if not host:
        raise AddressRefused("the URL names no host")
    return scheme, host, port or (443 if scheme == "https" else 80)


def literal(host: str) -> IPAddress | None:
    """The address when host is an IP literal (no DNS involved), else None."""
    try:
        return ipaddress.ip_address(_norm_host(host))
    except ValueError:
        return None


def check_addresses(host: str, addresses: Iterable[str | IPAddress], allow: AllowList) -> list[IPAddress]:
    """The addresses host stands for, all checked: AddressRefused if any is not public and not allowed.

    Every address counts (not only the first): a name with one public and one private address is refused,
    since the connection could go to either."""
    if allow.admits_host(host):
        return [ipaddress.ip_address(a) if isinstance(a, str) else a for a in addresses]
    checked: list[IPAddress] = []
    for a in addresses:
        address = ipaddress.ip_address(a.split("%", 1)[0]) if isinstance(a, str) else a
        reason = refusal(address)
        if reason and not allow.admits(address):
            where = "" if literal(host) is not None else f"{host} resolves to "
            raise AddressRefused(
                f"{where}{reason}; webhooks may only reach public addresses"
                " (an operator may allow a receiver with NOTIFY_WEBHOOK_ALLOW)"
            )
        if address not in checked:
            checked.append(address)
    if not checked:
        raise AddressRefused(f"{host} has no address")
    return checked
