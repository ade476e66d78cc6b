"""Realistic sandbox accounts, generated deterministically from a seed.

`generate_account(store, orders=N, seed=0, mix="stress")` replays ~60 days of
history ending at the store's now: every order item type 0-14 (shipping, tax,
negative special lines), products without SKU and items without product,
approved card payments with merchant RefNums, manual payments stamped at
midnight, declined charges (invoice, no payment), partial and 25 + 75 split
payments, payment plans, refunds, subscriptions, and orders deleted right after
entry (so order ids and invoice ids drift apart). Names include quotes, accents
and duplicates.

`mix` sets how often the data-entry quirks that land a line on QuickBooks'
"unknown do not delete" item occur; every other quirk is the same in both:

- "stress" (the default, what the tests and the benchmark use): one product in
  4 has no SKU and one product line in 5 has no product (free text, 1 in 10 of
  those with no name either), so about 40% of sales lines have no SKU to match.
- "typical" (`syncsvc demo`'s, and `syncsvc sandbox`'s default): what a small
  shop looks like, one product in 20 without SKU and 2 lines in 100 without
  product, so about 7% of sales lines.

Everything goes through `billing`, the code the InvoiceService methods use, so
totals and LastUpdated are what the API would show. Events run in time order
under the store's frozen clock, so ids increase with time as in a real account.
"""

from __future__ import annotations

import gc
import heapq
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Callable

from . import billing
from .billing import cents
from .store import APPROVE_CARD, DECLINE_CARD, AccountStore

SPECIAL_TYPES = (7, 10, 11, 12, 13, 14)
SCENARIOS = ("card", "manual", "split", "partial", "declined", "unpaid", "plan", "refund", "deleted", "recurring")
_WEIGHTS = (36, 16, 8, 6, 8, 7, 6, 6, 4, 3)
MANUAL_TYPES = ("Check", "Cash", "Money Order", "Credit Card (Manual)")

_FIXED_CONTACTS = (
    ("Ann", "O'Brien", "O'Brien Bakery", "Boston"),
    ("José", "Müller", "", ""),
    ("John", "Smith", "Smith & Sons", "Denver"),
    ("John", "Smith", "", "Austin"),
    ("Zoë", "D'Angelo", "Café \"Le Rêve\"", "Montréal"),
    ("Björn", "Ångström", "", ""),
)
_FIRST = ("Maria", "James", "Aisha", "Wei", "Olga", "Liam", "Sofía", "Noah", "Chloé", "Mateo", "Priya", "Ethan",
          "Fatima", "Lucas", "Mia", "Kenji", "Amélie", "Omar", "Grace", "Diego")
_LAST = ("Garcia", "Johnson", "Nguyen", "Kowalski", "O'Neil", "Brown", "Fernández", "Khan", "Dubois", "Rossi",
         "Schmidt", "Tanaka", "Wilson", "Lefèvre", "Murphy", "Singh", "Cohen", "Silva", "Novák", "Smith")
_CITIES = ("Boston", "Denver", "Austin", "Seattle", "Chicago", "Miami", "Portland", "Atlanta")
_COMPANIES = ("Acme Corp", "Globex", "Initech", "Umbrella LLC", "Stark Industries", "Wayne & Co.")
_PRODUCTS = (
    ("Brake Pads", "17.47"), ("Turbo Booster", "23.07"), ("Head Gaskets", "23.07"), ("Oil Filter", "8.99"),
    ("Spark Plug Set", "14.50"), ("Floor Mats", "39.00"), ("Wiper Blades", "12.25"), ("Air Freshener", "2.99"),
    ("Detailing Kit", "49.95"), ("Tire Gauge", "6.75"), ("Jump Starter", "89.00"), ("Seat Covers", "59.99"),
    ("Café Crème Polish", "11.40"), ("O'Reilly Manual", "24.00"), ("Coolant 1 gal", "15.99"),
    ("Battery Charger", "64.50"), ("LED Headlights", "79.00"), ("Roof Rack", "129.00"), ("Gift Card", "25.00"),
    ("Gear Club Membership", "9.99"),
)


@dataclass(frozen=True)
class Mix:
    """How often the generator makes the data-entry quirks that leave a line without an item to match."""

    no_sku_every: int  # one product in this many has no SKU: the 4th (Oil Filter), then every no_sku_every-th
    line_without_product: float  # share of product lines with no product (free text, or no name at all)
    blank_name: float  # share of those product-less lines that have no name either


