"""A faithful loopback sandbox of Infusionsoft's (Keap's) APIs: REST v2 and XML-RPC over one account.

    from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox, APPROVE_CARD, DECLINE_CARD
    with InfusionsoftSandbox() as sb:
        contact = sb.store.add_contact(FirstName="Ann", LastName="O'Brien", Email="ann@example.com")
        ...  # Keap's SDK: Configuration(host=sb.rest_url, access_token=sb.SERVICE_KEY)
        ...  # XML-RPC: sb.xmlrpc_url with X-Keap-API-Key: sb.SERVICE_KEY

Modules: `store` (tables, ids, clock), `billing` (order/payment rules), `query`
(queryData matching), `dataservice`/`invoiceservice` (methods), `dispatch`
(Java-style overloads), `wire` (XML-RPC as Infusionsoft writes it), `auth`,
`quota`, `injection`, `server` (HTTP, the XML-RPC sunset), `rest` (the REST v2
face: its docstring lists every choice the contract leaves open), `fixtures`
(JSON seeding), `generator` (realistic accounts).
"""

from .server import InfusionsoftSandbox, serve
from .store import APPROVE_CARD, DECLINE_CARD, AccountStore

__all__ = ["InfusionsoftSandbox", "AccountStore", "APPROVE_CARD", "DECLINE_CARD", "serve"]
