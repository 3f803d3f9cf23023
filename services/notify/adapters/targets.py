"""Webhook targets checked against the network they reach: resolve the host, check every address, pin one.

Checked when a unit registers a URL (a 422 naming the reason) and again right before each delivery, where the
request is sent to the address just checked (Host header and TLS server name keep the original host), so a
name that resolves to a public address at registration and to a private one later (DNS rebinding) is refused."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from services.notify.domain.addresses import AddressRefused, AllowList, IPAddress, check_addresses, literal, split_url

Resolver = Callable[[str, int], Awaitable[list[str]]]


class Unresolvable(Exception):
    """The host has no address now (DNS failure): worth retrying later, unlike a refusal."""


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (IPv4 and IPv6)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise Unresolvable(f"{host} does not resolve: {exc}") from None
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: its host and the addresses (all allowed) it resolved to."""

    url: str
    scheme: str
    host: str
    addresses: tuple[IPAddress, ...]


async def check_target(url: str, allow: AllowList, resolver: Resolver = system_resolver) -> Target:
    """Resolve url's host and check every address; AddressRefused or Unresolvable otherwise."""
    scheme, host, port = split_url(url)
    address = literal(host)
    found: list[str | IPAddress] = [address] if address is not None else list(await resolver(host, port))
    return Target(url, scheme, host, tuple(check_addresses(host, found, allow)))


def pinned_request(
    client: httpx.AsyncClient, target: Target, *, content: bytes, headers: dict[str, str]
) -> httpx.Request:
    """A POST to target's first checked address; the Host header and TLS server name (SNI, certificate check)
    stay the URL's host, so the receiver sees the same request as without pinning."""
    url = httpx.URL(target.url)
    if literal(target.host) is not None:
        return client.build_request("POST", url, content=content, headers=headers)
    host_header = url.netloc.decode("ascii").rsplit("@", 1)[-1]
    pinned = url.copy_with(host=str(target.addresses[0]))
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return client.build_request(
        "POST", pinned, content=content, headers={**headers, "Host": host_header}, extensions=extensions
    )


__all__ = ["AddressRefused", "Resolver", "Target", "Unresolvable", "check_target", "pinned_request", "system_resolver"]
