"""Where QuickBooks lives: API base URL and OAuth discovery URL, checked once.

Production, Intuit's sandbox and our loopback sandbox differ only in these two
URLs (plus the endpoints the discovery document names). Plain http is accepted
only for loopback hosts, so a typo can never send tokens over the network in
clear text.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from syncsvc.errors import ConfigError


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback  # 127.0.0.0/8 and ::1
    except ValueError:
        return False


def is_allowed_transport(url: str) -> bool:
    """https anywhere; http only to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and is_loopback_host(parts.hostname)


def check_url(url: str, what: str) -> str:
    """Return `url` unchanged, or raise ConfigError naming `what` if its transport is not allowed."""
    if not is_allowed_transport(url):
        raise ConfigError(
            f"{what} = {url!r}: QuickBooks URLs must use https "
            "(plain http is allowed only for loopback hosts: 127.0.0.0/8, ::1, localhost)"
        )
    return url


@dataclass(frozen=True)
class Endpoints:
    api_base_url: str  # ".../v3"; python-quickbooks appends "/company/{realm}/{entity}"
    discovery_url: str

    @classmethod
    def from_settings(cls, qb_settings) -> "Endpoints":
        return cls(
            api_base_url=check_url(qb_settings.api_base_url.rstrip("/"), "[quickbooks].api_base_url"),
            discovery_url=check_url(qb_settings.discovery_url, "[quickbooks].discovery_url"),
        )
