"""The lookups the engine asks for: state links first, then QuickBooks, cached for one cycle.

Customer rules are run lazily (email, then name, which includes a customer
holding the contact's plain DisplayName with no given or family name, then company + city, then the
free display names), asking the engine after each query whether it has decided,
so a contact matched by email costs one query. A batch's unlinked contacts can
be looked up together first (`load_customers`: a few IN queries per batch
instead of several queries per contact, which a backfill would otherwise pay
for every new customer); their answers are then read from that index. Items are read in bulk per
batch (`Name IN (...)`). Payment methods and accounts are looked up by name;
a missing payment method is created (QBO companies start with few of them).

The next read batch's bulk reads are made while the current batch writes
(sync/preload.py), into a directory of their own (`ahead`, which leaves one
in-flight slot for the batch of writes). When its turn comes the directory
`adopt`s them, replaying what it learnt since they were made: the customers
and payments the current batch created (a contact of the next batch matches
the customer created for its email; a new customer avoids a name just taken;
a payment's reference finds the payment just posted under it) and the
customers it reactivated. Items stay known for the whole cycle; one found or
created by the current batch wins over the next batch's "none".

Inactive records. QBO leaves inactive customers, items and payment methods
out of every query that does not filter on Active, but their names stay taken
(a create answers 6240). The rule, as a bookkeeper would expect it:

- Customers are looked up active or not. An inactive customer that a rule
  matches (email, name, company + city) is the contact's customer: it is used
  and reactivated, with a warning naming it, never duplicated. Within one rule
  an active customer wins over inactive ones (the inactive one is an old
  record), so making a duplicate inactive settles an ambiguity.
- A DisplayName held by any customer, vendor or employee, active or not, is
  taken: a new customer gets the next free one (`Jane Smith`, then
  `Jane Smith (1234)` with the contact id).
- Items are looked up as QBO answers (active only), so an inactive item is
  never chosen for a line by itself. When the sync needs an item of that name
  (a product's SKU, or the shipping, tax, discount or unknown item), creating
  it meets the 6240 and `writers.create` reactivates the inactive item instead,
  with a warning naming it; an item no order needs stays inactive.
- A payment method the sync needs (a pay type maps to it) is reactivated with
  a warning when it is inactive. Its creation carries a requestid and, when the
  answer is lost or a 5xx, is looked up by name before it is sent again, so a
  retry never makes a second one.
- Accounts are never reactivated: an inactive account named in the settings
  stops the order with a line saying to make it active or change the setting.

Accounts of the shipping, tax and discount items (issue 11). When the sync
creates one of these items it puts it on the account the settings name for it
(tax_account, shipping_account, discount_account), creating that account with
the right AccountType / AccountSubType when QuickBooks has none of that name,
and refusing (holding the order, naming the fix) an account of the wrong kind,
such as a "Sales Tax Payable" that is an income account. An item that already
exists, e.g. a "Sales Tax" item an earlier version created on Sales of Product
Income, is never changed by the sync: changing an item's account is the
bookkeeper's decision (QuickBooks asks whether past transactions should move
too). Once per cycle `check_item_accounts` logs a warning for each such item
posting elsewhere than the settings say, naming the item, its account and the
fix; for a tax item on an income account it says that tax is being booked as
revenue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from quickbooks.objects.account import Account
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.refundreceipt import RefundReceipt

from syncsvc.engine import customers as customer_rules
from syncsvc.engine.customers import CustomerCandidates, CustomerResolution, QboCustomer, normalized
from syncsvc.engine.items import AccountDraft, QboItem
from syncsvc.errors import SyncsvcError
from syncsvc.infusionsoft.records import Contact
from syncsvc.quickbooks import lookups, writers
from syncsvc.quickbooks.errors import DuplicateName

log = logging.getLogger(__name__)
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
    account = getattr(item, "IncomeAccountRef", None)
    return QboItem(id=str(item.Id), name=item.Name or "", sku=getattr(item, "Sku", "") or "",
                   income_account_id=str(getattr(account, "value", "") or "") if account else "")


class QboDirectory:
    """What the QuickBooks company holds that plans refer to, looked up once per cycle."""

    def __init__(self, qb) -> None:
        self.qb = qb
        self._items_by_name: dict[str, QboItem | None] = {}
        self._items_by_sku: dict[str, list[QboItem]] = {}
        self._payment_methods: dict[str, str] = {}
        self._accounts: dict[str, str] = {}
        self._items_checked = False
        self._customers: _CustomerIndex | None = None
        self._inactive_customers: set[str] = set()  # ids of customers seen inactive this cycle
        self._payments_by_ref: dict[str, list] = {}
        self._documents: tuple[type | None, dict[str, list]] = (None, {})
        self._refunds: dict[type, dict[str, list]] = {}
        # While a directory made by `ahead` reads the next batch: what this one learns meanwhile, replayed
        # into that one's reads when it is adopted (None: no such directory).
        self._learnt: list[tuple[str, object]] | None = None
        self._seen_active: set[str] | None = None  # in a directory made by `ahead`: customers QBO showed active
        self._spare = 0  # in-flight slots its bulk reads leave free (`ahead`: one, for the batch of writes)

    # -- the next read batch, looked up ahead ------------------------------------------------

    def ahead(self) -> "QboDirectory":
        """A directory for the next read batch's bulk reads (`load_*`), to be made in another thread while
        this one serves the current batch, then `adopt`ed. It knows the items this one knows, and whether
        the item accounts were checked this cycle. One at a time: a new one replaces the one not adopted."""
        other = QboDirectory(self.qb)
        other._items_by_name = dict(self._items_by_name)
        other._items_by_sku = {sku: list(items) for sku, items in self._items_by_sku.items()}
        other._items_checked = self._items_checked
        other._seen_active = set()
        other._spare = 1
        self._learnt = []
        return other

    def adopt(self, other: "QboDirectory") -> None:
        """Take the next read batch's bulk reads from `other` (made by `ahead`), in place of the current
        batch's, and replay into them what this directory learnt since `other` was made: the customers and
        payments the current batch created, the customers it reactivated. So they answer as reads made
        now would: a contact of the next batch finds the customer an order of this one created, a payment
        the one this batch posted under its reference."""
        learnt, self._learnt = self._learnt or [], None
        self._customers = other._customers
        self._payments_by_ref = other._payments_by_ref
        self._documents = other._documents
        self._refunds = other._refunds
        for name, item in other._items_by_name.items():
            if self._items_by_name.get(name) is None:  # an item this one created or found stays
                self._items_by_name[name] = item
        for sku, items in other._items_by_sku.items():
            known = self._items_by_sku.setdefault(sku, [])
            known.extend(item for item in items if all(k.id != item.id for k in known))
        self._items_checked = self._items_checked or other._items_checked
        self._inactive_customers = (self._inactive_customers - (other._seen_active or set())) \
            | other._inactive_customers
        for kind, what in learnt:
            if kind == "customer":
                self._index_customer(what)
            elif kind == "payment":
                self._index_payment(what)
            else:  # "reactivated"
                self._inactive_customers.discard(what)

    # -- customers -----------------------------------------------------------------------

    def resolve_customer(self, contact: Contact, link: str | None) -> CustomerResolution:
        if link:
            return customer_rules.resolve_customer(contact, CustomerCandidates(), link)
        asks = customer_rules.lookups(contact)
        index = self._customers if self._customers is not None and contact.id in self._customers.contacts else None
        found = _prefer_active(self._candidates(contact, asks, index), self._inactive_customers)
        if not isinstance(decided := customer_rules.resolve_customer(contact, found), customer_rules.Create):
            if isinstance(decided, customer_rules.Matched) and decided.customer_id in self._inactive_customers:
                self._reactivate_customer(decided.customer_id,
                                          f"contact {contact.id} matches it by {decided.rule.replace('_', ' + ')}")
            return decided
        taken: set[str] = set()
        for name in asks.display_names:
            # The engine takes the first free name: stop asking at the first one QBO does not hold.
            known = index.display_name_taken(name) if index is not None else None
            if known is None:
                known = lookups.display_name_taken(self.qb, name)
            if not known:
                break
            taken.add(name)
        return customer_rules.resolve_customer(contact, _with(found, taken_display_names=frozenset(taken)))

    def _customer(self, customer) -> QboCustomer:
        """A customer QBO answered with, noting whether it is inactive."""
        return self._seen(_Seen.of(customer)).customer

    def _seen(self, seen: "_Seen") -> "_Seen":
        """Note whether a customer QBO answered with is inactive."""
        if seen.customer is None:
            return seen
        if seen.inactive:
            self._inactive_customers.add(seen.customer.id)
        else:
            self._inactive_customers.discard(seen.customer.id)
            if self._seen_active is not None:
                self._seen_active.add(seen.customer.id)
        return seen

    def _reactivate_customer(self, customer_id: str, why: str) -> None:
        customer = Customer.get(customer_id, qb=self.qb)
        if customer.Active is False:
            writers.reactivate(self.qb, customer, why)
        self._inactive_customers.discard(customer_id)
        self._learn("reactivated", customer_id)

    def _learn(self, kind: str, what: object) -> None:
        if self._learnt is not None:
            self._learnt.append((kind, what))

    def _candidates(self, contact: Contact, asks, index: "_CustomerIndex | None") -> CustomerCandidates:
        if index is not None:
            return index.candidates(asks)
        found = CustomerCandidates()
        stages = (
            ("by_email", asks.email, lambda: lookups.customers_by_email(self.qb, asks.email)),
            ("by_name", asks.given_name and asks.family_name,
             lambda: lookups.customers_by_name(self.qb, asks.given_name, asks.family_name)
             + _display_name_only(lookups.customer_by_display_name(self.qb, asks.display_names[0]))),
            ("by_company_city", asks.company_name and asks.city,
             lambda: lookups.customers_by_company_and_city(self.qb, asks.company_name, asks.city)),
        )
        for field, wanted, query in stages:
            if not wanted:
                continue
            found = _with(found, **{field: tuple(self._customer(c) for c in query())})
            if not isinstance(customer_rules.resolve_customer(contact, found), customer_rules.Create):
                return found
        return found

    def load_customers(self, contacts: Iterable[Contact]) -> None:
        """Look up these (unlinked) contacts' customers in bulk: by email, by family name, by
        company, then the first display name of those still undecided. Replaces the previous
        batch's index, so memory stays one batch deep."""
        contacts = list(contacts)
        self._customers = None
        if not contacts:
            return
        asks = {c.id: customer_rules.lookups(c) for c in contacts}
        index = _CustomerIndex(frozenset(asks))
        queries = [(Customer, [_in(field, chunk)]) for field, values in (
            ("PrimaryEmailAddr", {a.email for a in asks.values() if a.email}),
            ("FamilyName", {a.family_name for a in asks.values() if a.given_name and a.family_name}),
            ("CompanyName", {a.company_name for a in asks.values() if a.company_name and a.city}),
        ) for chunk in _chunks(sorted(values))]
        for found in lookups.paged_each(self.qb, queries, include_inactive=True, spare=self._spare, keep=_Seen.of):
            for seen in found:
                index.add(self._seen(seen).customer)
        # The first display name of contacts still undecided, and of those with a name not matched by email (the
        # name rule matches a customer holding only that DisplayName too, as the per-contact lookup does).
        undecided = [
            asks[c.id].display_names[0] for c in contacts
            if asks[c.id].display_names
            and (isinstance(decided := customer_rules.resolve_customer(c, index.candidates(asks[c.id])),
                            customer_rules.Create)
                 or (asks[c.id].given_name and not (isinstance(decided, customer_rules.Matched)
                                                    and decided.rule == "email")))
        ]
        self._load_display_names(index, undecided, customers_are_candidates=True)
        # A contact to be created whose plain name is taken (by QBO, or by a customer created earlier in
        # this batch) gets the next name (engine/customers.py): those are asked for in bulk too, not one
        # contact at a time.
        second = [
            asks[c.id].display_names[1] for c in contacts
            if len(asks[c.id].display_names) > 1
            and isinstance(customer_rules.resolve_customer(c, index.candidates(asks[c.id])), customer_rules.Create)
        ]
        self._load_display_names(index, second, customers_are_candidates=False)
        index.keep_only_for(asks.values(), self._inactive_customers)
        self._customers = index

    def _load_display_names(self, index: "_CustomerIndex", names: list[str], customers_are_candidates: bool) -> None:
        """Which of these DisplayNames QBO holds; customers holding a contact's plain name are candidates."""
        # A DisplayName is unique across customers, vendors and employees, inactive ones included.
        queries = [(holder_cls, [_in("DisplayName", chunk)]) for chunk in _chunks(sorted(set(names)))
                   for holder_cls in lookups.DISPLAY_NAME_HOLDERS]
        answers = lookups.paged_each(self.qb, queries, include_inactive=True, spare=self._spare, keep=_Seen.of)
        for found in answers:
            for seen in found:
                if seen.customer is not None and customers_are_candidates:
                    index.add(self._seen(seen).customer)
                else:
                    index.mark_display_name_taken(seen.display_name)
        index.mark_display_names_searched(names)

    def remember_customer(self, customer: QboCustomer) -> None:
        """A customer we just created: later contacts of this batch (and the next) must see it as QBO would."""
        self._index_customer(customer)
        self._learn("customer", customer)

    def _index_customer(self, customer: QboCustomer) -> None:
        if self._customers is not None:
            self._customers.add(customer)

    # -- items -------------------------------------------------------------------------------

    def load_items(self, names: Iterable[str], skus: Iterable[str] = ()) -> None:
        """Read the named items (and items by Sku) not looked up yet this cycle, in bulk. Active ones
        only, as QBO answers by default: an inactive item is reactivated only when an order needs it
        (see the module docstring)."""
        wanted = sorted({n for n in names if n.casefold() not in self._items_by_name})
        wanted_skus = sorted({s for s in skus if s.casefold() not in self._items_by_sku})
        by_name = [(Item, [_in("Name", chunk)]) for chunk in _chunks(wanted)]
        by_sku = [(Item, [_in("Sku", chunk)]) for chunk in _chunks(wanted_skus)]
        answers = lookups.paged_each(self.qb, by_name + by_sku, spare=self._spare)
        for item in (item for found in answers[:len(by_name)] for item in found):
            self._items_by_name[(item.Name or "").casefold()] = qbo_item(item)
        for item in (item for found in answers[len(by_name):] for item in found):
            self._items_by_sku.setdefault((item.Sku or "").casefold(), []).append(qbo_item(item))
        for name in wanted:
            self._items_by_name.setdefault(name.casefold(), None)
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

    # -- payments already in QuickBooks ---------------------------------------------------------

    def load_payments(self, refs: Iterable[str]) -> None:
        """Read the QBO payments carrying these PaymentRefNums in bulk, for one batch (replacing
        the previous batch's), so the duplicate check before each payment costs no query."""
        self._payments_by_ref = self._bulk_by(Payment, "PaymentRefNum", refs)

    def payments_by_ref(self, ref: str) -> list:
        """QBO payments with this PaymentRefNum: from the batch's bulk read, else asked now."""
        known = self._payments_by_ref.get(ref.casefold())
        return list(known) if known is not None else lookups.payments_by_ref(self.qb, ref)

    def remember_payment(self, payment) -> None:
        """A payment we just created: a later payment of this batch (and the next) under its reference sees it."""
        self._index_payment(payment)
        self._learn("payment", payment)

    def _index_payment(self, payment) -> None:
        known = self._payments_by_ref.get((payment.PaymentRefNum or "").casefold())
        if known is not None and all(str(p.Id) != str(payment.Id) for p in known):
            known.append(payment)

    # -- invoices and sales receipts already in QuickBooks ----------------------------------------

    def load_documents(self, entity_cls, doc_numbers: Iterable[str]) -> None:
        """Read the QBO documents (Invoice or SalesReceipt) carrying these DocNumbers in bulk, for one
        batch (replacing the previous batch's), so the check before each create costs no query."""
        self._documents = (entity_cls, self._bulk_by(entity_cls, "DocNumber", doc_numbers))

    def documents_by_doc_number(self, entity_cls, doc_number: str) -> list:
        """QBO documents of this type with this DocNumber: from the batch's bulk read, else asked now."""
        loaded_cls, loaded = self._documents
        known = loaded.get(doc_number.casefold()) if loaded_cls is entity_cls else None
        return list(known) if known is not None else lookups.documents_by_doc_number(self.qb, entity_cls, doc_number)

    def load_refunds(self, doc_numbers: Iterable[str]) -> None:
        """Read the RefundReceipts and CreditMemos carrying these DocNumbers in bulk, for one batch
        (replacing the previous batch's), so the check before each refund costs no query."""
        wanted = sorted(set(doc_numbers))
        self._refunds = {cls: self._bulk_by(cls, "DocNumber", wanted) for cls in (RefundReceipt, CreditMemo)} \
            if wanted else {}

    def refunds_by_doc_number(self, entity_cls, doc_number: str) -> list:
        """QBO refunds of this type with this DocNumber: from the batch's bulk read, else asked now."""
        known = self._refunds.get(entity_cls, {}).get(doc_number.casefold())
        return list(known) if known is not None else lookups.refunds_by_doc_number(self.qb, entity_cls, doc_number)

    def _bulk_by(self, entity_cls, field: str, values: Iterable[str]) -> dict[str, list]:
        """QBO records whose `field` is one of `values`, by casefolded value (an empty list: none in QBO)."""
        wanted = sorted(set(values))
        found: dict[str, list] = {value.casefold(): [] for value in wanted}
        queries = [(entity_cls, [_in(field, chunk)]) for chunk in _chunks(wanted)]
        for records in lookups.paged_each(self.qb, queries, spare=self._spare):
            for record in records:
                found.setdefault((getattr(record, field) or "").casefold(), []).append(record)
        return found

    # -- accounts and payment methods -------------------------------------------------------

    def account_id(self, name: str, create: AccountDraft | None = None) -> str:
        """The id of the account `name`. With `create`, a missing account is created with its type (once,
        with a warning), and an existing one of another kind than `create.classification` is refused."""
        key = name.casefold()
        if key not in self._accounts:
            found = lookups.named(self.qb, Account, name)
            if found is None and create is not None:
                found = self._create_account(create)
            if found is None:
                raise MissingReference(f"QuickBooks has no account named {name!r} (check [sync] settings)")
            if found.Active is False:
                raise MissingReference(f"QuickBooks account {name!r} is inactive: make it active in QuickBooks "
                                       f"or name another one in [sync] settings")
            if create is not None and (found.Classification or "") != create.classification:
                raise MissingReference(
                    f"QuickBooks account {name!r} is of type {found.AccountType!r}, but {create.purpose} must post "
                    f"to a{'n' if create.classification[0] in 'AEIOU' else ''} {create.classification.lower()} "
                    f"account (such as type {create.account_type!r}): set [sync].{create.setting} to one, or "
                    f"remove it and syncsvc creates {name!r} as {create.account_type!r}")
            self._accounts[key] = str(found.Id)
        return self._accounts[key]

    def _create_account(self, draft: AccountDraft):
        account = Account()
        account.Name = draft.name
        account.AccountType = draft.account_type
        account.AccountSubType = draft.sub_type
        try:
            created = writers.create(self.qb, account)
        except DuplicateName:  # created meanwhile (or inactive, which account_id then refuses)
            created = lookups.named(self.qb, Account, draft.name)
            if created is None:
                raise
        else:
            log.warning("created QuickBooks account %r (%s, %s) for %s ([sync].%s)", draft.name, draft.account_type,
                        draft.sub_type, draft.purpose, draft.setting)
        return created

    def check_item_accounts(self, expected: Mapping[str, AccountDraft]) -> list[str]:
        """Warn (once per cycle) about each configured item (name -> the account it should post to) that
        QuickBooks holds on another account; returns the warnings. Items are never changed (module docstring)."""
        if self._items_checked:
            return []
        self._items_checked = True
        self.load_items(expected)
        warnings = []
        for item_name, wanted in expected.items():
            item = self._items_by_name.get(item_name.casefold())
            if item is None or not item.income_account_id:
                continue
            account = self._account_by_id(item.income_account_id)
            if account is None or (account.Name or "").casefold() == wanted.name.casefold():
                continue
            where = f"QuickBooks item {item.name!r} (Id {item.id}) posts to account {account.Name!r} ({account.AccountType})"
            if wanted.classification == "Liability" and (account.Classification or "") == "Revenue":
                why = f"so {wanted.purpose} is booked as revenue and no tax is owed in the books"
            else:
                why = f"not to {wanted.name!r} as [sync].{wanted.setting} says"
            fix = (f"in QuickBooks edit the item and set its account to {wanted.name!r} (type "
                   f"{wanted.account_type}), or set [sync].{wanted.setting} = {account.Name!r} to keep it")
            warnings.append(f"{where}, {why}: {fix}")
        for warning in warnings:
            log.warning(warning)
        return warnings

    def _account_by_id(self, account_id: str):
        try:
            return Account.get(account_id, qb=self.qb)
        except Exception:  # noqa: BLE001 - a warning's detail is not worth failing the cycle
            log.info("could not read QuickBooks account %s", account_id)
            return None

    def payment_method_id(self, name: str) -> str:
        """The id of the payment method `name`: found (active or not; an inactive one is reactivated with a
        warning), else created once (see the module docstring)."""
        key = name.casefold()
        if key not in self._payment_methods:
            qbo_name = name[:31]
            found = lookups.named(self.qb, PaymentMethod, qbo_name)
            if found is None:
                method = PaymentMethod()
                method.Name = qbo_name
                method.Type = "CREDIT_CARD" if any(w in key for w in CREDIT_CARD_WORDS) else "NON_CREDIT_CARD"
                try:
                    found = writers.create(self.qb, method)
                except DuplicateName:  # someone else created it since we looked
                    found = lookups.named(self.qb, PaymentMethod, qbo_name)
                    if found is None:
                        raise
            if found.Active is False:
                found = writers.reactivate(self.qb, found, "payments posted with this payment method need it")
            self._payment_methods[key] = str(found.Id)
        return self._payment_methods[key]


