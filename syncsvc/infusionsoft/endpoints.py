"""Where Keap lives: the configured URLs are checked once, before any key is sent.

https anywhere; plain http only to a loopback host (our sandbox), as for QuickBooks
(`syncsvc.quickbooks.endpoints`), so a typo can never send the Keap API key, an OAuth
client secret or a token over the network in clear text.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from syncsvc.errors import ConfigError
from syncsvc.quickbooks.endpoints import is_loopback_host


def check_keap_url(url: str, key: str) -> str:
    """Return `url` unchanged, or raise ConfigError (one line) naming `[infusionsoft].<key>`."""
    parts = urlsplit(url or "")
    if (parts.scheme == "https" and parts.hostname) or (parts.scheme == "http" and is_loopback_host(parts.hostname)):
        return url
    raise ConfigError(
        f"[infusionsoft].{key} = {url!r} is refused: Keap URLs must use https, or the Keap key would travel "
        f"in clear text (plain http is allowed only for loopback hosts: 127.0.0.0/8, ::1, localhost)"
    )
