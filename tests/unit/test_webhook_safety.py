"""Webhooks reach public addresses only (each refused range, IPv6, DNS names, the allow-list), and their signatures
carry a timestamp a receiver checks within a tolerance."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import httpx
import pytest

from services.notify.adapters.targets import Target, Unresolvable, check_target, pinned_request
from services.notify.config import Settings
from services.notify.domain import delivery
from services.notify.domain.addresses import AddressRefused, check_addresses, parse_allow, refusal, split_url

NOTHING = parse_allow("")

REFUSED = {
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "::1": "loopback",
    "169.254.169.254": "cloud metadata",
    "169.254.1.2": "link-local",
    "fe80::1": "link-local",
    "10.0.0.1": "private",
    "10.255.255.255": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "fc00::1": "unique local",
    "fd12:3456::1": "unique local",
    "100.64.0.1": "carrier-grade NAT",
    "100.127.255.254": "carrier-grade NAT",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "ff02::1": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "",
    "192.0.2.10": "",
    "198.18.0.1": "",
    "2001:db8::1": "",
    "::ffff:10.0.0.1": "private",
    "::ffff:127.0.0.1": "loopback",
    "::ffff:169.254.169.254": "metadata",
    "64:ff9b::a00:1": "private",
    "2002:a00:1::1": "private",
}
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "100.128.0.1",
    "203.113.131.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "2001:4860:4860::8888",
]


@pytest.mark.parametrize(("address", "why"), sorted(REFUSED.items()))
def test_every_non_public_range_is_refused_with_its_reason(address: str, why: str) -> None:
    reason = refusal(ipaddress.ip_address(address))
    assert reason is not None and why in reason
    with pytest.raises(AddressRefused, match="public"):
        check_addresses(address, [address], NOTHING)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_accepted(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None
    assert check_addresses(address, [address], NOTHING) == [ipaddress.ip_address(address)]


def test_the_allow_list_admits_hosts_addresses_and_cidr_blocks_and_nothing_else() -> None:
    allow = parse_allow(" 127.0.0.1, 10.20.0.0/16 ,hooks.so-tttt.LOCAL., ::1 ")
    assert check_addresses("127.0.0.1", ["127.0.0.1"], allow)
    assert check_addresses("::1", ["::1"], allow)
    assert check_addresses("10.20.3.4", ["10.20.3.4"], allow)
    assert check_addresses("x.example", ["::ffff:10.20.3.4"], allow)  # the mapped form of an allowed address
    assert check_addresses("Hooks.so-tttt.local", ["192.168.7.7"], allow)  # an allowed name, wherever it points
    for denied in ("127.0.0.2", "10.21.0.1", "169.254.169.254"):
        with pytest.raises(AddressRefused):
            check_addresses(denied, [denied], allow)
    with pytest.raises(ValueError, match="CIDR"):
        parse_allow("10.0.0.0/33")
    with pytest.raises(ValueError):
        Settings(webhook_allow="not a host!")
    assert Settings(webhook_allow="127.0.0.1").webhook_allow_list.admits(ipaddress.ip_address("127.0.0.1"))
    assert Settings().webhook_allow == ""  # the default refuses loopback


def test_urls_must_be_http_or_https_with_a_host() -> None:
    assert split_url("https://Hooks.Example.org/x") == ("https", "hooks.example.org", 443)
    assert split_url("http://[2001:db8::1]:8080/") == ("http", "2001:db8::1", 8080)
    for bad in ("ftp://example.org/", "http:///nohost", "http://example.org:99999/"):
        with pytest.raises(AddressRefused):
            split_url(bad)


def _resolver(table: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise Unresolvable(f"{host} does not resolve")
        return table[host]

    return resolve


async def test_a_dns_name_is_checked_by_every_address_it_resolves_to() -> None:
    resolve = _resolver(
        {
            "hooks.example.org": ["93.184.216.34", "2606:2800:220:1::1"],
            "internal.example.org": ["10.1.2.3"],
            "sneaky.example.org": ["93.184.216.34", "127.0.0.1"],
            "v6.example.org": ["fd00::5"],
            "localhost": ["127.0.0.1", "::1"],
        }
    )
    target = await check_target("https://hooks.example.org/in", NOTHING, resolve)
    assert target.host == "hooks.example.org" and str(target.addresses[0]) == "93.184.216.34"
    for host, why in (
        ("internal.example.org", "resolves to 10.1.2.3 is a private"),
        ("sneaky.example.org", "127.0.0.1 is a loopback"),
        ("v6.example.org", "unique local"),
        ("localhost", "loopback"),
    ):
        with pytest.raises(AddressRefused, match=why):
            await check_target(f"http://{host}/in", NOTHING, resolve)
    with pytest.raises(Unresolvable):
        await check_target("http://nowhere.example.org/", NOTHING, resolve)
    # IP literals never reach the resolver.
    with pytest.raises(AddressRefused, match="metadata"):
        await check_target("http://169.254.169.254/latest/meta-data/", NOTHING, resolve)
    assert await check_target("http://internal.example.org/", parse_allow("10.0.0.0/8"), resolve)


async def test_the_request_goes_to_the_checked_address_with_the_original_host_and_tls_name() -> None:
    async with httpx.AsyncClient() as client:
        target = Target(
            "https://hooks.example.org:8443/in?x=1",
            "https",
            "hooks.example.org",
            (ipaddress.ip_address("93.184.216.34"),),
        )
        request = pinned_request(client, target, content=b"{}", headers={"X-Signature": "s"})
        assert str(request.url) == "https://93.184.216.34:8443/in?x=1"
        assert request.headers["host"] == "hooks.example.org:8443"
        assert request.extensions["sni_hostname"] == "hooks.example.org"
        v6 = Target("http://hooks.example.org/in", "http", "hooks.example.org", (ipaddress.ip_address("2606::1"),))
        request = pinned_request(client, v6, content=b"{}", headers={})
        assert str(request.url) == "http://[2606::1]/in" and request.headers["host"] == "hooks.example.org"
        assert "sni_hostname" not in request.extensions


def test_the_timestamped_signature_is_hmac_of_t_dot_body_and_is_checked_within_the_tolerance() -> None:
    secret, body, t = "whsec_test-secret-0123456789", '{"title":"Hồ sơ"}'.encode(), 1_760_000_000
    header = delivery.timestamped_signature(secret, body, t)
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={t},v1={expected}"
    assert delivery.SIGNATURE_TOLERANCE_SECONDS == 300
    assert delivery.verify_timestamped(secret, body, header, now=t)
    assert delivery.verify_timestamped(secret, body, header, now=t + 300)
    assert delivery.verify_timestamped(secret, body, header, now=t - 300)
    assert not delivery.verify_timestamped(secret, body, header, now=t + 301)  # a replay after the tolerance
    assert not delivery.verify_timestamped(secret, body, header, now=t - 301)
    assert not delivery.verify_timestamped("whsec_another-secret-000000", body, header, now=t)
    assert not delivery.verify_timestamped(secret, body + b" ", header, now=t)
    forged = header.replace(f"t={t}", f"t={t + 1000}")  # a fresh time on an old signature
    assert not delivery.verify_timestamped(secret, body, forged, now=t + 1000)
    assert delivery.verify_timestamped(secret, body, f"t={t},v1=00,v1={expected}", now=t)
    for broken in ("", "v1=" + expected, f"t={t}", f"t=abc,v1={expected}"):
        assert not delivery.verify_timestamped(secret, body, broken, now=t)
    # The contract's header is unchanged.
    assert delivery.signature(secret, body) == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_fingerprint_names_a_secret_without_revealing_it() -> None:
    fp = delivery.fingerprint("whsec_abc")
    assert fp.startswith("sha256:") and len(fp) == 23 and "abc" not in fp
    assert fp == delivery.fingerprint("whsec_abc") != delivery.fingerprint("whsec_abd")
