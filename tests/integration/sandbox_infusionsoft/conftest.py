"""A running Infusionsoft sandbox and standard-library XML-RPC proxies pointed at it."""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime, timezone

import pytest

from syncsvc.sandbox.infusionsoft import APPROVE_CARD, InfusionsoftSandbox

# 15:00 UTC on 20 Nov 2024 is 10:00 in New York (EST, UTC-5).
FIXED_NOW = datetime(2024, 11, 20, 15, 0, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def proxy(url: str, headers=()) -> xmlrpc.client.ServerProxy:
    return xmlrpc.client.ServerProxy(url, transport=xmlrpc.client.Transport(headers=list(headers)))


def dataservice_rows(api, table: str, fields: list[str]) -> list[dict]:
    """Every row of `table` through DataService.query, 1000 a page (`api` authenticates by header)."""
    rows, page = [], 0
    while True:
        batch = api.DataService.query("placeholder", table, 1000, page, {"Id": "%"}, fields, "Id", True)
        rows += batch
        if len(batch) < 1000:
            return rows
        page += 1


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def _running_sandbox():
    with InfusionsoftSandbox() as sb:
        yield sb


@pytest.fixture
def sandbox(_running_sandbox, clock):
    """The shared running sandbox with an empty account on a fixed clock."""
    _running_sandbox.set_clock(clock)
    _running_sandbox.reset()
    return _running_sandbox


@pytest.fixture
def api(sandbox):
    """A proxy authenticated with the service account key header."""
    return proxy(sandbox.xmlrpc_url, [("X-Keap-API-Key", sandbox.SERVICE_KEY)])


@pytest.fixture
def customer(sandbox):
    """(contact id, approving card id, product id) in the sandbox account."""
    contact = sandbox.store.add_contact(FirstName="Ann", LastName="O'Brien", Email="ann@example.com")
    card = sandbox.store.add_credit_card(contact, APPROVE_CARD)
    product = sandbox.store.add_product(ProductName="Brake Pads", Sku="BRK-1", ProductPrice="17.47", Taxable=1)
    return contact, card, product