@dataclass(frozen=True)
class _Seen:
    """What a bulk read keeps of a customer, vendor or employee QBO answered with (not the python-quickbooks
    object, which is ten times its size): the customer as the rules see it (None for a vendor or
    employee), its DisplayName, and whether it is inactive."""

    customer: QboCustomer | None
    display_name: str
    inactive: bool

    @classmethod
    def of(cls, holder) -> "_Seen":
        customer = qbo_customer(holder) if isinstance(holder, Customer) else None
        return cls(customer, holder.DisplayName or "", holder.Active is False)


class _CustomerIndex:
    """One batch's customers, answering the per-contact queries as QBO would (case-insensitive
    equality; company matches filtered by city here, as `lookups` does)."""

    def __init__(self, contacts: frozenset[int]) -> None:
        self.contacts = contacts
        self._by_email: dict[str, dict[str, QboCustomer]] = {}
        self._by_name: dict[tuple[str, str], dict[str, QboCustomer]] = {}
        self._by_company: dict[str, dict[str, QboCustomer]] = {}
        self._by_display_name: dict[str, dict[str, QboCustomer]] = {}  # customers with no given/family name
        self._display_names: set[str] = set()
        self._display_names_searched: set[str] = set()

    def add(self, customer: QboCustomer) -> None:
        if customer.email:
            self._by_email.setdefault(customer.email.casefold(), {})[customer.id] = customer
        if customer.given_name and customer.family_name:
            key = (customer.given_name.casefold(), customer.family_name.casefold())
            self._by_name.setdefault(key, {})[customer.id] = customer
        elif not customer.given_name and not customer.family_name:
            self._by_display_name.setdefault(customer.display_name.casefold(), {})[customer.id] = customer
        if customer.company_name:
            self._by_company.setdefault(customer.company_name.casefold(), {})[customer.id] = customer
        self._display_names.add(customer.display_name.casefold())

    def keep_only_for(self, asks: Iterable, inactive: set[str]) -> None:
        """Keep only the customers these contacts' rules can tell apart. In a large company a batch's
        family names match thousands of customers (every Murphy), nearly all with an email of their own:
        for a contact with another email such a namesake is another person (engine/customers.py), and
        the rules only need to know that one exists, active or not. So under each name (company + city,
        DisplayName) this keeps the customers with no email, those with an asking contact's email, all of
        them when an asking contact has no email, and of the others one active and one inactive; under
        emails and DisplayNames, only those asked. Each contact's decision is the one the whole answer
        would give (tests/unit/sync/test_customer_index.py), in memory that does not grow with the company."""
        asks = list(asks)
        emails = {normalized(a.email) for a in asks if a.email}
        self._by_email = {key: found for key, found in self._by_email.items() if normalized(key) in emails}
        askers: dict[tuple, list[str]] = {}  # (table, key) -> the asking contacts' emails ("" for none)
        for a in asks:
            keys = [("display", a.display_names[0].casefold())] if a.display_names else []
            if a.given_name and a.family_name:
                keys.append(("name", (a.given_name.casefold(), a.family_name.casefold())))
            if a.company_name and a.city:
                keys.append(("company", (a.company_name.casefold(), a.city.strip().casefold())))
            for key in keys:
                askers.setdefault(key, []).append(normalized(a.email))
        self._by_name = _namesakes(self._by_name, lambda key: askers.get(("name", key)), inactive)
        self._by_display_name = _namesakes(self._by_display_name, lambda key: askers.get(("display", key)), inactive)
        by_company_city: dict[tuple[str, str], dict[str, QboCustomer]] = {}
        for company, found in self._by_company.items():
            for customer in found.values():
                by_company_city.setdefault((company, customer.city.strip().casefold()), {})[customer.id] = customer
        kept = _namesakes(by_company_city, lambda key: askers.get(("company", key)), inactive)
        self._by_company = {}
        for (company, _), found in kept.items():
            self._by_company.setdefault(company, {}).update(found)
        options = {name.casefold() for a in asks for name in a.display_names}
        self._display_names &= options

    def mark_display_name_taken(self, name: str) -> None:
        """A vendor or employee holds this DisplayName: no new customer can take it."""
        self._display_names.add(name.casefold())

    def mark_display_names_searched(self, names: Iterable[str]) -> None:
        self._display_names_searched.update(n.casefold() for n in names)

    def candidates(self, asks) -> CustomerCandidates:
        def found(table: dict, key) -> tuple[QboCustomer, ...]:
            return tuple(sorted(table.get(key, {}).values(), key=lambda c: c.id))

        city = asks.city.strip().casefold()
        return CustomerCandidates(
            by_email=found(self._by_email, asks.email.casefold()) if asks.email else (),
            by_name=found(self._by_name, (asks.given_name.casefold(), asks.family_name.casefold()))
            + found(self._by_display_name, asks.display_names[0].casefold())
            if asks.given_name and asks.family_name else (),
            by_company_city=tuple(c for c in found(self._by_company, asks.company_name.casefold())
                                  if c.city.strip().casefold() == city) if asks.company_name and asks.city else (),
        )

    def display_name_taken(self, name: str) -> bool | None:
        """True/False when this batch's lookups (or our own creates) know; None: ask QBO."""
        key = name.casefold()
        if key in self._display_names:
            return True
        return False if key in self._display_names_searched else None


