"""A faithful loopback sandbox of the QuickBooks Online v3 API and Intuit's OAuth 2.0 server.

    with QuickBooksSandbox() as qb:
        realm = qb.create_company("Demo Co")
        tokens = qb.issue_tokens(realm)
        # point python-quickbooks at qb.api_base_url and intuit-oauth at qb.discovery_url
"""

from .limits import INJECTABLE_KINDS, Options
from .sandbox import QuickBooksSandbox

__all__ = ["INJECTABLE_KINDS", "Options", "QuickBooksSandbox"]
