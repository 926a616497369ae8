"""The SSRF guard: which URLs AVA may fetch, and the one address it may connect to for each.

A page fetch is steered by text from the model, which reads text from the web: a prompt
injection could aim it at the cloud metadata service or an internal admin page. So only
http(s) is fetched, every address the host resolves to must be public (no loopback, private,
link-local, CGNAT, multicast, reserved or metadata address, IPv4 or IPv6, IPv4-mapped
included), the connection goes to the address that was checked (no second lookup that a
rebinding DNS server could answer differently), and each redirect hop is checked again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ava_core.web.base import WebBlocked

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Named for the refusal message; anything else that is not globally routable is refused too.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
             ipaddress.ip_address("100.100.100.200")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host:port."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebBlocked(f"{host} does not resolve ({exc.strerror})") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(ip: IPAddress) -> str | None:
    """Why AVA must not connect to this address; None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal(embedded)
            return f"{inner} (inside the IPv6 address {ip})" if inner else None
    if ip in _METADATA:
        return f"{ip} is a cloud metadata address"
    checks = (
        (ip.is_unspecified, "an unspecified"), (ip.is_loopback, "a loopback"), (ip.is_link_local, "a link-local"),
        (ip.is_multicast, "a multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "a carrier-grade NAT"),
        (ip.is_private, "a private"), (ip.is_reserved, "a reserved"),
        (not ip.is_global, "not a publicly routable"),
    )
    for hit, what in checks:
        if hit:
            return f"{ip} is {what} address"
    return None


def domain_matches(host: str, domains: list[str]) -> bool:
    host = host.rstrip(".").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass(frozen=True)
class Target:
    """Where one request really goes: the checked address, and the name to present to it."""

    url: str  # the URL as the page knows it
    host: str
    connect_url: str  # the same URL with the checked address in place of the host
    ip: str


@dataclass
class Guard:
    resolver: Resolver = system_resolver
    allow_domains: tuple[str, ...] = ()
    deny_domains: tuple[str, ...] = ()

    def pin(self, url: str) -> Target:
        """Check one URL and choose the address to connect to; raises WebBlocked with the reason."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise WebBlocked(f"{url!r} is not a valid URL ({exc})") from exc
        if parts.scheme not in ("http", "https"):
            raise WebBlocked(f"only http and https URLs are fetched, not {parts.scheme or 'a bare path'}:")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise WebBlocked(f"{url!r} names no host")
        if parts.username or parts.password:
            raise WebBlocked("URLs with credentials in them are not fetched")
        if self.allow_domains and not domain_matches(host, list(self.allow_domains)):
            raise WebBlocked(f"{host} is not on the profile's allow list ({', '.join(self.allow_domains)})")
        if self.deny_domains and domain_matches(host, list(self.deny_domains)):
            raise WebBlocked(f"{host} is on the profile's deny list")
        port = port or (443 if parts.scheme == "https" else 80)
        addresses = self._addresses(host, port)
        for address in addresses:  # one private answer is enough to refuse: it is the one a rebind would use
            why = refusal(address)
            if why:
                raise WebBlocked(f"{host} resolves to a refused address: {why}" if str(address) != host else why)
        chosen = addresses[0]
        literal = f"[{chosen}]" if chosen.version == 6 else str(chosen)
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        connect_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        return Target(url=urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, "")),
                      host=host, connect_url=connect_url, ip=str(chosen))

    def _addresses(self, host: str, port: int) -> list[IPAddress]:
        literal = _literal(host)
        if literal is not None:
            return [literal]
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise WebBlocked(f"{host} is an internal name")
        answers = self.resolver(host, port)
        if not answers:
            raise WebBlocked(f"{host} does not resolve")
        return [ipaddress.ip_address(a.split("%")[0]) for a in answers]


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