def _namesakes(table: dict, emails_asking: Callable, inactive: set[str]) -> dict:
    """`table` (key -> customers by id) with only what its asking contacts' rules tell apart (see
    _CustomerIndex.keep_only_for); keys no contact asks for are dropped."""
    kept = {}
    for key, found in table.items():
        asking = emails_asking(key)
        if not asking:
            continue
        if "" in asking:  # a contact with no email: any namesake may be the same person
            kept[key] = found
            continue
        mine, reps = {}, set()
        for customer in sorted(found.values(), key=lambda c: c.id):
            email = normalized(customer.email)
            if not email or email in asking:
                mine[customer.id] = customer
            elif (activity := customer.id in inactive) not in reps:  # another person: one of each kind
                reps.add(activity)
                mine[customer.id] = customer
        kept[key] = mine
    return kept


def _display_name_only(customer) -> list:
    """The customer holding the contact's plain DisplayName, when it has no given or family name (typed
    into QuickBooks by hand): the name rule matches it too."""
    if customer is None or customer.GivenName or customer.FamilyName:
        return []
    return [customer]


def _with(found: CustomerCandidates, **changes) -> CustomerCandidates:
    return replace(found, **changes)


def _prefer_active(found: CustomerCandidates, inactive: set[str]) -> CustomerCandidates:
    """Within each rule, active customers win over inactive ones; inactive ones count only when that rule
    finds no active customer."""
    def pick(candidates: tuple[QboCustomer, ...]) -> tuple[QboCustomer, ...]:
        active = tuple(c for c in candidates if c.id not in inactive)
        return active or candidates

    return replace(found, by_email=pick(found.by_email), by_name=pick(found.by_name),
                   by_company_city=pick(found.by_company_city))


def _in(field: str, values: list[str]) -> str:
    return f"{field} IN ({', '.join(lookups.quote(v) for v in values)})"


def _chunks(values: list[str]):
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start:start + _IN_CHUNK]


__all__ = ["QboDirectory", "MissingReference", "qbo_customer", "qbo_item", "Customer"]
