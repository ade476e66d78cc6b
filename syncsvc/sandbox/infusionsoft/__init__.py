"""A faithful loopback sandbox of Infusionsoft's (Keap's) XML-RPC API.

    from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox, APPROVE_CARD, DECLINE_CARD
    with InfusionsoftSandbox() as sb:
        contact = sb.store.add_contact(FirstName="Ann", LastName="O'Brien", Email="ann@example.com")
        ...  # point a client at sb.xmlrpc_url with X-Keap-API-Key: sb.SERVICE_KEY

Modules: `store` (tables, ids, clock), `billing` (order/payment rules), `query`
(queryData matching), `dataservice`/`invoiceservice` (methods), `dispatch`
(Java-style overloads), `wire` (XML-RPC as Infusionsoft writes it), `auth`,
`quota`, `injection`, `server` (HTTP), `fixtures` (JSON seeding), `generator`
(realistic accounts).
"""

from .server import InfusionsoftSandbox, serve
from .store import APPROVE_CARD, DECLINE_CARD, AccountStore

__all__ = ["InfusionsoftSandbox", "AccountStore", "APPROVE_CARD", "DECLINE_CARD", "serve"]
