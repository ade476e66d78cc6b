"""What python-quickbooks puts on the wire: the HTTP session its calls go through, and the JSON bodies.

requests-oauthlib's OAuth2Session refuses every plain-http URL unless the
process-wide OAUTHLIB_INSECURE_TRANSPORT variable is set, which would also
silence the check for every other OAuth client in the process. Instead this
subclass applies our own rule per session (https, or http to a loopback host)
and otherwise sends exactly what OAuth2Session would for a bearer token.

It does not read the environment per request: requests' `trust_env` looks up
proxy variables, no_proxy and ~/.netrc on every call (a measurable share of a
write's CPU). The proxy comes from `[quickbooks].proxy` instead; the CA bundle
named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE is read once, when the session is
built. `configure` does the same for intuit-oauth's AuthClient (a
requests.Session too).

python-quickbooks serialises every object with `indent=4`, which forces the
json module's pure-Python encoder and sends a third of a body as whitespace.
`compact_to_json` replaces ToJsonMixin.to_json (installed by
`syncsvc.quickbooks.session`): the same keys, sorted as before, the same
values (Decimal as strings), no whitespace, so C-speed encoding. Its text is
byte for byte the canonical form `requestids.content_version` hashes, so no
requestid changes.
"""

from __future__ import annotations

import json
import os

import requests
from oauthlib.oauth2 import InsecureTransportError
from quickbooks.mixins import DecimalEncoder, ToJsonMixin
from requests_oauthlib import OAuth2Session

from syncsvc.quickbooks.endpoints import is_allowed_transport

COMPACT = (",", ":")


def configure(session: requests.Session, proxy: str | None = None) -> requests.Session:
    """No per-request environment lookups; `proxy` ("" or None: direct) for http and https alike."""
    session.trust_env = False
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle  # what trust_env would have picked up on every request
    session.proxies = {"http": proxy, "https": proxy} if proxy else {}
    return session


class LoopbackAwareOAuth2Session(OAuth2Session):
    def __init__(self, *args, proxy: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        configure(self, proxy)

    def use_proxy(self, proxy: str | None) -> None:
        self.proxies = {"http": proxy, "https": proxy} if proxy else {}

    def request(self, method, url, data=None, headers=None, withhold_token=False, **kwargs):
        if not is_allowed_transport(url):
            raise InsecureTransportError()
        headers = dict(headers or {})
        if not withhold_token and self.access_token:
            headers.setdefault("Authorization", f"Bearer {self.access_token}")
        # Skip OAuth2Session.request (its transport check is the process-wide one); the
        # bearer header above is all it would add, as no auto-refresh is configured.
        return requests.Session.request(self, method, url, data=data, headers=headers, **kwargs)


def compact_to_json(self) -> str:
    """ToJsonMixin.to_json without indentation (python-quickbooks' own filter, encoder and key order)."""
    return json.dumps(self, cls=DecimalEncoder, default=self.json_filter(), sort_keys=True, separators=COMPACT)


def install_compact_json() -> None:
    """Make every python-quickbooks object serialise compactly (idempotent)."""
    ToJsonMixin.to_json = compact_to_json
