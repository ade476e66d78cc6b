"""The HTTP session python-quickbooks sends API calls through.

requests-oauthlib's OAuth2Session refuses every plain-http URL unless the
process-wide OAUTHLIB_INSECURE_TRANSPORT variable is set, which would also
silence the check for every other OAuth client in the process. Instead this
subclass applies our own rule per session (https, or http to a loopback host)
and otherwise sends exactly what OAuth2Session would for a bearer token.
"""

from __future__ import annotations

import requests
from oauthlib.oauth2 import InsecureTransportError
from requests_oauthlib import OAuth2Session

from syncsvc.quickbooks.endpoints import is_allowed_transport


class LoopbackAwareOAuth2Session(OAuth2Session):
    def request(self, method, url, data=None, headers=None, withhold_token=False, **kwargs):
        if not is_allowed_transport(url):
            raise InsecureTransportError()
        headers = dict(headers or {})
        if not withhold_token and self.access_token:
            headers.setdefault("Authorization", f"Bearer {self.access_token}")
        # Skip OAuth2Session.request (its transport check is the process-wide one); the
        # bearer header above is all it would add, as no auto-refresh is configured.
        return requests.Session.request(self, method, url, data=data, headers=headers, **kwargs)
