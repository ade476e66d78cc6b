"""Seed an account from a JSON fixture (a path or an already-parsed dict).

Format (every section optional; `ref` names let later entries point at earlier ones;
money may be a string or a number; dates are "YYYY-MM-DD[ HH:MM:SS]" in account time):

    {
      "contacts": [{"ref": "ann", "FirstName": "Ann", "LastName": "O'Brien", "Email": "ann@example.com",
                    "Company": "Acme", "City": "Boston", "date": "2024-05-01 09:00:00"}],
      "products": [{"ref": "widget", "ProductName": "Widget", "Sku": "W-1", "ProductPrice": "17.47", "Taxable": 1}],
      "credit_cards": [{"ref": "ann-visa", "contact": "ann", "number": "4111111111111111"}],
      "subscription_plans": [{"ref": "monthly", "product": "widget", "price": "9.99", "cycle": "2", "frequency": 1}],
      "orders": [{
        "ref": "o1", "contact": "ann", "title": "Web order", "date": "2024-05-01 10:00:00",
        "items": [{"product": "widget", "type": 4, "price": "17.47", "qty": 2, "name": "Widget", "notes": ""},
                  {"type": 1, "price": "5.00", "name": "Shipping"}],
        "pay_plan": {"card": "ann-visa", "initial_amount": "10.00", "initial_date": "2024-05-01",
                     "start_date": "2024-06-01", "payments": 3, "days_between": 30},
        "payments": [{"kind": "manual", "amount": "5.06", "type": "Check", "note": "Personal check", "date": "2024-05-02"},
                     {"kind": "card", "card": "ann-visa", "date": "2024-05-03 14:00:00"},
                     {"kind": "refund", "of": 1, "amount": "10.00", "date": "2024-05-04 09:00:00"}],
        "deleted": false
      }]
    }

Other Contact/Product/CreditCard fields are passed through by their real names.
An item without "product" has ProductId 0; "qty" defaults to 1, "type" to 4.
A card payment without "amount" charges what is due (chargeInvoice); a declined
card records nothing. A refund's "of" is the index of the refunded payment in the
same order's list. "deleted": true deletes the order after it is built.
Each step runs at its own date, so DateCreated/PayDate/LastUpdated follow history.
`load_fixture` returns the ids it created: {"contacts": {ref: id}, ..., "orders": {ref: invoice id}}.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from . import billing
from .query import parse_date
from .store import AccountStore, to_money

EXAMPLE_FIXTURE = Path(__file__).with_name("fixtures") / "example_account.json"


class FixtureError(ValueError):
    pass


def _date(value: Any, where: str) -> datetime:
    parsed = parse_date(str(value))
    if parsed is None:
        raise FixtureError(f"{where}: {value!r} is not YYYY-MM-DD[ HH:MM:SS]")
    return parsed


def _ref(ids: dict[str, int], ref: Any, where: str) -> int:
    if ref is None:
        return 0
    if ref not in ids:
        raise FixtureError(f"{where}: unknown reference {ref!r}")
    return ids[ref]


def load_fixture(store: AccountStore, fixture: str | Path | dict) -> dict[str, dict[str, int]]:
    data = fixture if isinstance(fixture, dict) else json.loads(Path(fixture).read_text(encoding="utf-8"))
    created: dict[str, dict[str, int]] = {
        "contacts": {}, "products": {}, "credit_cards": {}, "subscription_plans": {}, "orders": {},
    }
    with store.lock:
        for n, entry in enumerate(data.get("contacts", [])):
            fields = {k: v for k, v in entry.items() if k not in ("ref", "date")}
            with store.frozen_at(_date(entry["date"], f"contacts[{n}]") if "date" in entry else store.now()):
                created["contacts"][entry.get("ref", str(n))] = store.add_contact(**fields)
        for n, entry in enumerate(data.get("products", [])):
            fields = {k: v for k, v in entry.items() if k != "ref"}
            created["products"][entry.get("ref", str(n))] = store.add_product(**fields)
        for n, entry in enumerate(data.get("credit_cards", [])):
            fields = {k: v for k, v in entry.items() if k not in ("ref", "contact", "number")}
            contact = _ref(created["contacts"], entry.get("contact"), f"credit_cards[{n}]")
            created["credit_cards"][entry.get("ref", str(n))] = store.add_credit_card(contact, entry["number"], **fields)
        for n, entry in enumerate(data.get("subscription_plans", [])):
            product = _ref(created["products"], entry.get("product"), f"subscription_plans[{n}]")
            created["subscription_plans"][entry.get("ref", str(n))] = store.add_subscription_plan(
                product, entry.get("price", "0"), str(entry.get("cycle", "2")), int(entry.get("frequency", 1)),
            )
        for n, entry in enumerate(data.get("orders", [])):
            created["orders"][entry.get("ref", str(n))] = _load_order(store, created, entry, f"orders[{n}]")
    return created


def _load_order(store: AccountStore, created: dict, entry: dict, where: str) -> int:
    order_date = _date(entry["date"], where) if "date" in entry else store.now()
    contact = _ref(created["contacts"], entry.get("contact"), where)
    with store.frozen_at(order_date):
        invoice_id = billing.create_order(store, contact, entry.get("title", "Order"), order_date)
        for m, item in enumerate(entry.get("items", [])):
            billing.add_item(
                store, invoice_id, _ref(created["products"], item.get("product"), f"{where}.items[{m}]"),
                int(item.get("type", 4)), to_money(item.get("price", "0")), int(item.get("qty", 1)),
                item.get("name", ""), item.get("notes", ""),
            )
        plan = entry.get("pay_plan")
        if plan:
            billing.add_payment_plan(
                store, invoice_id, bool(plan.get("auto_charge", True)),
                _ref(created["credit_cards"], plan.get("card"), f"{where}.pay_plan"), 1, 1, 3,
                plan.get("initial_amount", "0"), _date(plan.get("initial_date", order_date), where),
                _date(plan.get("start_date", order_date), where), int(plan.get("payments", 1)),
                int(plan.get("days_between", 30)),
            )
    payment_ids: list[int] = []
    for m, payment in enumerate(entry.get("payments", [])):
        at = f"{where}.payments[{m}]"
        when = _date(payment["date"], at) if "date" in payment else order_date
        with store.frozen_at(when):
            payment_ids.append(_load_payment(store, created, invoice_id, payment, payment_ids, when, at))
    if entry.get("deleted"):
        billing.delete_invoice(store, invoice_id)
    return invoice_id


def _load_payment(store, created, invoice_id, payment, earlier: list[int], when: datetime, at: str) -> int:
    kind = payment.get("kind", "manual")
    if kind == "manual":
        return billing.add_manual_payment(
            store, invoice_id, payment["amount"], when, payment.get("type", "Check"), payment.get("note", ""),
        )
    if kind == "card":
        card = _ref(created["credit_cards"], payment.get("card"), at)
        if "amount" in payment:
            result = billing.charge_card(store, invoice_id, card, payment["amount"], payment.get("note", ""))
        else:
            result = billing.charge_invoice(store, invoice_id, payment.get("note", ""), card, 1, False)
        return result.payment_id
    if kind == "refund":
        index = int(payment["of"])
        if not 0 <= index < len(earlier) or not earlier[index]:
            raise FixtureError(f"{at}: 'of' must name an earlier recorded payment of this order")
        return billing.refund_payment(store, earlier[index], payment.get("amount"), payment.get("note", ""))
    raise FixtureError(f"{at}: kind must be manual, card or refund, not {kind!r}")