MIXES = {
    "stress": Mix(no_sku_every=4, line_without_product=0.2, blank_name=0.1),
    "typical": Mix(no_sku_every=20, line_without_product=0.02, blank_name=0.1),
}


def mix_named(name: str) -> Mix:
    """The quirk mix called `name`; a ValueError naming the allowed ones otherwise."""
    try:
        return MIXES[name]
    except (KeyError, TypeError):
        allowed = ", ".join(repr(n) for n in MIXES)
        raise ValueError(f"unknown account mix {name!r}; choose one of {allowed}") from None


_FREE_TEXT_ITEMS = ("Custom fabrication", "Rush handling", "Misc. parts", "Labor (1 hr)", "Consultation")
_TAX_RATE = Decimal("0.0625")


@dataclass
class AccountSummary:
    orders: int = 0
    invoices: int = 0
    deleted_invoices: int = 0
    contacts: int = 0
    products: int = 0
    card_payments: int = 0
    manual_payments: int = 0
    declined_charges: int = 0
    split_payments: int = 0
    partial_payments: int = 0
    pay_plans: int = 0
    refunds: int = 0
    subscriptions: int = 0
    item_types: set[int] = field(default_factory=set)
    first_order: datetime | None = None
    last_order: datetime | None = None


class _Generator:
    def __init__(self, store: AccountStore, seed: int, days: int, mix: Mix = MIXES["stress"]) -> None:
        self.store = store
        self.mix = mix
        self.rng = Random(seed)
        self.now = store.now()
        self.start = self.now - timedelta(days=days)
        self.summary = AccountSummary()
        self._events: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.good_cards: dict[int, int] = {}
        self.bad_cards: dict[int, int] = {}

    # --- events ---------------------------------------------------------------

    def later(self, when: datetime, action: Callable[[], None]) -> None:
        if when <= self.now:
            heapq.heappush(self._events, (when, next(self._seq), action))

    def run(self) -> None:
        while self._events:
            when, _, action = heapq.heappop(self._events)
            with self.store.frozen_at(when):
                action()

    # --- reference data -------------------------------------------------------

    def make_contacts(self, count: int) -> list[int]:
        rng, ids = self.rng, []
        for n in range(count):
            if n < len(_FIXED_CONTACTS):
                first, last, company, city = _FIXED_CONTACTS[n]
            else:
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                company = rng.choice(_COMPANIES) if rng.random() < 0.25 else ""
                city = rng.choice(_CITIES) if rng.random() < 0.7 else ""
            created = self.start - timedelta(days=rng.randint(1, 400), seconds=rng.randint(0, 86399))
            email = "" if rng.random() < 0.05 else (
                f"{first}.{last}.{n}@example.com".lower().replace("'", "").replace(" ", "")
            )
            ids.append(self.store.add_contact(
                FirstName=first, LastName=last, Email=email, Company=company, City=city,
                Country="United States" if city else "", DateCreated=created, LastUpdated=created,
            ))
        self.summary.contacts = count
        return ids

    def make_products(self) -> list[int]:
        ids = []
        for n, (name, price) in enumerate(_PRODUCTS):
            sku = "" if n % self.mix.no_sku_every == 3 else f"SKU-{n + 100}"
            ids.append(self.store.add_product(
                ProductName=name, Sku=sku, ProductPrice=price, Taxable=int(n % 3 != 2), ShortDescription=name,
            ))
        self.summary.products = len(ids)
        self.membership = ids[-1]
        self.plan_id = self.store.add_subscription_plan(self.membership, "9.99", cycle="2", frequency=1)
        return ids

    def card(self, contact: int, declining: bool = False) -> int:
        cards = self.bad_cards if declining else self.good_cards
        if contact not in cards:
            cards[contact] = self.store.add_credit_card(contact, DECLINE_CARD if declining else APPROVE_CARD)
        return cards[contact]

    # --- orders ---------------------------------------------------------------

    def add_lines(self, invoice_id: int, forced_type: int | None) -> None:
        rng, store = self.rng, self.store
        subtotal = Decimal("0")
        taxable = Decimal("0")
        lines = rng.choice((1, 1, 1, 2, 2, 3))
        for _ in range(lines):
            item_type = rng.choice((4, 4, 4, 4, 4, 4, 4, 5, 5, 3, 3, 0, 6, 8, 9))
            subtotal, taxable = self._product_line(invoice_id, item_type, subtotal, taxable)
        if forced_type is not None and forced_type not in (1, 2) and forced_type not in SPECIAL_TYPES:
            subtotal, taxable = self._product_line(invoice_id, forced_type, subtotal, taxable)
        shipping = Decimal("0")
        if rng.random() < 0.5 or forced_type in (1, 14):
            shipping = Decimal(rng.choice(("4.95", "7.50", "9.99", "12.00")))
            billing.add_item(store, invoice_id, 0, 1, shipping, 1, "Shipping", "Standard shipping")
            self.summary.item_types.add(1)
        if rng.random() < 0.2 or forced_type in SPECIAL_TYPES:
            special = forced_type if forced_type in SPECIAL_TYPES else rng.choice(SPECIAL_TYPES)
            if special == 14 and shipping:
                amount, name = -shipping, "Free shipping"
            elif special == 10:
                amount, name = -cents(subtotal * Decimal("0.5")), "Free trial days"
            else:
                amount = -min(cents(subtotal * Decimal(rng.choice(("0.05", "0.10", "0.15")))), subtotal)
                name = {7: "Promo code SAVE", 11: "Order total discount", 12: "Product special",
                        13: "Category special", 14: "Shipping discount"}[special]
            if amount:
                billing.add_item(store, invoice_id, 0, special, amount, 1, name, "")
                self.summary.item_types.add(special)
        if taxable and (rng.random() < 0.4 or forced_type == 2):
            billing.add_item(store, invoice_id, 0, 2, cents(taxable * _TAX_RATE), 1, "Sales Tax", "")
            self.summary.item_types.add(2)

    def _product_line(self, invoice_id, item_type, subtotal, taxable):
        rng, store = self.rng, self.store
        qty = rng.choice((1, 1, 1, 2, 3))
        # `1 - share`, not `>= share`: the same draws give "stress" accounts what they always were.
        if rng.random() < 1 - self.mix.line_without_product:
            product_id = rng.choice(self.products)
            product = store.get("Product", product_id)
            price, name = product["ProductPrice"], product["ProductName"]
            if product.get("Taxable"):
                taxable += price * qty
        else:
            product_id = 0
            price = Decimal(rng.randint(500, 15000)) / 100
            name = "" if rng.random() < self.mix.blank_name else rng.choice(_FREE_TEXT_ITEMS)
        billing.add_item(store, invoice_id, product_id, item_type, price, qty, name, "")
        self.summary.item_types.add(item_type)
        return subtotal + price * qty, taxable

    def order(self, n: int, when: datetime, contact: int, scenario: str) -> None:
        store, rng, summary = self.store, self.rng, self.summary
        summary.orders += 1
        if scenario == "recurring":
            self.subscription(when, contact)
            return
        title = rng.choice(("Web order", "Phone order", "Order form", "Shopping cart order", "Upsell"))
        invoice_id = billing.create_order(store, contact, f"{title} #{n + 1}", when,
                                          order_type=rng.choice(("Online", "Offline")))
        summary.invoices += 1
        self.add_lines(invoice_id, n if n < 15 else None)
        total = store.get("Invoice", invoice_id)["InvoiceTotal"]
        soon = when + timedelta(seconds=rng.randint(5, 90))
        if scenario == "deleted":
            billing.delete_invoice(store, invoice_id)
            summary.deleted_invoices += 1
        elif scenario == "card":
            self.later(soon, lambda: self.charge(invoice_id, contact))
        elif scenario == "manual":
            self.later(when + timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 10)),
                       lambda: self.manual(invoice_id, total))
        elif scenario == "split":
            first = cents(total * Decimal("0.25"))
            summary.split_payments += 1
            self.later(soon, lambda: self.charge(invoice_id, contact, first))
            self.later(when + timedelta(days=rng.randint(1, 10)), lambda: self.manual(invoice_id, total - first)
                       if rng.random() < 0.5 else self.charge(invoice_id, contact))
        elif scenario == "partial":
            summary.partial_payments += 1
            self.later(when + timedelta(days=rng.randint(0, 5)),
                       lambda: self.manual(invoice_id, cents(total * Decimal("0.4"))))
        elif scenario == "declined":
            self.later(soon, lambda: self.charge(invoice_id, contact, declining=True))
            if rng.random() < 0.5:
                self.later(soon + timedelta(days=rng.randint(1, 3)), lambda: self.charge(invoice_id, contact))
        elif scenario == "plan":
            self.plan(invoice_id, contact, when, total)
        elif scenario == "refund":
            refund_share = rng.choice((Decimal("1"), Decimal("0.5")))
            self.later(soon, lambda: self.charge(invoice_id, contact))
            self.later(when + timedelta(days=rng.randint(1, 5)), lambda: self.refund(invoice_id, refund_share))

    # --- payment actions ------------------------------------------------------

    def charge(self, invoice_id, contact, amount=None, declining=False) -> None:
        store = self.store
        card = self.card(contact, declining)
        if amount is None:
            result = billing.charge_invoice(store, invoice_id, "Order payment", card, 1, False)
        else:
            result = billing.charge_card(store, invoice_id, card, amount, "Deposit")
        if result.code == "APPROVED":
            self.summary.card_payments += 1
        elif result.code == "DECLINED":
            self.summary.declined_charges += 1

    def manual(self, invoice_id, amount) -> None:
        if amount > 0:
            billing.add_manual_payment(self.store, invoice_id, amount, self.store.now(),
                                       self.rng.choice(MANUAL_TYPES), "Received by mail")
            self.summary.manual_payments += 1

    def refund(self, invoice_id, share) -> None:
        paid = [p for p in self.store.find("Payment", "InvoiceId", invoice_id) if p["PayAmt"] > 0]
        if paid:
            billing.refund_payment(self.store, paid[0]["Id"], cents(paid[0]["PayAmt"] * share), "Customer return")
            self.summary.refunds += 1

    def plan(self, invoice_id, contact, when, total) -> None:
        initial = cents(total * Decimal("0.3"))
        card = self.card(contact)
        start = when + timedelta(days=14)
        billing.add_payment_plan(self.store, invoice_id, True, card, 1, 1, 3, initial, when, start, 3, 14)
        self.summary.pay_plans += 1
        self.later(when + timedelta(seconds=30), lambda: self.charge(invoice_id, contact, initial))
        for item in self.store.find("PayPlan", "InvoiceId", invoice_id):
            for installment in self.store.find("PayPlanItem", "PayPlanId", item["Id"])[1:]:
                due, amount = installment["DateDue"], installment["AmtDue"]
                self.later(due + timedelta(hours=6), lambda a=amount: self.charge(invoice_id, contact, a))

    def subscription(self, when, contact) -> None:
        store = self.store
        card = self.card(contact)
        sub_id = billing.add_recurring_order(store, contact, True, self.plan_id, 1, "9.99", False, 1, card, 0, 0)
        self.summary.subscriptions += 1

        def bill() -> None:
            if store.get("RecurringOrder", sub_id) is None:
                return
            invoice_id = billing.invoice_recurring(store, sub_id)
            if invoice_id:
                self.summary.invoices += 1
                self.charge(invoice_id, contact)
                next_bill = store.get("RecurringOrder", sub_id)["NextBillDate"]
                self.later(next_bill + timedelta(hours=6), bill)

        bill()


