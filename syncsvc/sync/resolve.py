"""The lookups the engine asks for: state links first, then QuickBooks, cached for one cycle.

Customer rules are run lazily (email, then name, then company + city, then the
free display names), asking the engine after each query whether it has decided,
so a contact matched by email costs one query. Items are read in bulk per
batch (`Name IN (...)`). Payment methods and accounts are looked up by name;
a missing payment method is created (QBO companies start with few of them).
"""

from __future__ import annotations

from typing import Iterable

from quickbooks.objects.account import Account
from quickbooks.objects.customer import Customer
from quickbooks.objects.item import Item
from quickbooks.objects.paymentmethod import PaymentMethod

from syncsvc.engine import customers as customer_rules
from syncsvc.engine.customers import CustomerCandidates, CustomerResolution, QboCustomer
from syncsvc.engine.items import QboItem
from syncsvc.errors import SyncsvcError
from syncsvc.infusionsoft.records import Contact
from syncsvc.quickbooks import lookups
from syncsvc.quickbooks.errors import DuplicateName

_IN_CHUNK = 100
CREDIT_CARD_WORDS = ("card", "visa", "mastercard", "express", "discover", "diners")


class MissingReference(SyncsvcError):
    """A name the settings point at (account, payment method) is not in the QuickBooks company."""


def qbo_customer(customer) -> QboCustomer:
    email = customer.PrimaryEmailAddr.Address if customer.PrimaryEmailAddr else ""
    city = customer.BillAddr.City if customer.BillAddr else ""
    return QboCustomer(
        id=str(customer.Id), display_name=customer.DisplayName or "", email=email or "",
        given_name=customer.GivenName or "", family_name=customer.FamilyName or "",
        company_name=customer.CompanyName or "", city=city or "",
    )


def qbo_item(item) -> QboItem:
    return QboItem(id=str(item.Id), name=item.Name or "", sku=getattr(item, "Sku", "") or "")


class QboDirectory:
    """What the QuickBooks company holds that plans refer to, looked up once per cycle."""

    def __init__(self, qb) -> None:
        self.qb = qb
        self._items_by_name: dict[str, QboItem | None] = {}
        self._items_by_sku: dict[str, list[QboItem]] = {}
        self._payment_methods: dict[str, str] = {}
        self._accounts: dict[str, str] = {}

    # -- customers -----------------------------------------------------------------------

    def resolve_customer(self, contact: Contact, link: str | None) -> CustomerResolution:
        if link:
            return customer_rules.resolve_customer(contact, CustomerCandidates(), link)
        asks = customer_rules.lookups(contact)
        found = CustomerCandidates()
        stages = (
            ("by_email", asks.email, lambda: lookups.customers_by_email(self.qb, asks.email)),
            ("by_name", asks.given_name and asks.family_name,
             lambda: lookups.customers_by_name(self.qb, asks.given_name, asks.family_name)),
            ("by_company_city", asks.company_name and asks.city,
             lambda: lookups.customers_by_company_and_city(self.qb, asks.company_name, asks.city)),
        )
        for field, wanted, query in stages:
            if not wanted:
                continue
            found = _with(found, **{field: tuple(qbo_customer(c) for c in query())})
            decided = customer_rules.resolve_customer(contact, found)
            if not isinstance(decided, customer_rules.Create):
                return decided
        taken: set[str] = set()
        for name in asks.display_names:
            # The engine takes the first free name: stop asking at the first one QBO does not hold.
            if lookups.customer_by_display_name(self.qb, name) is None:
                break
            taken.add(name)
        return customer_rules.resolve_customer(contact, _with(found, taken_display_names=frozenset(taken)))

    # -- items -------------------------------------------------------------------------------

    def load_items(self, names: Iterable[str], skus: Iterable[str] = ()) -> None:
        """Read the named items (and items by Sku) not looked up yet this cycle, in bulk."""
        wanted = sorted({n for n in names if n.casefold() not in self._items_by_name})
        for chunk in _chunks(wanted):
            for item in lookups.paged(self.qb, Item, [_in("Name", chunk)]):
                self._items_by_name[(item.Name or "").casefold()] = qbo_item(item)
        for name in wanted:
            self._items_by_name.setdefault(name.casefold(), None)
        wanted_skus = sorted({s for s in skus if s.casefold() not in self._items_by_sku})
        for chunk in _chunks(wanted_skus):
            for item in lookups.paged(self.qb, Item, [_in("Sku", chunk)]):
                self._items_by_sku.setdefault((item.Sku or "").casefold(), []).append(qbo_item(item))
        for sku in wanted_skus:
            self._items_by_sku.setdefault(sku.casefold(), [])

    def items(self, names: Iterable[str], skus: Iterable[str] = ()) -> tuple[QboItem, ...]:
        self.load_items(names, skus)
        found = [self._items_by_name.get(n.casefold()) for n in names]
        found += [i for s in skus for i in self._items_by_sku.get(s.casefold(), [])]
        return tuple({i.id: i for i in found if i is not None}.values())

    def remember_item(self, item: QboItem) -> None:
        self._items_by_name[item.name.casefold()] = item
        if item.sku:
            self._items_by_sku.setdefault(item.sku.casefold(), []).append(item)

    def forget_items(self) -> None:
        """Items may have been renamed or added in QBO since: read them again (re-sync)."""
        self._items_by_name.clear()
        self._items_by_sku.clear()

    # -- accounts and payment methods -------------------------------------------------------

    def account_id(self, name: str) -> str:
        key = name.casefold()
        if key not in self._accounts:
            found = next(lookups.paged(self.qb, Account, [lookups.equals("Name", name)]), None)
            if found is None:
                raise MissingReference(f"QuickBooks has no account named {name!r} (check [sync] settings)")
            self._accounts[key] = str(found.Id)
        return self._accounts[key]

    def payment_method_id(self, name: str) -> str:
        key = name.casefold()
        if key not in self._payment_methods:
            found = self._find_payment_method(name)
            if found is None:
                method = PaymentMethod()
                method.Name = name[:31]
                method.Type = "CREDIT_CARD" if any(w in key for w in CREDIT_CARD_WORDS) else "NON_CREDIT_CARD"
                try:
                    found = method.save(qb=self.qb)
                except DuplicateName:  # created meanwhile (or an earlier attempt landed)
                    found = self._find_payment_method(name)
            self._payment_methods[key] = str(found.Id)
        return self._payment_methods[key]

    def _find_payment_method(self, name: str):
        return next(lookups.paged(self.qb, PaymentMethod, [lookups.equals("Name", name[:31])]), None)


def _with(found: CustomerCandidates, **changes) -> CustomerCandidates:
    from dataclasses import replace

    return replace(found, **changes)


def _in(field: str, values: list[str]) -> str:
    return f"{field} IN ({', '.join(lookups.quote(v) for v in values)})"


def _chunks(values: list[str]):
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start:start + _IN_CHUNK]


__all__ = ["QboDirectory", "MissingReference", "qbo_customer", "qbo_item", "Customer"]
