"""The SSRF guard: only public http(s) addresses, checked on every hop and pinned for the connection."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ava_core.web.base import WebBlocked
from ava_core.web.fetch import PageFetcher
from ava_core.web.guard import Guard, refusal
from tests.web.conftest import IRS_IP, IRS_URL, page, recorded, redirect


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"the guard looked up {host} although it should have refused first")


@pytest.mark.parametrize("url, why", [
    ("http://127.0.0.1", "loopback"),
    ("http://10.0.0.5", "private"),
    ("http://169.254.169.254/latest/meta-data", "metadata"),
    ("http://[::1]", "loopback"),
    ("http://[::ffff:10.0.0.1]", "private"),
    ("http://100.64.0.7/", "carrier-grade NAT"),
    ("http://[fe80::1]/", "link-local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[fd00:ec2::254]/latest/meta-data", "metadata"),
    ("http://0.0.0.0/", "an unspecified"),
    ("http://[2002:a00:1::1]/", "10.0.0.1 is a private address"),  # 6to4
    ("http://[64:ff9b::a9fe:a9fe]/", "metadata"),  # NAT64 of 169.254.169.254
    ("http://localhost:8080/admin", "internal name"),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://example.com:70/_GET%20/", "only http and https"),
    ("ftp://example.com/file", "only http and https"),
    ("http://user:secret@example.com/", "credentials"),
])
def test_internal_and_non_web_urls_are_refused(url, why):
    with pytest.raises(WebBlocked, match=why):
        Guard(resolver=no_dns).pin(url)


def test_a_host_whose_dns_answer_is_private_is_refused():
    guard = Guard(resolver=lambda host, port: ["93.184.215.14", "192.168.1.20"])
    with pytest.raises(WebBlocked, match="rebind.example.com resolves to a refused address: 192.168.1.20"):
        guard.pin("https://rebind.example.com/")


def test_a_public_host_is_pinned_to_the_address_that_was_checked():
    target = Guard(resolver=lambda host, port: [IRS_IP]).pin(IRS_URL)
    assert target.connect_url == f"https://{IRS_IP}/credits-deductions/residential-clean-energy-credit"
    assert target.host == "www.irs.gov"


def test_the_profile_domain_lists_are_enforced():
    resolver = lambda host, port: [IRS_IP]  # noqa: E731
    assert Guard(resolver=resolver, allow_domains=("irs.gov",)).pin(IRS_URL).host == "www.irs.gov"
    with pytest.raises(WebBlocked, match="not on the profile's allow list"):
        Guard(resolver=resolver, allow_domains=("energy.gov",)).pin(IRS_URL)
    with pytest.raises(WebBlocked, match="deny list"):
        Guard(resolver=resolver, deny_domains=("irs.gov",)).pin(IRS_URL)


def test_a_public_url_that_redirects_to_a_private_address_is_refused():
    http = recorded(redirect("https://short.example.com/credit", "http://10.0.0.5/internal"),
                    dns={"short.example.com": ["93.184.215.14"]})
    fetcher = PageFetcher(http.client(), Guard(resolver=http.resolve))
    with pytest.raises(WebBlocked, match="10.0.0.5 is a private address"):
        fetcher.fetch("https://short.example.com/credit")
    assert [r.url.host for r in http.calls] == ["93.184.215.14"]  # the private address was never contacted


def test_a_redirect_to_a_name_that_resolves_privately_is_refused():
    http = recorded(redirect("https://short.example.com/credit", "https://intranet.example.com/"),
                    dns={"short.example.com": ["93.184.215.14"], "intranet.example.com": ["172.16.4.2"]})
    with pytest.raises(WebBlocked, match="172.16.4.2"):
        PageFetcher(http.client(), Guard(resolver=http.resolve)).fetch("https://short.example.com/credit")


def test_the_connection_goes_to_the_checked_address_with_the_page_name_for_tls():
    http = recorded(page(IRS_URL), dns={"www.irs.gov": [IRS_IP]})
    PageFetcher(http.client(), Guard(resolver=http.resolve)).fetch(IRS_URL)
    request = http.calls[0]
    assert request.url.host == IRS_IP  # no second DNS lookup between the check and the connection
    assert request.headers["host"] == "www.irs.gov"
    assert request.extensions["sni_hostname"] == "www.irs.gov"  # the certificate is checked for the name


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_ipv4_address_gets_the_same_verdict_when_mapped_into_ipv6(value):
    v4 = ipaddress.IPv4Address(value)
    mapped = ipaddress.IPv6Address(f"::ffff:{v4}")
    assert (refusal(v4) is None) == (refusal(mapped) is None)


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_no_address_outside_the_public_internet_passes(value):
    v4 = ipaddress.IPv4Address(value)
    if refusal(v4) is None:
        assert v4.is_global and not v4.is_private