def generate_account(
    store: AccountStore, orders: int = 100, seed: int = 0, days: int = 60, contacts: int | None = None,
    mix: str = "stress",
) -> AccountSummary:
    """Add `orders` orders (with contacts, products and cards) spread over the last `days` days.

    `mix` is "stress" (many lines without SKU or product) or "typical" (few); see the module docstring.
    """
    gen = _Generator(store, seed, days, mix_named(mix))
    store.reseed(seed)
    rng = gen.rng
    # Millions of new dicts make the cyclic GC rescan the heap over and over (quadratic);
    # nothing here builds cycles, so pause it while generating.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with store.lock:
            times = _replay(gen, rng, orders, contacts)
    finally:
        if gc_was_enabled:
            gc.enable()
    if times:
        gen.summary.first_order, gen.summary.last_order = times[0], times[-1]
    return gen.summary


def _replay(gen: _Generator, rng: Random, orders: int, contacts: int | None) -> list[datetime]:
    """Contacts and products first, then every order's events in time order."""
    contact_ids = gen.make_contacts(contacts or max(len(_FIXED_CONTACTS) + 6, orders // 3))
    gen.products = gen.make_products()
    span = int((gen.now - gen.start).total_seconds()) - 3600
    times = sorted(gen.start + timedelta(seconds=rng.randint(0, span)) for _ in range(orders))
    for n, when in enumerate(times):
        scenario = SCENARIOS[n] if n < len(SCENARIOS) else rng.choices(SCENARIOS, _WEIGHTS)[0]
        # Every 40th order goes to a contact who shares a name with another (the two John Smiths).
        contact = contact_ids[2 + n % 2] if n % 40 == 39 else rng.choice(contact_ids)
        gen.later(when, lambda n=n, when=when, contact=contact, scenario=scenario:
                  gen.order(n, when, contact, scenario))
    gen.run()
    return times
