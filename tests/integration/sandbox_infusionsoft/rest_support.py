"""Reaching the sandbox's REST v2 face through Keap's official SDK, plus a small hand-built shop.

The shop (account times in New York, UTC-5 in November):
- Ann (two emails, company, Boston address, phone) and Bob (one email, nothing else).
- Products: Brake Pads (BRK-1, 17.47, taxable) and Gift Card (no SKU, 25.00, shippable).
- Order 1, Offline, Ann, 18 Nov 09:00: 2 x Brake Pads, shipping 5.00, a -3.00 promo line
  (total 36.94); card payment 1 at 09:05 for everything; refund (payment 4) of 10.00 on 20 Nov 09:30.
- Order 2, Online, Bob, 18 Nov 10:00: one Gift Card (25.00); a 10.00 check (payment 2) stamped
  19 Nov 00:00; a declined card charge on 19 Nov 13:00.
- Order 3, Offline, Ann, 20 Nov 09:00: one 100.00 line with a payment plan (30.00 now, then two
  35.00 installments from 1 Dec, 14 days apart), the 30.00 charged by card (payment 3) at 09:01.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import httpx
import keap_core_v2_client as keap
import pytest

from syncsvc.sandbox.infusionsoft import APPROVE_CARD, DECLINE_CARD, InfusionsoftSandbox, billing


@dataclass
class Apis:
    orders: keap.OrdersApi
    sales: keap.SalesApi
    contacts: keap.ContactApi
    products: keap.ProductsApi


@contextmanager
def sdk(sandbox: InfusionsoftSandbox, access_token: str | None = None) -> Iterator[Apis]:
    """The official SDK pointed at the sandbox, authenticated as Keap's Python sample does (Bearer key)."""
    configuration = keap.Configuration(host=sandbox.rest_url, access_token=access_token or sandbox.SERVICE_KEY)
    with keap.ApiClient(configuration) as client:
        yield Apis(keap.OrdersApi(client), keap.SalesApi(client), keap.ContactApi(client), keap.ProductsApi(client))


def rest_get(sandbox: InfusionsoftSandbox, path: str, params: dict | None = None, headers: dict | None = None,
             ) -> httpx.Response:
    """A raw GET on /crm/rest/v2<path>, authenticated with the service key unless headers say otherwise."""
    if headers is None:
        headers = {"Authorization": f"Bearer {sandbox.SERVICE_KEY}"}
    return httpx.get(f"{sandbox.rest_url}/rest/v2{path}", params=params, headers=headers)


def ids(records) -> list[str]:
    return [record.id for record in records]


@dataclass
class Shop:
    ann: int
    bob: int
    brake_pads: int
    gift_card: int
    order1: int
    order2: int
    order3: int
    invoice1: int
    invoice2: int
    invoice3: int
    card_payment: int
    check_payment: int
    plan_payment: int
    refund: int


def build_shop(sandbox: InfusionsoftSandbox) -> Shop:
    store = sandbox.store

    def at(*when: int):
        return store.frozen_at(datetime(*when))

    with at(2024, 10, 1, 8, 0, 0):
        ann = store.add_contact(
            FirstName="Ann", LastName="O'Brien", Email="ann@example.com", EmailAddress2="ann@work.example",
            Company="O'Brien Bakery", StreetAddress1="1 Main St", City="Boston", State="MA", PostalCode="02110",
            Country="United States", Phone1="555-0100",
        )
    with at(2024, 11, 2, 8, 0, 0):
        bob = store.add_contact(FirstName="Bob", LastName="Zimmer", Email="bob@example.org")
    brake_pads = store.add_product(ProductName="Brake Pads", Sku="BRK-1", ProductPrice="17.47", Taxable=1)
    gift_card = store.add_product(ProductName="Gift Card", Sku="", ProductPrice="25.00", Shippable=1)
    ann_card = store.add_credit_card(ann, APPROVE_CARD)
    bob_card = store.add_credit_card(bob, DECLINE_CARD)

    with at(2024, 11, 18, 9, 0, 0):
        invoice1 = billing.create_order(store, ann, "Web order", order_type="Offline")
        billing.add_item(store, invoice1, brake_pads, 4, "17.47", 2, "Brake Pads")
        billing.add_item(store, invoice1, 0, 1, "5.00", 1, "Shipping", "Standard shipping")
        billing.add_item(store, invoice1, 0, 7, "-3.00", 1, "Promo code SAVE")
    with at(2024, 11, 18, 9, 5, 0):
        card_payment = billing.charge_invoice(store, invoice1, "Order payment", ann_card, 1, False).payment_id
    with at(2024, 11, 18, 10, 0, 0):
        invoice2 = billing.create_order(store, bob, "Gift order", order_type="Online")
        billing.add_item(store, invoice2, gift_card, 4, "25.00", 1, "Gift Card")
    with at(2024, 11, 19, 8, 0, 0):
        check_payment = billing.add_manual_payment(store, invoice2, "10.00", store.now(), "Check", "Mailed")
    with at(2024, 11, 19, 13, 0, 0):
        assert billing.charge_invoice(store, invoice2, "Retry", bob_card, 1, False).code == "DECLINED"
    with at(2024, 11, 20, 9, 0, 0):
        invoice3 = billing.create_order(store, ann, "Plan order", order_type="Offline")
        billing.add_item(store, invoice3, 0, 3, "100.00", 1, "Installation")
        billing.add_payment_plan(store, invoice3, True, ann_card, 1, 1, 3, "30.00", store.now(),
                                 datetime(2024, 12, 1, 9, 0, 0), 2, 14)
    with at(2024, 11, 20, 9, 1, 0):
        plan_payment = billing.charge_card(store, invoice3, ann_card, "30.00", "Deposit").payment_id
    with at(2024, 11, 20, 9, 30, 0):
        refund = billing.refund_payment(store, card_payment, "10.00", "Customer return")

    def job(invoice_id: int) -> int:
        return store.get("Invoice", invoice_id)["JobId"]

    return Shop(ann, bob, brake_pads, gift_card, job(invoice1), job(invoice2), job(invoice3), invoice1, invoice2,
                invoice3, card_payment, check_payment, plan_payment, refund)


@pytest.fixture
def shop(sandbox) -> Shop:
    return build_shop(sandbox)


@pytest.fixture
def apis(sandbox) -> Iterator[Apis]:
    with sdk(sandbox) as connected:
        yield connected
